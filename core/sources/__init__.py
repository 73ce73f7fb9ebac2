"""Inventory sources: each reads one kind of thing from a device (see base.py for the interface).

One folder per platform (linux/, windows/, macos/, android/, ios/) holds that platform's sources and the helpers
they share; what serves several platforms (processes, leftovers, and the file and mounted-disk
readers) sits here beside them. Adding a source is one module in its platform's folder plus one
line in ALL_SOURCES.
"""

from __future__ import annotations

from typing import Iterable

from appwarden.core.messages import Message
from appwarden.core.sources.android.inventory import AndroidApps, AndroidRunningApps
from appwarden.core.sources.android.storage import AndroidSharedStorage
from appwarden.core.sources.base import InventorySource
from appwarden.core.sources.ios.inventory import IosAppData, IosApps
from appwarden.core.sources.leftovers import RuleLeftovers
from appwarden.core.sources.linux.appimage import AppImageFiles
from appwarden.core.sources.linux.desktop_entries import DesktopEntries
from appwarden.core.sources.linux.dpkg import DpkgPackages
from appwarden.core.sources.linux.flatpak import FlatpakApps
from appwarden.core.sources.linux.rpm import RpmPackages
from appwarden.core.sources.linux.snap import SnapPackages
from appwarden.core.sources.macos.apps import MacApplications
from appwarden.core.sources.macos.homebrew_casks import HomebrewCasks
from appwarden.core.sources.macos.launchd import LaunchdJobs
from appwarden.core.sources.processes import RunningProcesses
from appwarden.core.sources.windows.services import WindowsServices
from appwarden.core.sources.windows.store import WindowsStorePackages
from appwarden.core.sources.windows.uninstall import WindowsUninstallEntries

ALL_SOURCES: tuple[InventorySource, ...] = (
    DpkgPackages(),
    RpmPackages(),
    FlatpakApps(),
    SnapPackages(),
    DesktopEntries(),
    AppImageFiles(),
    WindowsUninstallEntries(),
    WindowsStorePackages(),
    WindowsServices(),
    MacApplications(),
    LaunchdJobs(),
    HomebrewCasks(),
    AndroidApps(),
    AndroidRunningApps(),
    AndroidSharedStorage(),
    IosApps(),
    IosAppData(),
    RunningProcesses(),
    RuleLeftovers(),
)


def source_title(name: str) -> str:
    """What a person calls a source, in English ("Debian packages" for dpkg); reports and the window
    show this, translated, and keep the name itself for JSON and diagnostics."""
    return next((source.spec.title for source in ALL_SOURCES if source.spec.name == name), name)


def source_titles(names: Iterable[str]) -> Message:
    """Several sources' titles, one after the other, each translated when shown."""
    return Message.listing(Message(source_title(name)) for name in names)


def source_named(name: str) -> InventorySource:
    for source in ALL_SOURCES:
        if source.spec.name == name:
            return source
    raise KeyError(name)
