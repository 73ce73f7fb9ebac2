"""Debian packages from the dpkg status database (var/lib/dpkg/status).

Only packages whose files are on disk count as installed; a package removed with its
configuration files left behind is reported as leftover evidence, not as an installed app.
"""

from __future__ import annotations


from typing import BinaryIO, Iterable, Iterator

from core.messages import Message
from core.sources.base import (
    LINUX,
    CoverageLog,
    EvidenceKind,
    InventoryItem,
    InventorySource,
    ReadRequest,
    SourceResult,
    SourceSpec,
    display_path,
    within_root,
)

STATUS_FILE = "var/lib/dpkg/status"
# dpkg states in which the package's files are (at least partly) on disk.
ON_DISK_STATES = frozenset(
    {"installed", "unpacked", "half-configured", "half-installed", "triggers-awaited", "triggers-pending"}
)
CONFIG_ONLY_STATE = "config-files"
READ_BLOCK = 1 << 20


def parse_status(lines: Iterable[str]) -> Iterator[dict[str, str]]:
    """Stanzas of a dpkg status file as field dicts; continuation lines are folded into their field."""
    stanza: dict[str, str] = {}
    last_field = None
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip():
            if stanza:
                yield stanza
            stanza, last_field = {}, None
            continue
        if line[0] in " \t":
            if last_field is not None:
                stanza[last_field] += "\n" + line.strip()
            continue
        key, sep, value = line.partition(":")
        if not sep or not key or " " in key:
            last_field = None
            stanza.setdefault("\0malformed", "")
            continue
        last_field = key.strip().lower()
        stanza[last_field] = value.strip()
    if stanza:
        yield stanza


def lines_in_blocks(raw: BinaryIO, block: int = READ_BLOCK) -> Iterator[str]:
    """The file's lines, read a megabyte at a time.

    Reading in small pieces releases and retakes Python's lock so often that another thread
    waiting for it (the window's) never gets its turn: the window froze for up to a second while a
    large database was read (bench/window_responsiveness.py). One read per megabyte leaves it room.
    """
    pending = b""
    while chunk := raw.read(block):
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        for line in lines:
            yield line.decode("utf-8", errors="replace")
    if pending:
        yield pending.decode("utf-8", errors="replace")


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
        malformed = 0
        try:
            with open(within_root(request.target, path), "rb", buffering=0) as raw:
                log.read_one()
                for stanza in parse_status(lines_in_blocks(raw)):
                    if request.cancelled():
                        break
                    item = _stanza_item(stanza, location)
                    if item is not None:
                        items.append(item)
                    elif "\0malformed" in stanza or "package" not in stanza:
                        malformed += 1
        except FileNotFoundError:
            return log.result([], Message.of("no dpkg database on this device"))
        except OSError as error:
            log.os_problem(location, error)
        if malformed:
            log.problem(location, Message.of("{count} entries could not be understood", count=malformed))
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
