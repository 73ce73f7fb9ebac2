"""Scoop apps, per user (~/scoop/apps) and for everyone (ProgramData/scoop/apps): one folder per
app, a folder per version and a `current` junction to the one in use, each holding the app's
manifest.json (a copy of its bucket's) and install.json (the bucket it came from). Scoop removes
the vendor's uninstaller, so these apps have no uninstall entry.
"""

from __future__ import annotations

from pathlib import Path, PureWindowsPath

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    WINDOWS,
    CoverageLog,
    EvidenceKind,
    InventoryItem,
    InventorySource,
    ReadRequest,
    ScanTarget,
    SourceResult,
    SourceSpec,
    display_path,
    find_any_case,
)
from appwarden.core.sources.files_common import json_document, read_file_bytes, subfolders, text_of
from appwarden.core.sources.windows.shortcuts import PROGRAM_SUFFIXES

USER_APPS = "scoop/apps"
GLOBAL_APPS = "ProgramData/scoop/apps"
CURRENT = "current"
MAX_JSON_BYTES = 1 << 20


def parse_scoop_json(data: bytes) -> dict | Message:
    """A manifest.json or install.json as a dict, or why it is not one."""
    value = json_document(data)
    if isinstance(value, Message):
        return value
    return value if isinstance(value, dict) else Message.of("not a Scoop manifest")


def manifest_programs(manifest: dict) -> tuple[str, ...]:
    """The program files a manifest's `bin` and `shortcuts` name (Weixin.exe), by file name."""
    named: list[str] = []
    for entry in _as_list(manifest.get("bin")) + [item[0] for item in _as_list(manifest.get("shortcuts")) if isinstance(item, list) and item]:
        if isinstance(entry, list) and entry:
            entry = entry[0]
        if isinstance(entry, str):
            name = PureWindowsPath(entry).name
            if name.casefold().endswith(PROGRAM_SUFFIXES):
                named.append(name)
    return tuple(dict.fromkeys(named))


def _as_list(value: object) -> list:
    if isinstance(value, list):
        return value
    return [value] if value is not None else []


class ScoopApps(InventorySource):
    spec = SourceSpec(
        name="scoop",
        title="Scoop apps",
        platforms=frozenset({WINDOWS}),
        reads=(f"Users/*/{USER_APPS}/*/current/manifest.json", f"{GLOBAL_APPS}/*/current/manifest.json"),
        yields=("scoop", "process"),
        kind=EvidenceKind.INSTALLED,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        places = [(find_any_case(target, GLOBAL_APPS), (("scope", "machine"),))]
        places += [(find_any_case(target, USER_APPS, start=home), (("scope", "user"), ("user", home.name)))
                   for home in target.user_homes(log)]
        items = []
        for folder, details in places:
            if folder is None:
                continue
            for app in subfolders(target, folder, log):
                if request.cancelled():
                    break
                items.append(_app_item(target, app, details, log))
        return log.result(items, Message.of("no Scoop apps folder on this disk"))


def _app_item(target: ScanTarget, app: Path, details: tuple, log: CoverageLog) -> InventoryItem:
    versions = [folder for folder in subfolders(target, app, log) if folder.name.casefold() != CURRENT]
    current = app / CURRENT if target.lexists(app / CURRENT) else (max(versions, key=lambda v: v.name) if versions else None)
    manifest = _json(target, current / "manifest.json", log) if current is not None else {}
    install = _json(target, current / "install.json", log) if current is not None else {}
    identifiers = [("scoop", app.name)] + [("process", name) for name in manifest_programs(manifest)]
    more = [("bucket", text_of(install, "bucket")), ("homepage", text_of(manifest, "homepage")),
            ("versions", ", ".join(sorted(version.name for version in versions)))]
    return InventoryItem(
        source="scoop",
        kind=EvidenceKind.INSTALLED,
        identifiers=tuple(identifiers),
        name=app.name,
        version=text_of(manifest, "version"),
        location=display_path(target, app),
        details=details + tuple((key, value) for key, value in more if value),
    )


def _json(target: ScanTarget, path: Path, log: CoverageLog) -> dict:
    data = read_file_bytes(target, path, MAX_JSON_BYTES, log)
    if data is None:
        return {}
    parsed = parse_scoop_json(data)
    if isinstance(parsed, Message):
        log.problem(path, parsed)
        return {}
    return parsed
