"""How an offline check of a macOS disk grows with the number of app bundles, beside `find`.

Synthetic macOS disks with 250, 500, 1000 and 2000 bundles are built once in a temporary folder:
most bundles straight in /Applications, one in five in vendor folders (/Applications/Vendor/X.app),
one in ten an iPhone/iPad app wrapper (X.app/Wrapper/X.app), Info.plists of about 3 KB alternately
binary and XML, each bundle with Contents/MacOS, Resources and _CodeSignature files as real ones
have. Each disk also holds one launchd job per ten bundles and one Homebrew cask per twenty, plus
WeChat and a Kaspersky daemon, so that the check has findings to make (they are verified).

Three things are timed on each disk, 5 rounds, median kept; each round goes over every disk and
every tool in turn, so a slow spell of the machine is shared out, and a warm-up round is discarded
(the page cache then holds the disk, as it would after a first scan):

- `macos_apps`: the applications source alone (`MacApplications().read`);
- `macOS check`: `run_scan` with the three macOS sources and the default pack (walk, read, match);
- `find`: `find <root>/Applications -maxdepth 4 -name Info.plist` as a process, which walks the same
  folders and only lists the files: the cost of the walk, a floor rather than a twin.

    python bench/macos_offline_scale.py
    python bench/macos_offline_scale.py --sizes 250 1000 --runs 3 --json bench/results/macos.json

No network is used; the temporary folder is removed at the end (`--keep` leaves it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import plistlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from appwarden.core.policy.loader import load_policies  # noqa: E402
from appwarden.core.scan import run_scan  # noqa: E402
from appwarden.core.sources.base import ReadRequest, ScanTarget  # noqa: E402
from appwarden.core.sources.macos.homebrew_casks import HomebrewCasks  # noqa: E402
from appwarden.core.sources.macos.apps import MacApplications  # noqa: E402
from appwarden.core.sources.macos.launchd import LaunchdJobs  # noqa: E402
from appwarden.core.target import make_target  # noqa: E402

SIZES = (250, 500, 1000, 2000)
RUNS = 5
MACOS_SOURCES = (MacApplications(), LaunchdJobs(), HomebrewCasks())
EXPECTED_FINDINGS = ["wechat", "kaspersky"]

# --- synthetic disks ------------------------------------------------------------------------


def info_plist(number: int, bundle_id: str, executable: str) -> dict:
    """An Info.plist of the usual size (~3 KB), with document and URL types like a real app's."""
    return {
        "CFBundleDevelopmentRegion": "en",
        "CFBundleDisplayName": f"App {number}",
        "CFBundleDocumentTypes": [
            {"CFBundleTypeName": f"Document {kind}", "CFBundleTypeRole": "Editor",
             "LSItemContentTypes": [f"{bundle_id}.document.{kind}", "public.data"], "LSHandlerRank": "Owner"}
            for kind in range(8)
        ],
        "CFBundleExecutable": executable,
        "CFBundleIdentifier": bundle_id,
        "CFBundleInfoDictionaryVersion": "6.0",
        "CFBundleName": f"App{number}",
        "CFBundlePackageType": "APPL",
        "CFBundleShortVersionString": f"{number % 7}.{number % 13}.{number}",
        "CFBundleURLTypes": [{"CFBundleURLName": bundle_id, "CFBundleURLSchemes": [f"app{number}"]}],
        "CFBundleVersion": str(1000 + number),
        "LSApplicationCategoryType": "public.app-category.productivity",
        "LSMinimumSystemVersion": "11.0",
        "NSHighResolutionCapable": True,
        "NSHumanReadableCopyright": f"Copyright © 2025 Example Vendor {number % 50}. All rights reserved.",
        "NSPrincipalClass": "NSApplication",
    }


def write_plist(path: Path, value: object, binary: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plistlib.dumps(value, fmt=plistlib.FMT_BINARY if binary else plistlib.FMT_XML))


