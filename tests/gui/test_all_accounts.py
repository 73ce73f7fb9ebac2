"""The window after a check by an ordinary account: a calm, complete answer for what it covers, and
Check all accounts, which checks again with administrator rights and records that check.

The first check runs for real as the unprivileged account appwarden-test (this process's effective
user, switched for the check; /root is private here). This machine has no system D-Bus, so polkit's
pkexec cannot run: Check all accounts goes through a stand-in `pkexec` on a temporary PATH, which
runs its arguments as this test's real user, root, as pkexec would after a password. The elevated
AppWarden it starts is real and reads every account.
"""

from __future__ import annotations

import os
import tempfile

import pytest

from tests.conftest import FIXTURES
from tests.core.history.other_account import second_account, shared_folder
from tests.gui.window_fixtures import check_and_wait, check_as_ordinary_account, history_of_ordinary_account, open_window

pytest.importorskip("PySide6", reason="the window needs PySide6-Essentials (pip install -e '.[test]')")

from PySide6.QtCore import Qt  # noqa: E402

from appwarden.core.history import HistoryStore  # noqa: E402

ONE_OTHER_ACCOUNT = (
    "Your account and the system were checked; 1 other account on this computer was not (it needs administrator rights)."
    "\nAccounts not checked: root (/root)."
)
# A pack whose one app is on no machine: what this machine runs or installs meanwhile (other tests
# install a real wechat package) cannot change the verdicts below.
MINIMAL = ("--no-default-policy", "--policy", str(FIXTURES / "policies" / "minimal.toml"))
STAND_IN_PKEXEC = '#!/bin/sh\n# pkexec stand-in: no polkit here; this test already runs as root.\nPKEXEC_UID=$(id -u) exec "$@"\n'

pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or os.stat("/root").st_mode & 0o005,
    reason="needs root (to switch to an ordinary account for the first check) and a private /root",
)


@pytest.fixture
def account_data(monkeypatch):
    """A data folder the ordinary account owns, as its own would be, for its history."""
    account = second_account()
    monkeypatch.setenv("XDG_DATA_HOME", os.environ["XDG_DATA_HOME"])  # restored after the test
    with shared_folder() as folder:
        data = folder / "data"
        data.mkdir()
        os.chown(data, account.uid, account.gid)
        history_of_ordinary_account(data)
        yield data


@pytest.fixture
def pkexec(monkeypatch):
    """The stand-in, in a folder the ordinary account can search too, as /usr/bin would be."""
    with shared_folder() as folder:

        def install(body: str = STAND_IN_PKEXEC) -> None:
            (folder / "pkexec").write_text(body)
            (folder / "pkexec").chmod(0o755)
            monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")

        yield install


def checked_as_ordinary_account(qtbot, controller) -> None:
    check_as_ordinary_account(lambda: check_and_wait(qtbot, controller))
    assert controller.startup.history_problem is None  # the account's own history recorded it


def wait_for_the_elevated_check(qtbot, controller) -> None:
    qtbot.mouseClick(controller.view.all_accounts_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.task is not None and controller.task.done, timeout=60000)


def test_an_ordinary_account_gets_a_calm_answer_and_the_offer_to_check_all_accounts(qtbot, account_data, pkexec):
    pkexec()
    view, controller = open_window(qtbot, *MINIMAL)
    checked_as_ordinary_account(qtbot, controller)
    assert controller.result.complete is False and controller.result.findings == ()
    assert view.banner.property("state") == "ok" and view.banner_icon.text() == "\u2714"
    assert view.banner_text.text() == "No prohibited application found."
    assert view.banner_detail.text() == ONE_OTHER_ACCOUNT
    assert view.all_accounts_button.isVisibleTo(view) and view.all_accounts_button.text() == "Check all accounts…"
    assert not view.elevation_note.isVisibleTo(view)


def test_check_all_accounts_reads_every_account_and_records_it(qtbot, account_data, pkexec, tmp_path, monkeypatch):
    pkexec()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the window makes its private folder
    view, controller = open_window(qtbot, *MINIMAL)
    checked_as_ordinary_account(qtbot, controller)
    history = HistoryStore()
    before = history.scans(limit=10)
    assert [(r.complete, r.accounts_not_checked) for r in before] == [(False, 1)]  # the ordinary account's own check
    wait_for_the_elevated_check(qtbot, controller)
    assert controller.result.complete and controller.result.scope.every_account
    assert view.banner_text.text() == "No prohibited application found." and view.banner_detail.text() == ""
    assert not view.all_accounts_button.isVisibleTo(view)
    after = history.scans(limit=10)
    assert len(after) == len(before) + 1
    newest = after[0]
    assert (newest.root, newest.complete) == ("/", True)
    report = history.report(newest.id)
    assert report["target"]["live"] is True and report["scope"]["every_account"] is True
    assert [pack["id"] for pack in report["policies"]] == ["test-minimal"]  # the same packs as the first check
    assert {"name": "root", "home": "/root"} in report["scope"]["accounts_checked"]
    assert not list(tmp_path.glob("appwarden-all-accounts-*"))  # its private folder is gone


@pytest.mark.parametrize("code", [126, 127])
def test_declining_the_prompt_leaves_the_first_result_standing(qtbot, account_data, pkexec, code):
    pkexec(f"#!/bin/sh\nexit {code}\n")
    view, controller = open_window(qtbot, *MINIMAL)
    checked_as_ordinary_account(qtbot, controller)
    first, recorded = controller.result, len(HistoryStore().scans(limit=10))
    wait_for_the_elevated_check(qtbot, controller)
    assert controller.result is first
    assert view.banner_text.text() == "No prohibited application found." and view.banner_detail.text() == ONE_OTHER_ACCOUNT
    assert view.elevation_note.text() == (
        "No administrator rights were given, so nothing more was checked. The result above still stands."
    )
    assert view.all_accounts_button.isVisibleTo(view) and view.check_button.isEnabled()
    assert len(HistoryStore().scans(limit=10)) == recorded


def test_without_a_way_to_ask_for_rights_the_window_says_how_an_administrator_checks(qtbot, account_data, monkeypatch):
    """A Linux without pkexec, as a Mac (no elevation without a shell) is treated."""
    monkeypatch.setenv("PATH", "/usr/sbin:/sbin")  # no pkexec there
    view, controller = open_window(qtbot, *MINIMAL)
    checked_as_ordinary_account(qtbot, controller)
    assert not view.all_accounts_button.isVisibleTo(view)
    assert view.elevation_note.text() == "To check every account, run the check with administrator rights: sudo appwarden scan"


def test_in_french(qtbot, account_data, pkexec):
    pkexec()
    view, controller = open_window(qtbot, "--lang", "fr", *MINIMAL)
    checked_as_ordinary_account(qtbot, controller)
    assert view.banner_text.text() == "Aucune application interdite trouvée."
    assert view.banner_detail.text().startswith("Votre compte et le système ont été vérifiés; 1 autre compte")
    assert view.all_accounts_button.text() == "Vérifier tous les comptes…"
