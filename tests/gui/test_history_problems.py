"""The window when its history cannot be kept or read: the check still runs, the reason is a note beside
the result (never an error in its place), and the history dialog says what it could not show."""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from appwarden.core.history import ActionRecord, HistoryStore
from appwarden.core.i18n import Translator
from tests.conftest import FIXTURES
from tests.core.history.other_account import run_as, second_account, shared_folder
from tests.gui.window_fixtures import check_and_wait, linux_disk, open_window

MINIMAL = FIXTURES / "policies" / "minimal.toml"
NO_HOME = "this account's home folder is unknown (HOME is not set to a full path)"


def window_with(qtbot, history: HistoryStore, *argv: str):
    """The real window and controller over `history`, started and ready to check."""
    from appwarden.gui.controller import MainController
    from appwarden.gui.launcher import window_arguments
    from appwarden.gui.main_window import MainWindowView

    view = MainWindowView()
    controller = MainController(view, window_arguments(list(argv)), Translator("en"), history=history)
    qtbot.addWidget(view)
    view.show()
    controller.start()
    qtbot.waitUntil(lambda: controller.startup is not None or view.banner_text.text() == "Something went wrong.", timeout=10000)
    return view, controller


def assert_checked_without_an_error(view) -> None:
    assert view.banner_text.text() == "1 prohibited application found."
    assert view.findChild(QMessageBox, "errorDialog") is None


def test_a_history_folder_that_cannot_be_written_leaves_a_note_and_the_window_checks(qtbot, tmp_path):
    home = tmp_path / "home-that-is-a-file"  # as when HOME names a file
    home.write_text("")
    folder = home / ".local/share/appwarden"
    view, controller = window_with(qtbot, HistoryStore(folder / "history.sqlite3"), "--root", str(linux_disk(tmp_path / "disk")))
    note = f"Note: The history folder {folder} cannot be written: Not a directory."
    assert view.check_button.isEnabled()
    assert view.last_checked_label.text() == "This disk has not been checked yet."  # nothing to read, nothing wrong yet
    check_and_wait(qtbot, controller)
    assert_checked_without_an_error(view)
    assert view.last_checked_label.text().endswith(f"\n{note}")
    assert view.last_checked_label.wordWrap()


@contextmanager
def acting_as(uid: int, gid: int):
    """This whole process (every thread) reads and writes files as that account until the block ends."""
    os.setegid(gid)
    os.seteuid(uid)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def history_left_by_sudo(home: Path) -> HistoryStore:
    folder = home / ".local/share/appwarden"
    folder.mkdir(parents=True, mode=0o755)
    store = HistoryStore(folder / "history.sqlite3")
    store.record_action(ActionRecord("wechat", "verify", "verify", "finished", (), "done", 0))
    return store


def test_a_history_folder_owned_by_root_is_named_beside_the_result(qtbot):
    account = second_account()
    with shared_folder() as shared:
        store = history_left_by_sudo(shared / "home")
        disk = linux_disk(shared / "disk")
        with acting_as(account.uid, account.gid):
            view, controller = window_with(qtbot, store, "--root", str(disk))
            startup_note = view.last_checked_label.text()
            check_and_wait(qtbot, controller)
        folder = store.path.parent
        note = (
            f"Note: The history folder {folder} belongs to root, not to you, so AppWarden cannot keep its history there "
            f"(this happens after running AppWarden with sudo). To fix it, run: sudo chown -R appwarden-test {folder}"
        )
        assert startup_note == f"This disk has not been checked yet.\n{note}"
        assert_checked_without_an_error(view)
        assert view.last_checked_label.text().endswith(f"\n{note}")


def test_the_self_check_passes_for_the_person_after_sudo_left_root_s_history(tmp_path):
    account = second_account()
    with shared_folder() as shared:
        home = shared / "home"
        history_left_by_sudo(home)
        for folder in (home, home / ".local", home / ".local/share"):
            os.chown(folder, account.uid, account.gid)
        disk = linux_disk(shared / "disk")
        args = ["gui", "--self-check", "--root", str(disk), "--no-default-policy", "--policy", str(MINIMAL)]
        done = run_as(account.uid, account.gid, args, home, QT_QPA_PLATFORM="offscreen")
    assert (done.returncode, done.stdout) == (0, "Self-check passed: No prohibited application found.\n"), done.stderr


def test_the_history_dialog_says_how_many_rows_it_skipped_and_shows_interrupted_steps(qtbot, tmp_path):
    from appwarden.gui.history_view import HistoryDialog

    disk = linux_disk(tmp_path / "disk")
    store = HistoryStore(tmp_path / "history.sqlite3")
    view, controller = window_with(qtbot, store, "--root", str(disk))
    check_and_wait(qtbot, controller)
    check_and_wait(qtbot, controller)
    with sqlite3.connect(store.path) as connection:
        connection.execute("UPDATE scans SET rules = 'not json' WHERE id = 1")
    connection.close()
    store.record_action(ActionRecord("wechat", "uninstall:dpkg:wechat", "uninstall", "started", ("apt-get", "remove", "-y", "wechat")))
    controller.show_history()
    qtbot.waitUntil(lambda: view.findChild(HistoryDialog, "historyDialog") is not None)
    dialog = view.findChild(HistoryDialog, "historyDialog")
    assert dialog.notes_label.isVisible()
    assert dialog.notes_label.text() == "1 recorded check could not be read and was skipped."
    assert [record.id for record in dialog.model.records] == [2]
    actions = dialog.actions_model
    assert [actions.index(0, column).data() for column in (1, 2, 3, 4)] == [
        "WeChat (Weixin)", "Uninstall the wechat package", "Interrupted", "apt-get remove -y wechat"
    ]


def test_the_history_dialog_says_why_it_cannot_show_the_history(qtbot, tmp_path):
    from appwarden.gui.history_view import HistoryDialog

    damaged = tmp_path / "history.sqlite3"
    damaged.write_bytes(b"garbage" * 200)
    view, controller = window_with(qtbot, HistoryStore(damaged), "--root", str(linux_disk(tmp_path / "disk")))
    controller.show_history()
    qtbot.waitUntil(lambda: view.findChild(HistoryDialog, "historyDialog") is not None)
    dialog = view.findChild(HistoryDialog, "historyDialog")
    assert dialog.notes_label.text() == (
        f"The history file {damaged} is damaged or not an AppWarden history (file is not a database). "
        "It was left as it is; move it elsewhere to start a new history."
    )
    assert dialog.pages.currentWidget() is dialog.empty_label
    assert dialog.empty_label.text() == "No recorded check can be shown."
    assert view.findChild(QMessageBox, "errorDialog") is None


@pytest.fixture
def no_home_folder(monkeypatch):
    """HOME unset, and no account entry to fall back on (a container run with an unknown user id)."""
    import pwd

    def no_entry(uid):
        raise KeyError(uid)

    for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(pwd, "getpwuid", no_entry)


def test_without_a_home_folder_the_window_says_so_and_checks(qtbot, tmp_path, no_home_folder):
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "disk")))
    assert view.statusBar().currentMessage() == f"The default settings apply, because {NO_HOME}."
    assert view.last_checked_label.text() == (
        f"This disk has not been checked yet.\nNote: No history is kept, because {NO_HOME}."
    )
    check_and_wait(qtbot, controller)
    assert_checked_without_an_error(view)
