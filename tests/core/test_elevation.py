"""Check all accounts: the elevated AppWarden writes only into the file prepared for it, and the
asking side tells a finished check from a declined prompt.

This machine has no system D-Bus, so polkit's pkexec cannot run here: the adapter is tested with a
stand-in `pkexec` on a temporary PATH that runs its arguments as this test's user, root, and sets
PKEXEC_UID as pkexec does. The elevated child it starts is the real AppWarden, checking this
machine for real with root's rights.
"""

from __future__ import annotations

import json
import os
import stat
import sys

import pytest

from appwarden.core.elevation import (
    ElevatedCheckError,
    Pkexec,
    appwarden_command,
    elevated_scan_arguments,
    elevation_for,
    how_an_administrator_checks,
    prepare_report_file,
    run_elevated_check,
    write_into_prepared_file,
)
from appwarden.core.errors import UsageError

STAND_IN_PKEXEC = '#!/bin/sh\n# pkexec stand-in: no polkit here; this test already runs as root.\nPKEXEC_UID=$(id -u) exec "$@"\n'


@pytest.fixture
def stand_in_pkexec(tmp_path, monkeypatch):
    """A `pkexec` first on PATH; its body can be replaced to end as a declined prompt does."""
    folder = tmp_path / "bin"
    folder.mkdir()
    program = folder / "pkexec"

    def install(body: str = STAND_IN_PKEXEC) -> Pkexec:
        program.write_text(body)
        program.chmod(0o755)
        monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
        elevation = elevation_for("linux")
        assert isinstance(elevation, Pkexec) and elevation.program == str(program)
        return elevation

    return install


@pytest.fixture
def prepared():
    report = prepare_report_file()
    yield report
    report.remove()


def test_the_prepared_file_is_empty_in_a_folder_only_this_account_opens(prepared):
    assert stat.S_IMODE(prepared.folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(prepared.file.stat().st_mode) == 0o600 and prepared.file.stat().st_size == 0
    prepared.remove()
    assert not prepared.folder.exists()


def test_the_elevated_check_is_the_same_check_in_english_without_history(prepared, tmp_path):
    pack = tmp_path / "extra.toml"
    assert elevated_scan_arguments(prepared, (str(pack),), True) == [
        "scan", "--format", "json", "--no-history", "--lang", "en", "--write-into", str(prepared.file),
        "--policy", str(pack), "--no-default-policy",
    ]
    assert appwarden_command() == [sys.executable, "-m", "appwarden.core"]


@pytest.mark.skipif(os.geteuid() != 0, reason="the stand-in pkexec gives the child this test's rights, which must be root's")
def test_check_all_accounts_reads_every_account_with_root_rights(stand_in_pkexec, prepared):
    report = run_elevated_check(stand_in_pkexec(), elevated_scan_arguments(prepared, (), False), prepared)
    assert report["scope"]["every_account"] is True and report["scope"]["accounts_not_checked"] == []
    assert {"name": "root", "home": "/root"} in report["scope"]["accounts_checked"]
    assert (report["target"]["live"], report["language"]) == (True, "en")
    assert report["scope"]["sentence"] == "The system and every account on this computer were checked."


@pytest.mark.parametrize("code", [126, 127])
def test_a_declined_prompt_is_no_result_and_no_error(stand_in_pkexec, prepared, code):
    elevation = stand_in_pkexec(f"#!/bin/sh\nexit {code}\n")
    assert run_elevated_check(elevation, elevated_scan_arguments(prepared, (), False), prepared) is None


def test_an_elevated_check_that_fails_says_so(stand_in_pkexec, prepared):
    elevation = stand_in_pkexec('#!/bin/sh\necho "Cannot tell" >&2\nexit 2\n')
    with pytest.raises(ElevatedCheckError) as raised:
        run_elevated_check(elevation, elevated_scan_arguments(prepared, (), False), prepared)
    assert (raised.value.message, raised.value.detail) == ("The check with administrator rights stopped (exit code 2).", "Cannot tell")


def test_an_elevated_check_that_wrote_nothing_gave_no_report(stand_in_pkexec, prepared):
    with pytest.raises(ElevatedCheckError) as raised:
        run_elevated_check(stand_in_pkexec("#!/bin/sh\nexit 0\n"), [], prepared)
    assert (raised.value.message, raised.value.detail) == ("The check with administrator rights gave no report.", "empty")


def test_where_appwarden_cannot_elevate_it_says_how_an_administrator_checks(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pkexec
    assert elevation_for("linux") is None and elevation_for("macos") is None
    assert how_an_administrator_checks("macos").render() == (
        "To check every account, an administrator (or you, from an administrator account) opens Terminal "
        "and runs: sudo appwarden scan"
    )
    assert how_an_administrator_checks("windows").render() == (
        "To check every account, an administrator opens a command prompt with Run as administrator and runs: appwarden scan"
    )


def test_the_report_goes_into_the_prepared_file(prepared):
    write_into_prepared_file(prepared.file, '{"schema": 1}')
    assert prepared.read() == {"schema": 1}


def refusal(path, text="{}") -> str:
    with pytest.raises(UsageError) as raised:
        write_into_prepared_file(path, text)
    return raised.value.message


def test_nothing_but_the_prepared_file_is_written(prepared, tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("")
    link = prepared.folder / "link"
    link.symlink_to(target)
    assert refusal(link) == (
        f"The report was not written into {link}: it is a symbolic link, and AppWarden does not write "
        "through links; give the path of the file itself."
    )
    assert refusal(prepared.folder / "new.json") == f"The report was not written into {prepared.folder / 'new.json'}: No such file or directory."
    assert not (prepared.folder / "new.json").exists()
    (prepared.folder / "used.json").write_text("[]")
    assert refusal(prepared.folder / "used.json").endswith(": it is not an empty file prepared for the report.")
    assert (prepared.folder / "used.json").read_text() == "[]"
    os.link(target, prepared.folder / "second-name")
    assert refusal(prepared.folder / "second-name").endswith(": it is not an empty file prepared for the report.")
    assert target.read_text() == ""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, to give the file to another account")
def test_an_empty_file_of_another_account_is_not_written(prepared, monkeypatch):
    os.chown(prepared.file, 65534, 65534)
    monkeypatch.setenv("PKEXEC_UID", "0")
    assert refusal(prepared.file).endswith(": it belongs to another account than the one that asked for the check.")
    monkeypatch.setenv("PKEXEC_UID", "65534")  # the account that asked, as pkexec names it
    write_into_prepared_file(prepared.file, "{}")
    assert json.loads(prepared.file.read_text()) == {}


def test_the_command_line_refuses_write_into_with_output(tmp_path, capsys):
    from appwarden.core.cli.main import main

    assert main(["scan", "--write-into", str(tmp_path / "r"), "--output", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == (
        "--write-into checks this device and writes only into its file: it cannot be used with --output, --root, --phone or --phone-capture.\n"
    )
