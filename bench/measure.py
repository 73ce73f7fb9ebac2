"""Measuring helpers the benchmark scripts share: the machine's description, the child-memory floor, p90."""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess


def machine() -> dict[str, object]:
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


def memory_floor() -> float:
    """The smallest ru_maxrss any child of this process can report, in MB: Linux counts a child's
    peak from the memory of the process it was forked from (see scan_vs_reference.py)."""
    true = shutil.which("true") or "/bin/true"
    process = subprocess.Popen([true])
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return usage.ru_maxrss / 1024


def p90(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]
