"""systemd units, system and per user: security products such as Kaspersky's run as services, and a
unit file outlives a partial uninstall. A rule names a unit by its file name; the units a rule
names are read (the program ExecStart runs, whether the unit is enabled) and reported as services.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, replace
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
from appwarden.core.sources.files_common import (
    Place,
    has_utf8_name,
    list_folder,
    read_text,
    system_and_user_places,
    within_root_logged,
)

# In the order systemd looks (the first copy of a unit wins): administrator's, runtime, vendor's.
SYSTEM_FOLDERS = (
    "etc/systemd/system",
    "run/systemd/system",
    "usr/local/lib/systemd/system",
    "usr/lib/systemd/system",
    "lib/systemd/system",
    "etc/systemd/user",
    "usr/lib/systemd/user",
)
USER_FOLDERS = (".config/systemd/user", ".local/share/systemd/user")
UNIT_SUFFIXES = (".service", ".socket", ".timer", ".path")
MASKED = "/dev/null"  # a unit linked to /dev/null is masked: nothing of the app is there
MAX_UNIT_BYTES = 1 << 20


@dataclass(frozen=True)
class UnitFile:
    description: str = ""
    exec_start: str = ""

    @property
    def program(self) -> str:
        """The absolute program ExecStart runs, without systemd's prefixes (-, @, +, !, :)."""
        try:
            words = shlex.split(self.exec_start)
        except ValueError:
            return ""
        program = words[0].lstrip("-@+!:") if words else ""
        return program if program.startswith("/") else ""


def parse_unit(text: str) -> UnitFile:
    """Description (of [Unit]) and the first ExecStart (of [Service], [Socket]...): systemd's
    ini-like format, with comments (# ;) and backslash-continued lines."""
    values: dict[tuple[str, str], str] = {}
    section = ""
    pending: list[str] = []  # the parts of a line continued with a backslash, joined once it ends
    for raw in text.splitlines():
        part = raw.strip()
        if part.endswith("\\"):
            pending.append(part[:-1].rstrip())
            continue
        line = " ".join(pending + [part]) if pending else part
        pending = []
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, sep, value = line.partition("=")
        if sep and value.strip():
            values.setdefault((section, key.strip()), value.strip())
    exec_start = next((value for (section, key), value in values.items() if key == "ExecStart"), "")
    return UnitFile(values.get(("Unit", "Description"), ""), exec_start)


class SystemdUnits(InventorySource):
    spec = SourceSpec(
        name="systemd_units",
        title="systemd services",
        platforms=frozenset({LINUX}),
        reads=SYSTEM_FOLDERS + tuple(f"~/{folder}" for folder in USER_FOLDERS),
        yields=("systemd_unit", "executable"),
        kind=EvidenceKind.SERVICE,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        # A system has hundreds of unit files; only the ones a rule names are looked at (and
        # yielded): resolving and opening each of them cost 20 ms of a 300 ms check.
        target = request.target
        log = CoverageLog(self.spec.name, target)
        places = _unit_places(target, log)
        items, seen_folders, seen_units = [], set(), set()
        for place in places:
            folder = within_root_logged(target, place.folder, log)
            real = os.path.realpath(folder) if folder is not None and target.kernel_resolves else folder
            if folder is None or real in seen_folders:  # lib/systemd/system is usr/lib/systemd/system on merged-/usr systems
                continue
            seen_folders.add(real)
            owner = dict(place.details).get("user", "")
            for path in list_folder(target, folder, log):
                if request.cancelled():
                    return log.result(items)
                if not path.name.endswith(UNIT_SUFFIXES) or not request.seeks("systemd_unit", path.name):
                    continue
                if (owner, path.name) in seen_units or not has_utf8_name(path, log):
                    continue  # systemd uses the first copy in its search order; a masked one hides the rest
                seen_units.add((owner, path.name))
                item = _unit_item(target, path, place, places, log)
                if item is not None:
                    items.append(item)
        return log.result(items, Message.of("no systemd unit folders"))


def _unit_places(target: ScanTarget, log: CoverageLog) -> list[Place]:
    """The unit folders in systemd's search order; the system's folders of user units (which
    `systemctl --global` manages) say so in their details."""
    places = system_and_user_places(target, SYSTEM_FOLDERS, USER_FOLDERS, log)
    return [replace(place, details=place.details + (("units", "user"),)) if place.folder.parent.name == "systemd"
            and place.folder.name == "user" and dict(place.details).get("scope") == "system" else place for place in places]


def _is_masked(target: ScanTarget, path: Path) -> bool:
    """A unit linked to /dev/null is masked: nothing of the app is there."""
    try:
        return target.readlink(path) == MASKED
    except OSError:  # not a link (EINVAL), or gone
        return False


def _is_enabled(target: ScanTarget, name: str, place: Place, places: list[Place], log: CoverageLog) -> bool:
    """Whether a *.wants or *.requires folder of the same owner's unit folders links the unit:
    started at boot (or, for a user's unit, at login), wherever the unit file itself is."""
    owner = dict(place.details).get("user", "")
    for other in places:
        if dict(other.details).get("user", "") != owner:
            continue
        for entry in list_folder(target, other.folder, log):
            if entry.name.endswith((".wants", ".requires")) and target.lexists(entry / name):
                return True
    return False


def _unit_item(target: ScanTarget, path: Path, place: Place, places: list[Place], log: CoverageLog) -> InventoryItem | None:
    if _is_masked(target, path):
        return None
    text = read_text(target, path, MAX_UNIT_BYTES, log)
    unit = parse_unit(text) if text is not None else UnitFile()
    # A unit whose program is gone is what a partial uninstall left: nothing of it can run.
    gone = bool(unit.program) and not target.lexists(target.path(unit.program))
    identifiers = [("systemd_unit", path.name)] + ([("executable", unit.program)] if unit.program else [])
    details = place.details + (("enabled", "true" if _is_enabled(target, path.name, place, places, log) else "false"),)
    if unit.exec_start:
        details += (("exec_start", unit.exec_start),)
    if gone:
        details += (("program", "missing"),)
    return InventoryItem(
        source="systemd_units",
        kind=EvidenceKind.LEFTOVER if gone else EvidenceKind.SERVICE,
        identifiers=tuple(identifiers),
        name=unit.description or path.name,
        location=display_path(target, place.folder / path.name),
        details=details,
    )
