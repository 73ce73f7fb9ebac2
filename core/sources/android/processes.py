"""Running processes as `ps -A` prints them, and the app packages they belong to."""

from __future__ import annotations

from dataclasses import dataclass

from appwarden.core.messages import Message
from appwarden.core.sources.android.parsed import PACKAGE_NAME, Parsed, quoted


@dataclass(frozen=True)
class RunningProcess:
    user: str
    pid: int
    name: str
    package: str  # the app package it runs (`com.tencent.mm:push` runs com.tencent.mm), or ""


def parse_ps(text: str) -> Parsed[RunningProcess]:
    """Columns come from the header line; NAME is the last one and may hold spaces."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return Parsed(())
    header = lines[0].split()
    if "PID" not in header or header[-1] not in ("NAME", "CMD", "ARGS"):
        return Parsed((), (Message.of("the process list has no header line naming its columns: {line}", line=quoted(lines[0])),))
    pid_column = header.index("PID")
    processes: list[RunningProcess] = []
    problems: list[Message] = []
    for line in lines[1:]:
        columns = line.split(None, len(header) - 1)
        if len(columns) < len(header) or not columns[pid_column].isdigit() or len(columns[pid_column]) > 9:
            problems.append(Message.of("a line of the process list could not be read: {line}", line=quoted(line)))
            continue
        name = columns[-1].strip()
        package = name.split(":", 1)[0]
        processes.append(RunningProcess(columns[0], int(columns[pid_column]), name, package if PACKAGE_NAME.fullmatch(package) else ""))
    return Parsed(tuple(processes), tuple(problems))


def running_packages(processes: tuple[RunningProcess, ...]) -> tuple[str, ...]:
    return tuple(sorted({process.package for process in processes if process.package}))
