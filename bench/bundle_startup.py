"""Start-up time of the PyInstaller bundle beside the source tree's, side by side.

Three commands, each timed from the bundle (dist/appwarden/) and from source, in interleaved
rounds so both see the same machine load. From source, each runs with the interpreter of a
throwaway virtual environment that sees the project as `pip install .` installs it (as
scan_vs_reference.py does: no editable finder), its bytecode cached in a temporary folder:

- `appwarden --version`: the console command starts, prints the version, exits.
- `appwarden scan --format json --no-history`: a whole check of this machine.
- `appwarden-gui --self-check --root DISK`: the window opens on the offscreen platform, checks a
  fixture disk (dpkg status with wechat) and exits once it shows the result.

Each run is a fresh process with its own empty XDG folders; wall time from just before Popen until
the process is reaped. The first round is a warm-up and is discarded; medians and the ratio
bundle/source are printed (and written with --json).

    pyinstaller --noconfirm build.spec                 # builds dist/appwarden/
    python bench/bundle_startup.py [--bundle dist/appwarden] [--runs 10] [--json bench/results/bundle_startup.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
SOURCE_CONSOLE = "import sys; from appwarden.gui.launcher import main; sys.exit(main())"
SOURCE_WINDOW = "import sys; from appwarden.gui.launcher import main_window; sys.exit(main_window())"


SCAN_ARGS = ["scan", "--format", "json", "--no-history"]


def commands(bundle: Path, disk: Path, python: str) -> dict[str, dict[str, list[str]]]:
    window_args = ["--self-check", "--root", str(disk)]
    return {
        "appwarden --version": {
            "bundle": [str(bundle / "appwarden"), "--version"],
            "source": [python, "-c", SOURCE_CONSOLE, "--version"],
        },
        "appwarden scan": {
            "bundle": [str(bundle / "appwarden"), *SCAN_ARGS],
            "source": [python, "-c", SOURCE_CONSOLE, *SCAN_ARGS],
        },
        "appwarden-gui --self-check": {
            "bundle": [str(bundle / "appwarden-gui"), *window_args],
            "source": [python, "-c", SOURCE_WINDOW, *window_args],
        },
    }


def timed(argv: list[str], home: Path, from_source: bool) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"), APPWARDEN_LANG="en",
               XDG_DATA_HOME=str(home / "data"), XDG_STATE_HOME=str(home / "state"), XDG_CONFIG_HOME=str(home / "config"))
    env.pop("PYTHONPATH", None)
    if from_source:
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # the source tree with its bytecode, as an installed copy has it
        env["PYTHONPYCACHEPREFIX"] = str(home.parent / "pycache")  # cached outside the project
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=180)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1) or (done.returncode == 1 and "--self-check" in argv):
        raise SystemExit(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=PROJECT / "dist" / "appwarden")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not (args.bundle / "appwarden").is_file():
        raise SystemExit(f"no bundle in {args.bundle}: run `pyinstaller --noconfirm build.spec` first")
    from tests.gui.window_fixtures import linux_disk
    from scan_vs_reference import plain_interpreter  # bench/ is on sys.path when a script runs

    with tempfile.TemporaryDirectory() as folder:
        disk = linux_disk(Path(folder) / "disk")
        plain = Path(folder) / "plain"
        plain.mkdir()
        table = commands(args.bundle, disk, plain_interpreter(plain))
        times = {name: {side: [] for side in sides} for name, sides in table.items()}
        for round_number in range(args.runs + 1):
            for name, sides in table.items():
                for side, argv in sides.items():
                    home = Path(folder) / f"home-{round_number}-{side}-{len(times[name][side])}"
                    elapsed = timed(argv, home, side == "source")
                    if round_number:  # round 0 warms the disk cache and the bytecode
                        times[name][side].append(elapsed)
    medians = {name: {side: statistics.median(values) for side, values in sides.items()} for name, sides in times.items()}
    print(f"{'command':30} {'bundle':>9} {'source':>9} {'bundle/source':>14}   (median of {args.runs} runs)")
    for name, m in medians.items():
        print(f"{name:30} {m['bundle']:8.3f}s {m['source']:8.3f}s {m['bundle'] / m['source']:13.2f}x")
    size = sum(p.stat().st_size for p in args.bundle.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"bundle size on disk: {size / 1e6:.1f} MB ({size} bytes) in {args.bundle}")
    if args.json:
        args.json.write_text(json.dumps({
            "benchmark": "bundle_startup",
            "machine": {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                        "platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count()},
            "runs": args.runs, "bundle_bytes": size, "seconds": times, "medians": medians,
        }, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
