"""History lists a check by an ordinary account as the window shows it: nothing found, and how many
accounts it left out for want of administrator rights, not as an incomplete check."""

from __future__ import annotations

import os

import pytest

from appwarden.core.history import HistoryStore
from appwarden.core.i18n import Translator
from tests.conftest import FIXTURES
from tests.core.history.other_account import run_as, second_account, shared_folder
from tests.core.history.test_history_targets import history_of_schema_2

MINIMAL = ("--no-default-policy", "--policy", str(FIXTURES / "policies" / "minimal.toml"))  # an app on no machine


def test_an_ordinary_accounts_check_is_listed_with_the_accounts_it_left_out():
    if os.stat("/root").st_mode & 0o005:
        pytest.skip("needs a private /root, as on this machine")
    account = second_account()
    with shared_folder() as folder:
        os.chown(folder, account.uid, account.gid)
        data = {"XDG_DATA_HOME": str(folder / "data"), "XDG_STATE_HOME": str(folder / "state")}
        assert run_as(account.uid, account.gid, ["scan", *MINIMAL], folder, **data).returncode == 0
        listed = run_as(account.uid, account.gid, ["history"], folder, **data)
        (record,) = HistoryStore(folder / "data/appwarden/history.sqlite3").scans()
    assert (record.complete, record.accounts_not_checked, record.complete_for_its_scope) == (False, 1, True)
    assert record.nothing_found().render(Translator("en")) == "nothing found (1 account not checked)"
    assert record.nothing_found().render(Translator("fr")) == "rien trouvé (1 compte non vérifié)"
    assert listed.stdout.rstrip().endswith("this device  nothing found (1 account not checked)")


def test_rows_written_before_the_history_kept_accounts_read_as_before(tmp_path):
    path = tmp_path / "history.sqlite3"
    history_of_schema_2(path)  # one complete check of this device, from before scopes
    (record,) = HistoryStore(path).scans()
    assert (record.accounts_not_checked, record.complete_for_its_scope) == (0, True)
    assert record.nothing_found().render(Translator("en")) == "nothing found"
