"""Inventory sources of macOS: application bundles, launchd jobs and Homebrew casks, with the
property-list readers they share (common.py)."""
