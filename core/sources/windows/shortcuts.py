"""Start-menu and desktop shortcuts (.lnk) of the machine and of every user: portable copies and
Scoop or Chocolatey installs have no uninstall entry, but they leave a shortcut to their program.
A shortcut whose target is on the disk counts as the installed program; one whose target is gone
is a leftover.
"""

from __future__ import annotations

import os
import re
from pathlib import PureWindowsPath

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
from appwarden.core.sources.files_common import FoundFile, Place, files_in_places, read_file_bytes
from appwarden.core.sources.windows.shell_link import MAX_LINK_BYTES, ShellLink, parse_shell_link

SYSTEM_FOLDERS = ("ProgramData/Microsoft/Windows/Start Menu",)
USER_FOLDERS = ("AppData/Roaming/Microsoft/Windows/Start Menu", "Desktop")
MAX_DEPTH = 5
SYSTEM_DRIVE = "C:"
VARIABLE = re.compile(r"%([^%\\]+)%")
PROGRAM_SUFFIXES = (".exe", ".com", ".bat", ".cmd")


def expanded(path: str, home: str = "") -> str:
    """`path` with the environment variables Windows sets for everyone (and, for a user's shortcut,
    that user's folders) replaced; an unknown variable stays as written."""
    known = {
        "systemdrive": SYSTEM_DRIVE, "systemroot": r"C:\Windows", "windir": r"C:\Windows",
        "programfiles": r"C:\Program Files", "programfiles(x86)": r"C:\Program Files (x86)",
        "programw6432": r"C:\Program Files", "programdata": r"C:\ProgramData", "allusersprofile": r"C:\ProgramData",
        "public": r"C:\Users\Public",
    }
    if home:
        known |= {"userprofile": home, "appdata": home + r"\AppData\Roaming", "localappdata": home + r"\AppData\Local"}
    return VARIABLE.sub(lambda match: known.get(match.group(1).casefold(), match.group(0)), path)


def shortcut_identifiers(target: str) -> tuple[tuple[str, str], ...]:
    """The target as a program path, and its file name as the image it runs under (Weixin.exe):
    a Scoop or portable copy lives in a folder no rule can know."""
    if not target:
        return ()
    identifiers = [("executable", target)]
    name = PureWindowsPath(target).name
    if name.casefold().endswith(PROGRAM_SUFFIXES):
        identifiers.append(("process", name))
    return tuple(identifiers)


class WindowsShortcuts(InventorySource):
    spec = SourceSpec(
        name="windows_shortcuts",
        title="Start menu and desktop shortcuts",
        platforms=frozenset({WINDOWS}),
        reads=SYSTEM_FOLDERS + tuple(f"Users/*/{folder}" for folder in USER_FOLDERS),
        yields=("executable", "process"),
        kind=EvidenceKind.INSTALLED,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        places = [Place(target.path(folder), (("scope", "machine"),)) for folder in SYSTEM_FOLDERS]
        for home in target.user_homes(log):
            places += [Place(home / folder, (("scope", "user"), ("user", home.name))) for folder in USER_FOLDERS]
        items = [item for found in files_in_places(request, places, ".lnk", MAX_DEPTH, log)
                 if (item := _shortcut_item(target, found, log)) is not None]
        return log.result(items, Message.of("no Start menu or desktop folders on this disk"))


def _shortcut_item(target: ScanTarget, found: FoundFile, log: CoverageLog) -> InventoryItem | None:
    data = read_file_bytes(target, found.path, MAX_LINK_BYTES, log)
    if data is None:
        return None
    link = parse_shell_link(data)
    if isinstance(link, Message):
        log.problem(found.path, link)
        return None
    user = dict(found.place.details).get("user", "")
    program = expanded(link.target or link.environment_target, rf"C:\Users\{user}" if user else "")
    if not program:
        return None  # a shortcut to a Store app or a shell folder names no program file
    there = _target_is_there(target, program)
    details = found.place.details + _link_details(link, program, there)
    return InventoryItem(
        source="windows_shortcuts",
        kind=EvidenceKind.LEFTOVER if there is False else EvidenceKind.INSTALLED,
        identifiers=shortcut_identifiers(program),
        name=link.description or found.path.stem,
        location=display_path(target, found.path),
        details=details,
    )


def _target_is_there(target: ScanTarget, program: str) -> bool | None:
    """Whether the target exists on the device; None when that cannot be told (another drive
    than the one checked, a network share)."""
    windows = PureWindowsPath(program)
    # Only the system drive: a share (\\host\share) or a mapped drive would be a network
    # connection, which AppWarden never opens (and which would hand the share the user's credentials).
    system_drive = (os.environ.get("SystemDrive", SYSTEM_DRIVE) if target.live else SYSTEM_DRIVE).casefold()
    if windows.drive.casefold() != system_drive or len(windows.parts) < 2:
        return None
    if target.live:
        return os.path.exists(program)
    relative = "/".join(windows.parts[1:])
    return find_any_case(target, relative) is not None


def _link_details(link: ShellLink, program: str, there: bool | None) -> tuple[tuple[str, str], ...]:
    details = [("target", program), ("arguments", link.arguments), ("working_dir", link.working_dir)]
    details.append(("target_exists", {True: "yes", False: "no", None: "not checked: not on this disk"}[there]))
    return tuple((key, value) for key, value in details if value)
