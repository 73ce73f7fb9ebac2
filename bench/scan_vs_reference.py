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

From the source tree, every Python command (the scan and the two Python references) runs with
the interpreter of a throwaway virtual environment whose only `.pth` file puts this project (through
a folder holding an `appwarden` link to it) and this interpreter's site-packages on the path. That
is what `pip install .` gives: an editable install's finder (`__editable___appwarden_*_finder`)
would otherwise be imported by every Python process at start-up, 12 ms of pathlib and urllib here.

Where GNU time is installed (`/usr/bin/time`, Debian's `time`), each command's peak memory is
the one it reports (`%M`): it starts the command from its own small process, so the command's
peak is its own; without it, the floor below applies.

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
PYTHON_BARE, PYTHON_PLAIN = "python -S -c pass", "python -c pass"
PYTHON_LIBRARIES = "python -c 'import psutil, platformdirs, sqlite3'"
#: Issue 15's targets: the scan's median at most these times each reference's, and its peak memory
#: at most twice a plain interpreter's.
RATIO_TARGETS = {PYTHON_BARE: 10.0, PYTHON_LIBRARIES: 2.5}
PEAK_RATIO_TARGET = (PYTHON_PLAIN, 2.0)
GNU_TIME = "/usr/bin/time"


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


def plain_interpreter(folder: Path) -> str:
    """A virtual environment's python that sees this project and this interpreter's libraries
    as an installed copy does (no editable finder)."""
    import site
    import sysconfig

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder / "venv")], check=True)
    links = folder / "links"
    links.mkdir()
    (links / "appwarden").symlink_to(PROJECT_ROOT)
    python = folder / "venv" / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    libraries = dict.fromkeys([*site.getsitepackages(), sysconfig.get_paths()["purelib"]])
    Path(purelib, "appwarden-bench.pth").write_text("\n".join([str(links), *libraries]) + "\n", encoding="utf-8")
    return str(python)


