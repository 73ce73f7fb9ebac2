"""`appwarden history` and the history side of `appwarden scan` when the history is not as AppWarden left
it: rows that cannot be read, interrupted removal steps, a folder another account owns, no home folder."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from appwarden.core.history import ActionRecord, HistoryStore
from appwarden.core.policy.loader import load_policies
from appwarden.core.scan import run_scan
from appwarden.core.target import make_target
from tests.conftest import FIXTURES, PROJECT, cli_environment
from tests.core.history.other_account import Account, run_as, second_account, shared_folder, unused_uid

MINIMAL = FIXTURES / "policies" / "minimal.toml"
APT = ("apt-get", "remove", "-y", "wechat")
OWNED_BY_ROOT = (
    "{what} belongs to root, not to you, so AppWarden cannot keep its history there (this happens after running "
    "AppWarden with sudo). To fix it, run: sudo chown -R appwarden-test {folder}"
)
NO_HOME = "No history is kept, because this account's home folder is unknown (HOME is not set to a full path)."


def appwarden(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "appwarden.core", *args], capture_output=True, text=True, cwd=PROJECT, env=cli_environment(tmp_path)
    )


def make_disk(root: Path) -> Path:
    (root / "etc").mkdir(parents=True)
    (root / "etc/os-release").write_text("ID=debian\n")
    return root


def store_of(tmp_path: Path) -> HistoryStore:
    """The history `appwarden` run with cli_environment(tmp_path) uses."""
    return HistoryStore(tmp_path / "data/appwarden/history.sqlite3")


def test_history_prints_the_good_checks_and_counts_the_one_it_skipped(tmp_path):
    disk = make_disk(tmp_path / "disk")
    store = store_of(tmp_path)
    result = run_scan(make_target(disk), load_policies([MINIMAL], include_default=False))
    good, bad = store.record_scan(result), store.record_scan(result)
    with sqlite3.connect(store.path) as connection:
        connection.execute("UPDATE scans SET rules = 'not json' WHERE id = ?", (bad,))
    connection.close()
    done = appwarden(tmp_path, "history")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"{good:>5}  {result.started_at.isoformat(timespec='seconds')}  {result.reference}  -  linux  {disk.resolve()}"
        "  mounted disk  nothing found",
        "1 recorded check could not be read and was skipped.",
    ]
    assert done.stderr == ""


def test_history_lists_a_step_that_started_and_never_finished_as_interrupted(tmp_path):
    store = store_of(tmp_path)
    store.record_action(ActionRecord("wechat", "verify", "verify", "started", recorded_at="2026-11-29T00:59:00+00:00"))
    store.record_action(ActionRecord("wechat", "verify", "verify", "finished", (), "done", 0, recorded_at="2026-11-29T00:59:01+00:00"))
    store.record_action(ActionRecord("wechat", "uninstall:dpkg:wechat", "uninstall", "started", APT, recorded_at="2026-11-29T01:00:00+00:00"))
    bad = store.record_action(ActionRecord("wechat", "leftovers", "leftovers", "started", recorded_at="2026-11-29T01:00:09+00:00"))
    with sqlite3.connect(store.path) as connection:
        connection.execute("UPDATE actions SET argv = 'rm -rf' WHERE id = ?", (bad,))
    connection.close()
    done = appwarden(tmp_path, "history")
    assert done.stdout.splitlines() == [
        "No check has been recorded yet.",
        "",
        "Removal actions:",
        "  2026-11-29T00:59:01+00:00  wechat  Check that the app is gone: The app is gone",
        "  2026-11-29T01:00:00+00:00  wechat  Uninstall the wechat package: Interrupted  apt-get remove -y wechat",
        "1 recorded removal step could not be read and was skipped.",
    ]
    french = appwarden(tmp_path, "--lang", "fr", "history").stdout.splitlines()
    assert french[4] == "  2026-11-29T01:00:00+00:00  wechat  Désinstaller le paquet wechat : Interrompue  apt-get remove -y wechat"
    assert french[5] == "1 étape de retrait enregistrée n’a pas pu être lue et a été ignorée."


@pytest.fixture
def account() -> Account:
    return second_account()


@pytest.fixture
def shared():
    with shared_folder() as folder:
        yield folder


def home_of(account: Account, shared: Path) -> Path:
    """The account's home, with the folders a desktop login creates, all its own."""
    home = shared / "home"
    (home / ".local/share").mkdir(parents=True)
    for folder in (home, home / ".local", home / ".local/share"):
        os.chown(folder, account.uid, account.gid)
    return home


def left_by_sudo(home: Path) -> Path:
    """What one `sudo appwarden scan` leaves: root's history folder (mode 755) with root's history in it."""
    folder = home / ".local/share/appwarden"
    folder.mkdir(mode=0o755)
    result = run_scan(make_target(make_disk(home.parent / "other-disk")), load_policies([MINIMAL], include_default=False))
    HistoryStore(folder / "history.sqlite3").record_scan(result)
    return folder


def scan_args(disk: Path) -> list[str]:
    return ["scan", "--root", str(disk), "--no-default-policy", "--policy", str(MINIMAL), "--format", "json"]


def test_a_history_folder_left_by_sudo_is_named_with_the_fix_and_the_check_goes_on(account, shared):
    folder = left_by_sudo(home_of(account, shared))
    done = run_as(account.uid, account.gid, scan_args(make_disk(shared / "disk")), shared / "home")
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["target"]["root"] == str(shared / "disk")
    sentence = OWNED_BY_ROOT.format(what=f"The history folder {folder}", folder=folder)
    assert done.stderr == f"Note: {sentence}\n"
    listing = run_as(account.uid, account.gid, ["history"], shared / "home")
    assert (listing.returncode, listing.stderr) == (2, sentence + "\n")


