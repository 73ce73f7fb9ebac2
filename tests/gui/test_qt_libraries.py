"""The window on a real X display (Xvfb, Qt's xcb platform): a missing screen library is named with its
packages before Qt aborts, and with every library the self-check passes; `appwarden --lang fr` opens
the window in French."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import PySide6
from tests.conftest import cli_environment
from tests.gui.window_fixtures import linux_disk
from tests.sandbox import sandbox_problem

XCB_PLUGIN = Path(PySide6.__file__).parent / "Qt/plugins/platforms/libqxcb.so"
GLIBC = {"linux-vdso.so.1", "libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "ld-linux-x86-64.so.2"}
HIDDEN = "libxcb-icccm.so.4"
HIDE_THEN_OPEN = """
import subprocess, sys
for path in {paths!r}:
    subprocess.run(["mount", "--bind", {empty!r}, path], check=True)
from appwarden.gui.launcher import main, main_window
sys.exit({call})
"""

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or not XCB_PLUGIN.exists(),
                                reason="Qt's xcb platform plugin is for Linux")


def plugin_libraries() -> dict[str, str]:
    """What the xcb plugin loads, from `ldd`: soname to the path the loader finds ("not found" when none)."""
    found = {}
    for line in subprocess.run(["ldd", str(XCB_PLUGIN)], capture_output=True, text=True, check=True).stdout.splitlines():
        name, _, where = line.strip().partition(" => ")
        found[Path(name.split(" (")[0]).name] = where.split(" (")[0]
    return found


@pytest.fixture(scope="module")
def x_display():
    """A display of its own: Xvfb picks a free number and writes it to a pipe once it accepts clients."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (Debian package xvfb, in tests/debian-packages.txt), so there is no X display")
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", "1280x800x24"],
                              pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    if not number:
        server.kill()
        pytest.fail(f"Xvfb did not start (exit code {server.wait(10)})")
    yield f":{number}"
    server.terminate()
    server.wait(10)


def window_environment(tmp_path: Path, display: str) -> dict[str, str]:
    env = {k: v for k, v in cli_environment(tmp_path).items() if k not in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), QT_QPA_PLATFORM="xcb", DISPLAY=display)
    return env


def test_every_system_library_of_the_xcb_plugin_has_its_packages():
    from appwarden.gui.launcher import XCB_SYSTEM_LIBRARIES

    system = {name for name, where in plugin_libraries().items() if str(Path(PySide6.__file__).parent) not in where}
    assert system - GLIBC - set(XCB_SYSTEM_LIBRARIES) == set()


@pytest.mark.parametrize(("call", "sentence"), [
    ("main_window()",
     "The window cannot open because part of Qt's screen support is missing from this computer (libxcb-icccm.so.4): "
     "on Debian or Ubuntu run sudo apt-get install libxcb-icccm4, on Fedora run sudo dnf install xcb-util-wm."),
    ("main(['--lang', 'fr'])",
     "La fenêtre ne peut pas s’ouvrir, car une partie de la prise en charge de l’écran par Qt manque sur cet ordinateur "
     "(libxcb-icccm.so.4) : sous Debian ou Ubuntu, exécutez sudo apt-get install libxcb-icccm4; sous Fedora, exécutez "
     "sudo dnf install xcb-util-wm."),
], ids=["self-check", "french"])
def test_a_missing_screen_library_is_named_with_its_package(tmp_path, x_display, call, sentence):
    """The library is made unloadable in a private mount namespace (an empty file bound over it), as
    on a machine without libxcb-icccm4; before, Qt aborted with exit code 134."""
    if sandbox_problem() is not None:
        pytest.skip(f"hiding {HIDDEN} needs a private mount namespace: {sandbox_problem()}")
    where = plugin_libraries()[HIDDEN]
    paths = [] if where == "not found" else [where]
    (tmp_path / "empty").write_bytes(b"")
    script = HIDE_THEN_OPEN.format(paths=paths, empty=str(tmp_path / "empty"), call=call)
    argv = ["--self-check", "--root", str(linux_disk(tmp_path / "disk"))] if call == "main_window()" else []
    done = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable, "-c", script, *argv],
                          env=window_environment(tmp_path, x_display), capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr, done.stdout) == (2, sentence + "\n", "")


def test_with_every_library_the_self_check_passes_on_xcb(tmp_path, x_display):
    from appwarden.gui.launcher import missing_xcb_libraries

    missing = missing_xcb_libraries()
    if missing:
        pytest.skip(f"this machine lacks {', '.join(missing)}: install the xcb packages of tests/debian-packages.txt")
    done = subprocess.run([sys.executable, "-c", "import sys; from appwarden.gui.launcher import main_window; sys.exit(main_window())",
                           "--self-check", "--root", str(linux_disk(tmp_path / "disk"))],
                          env=window_environment(tmp_path, x_display), capture_output=True, text=True, timeout=150)
    assert (done.returncode, done.stdout) == (0, "Self-check passed: 1 prohibited application found.\n"), done.stderr


def test_lang_with_no_command_opens_the_window_in_french(tmp_path):
    """`appwarden --lang fr` (here with the window's --self-check): before, the command line took it
    and printed its usage in English."""
    env = dict(cli_environment(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", "import sys; from appwarden.gui.launcher import main; sys.exit(main())",
                           "--lang", "fr", "--self-check", "--root", str(linux_disk(tmp_path / "disk"))],
                          env=env, capture_output=True, text=True, timeout=150)
    assert (done.returncode, done.stdout) == (0, "Autovérification réussie : 1 application interdite trouvée.\n"), done.stderr


@pytest.mark.parametrize(("argv", "window"), [
    (["--lang", "fr"], ["--lang", "fr"]),
    (["--lang=fr"], ["--lang=fr"]),
    (["--lang", "fr", "gui", "--root", "/mnt"], ["--lang", "fr", "--root", "/mnt"]),
    (["--root", "/mnt"], ["--root", "/mnt"]),
    (["--lang", "fr", "scan"], None),
    (["--lang", "fr", "--help"], None),
    (["--version"], None),
])
def test_the_window_opens_when_no_command_is_named(argv, window):
    from appwarden.gui.launcher import window_request

    assert window_request(argv) == window
