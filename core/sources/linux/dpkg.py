"""Debian packages from the dpkg status database (var/lib/dpkg/status).

Only packages whose files are on disk count as installed; a package removed with its
configuration files left behind is reported as leftover evidence, not as an installed app.
"""

from __future__ import annotations

import functools
import os
import re
from typing import BinaryIO, Callable, Iterable, Iterator

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    LINUX,
    CoverageLog,
    EvidenceKind,
    InventoryItem,
    InventorySource,
    ReadRequest,
    SourceResult,
    SourceSpec,
    StreamedResult,
    byte_count,
    display_path,
    larger_than,
)
from appwarden.core.sources.rooted_common import NotARegularFile

STATUS_FILE = "var/lib/dpkg/status"
# dpkg states in which the package's files are (at least partly) on disk.
ON_DISK_STATES = frozenset(
    {"installed", "unpacked", "half-configured", "half-installed", "triggers-awaited", "triggers-pending"}
)
CONFIG_ONLY_STATE = "config-files"
# Read a quarter megabyte at a time. What is read stays in memory while its packages are matched,
# as bytes and as text (two bytes a character once an accented name is in it), so a megabyte at a
# time, with the copies there were then, cost a check 5.5 MB of peak memory; now 1.6 MB. Smaller is
# worse for the window: at 64 KiB its thread waited up to 392 ms for Python's lock while a
# 200,000-package database was read, against 33 ms at a quarter megabyte
# (bench/window_responsiveness.py; see text_blocks).
READ_BLOCK = 1 << 18
# The longest real line is a package's Description or Conffiles entry: a few kilobytes.
MAX_LINE_BYTES = 1 << 20
# A real database of 200,000 packages is about 300 MB; a larger file is not read (it may be sparse).
MAX_STATUS_BYTES = 1 << 30


# The fields a check uses: the others (Description, Conffiles, Depends...) are most of the file,
# and are passed over without being folded or kept.
USED_FIELDS = frozenset({"package", "status", "version", "architecture", "maintainer"})


class StanzaReader:
    """Builds stanzas one line at a time: the dpkg status format's rules, in one place.

    Continuation lines are folded into their field; a line that was too long to read marks its
    stanza as malformed; only the fields in `keep` are kept (all of them when it is None).
    """

    def __init__(self, keep: frozenset[str] | None = None) -> None:
        self.keep = keep
        self.stanza: dict[str, str] = {}
        self.last_field: str | None = None

    def too_long(self) -> None:
        self.stanza["\0too_long"] = ""
        self.last_field = None

    def line(self, raw: str) -> dict[str, str] | None:
        """Takes one line (without its newline); returns the stanza that a blank line ended."""
        if raw[:1] in (" ", "\t") and raw.strip():
            if self.last_field is not None:
                self.stanza[self.last_field] += "\n" + raw.strip()
            return None
        line = raw.rstrip("\r\n")
        if not line.strip():
            ended, self.stanza, self.last_field = self.stanza, {}, None
            return ended or None
        key, sep, value = line.partition(":")
        if not sep or not key or " " in key:
            self.last_field = None
            self.stanza.setdefault("\0malformed", "")
            return None
        field = key.strip().lower()
        if self.keep is not None and field not in self.keep:
            self.last_field = None  # its continuation lines are passed over too
            return None
        self.last_field = field
        self.stanza[field] = value.strip()
        return None

    def end(self) -> dict[str, str] | None:
        ended, self.stanza, self.last_field = self.stanza, {}, None
        return ended or None


def parse_status(lines: Iterable[str | LineTooLong], keep: frozenset[str] | None = None) -> Iterator[dict[str, str]]:
    """Stanzas of a dpkg status file, one line at a time, as field dicts (see StanzaReader)."""
    reader = StanzaReader(keep)
    for raw in lines:
        if isinstance(raw, LineTooLong):
            reader.too_long()
        elif (stanza := reader.line(raw)) is not None:
            yield stanza
    if (stanza := reader.end()) is not None:
        yield stanza


