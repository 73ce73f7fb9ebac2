"""Debian packages from the dpkg status database (var/lib/dpkg/status).

Only packages whose files are on disk count as installed; a package removed with its
configuration files left behind is reported as leftover evidence, not as an installed app.
"""

from __future__ import annotations

import os
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
READ_BLOCK = 1 << 20
# The longest real line is a package's Description or Conffiles entry: a few kilobytes.
MAX_LINE_BYTES = 1 << 20
# A real database of 200,000 packages is about 300 MB; a larger file is not read (it may be sparse).
MAX_STATUS_BYTES = 1 << 30


# The fields a check uses: the others (Description, Conffiles, Depends...) are most of the file,
# and are passed over without being folded or kept (3 ms of this machine's 26 ms parse).
USED_FIELDS = frozenset({"package", "status", "version", "architecture", "maintainer"})


def parse_status(lines: Iterable[str | LineTooLong], keep: frozenset[str] | None = None) -> Iterator[dict[str, str]]:
    """Stanzas of a dpkg status file as field dicts (only the fields in `keep`, when given);
    continuation lines are folded into their field. A line that was too long to read marks its
    stanza as malformed."""
    stanza: dict[str, str] = {}
    last_field = None
    for raw in lines:
        if isinstance(raw, LineTooLong):
            stanza["\0too_long"] = ""
            last_field = None
            continue
        if raw[:1] in (" ", "\t") and raw.strip():
            if last_field is not None:
                stanza[last_field] += "\n" + raw.strip()
            continue
        line = raw.rstrip("\r\n")
        if not line.strip():
            if stanza:
                yield stanza
            stanza, last_field = {}, None
            continue
        key, sep, value = line.partition(":")
        if not sep or not key or " " in key:
            last_field = None
            stanza.setdefault("\0malformed", "")
            continue
        field = key.strip().lower()
        if keep is not None and field not in keep:
            last_field = None  # its continuation lines are passed over too
            continue
        last_field = field
        stanza[field] = value.strip()
    if stanza:
        yield stanza


class LineTooLong:
    """Stands in the line stream for a line longer than the limit: it was skipped, not read."""


LINE_TOO_LONG = LineTooLong()


def lines_in_blocks(
    raw: BinaryIO, block: int = READ_BLOCK, max_line: int = MAX_LINE_BYTES, cancelled: Callable[[], bool] = lambda: False
) -> Iterator[str | LineTooLong]:
    """The file's lines, read a megabyte at a time; a line over `max_line` bytes is skipped and
    stands as LINE_TOO_LONG. Each byte is looked at a bounded number of times, so a file with no
    newlines costs as little as any other (bench/dpkg_long_lines.py).

    Reading in small pieces releases and retakes Python's lock so often that another thread
    waiting for it (the window's) never gets its turn: the window froze for up to a second while a
    large database was read (bench/window_responsiveness.py). One read per megabyte leaves it room.
    """
    pending: list[bytes] = []  # the pieces of the line being read, joined once it ends
    pending_size = 0
    skipping = False  # inside a line already known to be too long
    while not cancelled() and (chunk := raw.read(block)):
        lines = chunk.split(b"\n")
        for index, piece in enumerate(lines):
            ended = index < len(lines) - 1
            if not skipping:
                pending.append(piece)
                pending_size += len(piece)
                if pending_size > max_line:
                    skipping, pending, pending_size = True, [], 0
                    yield LINE_TOO_LONG
            if ended:
                if not skipping:
                    yield b"".join(pending).decode("utf-8", errors="replace")
                skipping, pending, pending_size = False, [], 0
    if pending_size and not skipping:
        yield b"".join(pending).decode("utf-8", errors="replace")


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

    def read(self, request: ReadRequest) -> SourceResult:
        log = CoverageLog(self.spec.name, request.target)
        path = request.target.path(STATUS_FILE)
        location = display_path(request.target, path)
        items: list[InventoryItem] = []
        malformed = too_long = 0
        try:
            with open(request.target.open_file(path), "rb", buffering=0) as raw:
                if os.fstat(raw.fileno()).st_size > MAX_STATUS_BYTES:
                    log.problem(location, larger_than(MAX_STATUS_BYTES))
                    return log.result(items)
                log.read_one()
                for stanza in parse_status(lines_in_blocks(raw, cancelled=request.cancelled), USED_FIELDS):
                    if request.cancelled():
                        break
                    too_long += "\0too_long" in stanza
                    item = _stanza_item(stanza, location)
                    if item is not None:
                        items.append(item)
                    elif ("\0malformed" in stanza or "package" not in stanza) and "\0too_long" not in stanza:
                        malformed += 1
        except FileNotFoundError:
            return log.result([], Message.of("no dpkg database"))
        except NotARegularFile:
            log.problem(location, Message.of("not a regular file; not read"))
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
        return log.result(items)


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
