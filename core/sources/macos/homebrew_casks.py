"""Homebrew casks, from the Caskroom folders: /opt/homebrew (Apple silicon) and /usr/local (Intel).

Each cask is a folder named by its token, holding one folder per installed version
(`.metadata` beside them is Homebrew's bookkeeping, not a version).
"""

from __future__ import annotations

import re
from pathlib import Path

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    MACOS,
    CoverageLog,
    EvidenceKind,
    InventoryItem,
    InventorySource,
    ReadRequest,
    SourceResult,
    SourceSpec,
    display_path,
)
from appwarden.core.sources.files_common import subfolders

CASKROOMS = ("opt/homebrew/Caskroom", "usr/local/Caskroom")
NUMBERS = re.compile(r"\d+")


def newest_first(versions: list[str]) -> list[str]:
    """Version folder names, the newest-looking first: by their numbers (`4.1.10.53,39917` is
    4, 1, 10, 53, 39917), then by name, so `latest` and other words sort last and the order is stable."""
    return sorted(versions, key=lambda name: (tuple(int(n) for n in NUMBERS.findall(name)), name), reverse=True)


def cask_item(token: str, versions: list[str], location: str) -> InventoryItem:
    """One cask; with several versions installed, the newest is the version and all are named."""
    ordered = newest_first(versions)
    details = (("versions", "; ".join(ordered)),) if len(ordered) > 1 else ()  # cask versions hold commas
    return InventoryItem(
        source="homebrew_casks",
        kind=EvidenceKind.INSTALLED,
        identifiers=(("homebrew_cask", token),),
        name=token,
        version=ordered[0] if ordered else "",
        location=location,
        details=details,
    )


class HomebrewCasks(InventorySource):
    spec = SourceSpec(
        name="homebrew_casks",
        title="Homebrew casks",
        platforms=frozenset({MACOS}),
        reads=tuple(f"/{caskroom}/<token>/<version>" for caskroom in CASKROOMS),
        yields=("homebrew_cask",),
        kind=EvidenceKind.INSTALLED,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        items: list[InventoryItem] = []
        for caskroom in CASKROOMS:
            for cask in _visible(subfolders(target, target.path(caskroom), log)):
                if request.cancelled():
                    return log.result(items)
                versions = [folder.name for folder in _visible(subfolders(target, cask, log))]
                items.append(cask_item(cask.name, versions, display_path(target, cask)))
        return log.result(items, Message.of("no Homebrew Caskroom"))


def _visible(folders: list[Path]) -> list[Path]:
    return [folder for folder in folders if not folder.name.startswith(".")]
