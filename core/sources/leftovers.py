"""Files and folders that policy rules say their apps leave behind (data and program folders).

Locations are path templates from the packs: `{home}` stands for every user's home folder,
and on Windows `{program_files}`, `{program_files_x86}`, `{program_data}`, `{app_data}` and
`{local_app_data}` for the usual folders. A `*` may stand for part of one path component.
"""

from __future__ import annotations

import fnmatch
from functools import lru_cache
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    ANDROID,
    COMPUTER_PLATFORMS,
    LINUX,
    MACOS,
    WINDOWS,
    CoverageLog,
    EvidenceKind,
    InventoryItem,
    InventorySource,
    LeftoverLocation,
    ReadRequest,
    ScanTarget,
    SourceResult,
    SourceSpec,
    display_path,
    find_any_case,
)

WINDOWS_FOLDERS = {
    "program_files": "Program Files",
    "program_files_x86": "Program Files (x86)",
    "program_data": "ProgramData",
}
WINDOWS_USER_FOLDERS = {
    "app_data": "AppData/Roaming",
    "local_app_data": "AppData/Local",
}
PLACEHOLDERS = frozenset({"home", *WINDOWS_FOLDERS, *WINDOWS_USER_FOLDERS})

# The folders where applications install or keep their files, per platform: a leftover template
# must name at least one fixed component below one of them, and none of them is ever deleted
# itself (nor a parent of one). This is the one list; the loader, the plan and the deletion use it.
LEFTOVER_BASES = {
    LINUX: (
        "{home}", "{home}/.config", "{home}/.config/autostart", "{home}/.local", "{home}/.local/share",
        "{home}/.local/share/applications", "{home}/.local/state", "{home}/.local/bin", "{home}/.cache",
        "{home}/.var", "{home}/.var/app", "{home}/Documents", "{home}/Downloads", "{home}/Desktop",
        "{home}/Applications", "{home}/Pictures", "{home}/Music", "{home}/Videos", "{home}/Templates",
        "{home}/Public", "opt", "etc", "etc/opt", "var/opt", "usr/share", "usr/share/applications",
        "usr/share/icons", "usr/share/doc",
    ),
    WINDOWS: (
        "{home}", "{home}/Documents", "{home}/Downloads", "{home}/Desktop", "{home}/AppData", "{app_data}", "{local_app_data}",
        "{app_data}/Microsoft", "{local_app_data}/Microsoft", "{local_app_data}/Programs",
        "{local_app_data}/Packages", "{program_files}", "{program_files_x86}", "{program_data}",
        "{program_files}/Common Files", "{program_files_x86}/Common Files", "{program_files}/WindowsApps",
        "{program_data}/Microsoft",
    ),
    MACOS: (
        "{home}", "{home}/Library", "{home}/Library/Application Support", "{home}/Library/Application Scripts",
        "{home}/Library/Containers", "{home}/Library/Group Containers", "{home}/Library/Caches",
        "{home}/Library/Preferences", "{home}/Library/Cookies", "{home}/Library/Saved Application State",
        "{home}/Library/Logs", "{home}/Library/LaunchAgents", "{home}/Documents", "{home}/Downloads",
        "{home}/Desktop", "{home}/Applications", "Applications", "Library", "Library/Application Support",
        "Library/Caches", "Library/Logs", "Library/LaunchDaemons", "Library/LaunchAgents", "Library/Preferences",
        "Library/PrivilegedHelperTools", "Library/Extensions", "Users/Shared", "usr/local", "opt",
    ),
}
# What the system itself keeps below those folders: never a leftover, nor anything inside it.
SYSTEM_ENTRIES = {
    LINUX: (
        "{home}/.ssh", "{home}/.gnupg", "{home}/.pki", "{home}/.bashrc", "{home}/.profile", "{home}/.bash_profile",
        "{home}/.config/systemd", "{home}/.local/share/keyrings", "{home}/.mozilla", "{home}/.thunderbird",
        "{home}/.config/google-chrome", "{home}/.config/chromium", "{home}/.local/share/Trash",
        "var/lib", "var/cache", "var/log", "var/spool", "var/mail", "usr/lib", "usr/lib64", "usr/bin", "usr/sbin",
        "usr/local", "usr/include", "usr/share/python3", "usr/share/perl", "usr/share/perl5",
        *(f"etc/{name}" for name in (
            "passwd", "shadow", "group", "gshadow", "sudoers", "sudoers.d", "ssh", "ssl", "pki", "pam.d", "security",
            "systemd", "default", "init.d", "fstab", "hosts", "hostname", "apt", "dpkg", "yum.repos.d", "X11", "xdg",
            "alternatives", "profile", "profile.d", "cron.d", "crontab", "environment", "resolv.conf", "nsswitch.conf",
            "ld.so.conf", "ld.so.conf.d", "modprobe.d", "udev", "polkit-1", "dbus-1", "NetworkManager", "os-release",
            "machine-id", "skel", "sysctl.d", "apparmor.d", "selinux", "kernel", "fonts", "ca-certificates",
            "pam.conf", "sudo.conf", "crypttab", "netplan", "ld.so.preload", "ld.so.cache", "login.defs", "shells",
            "sysctl.conf", "network", "NetworkManager", "grub.d", "default", "cron.daily", "cron.hourly", "logrotate.d",
            "docker", "containerd", "cups", "gdm3", "lightdm", "sddm.conf", "environment.d", "tmpfiles.d", "sysusers.d",
        )),
        *(f"usr/share/{name}" for name in ("dbus-1", "polkit-1", "mime", "fonts", "locale", "man", "zoneinfo", "ca-certificates", "keyrings")),
    ),
    WINDOWS: (
        "{app_data}/Microsoft/Windows", "{local_app_data}/Microsoft/Windows", "{program_data}/Microsoft/Windows",
        "{program_files}/Windows Defender", "{program_files}/Windows NT", "{program_files}/Internet Explorer",
        "{home}/NTUSER.DAT",
    ),
    MACOS: (
        "{home}/Library/Keychains", "{home}/.ssh", "{home}/Library/Preferences/com.apple.*", "Library/Keychains",
        "Library/Security", "Library/Preferences/SystemConfiguration", "Library/Apple", "{home}/Library/Mail",
        "{home}/Library/Messages", "{home}/Library/Mobile Documents", "{home}/Library/Safari", "{home}/Library/Calendars",
        "{home}/Library/Photos", "{home}/Library/Application Support/com.apple.*", "{home}/Library/Containers/com.apple.*",
        "{home}/Library/Group Containers/group.com.apple.*", "Library/Application Support/com.apple.*",
        "Library/LaunchDaemons/com.apple.*", "Library/LaunchAgents/com.apple.*",
    ),
}
# The first name below a base must start with this many plain characters: it names the app's own
# folder or file (`.xwechat`, `TencentWeChatLimited.*`), never "every folder" (`*`, `.*`).
MIN_FIXED_CHARACTERS = 3
# Control characters, and the marks that make one path look like another when it is shown.
INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")


