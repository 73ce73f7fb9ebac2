"""The settings dialog shows the settings it is given and returns exactly what the person left in it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog

from appwarden.core.i18n import Translator
from appwarden.core.settings import Settings
from appwarden.gui.settings_view import SettingsDialog

SAVED = Settings(extra_policies=("/srv/packs/ours.toml", "/srv/packs/région.toml"), language="fr", show_helpdesk_details=True)


def open_dialog(qtbot, settings: Settings = Settings(), lang: str = "en") -> SettingsDialog:
    dialog = SettingsDialog(settings, Translator(lang))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


@pytest.mark.parametrize("settings", [Settings(), SAVED, Settings(language="en")])
def test_unchanged_dialog_returns_the_settings_it_was_given(qtbot, settings):
    assert open_dialog(qtbot, settings).settings() == settings


def test_widgets_show_the_settings(qtbot):
    dialog = open_dialog(qtbot, SAVED)
    assert [dialog.policy_list.item(r).text() for r in range(dialog.policy_list.count())] == list(SAVED.extra_policies)
    assert dialog.language.currentText() == "Français"
    assert dialog.helpdesk_details.isChecked()
    assert not dialog.remove_button.isEnabled()


def test_editing_every_setting(qtbot, monkeypatch):
    dialog = open_dialog(qtbot, SAVED)
    chosen = (["/home/ana/packs/extra.toml", "/srv/packs/ours.toml"], "Policy packs (*.toml)")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *args: chosen)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    dialog.policy_list.item(0).setSelected(True)
    assert dialog.remove_button.isEnabled()
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    dialog.language.setFocus()
    qtbot.keyClick(dialog.language, Qt.Key.Key_Home)
    qtbot.mouseClick(dialog.helpdesk_details, Qt.MouseButton.LeftButton)
    assert dialog.settings() == Settings(
        extra_policies=("/srv/packs/région.toml", "/home/ana/packs/extra.toml"), language="", show_helpdesk_details=False
    )


def test_the_file_dialog_asks_for_toml_files(qtbot, monkeypatch):
    asked = []
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *args: asked.append(args) or ([], ""))
    dialog = open_dialog(qtbot, lang="fr")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert asked[0][1:] == ("Ajouter des paquets de politiques", "", "Paquets de politiques (*.toml)")
    assert dialog.settings() == Settings()


def test_ok_accepts_and_cancel_rejects(qtbot):
    for button, outcome in ((QDialogButtonBox.StandardButton.Ok, QDialog.DialogCode.Accepted),
                            (QDialogButtonBox.StandardButton.Cancel, QDialog.DialogCode.Rejected)):
        dialog = open_dialog(qtbot)
        qtbot.mouseClick(dialog.buttons.button(button), Qt.MouseButton.LeftButton)
        assert dialog.result() == outcome


def test_labels_and_accessible_names_are_translated(qtbot):
    dialog = open_dialog(qtbot, lang="fr")
    assert dialog.windowTitle() == "Paramètres"
    assert dialog.policies_group.title() == "Paquets de politiques supplémentaires"
    assert [dialog.language.itemText(i) for i in range(3)] == ["Celle du système", "English", "Français"]
    assert dialog.helpdesk_details.text() == "Afficher par défaut les détails pour le soutien technique"
    controls = (dialog.policy_list, dialog.add_button, dialog.remove_button, dialog.language, dialog.helpdesk_details)
    assert all(control.accessibleName() for control in controls)
    assert dialog.remove_button.accessibleName() == "Retirer les paquets de politiques sélectionnés"


def test_tab_order_follows_the_layout(qtbot):
    dialog = open_dialog(qtbot)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.remove_button.setEnabled(True)  # a disabled button is skipped by Tab; here the order itself is checked
    expected = [dialog.add_button, dialog.remove_button, dialog.language, dialog.helpdesk_details, ok]
    dialog.policy_list.setFocus()
    reached = []
    for _ in expected:
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        reached.append(dialog.focusWidget())
    assert reached == expected
