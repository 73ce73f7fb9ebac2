"""Inventory sources of Linux: Debian, RPM and Arch packages, Flatpak apps, snaps, deepin apps, menu
entries, systemd units and AppImages."""
