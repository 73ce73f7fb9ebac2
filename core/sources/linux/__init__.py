"""Inventory sources of Linux: Debian and RPM packages, Flatpak apps, snaps, menu entries and AppImages."""
