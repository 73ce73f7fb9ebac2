"""Time how long the AppWarden window takes to start: from the process start until the main window
is shown, its start-up work (policy packs, target, last check) has finished, and Qt is idle.

Each run is a fresh process (`python -c <snippet>`, PYTHONPATH at the project root, its own empty
XDG_DATA_HOME and XDG_CONFIG_HOME folders, QT_QPA_PLATFORM=offscreen unless a platform is set).
The snippet imports the app, builds the window with `gui.app.make_window`, shows it, calls
`controller.start()`, and waits until three things are true: `controller.startup` is set, the
window has received at least one Paint event, and Qt's event dispatcher is about to block (the
loop has nothing left to do). It then prints `time.time()` at the end of each phase (imports,
QApplication, window built, shown + start(), idle) and quits. This script reads `time.time()`
just before `Popen`, so "to idle" covers fork, exec, Python's start, the imports, the window and
the start-up work. "to exit" runs until `os.wait4` reaps the child, and wait4 also gives the
child's peak resident memory (ru_maxrss).

The references run in the same rounds, interleaved, the same way:

- `hello window`: a minimal PySide6 window (QApplication + a QLabel shown), idle the same way.
  AppWarden/hello is the cost of AppWarden's own imports, widgets and start-up work above what
  any PySide6 window pays.
- `python -m appwarden.core --version`: AppWarden's command line, which starts Python, imports
  `core.cli.main`, prints the version and exits (no Qt).

The first round is a warm-up (disk cache, bytecode) and is discarded. From the source tree the
bytecode is cached in a temporary folder (PYTHONPYCACHEPREFIX), as in scan_vs_reference.py.

    python bench/window_startup.py                  # 15 measured rounds (+1 warm-up)
    python bench/window_startup.py --runs 30 --json bench/results/window_startup.json

Target: median time to idle under 1.0 s. No network is used; nothing is written in the project.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from measure import machine, memory_floor, p90  # bench/ is on sys.path when a script runs

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TARGET_MEDIAN_SECONDS = 1.0
#: A peak this close to the floor (this script's own peak) says nothing about the command.
FLOOR_TOLERANCE_MB = 0.5
#: A child that has not reached idle by then is stuck (a dialog, a failed start-up).
CHILD_TIMEOUT_SECONDS = 60

#: Shared by both window snippets: quit once `ready()` is true, a Paint has reached `window`,
#: and the event dispatcher is about to block; print the phase timestamps as JSON.
IDLE_WAIT = r"""
class _Paints(QObject):
    count = 0
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            _Paints.count += 1
        return False

def wait_until_idle(app, window, ready):
    paints = _Paints()
    window.installEventFilter(paints)
    dispatcher = QAbstractEventDispatcher.instance()
    def about_to_block():
        if _Paints.count and ready():
            marks["idle"] = time.time()
            dispatcher.aboutToBlock.disconnect(about_to_block)
            app.quit()
    dispatcher.aboutToBlock.connect(about_to_block)
    QTimer.singleShot(%d, lambda: (print("timed out before idle", file=sys.stderr), app.exit(3)))
    code = app.exec()
    window.removeEventFilter(paints)
    return code
""" % (CHILD_TIMEOUT_SECONDS * 1000)

APPWARDEN_SNIPPET = r"""
import time
marks = {}
import json, sys
from PySide6.QtCore import QAbstractEventDispatcher, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from appwarden.gui.app import make_window
from appwarden.gui.launcher import window_arguments
marks["imports"] = time.time()
""" + IDLE_WAIT + r"""
app = QApplication(sys.argv[:1])
app.setApplicationName("AppWarden")
app.setOrganizationName("AppWarden")
marks["QApplication"] = time.time()
view, controller = make_window(window_arguments(sys.argv[1:]), app)
marks["window built"] = time.time()
failed = []
controller.show_error = lambda error: (failed.append(error.render()), app.exit(4))
view.show()
controller.start()
marks["shown + start()"] = time.time()
code = wait_until_idle(app, view, lambda: controller.startup is not None)
controller.background.wait(5000)
if failed:
    print("start-up failed: " + failed[0], file=sys.stderr)
