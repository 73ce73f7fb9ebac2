"""Check a phone in the window, on the offscreen platform: the dialog finds the phone as it is plugged
in (polled through the window's background helper), says what to do at each stage, asks once whether
the organisation issued it, then the window checks it, removes what it found on the phone and
checks again, and ends with how to turn USB debugging off.

No phone exists on this machine: the phone is tests/phone_standin.py, speaking the real ADB protocol
on 127.0.0.1 from real phone outputs; the window reaches it with --connect, through adb-shell. USB
itself (core/phones/link.py: usb_serials, connect_usb) is not run here; on this machine it is not even
available (no libusb), which the dialog says beside the phones it looks for on --connect.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from appwarden.core.phones.keys import StoredKey
from tests.conftest import SHARED
from tests.gui.test_removal_window import walk_through
from tests.gui.window_fixtures import open_window
from tests.phone_standin import StandInPhone

pytestmark = [pytest.mark.usefixtures("stored_adb_key"), pytest.mark.skipif(not (SHARED / "fixtures/phones/android").is_dir(),
                                reason="the stand-in phone answers from ../shared/fixtures/phones (beside this checkout)")]




def phone_dialog(qtbot, controller):
    qtbot.waitUntil(lambda: getattr(controller, "phone_dialog", None) is not None)
    return controller.phone_dialog


def test_the_whole_phone_flow_in_the_window(qtbot, phone):
    view, controller = open_window(qtbot, "--connect", phone.address)
    assert view.phone_button.text() == "Check a phone…" and view.phone_button.isVisible()
    qtbot.mouseClick(view.phone_button, Qt.MouseButton.LeftButton)
    flow = phone_dialog(qtbot, controller)
    dialog = flow.dialog
    # The phone asks "Allow USB debugging?": the dialog says what to check and what not to tick.
    qtbot.waitUntil(lambda: dialog.heading.text() == "Allow USB debugging on the phone", timeout=10000)
    assert StoredKey().key().fingerprint in dialog.instructions.text()
    assert "do not tick \"Always allow from this computer\"" in dialog.instructions.text()
    qtbot.waitUntil(lambda: dialog.heading.text() == "Ready: samsung SM-A405FN (R5…6X)", timeout=10000)
    assert not dialog.check_button.isEnabled()  # asked once: was it issued by the organisation?
    qtbot.mouseClick(dialog.issued, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.check_button.isEnabled, timeout=2000)
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.result is not None and controller.task.done, timeout=30000)
    assert view.banner_text.text() == "1 prohibited application found."
    assert view.target_label.text() == "What is checked: the phone samsung SM-A405FN (R5…6X) (Android), connected to this computer"
    assert "this phone or tablet is one of them" in view.detail.toPlainText()
    assert view.check_button.text() == "Check this phone again"
    assert "turn USB debugging off again" in view.elevation_note.text()
    # Guided removal on the phone, then the window checks it again.
    assert view.remove_button.isVisible() and view.remove_button.isEnabled()
    qtbot.mouseClick(view.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(controller, "removal", None) is not None, timeout=10000)
    titles = list(dict.fromkeys(walk_through(qtbot, controller.removal)))
    assert titles[:2] == ["Close the app on the phone", "Uninstall WeChat (Weixin) from the phone"]
    assert any(title.startswith("Delete /storage/emulated/0/tencent/MicroMsg from the phone") for title in titles)
    assert controller.removal.dialog.outcome.text() == "WeChat (Weixin) is gone from the phone."
    assert phone.installed(0) == {"com.tencent.wework"} and phone.storage() == {}
    controller.removal.dialog.close_button.click()
    qtbot.waitUntil(lambda: controller.task.done and not controller.result.findings, timeout=30000)
    assert view.banner_text.text().startswith("No prohibited application")
    assert "turn USB debugging off again" in view.elevation_note.text()
    assert phone.kept_data == []


def test_phone_auto_opens_straight_on_the_phone(qtbot, phone):
    view, controller = open_window(qtbot, "--phone", "auto", "--connect", phone.address, "--personal")
    qtbot.waitUntil(lambda: controller.result is not None and controller.task.done, timeout=30000)
    assert view.banner_text.text() == "1 prohibited application found."
    assert "recommended" in view.detail.toPlainText().lower() and controller.result.target.organisation_issued is False


def test_nobody_taps_allow_the_dialog_says_so_and_offers_to_try_again(qtbot):
    with StandInPhone(allow="never") as silent:
        view, controller = open_window(qtbot, "--connect", silent.address, "--allow-wait", "1")
        qtbot.mouseClick(view.phone_button, Qt.MouseButton.LeftButton)
        dialog = phone_dialog(qtbot, controller).dialog
        qtbot.waitUntil(lambda: dialog.heading.text() == "The phone did not allow USB debugging", timeout=15000)
        assert "tap Allow" in dialog.instructions.text() and dialog.retry_button.isVisible()
        assert not dialog.check_button.isEnabled()
        dialog.reject()


def test_without_a_phone_the_dialog_says_how_to_turn_on_usb_debugging(qtbot):
    view, controller = open_window(qtbot)
    qtbot.mouseClick(view.phone_button, Qt.MouseButton.LeftButton)
    dialog = phone_dialog(qtbot, controller).dialog
    qtbot.waitUntil(lambda: dialog.heading.text() == "Plug in the phone", timeout=10000)
    assert "tap Build number seven times" in dialog.instructions.text()
    assert "Samsung" in dialog.instructions.text()
    dialog.reject()


def test_the_window_refuses_a_phone_with_a_disk_in_one_sentence(capsys):
    from appwarden.gui.launcher import window_arguments

    with pytest.raises(SystemExit) as leaving:
        window_arguments(["--phone", "auto", "--root", "/mnt"])
    assert leaving.value.code == 2
    assert "--phone checks a phone connected to this computer" in capsys.readouterr().err
