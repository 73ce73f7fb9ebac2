"""The history table: one row per recorded check, in words a person reads; an empty history says so."""

from __future__ import annotations

import os
import time

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QDialog

from appwarden.core.history import ScanRecord
from appwarden.core.i18n import Translator
from appwarden.core.i18n import readable_local_time
from appwarden.gui.history_view import RECORD_ROLE, HistoryDialog, HistoryModel

pytestmark = pytest.mark.skipif(os.name != "posix", reason="uses POSIX roots and time.tzset to fix the time zone")

FOUND = ScanRecord(3, "2026-03-01T15:04:00+00:00", "/mnt/disk", "linux", "desk-12", False, True, ("wechat", "kesl"),
                   live=False, reference="AW-7R4K-92XC")
CLEAN = ScanRecord(2, "2026-02-27T09:30:00+00:00", "/", "linux", "laptop-7", True, True, (), live=True, reference="AW-3K9M-TT4A")
# Recorded before the history kept whether a check was of this device, and reference codes.
INCOMPLETE = ScanRecord(1, "2026-02-26T23:15:00+00:00", "/", "macos", "", True, False, ())
NAMES = {"wechat": "WeChat (Weixin)"}


@pytest.fixture(autouse=True)
def toronto_time(monkeypatch):
    monkeypatch.setenv("TZ", "America/Toronto")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def texts(model: HistoryModel) -> list[list[str]]:
    return [[model.index(row, column).data() for column in range(model.columnCount())] for row in range(model.rowCount())]


def test_rows_read_as_sentences(qtbot):
    model = HistoryModel(Translator("en"))
    model.show([FOUND, CLEAN, INCOMPLETE], NAMES)
    assert (model.rowCount(), model.columnCount()) == (3, 5)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)]
    assert headers == ["When", "Device", "Where", "Result", "Reference code"]
    assert texts(model) == [
        ["March 1, 2026, 10:04", "desk-12 (Linux)", "disk mounted at /mnt/disk", "found: WeChat (Weixin), kesl", "AW-7R4K-92XC"],
        ["February 27, 2026, 04:30", "laptop-7 (Linux)", "this device", "nothing found", "AW-3K9M-TT4A"],
        ["February 26, 2026, 18:15", "unknown name (macOS)", "this device", "nothing found (incomplete)", "-"],
    ]
    assert model.index(0, 0).data(RECORD_ROLE) == FOUND
    assert model.rowCount(model.index(0, 0)) == 0 and model.index(0, 0).parent() == QModelIndex()


def test_rows_speak_french(qtbot):
    model = HistoryModel(Translator("fr"))
    model.show([FOUND, INCOMPLETE])
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)] == [
        "Quand", "Appareil", "Où", "Résultat", "Code de référence"]
    assert texts(model)[0] == [
        "1er mars 2026 à 10 h 04", "desk-12 (Linux)", "disque monté dans /mnt/disk", "trouvé : wechat, kesl", "AW-7R4K-92XC"]
    assert texts(model)[1][3] == "rien trouvé (incomplet)"


def test_each_result_has_its_own_icon(qtbot):
    model = HistoryModel(Translator("en"))
    model.show([FOUND, CLEAN, INCOMPLETE])
    icons = [model.index(row, 3).data(Qt.ItemDataRole.DecorationRole) for row in range(3)]
    assert all(not icon.isNull() for icon in icons)
    assert len({icon.cacheKey() for icon in icons}) == 3
    assert model.index(0, 0).data(Qt.ItemDataRole.DecorationRole) is None


def test_a_time_that_cannot_be_read_is_shown_as_stored():
    assert readable_local_time("yesterday", "en") == "yesterday"


def test_the_dialog_says_when_nothing_was_recorded(qtbot):
    dialog = HistoryDialog(Translator("en"))
    qtbot.addWidget(dialog)
    dialog.load([])
    dialog.show()
    assert dialog.pages.currentWidget() is dialog.empty_label
    assert dialog.empty_label.text() == "No check has been recorded yet."
    assert dialog.empty_label.isVisible() and not dialog.table.isVisible()


