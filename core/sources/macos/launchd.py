"""launchd jobs that third parties install: daemons and agents in /Library and each user's LaunchAgents,
with their label and the program they start. Apple's own jobs (/System/Library) are not read.
"""

from __future__ import annotations

from pathlib import Path

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    MACOS,
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
from appwarden.core.sources.files_common import has_utf8_name, list_folder
from appwarden.core.sources.macos.common import Details, Place, plist_text, read_plist, user_places

JOB_SUFFIX = ".plist"
DAEMON, AGENT = "daemon", "agent"


def job_folders(target: ScanTarget, log: CoverageLog) -> list[Place]:
    """The folders of job files, each with what its jobs are: daemons or agents, and whose."""
    system = [
        Place(target.path("Library/LaunchDaemons"), (("scope", DAEMON),)),
        Place(target.path("Library/LaunchAgents"), (("scope", AGENT),)),
    ]
    per_user = user_places(target, "Library/LaunchAgents", log)
    return system + [Place(place.folder, (("scope", AGENT),) + place.details) for place in per_user]


def job_program(job: dict) -> str:
    """The program a job starts: Program, or else the first of ProgramArguments."""
    program = plist_text(job, "Program")
    arguments = job.get("ProgramArguments")
    if not program and isinstance(arguments, list) and arguments and isinstance(arguments[0], str):
        program = arguments[0].strip()
    return program


def launchd_item(job: dict, location: str, details: Details) -> InventoryItem | Message:
    """The inventory item of one job file, or why it is not a job launchd would load."""
    label = plist_text(job, "Label")
    if not label:
        return Message.of("has no Label, so launchd ignores it")
    program = job_program(job)
    identifiers = [("launchd_label", label)]
    if program.startswith("/"):  # a bare name is looked up on a PATH this source cannot know
        identifiers.append(("executable", program))
    return InventoryItem(
        source="macos_launchd",
        kind=EvidenceKind.SERVICE,
        identifiers=tuple(identifiers),
        name=label,
        location=location,
        details=details + ((("program", program),) if program else ()),
    )


class LaunchdJobs(InventorySource):
    spec = SourceSpec(
        name="macos_launchd",
        title="macOS background jobs (launchd)",
        platforms=frozenset({MACOS}),
        reads=("/Library/LaunchDaemons/*.plist", "/Library/LaunchAgents/*.plist", "~/Library/LaunchAgents/*.plist"),
        yields=("launchd_label", "executable"),
        kind=EvidenceKind.SERVICE,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        items: list[InventoryItem] = []
        for place in job_folders(target, log):
            for path in _job_files(target, place.folder, log):
                if request.cancelled():
                    return log.result(items)
                item = _job_item(target, path, place.details, log)
                if item is not None:
                    items.append(item)
        return log.result(items, Message.of("no launchd job folders"))


def _job_files(target: ScanTarget, folder: Path, log: CoverageLog) -> list[Path]:
    # launchd skips hidden files; AppleDouble copies (._name.plist) are not jobs either.
    entries = list_folder(target, folder, log)
    wanted = [entry for entry in entries if entry.name.lower().endswith(JOB_SUFFIX) and not entry.name.startswith(".")]
    return [entry for entry in wanted if has_utf8_name(entry, log)]


def _job_item(target: ScanTarget, path: Path, details: Details, log: CoverageLog) -> InventoryItem | None:
    job = read_plist(target, path, log)
    if job is None:
        return None
    item = launchd_item(job, display_path(target, path), details)
    if isinstance(item, Message):
        log.problem(path, item)
        return None
    return item
