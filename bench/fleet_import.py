"""How long `appwarden scan --from-osquery` takes to read and report 10,000 hosts, against reading
the same file with json.load alone, in the same run (issue 16: under 5 s).

The results file is made the way osquery makes it: the exported inventory and census queries run
in SQLite on tables built from osquery's own specs (../shared/reference/osquery-tables), on one
template host per platform and finding, then repeated with each host's name and uuid.

    python bench/fleet_import.py                 # 10,000 hosts, median of 5
    python bench/fleet_import.py --hosts 1000 --runs 3
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
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from appwarden.core.policy.loader import load_policies  # noqa: E402
from tests.core.fleet.fleet_data import host_rows  # noqa: E402
from tests.core.fleet.osquery_schema import read_specs  # noqa: E402

TEMPLATES = [  # (platform, what is planted, share of hosts)
    ("windows", [("programs", {"name": "Microsoft Edge", "publisher": "Microsoft Corporation"}),
                 ("processes", {"name": "explorer.exe"}), ("services", {"name": "Dnscache"})], 0.45),
    ("windows", [("programs", {"name": "WeChat", "publisher": "Tencent", "version": "3.9.12"}),
                 ("processes", {"name": "WeChat.exe", "path": "C:\\Program Files\\Tencent\\WeChat\\WeChat.exe"})], 0.01),
    ("macos", [("apps", {"name": "Safari", "bundle_identifier": "com.apple.Safari"}), ("processes", {"name": "launchd"})], 0.29),
    ("macos", [("apps", {"name": "Kaspersky", "bundle_identifier": "com.kaspersky.kav", "path": "/Applications/Kaspersky.app"})], 0.01),
    ("linux", [("deb_packages", {"name": "bash"}), ("processes", {"name": "systemd"})], 0.23),
    ("linux", [("deb_packages", {"name": "kesl", "version": "12.1"})], 0.01),
]


def results_file(hosts: int, folder: Path) -> Path:
    specs, policies = read_specs(), load_policies([], include_default=True)
    templates = [(platform, host_rows(specs, policies, "template", platform, planted), share)
                 for platform, planted, share in TEMPLATES]
    rows = []
    number = 0
    for platform, results, share in templates:
        for _ in range(max(1, round(hosts * share))):
            number += 1
            name, uuid = f"host-{number:05d}", f"00000000-0000-4000-8000-{number:012d}"
            rows += [_as_host(row, name, uuid, number) for query in results.values() for row in query]
    path = folder / "results.json"
    path.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return path


def _as_host(row: dict, name: str, uuid: str, number: int) -> dict:
    """The template's row as another host's: its name and uuid, and tables that hold a different
    number of rows on each host, as real ones do."""
    row = {**row, "host": name, "host_uuid": uuid}
    if row.get("table_rows") not in (None, "", "0"):
        row["table_rows"] = str(int(row["table_rows"]) + 40 + number % 997)
    return row


def timed(argv: list[str]) -> float:
    env = dict(os.environ, XDG_DATA_HOME=str(Path(tempfile.gettempdir()) / "appwarden-bench-data"))
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv)} failed: {done.stderr.decode(errors='replace')}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = results_file(args.hosts, Path(folder))
        rows = len(json.loads(path.read_text(encoding="utf-8")))
        report = Path(folder) / "fleet.html"
        commands = {
            "appwarden scan --from-osquery (HTML report)": [sys.executable, "-m", "appwarden.core", "scan", "--from-osquery",
                                                           str(path), "--format", "html", "--output", str(report), "--no-history"],
            "python -c json.load": [sys.executable, "-c", f"import json; json.load(open({str(path)!r}, encoding='utf-8'))"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):  # interleaved, so both see the same machine
            for name, argv in commands.items():
                times[name].append(timed(argv))
        size = path.stat().st_size / 1e6
        print(f"{args.hosts} hosts, {rows} rows, {size:.1f} MB of results; HTML report {report.stat().st_size / 1e6:.1f} MB")
        medians = {name: statistics.median(values) for name, values in times.items()}
        for name, median in medians.items():
            print(f"  {name:48s} median {median:6.2f} s  (runs: {', '.join(f'{v:.2f}' for v in times[name])})")
        appwarden, reference = medians.values()
        print(f"ratio to json.load alone: {appwarden / reference:.1f}x")
        verdict = "PASS" if appwarden < 5 else "MISS"
        print(f"target: under 5 s for {args.hosts} hosts   measured {appwarden:.2f} s   {verdict}")


if __name__ == "__main__":
    main()
