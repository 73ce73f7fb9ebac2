"""Windows services and drivers, from the current control set of the SYSTEM hive (live: the
registry). Drivers count too: security suites such as Kaspersky's run kernel drivers (klif).
"""

from __future__ import annotations

import re

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
    SYSTEM_HIVE,
    Hive,
    KeyValues,
    LiveRegistryReader,
    RegistryReadError,
    offline_machine_hive,
    open_hive,
    program_path,
    subkeys_with_values,
)

CONTROL_SET = re.compile(r"ControlSet[0-9]{3}", re.IGNORECASE)
START_TYPES = {0: "boot", 1: "system", 2: "automatic", 3: "manual", 4: "disabled"}
SERVICE_TYPE_BITS = (
    (0x1, "kernel driver"),
    (0x2, "file system driver"),
    (0x4, "adapter"),
    (0x8, "recognizer driver"),
    (0x10, "own process"),
    (0x20, "shared process"),
    (0x40, "user service"),
    (0x80, "user service instance"),
    (0x100, "interactive"),
)


class WindowsServices(InventorySource):
    spec = SourceSpec(
        name="windows_services",
        title="Windows services and drivers",
        platforms=frozenset({WINDOWS}),
        reads=(
            r"HKLM\SYSTEM\CurrentControlSet\Services\*",
            f"offline: {SYSTEM_HIVE}, control set named by Select\\Current",
        ),
        yields=("windows_service", "executable"),
        kind=EvidenceKind.SERVICE,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        # Live, the registry is read rather than psutil.win_service_iter: that lists no drivers.
        target = request.target
        log = CoverageLog(self.spec.name, target)
        hive = _system_hive(target)
        if hive is None:
            return log.result([], Message.of("no SYSTEM registry hive on this disk"))
        if not open_hive(hive, log):
            return log.result([])
        control_set = "CurrentControlSet" if target.live else _current_control_set(hive, log)
        if control_set is None:
            return log.result([])
        return log.result(_services(hive, f"{control_set}\\Services", log, request))


def _system_hive(target: ScanTarget) -> Hive | None:
    if target.live:
        return Hive(LiveRegistryReader("HKEY_LOCAL_MACHINE"), "HKLM\\SYSTEM", "HKLM\\SYSTEM", base="SYSTEM")
    return offline_machine_hive(target, SYSTEM_HIVE, "HKLM\\SYSTEM")


def _current_control_set(hive: Hive, log: CoverageLog) -> str | None:
    """The control set Windows boots with (Select\\Current); when that is not in the hive, the
    first one there, with a problem saying so."""
    try:
        control_sets = sorted(name for name in hive.reader.subkey_names(hive.path("")) if CONTROL_SET.fullmatch(name))
    except RegistryReadError as error:
        log.problem(hive.place, error.reason, error.elevation_helps)
        return None
    wanted = _selected_control_set(hive)
    chosen = next((name for name in control_sets if name.casefold() == wanted.casefold()), None)
    if chosen is not None:
        return chosen
    if not control_sets:
        log.problem(hive.place, Message.of("has no control set (ControlSet001...), so no services could be read"))
        return None
    if wanted:
        reason = Message.of(
            "Select\\Current names {wanted}, which is not in this hive; {used} was read instead",
            wanted=wanted,
            used=control_sets[0],
        )
    else:
        reason = Message.of("Select\\Current is missing or unreadable; {used} was read instead", used=control_sets[0])
    log.problem(hive.place, reason)
    return control_sets[0]


def _selected_control_set(hive: Hive) -> str:
    try:
        current = hive.reader.values(hive.path("Select")).number("Current")
    except RegistryReadError:  # said by the caller, which names what it read instead
        return ""
    return f"ControlSet{current:03d}" if current is not None else ""


def _services(hive: Hive, services: str, log: CoverageLog, request: ReadRequest) -> list[InventoryItem]:
    try:
        names = hive.reader.subkey_names(hive.path(services))
    except RegistryReadError as error:
        log.problem(hive.shown_path(services), error.reason, error.elevation_helps)
        return []
    log.read_one()
    return [
        _service_item(name, values, shown)
        for name, values, shown in subkeys_with_values(hive, services, names, log, request.cancelled)
    ]


def _service_item(name: str, values: KeyValues, location: str) -> InventoryItem:
    image_path = values.text("ImagePath")
    identifiers = [("windows_service", name)]
    program = program_path(image_path)
    if program:
        identifiers.append(("executable", program))
    details = (
        ("type", _service_type(values.number("Type"))),
        ("start", _start_type(values)),
        ("image_path", image_path),
    )
    return InventoryItem(
        source="windows_services",
        kind=EvidenceKind.SERVICE,
        identifiers=tuple(identifiers),
        # A DisplayName such as @%SystemRoot%\system32\x.dll,-101 is a resource only Windows resolves.
        name=values.text("DisplayName") or name,
        location=location,
        details=tuple((label, text) for label, text in details if text),
    )


def _start_type(values: KeyValues) -> str:
    start = values.number("Start")
    if start is None:
        return ""
    if start == 2 and values.number("DelayedAutostart") == 1:
        return "automatic (delayed)"
    return START_TYPES.get(start, str(start))


def _service_type(code: int | None) -> str:
    if code is None:
        return ""
    names = [label for bit, label in SERVICE_TYPE_BITS if code & bit]
    return ", ".join(names) if names else f"{code:#x}"
