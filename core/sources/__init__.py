"""Inventory sources: each reads one kind of thing from a device (see base.py for the interface).

Adding a source is one module here plus one line in ALL_SOURCES.
"""

from __future__ import annotations

from core.sources.base import InventorySource
from core.sources.dpkg import DpkgPackages
from core.sources.leftovers import RuleLeftovers
from core.sources.processes import RunningProcesses

ALL_SOURCES: tuple[InventorySource, ...] = (
    DpkgPackages(),
    RunningProcesses(),
    RuleLeftovers(),
)


def source_named(name: str) -> InventorySource:
    for source in ALL_SOURCES:
        if source.spec.name == name:
            return source
    raise KeyError(name)
