"""Arch Linux packages (and those of its derivatives: Manjaro, EndeavourOS...) from pacman's local
database: one folder per package in var/lib/pacman/local, named <name>-<version>, holding `desc`
(the package's fields) and `files` (what it installed). The format is libalpm's (be_local.c).
"""

from __future__ import annotations

from dataclasses import dataclass
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
    find_any_case,
)
from appwarden.core.sources.files_common import has_utf8_name, read_file_bytes, subfolders

LOCAL_DATABASE = "var/lib/pacman/local"
# A real desc is under a kilobyte; the largest real files lists (texlive, linux-firmware) are a few MB.
MAX_DESC_BYTES = 1 << 20
MAX_FILES_BYTES = 64 << 20


@dataclass(frozen=True)
class PacmanPackage:
    name: str
    version: str
    description: str = ""
    packager: str = ""
    architecture: str = ""
    provides: tuple[str, ...] = ()


def parse_sections(text: str) -> dict[str, tuple[str, ...]]:
    """The %SECTION% blocks of a desc or files file: each header line, then its values one per
    line up to an empty line. Lines before any header, and repeated headers, are passed over."""
    sections: dict[str, tuple[str, ...]] = {}
    current: str | None = None
    values: list[str] = []
    for line in text.split("\n") + [""]:
        line = line.rstrip("\r")
        if current is None:
            if len(line) > 2 and line.startswith("%") and line.endswith("%"):
                current, values = line[1:-1], []
            continue
        if line:
            values.append(line)
        else:
            sections.setdefault(current, tuple(values))
            current = None
    return sections


def parse_desc(text: str) -> PacmanPackage | None:
    """A package from its desc, or None when it has no name or no version."""
    sections = parse_sections(text)
    name = _first(sections, "NAME")
    version = _first(sections, "VERSION")
    if not name or not version or any(character.isspace() for character in name):
        return None
    return PacmanPackage(
        name=name,
        version=version,
        description=_first(sections, "DESC"),
        packager=_first(sections, "PACKAGER"),
        architecture=_first(sections, "ARCH"),
        provides=sections.get("PROVIDES", ()),
    )


def installed_files(text: str) -> tuple[str, ...]:
    """The absolute paths of the files (not folders) in a `files` list (%FILES%, relative paths)."""
    return tuple("/" + path for path in parse_sections(text).get("FILES", ()) if not path.endswith("/"))


def _first(sections: dict[str, tuple[str, ...]], key: str) -> str:
    values = sections.get(key, ())
    return values[0].strip() if values else ""


class PacmanPackages(InventorySource):
    spec = SourceSpec(
        name="pacman",
        title="Arch Linux packages",
        platforms=frozenset({LINUX}),
        reads=(f"{LOCAL_DATABASE}/*/desc", f"{LOCAL_DATABASE}/*/files"),
        yields=("pacman", "executable"),
        kind=EvidenceKind.INSTALLED,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        database = target.path(LOCAL_DATABASE)
        items = []
        malformed = 0
        # The file lists are a package database's bulk (tens of MB on a desktop): they are read
        # only when a program a rule names is on the disk, to find the package that put it there.
        read_files = _sought_programs_present(target, request)
        for folder in subfolders(target, database, log):
            if request.cancelled():
                break
            data = read_file_bytes(target, folder / "desc", MAX_DESC_BYTES, log)
            if data is None:
                continue  # no desc (pacman's own ALPM_DB_VERSION folder has none), or a problem said why
            package = parse_desc(data.decode("utf-8", errors="replace"))
            if package is None:
                malformed += 1
            else:
                items.append(_package_item(target, folder, package, request if read_files else None, log))
        if malformed:
            log.problem(database, Message.plural(
                "{count} package entry could not be understood", "{count} package entries could not be understood", count=malformed
            ))
        return log.result(items, Message.of("no pacman database"))


def _sought_programs_present(target: ScanTarget, request: ReadRequest) -> bool:
    return any(
        path.startswith("/") and find_any_case(target, path.lstrip("/")) is not None
        for path in request.sought.get("executable", ())
    )


def _package_item(target: ScanTarget, folder: Path, package: PacmanPackage, request: ReadRequest | None,
                  log: CoverageLog) -> InventoryItem:
    found = _sought_files(target, folder, request, log) if request is not None else []
    identifiers = [("pacman", package.name)] + [("executable", path) for path in found]
    details = [("architecture", package.architecture), ("packager", package.packager),
               ("description", package.description), ("provides", ", ".join(package.provides))]
    return InventoryItem(
        source="pacman",
        kind=EvidenceKind.INSTALLED,
        identifiers=tuple(identifiers),
        name=package.name,
        publisher=package.packager,
        version=package.version,
        location=f"{display_path(target, folder)} ({package.name})",
        details=tuple((key, value) for key, value in details if value),
    )


def _sought_files(target: ScanTarget, folder: Path, request: ReadRequest, log: CoverageLog) -> list[str]:
    """The files the package installed that a rule names as a program (a repackaged WeChat in
    /opt/wechat/wechat), so it is found by what it installs, whatever the package is called."""
    if not request.sought.get("executable") or not has_utf8_name(folder, log):
        return []
    data = read_file_bytes(target, folder / "files", MAX_FILES_BYTES, log)
    if data is None:
        return []
    return [path for path in installed_files(data.decode("utf-8", errors="replace")) if request.seeks("executable", path)]
