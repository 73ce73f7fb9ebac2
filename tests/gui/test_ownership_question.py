"""The window asks once whether the organisation issued the device: the answer decides whether a
finding is required or recommended, is kept for this computer, and the check follows it at once."""

from __future__ import annotations

from PySide6.QtCore import Qt

from appwarden.core.settings import SettingsStore
from tests.gui.window_fixtures import check_and_wait, linux_disk, open_window


def test_not_asked_yet_neither_answer_is_chosen_and_the_device_is_taken_as_issued(qtbot, tmp_path):
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "disk")))
    assert view.ownership_question.text() == "Was this computer issued by your organisation?"
    assert not view.issued_choice.isChecked() and not view.personal_choice.isChecked()
    check_and_wait(qtbot, controller)
    assert controller.result.target.organisation_issued is True


def test_answering_no_checks_again_and_the_findings_say_the_device_is_personal(qtbot, tmp_path):
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "disk")))
    check_and_wait(qtbot, controller)
    qtbot.mouseClick(view.personal_choice, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.task.done and controller.result.target.organisation_issued is False, timeout=30000)
    assert "this device is personal" in view.detail.toPlainText()
    assert SettingsStore().load()[0].this_device_issued is None  # a disk's answer is not this computer's


def test_the_answer_for_this_computer_is_kept_and_asked_no_more(qtbot):
    view, controller = open_window(qtbot)
    qtbot.mouseClick(view.issued_choice, Qt.MouseButton.LeftButton)
    assert SettingsStore().load()[0].this_device_issued is True
    view.close()
    view, controller = open_window(qtbot)
    assert view.issued_choice.isChecked() and controller.startup.target.organisation_issued is True


def test_personal_on_the_command_line_is_the_answer(qtbot, tmp_path):
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "disk")), "--personal")
    assert view.personal_choice.isChecked() and controller.startup.target.organisation_issued is False