def mac_bundle(bundle: Path, info: dict, binary: bool) -> None:
    contents = bundle / "Contents"
    write_plist(contents / "Info.plist", info, binary)
    (contents / "MacOS").mkdir()
    (contents / "MacOS" / info["CFBundleExecutable"]).write_bytes(b"\xcf\xfa\xed\xfe" + bytes(60))
    (contents / "PkgInfo").write_bytes(b"APPL????")
    (contents / "Resources").mkdir()
    for name in ("AppIcon.icns", "Assets.car", "Base.lproj", "en.lproj", "fr.lproj"):
        (contents / "Resources" / name).write_bytes(b"\x00" * 16)
    (contents / "_CodeSignature").mkdir()
    (contents / "_CodeSignature/CodeResources").write_bytes(b"<plist/>")


def ios_wrapper(wrapper: Path, info: dict, binary: bool) -> None:
    inner = wrapper / "Wrapper" / wrapper.name
    write_plist(inner / "Info.plist", info, binary)
    (inner / info["CFBundleExecutable"]).write_bytes(b"\xcf\xfa\xed\xfe" + bytes(60))
    metadata = {"softwareVersionBundleId": info["CFBundleIdentifier"], "itemName": info["CFBundleDisplayName"],
                "bundleShortVersionString": info["CFBundleShortVersionString"], "artistName": "Example"}
    write_plist(wrapper / "Wrapper/iTunesMetadata.plist", metadata, False)
    (wrapper / "WrappedBundle").symlink_to(f"Wrapper/{wrapper.name}")


def bundle_path(applications: Path, number: int) -> Path:
    if number % 5 == 1:  # one in five in a vendor folder of up to ten apps
        return applications / f"Vendor {number // 50}" / f"App {number}.app"
    return applications / f"App {number}.app"


