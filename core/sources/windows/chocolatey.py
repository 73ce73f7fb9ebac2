"""Chocolatey packages (ProgramData/chocolatey/lib/<id>/<id>.nuspec): the package's id, version,
title and authors as its .nuspec (NuGet's package manifest) gives them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
from appwarden.core.sources.files_common import read_file_bytes, subfolders
from appwarden.core.sources.windows.common import child, child_text, local_name, xml_document

LIBRARY = "ProgramData/chocolatey/lib"
MAX_NUSPEC_BYTES = 1 << 20


@dataclass(frozen=True)
class Nuspec:
    id: str
    version: str = ""
    title: str = ""
    authors: str = ""


def parse_nuspec(data: bytes) -> Nuspec | Message:
    root = xml_document(data)
    if isinstance(root, Message):
        return root
    metadata = child(root, "metadata")
    if local_name(root.tag) != "package" or metadata is None or not child_text(metadata, "id"):
        return Message.of("not a package manifest (.nuspec)")
    return Nuspec(child_text(metadata, "id"), child_text(metadata, "version"), child_text(metadata, "title"), child_text(metadata, "authors"))


class ChocolateyPackages(InventorySource):
    spec = SourceSpec(
        name="chocolatey",
        title="Chocolatey packages",
        platforms=frozenset({WINDOWS}),
        reads=(f"{LIBRARY}/*/*.nuspec",),
        yields=("chocolatey",),
        kind=EvidenceKind.INSTALLED,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        library = find_any_case(target, LIBRARY)
        items = []
        for folder in subfolders(target, library, log) if library is not None else []:
            if request.cancelled():
                break
            item = _package_item(target, folder, log)
            if item is not None:
                items.append(item)
        return log.result(items, Message.of("no Chocolatey packages folder on this disk"))


def _package_item(target: ScanTarget, folder: Path, log: CoverageLog) -> InventoryItem | None:
    nuspec = find_any_case(target, f"{folder.name}.nuspec", start=folder)
    data = read_file_bytes(target, nuspec, MAX_NUSPEC_BYTES, log) if nuspec is not None else None
    package = parse_nuspec(data) if data is not None else None
    if isinstance(package, Message):
        log.problem(nuspec, package)
        package = None
    return InventoryItem(
        source="chocolatey",
        kind=EvidenceKind.INSTALLED,
        identifiers=(("chocolatey", package.id if package else folder.name),),
        name=(package.title or package.id) if package else folder.name,
        publisher=package.authors if package else "",
        version=package.version if package else "",
        location=display_path(target, folder),
        details=(("package_id", package.id if package else folder.name),) + (() if package else (("nuspec", "missing"),)),
    )
