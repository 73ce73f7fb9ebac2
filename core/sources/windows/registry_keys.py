"""Vendor registry keys a rule names (HKLM\\SOFTWARE\\KasperskyLab, each user's
Software\\Tencent\\WeChat...): leftovers that stay after an uninstall, or that an install without an
uninstall entry leaves. Only the keys the rules name are looked up, in the machine's SOFTWARE hive
and in every user's hive, live or from a disk.
"""

from __future__ import annotations

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    WINDOWS,
    CoverageLog,
    EvidenceKind,
    InventoryItem,
    InventorySource,
    ReadRequest,
    SourceResult,
    SourceSpec,
)
from appwarden.core.sources.windows.common import (
    Hive,
    RegistryKeyMissing,
    RegistryReadError,
    open_hive,
    software_hives,
    without_current_user_twice,
)
from appwarden.core.sources.windows.key_paths import MACHINE, USER, KeyPath, parse_key_path

# Values worth showing a help desk: where the app was (InstallPath) and where its data is.
SHOWN_VALUES = ("InstallPath", "InstallDir", "FileSavePath", "ProductRoot", "ProductName", "ProductVersion")


class WindowsRegistryKeys(InventorySource):
    spec = SourceSpec(
        name="windows_registry_keys",
        title="Windows registry keys",
        platforms=frozenset({WINDOWS}),
        reads=(r"HKLM\SOFTWARE\<key a rule names>", r"HKCU and HKU\<user>\<key a rule names>",
               "offline: Windows/System32/config/SOFTWARE, Users/*/NTUSER.DAT"),
        yields=("windows_registry_key",),
        kind=EvidenceKind.LEFTOVER,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        keys = [key for key in map(parse_key_path, sorted(request.sought.get("windows_registry_key", ()))) if key]
        if not keys:
            return log.result([], Message.of("no rule names a registry key"))
        machine, users = software_hives(target, log)
        groups = []
        for hive, per_user in ([(machine, False)] if machine else []) + [(user, True) for user in users]:
            if request.cancelled() or not open_hive(hive, log):
                continue
            log.read_one()
            groups.append((hive, [item for key in keys if key.per_user == per_user for item in _found(hive, key, log)]))
        if target.live:
            groups = without_current_user_twice(groups)
        items = [item for _, group in groups for item in group]
        return log.result(items, Message.of("no SOFTWARE registry hive and no user registry hive (NTUSER.DAT) on this disk"))


def _found(hive: Hive, key: KeyPath, log: CoverageLog) -> list[InventoryItem]:
    """The key as the hive spells it, when it is there; each level is looked up without case."""
    spelled: list[str] = []
    for part in key.parts:
        try:
            names = hive.reader.subkey_names(hive.path("\\".join(spelled)))
        except RegistryKeyMissing:
            return []
        except RegistryReadError as error:
            log.problem(hive.shown_path("\\".join(spelled)), error.reason, error.elevation_helps)
            return []
        match = next((name for name in names if name.casefold() == part.casefold()), None)
        if match is None:
            return []
        spelled.append(match)
    relative = "\\".join(spelled)
    try:
        values = hive.reader.values(hive.path(relative))
    except RegistryReadError:
        values = None
    details = [("user", hive.user)] if hive.user else [("scope", "machine")]
    if values is not None:
        details += [(name, values.text(name)) for name in SHOWN_VALUES if values.text(name)]
    return [InventoryItem(
        source="windows_registry_keys",
        kind=EvidenceKind.LEFTOVER,
        identifiers=(("windows_registry_key", (USER if key.per_user else MACHINE) + relative),),
        name=spelled[-1],
        location=hive.shown_path(relative),
        details=tuple(details),
    )]
