"""Programs in Windows' list of installed apps: the Uninstall keys of the machine (64-bit and
32-bit views) and of each user, from the live registry or a disk's hive files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
)
from appwarden.core.sources.windows.common import (
    SOFTWARE_HIVE,
    USER_HIVE,
    Hive,
    KeyValues,
    RegistryKeyMissing,
    RegistryReadError,
    open_hive,
    program_path,
    software_hives,
    subkeys_with_values,
    without_current_user_twice,
)

UNINSTALL = r"Microsoft\Windows\CurrentVersion\Uninstall"
UNINSTALL_32 = r"WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall"
USER_UNINSTALL = r"Software\Microsoft\Windows\CurrentVersion\Uninstall"
GUID = re.compile(r"^\{[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\}$")
# Values shown as details, under the names reports use.
DETAIL_VALUES = (
    ("install_location", "InstallLocation"),
    ("uninstall_string", "UninstallString"),
    ("quiet_uninstall_string", "QuietUninstallString"),
    ("system_component", "SystemComponent"),
)
# A DisplayIcon that is an uninstaller or Windows Installer's icon cache does not name the program.
NOT_THE_PROGRAM = re.compile(r"\\unins[^\\]*$|\\Windows\\Installer\\", re.IGNORECASE)

Details = tuple[tuple[str, str], ...]
NO_HIVES = Message.of("no SOFTWARE registry hive and no user registry hive (NTUSER.DAT) on this disk")


@dataclass(frozen=True)
class UninstallKey:
    """An Uninstall key of a hive, and what the entries under it are (view, scope, user)."""

    path: str
    details: Details
    required: bool = False  # a SOFTWARE hive always has it: its absence is a problem


class WindowsUninstallEntries(InventorySource):
    spec = SourceSpec(
        name="windows_uninstall",
        title="Windows installed programs",
        platforms=frozenset({WINDOWS}),
        reads=(
            rf"HKLM\SOFTWARE\{UNINSTALL}\*",
            rf"HKLM\SOFTWARE\{UNINSTALL_32}\*",
            rf"HKCU and HKU\<user>\{USER_UNINSTALL}\*",
            f"offline: {SOFTWARE_HIVE}, Users/*/{USER_HIVE}",
        ),
        yields=("windows_uninstall_key", "msi_product_code", "executable"),
        kind=EvidenceKind.INSTALLED,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        hives = _hives(target, log)
        if not hives and not log.problems:
            return CoverageLog(self.spec.name, target).result([], NO_HIVES)
        groups = []
        for hive, keys in hives:
            if request.cancelled():
                break
            if open_hive(hive, log):
                log.read_one()
                groups.append((hive, [item for key in keys for item in _entries(hive, key, log, request)]))
        if target.live:
            groups = without_current_user_twice(groups)
        return log.result([item for _, group in groups for item in group])


def _machine_keys() -> tuple[UninstallKey, ...]:
    return (
        UninstallKey(UNINSTALL, (("view", "64-bit"), ("scope", "machine")), required=True),
        # 32-bit Windows has no WOW6432Node: a missing 32-bit key is not a problem.
        UninstallKey(UNINSTALL_32, (("view", "32-bit"), ("scope", "machine"))),
    )


def _user_keys(user: str) -> tuple[UninstallKey, ...]:
    # Most users install nothing for themselves, so their hive often has no Uninstall key.
    return (UninstallKey(USER_UNINSTALL, (("scope", "user"), ("user", user))),)


def _hives(target: ScanTarget, log: CoverageLog) -> list[tuple[Hive, tuple[UninstallKey, ...]]]:
    machine, users = software_hives(target, log)
    hives = [(hive, _user_keys(hive.user)) for hive in users]
    if machine is not None:
        return [(machine, _machine_keys())] + hives
    if hives:  # users without the machine hive: what was installed for everyone cannot be seen
        log.problem(target.path(SOFTWARE_HIVE), Message.of("the file is missing"))
    return hives


def _entries(hive: Hive, key: UninstallKey, log: CoverageLog, request: ReadRequest) -> list[InventoryItem]:
    try:
        names = hive.reader.subkey_names(hive.path(key.path))
    except RegistryKeyMissing as missing:
        if key.required:
            log.problem(hive.place, missing.reason)
        return []
    except RegistryReadError as error:
        log.problem(hive.shown_path(key.path), error.reason, error.elevation_helps)
        return []
    return [
        _entry_item(name, values, shown, key.details)
        for name, values, shown in subkeys_with_values(hive, key.path, names, log, request.cancelled)
    ]


def _entry_item(key_name: str, values: KeyValues, location: str, details: Details) -> InventoryItem:
    identifiers = [("windows_uninstall_key", key_name)]
    if GUID.match(key_name) and values.number("WindowsInstaller") == 1:
        identifiers.append(("msi_product_code", key_name))
    program = program_path(values.text("DisplayIcon"))
    if program and not NOT_THE_PROGRAM.search(program):
        identifiers.append(("executable", program))
    details += tuple((label, values.text(name)) for label, name in DETAIL_VALUES if values.text(name))
    return InventoryItem(
        source="windows_uninstall",
        kind=EvidenceKind.INSTALLED,
        identifiers=tuple(identifiers),
        name=values.text("DisplayName") or key_name,
        publisher=values.text("Publisher"),
        version=values.text("DisplayVersion"),
        location=location,
        details=details,
    )
