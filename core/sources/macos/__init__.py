"""Inventory sources of macOS: application bundles, launchd jobs, Homebrew casks, installer package
receipts and system extensions, with the property-list readers they share (common.py)."""
