"""Time a full `appwarden scan` of this machine side by side with `dpkg-query -W` and `ps -e`.

Each command runs as its own process, interleaved round by round (AppWarden, dpkg-query, ps,
AppWarden, ...) so that a change in machine load affects all of them alike. For every run the
wall time is taken from just before the process is started until `os.wait4` reaps it, and
`wait4` also returns that child's own peak resident memory (ru_maxrss, KiB on Linux).

A caveat on memory: Linux charges a child's ru_maxrss with the resident size of the process it
was forked from (the exec replaces a copy of this script's memory), so no child can show less
than this script's own peak. That floor is measured by running `true` the same way, printed under
the table, and peaks within 0.5 MB of it are shown as "<= floor": the command used less, by an
amount this method cannot see. A peak above the floor is the command's own.

From the source tree, AppWarden's bytecode is cached in a temporary folder (PYTHONPYCACHEPREFIX,
with PYTHONDONTWRITEBYTECODE cleared for that child only), so the warm-up round compiles the
modules once and the measured rounds time what an installed copy with its .pyc files does; no
file is written inside the project.

The first round is a warm-up (disk cache, bytecode) and is discarded. The table shows medians,
the 90th percentile, and the ratio of AppWarden's median time to each reference's median: how
many times longer than the system's own package and process listings a whole check takes.

    python bench/scan_vs_reference.py                 # 15 measured rounds, from the source tree
    python bench/scan_vs_reference.py --runs 30 --json scan.json
    python bench/scan_vs_reference.py --installed     # the `appwarden` script on PATH
    python bench/scan_vs_reference.py --compare-tree /tmp/before   # and the same scan from another checkout

With --compare-tree, the same scan also runs from another checkout of the project (a `git worktree`
of an earlier commit, say), interleaved with the others, and the difference of the two medians is
printed: what a change cost the whole check of this machine.

No network is used. The scan uses the default policy pack and does not write to the history.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from measure import machine, memory_floor, p90  # bench/ is on sys.path when a script runs

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCAN_ARGS = ("scan", "--no-history", "--format", "json")
TARGET_MEDIAN_SECONDS = 0.5
TARGET_PEAK_MB = 80.0
#: A peak this close to the floor (this script's own peak) says nothing about the command.
FLOOR_TOLERANCE_MB = 0.5
#: Exit codes `appwarden scan` returns when it worked: 0 nothing found, 1 findings.
APPWARDEN_OK_EXITS = (0, 1)


@dataclass(frozen=True)
class Command:
    label: str
    argv: tuple[str, ...]
    ok_exits: tuple[int, ...] = (0,)
    cwd: str | None = None
    env: dict[str, str] | None = None


@dataclass
class Samples:
    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)


def appwarden_command(installed: bool, bytecode_cache: Path) -> Command:
    if installed:
        script = shutil.which("appwarden")
        if script is None:
            sys.exit("--installed: no `appwarden` script on PATH (install the project first)")
        return Command("appwarden scan (installed)", (script, *SCAN_ARGS), APPWARDEN_OK_EXITS)
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), PYTHONPYCACHEPREFIX=str(bytecode_cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    argv = (sys.executable, "-m", "appwarden.core", *SCAN_ARGS)
    return Command("appwarden scan", argv, APPWARDEN_OK_EXITS, str(PROJECT_ROOT), env)


def tree_command(tree: Path, bytecode_cache: Path, link_folder: Path) -> Command:
    """The scan from another checkout: a folder holding an `appwarden` link to it comes first on
    the path, so that checkout's code is imported instead of this one's."""
    (link_folder / "appwarden").symlink_to(tree.resolve())
    env = dict(os.environ, PYTHONPATH=str(link_folder), PYTHONPYCACHEPREFIX=str(bytecode_cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    argv = (sys.executable, "-m", "appwarden.core", *SCAN_ARGS)
    return Command(f"appwarden scan ({tree.name})", argv, APPWARDEN_OK_EXITS, str(tree), env)


def reference_commands() -> list[Command]:
    commands = []
    for argv in (("dpkg-query", "-W"), ("ps", "-e")):
        program = shutil.which(argv[0])
        if program is None:
            sys.exit(f"reference tool `{argv[0]}` is not installed; this benchmark needs it")
        commands.append(Command(" ".join(argv), (program, *argv[1:])))
    # What any Python program pays: a bare interpreter, and one that loads the libraries a check
    # of this machine needs (issue 15's targets: at most 10x and 2.5x these).
    commands.append(Command("python -S -c pass", (sys.executable, "-S", "-c", "pass")))
    commands.append(Command("python -c 'import psutil, platformdirs, sqlite3'",
                            (sys.executable, "-c", "import psutil, platformdirs, sqlite3")))
    return commands


def run_once(command: Command) -> tuple[float, float]:
    """Wall seconds from start to exit, and the child's peak RSS in MB (KiB / 1024)."""
    started = time.perf_counter()
    process = subprocess.Popen(command.argv, stdout=subprocess.DEVNULL, cwd=command.cwd, env=command.env)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    if process.returncode not in command.ok_exits:
        sys.exit(f"`{' '.join(command.argv)}` failed with exit code {process.returncode}")
    return elapsed, usage.ru_maxrss / 1024


