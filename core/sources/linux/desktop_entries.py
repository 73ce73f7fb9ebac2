"""Desktop entries (.desktop files) of the application menus and autostart folders, system and per user.

They name what a person can launch, however it was installed, and the program each one runs.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath

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
    within_root,
)
from appwarden.core.sources.files_common import (
    FoundFile,
    Place,
    files_in_places,
    parse_keyfile,
    read_text,
    subfolders,
    system_and_user_places,
)

SYSTEM_FOLDERS = (
    "usr/share/applications",
    "usr/local/share/applications",
    "var/lib/flatpak/exports/share/applications",
    "var/lib/snapd/desktop/applications",
    "etc/xdg/autostart",
)
# deepin and UOS apps keep their menu entries in their own folder (/opt/apps/<id>/entries), which
# the system links into usr/share/applications only when it installs them the deepin way.
DEEPIN_APPS = "opt/apps"
DEEPIN_ENTRY_FOLDERS = ("entries/applications", "entries/autostart")
USER_FOLDERS = (
    ".local/share/applications",
    ".local/share/flatpak/exports/share/applications",
    ".config/autostart",
)
ENTRY_LIMIT = 1 << 20
MAX_DEPTH = 4
ENV_OPTIONS_WITH_VALUE = frozenset({"-u", "--unset", "-C", "--chdir"})
FLATPAK_OPTIONS_WITH_VALUE = frozenset({"--arch", "--branch", "--command", "--runtime", "--runtime-version", "--cwd"})
APP_ID = re.compile(r"[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)+")


@dataclass(frozen=True)
class DesktopEntry:
    """The keys of a [Desktop Entry] group this source reports (untranslated values)."""

    name: str
    exec_line: str
    entry_type: str
    no_display: bool
    hidden: bool
    flatpak: str
    snap_instance: str
    icon: str = ""


def parse_desktop_entry(text: str) -> DesktopEntry | Message:
    """The [Desktop Entry] group of a .desktop file, or why the file is not one."""
    group = parse_keyfile(text).get("Desktop Entry")
    if group is None:
        return Message.of("has no [Desktop Entry] section")
    return DesktopEntry(
        name=group.get("Name", ""),
        exec_line=group.get("Exec", ""),
        entry_type=group.get("Type", ""),
        no_display=group.get("NoDisplay", "").strip() == "true",
        hidden=group.get("Hidden", "").strip() == "true",
        flatpak=group.get("X-Flatpak", ""),
        snap_instance=group.get("X-SnapInstanceName", ""),
        icon=group.get("Icon", ""),
    )


def exec_identifiers(exec_line: str) -> list[tuple[str, str]]:
    """("executable", path) when Exec runs a program by absolute path, and ("flatpak", id) for
    `flatpak run <id>`. Quoting follows the desktop-entry spec, which shlex's POSIX mode covers."""
    try:
        words = shlex.split(exec_line)
    except ValueError:  # unbalanced quotes: the launcher would refuse it too
        return []
    words = _without_env_prefix(words)
    if not words:
        return []
    found = [("executable", words[0])] if words[0].startswith("/") else []
    if os.path.basename(words[0]) == "flatpak" and words[1:2] == ["run"]:
        app_id = _flatpak_run_app(words[2:])
        if app_id:
            found.append(("flatpak", app_id))
    return found


def _without_env_prefix(words: list[str]) -> list[str]:
    """`env VAR=x program ...` (as snapd writes) runs `program`."""
    while words and os.path.basename(words[0]) == "env":
        words = words[1:]
        while words and ("=" in words[0] or words[0].startswith("-")):
            words = words[2:] if words[0] in ENV_OPTIONS_WITH_VALUE else words[1:]
    return words


def _flatpak_run_app(words: list[str]) -> str:
    while words and words[0].startswith("-"):
        words = words[2:] if words[0] in FLATPAK_OPTIONS_WITH_VALUE else words[1:]
    return words[0] if words and APP_ID.fullmatch(words[0]) else ""