@functools.lru_cache(maxsize=8)
def _next_line_to_read(keep: frozenset[str] | None) -> re.Pattern[str]:
    """Finds the newline before the next line StanzaReader has something to do with, once no kept
    field is open: it passes over continuation lines and the fields it does not keep (plain ASCII
    names only; any other line is handed to StanzaReader). Led by a newline, so the regex engine
    can skip ahead to line starts."""
    continuation = r"[ \t][!-~]"
    if keep is None:
        return re.compile(rf"\n(?!{continuation})")
    kept = "|".join(re.escape(field) for field in sorted(keep))
    unused_field = rf"(?!(?:{kept}):)[A-Za-z0-9][!-9;-~]*:"
    return re.compile(rf"\n(?!{continuation}|{unused_field})", re.ASCII | re.IGNORECASE)


def parse_status_text(pieces: Iterable[str | LineTooLong], keep: frozenset[str] | None = None) -> Iterator[dict[str, str]]:
    """The same stanzas as parse_status, from pieces of whole lines (as text_blocks gives them).

    Only the lines StanzaReader has something to do with are handed to it: on this machine about
    5,700 of 18,500; the others are passed over inside the regex engine. With text_blocks'
    decoding a quarter megabyte at a time, this machine's database reads in 20 to 21 ms against
    21.5 to 22 ms line by line (2026-12-02; tests check both give the same stanzas).
    """
    reader = StanzaReader(keep)
    next_line = _next_line_to_read(keep).search
    for piece in pieces:
        if isinstance(piece, LineTooLong):
            reader.too_long()
            continue
        # The piece is read in place (framing it with newlines would copy it: half a megabyte of
        # a check's peak, as text with an accented name in it takes two bytes a character). Its
        # first line has no newline before it for the regex to find, so it goes to the reader
        # whatever it is: the lines the regex passes over are ones the reader would pass over too.
        position, size, first = 0, len(piece), True
        while True:
            if reader.last_field is not None and piece[position:position + 1] not in (" ", "\t"):
                reader.last_field = None  # the next line cannot continue the field
            if reader.last_field is None and not first:
                found = next_line(piece, position - 1)  # from the newline that ended the last line
                if found is None:
                    break  # no line left that the reader has something to do with
                position = found.start() + 1
            first = False
            end = piece.find("\n", position)
            end = size if end < 0 else end
            stanza = reader.line(piece[position:end])
            if stanza is not None:
                yield stanza
            if end >= size:
                break
            position = end + 1
    if (stanza := reader.end()) is not None:
        yield stanza


class LineTooLong:
    """Stands in the line stream for a line longer than the limit: it was skipped, not read."""


LINE_TOO_LONG = LineTooLong()


def text_blocks(
    raw: BinaryIO, block: int = READ_BLOCK, max_line: int = MAX_LINE_BYTES, cancelled: Callable[[], bool] = lambda: False
) -> Iterator[str | LineTooLong]:
    """The file's lines, READ_BLOCK at a time: each piece is whole lines joined by newlines, decoded
    at once; a line over `max_line` bytes is skipped and stands as LINE_TOO_LONG between pieces.
    Each byte is looked at a bounded number of times, so a file with no newlines costs as little as
    any other (bench/dpkg_long_lines.py).

    Reading in small pieces releases and retakes Python's lock so often that another thread
    waiting for it (the window's) never gets its turn: the window froze for up to a second while a
    large database was read (bench/window_responsiveness.py). One read per quarter megabyte leaves it room.
    """
    tail = b""  # the start of a line that has not ended yet: at most max_line bytes
    skipping = False  # inside a line already known to be too long
    while not cancelled() and (chunk := raw.read(block)):
        start = 0  # where this chunk's whole lines begin
        if skipping or tail:
            newline = chunk.find(b"\n")
            if newline < 0:
                if not skipping:
                    tail += chunk
                    if len(tail) > max_line:
                        tail, skipping = b"", True
                        yield LINE_TOO_LONG
                continue
            if not skipping:
                # The line the last chunk began ends here. It goes alone, so that the rest of the
                # chunk is decoded where it lies rather than copied after it (a quarter megabyte
                # of a check's peak).
                yield from _whole_lines(tail + chunk[:newline], max_line)
            tail, skipping, start = b"", False, newline + 1
        last_newline = chunk.rfind(b"\n", start)
        if last_newline < 0:
            tail = chunk[start:]
        else:
            tail = chunk[last_newline + 1:]
            # A view, not a copy: the lines are decoded straight from the bytes read.
            yield from _whole_lines(memoryview(chunk)[start:last_newline], max_line)
        if len(tail) > max_line:
            tail, skipping = b"", True
            yield LINE_TOO_LONG
    if tail and not skipping:
        yield tail.decode("utf-8", errors="replace")