def measure(commands: list[Command], runs: int) -> dict[str, Samples]:
    samples = {command.label: Samples() for command in commands}
    for round_number in range(runs + 1):
        for command in commands:
            seconds, peak_mb = run_once(command)
            if round_number == 0:
                continue  # warm-up round
            samples[command.label].seconds.append(seconds)
            samples[command.label].peak_mb.append(peak_mb)
    return samples


def summarize(samples: dict[str, Samples], appwarden_label: str, floor_mb: float) -> dict[str, dict]:
    appwarden_median = statistics.median(samples[appwarden_label].seconds)
    summary = {}
    for label, sample in samples.items():
        median = statistics.median(sample.seconds)
        peak = statistics.median(sample.peak_mb)
        summary[label] = {
            "median_s": median,
            "p90_s": p90(sample.seconds),
            "median_peak_mb": peak,
            "peak_at_floor": peak <= floor_mb + FLOOR_TOLERANCE_MB,
            "appwarden_over_this": appwarden_median / median,
        }
    return summary


def verdicts(appwarden: dict) -> dict[str, dict[str, object]]:
    checks = {
        "median_s": (appwarden["median_s"], TARGET_MEDIAN_SECONDS),
        "peak_mb": (appwarden["median_peak_mb"], TARGET_PEAK_MB),
    }
    return {
        name: {"measured": measured, "target_below": target, "result": "PASS" if measured < target else "MISS"}
        for name, (measured, target) in checks.items()
    }


def print_report(summary: dict[str, dict], appwarden_label: str, runs: int, floor_mb: float) -> None:
    print(f"{runs} measured runs of each command, interleaved (1 warm-up run discarded)\n")
    header = f"{'command':<50} {'median s':>9} {'p90 s':>8} {'peak MB':>8} {'AppWarden/this':>15}"
    print(header)
    print("-" * len(header))
    for label, row in summary.items():
        ratio = "-" if label == appwarden_label else f"{row['appwarden_over_this']:.1f}x"
        peak = "<= floor" if row["peak_at_floor"] else f"{row['median_peak_mb']:.1f}"
        print(f"{label:<50} {row['median_s']:>9.4f} {row['p90_s']:>8.4f} {peak:>8} {ratio:>15}")
    print(f"\nmemory floor: {floor_mb:.1f} MB (this script's own peak, which every child inherits;")
    print("a command at the floor used less than that, by an amount this method cannot see)")
    checks = verdicts(summary[appwarden_label])
    print()
    print(f"target: median time under {TARGET_MEDIAN_SECONDS} s   "
          f"measured {checks['median_s']['measured']:.3f} s   {checks['median_s']['result']}")
    print(f"target: peak memory under {TARGET_PEAK_MB:.0f} MB   "
          f"measured {checks['peak_mb']['measured']:.1f} MB   {checks['peak_mb']['result']}")


def save_json(path: Path, commands: list[Command], samples: dict[str, Samples], summary: dict, runs: int,
              floor_mb: float) -> None:
    appwarden_label = commands[0].label
    data = {
        "benchmark": "scan_vs_reference",
        "machine": machine(),
        "runs": runs,
        "commands": {command.label: list(command.argv) for command in commands},
        "samples": {label: asdict(sample) for label, sample in samples.items()},
        "summary": summary,
        "memory_floor_mb": floor_mb,
        "targets": verdicts(summary[appwarden_label]),
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"\nnumbers saved to {path}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="measured runs of each command (default 15)")
    parser.add_argument("--installed", action="store_true", help="time the installed `appwarden` script")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also save every number to FILE")
    parser.add_argument("--compare-tree", type=Path, metavar="DIR",
                        help="also time the scan from another checkout of the project (an earlier commit)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="appwarden-bench-pycache-") as bytecode_cache:
        commands = [appwarden_command(args.installed, Path(bytecode_cache)), *reference_commands()]
        if args.compare_tree:
            links = Path(bytecode_cache) / "compare-tree"
            links.mkdir()
            commands.append(tree_command(args.compare_tree, Path(bytecode_cache) / "compare-cache", links))
        samples = measure(commands, args.runs)
    floor_mb = memory_floor()
    summary = summarize(samples, commands[0].label, floor_mb)
    print_report(summary, commands[0].label, args.runs, floor_mb)
    if args.compare_tree:
        other = summary[commands[-1].label]
        difference_ms = (summary[commands[0].label]["median_s"] - other["median_s"]) * 1000
        print(f"\nthis tree against {args.compare_tree}: {difference_ms:+.1f} ms per scan "
              f"({summary[commands[0].label]['median_s'] / other['median_s']:.3f}x)")
    if args.json:
        save_json(args.json, commands, samples, summary, args.runs, floor_mb)


if __name__ == "__main__":
    main()