def test_the_dialog_shows_the_records_it_is_given(qtbot):
    dialog = HistoryDialog(Translator("en"))
    qtbot.addWidget(dialog)
    dialog.load([FOUND, CLEAN], NAMES)
    dialog.show()
    assert dialog.table.isVisible() and not dialog.empty_label.isVisible()
    assert dialog.table.model().rowCount() == 2
    assert dialog.table.model().index(1, 3).data() == "nothing found"
    assert dialog.windowTitle() == "History of checks"


def test_every_control_has_an_accessible_name_and_close_closes(qtbot):
    dialog = HistoryDialog(Translator("fr"))
    qtbot.addWidget(dialog)
    dialog.show()
    names = [w.accessibleName() for w in (dialog.table, dialog.empty_label, dialog.close_button)]
    assert names == [
        "Vérifications enregistrées sur cet ordinateur, les plus récentes d’abord",
        "Aucune vérification n’a encore été enregistrée.",
        "Fermer l’historique",
    ]
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected and not dialog.isVisible()


def test_removal_actions_are_listed_newest_first_with_their_result(qtbot):
    from appwarden.core.history import ActionRecord
    from appwarden.core.i18n import Translator
    from appwarden.gui.history_view import HistoryDialog

    dialog = HistoryDialog(Translator("en"))
    qtbot.addWidget(dialog)
    actions = [
        ActionRecord("wechat", "uninstall:dpkg:wechat", "uninstall", "started", ("apt-get", "remove", "-y", "wechat"), recorded_at="2026-11-29T01:00:00+00:00"),
        ActionRecord("wechat", "uninstall:dpkg:wechat", "uninstall", "finished", ("apt-get", "remove", "-y", "wechat"), "done", 0, 2.5, recorded_at="2026-11-29T01:00:03+00:00"),
        ActionRecord("wechat", "verify", "verify", "finished", (), "done", 0, recorded_at="2026-11-29T01:00:05+00:00"),
    ]
    dialog.load([], {"wechat": "WeChat (Weixin)"}, actions)
    model = dialog.actions_model
    rows = [[model.index(r, c).data() for c in range(1, 5)] for r in range(model.rowCount())]
    assert rows == [
        ["WeChat (Weixin)", "Check that the app is gone", "The app is gone", ""],
        ["WeChat (Weixin)", "Uninstall the wechat package", "Done", "apt-get remove -y wechat"],
    ]
    assert dialog.actions_table.isVisibleTo(dialog)
    dialog.load([], None, [])
    assert not dialog.actions_table.isVisibleTo(dialog)


def test_a_step_that_started_and_never_finished_is_listed_as_interrupted(qtbot):
    from appwarden.core.history import ActionRecord
    from appwarden.gui.history_view import ActionsModel

    apt = ("apt-get", "remove", "-y", "wechat")
    actions = [
        ActionRecord("wechat", "verify", "verify", "finished", (), "done", 0, recorded_at="2026-11-29T00:59:00+00:00"),
        ActionRecord("wechat", "uninstall:dpkg:wechat", "uninstall", "started", apt, recorded_at="2026-11-29T01:00:00+00:00"),
    ]
    for lang, step, interrupted in (
        ("en", "Uninstall the wechat package", "Interrupted"), ("fr", "Désinstaller le paquet wechat", "Interrompue"),
    ):
        model = ActionsModel(Translator(lang))
        model.show(actions, NAMES)
        assert [model.index(0, c).data() for c in range(5)] == [
            readable_local_time("2026-11-29T01:00:00+00:00", lang), "WeChat (Weixin)", step,
            interrupted, "apt-get remove -y wechat",
        ]
        assert model.rowCount() == 2


def test_the_dialog_says_what_of_the_history_it_could_not_show(qtbot):
    dialog = HistoryDialog(Translator("fr"))
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.notes_label.isVisible()
    dialog.load([], None, (), notes=["1 vérification enregistrée n’a pas pu être lue et a été ignorée."])
    assert dialog.notes_label.isVisible()
    assert dialog.notes_label.text() == "1 vérification enregistrée n’a pas pu être lue et a été ignorée."
    assert dialog.empty_label.text() == "Aucune vérification enregistrée ne peut être affichée."
    dialog.load([CLEAN])
    assert not dialog.notes_label.isVisible() and dialog.table.isVisible()