def appwarden_command(installed: bool, bytecode_cache: Path, python: str = sys.executable) -> Command:
    if installed:
        script = shutil.which("appwarden")
        if script is None:
            sys.exit("--installed: no `appwarden` script on PATH (install the project first)")
        return Command("appwarden scan (installed)", (script, *SCAN_ARGS), APPWARDEN_OK_EXITS)
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(bytecode_cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPATH", None)
    argv = (python, "-m", "appwarden.core", *SCAN_ARGS)
    return Command("appwarden scan", argv, APPWARDEN_OK_EXITS, str(PROJECT_ROOT), env)


def tree_command(tree: Path, bytecode_cache: Path, link_folder: Path, python: str = sys.executable) -> Command:
    """The scan from another checkout: a folder holding an `appwarden` link to it comes first on
    the path, so that checkout's code is imported instead of this one's."""
    (link_folder / "appwarden").symlink_to(tree.resolve())
    env = dict(os.environ, PYTHONPATH=str(link_folder), PYTHONPYCACHEPREFIX=str(bytecode_cache))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    argv = (python, "-m", "appwarden.core", *SCAN_ARGS)
    return Command(f"appwarden scan ({tree.name})", argv, APPWARDEN_OK_EXITS, str(tree), env)


def reference_commands(python: str = sys.executable) -> list[Command]:
    commands = []
    for argv in (("dpkg-query", "-W"), ("ps", "-e")):
        program = shutil.which(argv[0])
        if program is None:
            sys.exit(f"reference tool `{argv[0]}` is not installed; this benchmark needs it")
        commands.append(Command(" ".join(argv), (program, *argv[1:])))
    # What any Python program pays: a bare interpreter, and one that loads the libraries a check
    # of this machine needs (issue 15's targets: at most 10x and 2.5x these).
    commands.append(Command(PYTHON_BARE, (python, "-S", "-c", "pass")))
    commands.append(Command(PYTHON_PLAIN, (python, "-c", "pass")))
    commands.append(Command(PYTHON_LIBRARIES, (python, "-c", "import psutil, platformdirs, sqlite3")))
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


def own_peak_mb(command: Command) -> float:
    """The command's own peak RSS in MB, as GNU time reports it (one run, not timed)."""
    with tempfile.NamedTemporaryFile("r", suffix=".peak") as report:
        argv = (GNU_TIME, "-f", "%M", "-o", report.name, *command.argv)
        process = subprocess.run(argv, stdout=subprocess.DEVNULL, cwd=command.cwd, env=command.env)
        if process.returncode not in command.ok_exits:
            sys.exit(f"`{' '.join(argv)}` failed with exit code {process.returncode}")
        return int(report.read().split()[-1]) / 1024


def measure(commands: list[Command], runs: int) -> dict[str, Samples]:
    samples = {command.label: Samples() for command in commands}
    for round_number in range(runs + 1):
        for command in commands:
            seconds, peak_mb = run_once(command)
            if round_number == 0:
                continue  # warm-up round
            samples[command.label].seconds.append(seconds)
            samples[command.label].peak_mb.append(own_peak_mb(command) if os.access(GNU_TIME, os.X_OK) else peak_mb)
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
            "peak_at_floor": not os.access(GNU_TIME, os.X_OK) and peak <= floor_mb + FLOOR_TOLERANCE_MB,
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


def ratio_verdicts(summary: dict[str, dict], appwarden_label: str) -> dict[str, dict[str, object]]:
    """Issue 15's ratios: the scan's time over each Python reference's, its peak over a plain interpreter's."""
    verdict = {}
    for label, target in RATIO_TARGETS.items():
        if label in summary:
            ratio = summary[label]["appwarden_over_this"]
            verdict[f"time / {label}"] = {"measured": ratio, "target_at_most": target, "result": "PASS" if ratio <= target else "MISS"}
    label, target = PEAK_RATIO_TARGET
    if label in summary and not summary[label]["peak_at_floor"]:
        ratio = summary[appwarden_label]["median_peak_mb"] / summary[label]["median_peak_mb"]
        verdict[f"peak memory / {label}"] = {"measured": ratio, "target_at_most": target, "result": "PASS" if ratio <= target else "MISS"}
    return verdict


def print_report(summary: dict[str, dict], appwarden_label: str, runs: int, floor_mb: float) -> None:
    print(f"{runs} measured runs of each command, interleaved (1 warm-up run discarded)\n")
    header = f"{'command':<50} {'median s':>9} {'p90 s':>8} {'peak MB':>8} {'AppWarden/this':>15}"
    print(header)
    print("-" * len(header))
    for label, row in summary.items():
        ratio = "-" if label == appwarden_label else f"{row['appwarden_over_this']:.1f}x"
        peak = "<= floor" if row["peak_at_floor"] else f"{row['median_peak_mb']:.1f}"
        print(f"{label:<50} {row['median_s']:>9.4f} {row['p90_s']:>8.4f} {peak:>8} {ratio:>15}")
    if os.access(GNU_TIME, os.X_OK):
        print(f"\npeak memory: each command's own, as {GNU_TIME} reports it")
    else:
        print(f"\nmemory floor: {floor_mb:.1f} MB (this script's own peak, which every child inherits;")
        print("a command at the floor used less than that, by an amount this method cannot see)")
    checks = verdicts(summary[appwarden_label])
    print()
    print(f"target: median time under {TARGET_MEDIAN_SECONDS} s   "
          f"measured {checks['median_s']['measured']:.3f} s   {checks['median_s']['result']}")
    print(f"target: peak memory under {TARGET_PEAK_MB:.0f} MB   "
          f"measured {checks['peak_mb']['measured']:.1f} MB   {checks['peak_mb']['result']}")
    for name, check in ratio_verdicts(summary, appwarden_label).items():
        print(f"target: {name} at most {check['target_at_most']:.1f}x   measured {check['measured']:.2f}x   {check['result']}")


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
        "ratio_targets": ratio_verdicts(summary, appwarden_label),
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
        python = plain_interpreter(Path(bytecode_cache) / "plain")
        commands = [appwarden_command(args.installed, Path(bytecode_cache), python), *reference_commands(python)]
        if args.compare_tree:
            links = Path(bytecode_cache) / "compare-tree"
            links.mkdir()
            commands.append(tree_command(args.compare_tree, Path(bytecode_cache) / "compare-cache", links, python))
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
