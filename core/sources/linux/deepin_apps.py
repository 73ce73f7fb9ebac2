"""deepin and UOS applications (also those of the Spark Store and deepin-wine packaging), laid out
as deepin's application specification defines: one folder per app in /opt/apps, named by the app
id (the same as its .deb package name), holding `info` (JSON: appid, name, version, arch...),
`files/` (the program) and `entries/` (menu entries, icons).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
from appwarden.core.sources.files_common import json_document, read_file_bytes, subfolders, text_of

APPS_FOLDER = "opt/apps"
MAX_INFO_BYTES = 1 << 20


@dataclass(frozen=True)
class DeepinAppInfo:
    appid: str
    name: str = ""
    version: str = ""
    architectures: tuple[str, ...] = ()


def parse_info(data: bytes) -> DeepinAppInfo | Message:
    """An app's `info` file, or why it is not one. Only text fields are taken; anything else a
    hostile file puts there is passed over."""
    info = json_document(data)
    if isinstance(info, Message):
        return Message.of("not a valid info file (JSON); not read")
    if not isinstance(info, dict) or not isinstance(info.get("appid"), str) or not info["appid"].strip():
        return Message.of("the info file names no appid")
    arch = info.get("arch")
    architectures = tuple(a for a in arch if isinstance(a, str)) if isinstance(arch, list) else ()
    return DeepinAppInfo(
        appid=info["appid"].strip(),
        name=text_of(info, "name"),
        version=text_of(info, "version"),
        architectures=architectures,
    )


class DeepinApps(InventorySource):
    spec = SourceSpec(
        name="deepin_apps",
        title="deepin and UOS applications",
        platforms=frozenset({LINUX}),
        reads=(f"{APPS_FOLDER}/*/info", f"{APPS_FOLDER}/*/files"),
        yields=("deepin_app",),
        kind=EvidenceKind.INSTALLED,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        items = []
        for folder in subfolders(target, target.path(APPS_FOLDER), log):
            if request.cancelled():
                break
            item = _app_item(target, folder, log)
            if item is not None:
                items.append(item)
        return log.result(items, Message.of("no deepin application folder (/opt/apps)"))


def _app_item(target: ScanTarget, folder: Path, log: CoverageLog) -> InventoryItem | None:
    """The app in `folder`: named by its folder (what is on disk), and by the appid its info
    gives when that differs. A folder with neither info nor files holds no app."""
    data = read_file_bytes(target, folder / "info", MAX_INFO_BYTES, log)
    info = parse_info(data) if data is not None else None
    if isinstance(info, Message):
        log.problem(folder / "info", info)
        info = None
    if info is None and not target.lexists(folder / "files"):
        return None
    identifiers = [("deepin_app", folder.name)]
    if info is not None and info.appid != folder.name:
        identifiers.append(("deepin_app", info.appid))
    details = [("architecture", ", ".join(info.architectures) if info else ""), ("info", "" if info else "missing")]
    return InventoryItem(
        source="deepin_apps",
        kind=EvidenceKind.INSTALLED,
        identifiers=tuple(identifiers),
        name=(info.name if info else "") or folder.name,
        version=info.version if info else "",
        location=display_path(target, folder),
        details=tuple((key, value) for key, value in details if value),
    )