def build_disk(root: Path, bundles: int) -> None:
    """A macOS disk with `bundles` app bundles (WeChat among them), jobs and casks."""
    write_plist(root / "System/Library/CoreServices/SystemVersion.plist",
                {"ProductName": "macOS", "ProductVersion": "14.5"}, False)
    applications = root / "Applications"
    for number in range(bundles - 1):
        bundle_id, executable = f"com.example.vendor{number % 50}.app{number}", f"App{number}"
        info = info_plist(number, bundle_id, executable)
        if number % 10 == 3:
            ios_wrapper(applications / f"App {number}.app", info, binary=number % 2 == 0)
        else:
            mac_bundle(bundle_path(applications, number), info, binary=number % 2 == 0)
    wechat = info_plist(0, "com.tencent.xinWeChat", "WeChat")
    mac_bundle(applications / "WeChat.app", dict(wechat, CFBundleDisplayName="WeChat"), binary=True)
    for number in range(bundles // 10):
        label = "com.kaspersky.kav" if number == 0 else f"com.example.vendor{number}.agent"
        folder = "LaunchDaemons" if number % 2 == 0 else "LaunchAgents"
        job = {"Label": label, "ProgramArguments": [f"/Library/Application Support/{label}/run", "--daemon"]}
        write_plist(root / "Library" / folder / f"{label}.plist", job, binary=number % 2 == 1)
    for number in range(bundles // 20):
        (root / "opt/homebrew/Caskroom" / f"example-cask-{number}" / f"{number}.0.1").mkdir(parents=True)


def count_files(root: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(root))


# --- timing ---------------------------------------------------------------------------------


@dataclass
class Row:
    bundles: int
    files: int
    apps_ms: float
    check_ms: float
    find_ms: float
    apps_us_per_bundle: float
    check_us_per_bundle: float
    apps_over_find: float
    check_over_find: float


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def apps_source(target: ScanTarget, bundles: int) -> Callable[[], None]:
    def run() -> None:
        result = MacApplications().read(ReadRequest(target))
        if len(result.items) != bundles or result.coverage.problems:
            raise SystemExit(f"macos_apps read {len(result.items)} of {bundles} bundles: {result.coverage.detail}")
    return run


def macos_check(target: ScanTarget, policies) -> Callable[[], None]:
    def run() -> None:
        found = [finding.rule.id for finding in run_scan(target, policies, sources=MACOS_SOURCES).findings]
        if found != EXPECTED_FINDINGS:
            raise SystemExit(f"the check found {found}, expected {EXPECTED_FINDINGS}")
    return run


def find_walk(root: Path, bundles: int) -> Callable[[], None]:
    command = ["find", str(root / "Applications"), "-maxdepth", "4", "-name", "Info.plist"]

    def run() -> None:
        listed = subprocess.run(command, stdout=subprocess.PIPE, check=True).stdout.count(b"\n")
        if listed != bundles:
            raise SystemExit(f"find listed {listed} Info.plist files, expected {bundles}")
    return run


def measure(disks: dict[int, Path], runs: int) -> list[Row]:
    policies = load_policies()
    targets = {size: make_target(root) for size, root in disks.items()}
    tools = {
        size: {
            "apps": apps_source(targets[size], size),
            "check": macos_check(targets[size], policies),
            "find": find_walk(disks[size], size),
        }
        for size in disks
    }
    samples: dict[tuple[int, str], list[float]] = {(size, tool): [] for size in disks for tool in tools[size]}
    for round_number in range(runs + 1):  # round 0 warms the page cache and is discarded
        for size in disks:
            for tool, run in tools[size].items():
                seconds = timed(run)
                if round_number:
                    samples[(size, tool)].append(seconds)
    rows = []
    for size, root in disks.items():
        apps, check, find = (statistics.median(samples[(size, tool)]) for tool in ("apps", "check", "find"))
        rows.append(Row(size, count_files(root), apps * 1e3, check * 1e3, find * 1e3,
                        apps / size * 1e6, check / size * 1e6, apps / find, check / find))
    return rows


def print_table(rows: list[Row], runs: int) -> None:
    print(f"median of {runs} runs per disk (1 warm-up round discarded)\n")
    header = (f"{'bundles':>7} {'files':>6} {'apps ms':>8} {'us/bundle':>9} {'check ms':>9} {'us/bundle':>9} "
              f"{'find ms':>8} {'apps/find':>9} {'check/find':>10}")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row.bundles:>7} {row.files:>6} {row.apps_ms:>8.1f} {row.apps_us_per_bundle:>9.1f} "
              f"{row.check_ms:>9.1f} {row.check_us_per_bundle:>9.1f} {row.find_ms:>8.1f} "
              f"{row.apps_over_find:>8.1f}x {row.check_over_find:>9.1f}x")
    first = rows[0]
    print(f"\nlinear growth: time per bundle at N / at {first.bundles} bundles (expected ~1)")
    for row in rows[1:]:
        print(f"  {row.bundles:>5}: macos_apps {row.apps_us_per_bundle / first.apps_us_per_bundle:5.2f}   "
              f"macOS check {row.check_us_per_bundle / first.check_us_per_bundle:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="leave the synthetic disks in place")
    args = parser.parse_args()
    if shutil.which("find") is None:
        raise SystemExit("this benchmark needs the find command")
    folder = Path(tempfile.mkdtemp(prefix="appwarden-macos-bench-"))
    try:
        started = time.perf_counter()
        disks = {}
        for size in sorted(args.sizes):
            disks[size] = folder / f"mac-{size}"
            build_disk(disks[size], size)
        print(f"built {len(disks)} disks in {time.perf_counter() - started:.1f} s under {folder}")
        rows = measure(disks, args.runs)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print_table(rows, args.runs)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        meta = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "python": platform.python_version(),
                "machine": platform.machine(), "cpus": os.cpu_count(), "runs": args.runs}
        args.json.write_text(json.dumps({"meta": meta, "rows": [asdict(row) for row in rows]}, indent=2))


if __name__ == "__main__":
    main()