def test_a_history_file_left_by_sudo_in_the_persons_own_folder_is_named(account, shared):
    folder = left_by_sudo(home_of(account, shared))
    os.chown(folder, account.uid, account.gid)
    done = run_as(account.uid, account.gid, scan_args(make_disk(shared / "disk")), shared / "home")
    assert done.returncode in (0, 1), done.stderr
    what = f"The history file {folder / 'history.sqlite3'}"
    assert done.stderr == f"Note: {OWNED_BY_ROOT.format(what=what, folder=folder)}\n"


def test_a_read_only_history_of_ones_own_is_not_called_damaged(account, shared):
    folder = left_by_sudo(home_of(account, shared))
    for path in (folder, folder / "history.sqlite3"):
        os.chown(path, account.uid, account.gid)
    (folder / "history.sqlite3").chmod(0o444)
    done = run_as(account.uid, account.gid, scan_args(make_disk(shared / "disk")), shared / "home")
    assert done.returncode in (0, 1), done.stderr
    history = folder / "history.sqlite3"
    assert done.stderr == f"Note: This check could not be recorded in {history}: attempt to write a readonly database.\n"


def test_a_home_folder_that_cannot_be_entered_gives_sentences_not_an_internal_error(account, shared):
    home = shared / "home"
    home.mkdir(mode=0o000)
    os.chown(home, account.uid, account.gid)
    done = run_as(account.uid, account.gid, scan_args(make_disk(shared / "disk")), home)
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["schema"] == 1
    assert done.stderr == f"Note: The history folder {home}/.local/share/appwarden cannot be written: Permission denied.\n"
    listing = run_as(account.uid, account.gid, ["history"], home)
    history = home / ".local/share/appwarden/history.sqlite3"
    assert (listing.returncode, listing.stderr) == (2, f"The history in {history} cannot be read: Permission denied.\n")


def test_without_a_home_folder_the_check_goes_on_without_history(shared):
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("needs root, to run AppWarden under a user id that has no account entry")
    uid = unused_uid()
    done = run_as(uid, uid, scan_args(make_disk(shared / "disk")), home=None)
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["schema"] == 1
    assert done.stderr == f"Note: {NO_HOME}\n"
    listing = run_as(uid, uid, ["history"], home=None)
    assert (listing.returncode, listing.stdout, listing.stderr) == (2, "", NO_HOME + "\n")


def test_the_crash_log_without_a_home_folder_is_a_sentence_not_a_second_crash(monkeypatch):
    import pwd

    from appwarden.core.cli.main import _write_crash_log

    def no_entry(uid):
        raise KeyError(uid)

    for name in ("HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    assert _write_crash_log(ValueError("a bug")) == "(nowhere: the log folder cannot be written)"


def test_history_finds_a_check_by_its_code_however_it_is_typed(tmp_path):
    disk = make_disk(tmp_path / "disk")
    (disk / "etc/hostname").write_text("desk-12\n")
    scanned = appwarden(tmp_path, "scan", "--root", str(disk), "--format", "json", "--no-default-policy", "--policy", str(MINIMAL))
    code = json.loads(scanned.stdout)["reference"]
    appwarden(tmp_path, "scan", "--root", str(make_disk(tmp_path / "other")), "--no-default-policy", "--policy", str(MINIMAL))
    (record,) = store_of(tmp_path).with_reference(code)
    for typed in (code, code.lower(), code.replace("-", ""), code.replace("-", " ")[3:]):
        done = appwarden(tmp_path, "history", "--code", typed)
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines[0] == (f"{record.id:>5}  {record.scanned_at}  {code}  desk-12  linux  {disk.resolve()}  mounted disk"
                            "  nothing found")
        assert lines[2].startswith("AppWarden ") and "check of desk-12 (Linux, disk mounted at" in lines[2]
        assert lines[3] == f"Reference code: {code}"
    french = appwarden(tmp_path, "history", "--code", code, "--lang", "fr")
    assert french.stdout.splitlines()[3] == f"Code de référence : {code}"


def test_an_unknown_or_malformed_code_is_one_sentence_and_exit_2(tmp_path):
    unknown = appwarden(tmp_path, "history", "--code", "aw-2222-2222")
    assert (unknown.returncode, unknown.stdout) == (2, "")
    assert unknown.stderr == "No check with the reference code AW-2222-2222 is recorded on this computer.\n"
    malformed = appwarden(tmp_path, "history", "--code", "AW-OOPS")
    assert (malformed.returncode, malformed.stdout) == (2, "")
    assert malformed.stderr == (
        "'AW-OOPS' is not a reference code: a code is AW and 8 letters and digits, such as AW-7R4K-92XC.\n"
    )


def test_a_check_found_by_its_code_reads_in_french_with_the_packs_own_french(tmp_path):
    disk = make_disk(tmp_path / "disk")
    (disk / "var/lib/dpkg").mkdir(parents=True)
    (disk / "var/lib/dpkg/status").write_text("Package: wechat\nStatus: install ok installed\nVersion: 4.0\n\n")
    scanned = appwarden(tmp_path, "scan", "--root", str(disk), "--format", "json")
    code = json.loads(scanned.stdout)["reference"]
    french = appwarden(tmp_path, "--lang", "fr", "history", "--code", code)
    assert french.returncode == 0, french.stderr
    assert "   Pourquoi : Depuis le 30 octobre 2023, le gouvernement du Canada retire WeChat" in french.stdout


def test_a_limit_larger_than_any_history_lists_every_check(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "appwarden.core", "history", "--limit", "99999999999999999999"],
        capture_output=True, text=True, cwd=PROJECT, env=cli_environment(tmp_path),
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "No check has been recorded yet.\n"
