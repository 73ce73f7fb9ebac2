"""`appwarden-gui --self-check`: the window opens, checks the disk and exits 0 only once it shows the result."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import cli_environment
from tests.gui.window_fixtures import linux_disk

OPEN_WINDOW = "import sys; from appwarden.gui.launcher import main_window; sys.exit(main_window())"


def self_check(tmp_path, *argv: str) -> subprocess.CompletedProcess:
    env = cli_environment(tmp_path)
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run([sys.executable, "-c", OPEN_WINDOW, "--self-check", *argv],
                          env=env, capture_output=True, text=True, timeout=150)


def test_passes_when_the_window_shows_the_findings(tmp_path):
    done = self_check(tmp_path, "--root", str(linux_disk(tmp_path / "disk")))
    assert (done.returncode, done.stdout) == (0, "Self-check passed: 1 prohibited application found.\n")


def test_passes_on_a_compliant_disk_and_speaks_french(tmp_path):
    disk = linux_disk(tmp_path / "disk", status="Package: hello\nStatus: install ok installed\nVersion: 2.12\n\n")
    done = self_check(tmp_path, "--root", str(disk), "--lang", "fr", "--os", "linux")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Autovérification réussie : Aucune application interdite trouvée.\n"


def test_fails_with_the_reason_the_window_shows(tmp_path):
    done = self_check(tmp_path, "--root", str(tmp_path / "missing"))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines()[-1] == (
        f"Self-check failed: {tmp_path / 'missing'} is not a folder. Give --root the folder where the other disk is mounted."
    )


def test_fails_when_no_result_comes_in_time(tmp_path, qtbot, capsys):
    from appwarden.gui.app import run_self_check
    from appwarden.gui.launcher import window_arguments

    options = window_arguments(["--self-check", "--root", str(linux_disk(tmp_path / "disk"))])
    assert run_self_check(options, seconds=0) == 1
    assert capsys.readouterr().err.splitlines()[-1] == "Self-check failed: no result after 0 seconds"


def test_a_disk_whose_files_are_fifos_still_gives_a_result(tmp_path):
    """Before, a FIFO as the dpkg database or the hostname left the window waiting: "no result
    after 120 seconds", and the process never exited."""
    import os

    disk = linux_disk(tmp_path / "disk")
    os.remove(disk / "var/lib/dpkg/status")
    os.mkfifo(disk / "var/lib/dpkg/status")
    os.remove(disk / "etc/hostname")
    os.mkfifo(disk / "etc/hostname")
    done = self_check(tmp_path, "--root", str(disk))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Self-check passed: ")
