"""macOS system extensions (/Library/SystemExtensions): the endpoint-security and network
extensions security suites run (Kaspersky's com.kaspersky.kav.sysext). db.plist lists each one with
its state; a staged copy sits in /Library/SystemExtensions/<UUID>/<bundle id>.systemextension.
"""

from __future__ import annotations

from pathlib import Path

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    MACOS,
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
from appwarden.core.sources.files_common import has_utf8_name, is_real_folder, list_folder
from appwarden.core.sources.macos.common import plist_text, read_plist

FOLDER = "Library/SystemExtensions"
DATABASE = f"{FOLDER}/db.plist"
SUFFIX = ".systemextension"
# States in which the extension runs, or will once the person allows it.
RUNNING_STATES = frozenset({"activated_enabled", "activated_waiting_for_user", "activated_disabled"})


def database_extensions(database: dict) -> list[tuple[str, str, str, str]]:
    """(identifier, team id, state, version) of each extension db.plist lists."""
    found = []
    extensions = database.get("extensions")
    for extension in extensions if isinstance(extensions, list) else ():
        if not isinstance(extension, dict) or not plist_text(extension, "identifier"):
            continue
        bundle_version = extension.get("bundleVersion") if isinstance(extension.get("bundleVersion"), dict) else {}
        version = plist_text(bundle_version, "CFBundleShortVersionString") or plist_text(bundle_version, "CFBundleVersion")
        found.append((plist_text(extension, "identifier"), plist_text(extension, "teamID"), plist_text(extension, "state"), version))
    return found


class MacSystemExtensions(InventorySource):
    spec = SourceSpec(
        name="macos_system_extensions",
        title="macOS system extensions",
        platforms=frozenset({MACOS}),
        reads=(DATABASE, f"{FOLDER}/*/*{SUFFIX}"),
        yields=("macos_bundle_id",),
        kind=EvidenceKind.SERVICE,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        database = read_plist(target, target.path(DATABASE), log)
        items = []
        listed = set()
        for identifier, team, state, version in database_extensions(database or {}):
            listed.add(identifier)
            items.append(_item(identifier, version, EvidenceKind.SERVICE if state in RUNNING_STATES else EvidenceKind.LEFTOVER,
                               f"/{DATABASE}", (("team_id", team), ("state", state))))
        for staged in _staged_copies(target, log):
            if staged.name[: -len(SUFFIX)] not in listed:  # db.plist unreadable, or the copy outlived its entry
                items.append(_item(staged.name[: -len(SUFFIX)], "", EvidenceKind.LEFTOVER, display_path(target, staged),
                                   (("state", "not in db.plist"),)))
        return log.result(items, Message.of("no system extensions"))


def _item(identifier: str, version: str, kind: EvidenceKind, location: str, details: tuple) -> InventoryItem:
    return InventoryItem(
        source="macos_system_extensions",
        kind=kind,
        identifiers=(("macos_bundle_id", identifier),),
        name=identifier,
        version=version,
        location=location,
        details=tuple((key, value) for key, value in details if value),
    )


def _staged_copies(target: ScanTarget, log: CoverageLog) -> list[Path]:
    copies = []
    for folder in list_folder(target, target.path(FOLDER), log):
        if is_real_folder(target, folder):
            copies += [entry for entry in list_folder(target, folder, log)
                       if entry.name.endswith(SUFFIX) and has_utf8_name(entry, log)]
    return copies
