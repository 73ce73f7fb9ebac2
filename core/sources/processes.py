"""Running processes on the live device, through psutil (name, executable, pid, user).

A process that exits while it is being read, or whose details are refused, is not an error:
what could be read of it still counts.
"""

from __future__ import annotations

from dataclasses import replace

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    COMPUTER_PLATFORMS,
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
        import psutil  # imported here so that offline checks never pay for it

        log = CoverageLog(self.spec.name)
        items: list[InventoryItem] = []
        hidden_executables = 0
        try:
            processes = psutil.process_iter(ATTRIBUTES, ad_value=None)
            for process in processes:
                if request.cancelled():
                    break
                info = process.info
                item = _process_item(info)
                if item is not None:
                    items.append(item)
                    if info.get("exe") is None:
                        hidden_executables += 1
        except psutil.Error as error:
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
