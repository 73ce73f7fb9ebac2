"""Reading helpers shared by the sources that read files, on every platform: paths kept inside a
mounted disk, system and user folders, folder walks that say what they skipped, and the GLib
key-file format (.desktop files, Flatpak metadata).
"""

from __future__ import annotations

import json
import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Iterator

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    CoverageLog,
    ReadRequest,
    ScanTarget,
    display_path,
    list_dir,
    printable,
    read_bounded,
    within_root,
)

KEYFILE_ESCAPES = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
KEYFILE_ESCAPE = re.compile(r"\\(.)")

Details = tuple[tuple[str, str], ...]


def within_root_logged(target: ScanTarget, path: Path, log: CoverageLog) -> Path | None:
    """within_root, or None with the problem recorded (a link loop)."""
    try:
        return within_root(target, path)
    except OSError as error:
        log.os_problem(path, error)
        return None


def is_folder(target: ScanTarget, path: Path) -> bool:
    """Whether `path` is a folder once its links are followed inside the root."""
    try:
        return stat.S_ISDIR(target.stat(path).st_mode)
    except OSError:
        return False


def has_utf8_name(path: Path, log: CoverageLog) -> bool:
    """Whether a file name can be reported; a name that is not UTF-8 is a problem, and skipped."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:
        log.problem(path, Message.of("the name is not valid UTF-8; skipped"))
        return False
    return True


def list_folder(target: ScanTarget, folder: Path, log: CoverageLog) -> list[Path]:
    """Entries of a folder of the target (links resolved inside the root); see base.list_dir."""
    real = within_root_logged(target, folder, log)
    return list_dir(target, real, log) if real is not None else []


def subfolders(target: ScanTarget, folder: Path, log: CoverageLog) -> list[Path]:
    """Real sub-folders with reportable names; links to folders are left out (no loops)."""
    return [
        entry for entry in list_folder(target, folder, log)
        if is_real_folder(target, entry) and has_utf8_name(entry, log)
    ]


@dataclass(frozen=True)
class Place:
    """A folder to read, and whose it is: the system's, or one user's."""

    folder: Path
    details: Details


def system_and_user_places(
    target: ScanTarget, system: Iterable[str], per_user: Iterable[str], log: CoverageLog
) -> list[Place]:
    """The system folders, then each user's folders (relative to their home), in a stable order.
    A users folder that cannot be listed is a problem in `log`."""
    places = [Place(target.path(relative), (("scope", "system"),)) for relative in system]
    per_user = tuple(per_user)
    for home in target.user_homes(log):
        owner = (("scope", "user"), ("user", printable(home.name)), ("home", printable(display_path(target, home))))
        places += [Place(home / relative, owner) for relative in per_user]
    return places


@dataclass(frozen=True)
class FoundFile:
    """A wanted file found in a place."""

    path: Path  # as listed in its folder (a link is not resolved, so it shows where it was found)
    relative: PurePosixPath  # below the place's folder
    place: Place


def files_in_places(
    request: ReadRequest, places: Iterable[Place], suffix: str, max_depth: int, log: CoverageLog
) -> Iterator[FoundFile]:
    """The files named *`suffix` (any case) in each place and `max_depth` levels of its sub-folders.

    Linked folders are not followed (no loops); a linked file is, inside the root. A wanted file
    or a folder whose name is not UTF-8, or a link that loops, is a problem; a dangling link
    means nothing is installed there, so it is passed over quietly.
    """
    target = request.target
    for place in places:
        folder = within_root_logged(target, place.folder, log)
        if folder is None:
            continue
        for path, relative in _walk(target, folder, PurePosixPath(), suffix.lower(), log, max_depth, request.cancelled):
            yield FoundFile(path, relative, place)


def _walk(
    target: ScanTarget,
    folder: Path,
    relative: PurePosixPath,
    suffix: str,
    log: CoverageLog,
    depth_left: int,
    cancelled: Callable[[], bool],
) -> Iterator[tuple[Path, PurePosixPath]]:
    for entry in list_dir(target, folder, log):
        if cancelled():
            return
        if entry.name.lower().endswith(suffix):
            if _is_file(target, entry, log) and has_utf8_name(entry, log):
                yield entry, relative / entry.name
        elif depth_left > 0 and is_real_folder(target, entry) and has_utf8_name(entry, log):
            yield from _walk(target, entry, relative / entry.name, suffix, log, depth_left - 1, cancelled)


def _is_file(target: ScanTarget, path: Path, log: CoverageLog) -> bool:
    try:
        return stat.S_ISREG(target.stat(path).st_mode)
    except FileNotFoundError:
        return False
    except OSError as error:
        log.os_problem(path, error)
        return False


def is_real_folder(target: ScanTarget, path: Path) -> bool:
    """A folder, not a link to one: links to folders are not walked, so a loop cannot be entered."""
    try:
        return stat.S_ISDIR(target.stat(path, follow=False).st_mode)
    except OSError:
        return False


def read_file_bytes(
    target: ScanTarget, path: Path, limit: int, log: CoverageLog, missing_ok: bool = True
) -> bytes | None:
    """A regular file's bytes, at most `limit`; None with a problem recorded when it cannot be read.

    Anything but a regular file is refused: opening a FIFO on a mounted disk would wait forever.
    """
    return read_bounded(target, path, limit, log, missing_ok)


def read_text(target: ScanTarget, path: Path, limit: int, log: CoverageLog, missing_ok: bool = True) -> str | None:
    """A UTF-8 text file, or None with a problem recorded (unreadable, too large, not UTF-8)."""
    data = read_file_bytes(target, path, limit, log, missing_ok)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        log.problem(path, Message.of("not UTF-8 text; not read"))
        return None


def json_document(data: bytes) -> object | Message:
    """The value of a small JSON file (UTF-8, with or without a byte-order mark), or why it is not one."""
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return Message.of("not valid JSON; not read")


def text_of(mapping: dict, key: str) -> str:
    """A string value of a parsed file, stripped; any other type counts as absent."""
    value = mapping.get(key)
    return value.strip() if isinstance(value, str) else ""


def parse_keyfile(text: str) -> dict[str, dict[str, str]]:
    """Groups of a GLib key file as {group: {key: value}}, first value of a key kept.

    Localised keys (Name[fr]), comments and lines that are not `key=value` are left out;
    the key-file escapes (\\s \\n \\t \\r \\\\) are decoded, unknown ones kept as written.
    """
    groups: dict[str, dict[str, str]] = {}
    group: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = groups.setdefault(line[1:-1], {})
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if group is None or not sep or not key or "[" in key:
            continue
        group.setdefault(key, KEYFILE_ESCAPE.sub(_unescape, value.strip()))
    return groups


def _unescape(match: re.Match) -> str:
    return KEYFILE_ESCAPES.get(match.group(1), match.group(0))


def read_in_capture_folder(folder: Path, name: str, limit: int, problems: list, missing: Message | None = None,
                           os_reason: Callable[[OSError], Message] | None = None) -> bytes | None:
    """A file of a folder someone sent (a phone capture, a backup), or None with the reason in
    `problems` (ReadProblem): never through a link, even one inside the folder; opened from the
    folder's descriptor, so a file swapped for a link meanwhile still cannot lead out; only a regular
    file, at most `limit` bytes. A missing file is a problem only when `missing` says why it matters."""
    from appwarden.core.sources.base import ReadProblem
    from appwarden.core.sources.rooted_common import open_regular_file, read_limited, stat_in_root

    try:
        if stat.S_ISLNK(stat_in_root(folder, folder / name, live=False, follow=False).st_mode):
            problems.append(ReadProblem(name, Message.of("it is a link, and links in a capture are not followed")))
            return None
        data = read_limited(open_regular_file(folder, folder / name, live=False), limit)
    except FileNotFoundError:
        if missing is not None:
            problems.append(ReadProblem(name, missing))
        return None
    except OSError as error:
        reason = os_reason(error) if os_reason else Message.of("cannot read: {error}", error=error.strerror or type(error).__name__)
        problems.append(ReadProblem(name, reason))
        return None
    return data
