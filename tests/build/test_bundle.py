"""The PyInstaller bundle from build.spec, built once into a temporary folder, and its executables run:
the version, a JSON scan of a fixture disk, and the window's and the kiosk's self-checks on the offscreen platform."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from appwarden.core.version import __version__
from tests.conftest import PROJECT, SHARED, cli_environment
from tests.core.sources.conftest import windows_disk, windows_hives  # noqa: F401 (fixtures)
from tests.gui.window_fixtures import linux_disk

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None,
                       reason="PyInstaller is not installed (pip install -e '.[test]' brings it)"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the bundle test runs the Linux executables"),
]

FORBIDDEN_QT = ("QtWebEngine", "QtQml", "QtQuick", "Qt3D", "QtMultimedia")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """dist/appwarden/ built from build.spec, once for this module."""
    work = tmp_path_factory.mktemp("pyinstaller")
    build = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(work / "dist"), "--workpath", str(work / "build"), str(PROJECT / "build.spec")],
        cwd=work, capture_output=True, text=True, timeout=900,
    )
    assert build.returncode == 0, build.stderr[-4000:]
    return work / "dist" / "appwarden"


def run(bundle: Path, tmp_path: Path, *argv: str, offscreen: bool = False) -> subprocess.CompletedProcess:
    env = cli_environment(tmp_path)
    env.pop("PYTHONPATH")  # the bundle must find everything inside itself
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    if offscreen:
        env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run([str(bundle / argv[0]), *argv[1:]], env=env, capture_output=True, text=True, timeout=180)


def test_both_executables_share_one_folder(bundle):
    assert sorted(p.name for p in bundle.iterdir()) == ["_internal", "appwarden", "appwarden-gui"]
    assert (bundle / "_internal/assets/policies/canada.toml").is_file()
    assert (bundle / "_internal/assets/icons/appwarden.png").is_file()


@pytest.mark.parametrize("command", [("appwarden", "--version"), ("appwarden", "gui", "--version"), ("appwarden-gui", "--version")])
def test_version(bundle, tmp_path, command):
    done = run(bundle, tmp_path, *command)
    assert (done.returncode, done.stdout) == (0, f"appwarden {__version__}\n")


def test_json_scan_of_a_disk_with_a_prohibited_app(bundle, tmp_path):
    root = linux_disk(tmp_path / "disk")
    done = run(bundle, tmp_path, "appwarden", "scan", "--format", "json", "--root", str(root), "--no-history")
    assert done.returncode == 1, done.stderr
    rules = {finding["rule"] for finding in json.loads(done.stdout)["findings"]}
    assert "wechat" in rules


def test_json_scan_of_a_windows_disk_reads_its_registry(bundle, tmp_path, windows_disk):
    """regipy reads the hives inside the bundle: it needs pytz.utc, and the bundle leaves out
    pytz's time-zone database (build.spec), which pytz.utc does not use."""
    done = run(bundle, tmp_path, "appwarden", "scan", "--format", "json", "--root", str(windows_disk), "--no-history")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    registry_sources = [c for c in report["coverage"] if c["source"] == "windows_uninstall"]
    assert [c["status"] for c in registry_sources] == ["ok"], report["coverage"]
    assert {"wechat", "kaspersky"} <= {finding["rule"] for finding in report["findings"]}


def test_no_time_zone_database_is_bundled(bundle):
    assert not list((bundle / "_internal").glob("pytz/zoneinfo/*"))


@pytest.mark.parametrize("program", [("appwarden-gui",), ("appwarden", "gui")])
def test_window_self_check(bundle, tmp_path, program):
    """The window program, and the console one, which sets Qt up only when it opens the window."""
    root = linux_disk(tmp_path / "disk")
    done = run(bundle, tmp_path, *program, "--self-check", "--root", str(root), offscreen=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Self-check passed: 1 prohibited application found.\n"


def test_the_console_program_loads_no_qt_for_a_check(bundle, tmp_path):
    """PySide6's runtime hook imports Qt at start; the console program leaves it out, so a check
    opens no Qt library (strace shows every file the program opens)."""
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed; it shows which files the program opens")
    root = linux_disk(tmp_path / "disk")
    env = cli_environment(tmp_path)
    env.pop("PYTHONPATH")
    trace = tmp_path / "trace"
    done = subprocess.run(["strace", "-f", "-qq", "-e", "trace=openat,open", "-o", str(trace), str(bundle / "appwarden"),
                           "scan", "--format", "json", "--root", str(root), "--no-history"],
                          env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 1, done.stderr
    opened = trace.read_text()
    assert "libQt6Core" not in opened and "QtCore" not in opened


@pytest.mark.skipif(not (SHARED / "fixtures/phones/android").is_dir(),
                    reason="the capture is the real AndroidQF one in ../shared/fixtures/phones (beside this checkout)")
def test_kiosk_self_check(bundle, tmp_path):
    """How a kiosk computer is checked after install: a whole kiosk session, unattended, on a capture
    (and the receipt's QR code drawn by the bundled segno)."""
    from tests.core.sources.android.test_phone_captures_scanned import capture_with

    capture = capture_with(tmp_path, "com.tencent.mm")
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\nstate_folder = "{tmp_path / "kiosk-state"}"\n')
    done = run(bundle, tmp_path, "appwarden-gui", "--kiosk", "--config", str(config), "--self-check",
               "--phone-capture", str(capture), offscreen=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Kiosk self-check passed: 1 prohibited application found.\n"


def test_no_unused_qt_modules(bundle):
    bundled = [path.name for path in bundle.rglob("*")]
    assert [name for name in bundled if any(module in name for module in FORBIDDEN_QT)] == []
    assert "libQt6Widgets.so.6" in bundled  # the check above looks at the right names


def test_the_bundle_checks_a_phone_through_its_own_adb_client(bundle, tmp_path):
    """adb-shell, cryptography (AppWarden's key) and libusb1's Python side are inside the bundle: it
    checks the stand-in phone (the real ADB protocol on 127.0.0.1; no phone exists here)."""
    from tests.phone_standin import PhonePackage, StandInPhone

    with StandInPhone(packages=[PhonePackage("com.tencent.mm")]) as phone:
        done = run(bundle, tmp_path, "appwarden", "scan", "--phone", "auto", "--connect", phone.address,
                   "--format", "json", "--no-history")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert [f["rule"] for f in report["findings"]] == ["wechat"] and report["findings"][0]["enforcement"] == "required"
