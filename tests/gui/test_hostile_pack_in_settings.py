"""A pack named in the window's settings is checked like any other: a hostile one is refused."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from appwarden.core.settings import Settings, SettingsStore
from tests.core.policy.test_leftover_templates import pack_file
from tests.gui.window_fixtures import open_window


def test_a_pack_in_the_settings_that_names_every_home_is_refused(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    hostile = pack_file(tmp_path, ["{home}"])
    SettingsStore().save(Settings(extra_policies=(str(hostile),)))
    view, controller = open_window(qtbot, "--root", str(tmp_path))
    qtbot.waitUntil(lambda: view.findChild(QMessageBox, "errorDialog") is not None)
    dialog = view.findChild(QMessageBox, "errorDialog")
    assert dialog.text() == (
        f"{hostile}: rule 'fakeapp': leftover location '{{home}}' names a whole folder that many apps share; "
        "name the app's own folder below it"
    )
    assert not view.check_button.isEnabled()