def _whole_lines(data: bytes | memoryview, max_line: int) -> Iterator[str | LineTooLong]:
    """`data`'s lines as one piece, or as several around the lines longer than `max_line`.
    Decoding the lines together gives the same text as one by one: a newline is never part of
    a character, so a broken character is replaced in the same way."""
    if len(data) <= max_line:
        yield str(data, "utf-8", "replace")
        return
    lines = bytes(data).split(b"\n")
    if max(map(len, lines)) <= max_line:
        yield str(data, "utf-8", "replace")
        return
    run: list[bytes] = []
    for line in lines:
        if len(line) > max_line:
            if run:
                yield b"\n".join(run).decode("utf-8", errors="replace")
                run = []
            yield LINE_TOO_LONG
        else:
            run.append(line)
    if run:
        yield b"\n".join(run).decode("utf-8", errors="replace")


def package_state(stanza: dict[str, str]) -> str:
    """The third word of Status ("install ok installed" -> "installed"), or "" when absent."""
    words = stanza.get("status", "").split()
    return words[2] if len(words) == 3 else ""


class DpkgPackages(InventorySource):
    spec = SourceSpec(
        name="dpkg",
        title="Debian packages",
        platforms=frozenset({LINUX}),
        reads=(STATUS_FILE,),
        yields=("deb",),
        kind=EvidenceKind.INSTALLED,
    )

    def read(self, request: ReadRequest) -> SourceResult | StreamedResult:
        """The packages, read as the scan matches them (a disk may hold 200,000)."""
        log = CoverageLog(self.spec.name, request.target)
        path = request.target.path(STATUS_FILE)
        location = display_path(request.target, path)
        try:
            raw = open(request.target.open_file(path), "rb", buffering=0)
        except FileNotFoundError:
            return log.result([], Message.of("no dpkg database"))
        except NotARegularFile:
            log.problem(location, Message.of("not a regular file; not read"))
            return log.result([])
        except OSError as error:
            log.os_problem(location, error)
            return log.result([])
        return log.streamed(_packages(raw, location, log, request.cancelled))


def _packages(raw: BinaryIO, location: str, log: CoverageLog, cancelled: Callable[[], bool]) -> Iterator[InventoryItem]:
    """Each package of the open status file; the problems met are logged once it is read."""
    malformed = too_long = 0
    with raw:
        try:
            if os.fstat(raw.fileno()).st_size > MAX_STATUS_BYTES:
                log.problem(location, larger_than(MAX_STATUS_BYTES))
                return
            log.read_one()
            for stanza in parse_status_text(text_blocks(raw, cancelled=cancelled), USED_FIELDS):
                if cancelled():
                    break
                too_long += "\0too_long" in stanza
                item = _stanza_item(stanza, location)
                if item is not None:
                    yield item
                elif ("\0malformed" in stanza or "package" not in stanza) and "\0too_long" not in stanza:
                    malformed += 1
        except OSError as error:
            log.os_problem(location, error)
    if too_long:
        log.problem(location, Message.plural(
            "{count} entry has a line longer than {size}, which was not read",
            "{count} entries have a line longer than {size}, which were not read",
            count=too_long, size=byte_count(MAX_LINE_BYTES),
        ))
    if malformed:
        log.problem(location, Message.plural("{count} entry could not be understood", "{count} entries could not be understood", count=malformed))


def _stanza_item(stanza: dict[str, str], location: str) -> InventoryItem | None:
    name = stanza.get("package", "")
    if not name or "\0malformed" in stanza and not stanza.get("status"):
        return None
    state = package_state(stanza)
    if state in ON_DISK_STATES:
        kind = EvidenceKind.INSTALLED
    elif state == CONFIG_ONLY_STATE:
        kind = EvidenceKind.LEFTOVER
    else:
        return None
    architecture = stanza.get("architecture", "")
    details = [("state", state)]
    if architecture:
        details.append(("architecture", architecture))
    return InventoryItem(
        source="dpkg",
        kind=kind,
        identifiers=(("deb", name),),
        name=name,
        publisher=stanza.get("maintainer", ""),
        version=stanza.get("version", ""),
        location=f"{location} ({name})",
        details=tuple(details),
    )
