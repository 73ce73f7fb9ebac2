"""Inventory sources: each reads one kind of thing from a device (see base.py for the interface).

One folder per platform (linux/, windows/, macos/, android/, ios/) holds that platform's sources and the helpers
they share; what serves several platforms (processes, leftovers, and the file and mounted-disk
readers) sits here beside them. Adding a source is one module in its platform's folder plus one
line in ALL_SOURCES: LazySource(module, class, name) for a platform folder's.
"""

from __future__ import annotations

from typing import Iterable

from appwarden.core.messages import Message
from appwarden.core.sources.base import COMPUTER_PLATFORMS, InventorySource, LazySource

# Each source is named by module and class, and imported only when a check reads it (or a report
# asks for its title): a check of Linux loads no Windows, macOS or phone reader, and importing the
# registry costs nothing. The sources beside the platform folders name the platforms they serve.
ALL_SOURCES: tuple[InventorySource, ...] = (
    LazySource("linux.dpkg", "DpkgPackages", "dpkg"),
    LazySource("linux.rpm", "RpmPackages", "rpm"),
    LazySource("linux.pacman", "PacmanPackages", "pacman"),
    LazySource("linux.flatpak", "FlatpakApps", "flatpak"),
    LazySource("linux.snap", "SnapPackages", "snap"),
    LazySource("linux.desktop_entries", "DesktopEntries", "desktop_entries"),
    LazySource("linux.deepin_apps", "DeepinApps", "deepin_apps"),
    LazySource("linux.systemd_units", "SystemdUnits", "systemd_units"),
    LazySource("linux.appimage", "AppImageFiles", "appimage"),
    LazySource("windows.uninstall", "WindowsUninstallEntries", "windows_uninstall"),
    LazySource("windows.store", "WindowsStorePackages", "windows_store"),
    LazySource("windows.services", "WindowsServices", "windows_services"),
    LazySource("windows.shortcuts", "WindowsShortcuts", "windows_shortcuts"),
    LazySource("windows.scoop", "ScoopApps", "scoop"),
    LazySource("windows.chocolatey", "ChocolateyPackages", "chocolatey"),
    LazySource("windows.registry_keys", "WindowsRegistryKeys", "windows_registry_keys"),
    LazySource("macos.apps", "MacApplications", "macos_apps"),
    LazySource("macos.launchd", "LaunchdJobs", "macos_launchd"),
    LazySource("macos.homebrew_casks", "HomebrewCasks", "homebrew_casks"),
    LazySource("macos.receipts", "MacPackageReceipts", "macos_receipts"),
    LazySource("macos.system_extensions", "MacSystemExtensions", "macos_system_extensions"),
    LazySource("android.inventory", "AndroidApps", "android_packages"),
    LazySource("android.inventory", "AndroidRunningApps", "android_running"),
    LazySource("android.storage", "AndroidSharedStorage", "android_storage"),
    LazySource("ios.inventory", "IosApps", "ios_apps"),
    LazySource("ios.inventory", "IosAppData", "ios_app_data"),
    LazySource("processes", "RunningProcesses", "processes", COMPUTER_PLATFORMS),
    LazySource("certificates", "TrustedCertificates", "certificates", COMPUTER_PLATFORMS),
    LazySource("browser_extensions", "BrowserExtensions", "browser_extensions", COMPUTER_PLATFORMS),
    LazySource("leftovers", "RuleLeftovers", "leftovers", COMPUTER_PLATFORMS),
)


def source_title(name: str) -> str:
    """What a person calls a source, in English ("Debian packages" for dpkg); reports and the window
    show this, translated, and keep the name itself for JSON and diagnostics."""
    for source in ALL_SOURCES:
        if source.name == name:
            try:
                return source.spec.title
            except Exception:  # a source that cannot be loaded (its coverage says why) keeps its name
                return name
    return name


def source_titles(names: Iterable[str]) -> Message:
    """Several sources' titles, one after the other, each translated when shown."""
    return Message.listing(Message(source_title(name)) for name in names)


def source_named(name: str) -> InventorySource:
    for source in ALL_SOURCES:
        if source.name == name:
            return source
    raise KeyError(name)
