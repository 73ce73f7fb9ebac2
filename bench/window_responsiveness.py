"""Measure whether the AppWarden window stays responsive while a large check runs.

The script builds a large synthetic Linux disk in a temporary folder (removed at the end; `--keep`
leaves it): a dpkg status database with 200,000 packages (one of them `wechat`, one in fifty
removed with its configuration left), 3,000 .desktop files in usr/share/applications (one runs
/usr/bin/wechat), 300 Flatpak apps deployed as flatpak does it
(var/lib/flatpak/app/<id>/x86_64/stable/<commit>/ with `active` a link to the commit, a metadata
file and an AppStream metainfo file; one is com.tencent.WeChat), and two users with a few menu
entries each. A check of it takes a few seconds.

Each measured run is a fresh process (this script with a hidden `--child` option, its own empty
XDG folders, QT_QPA_PLATFORM=offscreen unless a platform is set) that does one of two things:

- **window**: build the window with `gui.app.make_window` for `--root <disk>`, show it, call
  `controller.start()` and wait until the start-up work has finished and Qt is idle. Then a
  QTimer (PreciseTimer, 1 ms by default) records `time.perf_counter()` at each tick on the UI
  thread, `controller.check()` runs from the event loop, and ticks are recorded until
  `controller.task.done` and the result is shown. A gap between two ticks is time the UI thread
  could not handle an event (a click, a repaint): the longest gap is the longest stall a person
  could feel. The child also reports the resident memory (psutil RSS) once the result is shown,
  and, through `gc.callbacks`, each garbage collection that took longer than 5 ms (the
  collector holds the GIL, so the UI thread cannot run meanwhile).
- **direct** (the reference): the same check as a naive window would run it, `core.scan.run_scan`
  on the main thread with the same policy packs and target, and no Qt. Its duration is the stall
  such a window would have, since its event loop would not run until the scan returned.

Rounds alternate window and direct runs; the first round is a warm-up and is discarded (the
disk's files are then in the page cache for every measured run). The tables show medians of
the measured runs (3 by default). Peak MB is the child's ru_maxrss from `os.wait4`.

    python bench/window_responsiveness.py                    # 200k packages, 3 measured rounds
    python bench/window_responsiveness.py --packages 50000 --runs 5 --json bench/results/resp.json

Each round also runs the command line's check of the same disk
(`python -m appwarden.core scan --root <disk> --no-history --format json`) and a bare interpreter
(`python -S -c pass`), each under GNU time (`/usr/bin/time -f %M`, so each peak is the command's
own and not this script's): issue 15 asks the command line's peak to stay within 40 MB of the bare
interpreter's. Without /usr/bin/time those two rows are left out.

Targets: longest stall under 50 ms, resident memory after the check under 200 MB, the window's
peak at most 120 MB, and the command line's peak at most 40 MB above a bare interpreter's.
No network is used; nothing is written in the project.
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
from pathlib import Path
from measure import machine  # bench/ is on sys.path when a script runs

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TARGET_STALL_MS = 50.0
TARGET_RSS_MB = 200.0
TARGET_WINDOW_PEAK_MB = 120.0
TARGET_CLI_ABOVE_BARE_MB = 40.0
GNU_TIME = "/usr/bin/time"
#: A garbage collection at least this long is reported (the collector holds the GIL).
GC_REPORT_MS = 5.0
CHILD_TIMEOUT_SECONDS = 300


# ---------------------------------------------------------------------------------------------
# The synthetic disk
# ---------------------------------------------------------------------------------------------

def dpkg_stanza(i: int) -> str:
    name = "wechat" if i == -1 else f"lib{_word(i)}{i % 7}-{i}"
    maintainer = "Tencent <weixin@tencent.com>" if i == -1 else f"Debian Team {i % 97} <team{i % 97}@lists.debian.org>"
    state = "deinstall ok config-files" if i % 50 == 49 else "install ok installed"
    return (
        f"Package: {name}\n"
        f"Status: {state}\n"
        "Priority: optional\n"
        f"Section: {('libs', 'utils', 'net', 'devel', 'python')[i % 5]}\n"
        f"Installed-Size: {100 + i % 9000}\n"
        f"Maintainer: {maintainer}\n"
        "Architecture: amd64\n"
        "Multi-Arch: same\n"
        f"Source: {_word(i)}\n"
        f"Version: {1 + i % 5}.{i % 13}.{i % 101}-{1 + i % 3}\n"
        f"Depends: libc6 (>= 2.34), lib{_word(i + 1)}{(i + 1) % 7}-{i + 1} (>= 1.0)\n"
        f"Description: synthetic package number {i} for the AppWarden benchmark\n"
        " This package does nothing. It exists so that the dpkg database is as large as\n"
        " that of a big workstation.\n"
        "\n"
    )


def _word(i: int) -> str:
    syllables = ("ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "xi", "zu")
    return "".join(syllables[int(digit)] for digit in str(i % 100000))


def desktop_entry(i: int) -> str:
    program = "/usr/bin/wechat" if i == -1 else f"/usr/bin/app{i}"
    name = "WeChat" if i == -1 else f"Example Application {i}"
    return (
        "[Desktop Entry]\n"
        "Version=1.0\n"
        "Type=Application\n"
        f"Name={name}\n"
        f"Name[fr]={name} (fr)\n"
        f"Name[de]={name} (de)\n"
        "GenericName=Synthetic application\n"
        "Comment=An application of the AppWarden benchmark\n"
        f"Exec={program} %U\n"
        f"TryExec={program}\n"
        f"Icon=app{i}\n"
        "Terminal=false\n"
        "Categories=Utility;Office;\n"
        "MimeType=text/plain;application/x-example;\n"
        "StartupNotify=true\n"
        "Actions=new-window;\n"
        "\n"
        "[Desktop Action new-window]\n"
        "Name=New Window\n"
        f"Exec={program} --new-window\n"
    )


def flatpak_app(apps: Path, app_id: str, i: int) -> None:
    commit = f"{i:064x}"
    deploy = apps / app_id / "x86_64" / "stable" / commit
    (deploy / "files/share/metainfo").mkdir(parents=True)
    (deploy / "export/share/applications").mkdir(parents=True)
    (deploy.parent / "active").symlink_to(commit)
    (apps / app_id / "current").symlink_to("x86_64/stable")
    (deploy / "metadata").write_text(
        f"[Application]\nname={app_id}\nruntime=org.freedesktop.Platform/x86_64/23.08\n"
        f"sdk=org.freedesktop.Sdk/x86_64/23.08\ncommand=app{i}\n\n"
        "[Context]\nshared=network;ipc;\nsockets=x11;wayland;pulseaudio;\ndevices=dri;\n"
        "filesystems=xdg-download;\n",
        encoding="utf-8",
    )
    developer = "Tencent" if app_id == "com.tencent.WeChat" else f"Example Developer {i}"
    (deploy / f"files/share/metainfo/{app_id}.metainfo.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<component type="desktop-application">\n'
        f"  <id>{app_id}</id>\n  <name>Flatpak app {i}</name>\n  <name xml:lang=\"fr\">Appli {i}</name>\n"
        f"  <summary>A synthetic Flatpak app</summary>\n  <developer_name>{developer}</developer_name>\n"
        "  <metadata_license>CC0-1.0</metadata_license>\n  <project_license>MIT</project_license>\n"
        "  <description><p>An app of the AppWarden benchmark.</p></description>\n"
        f"  <releases>\n    <release version=\"{1 + i % 4}.{i % 10}.0\" date=\"2026-01-01\"/>\n"
        "    <release version=\"0.9.0\" date=\"2025-01-01\"/>\n  </releases>\n</component>\n",
        encoding="utf-8",
    )


def build_disk(root: Path, packages: int, desktop_files: int, flatpaks: int) -> dict[str, int]:
    (root / "etc").mkdir(parents=True)
    (root / "etc/os-release").write_text('ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12"\n')
    (root / "etc/hostname").write_text("bench-disk\n")
    (root / "var/lib/dpkg").mkdir(parents=True)
    wechat_at = packages // 2
    with open(root / "var/lib/dpkg/status", "w", encoding="utf-8") as status:
        for i in range(packages - 1):
            if i == wechat_at:
                status.write(dpkg_stanza(-1))
            status.write(dpkg_stanza(i))
    menus = root / "usr/share/applications"
    menus.mkdir(parents=True)
    for i in range(desktop_files - 1):
        (menus / f"org.example.App{i}.desktop").write_text(desktop_entry(i), encoding="utf-8")
    (menus / "wechat.desktop").write_text(desktop_entry(-1), encoding="utf-8")
    apps = root / "var/lib/flatpak/app"
    apps.mkdir(parents=True)
    for i in range(flatpaks - 1):
        flatpak_app(apps, f"org.example.Flat{i}", i)
    flatpak_app(apps, "com.tencent.WeChat", flatpaks)
    for user in ("alice", "bob"):
        folder = root / "home" / user / ".local/share/applications"
        folder.mkdir(parents=True)
        for i in range(20):
            (folder / f"user-{user}-{i}.desktop").write_text(desktop_entry(100000 + i), encoding="utf-8")
    size = (root / "var/lib/dpkg/status").stat().st_size
    return {"packages": packages, "desktop_files": desktop_files + 40, "flatpaks": flatpaks,
            "dpkg_status_mb": round(size / 2**20, 1)}


# ---------------------------------------------------------------------------------------------
# The children (one measured run each)
# ---------------------------------------------------------------------------------------------

class GcPauses:
    """Garbage collections of at least GC_REPORT_MS, as (start, ms, generation, thread)."""

    def __init__(self) -> None:
        import gc
        import threading

        self.pauses: list[tuple[float, float, int, str]] = []
        self._started: float | None = None
        self._threading = threading
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._started = now
        elif self._started is not None:
            ms = (now - self._started) * 1000
            if ms >= GC_REPORT_MS:
                thread = "UI" if self._threading.current_thread() is self._threading.main_thread() else "worker"
                self.pauses.append((self._started, ms, info["generation"], thread))
            self._started = None


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def child_direct(root: str) -> dict:
    gc_pauses = GcPauses()
    from appwarden.core.policy.loader import load_policies
    from appwarden.core.scan import run_scan
    from appwarden.core.target import make_target

    policies = load_policies([], include_default=True)
    target = make_target(root, None)
    before = rss_mb()
    started = time.perf_counter()
    result = run_scan(target, policies)
    seconds = time.perf_counter() - started
    return {
        "scan_s": seconds,
        "longest_stall_ms": seconds * 1000,  # the whole scan blocks the thread it runs on
        "rss_before_mb": before,
        "rss_after_mb": rss_mb(),
        "items_read": result.items_read,
        "findings": sorted(f.rule.id for f in result.findings),
        "gc_pauses": [(start - started, ms, generation, thread) for start, ms, generation, thread in gc_pauses.pauses],
    }


def child_window(root: str, interval_ms: int) -> dict:
    gc_pauses = GcPauses()
    from PySide6.QtCore import QAbstractEventDispatcher, QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from appwarden.gui.app import make_window
    from appwarden.gui.launcher import window_arguments

    app = QApplication(sys.argv[:1])
    view, controller = make_window(window_arguments(["--root", root]), app)
    errors: list[str] = []
    controller.show_error = lambda error: (errors.append(f"{error.render()}\n{error.detail}"), app.exit(4))
    loop = QEventLoop()
    QTimer.singleShot(CHILD_TIMEOUT_SECONDS * 1000, lambda: (errors.append("timed out"), app.exit(3), loop.exit(3)))

    # Start-up, then wait until Qt is idle so that nothing of it is counted as a stall.
    view.show()
    controller.start()
    dispatcher = QAbstractEventDispatcher.instance()

    def idle_after_startup() -> None:
        if controller.startup is not None or errors:
            dispatcher.aboutToBlock.disconnect(idle_after_startup)
            loop.quit()

    dispatcher.aboutToBlock.connect(idle_after_startup)
    loop.exec()
    if errors:
        raise SystemExit(f"the window's start-up failed: {errors[0]}")
    rss_before = rss_mb()

    ticks: list[float] = []
    events: dict[str, float] = {}
    progress: list[tuple[float, str]] = []
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(interval_ms)

    def tick() -> None:
        ticks.append(time.perf_counter())
        if "shown" in events or errors:
            timer.stop()
            loop.quit()

    def check() -> None:
        events["check"] = time.perf_counter()
        controller.check()

    original_checked, original_scan = controller._checked, controller._scan

    def checked(result) -> None:  # runs on the UI thread, after task.done is set
        events["result arrived"] = time.perf_counter()
        original_checked(result)
        events["shown"] = time.perf_counter()

    def scan(startup, report, cancelled):  # on the worker thread: the scan and its history record
        def report_timed(step) -> None:
            progress.append((time.perf_counter(), step.source))  # when the worker starts each source
            report(step)

        events["worker started"] = time.perf_counter()
        try:
            return original_scan(startup, report_timed, cancelled)
        finally:
            events["worker finished"] = time.perf_counter()

    # Instance attributes: check() looks these up when it runs, so the wrappers are the ones called.
    controller._checked, controller._scan = checked, scan
    timer.timeout.connect(tick)
    ticks.append(time.perf_counter())
    timer.start()
    QTimer.singleShot(0, check)
    loop.exec()
    if errors:
        raise SystemExit(f"the check failed: {errors[0]}")
    if controller.task is None or not controller.task.done or controller.result is None:
        raise SystemExit("the check did not finish")
    rss_after = rss_mb()
    gaps = [(b - a) * 1000 for a, b in zip(ticks, ticks[1:])]
    start = events["check"]
    steps = [(events["check"], "check() on the UI thread"), *progress,
             (events["worker finished"], "result on its way to the UI thread"),
             (events["result arrived"], "showing the result (_checked)")]

    def during(moment: float) -> str:
        """What the window was doing at `moment`: the source the worker was reading, or a named step."""
        label = "before the check"
        for at, name in steps:
            if at <= moment:
                label = name
        return label

    def collecting(a: float, b: float) -> float:
        """Milliseconds of garbage collection (of at least GC_REPORT_MS each) between a and b."""
        return sum(max(0.0, min(b, s + ms / 1000) - max(a, s)) * 1000 for s, ms, _, _ in gc_pauses.pauses)

    stalls = []  # every gap over the target: (start s after check(), ms, what ran meanwhile, ms of it in GC)
    for a, b, gap in zip(ticks, ticks[1:], gaps):
        if gap > TARGET_STALL_MS:
            first, last = during(a), during(b)
            stalls.append((a - start, gap, first if first == last else f"{first} .. {last}", collecting(a, b)))
    worst = max(range(len(gaps)), key=gaps.__getitem__)
    worst_first, worst_last = during(ticks[worst]), during(ticks[worst + 1])
    controller.background.wait(5000)
    return {
        "scan_s": events["shown"] - start,
        "worker_s": events["worker finished"] - events["worker started"],
        "show_result_ms": (events["shown"] - events["result arrived"]) * 1000,
        "ticks": len(ticks),
        "longest_stall_ms": gaps[worst],
        "longest_stall_at_s": ticks[worst] - start,
        "longest_stall_during": worst_first if worst_first == worst_last else f"{worst_first} .. {worst_last}",
        "p99_gap_ms": statistics.quantiles(gaps, n=100, method="inclusive")[-1] if len(gaps) > 1 else gaps[0],
        "median_gap_ms": statistics.median(gaps),
        "gaps_over_50ms": len(stalls),
        "stalls": stalls,
        "rss_before_mb": rss_before,
        "rss_after_mb": rss_after,
        "items_read": controller.result.items_read,
        "findings": sorted(f.rule.id for f in controller.result.findings),
        "gc_pauses": [(s - start, ms, generation, thread) for s, ms, generation, thread in gc_pauses.pauses
                      if s >= start],
        "progress": [(at - start, name) for at, name in progress],
    }


def run_child(mode: str, root: str, interval_ms: int) -> None:
    result = child_window(root, interval_ms) if mode == "window" else child_direct(root)
    print(json.dumps(result))


# ---------------------------------------------------------------------------------------------
# The parent: rounds, medians, the report
# ---------------------------------------------------------------------------------------------

def run_once(mode: str, root: Path, interval_ms: int, bytecode_cache: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="appwarden-bench-home-") as home:
        env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), PYTHONPYCACHEPREFIX=str(bytecode_cache),
                   XDG_DATA_HOME=f"{home}/data", XDG_CONFIG_HOME=f"{home}/config", XDG_STATE_HOME=f"{home}/state",
                   XDG_CACHE_HOME=f"{home}/cache", APPWARDEN_LANG="en")
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        argv = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--interval-ms", str(interval_ms),
                str(root)]
        with tempfile.TemporaryFile(mode="w+") as out, tempfile.TemporaryFile(mode="w+") as err:
            process = subprocess.Popen(argv, stdout=out, stderr=err, cwd=PROJECT_ROOT, env=env)
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        sys.exit(f"the {mode} run failed with exit code {process.returncode}:\n{stderr.strip()}")
    data = json.loads(stdout.strip().splitlines()[-1])
    data["peak_mb"] = usage.ru_maxrss / 1024
    if "wechat" not in data["findings"]:
        sys.exit(f"the {mode} run did not find the planted wechat: findings {data['findings']}")
    return data


def command_line_peaks(root: Path, bytecode_cache: Path) -> dict[str, float]:
    """The command line's check of the disk and a bare interpreter: each one's own peak, in MB."""
    peaks = {}
    with tempfile.TemporaryDirectory(prefix="appwarden-bench-home-") as home:
        env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), PYTHONPYCACHEPREFIX=str(bytecode_cache),
                   XDG_DATA_HOME=f"{home}/data", XDG_CONFIG_HOME=f"{home}/config", XDG_STATE_HOME=f"{home}/state",
                   XDG_CACHE_HOME=f"{home}/cache", APPWARDEN_LANG="en")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        commands = {"cli": [sys.executable, "-m", "appwarden.core", "scan", "--root", str(root), "--no-history", "--format", "json"],
                    "bare": [sys.executable, "-S", "-c", "pass"]}
        for name, argv in commands.items():
            report = Path(home, f"{name}.peak")
            done = subprocess.run([GNU_TIME, "-f", "%M", "-o", str(report), *argv], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, cwd=PROJECT_ROOT, env=env, timeout=CHILD_TIMEOUT_SECONDS)
            if done.returncode not in (0, 1):
                sys.exit(f"`{' '.join(argv)}` failed with exit code {done.returncode}: {done.stderr.decode(errors='replace')}")
            peaks[name] = int(report.read_text().split()[-1]) / 1024
    return peaks


def summarize(runs: dict[str, list[dict]]) -> dict[str, dict]:
    summary = {}
    for mode, samples in runs.items():
        if mode == "command line":
            if samples:
                summary[mode] = {key: statistics.median(sample[key] for sample in samples) for key in samples[0]}
            continue
        keys = [key for key, value in samples[0].items()
                if isinstance(value, (int, float)) and not isinstance(value, bool)]
        row = {key: statistics.median(sample[key] for sample in samples) for key in keys}
        longest_gc = [max((p[1] for p in sample["gc_pauses"]), default=0.0) for sample in samples]
        row["longest_gc_ms"] = statistics.median(longest_gc)
        summary[mode] = row
    return summary


def verdicts(window: dict, command_line: dict | None = None) -> dict[str, dict]:
    checks = {"longest_stall_ms": (window["longest_stall_ms"], TARGET_STALL_MS),
              "rss_after_mb": (window["rss_after_mb"], TARGET_RSS_MB),
              "window_peak_mb": (window["peak_mb"], TARGET_WINDOW_PEAK_MB)}
    if command_line:
        checks["cli_peak_above_bare_mb"] = (command_line["cli"] - command_line["bare"], TARGET_CLI_ABOVE_BARE_MB)
    return {name: {"measured": measured, "target_at_most": target, "result": "PASS" if measured <= target else "MISS"}
            for name, (measured, target) in checks.items()}


def print_report(disk: dict, summary: dict, runs: dict[str, list[dict]], rounds: int, interval_ms: int) -> None:
    window, direct = summary["window"], summary["direct"]
    print(f"disk: {disk['packages']:,} dpkg packages ({disk['dpkg_status_mb']} MB status file), "
          f"{disk['desktop_files']:,} .desktop files, {disk['flatpaks']} Flatpak apps; "
          f"{window['items_read']:,.0f} items read per check")
    print(f"median of {rounds} measured runs of each (1 warm-up round discarded); UI timer every {interval_ms} ms\n")
    header = (f"{'':<34} {'scan s':>7} {'longest stall ms':>17} {'p99 gap ms':>11} {'gaps >50 ms':>12} "
              f"{'RSS after MB':>13} {'peak MB':>8}")
    print(header)
    print("-" * len(header))
    print(f"{'window (scan on a worker thread)':<34} {window['scan_s']:>7.2f} {window['longest_stall_ms']:>17.1f} "
          f"{window['p99_gap_ms']:>11.1f} {window['gaps_over_50ms']:>12.0f} {window['rss_after_mb']:>13.1f} "
          f"{window['peak_mb']:>8.1f}")
    print(f"{'direct run_scan on the UI thread':<34} {direct['scan_s']:>7.2f} {direct['longest_stall_ms']:>17.1f} "
          f"{'-':>11} {'-':>12} {direct['rss_after_mb']:>13.1f} {direct['peak_mb']:>8.1f}")
    print(f"\nwindow/direct scan time: {window['scan_s'] / direct['scan_s']:.2f}x   "
          f"direct stall / window stall: {direct['longest_stall_ms'] / window['longest_stall_ms']:.0f}x")
    print(f"window: worker {window['worker_s']:.2f} s (scan + history record), showing the result "
          f"{window['show_result_ms']:.1f} ms, median gap {window['median_gap_ms']:.1f} ms, "
          f"RSS before the check {window['rss_before_mb']:.1f} MB")
    print(f"longest garbage collection (median over runs): window {window['longest_gc_ms']:.0f} ms, "
          f"direct {direct['longest_gc_ms']:.0f} ms")
    print("\neach window run's longest stall (seconds after check()), and what the worker was doing meanwhile:")
    for number, sample in enumerate(runs["window"], 1):
        print(f"  run {number}: {sample['longest_stall_ms']:.1f} ms at {sample['longest_stall_at_s']:.2f} s, "
              f"during {sample['longest_stall_during']}")
    print(f"\nstalls over {TARGET_STALL_MS:.0f} ms in all {rounds} window runs, by what the worker was doing:")
    print(f"  {'during':<44} {'stalls':>6} {'total ms':>9} {'longest ms':>11} {'of it in GC ms':>15}")
    by_step: dict[str, list] = {}
    for sample in runs["window"]:
        for _, ms, step, gc_ms in sample["stalls"]:
            by_step.setdefault(step, []).append((ms, gc_ms))
    for step, stalls in sorted(by_step.items(), key=lambda entry: -sum(ms for ms, _ in entry[1])):
        print(f"  {step:<44} {len(stalls):>6} {sum(ms for ms, _ in stalls):>9.0f} {max(ms for ms, _ in stalls):>11.1f} "
              f"{sum(gc for _, gc in stalls):>15.0f}")
    gcs = [f"{ms:.0f} (gen{generation}, {thread})" for _, ms, generation, thread in runs["window"][0]["gc_pauses"]
           if ms >= 20]
    print(f"\ngarbage collections of 20 ms or more in window run 1, ms: {', '.join(gcs) or 'none'}")
    command_line = summary.get("command line")
    if command_line:
        print(f"\ncommand line (own peaks, GNU time): check of the disk {command_line['cli']:.1f} MB, "
              f"python -S -c pass {command_line['bare']:.1f} MB: {command_line['cli'] - command_line['bare']:.1f} MB above")
    checks = verdicts(window, command_line)
    print(f"\ntarget: longest stall under {TARGET_STALL_MS:.0f} ms   "
          f"measured {checks['longest_stall_ms']['measured']:.1f} ms   {checks['longest_stall_ms']['result']}")
    print(f"target: RSS after the check under {TARGET_RSS_MB:.0f} MB   "
          f"measured {checks['rss_after_mb']['measured']:.1f} MB   {checks['rss_after_mb']['result']}")
    print(f"target: window peak at most {TARGET_WINDOW_PEAK_MB:.0f} MB   "
          f"measured {checks['window_peak_mb']['measured']:.1f} MB   {checks['window_peak_mb']['result']}")
    if command_line:
        check = checks["cli_peak_above_bare_mb"]
        print(f"target: command line's peak at most {TARGET_CLI_ABOVE_BARE_MB:.0f} MB above a bare interpreter's   "
              f"measured {check['measured']:.1f} MB   {check['result']}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="measured rounds (default 3)")
    parser.add_argument("--packages", type=int, default=200_000, help="dpkg packages on the disk (default 200000)")
    parser.add_argument("--desktop-files", type=int, default=3000, help=".desktop files in usr/share/applications")
    parser.add_argument("--flatpaks", type=int, default=300, help="Flatpak apps (default 300)")
    parser.add_argument("--interval-ms", type=int, default=1, help="the UI timer's interval (default 1 ms)")
    parser.add_argument("--keep", action="store_true", help="keep the synthetic disk and print where it is")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also save every number to FILE")
    parser.add_argument("--child", choices=("window", "direct"), help=argparse.SUPPRESS)
    parser.add_argument("root", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.packages < 2 or args.desktop_files < 1 or args.flatpaks < 1:
        parser.error("the disk needs at least 2 packages, 1 .desktop file and 1 Flatpak app")
    return args


def main() -> None:
    args = parse_args()
    if args.child:
        run_child(args.child, args.root, args.interval_ms)
        return
    folder = Path(tempfile.mkdtemp(prefix="appwarden-bench-disk-"))
    try:
        started = time.perf_counter()
        disk = build_disk(folder / "disk", args.packages, args.desktop_files, args.flatpaks)
        print(f"built the synthetic disk in {time.perf_counter() - started:.1f} s\n")
        runs: dict[str, list[dict]] = {"window": [], "direct": [], "command line": []}
        with tempfile.TemporaryDirectory(prefix="appwarden-bench-pycache-") as bytecode_cache:
            for round_number in range(args.runs + 1):
                for mode in ("window", "direct"):
                    sample = run_once(mode, folder / "disk", args.interval_ms, Path(bytecode_cache))
                    if round_number:
                        runs[mode].append(sample)
                if os.access(GNU_TIME, os.X_OK):
                    peaks = command_line_peaks(folder / "disk", Path(bytecode_cache))
                    if round_number:
                        runs["command line"].append(peaks)
        summary = summarize(runs)
        print_report(disk, summary, runs, args.runs, args.interval_ms)
        if args.json:
            data = {"benchmark": "window_responsiveness", "machine": machine(), "runs": args.runs, "disk": disk,
                    "interval_ms": args.interval_ms, "samples": runs, "summary": summary,
                    "targets": verdicts(summary["window"], summary.get("command line"))}
            args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
            print(f"\nnumbers saved to {args.json}")
    finally:
        if args.keep:
            print(f"\nthe synthetic disk is kept in {folder / 'disk'}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
