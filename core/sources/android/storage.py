"""What an app leaves in a phone's shared storage (`/sdcard`: the person's photos and files), found
from the packs' Android leftover locations, on a phone connected now.

A pack names them as `/sdcard/tencent/MicroMsg`; on the phone each user has such storage at
`/storage/emulated/<user>`. Because everything there is the person's own, a location must be an
app's own folder: fixed components below `/sdcard` (or below `Android/data`, `Android/media`,
`Android/obb`), no `.` or `..`, plain characters, and at most one `*`, in part of one component.
The same rules check every path the phone answers with before anything is done with it.
"""

from __future__ import annotations

import re

from appwarden.core.messages import Message
from appwarden.core.sources.android.parsed import PACKAGE_NAME, quoted
from appwarden.core.sources.base import (
    ANDROID,
    CoverageLog,
    EvidenceKind,
    InventoryItem,
    InventorySource,
    LeftoverLocation,
    ReadRequest,
    SourceResult,
    SourceSpec,
)

SHARED_STORAGE = "/sdcard/"
_USER_STORAGE = re.compile(r"^/storage/emulated/(\d{1,9})/")
# Folders every app and the person share: never an app's leftover themselves.
SHARED_FOLDERS = frozenset(name.casefold() for name in (
    "Alarms", "Android", "Audiobooks", "DCIM", "Documents", "Download", "Movies", "Music", "Notifications",
    "Pictures", "Podcasts", "Recordings", "Ringtones", "Screenshots",
))
# Folders that hold one folder per app, named by its package.
APP_FOLDERS = ("android/data", "android/media", "android/obb")
MIN_FIXED_CHARACTERS = 4
# Folders the phone's own apps keep inside the shared ones: the person's photos and recordings.
SHARED_SUBFOLDERS = frozenset(name.casefold() for name in (
    "Camera", "Screenshots", "Screen recordings", "ScreenRecorder", "Restored", "Videocaptures", "Voice Recorder",
))
_COMPONENT = re.compile(r"[A-Za-z0-9_.@+ ()-]+")
MAX_LISTED_PATHS = 200


def user_storage(user: int) -> str:
    return f"/storage/emulated/{user}/"


def storage_template_problem(template: str) -> str | None:
    """Why a pack may not name `template` as an Android leftover, or None when it may."""
    if not isinstance(template, str) or not template.startswith(SHARED_STORAGE):
        return f"Android leftover location {template!a} must start with /sdcard/ (the phone's shared storage)"
    return _below_storage_problem(template, template[len(SHARED_STORAGE):])


def phone_path_problem(path: str) -> str | None:
    """Why a path may not be used in a command on the phone, or None: a location below one user's
    shared storage, by the same rules as a pack's template."""
    if not isinstance(path, str):
        return "not a path"
    if path.startswith(SHARED_STORAGE):
        return _below_storage_problem(path, path[len(SHARED_STORAGE):])
    found = _USER_STORAGE.match(path)
    if found is None:
        return f"{path!a} is not in a phone's shared storage (/sdcard/ or /storage/emulated/N/)"
    return _below_storage_problem(path, path[found.end():])


def _below_storage_problem(shown: str, rest: str) -> str | None:
    parts = rest.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return f"Android leftover location {shown!a} must not contain '.', '..' or an empty component"
    if not all(_COMPONENT.fullmatch(part.replace("*", "")) for part in parts if part.replace("*", "")):
        return f"Android leftover location {shown!a} may use letters, digits, spaces and _ . @ + ( ) - only"
    starred = [part for part in parts if "*" in part]
    if len(starred) > 1 or any(part.count("*") > 1 for part in starred):
        return f"Android leftover location {shown!a} may use one '*', in part of one component"
    if parts[0].casefold() == "android" and "/".join(parts[:2]).casefold() not in APP_FOLDERS:
        return f"Android leftover location {shown!a} may name a folder below Android/ only in Android/data, Android/media or Android/obb"
    # The app's own folder comes after the shared folders it sits in (Download/WeiXin, Android/media/com.app).
    base = 2 if parts[0].casefold() == "android" else 1 if parts[0].casefold() in SHARED_FOLDERS else 0
    if len(parts) <= base:
        return f"Android leftover location {shown!a} names a folder that many apps and the person share; name the app's own folder below it"
    own = parts[base]
    if base == 2 and not PACKAGE_NAME.fullmatch(own):
        return f"Android leftover location {shown!a} must name one app's package below {parts[0]}/{parts[1]} in full (no '*')"
    if base == 1 and ("*" in own or own.casefold() in SHARED_SUBFOLDERS):
        return f"Android leftover location {shown!a} must name the app's own folder below {parts[0]} in full, not one the phone itself keeps there"
    if len(own.split("*", 1)[0]) < MIN_FIXED_CHARACTERS:
        return f"Android leftover location {shown!a} must name the app's own folder (at least {MIN_FIXED_CHARACTERS} plain characters before any '*')"
    return None


