"""A disk cannot steer the terminal: escape sequences, bells and bidi overrides it holds are shown escaped."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from appwarden.core.cli.main import main
from appwarden.core.i18n import Translator
from appwarden.core.policy.loader import load_policies
from appwarden.core.reports.diagnostics import diagnostics_text
from appwarden.core.reports.terminal import escape_controls, terminal_output
from appwarden.core.scan import run_scan
from appwarden.core.target import make_target
from tests.core.sources.linux.test_desktop_entries import write

HOSTNAME = "\x1b[2K\x1b[1Acompliant"
# Retitles the terminal, rings its bell, then turns what follows right to left.
NAME = "\x1b]0;title\x07WeChat\u202e"
FORGED = "No prohibited application found."
HOME = "bob\x1b[2K\u2066"
OBEYED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def steering_disk(tmp_path):
    """A Linux disk with WeChat's menu entry, whose hostname, entry name and a home folder hold escapes."""
    root = tmp_path / "disk"
    write(root / "etc/os-release", "ID=debian\n")
    write(root / "etc/hostname", HOSTNAME + "\n")
    # `\n` is the key-file escape of a newline: the entry's name holds a real one once read.
    entry = f"[Desktop Entry]\nName={NAME}\\n{FORGED}\nExec=/opt/wechat/wechat %U\nType=Application\n"
    write(root / "usr/share/applications/com.tencent.wechat.desktop", entry)
    write(root / "home" / HOME / ".xwechat/config", "x")
    return root


def assert_nothing_is_obeyed(output: str) -> None:
    assert OBEYED.findall(output) == []
    assert FORGED not in output.splitlines()


def test_the_text_report_shows_what_the_disk_wrote_escaped(steering_disk, capsys):
    assert main(["scan", "--root", str(steering_disk), "--format", "text", "--no-history"]) == 1
    out = capsys.readouterr().out
    assert_nothing_is_obeyed(out)
    entry = "/usr/share/applications/com.tencent.wechat.desktop [Application menu and autostart entries]"
    assert f"     - installed: \\x1b]0;title\\x07WeChat\\u202e\\n{FORGED}, {entry}\n" in out
    assert "     - left behind: /home/bob\\x1b[2K\\u2066/.xwechat [Leftover files]\n" in out
    if "\x1b" in make_target(steering_disk).hostname:  # the hostname reader may refuse such a name
        assert out.startswith("AppWarden ") and " check of \\x1b[2K\\x1b[1Acompliant (Linux, " in out.splitlines()[0]


def test_diagnostics_show_it_escaped_too(steering_disk):
    result = run_scan(make_target(steering_disk), load_policies())
    text = diagnostics_text(result, Translator("en"))
    assert_nothing_is_obeyed(text)
    assert (
        "  [wechat] desktop_entries desktop_file:com.tencent.wechat @ /usr/share/applications/com.tencent.wechat.desktop"
        " version=- scope=system; type=Application; exec=/opt/wechat/wechat %U\n"
    ) in text
    assert (
        "  [wechat] leftovers leftover:wechat:{home}/.xwechat @ /home/bob\\x1b[2K\\u2066/.xwechat"
        " version=- type=folder; pattern={home}/.xwechat\n"
    ) in text


def test_the_removal_walk_shows_it_escaped(steering_disk, capsys):
    assert main(["remove", "wechat", "--root", str(steering_disk), "--yes"]) == 1  # on a disk nothing runs
    out = capsys.readouterr().out
    assert_nothing_is_obeyed(out)
    assert "Delete /home/bob\\x1b[2K\\u2066/.xwechat" in out
    assert "    still there: /home/bob\\x1b[2K\\u2066/.xwechat (Leftover files)\n" in out


@given(st.text())
@example("\x1b[2K\x1b[1A\x07\x00\n\r\t\x7f\x85\x9b\u202a\u202e\u2066\u2069\u2028")
def test_escaped_text_holds_no_character_a_terminal_obeys(text):
    escaped = escape_controls(text)
    assert OBEYED.findall(escaped) == [] and "\n" not in escaped and "\t" not in escaped
    assert OBEYED.findall(terminal_output(text)) == []


@given(st.text(st.characters().filter(str.isprintable)))
@example("Désinstaller 微信, « Kaspersky » — ça marche")
@example("C:\\x1b is a printable backslash, x, 1, b")
def test_printable_text_is_shown_as_it_is(text):
    assert escape_controls(text) == text
    assert terminal_output(text) == text


def test_a_whole_output_keeps_its_own_lines_and_tabs():
    assert terminal_output("line 1\n\tline 2\x1b[2K\u202e\n") == "line 1\n\tline 2\\x1b[2K\\u202e\n"
    assert escape_controls("a\nb\tc\rd\x1b\u202e") == "a\\nb\\tc\\rd\\x1b\\u202e"


def test_the_history_listing_shows_a_disks_hostname_escaped(tmp_path):
    import subprocess
    import sys

    from tests.conftest import PROJECT, cli_environment

    disk = tmp_path / "hostile"
    (disk / "etc").mkdir(parents=True)
    (disk / "etc/os-release").write_text("ID=debian\n")
    (disk / "etc/hostname").write_text("desk\x1b[2K\x1b[1Aclean\n")
    env = cli_environment(tmp_path)
    scan = subprocess.run([sys.executable, "-m", "appwarden.core", "scan", "--root", str(disk)], capture_output=True, text=True, cwd=PROJECT, env=env)
    assert scan.returncode in (0, 1), scan.stderr
    listing = subprocess.run([sys.executable, "-m", "appwarden.core", "history"], capture_output=True, text=True, cwd=PROJECT, env=env)
    assert "\x1b" not in listing.stdout
    # The computer name is read with its control characters removed (core.target.computer_name).
    assert "  desk[2K[1Aclean  linux  " in listing.stdout
