"""Is reading a hostile dpkg status file linear? A file with no newline at all (the worst case for
a line splitter), of growing size, read by the dpkg source, beside `wc -l` on the same file.

Before issue 9 a 128 MB file without newlines took 9 s and a 4 GB one never finished (each
megabyte was joined onto the growing line). Now an over-long line is skipped as it streams past:
the time per megabyte should stay flat as the size grows, and under the budget of 0.1 s per MB.

    .venv/bin/python bench/dpkg_long_lines.py [--sizes 16,64,256] [--runs 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import machine  # noqa: E402
from appwarden.core.sources.base import ReadRequest, ScanTarget  # noqa: E402
from appwarden.core.sources.linux.dpkg import DpkgPackages  # noqa: E402

BUDGET_S_PER_MB = 0.1


def disk_with_status(folder: Path, megabytes: int, newline_every: int | None) -> Path:
    """A disk whose status file has `megabytes` MB; lines end every `newline_every` bytes, or never."""
    status = folder / "var/lib/dpkg/status"
    status.parent.mkdir(parents=True, exist_ok=True)
    block = bytearray(b"x" * (1 << 20))
    if newline_every:
        block[newline_every - 1 :: newline_every] = b"\n" * len(block[newline_every - 1 :: newline_every])
    with open(status, "wb") as handle:
        for _ in range(megabytes):
            handle.write(block)
    return folder


def read_every_package(target: ScanTarget) -> int:
    """The dpkg source's whole read: its packages stream (a StreamedResult), so they are drawn to
    the end, as a check draws them; the read alone would only open the file."""
    return sum(1 for _ in DpkgPackages().read(ReadRequest(target)).stream())


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def measure(megabytes: int, runs: int, newline_every: int | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="appwarden-bench-") as scratch:
        disk = disk_with_status(Path(scratch), megabytes, newline_every)
        target = ScanTarget(disk.resolve(), "linux", live=False)
        status = disk / "var/lib/dpkg/status"
        ours = [timed(lambda: read_every_package(target)) for _ in range(runs)]
        reference = [timed(lambda: subprocess.run(["wc", "-l", str(status)], capture_output=True, check=True)) for _ in range(runs)]
    seconds, wc = statistics.median(ours), statistics.median(reference)
    return {"megabytes": megabytes, "seconds": seconds, "s_per_mb": seconds / megabytes, "wc_seconds": wc, "ratio_to_wc": seconds / wc}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="16,64,256", help="file sizes in MB (default 16,64,256)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    results = {"machine": machine(), "no_newlines": [], "short_lines": []}
    for label, newline_every in (("no_newlines", None), ("short_lines", 80)):
        print(f"{label}:")
        for megabytes in sizes:
            row = measure(megabytes, args.runs, newline_every)
            results[label].append(row)
            print(f"  {megabytes:>5} MB  {row['seconds']:7.3f} s  {row['s_per_mb'] * 1000:6.2f} ms/MB"
                  f"  ({row['ratio_to_wc']:.1f}x wc -l, {row['wc_seconds']:.3f} s)")
        first, last = results[label][0], results[label][-1]
        print(f"  time per MB at {last['megabytes']} MB / at {first['megabytes']} MB: {last['s_per_mb'] / first['s_per_mb']:.2f} (1.0 is linear)")
    worst = max(row["s_per_mb"] for label in ("no_newlines", "short_lines") for row in results[label])
    print(f"worst: {worst * 1000:.2f} ms per MB; budget {BUDGET_S_PER_MB * 1000:.0f} ms per MB: {'within' if worst <= BUDGET_S_PER_MB else 'OVER'}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
