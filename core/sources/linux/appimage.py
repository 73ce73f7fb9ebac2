"""AppImage files in the folders people keep them in (~/Applications, ~/Downloads, /opt, ...).

An AppImage is not installed anywhere: the file is the app, so its name is what is matched.
"""

from __future__ import annotations

import re

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    LINUX,
    CoverageLog,
    EvidenceKind,
    InventoryItem,
    InventorySource,
    ReadRequest,
    ScanTarget,
    SourceResult,
    SourceSpec,
    display_path,
)
from appwarden.core.sources.files_common import FoundFile, files_in_places, system_and_user_places

USER_FOLDERS = ("Applications", "AppImages", ".local/bin", "Downloads", "Desktop", "bin")
SYSTEM_FOLDERS = ("opt", "usr/local/bin")
MAX_DEPTH = 2
EXTENSION = ".appimage"
ARCHITECTURE_WORDS = frozenset(
    {"x86_64", "x86-64", "x64", "amd64", "aarch64", "arm64", "i386", "i686", "armhf", "linux", "universal"}
)
# The last part of a name after -, _ or a space; x86_64 and x86-64 are one part, not two.
LAST_PART = re.compile(r"[-_ ](x86[-_]64|[^-_ ]+)$", re.IGNORECASE)


def appimage_base_name(file_name: str) -> tuple[str, str]:
    """(base, version) of an AppImage file name: `wechat-4.0.1.30-x86_64.AppImage` -> (wechat, 4.0.1.30).

    Trailing parts that start with a digit (versions) or are architecture words are dropped;
    the version is the dropped parts that start with a digit, in their order.
    """
    stem = file_name[: -len(EXTENSION)] if file_name.lower().endswith(EXTENSION) else file_name
    versions: list[str] = []
    while (last := LAST_PART.search(stem)) is not None:
        part = last.group(1)
        if part[0].isdigit():
            versions.insert(0, part)
        elif part.lower() not in ARCHITECTURE_WORDS:
            break
        stem = stem[: last.start()]
    return stem, "-".join(versions)


class AppImageFiles(InventorySource):
    spec = SourceSpec(
        name="appimage",
        title="AppImage files",
        platforms=frozenset({LINUX}),
        reads=SYSTEM_FOLDERS + tuple(f"~/{folder}" for folder in USER_FOLDERS),
        yields=("appimage",),
        kind=EvidenceKind.INSTALLED,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        log = CoverageLog(self.spec.name, request.target)
        places = system_and_user_places(request.target, SYSTEM_FOLDERS, USER_FOLDERS, log)
        found = files_in_places(request, places, EXTENSION, MAX_DEPTH, log)
        items = [item for item in (_appimage_item(request.target, file) for file in found) if item is not None]
        return log.result(items, Message.of("none of the folders AppImages are kept in exists"))


def _appimage_item(target: ScanTarget, found: FoundFile) -> InventoryItem | None:
    base, version = appimage_base_name(found.path.name)
    if not base:
        return None
    return InventoryItem(
        source="appimage",
        kind=EvidenceKind.INSTALLED,
        identifiers=(("appimage", base),),
        name=base,
        version=version,
        location=display_path(target, found.path),
        details=found.place.details,
    )