def template_parts(template: str) -> tuple[str, ...]:
    """The components of a leftover template, with `\\` read as `/` and empty components dropped."""
    return tuple(part for part in template.replace("\\", "/").split("/") if part)


def _same(platform: str, a: str, b: str) -> bool:
    # Windows and macOS disks compare names without case, as their file systems do.
    return a == b if platform == LINUX else a.casefold() == b.casefold()


def canonical_parts(parts: tuple[str, ...]) -> tuple[str, ...]:
    """`{app_data}/x` as `{home}/AppData/Roaming/x`: one spelling for each place, to compare."""
    if parts and parts[0].strip("{}") in WINDOWS_USER_FOLDERS and parts[0].startswith("{"):
        return ("{home}", *template_parts(WINDOWS_USER_FOLDERS[parts[0].strip("{}")]), *parts[1:])
    return parts


@lru_cache(maxsize=None)
def _canonical(table: str, platform: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(entry, its canonical components) of LEFTOVER_BASES or SYSTEM_ENTRIES for a platform, worked
    out once: a pack's every leftover template is checked against all of them (with the plain-name shortcut in _may_be, a pack load here went from
    37 ms to 19 to 28 ms)."""
    entries = {"bases": LEFTOVER_BASES, "system": SYSTEM_ENTRIES}[table].get(platform, ())
    return tuple((entry, canonical_parts(template_parts(entry))) for entry in entries)


def longest_base(platform: str, parts: tuple[str, ...]) -> tuple[str, ...]:
    """The longest known base (as components) that `parts` starts with, or () when none does."""
    best: tuple[str, ...] = ()
    parts = canonical_parts(parts)
    for _, base_parts in _canonical("bases", platform):
        if len(base_parts) > len(best) and len(parts) >= len(base_parts) and all(
            _same(platform, a, b) for a, b in zip(parts, base_parts)
        ):
            best = base_parts
    return best


def template_problem(template: str, platform: str) -> str | None:
    """Why a pack may not name `template` as a leftover on `platform`, or None when it may.

    A template names the app's own files: at least one fixed component below a known base. A bare
    base, a lone `*`, a single top-level folder, `.` or `..`, or a placeholder anywhere but at the
    start could stand for a system folder or a user's whole home, which AppWarden never deletes.
    """
    if platform == ANDROID:  # the phone's shared storage has rules of its own
        from appwarden.core.sources.android.storage import storage_template_problem

        return storage_template_problem(template)
    if template.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", template):
        return f"leftover location '{template}' must be relative to the disk (opt/app, {{home}}/.app), not absolute"
    parts = template_parts(template)
    if any(part in (".", "..") or part.rstrip(" .") in ("", ".", "..") for part in parts):
        return f"leftover location '{template}' must not contain '.' or '..'"
    if any(ch in template for ch in "?[]") or INVISIBLE.search(template):
        return f"leftover location {template!a} may use '*' as its only wildcard, and no control or invisible characters"
    for index, part in enumerate(parts):
        for name in PLACEHOLDER.findall(part):
            if name not in PLACEHOLDERS or (platform != WINDOWS and name != "home"):
                return f"leftover location '{template}' uses the unknown placeholder {{{name}}} for {platform}"
            if index != 0 or part != "{" + name + "}":
                return f"leftover location '{template}' may use a placeholder only as its first component"
        if "{" in PLACEHOLDER.sub("", part) or "}" in PLACEHOLDER.sub("", part):
            return f"leftover location '{template}' has an unmatched brace"
    if platform == WINDOWS:
        odd = next((part for part in parts if part.endswith((" ", ".")) or "~" in part or ":" in part), None)
        if odd is not None:
            return f"leftover location '{template}' has a name Windows reads differently ('{odd}': a trailing dot or space, '~' or ':')"
    parts = canonical_parts(parts)
    base = longest_base(platform, parts)
    if not base:
        return (
            f"leftover location '{template}' must start with a folder where applications keep files "
            f"(one of: {', '.join(LEFTOVER_BASES.get(platform, ()))})"
        )
    if len(parts) == len(base):
        return f"leftover location '{template}' names a whole folder that many apps share; name the app's own folder below it"
    first = parts[len(base)]
    if len(first.split("*", 1)[0]) < MIN_FIXED_CHARACTERS:
        return (
            f"leftover location '{template}' must name the app's own folder or file below {'/'.join(base)} "
            f"(at least {MIN_FIXED_CHARACTERS} plain characters before any '*')"
        )
    system = system_entry_within(platform, parts)
    if system is not None:
        return f"leftover location '{template}' is, or is inside, the system's own {system}"
    shared = base_it_could_name(platform, parts)
    if shared is not None:
        return f"leftover location '{template}' could stand for {shared}, a folder that many apps share"
    return None


def base_it_could_name(platform: str, parts: tuple[str, ...]) -> str | None:
    """A known base that the template, its `*` expanded, could name itself or hold."""
    for base, base_parts in _canonical("bases", platform):
        if len(parts) <= len(base_parts) and all(_may_be(platform, a, b) for a, b in zip(parts, base_parts)):
            return base
    return None


def system_entry_within(platform: str, parts: tuple[str, ...]) -> str | None:
    """The system entry that `parts` names, lies inside, or (with a `*`) could stand for."""
    for entry, entry_parts in _canonical("system", platform):
        shared = min(len(entry_parts), len(parts))
        if all(_may_be(platform, a, b) for a, b in zip(parts[:shared], entry_parts[:shared])):
            return entry
    return None


def _may_be(platform: str, pattern: str, name: str) -> bool:
    """Whether a template component could name the same file as `name` (either may hold a `*`);
    when both do, they may when one's plain start begins the other's (a cautious answer)."""
    fold = (lambda text: text) if platform == LINUX else str.casefold
    pattern, name = fold(pattern), fold(name)
    if "*" not in pattern and not any(special in name for special in "*?["):
        return pattern == name  # no wildcard on either side: fnmatch would compile a pattern to say so
    if "*" in pattern and "*" in name:
        start, other = pattern.split("*", 1)[0], name.split("*", 1)[0]
        return start.startswith(other) or other.startswith(start)
    return fnmatch.fnmatchcase(name, pattern) if "*" in pattern else fnmatch.fnmatchcase(pattern, name)


@dataclass(frozen=True)
class LeftoverCandidate:
    """A place a template stands for: a fixed base folder and the components below it (which may
    hold `*`). Deletion walks from the base and never follows a link below it."""

    base: Path
    below: tuple[str, ...]

    @property
    def path(self) -> Path:
        return self.base.joinpath(*self.below)


def leftover_identifier(location: LeftoverLocation) -> str:
    return f"{location.rule_id}:{location.template}"


def expand_template(
    target: ScanTarget, template: str, log: CoverageLog, homes: list[Path] | None = None
) -> list[LeftoverCandidate]:
    """Every place on the target that a template can stand for (existing or not, globs unexpanded).
    The base of a per-user template is each user's home (`homes`, else listed now); of another,
    the known folder it starts in."""
    parts = template_parts(template)
    if not parts:
        return []
    head = parts[0]
    if head == "{home}" or head.strip("{}") in WINDOWS_USER_FOLDERS:
        below = template_parts(WINDOWS_USER_FOLDERS.get(head.strip("{}"), "")) + parts[1:]
        return [LeftoverCandidate(home, below) for home in (target.user_homes(log) if homes is None else homes)]
    if head.strip("{}") in WINDOWS_FOLDERS:
        parts = (WINDOWS_FOLDERS[head.strip("{}")], *parts[1:])
    fixed = len(longest_base(target.os, template_parts(template))) or 1  # a placeholder is one component
    return [LeftoverCandidate(target.root.joinpath(*parts[:fixed]), parts[fixed:])]


def known_base_paths(target: ScanTarget, log: CoverageLog) -> list[Path]:
    """Every known base and system entry as a path on the target (for each user where it is a
    per-user one): never deleted, nor any folder that holds one."""
    paths: list[Path] = []
    homes = target.user_homes(log)
    for template in (*LEFTOVER_BASES.get(target.os, ()), *SYSTEM_ENTRIES.get(target.os, ())):
        if "*" not in template:
            paths += [candidate.path for candidate in expand_template(target, template, log, homes)]
    return paths


class RuleLeftovers(InventorySource):
    spec = SourceSpec(
        name="leftovers",
        title="Leftover files",
        platforms=COMPUTER_PLATFORMS,
        reads=("the leftover locations each rule names",),
        yields=("leftover",),
        kind=EvidenceKind.LEFTOVER,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        log = CoverageLog(self.spec.name, request.target)
        target = request.target
        items: list[InventoryItem] = []
        for location in request.leftover_locations:
            if location.platform != target.os:
                continue
            for candidate in expand_template(target, location.template, log):
                for _, found in _existing(target, candidate, log):
                    items.append(_leftover_item(target, location, found))
        return log.result(items, Message.of("no policy rule names leftover files for this platform"))


def _existing(target: ScanTarget, candidate: LeftoverCandidate, log: CoverageLog) -> list[tuple[Path, Path]]:
    """(base, path) of each path that exists for one candidate. Paths stay as they are named on
    the device (a link on the way is read through, inside the root, but not replaced by where it
    points), so a removal sees the link and refuses it. A `*` in a name is expanded; on a Windows
    disk names match in any letter case, as Windows would."""
    base = candidate.base
    if target.os == WINDOWS and base != target.root:
        base = find_any_case(target, str(base.relative_to(target.root)), log=log) or base
    try:
        found = _matching(target, base, candidate.below)
    except OSError as error:
        log.os_problem(candidate.path, error)
        return []
    log.read_one()
    return [(base, path) for path in found]


def _matching(target: ScanTarget, folder: Path, parts: tuple[str, ...]) -> list[Path]:
    if not parts:
        return [folder]
    name, rest = parts[0], parts[1:]
    exact = folder / name
    if "*" not in name and _lexists(target, exact):
        return _matching(target, exact, rest) if rest else [exact]
    if "*" not in name and target.os != WINDOWS:
        return []
    try:
        entries = target.names_in(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    same = (lambda a, b: fnmatch.fnmatchcase(a, b)) if target.os != WINDOWS else (
        lambda a, b: fnmatch.fnmatchcase(a.casefold(), b.casefold())
    )
    found: list[Path] = []
    for entry in entries:
        if same(entry, name):
            path = folder / entry
            found += _matching(target, path, rest) if rest else [path]
    return found


def _lexists(target: ScanTarget, path: Path) -> bool:
    try:
        target.stat(path, follow=False)
    except (FileNotFoundError, NotADirectoryError):
        return False
    return True


def _leftover_item(target: ScanTarget, location: LeftoverLocation, found: Path) -> InventoryItem:
    try:
        kind = "folder" if stat.S_ISDIR(target.stat(found).st_mode) else "file"
    except OSError:
        kind = "file"
    shown = display_path(target, found)
    return InventoryItem(
        source="leftovers",
        kind=EvidenceKind.LEFTOVER,
        identifiers=(("leftover", leftover_identifier(location)),),
        name=found.name,
        location=shown,
        details=(("type", kind), ("pattern", location.template)),
    )


@dataclass(frozen=True)
class ExistingLeftover:
    base: Path  # the fixed folder it was found below (a home, /opt, C:\\Program Files...)
    path: Path


def existing_leftovers(target: ScanTarget, template: str, log: CoverageLog) -> list[ExistingLeftover]:
    """The paths on the target that a leftover template names and that exist (removal uses them)."""
    return [
        ExistingLeftover(base, found)
        for candidate in expand_template(target, template, log)
        for base, found in _existing(target, candidate, log)
    ]