def desktop_file_id(relative: PurePosixPath) -> str:
    """The desktop file id: path below the applications folder, `/` as `-`, without `.desktop`."""
    return "-".join(relative.parts).removesuffix(".desktop")


def entry_identifiers(file_id: str, entry: DesktopEntry) -> tuple[tuple[str, str], ...]:
    identifiers = [("desktop_file", file_id)] + exec_identifiers(entry.exec_line)
    if entry.flatpak:
        identifiers.append(("flatpak", entry.flatpak))
    if entry.snap_instance:
        # A parallel install "foo_work" is an instance of the snap "foo".
        identifiers.append(("snap", entry.snap_instance.partition("_")[0]))
    return tuple(dict.fromkeys(identifiers))


class DesktopEntries(InventorySource):
    spec = SourceSpec(
        name="desktop_entries",
        title="Application menu and autostart entries",
        platforms=frozenset({LINUX}),
        reads=SYSTEM_FOLDERS + tuple(f"{DEEPIN_APPS}/*/{folder}" for folder in DEEPIN_ENTRY_FOLDERS)
        + tuple(f"~/{folder}" for folder in USER_FOLDERS),
        yields=("desktop_file", "executable", "flatpak", "snap"),
        kind=EvidenceKind.INSTALLED,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        log = CoverageLog(self.spec.name, request.target)
        places = system_and_user_places(request.target, SYSTEM_FOLDERS, USER_FOLDERS, log) + _deepin_places(request.target, log)
        found = files_in_places(request, places, ".desktop", MAX_DEPTH, log)
        items = [item for item in (_entry_item(request.target, file, log) for file in found) if item is not None]
        return log.result(items, Message.of("no application menu or autostart folders"))


def _deepin_places(target: ScanTarget, log: CoverageLog) -> list[Place]:
    return [
        Place(app / folder, (("scope", "system"), ("deepin_app", app.name)))
        for app in subfolders(target, target.path(DEEPIN_APPS), log)
        for folder in DEEPIN_ENTRY_FOLDERS
    ]


def with_resolved_programs(target: ScanTarget, identifiers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Each program path, and where its links lead inside the root: Exec=/usr/bin/wechat is a link
    to /opt/wechat/wechat, the program a rule knows."""
    resolved = []
    for namespace, value in identifiers:
        if namespace == "executable":
            real = resolved_program(target, value)
            if real and real != value:
                resolved.append((namespace, real))
    return tuple(dict.fromkeys(identifiers + tuple(resolved)))


def resolved_program(target: ScanTarget, program: str) -> str:
    """The path `program` leads to once its links are followed inside the root ("" when they loop)."""
    if target.kernel_resolves:
        return os.path.realpath(program)
    try:
        return display_path(target, within_root(target, target.path(program)))
    except OSError:
        return ""


def _entry_item(target: ScanTarget, found: FoundFile, log: CoverageLog) -> InventoryItem | None:
    text = read_text(target, found.path, ENTRY_LIMIT, log)
    entry = parse_desktop_entry(text) if text is not None else None
    if isinstance(entry, Message):
        log.problem(found.path, entry)
    if not isinstance(entry, DesktopEntry):
        return None
    file_id = desktop_file_id(found.relative)
    return InventoryItem(
        source="desktop_entries",
        kind=EvidenceKind.INSTALLED,
        identifiers=with_resolved_programs(target, entry_identifiers(file_id, entry)),
        name=entry.name or file_id,
        location=display_path(target, found.path),
        details=found.place.details + _entry_details(entry, found.place),
    )


def _entry_details(entry: DesktopEntry, place: Place) -> tuple[tuple[str, str], ...]:
    # The icon name lets the window show the app's own icon from the desktop's icon theme.
    details = [("type", entry.entry_type), ("exec", entry.exec_line), ("icon", entry.icon)]
    if place.folder.name == "autostart":
        details.append(("autostart", "true"))
    if entry.hidden:
        details.append(("hidden", "true"))  # the person (or a package) deleted this entry
    if entry.no_display:
        details.append(("no_display", "true"))
    return tuple((key, value) for key, value in details if value)
