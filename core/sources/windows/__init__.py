"""Inventory sources of Windows: uninstall entries, Store packages and services, with the registry
readers they share (common.py)."""