print(json.dumps(marks))
sys.exit(code)
"""

HELLO_SNIPPET = r"""
import time
marks = {}
import json, sys
from PySide6.QtCore import QAbstractEventDispatcher, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel
marks["imports"] = time.time()
""" + IDLE_WAIT + r"""
app = QApplication(sys.argv[:1])
marks["QApplication"] = time.time()
label = QLabel("Hello")
marks["window built"] = time.time()
label.show()
marks["shown + start()"] = time.time()
code = wait_until_idle(app, label, lambda: True)
print(json.dumps(marks))
sys.exit(code)
"""

APPWARDEN = "AppWarden window"
HELLO = "hello window"
CLI = "python -m appwarden.core --version"
PHASES = ("imports", "QApplication", "window built", "shown + start()", "idle")


@dataclass(frozen=True)
class Command:
    label: str
    argv: tuple[str, ...]
    window: bool  # prints phase timestamps and quits when idle


@dataclass
class Samples:
    to_idle: list[float] = field(default_factory=list)
    to_exit: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    phases: dict[str, list[float]] = field(default_factory=lambda: {phase: [] for phase in PHASES})


def commands(window_args: list[str]) -> list[Command]:
    return [
        Command(APPWARDEN, (sys.executable, "-c", APPWARDEN_SNIPPET, *window_args), True),
        Command(HELLO, (sys.executable, "-c", HELLO_SNIPPET), True),
        Command(CLI, (sys.executable, "-m", "appwarden.core", "--version"), False),
    ]


def child_environment(folder: Path, bytecode_cache: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), PYTHONPYCACHEPREFIX=str(bytecode_cache),
               XDG_DATA_HOME=str(folder / "data"), XDG_CONFIG_HOME=str(folder / "config"),
               XDG_STATE_HOME=str(folder / "state"), XDG_CACHE_HOME=str(folder / "cache"))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_once(command: Command, bytecode_cache: Path) -> tuple[dict[str, float], float, float]:
    """Seconds from just before Popen to each phase (window commands only), to exit, and peak MB."""
    with tempfile.TemporaryDirectory(prefix="appwarden-bench-home-") as home:
        env = child_environment(Path(home), bytecode_cache)
        started = time.time()
        process = subprocess.Popen(command.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=PROJECT_ROOT,
                                   env=env, text=True)
        # The child writes a few hundred bytes; reading after wait4 cannot block on a full pipe.
        _, status, usage = os.wait4(process.pid, 0)
        exited = time.time()
        process.returncode = os.waitstatus_to_exitcode(status)
        out, err = process.stdout.read(), process.stderr.read()
        process.stdout.close()
        process.stderr.close()
    if process.returncode != 0:
        sys.exit(f"{command.label} failed with exit code {process.returncode}:\n{err.strip()}")
    phases = {}
    if command.window:
        marks = json.loads(out.strip().splitlines()[-1])
        phases = {phase: marks[phase] - started for phase in PHASES}
    return phases, exited - started, usage.ru_maxrss / 1024


def measure(cmds: list[Command], runs: int, bytecode_cache: Path) -> dict[str, Samples]:
    samples = {command.label: Samples() for command in cmds}
    for round_number in range(runs + 1):
        for command in cmds:
            phases, to_exit, peak_mb = run_once(command, bytecode_cache)
            if round_number == 0:
                continue  # warm-up round
            sample = samples[command.label]
            sample.to_exit.append(to_exit)
            sample.peak_mb.append(peak_mb)
            if phases:
                sample.to_idle.append(phases["idle"])
                for phase, seconds in phases.items():
                    sample.phases[phase].append(seconds)
    return samples


def summarize(samples: dict[str, Samples], floor_mb: float) -> dict[str, dict]:
    ours = statistics.median(samples[APPWARDEN].to_idle)
    summary = {}
    for label, sample in samples.items():
        # A window is compared at idle; the command line at exit (it has no idle).
        own = statistics.median(sample.to_idle or sample.to_exit)
        peak = statistics.median(sample.peak_mb)
        summary[label] = {
            "median_to_idle_s": statistics.median(sample.to_idle) if sample.to_idle else None,
            "p90_to_idle_s": p90(sample.to_idle) if sample.to_idle else None,
            "median_to_exit_s": statistics.median(sample.to_exit),
            "median_peak_mb": peak,
            "peak_at_floor": peak <= floor_mb + FLOOR_TOLERANCE_MB,
            "appwarden_over_this": ours / own,
            "phases_median_s": {phase: statistics.median(values) for phase, values in sample.phases.items() if values},
        }
    return summary


def verdict(summary: dict[str, dict]) -> dict[str, object]:
    measured = summary[APPWARDEN]["median_to_idle_s"]
    return {"measured": measured, "target_below": TARGET_MEDIAN_SECONDS,
            "result": "PASS" if measured < TARGET_MEDIAN_SECONDS else "MISS"}


def print_report(summary: dict[str, dict], runs: int, floor_mb: float) -> None:
    print(f"{runs} measured runs of each command, interleaved (1 warm-up run discarded); "
          f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM', 'offscreen')}\n")
    header = (f"{'command':<26} {'to idle s':>10} {'p90 s':>8} {'to exit s':>10} {'peak MB':>8} "
              f"{'AppWarden/this':>15}")
    print(header)
    print("-" * len(header))
    for label, row in summary.items():
        idle = f"{row['median_to_idle_s']:.4f}" if row["median_to_idle_s"] is not None else "-"
        idle_p90 = f"{row['p90_to_idle_s']:.4f}" if row["p90_to_idle_s"] is not None else "-"
        peak = "<= floor" if row["peak_at_floor"] else f"{row['median_peak_mb']:.1f}"
        ratio = "-" if label == APPWARDEN else f"{row['appwarden_over_this']:.2f}x"
        print(f"{label:<26} {idle:>10} {idle_p90:>8} {row['median_to_exit_s']:>10.4f} {peak:>8} {ratio:>15}")
    print("\nAppWarden/this: AppWarden's median to idle over the window's median to idle, "
          "or over the command line's median to exit")
    print(f"memory floor: {floor_mb:.1f} MB (this script's own peak, which every child inherits;")
    print("a command at the floor used less than that, by an amount this method cannot see)")
    print("\nmedian time from process start to the end of each phase (s):")
    print(f"{'':<26}" + "".join(f"{phase:>16}" for phase in PHASES))
    for label, row in summary.items():
        if row["phases_median_s"]:
            print(f"{label:<26}" + "".join(f"{row['phases_median_s'][phase]:>16.4f}" for phase in PHASES))
    check = verdict(summary)
    print(f"\ntarget: median time to idle under {TARGET_MEDIAN_SECONDS} s   "
          f"measured {check['measured']:.3f} s   {check['result']}")


def save_json(path: Path, cmds: list[Command], samples: dict[str, Samples], summary: dict, runs: int,
              floor_mb: float) -> None:
    data = {
        "benchmark": "window_startup",
        "machine": machine(),
        "runs": runs,
        "commands": {c.label: [a if len(a) < 200 else "<snippet>" for a in c.argv] for c in cmds},
        "samples": {label: asdict(sample) for label, sample in samples.items()},
        "summary": summary,
        "memory_floor_mb": floor_mb,
        "target": verdict(summary),
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"\nnumbers saved to {path}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="measured runs of each command (default 15)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also save every number to FILE")
    parser.add_argument("window_args", nargs="*", metavar="-- WINDOW ARGS",
                        help="passed to the window, e.g. -- --root /mnt/disk --no-default-policy")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main() -> None:
    args = parse_args()
    cmds = commands(args.window_args)
    with tempfile.TemporaryDirectory(prefix="appwarden-bench-pycache-") as bytecode_cache:
        samples = measure(cmds, args.runs, Path(bytecode_cache))
    floor_mb = memory_floor()
    summary = summarize(samples, floor_mb)
    print_report(summary, args.runs, floor_mb)
    if args.json:
        save_json(args.json, cmds, samples, summary, args.runs, floor_mb)


if __name__ == "__main__":
    main()
