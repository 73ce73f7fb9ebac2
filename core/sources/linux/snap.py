"""Snaps, from snapd's state file, the mounted snaps' snap.yaml and the downloaded .snap files.

On a disk mounted offline the snaps themselves are not mounted, so state.json and the .snap
file names are what remains; all three are merged per snap instance.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, fields, replace
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
)
from appwarden.core.sources.files_common import (
    has_utf8_name,
    list_folder,
    printable,
    read_file_bytes,
    read_text,
    subfolders,
)

# /snap on Debian and Ubuntu, /var/lib/snapd/snap on Fedora and Arch (where /snap may be a link).
MOUNT_FOLDERS = ("snap", "var/lib/snapd/snap")
BLOB_FOLDER = "var/lib/snapd/snaps"
STATE_FILE = "var/lib/snapd/state.json"
SNAP_YAML_LIMIT = 1 << 20
STATE_LIMIT = 64 << 20
REVISION = re.compile(r"x?\d+")  # store revisions are numbers, local installs x1, x2, ...


@dataclass(frozen=True)
class SnapFacts:
    """What one place says about one installed snap instance (empty where it says nothing)."""

    instance: str
    name: str = ""
    title: str = ""
    version: str = ""
    revision: str = ""
    disabled: bool = False
    location: str = ""


def parse_snap_yaml(text: str) -> dict[str, str]:
    """The top-level `name:` and `version:` of a snap.yaml: all this source needs, without YAML."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key in ("name", "version") and key not in found:
            found[key] = _yaml_scalar(value)
    return found


def _yaml_scalar(value: str) -> str:
    value = value.strip()
    if value[:1] in ("'", '"'):
        end = value.find(value[0], 1)
        return value[1:end] if end > 0 else value[1:]
    return value.split(" #", 1)[0].strip()


def parse_snapd_state(data: bytes) -> list[SnapFacts] | Message:
    """The snaps in snapd's state.json (data.snaps.<instance>), or why they cannot be read."""
    try:
        state = json.loads(data)
    except (ValueError, RecursionError) as error:
        return Message.of("not valid JSON: {error}", error=error)
    data_section = state.get("data") if isinstance(state, dict) else None
    if not isinstance(data_section, dict):
        return Message.of("not a snapd state file")
    snaps = data_section.get("snaps", {})
    if not isinstance(snaps, dict):
        return Message.of("not a snapd state file")
    return [_state_facts(printable(instance), entry) for instance, entry in snaps.items()]


def _state_facts(instance: str, entry: object) -> SnapFacts:
    # The instance name (the key) is reliable even when the entry is not.
    entry = entry if isinstance(entry, dict) else {}
    current = _text(entry.get("current"))
    sequence = entry.get("sequence")
    sides = [side for side in sequence if isinstance(side, dict)] if isinstance(sequence, list) else []
    # The sequence lists the revisions kept on disk; `current` says which one is in use.
    chosen = next((side for side in sides if _text(side.get("revision")) == current), sides[-1] if sides else {})
    return SnapFacts(
        instance=instance,
        name=_text(chosen.get("name")),
        title=_text(chosen.get("title")),
        version=_text(chosen.get("version")),
        revision=current or _text(chosen.get("revision")),
        disabled=entry.get("active") is False,
    )


def _text(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return ""
    return printable(str(value))


def merge_facts(found: list[SnapFacts]) -> dict[str, SnapFacts]:
    """One SnapFacts per instance: each field from the first place that knows it."""
    merged: dict[str, SnapFacts] = {}
    for facts in found:
        known = merged.get(facts.instance)
        if known is None:
            merged[facts.instance] = facts
            continue
        unknown = [field.name for field in fields(SnapFacts) if not getattr(known, field.name)]
        merged[facts.instance] = replace(known, **{name: getattr(facts, name) for name in unknown})
    return merged


class SnapPackages(InventorySource):
    spec = SourceSpec(
        name="snap",
        title="Snap packages",
        platforms=frozenset({LINUX}),
        reads=(STATE_FILE, "snap/*/current/meta/snap.yaml", f"{BLOB_FOLDER}/*.snap"),
        yields=("snap",),
        kind=EvidenceKind.INSTALLED,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        # Mounted snaps first: their folder is the best location to show.
        found = _mounted_snaps(target, log, request) + _state_snaps(target, log) + _snap_files(target, log)
        items = [_snap_item(facts) for facts in merge_facts(found).values()]
        return log.result(items, Message.of("snapd is not installed"))


def _mounted_snaps(target: ScanTarget, log: CoverageLog, request: ReadRequest) -> list[SnapFacts]:
    found = []
    for mounts in MOUNT_FOLDERS:
        for folder in subfolders(target, target.path(mounts), log):
            if request.cancelled():
                return found
            try:
                revision = target.readlink(folder / "current")
            except OSError:
                continue  # /snap/bin and other folders without a `current` link are not snaps
            found.append(_mounted_snap(target, folder, revision, log))
    return found


def _mounted_snap(target: ScanTarget, folder: Path, revision: str, log: CoverageLog) -> SnapFacts:
    # Offline the snap is not mounted, so a missing snap.yaml is normal.
    path = folder / "current/meta/snap.yaml"
    text = read_text(target, path, SNAP_YAML_LIMIT, log)
    described = parse_snap_yaml(text) if text is not None else {}
    if text is not None and "name" not in described:
        log.problem(path, Message.of("has no top-level name"))
    return SnapFacts(
        instance=folder.name,
        name=described.get("name", ""),
        version=described.get("version", ""),
        revision=printable(os.path.basename(revision)),
        location=display_path(target, folder),
    )


def _state_snaps(target: ScanTarget, log: CoverageLog) -> list[SnapFacts]:
    path = target.path(STATE_FILE)
    data = read_file_bytes(target, path, STATE_LIMIT, log)
    if data is None:
        return []
    parsed = parse_snapd_state(data)
    if isinstance(parsed, Message):
        log.problem(path, parsed)
        return []
    return [replace(facts, location=display_path(target, path)) for facts in parsed]


def _snap_files(target: ScanTarget, log: CoverageLog) -> list[SnapFacts]:
    """Facts from file names <instance>_<revision>.snap; other files there are not snaps."""
    found = []
    for path in list_folder(target, target.path(BLOB_FOLDER), log):
        if not path.name.endswith(".snap") or not has_utf8_name(path, log):
            continue
        instance, _, revision = path.name.removesuffix(".snap").rpartition("_")
        if instance and REVISION.fullmatch(revision):
            found.append(SnapFacts(instance=instance, revision=revision, location=display_path(target, path)))
    return found


def _snap_item(facts: SnapFacts) -> InventoryItem:
    # A parallel install "foo_work" is an instance of the snap "foo".
    name = facts.name or facts.instance.partition("_")[0]
    details = [("revision", facts.revision)] if facts.revision else []
    if facts.instance != name:
        details.append(("instance", facts.instance))
    if facts.disabled:
        details.append(("disabled", "true"))
    return InventoryItem(
        source="snap",
        kind=EvidenceKind.INSTALLED,
        identifiers=(("snap", name),),
        name=facts.title or name,
        version=facts.version,
        location=facts.location,
        details=tuple(details),
    )
