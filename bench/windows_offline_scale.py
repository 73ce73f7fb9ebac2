"""How the offline Windows sources scale with the number of installed programs and Store apps,
side by side with hivexregedit reading the same Uninstall key of the same hive.

Synthetic offline Windows disks are built in a cache folder: a SOFTWARE hive holding N uninstall
entries (N = 500, 1000, 2500, 5000), made from the shared SOFTWARE stand-in hive
(../shared/fixtures/windows-hives) with `hivexregedit --merge` of a generated .reg file; the shared
SYSTEM hive (467 services); and M Microsoft Store packages (M = 50, 100, 250, 500), each a
WindowsApps folder with an AppxManifest.xml and a user's Packages folder. One entry in ten has a
Chinese display name; one package in ten belongs to a family with a resource package beside it.

For each size the script times, in this process, each Windows source reading the disk
(`source.read(ReadRequest(target))`, a fresh hive reader each time) and a whole `run_scan` with
the default pack, 5 rounds, median kept; rounds go over all sizes in turn. The reference is
`hivexregedit --export <SOFTWARE> '\\Microsoft\\Windows\\CurrentVersion\\Uninstall'` (libhivex, C,
driven by Perl) on the same hive, as a process with its output sent to /dev/null: it reads every
key and value AppWarden's uninstall source reads, and prints them. Its time includes starting Perl.

    python bench/windows_offline_scale.py                 # all sizes (first run builds the hives)
    python bench/windows_offline_scale.py --quick         # N = 500, 1000; M = 50, 100
    python bench/windows_offline_scale.py --json bench/results/windows.json

Needs hivexregedit (Debian package libhivex-bin). No network is used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import lzma
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from appwarden.core.policy.loader import load_policies  # noqa: E402
from appwarden.core.scan import run_scan  # noqa: E402
from appwarden.core.sources.base import ReadRequest  # noqa: E402
from appwarden.core.sources.windows.services import WindowsServices  # noqa: E402
from appwarden.core.sources.windows.store import WindowsStorePackages  # noqa: E402
from appwarden.core.sources.windows.uninstall import WindowsUninstallEntries  # noqa: E402
from appwarden.core.target import make_target  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
HIVES = PROJECT.parent / "shared" / "fixtures" / "windows-hives"
SIZES = ((500, 50), (1000, 100), (2500, 250), (5000, 500))
QUICK_SIZES = SIZES[:2]
REPEATS = 5
UNINSTALL = r"\Microsoft\Windows\CurrentVersion\Uninstall"
BUILD_VERSION = "2"  # bump when the synthetic disks change, so that cached ones are rebuilt


def reg_string(text: str) -> str:
    """A REG_SZ in a .reg file: plain when ASCII, else hex(1) UTF-16LE bytes."""
    if text.isascii():
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "hex(1):" + ",".join(f"{byte:02x}" for byte in (text + "\0").encode("utf-16-le"))


def uninstall_reg(count: int) -> str:
    lines = ["Windows Registry Editor Version 5.00", ""]
    for number in range(count):
        folder = f"C:\\Program Files\\Vendor{number % 97:02d}\\App{number:05d}"
        name = f"应用程序 {number}" if number % 10 == 0 else f"Bench App {number}"
        lines += [
            f"[HKEY_LOCAL_MACHINE\\SOFTWARE{UNINSTALL}\\BenchApp{number:05d}]",
            f'"DisplayName"={reg_string(name)}',
            f'"Publisher"={reg_string(f"Vendor {number % 97} Ltd")}',
            f'"DisplayVersion"="{number % 9}.{number % 13}.{number}"',
            f'"InstallLocation"={reg_string(folder)}',
            f'"UninstallString"={reg_string(chr(34) + folder + chr(92) + "uninstall.exe" + chr(34) + " /S")}',
            f'"DisplayIcon"={reg_string(folder + chr(92) + "app.exe,0")}',
            '"EstimatedSize"=dword:00004000',
            '"NoModify"=dword:00000001',
            "",
        ]
    return "\r\n".join(lines)


MANIFEST = """<?xml version="1.0" encoding="utf-8"?>
<Package xmlns="http://schemas.microsoft.com/appx/manifest/foundation/windows10" IgnorableNamespaces="">
  <Identity Name="{name}" Publisher="CN=Bench Publisher {number}" Version="{version}" ProcessorArchitecture="x64" />
  <Properties>
    <DisplayName>Bench Store App {number}</DisplayName>
    <PublisherDisplayName>Bench Publisher {number}</PublisherDisplayName>
    <Logo>Assets\\StoreLogo.png</Logo>
  </Properties>
  <Dependencies>
    <TargetDeviceFamily Name="Windows.Desktop" MinVersion="10.0.17763.0" MaxVersionTested="10.0.22621.0" />
  </Dependencies>
  <Resources><Resource Language="EN-US" /></Resources>
  <Applications><Application Id="App" Executable="App.exe" EntryPoint="Windows.FullTrustApplication" /></Applications>