def package_folder(template: str) -> str | None:
    """The package a location below Android/data, Android/media or Android/obb belongs to, else None."""
    parts = template[len(SHARED_STORAGE):].split("/") if template.startswith(SHARED_STORAGE) else []
    return parts[2] if len(parts) > 2 and "/".join(parts[:2]).casefold() in APP_FOLDERS else None


def for_user(template: str, user: int) -> str:
    """A pack's `/sdcard/...` location in the shared storage of one user."""
    return user_storage(user) + template[len(SHARED_STORAGE):]


def matches(path: str, pattern: str) -> bool:
    """Whether `path` is one the phone may expand `pattern` to: its `*` stands for part of one name."""
    return re.fullmatch("[^/]*".join(map(re.escape, pattern.split("*"))), path) is not None


def parse_storage_listing(text: str, pattern: str) -> tuple[list[tuple[str, int]], list[Message]]:
    """`du -s -k` lines: (path, size in KiB) for each path that matches `pattern` and may be used on
    the phone; a missing path is simply not there, and anything else is a sentence."""
    found: list[tuple[str, int]] = []
    problems: list[Message] = []
    for line in text.splitlines():
        size, tab, path = line.partition("\t")
        if tab and size.isdigit() and len(size) <= 15:
            if matches(path, pattern) and phone_path_problem(path) is None and len(found) < MAX_LISTED_PATHS:
                found.append((path, int(size)))
            else:
                problems.append(Message.of("the phone named a path AppWarden does not use: {line}", line=quoted(line)))
        elif "No such file or directory" in line:
            continue
        elif line.strip():
            problems.append(Message.of("the phone could not measure {path}: {line}", path=pattern, line=quoted(line)))
    return found, problems


class AndroidSharedStorage(InventorySource):
    spec = SourceSpec(
        name="android_storage",
        title="Files left in the phone's shared storage",
        platforms=frozenset({ANDROID}),
        reads=("du -s -k of each leftover location the rules name, for each user",),
        yields=("leftover",),
        kind=EvidenceKind.LEFTOVER,
        live_only=True,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        from appwarden.core.phones.commands import PhoneGone, storage_listing
        from appwarden.core.sources.leftovers import leftover_identifier

        log = CoverageLog(self.spec.name, request.target)
        locations = [location for location in request.leftover_locations if location.platform == ANDROID]
        session = request.target.phone
        if not locations:
            return log.result([], Message.of("no policy rule names leftover files for this platform"))
        if session is None:
            return log.result([], Message.of("only read on a phone connected now"))
        reading = session.reading(request)
        items: list[InventoryItem] = []
        # A work profile's storage is the organisation's to manage (and out of the shell's reach): not read.
        for user in (user for user in reading.user_ids if user not in reading.work_profiles):
            for location in locations:
                pattern = for_user(location.template, user)
                try:
                    output = session.run(storage_listing(pattern))
                except PhoneGone as gone:
                    log.problem(pattern, Message.of("the phone stopped answering: {reason}", reason=gone.reason))
                    return log.result(items)
                found, problems = parse_storage_listing(output, pattern)
                for problem in problems:
                    log.problem(pattern, problem)
                log.read_one()
                items += [_item(location, path, size, user, leftover_identifier(location)) for path, size in found]
        return log.result(items)


def _item(location: LeftoverLocation, path: str, size_kib: int, user: int, identifier: str) -> InventoryItem:
    return InventoryItem(
        source="android_storage",
        kind=EvidenceKind.LEFTOVER,
        identifiers=(("leftover", identifier),),
        name=path.rsplit("/", 1)[-1],
        location=path,
        details=(("type", "folder or file"), ("pattern", location.template), ("size_kib", str(size_kib)), ("user", str(user))),
    )
