"""Files and folders that policy rules say their apps leave behind (data and program folders).

Locations are path templates from the packs: `{home}` stands for every user's home folder,
and on Windows `{program_files}`, `{program_files_x86}`, `{program_data}`, `{app_data}` and
`{local_app_data}` for the usual folders. A `*` may stand for part of one path component.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from core.messages import Message
from core.sources.base import (
    ALL_PLATFORMS,
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
    within_root,
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


def leftover_identifier(location: LeftoverLocation) -> str:
    return f"{location.rule_id}:{location.template}"


def expand_template(target: ScanTarget, template: str) -> list[Path]:
    """Every path on the target that a template can stand for (existing or not, globs unexpanded)."""
    template = template.replace("\\", "/")
    for name, folder in WINDOWS_FOLDERS.items():
        template = template.replace("{" + name + "}", folder)
    needs_home = "{home}" in template or any("{" + name + "}" in template for name in WINDOWS_USER_FOLDERS)
    if not needs_home:
        return [target.path(template)]
    paths = []
    for home in target.user_homes():
        relative = template
        for name, folder in WINDOWS_USER_FOLDERS.items():
            relative = relative.replace("{" + name + "}", "{home}/" + folder)
        paths.append(home / relative.replace("{home}", "").lstrip("/"))
    return paths


class RuleLeftovers(InventorySource):
    spec = SourceSpec(
        name="leftovers",
        title="Leftover files",
        platforms=ALL_PLATFORMS,
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
            for candidate in expand_template(target, location.template):
                for found in _existing(target, candidate, log):
                    items.append(_leftover_item(target, location, found))
        return log.result(items, Message.of("no policy rule names leftover files for this platform"))


def _existing(target: ScanTarget, candidate: Path, log: CoverageLog) -> list[Path]:
    """The paths that exist for one candidate, links kept inside the root. A `*` in a name is
    expanded; on a Windows disk names match in any letter case, as Windows itself would."""
    try:
        base = within_root(target, _fixed_part(target, candidate))
        relative = candidate.relative_to(_fixed_part(target, candidate))
        found = _matching(target, base, relative.parts)
    except OSError as error:
        log.os_problem(candidate, error)
        return []
    log.read_one()
    return found


def _fixed_part(target: ScanTarget, candidate: Path) -> Path:
    """The part of a candidate that is not a pattern: the root, or a user's home from user_homes."""
    for home in target.user_homes():
        if candidate.is_relative_to(home):
            return home
    return target.root


def _matching(target: ScanTarget, folder: Path, parts: tuple[str, ...]) -> list[Path]:
    if not parts:
        return [folder]
    name, rest = parts[0], parts[1:]
    exact = folder / name
    if "*" not in name and _lexists(exact):
        return _matching(target, within_root(target, exact), rest) if rest else [exact]
    if "*" not in name and target.os != WINDOWS:
        return []
    try:
        entries = sorted(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    same = (lambda a, b: fnmatch.fnmatchcase(a, b)) if target.os != WINDOWS else (
        lambda a, b: fnmatch.fnmatchcase(a.casefold(), b.casefold())
    )
    found: list[Path] = []
    for entry in entries:
        if same(entry, name):
            path = folder / entry
            found += _matching(target, within_root(target, path), rest) if rest else [path]
    return found


def _lexists(path: Path) -> bool:
    try:
        path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    return True


def _leftover_item(target: ScanTarget, location: LeftoverLocation, found: Path) -> InventoryItem:
    try:
        kind = "folder" if found.is_dir() else "file"
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



def existing_leftovers(target: ScanTarget, template: str, log: CoverageLog) -> list[Path]:
    """The paths on the target that a leftover template names and that exist (removal uses them)."""
    return [found for candidate in expand_template(target, template) for found in _existing(target, candidate, log)]