</Package>
"""


def add_store_packages(root: Path, count: int) -> None:
    apps = root / "Program Files/WindowsApps"
    packages = root / "Users/bench/AppData/Local/Packages"
    for number in range(count):
        name, version, publisher_id = f"Bench.StoreApp{number:04d}", f"1.{number % 50}.{number}.0", "8wekyb3d8bbwe"
        folder = apps / f"{name}_{version}_x64__{publisher_id}"
        folder.mkdir(parents=True)
        (folder / "AppxManifest.xml").write_text(MANIFEST.format(name=name, number=number, version=version))
        if number % 10 == 0:
            (apps / f"{name}_{version}_neutral_split.scale-125_{publisher_id}").mkdir()
        (packages / f"{name}_{publisher_id}" / "LocalState").mkdir(parents=True)


def build_disk(cache: Path, entries: int, packages: int) -> Path:
    """An offline Windows disk with `entries` uninstall entries and `packages` Store apps (cached)."""
    base = HIVES / "ntuser_software_partial.xz"
    key = hashlib.sha256(f"{BUILD_VERSION}:{entries}:{packages}:{base.read_bytes()[:4096].hex()}".encode()).hexdigest()[:12]
    root = cache / f"windows-{entries}-{packages}-{key}"
    if (root / "done").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    config = root / "Windows/System32/config"
    config.mkdir(parents=True)
    software = config / "SOFTWARE"
    software.write_bytes(lzma.decompress(base.read_bytes()))
    (config / "SYSTEM").write_bytes(lzma.decompress((HIVES / "SYSTEM.xz").read_bytes()))
    reg = root / "entries.reg"
    reg.write_text(uninstall_reg(entries), encoding="utf-8")
    subprocess.run(
        ["hivexregedit", "--merge", "--prefix", "HKEY_LOCAL_MACHINE\\SOFTWARE", str(software), str(reg)], check=True
    )
    reg.unlink()
    add_store_packages(root, packages)
    (root / "done").write_text(dt.datetime.now(dt.timezone.utc).isoformat())
    return root


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def reference(software: Path) -> float:
    with open(os.devnull, "wb") as sink:
        command = ["hivexregedit", "--export", str(software), UNINSTALL]
        return timed(lambda: subprocess.run(command, stdout=sink, check=True))


def measure(roots: dict[tuple[int, int], Path], repeats: int) -> dict[tuple[int, int], dict[str, float]]:
    policies = load_policies()
    samples: dict[tuple[int, int], dict[str, list[float]]] = {size: {} for size in roots}
    counts: dict[tuple[int, int], dict[str, int]] = {size: {} for size in roots}
    sources = {"uninstall": WindowsUninstallEntries(), "store": WindowsStorePackages(), "services": WindowsServices()}
    for round_number in range(repeats + 1):  # round 0 warms the file cache and is discarded
        for size, root in roots.items():
            target = make_target(root)
            for label, source in sources.items():
                start = time.perf_counter()
                result = source.read(ReadRequest(target))
                elapsed = time.perf_counter() - start
                counts[size][label] = len(result.items)
                if round_number:
                    samples[size].setdefault(label, []).append(elapsed)
            scan = timed(lambda: run_scan(target, policies))
            hivex = reference(root / "Windows/System32/config/SOFTWARE")
            if round_number:
                samples[size].setdefault("scan", []).append(scan)
                samples[size].setdefault("hivexregedit", []).append(hivex)
    results = {}
    for size in roots:
        results[size] = {label: statistics.median(values) for label, values in samples[size].items()}
        results[size] |= {f"{label}_items": count for label, count in counts[size].items()}
    return results


def report(results: dict[tuple[int, int], dict[str, float]]) -> list[str]:
    lines = [
        f"median of {REPEATS} runs per size (1 warm-up round discarded); times in ms",
        "",
        "    N entries  uninstall  us/entry  hivexregedit  AW/hivex |  M pkgs   store  us/pkg | services  whole scan",
        "-" * 106,
    ]
    for (entries, packages), row in results.items():
        uninstall_items, store_items = row["uninstall_items"], row["store_items"]
        per_entry = row["uninstall"] / uninstall_items * 1e6
        lines.append(
            f"{entries:>6} ({uninstall_items:>4}) {row['uninstall'] * 1e3:>9.1f} {per_entry:>9.1f}"
            f" {row['hivexregedit'] * 1e3:>13.1f} {row['uninstall'] / row['hivexregedit']:>8.2f}x |"
            f" {packages:>4} ({store_items:>4}) {row['store'] * 1e3:>6.1f} {row['store'] / store_items * 1e6:>7.1f} |"
            f" {row['services'] * 1e3:>8.1f} {row['scan'] * 1e3:>11.1f}"
        )
    sizes = list(results)
    first, last = results[sizes[0]], results[sizes[-1]]
    per_entry = (last["uninstall"] / last["uninstall_items"]) / (first["uninstall"] / first["uninstall_items"])
    per_package = (last["store"] / last["store_items"]) / (first["store"] / first["store_items"])
    lines += [
        "",
        "linear growth: time per item at the largest size / at the smallest (expected ~1):",
        f"  uninstall entries ({sizes[0][0]} -> {sizes[-1][0]}): {per_entry:.2f}",
        f"  Store packages    ({sizes[0][1]} -> {sizes[-1][1]}): {per_package:.2f}",
        "(counts in brackets are the items read: the stand-in hive has 5 entries of its own, and",
        " each Store app gives a machine item and a user item)",
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the two smallest sizes only")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "appwarden-bench-windows",
                        help="where built disks are kept between runs (default: %(default)s)")
    args = parser.parse_args()
    if not HIVES.is_dir():
        sys.exit(f"the shared Windows hive fixtures are not at {HIVES}")
    if shutil.which("hivexregedit") is None:
        sys.exit("hivexregedit is not installed (Debian package libhivex-bin)")
    sizes = QUICK_SIZES if args.quick else SIZES
    args.cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    roots = {size: build_disk(args.cache, *size) for size in sizes}
    built = time.perf_counter() - started
    results = measure(roots, REPEATS)
    print("\n".join(report(results)))
    print(f"\n(disks ready in {built:.1f} s, measured in {time.perf_counter() - started - built:.1f} s)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
            "sizes": [{"entries": n, "packages": m, **row} for (n, m), row in results.items()],
        }
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
