"""Reading helpers shared by the macOS sources: property lists read safely (binary or XML, size-capped,
never raising), the Applications folders, and each user's folders with an unreadable /Users reported.
"""

from __future__ import annotations

import plistlib
from dataclasses import dataclass
from pathlib import Path

from appwarden.core.messages import Message
from appwarden.core.sources.base import CoverageLog, ScanTarget, printable
from appwarden.core.sources.files_common import read_file_bytes

#: Info.plist files are a few kilobytes, launchd jobs less; a megabyte leaves a wide margin.
PLIST_LIMIT = 1 << 20
BINARY_PLIST_HEADER = b"bplist"
# Entity declarations are how XML bombs expand; no property list needs them. XML plists may be
# UTF-8 or UTF-16 (plistlib accepts both), so the declaration is looked for in each encoding.
ENTITY_DECLARATIONS = tuple("<!ENTITY".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be"))
SYSTEM_APPLICATIONS = "Applications"
USER_APPLICATIONS = "Applications"

Details = tuple[tuple[str, str], ...]


def parse_plist(data: bytes) -> dict | Message:
    """The top-level dictionary of a binary or XML property list, or why it cannot be read."""
    is_binary = data.startswith(BINARY_PLIST_HEADER)
    if not is_binary and any(declaration in data for declaration in ENTITY_DECLARATIONS):
        return Message.of("declares XML entities; not read")
    try:
        value = plistlib.loads(data)
    except RecursionError:
        return Message.of("nested too deeply to read")
    except Exception as error:  # the file is untrusted: plistlib fails on it with many error types
        return Message.of("not a valid property list: {error}", error=str(error) or type(error).__name__)
    if not isinstance(value, dict):
        return Message.of("the top level is not a dictionary")
    if is_binary and holds_itself(value):
        # CoreFoundation refuses such files; a walk over the values would never end.
        return Message.of("refers to itself in a loop; not read")
    return value


def holds_itself(value: object) -> bool:
    """Whether a list or dictionary contains itself, however deep (binary plists can say so).

    Iterative, and each container is entered once, so shared and deep values cost no more
    than their number.
    """
    if not isinstance(value, (list, dict)):
        return False
    finished: set[int] = set()
    open_path: set[int] = set()  # the containers being walked: the current one and its parents
    pending: list[tuple[list | dict, bool]] = [(value, False)]
    while pending:
        node, leaving = pending.pop()
        if leaving:
            open_path.discard(id(node))
            finished.add(id(node))
            continue
        if id(node) in finished:
            continue
        if id(node) in open_path:
            return True
        open_path.add(id(node))
        pending.append((node, True))
        children = node.values() if isinstance(node, dict) else node
        pending.extend((child, False) for child in children if isinstance(child, (list, dict)))
    return False


def read_plist(target: ScanTarget, path: Path, log: CoverageLog, missing_ok: bool = True) -> dict | None:
    """A property-list file's top-level dictionary, or None with the problem recorded."""
    data = read_file_bytes(target, path, PLIST_LIMIT, log, missing_ok)
    if data is None:
        return None
    parsed = parse_plist(data)
    if isinstance(parsed, Message):
        log.problem(path, parsed)
        return None
    return parsed


def plist_text(plist: dict, key: str) -> str:
    """A string value of a plist, stripped; any other type counts as absent, as for CoreFoundation."""
    value = plist.get(key)
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True)
class Place:
    """A folder to read, and whose it is: the system's (no details), or one user's."""

    folder: Path
    details: Details


def user_places(target: ScanTarget, relative: str, log: CoverageLog) -> list[Place]:
    """The folder at `relative` in every user's home, with the user named in its details."""
    return [Place(home / relative, (("user", printable(home.name)),)) for home in target.user_homes(log)]


def applications_folders(target: ScanTarget, log: CoverageLog) -> list[Place]:
    """/Applications, then each user's ~/Applications.

    /Applications/Utilities is a folder of /Applications, so a walk one folder deep covers it;
    /System/Applications holds only Apple's own apps and is not read.
    """
    return [Place(target.path(SYSTEM_APPLICATIONS), ())] + user_places(target, USER_APPLICATIONS, log)


STRINGS_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
BARE_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.$:/-")


def parse_strings(data: bytes) -> dict[str, str]:
    """A .strings file's entries: a property list (binary or XML), or the old text format in
    UTF-16 (with its byte-order mark) or UTF-8. What cannot be read gives no entries."""
    if data.startswith(BINARY_PLIST_HEADER) or data.lstrip().startswith((b"<?xml", b"<plist")):
        parsed = parse_plist(data)
        return {k: v for k, v in parsed.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(parsed, dict) else {}
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return {}
    return _strings_entries(text)


def _strings_entries(text: str) -> dict[str, str]:
    """The `key = "value";` entries of an old-style strings text (keys quoted or bare; comments
    /* */ and //). One pass, each character looked at a bounded number of times: a crafted file
    costs no more than its length. An entry that does not parse is passed over, to its `;`."""
    entries: dict[str, str] = {}
    at, end = 0, len(text)
    while True:
        at = _skip_space(text, at)
        if at >= end:
            return entries
        key, at = _token(text, at)
        at = _skip_space(text, at)
        if key is not None and text.startswith("=", at):
            value, at = _token(text, _skip_space(text, at + 1))
            at = _skip_space(text, at)
            if value is not None and text.startswith(";", at):
                entries.setdefault(key, value)
                at += 1
                continue
        stop = text.find(";", at)  # not an entry: go on after its end
        if stop < 0:
            return entries
        at = stop + 1


def _skip_space(text: str, at: int) -> int:
    while at < len(text):
        if text[at].isspace():
            at += 1
        elif text.startswith("//", at):
            newline = text.find("\n", at)
            at = len(text) if newline < 0 else newline + 1
        elif text.startswith("/*", at):
            close = text.find("*/", at + 2)
            at = len(text) if close < 0 else close + 2
        else:
            return at
    return at


def _token(text: str, at: int) -> tuple[str | None, int]:
    """A quoted string (its escapes decoded) or a bare word from `at`, and where it ends; None
    when neither starts there (or a quote is never closed)."""
    if text.startswith('"', at):
        parts, position = [], at + 1
        while position < len(text):
            character = text[position]
            if character == '"':
                return "".join(parts), position + 1
            if character == "\\" and position + 1 < len(text):
                parts.append(STRINGS_ESCAPES.get(text[position + 1], text[position + 1]))
                position += 2
                continue
            parts.append(character)
            position += 1
        return None, len(text)
    position = at
    while position < len(text) and text[position] in BARE_WORD:
        position += 1
    return (text[at:position], position) if position > at else (None, at)
