"""The window opened on a phone capture (`appwarden --phone-capture PATH`): it names the phone, finds
WeChat as required (a phone is in the directives' scope) and offers no removal, since the phone is
not here. No phone exists on this machine: the capture is the real AndroidQF one, with WeChat added."""

from __future__ import annotations

import pytest

from tests.conftest import SHARED
from tests.gui.window_fixtures import check_and_wait, open_window

pytestmark = pytest.mark.skipif(not (SHARED / "fixtures/phones/android").is_dir(),
                                reason="the real phone outputs are in ../shared/fixtures/phones (beside this checkout)")


def test_the_window_checks_a_phone_capture(qtbot, tmp_path):
    from tests.core.sources.android.test_phone_captures_scanned import capture_with

    folder = capture_with(tmp_path, "com.tencent.mm")
    view, controller = open_window(qtbot, "--phone-capture", str(folder))
    assert view.check_button.text() == "Check this phone capture"
    assert "Is this phone free of prohibited applications?" in view.detail.toPlainText()
    check_and_wait(qtbot, controller)
    assert view.banner_text.text() == "1 prohibited application found."
    assert view.target_label.text() == f"What is checked: the phone samsung SM-G991B (Android), as captured in {folder}"
    assert "this phone or tablet is one of them" in view.detail.toPlainText()
    assert not view.remove_button.isVisibleTo(view)


def test_a_path_that_is_no_capture_says_what_to_do(qtbot, tmp_path):
    (tmp_path / "notes.txt").write_text("hello\n")
    view, controller = open_window(qtbot, "--phone-capture", str(tmp_path / "notes.txt"))
    assert view.banner_text.text() == "This phone capture cannot be checked."
    assert "start AppWarden without --phone-capture" in view.detail.toPlainText()
    assert not view.check_button.isEnabled()


def test_the_window_checks_an_iphone_backup(qtbot, tmp_path):
    from tests.core.sources.ios.backups import IMEI, SERIAL, backup_with

    folder = backup_with(tmp_path / "backup", installed=["com.tencent.xin"], metadata={"com.tencent.xin": ("WeChat", "8.0.50")})
    view, controller = open_window(qtbot, "--phone-capture", str(folder))
    check_and_wait(qtbot, controller)
    assert view.banner_text.text() == "1 prohibited application found."
    assert view.target_label.text() == f"What is checked: the backup of iPhone (iPhone9,3, iOS 14.3) in {folder}"
    assert view.ownership_question.text() == "Was this phone issued by your organisation?"
    assert "this phone or tablet is one of them" in view.detail.toPlainText()
    assert not view.remove_button.isVisibleTo(view)
    shown = view.detail.toPlainText() + view.target_label.text() + view.banner_text.text()
    assert IMEI not in shown and SERIAL not in shown
