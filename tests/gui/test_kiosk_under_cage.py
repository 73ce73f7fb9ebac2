"""The kiosk under cage, the Wayland kiosk compositor in Debian that the README's Linux lockdown uses,
with its headless backend (WLR_BACKENDS=headless: a 1280×720 output and no screen). cage refuses to
run as root, so it runs as the throwaway account appwarden-test, with a runtime folder of its own.
Qt reaches it through its Wayland plugin (libwayland-cursor0) and XWayland is there for X programs.

Checked: the unattended self-check passes under cage, and the kiosk's window fills cage's 1280×720
output (cage 0.1.4 maximises every window rather than granting full screen) on Qt's Wayland platform, its welcome screen drawn edge to edge (cage_session.py
says why that picture is Qt's rendering of the window and not grim's of cage's output)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
import tempfile
from pathlib import Path

import pytest

from tests.conftest import SHARED

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root, to run cage as the throwaway account appwarden-test"),
    pytest.mark.skipif(shutil.which("cage") is None or shutil.which("grim") is None,
                       reason="cage and grim are not installed (Debian: apt-get install cage grim xwayland libwayland-cursor0)"),
    pytest.mark.skipif(not (SHARED / "fixtures/phones/android").is_dir(),
                       reason="the capture is the real AndroidQF one in ../shared/fixtures/phones (beside this checkout)"),
]


def cage_run(tmp_path: Path, *kiosk_argv: str, screenshot: Path | None = None) -> tuple[subprocess.CompletedProcess, Path]:
    """`cage -- PYTHON -c LAUNCHER --kiosk ARGV` as appwarden-test (with `screenshot`, through cage_session.py,
    which saves grim's picture of the output there); returns the run and the kiosk's state folder."""
    from tests.core.history.other_account import PROJECT, _import_path, _python_for, second_account

    account = second_account()
    tmp_path.chmod(0o755)
    # Wayland's socket path must be short (108 bytes in all): the runtime folder is not under tmp_path.
    folders = {"run": Path(tempfile.mkdtemp(prefix="aw-run-", dir="/tmp")), "state": tmp_path / "state", "home": tmp_path / "home"}
    for folder in folders.values():
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chown(folder, account.uid, account.gid)
    config = tmp_path / "kiosk.toml"
    config.write_text('[kiosk]\norganisation = { en = "Treasury Board Secretariat", fr = "Secrétariat du Conseil du Trésor" }\n'
                      f'state_folder = "{folders["state"]}"\n')
    python = _python_for(account.uid, account.gid)
    site_folders = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    launcher = (f"import site, sys; [site.addsitedir(f) for f in {site_folders!r}]; "
                "from appwarden.gui.launcher import main_window; sys.exit(main_window())")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": _import_path(), "HOME": str(folders["home"]), "LANG": "C.UTF-8",
           "APPWARDEN_LANG": "en", "XDG_RUNTIME_DIR": str(folders["run"]), "WLR_BACKENDS": "headless",
           "WLR_LIBINPUT_NO_DEVICES": "1", "WLR_RENDERER": "pixman", "QT_QPA_PLATFORM": "wayland"}
    if screenshot is not None:
        session = (f"import runpy, site, sys; [site.addsitedir(f) for f in {site_folders!r}]; "
                   f"runpy.run_path({str(Path(__file__).with_name('cage_session.py'))!r}, run_name='__main__')")
        argv = ["cage", "--", python, "-c", session, str(config), str(folders["run"] / "cage.png")]
    else:
        argv = ["cage", "--", python, "-c", launcher, "--kiosk", "--config", str(config), *kiosk_argv]
    try:
        ran = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=PROJECT, user=account.uid, group=account.gid,
                             extra_groups=[], timeout=180)
        if screenshot is not None and (folders["run"] / "cage.png").exists():
            shutil.copy(folders["run"] / "cage.png", screenshot)
    finally:
        shutil.rmtree(folders["run"], ignore_errors=True)
    return ran, folders["state"]


def readable_capture(tmp_path: Path) -> Path:
    from tests.core.sources.android.test_phone_captures_scanned import capture_with

    (tmp_path / "capture").mkdir()
    folder = capture_with(tmp_path / "capture", "com.tencent.mm")
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    (tmp_path / "capture").chmod(0o755)
    return folder


@pytest.fixture
def open_folder():
    """A folder the throwaway account can reach (pytest's own are root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="aw-cage-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_the_kiosk_self_check_passes_under_cage(open_folder):
    ran, _state = cage_run(open_folder, "--self-check", "--phone-capture", str(readable_capture(open_folder)))
    assert (ran.returncode, ran.stdout) == (0, "Kiosk self-check passed: 1 prohibited application found.\n"), ran.stderr[-2000:]


def test_the_kiosk_is_full_screen_on_cages_output(open_folder, tmp_path):
    from PySide6.QtGui import QImage

    screenshot = tmp_path / "cage.png"
    ran, _state = cage_run(open_folder, screenshot=screenshot)
    seen = json.loads(ran.stdout.strip().splitlines()[-1]) if ran.stdout.strip() else None
    assert seen == {"platform": "wayland", "screen": [1280, 720], "window": [1280, 720], "page": "welcome"}, \
        ran.stdout + ran.stderr[-2000:]
    image = QImage(str(screenshot))
    assert (image.width(), image.height()) == (1280, 720)
    corners = {image.pixelColor(x, y).name() for x, y in ((0, 0), (1279, 0), (0, 719), (1279, 719))}
    assert len(corners) == 1 and corners != {"#000000"}  # the kiosk's own background, edge to edge
