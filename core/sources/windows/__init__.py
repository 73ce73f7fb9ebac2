"""Inventory sources of Windows: uninstall entries, Store packages, services, shortcuts, Scoop and
Chocolatey, vendor registry keys, with the registry readers they share (common.py), the shortcut
reader (shell_link.py) and the key paths packs name (key_paths.py)."""
