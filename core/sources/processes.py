"""Running processes on the live device (name, executable, pid, user): from /proc on Linux, through
psutil elsewhere.

A process that exits while it is being read, or whose details are refused, is not an error:
what could be read of it still counts.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Iterator

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    COMPUTER_PLATFORMS,
    LINUX,
    CoverageLog,
    CoverageStatus,
    EvidenceKind,
    InventoryItem,
    InventorySource,
    ReadRequest,
    SourceResult,
    SourceSpec,
    items_read,
)
from appwarden.core.sources.linux.proc import PROC, processes as proc_processes

ATTRIBUTES = ["pid", "name", "exe", "username"]


class RunningProcesses(InventorySource):
    spec = SourceSpec(
        name="processes",
        title="Running programs",
        platforms=COMPUTER_PLATFORMS,
        reads=("live: the process table",),
        yields=("process", "executable"),
        kind=EvidenceKind.RUNNING,
        live_only=True,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        log = CoverageLog(self.spec.name)
        items: list[InventoryItem] = []
        hidden_executables = 0
        try:
            for info in _process_table(request.target.os):
                if request.cancelled():
                    break
                item = _process_item(info)
                if item is not None:
                    items.append(item)
                    if info.get("exe") is None:
                        hidden_executables += 1
        except Exception as error:  # psutil.Error, or the OSError of an unreadable /proc
            log.problem("", Message.of("cannot list processes: {error}", error=error))
        log.read_one()
        result = log.result(items)
        if hidden_executables and result.coverage.status == CoverageStatus.OK:
            # Other users' program files are hidden without elevation. Their names are still
            # matched, so this is said, not counted as a gap in coverage.
            detail = Message.plural(
                "{items}; for {count} of them only its name could be read",
                "{items}; for {count} of them only their names could be read",
                items=items_read(len(items)),
                count=hidden_executables,
            )
            result = SourceResult(result.items, replace(result.coverage, detail=detail))
        return result


def _process_table(os_name: str) -> Iterator[dict]:
    """{pid, name, exe, username} of each running process: from /proc on Linux, else psutil's
    (imported here, so that offline checks and Linux never pay for it)."""
    if os_name == LINUX and os.path.isdir(PROC):
        yield from proc_processes()
        return
    import psutil

    for process in psutil.process_iter(ATTRIBUTES, ad_value=None):
        yield process.info


def _process_item(info: dict) -> InventoryItem | None:
    name = info.get("name") or ""
    exe = info.get("exe") or ""
    if not name and not exe:
        return None
    identifiers = []
    if name:
        identifiers.append(("process", name))
    if exe:
        identifiers.append(("executable", exe))
        basename = exe.replace("\\", "/").rsplit("/", 1)[-1]
        if basename and basename != name:
            identifiers.append(("process", basename))
    details = [("pid", str(info["pid"]))]
    if info.get("username"):
        details.append(("user", info["username"]))
    if exe:
        details.append(("executable", exe))
    return InventoryItem(
        source="processes",
        kind=EvidenceKind.RUNNING,
        identifiers=tuple(identifiers),
        name=name,
        location=f"pid {info['pid']}",
        details=tuple(details),
    )
