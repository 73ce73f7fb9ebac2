"""Check a phone in the window with an iPhone plugged in: the dialog asks to tap Trust, then the
window checks it, removes what it found through the installation proxy, checks again, and when the
window closes AppWarden's pairing is removed, so the device no longer trusts this computer.

No iPhone exists on this machine: libimobiledevice's programs are stand-ins on a temporary PATH
(tests/iphone_standin.py) that print what Debian 12's print."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.gui.test_removal_window import walk_through
from tests.gui.window_fixtures import open_window
from tests.iphone_standin import IphoneStandIns, StandInIphone


def test_the_whole_iphone_flow_in_the_window(qtbot, tmp_path, monkeypatch):
    stand_ins = IphoneStandIns(tmp_path / "iphones", [StandInIphone(paired=False, trust="tap", apps=[
        ["com.tencent.xin", "8.0.50", "WeChat"], ["com.tencent.ww", "4.1", "WeCom"]])])
    monkeypatch.setenv("PATH", stand_ins.path + ":/usr/bin:/bin")
    view, controller = open_window(qtbot)
    qtbot.mouseClick(view.phone_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(controller, "phone_dialog", None) is not None)
    dialog = controller.phone_dialog.dialog
    qtbot.waitUntil(lambda: dialog.heading.text() == "Trust this computer on the iPhone or iPad", timeout=10000)
    assert "tap Trust" in dialog.instructions.text()
    qtbot.waitUntil(lambda: dialog.heading.text().startswith("Ready: Ana’s iPhone (iPhone14,5, iOS 17.1.2;"), timeout=10000)
    assert dialog.phones.text() == "iOS 17.1.2"
    qtbot.mouseClick(dialog.issued, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.result is not None and controller.task.done, timeout=30000)
    assert view.banner_text.text() == "1 prohibited application found."
    assert "this phone or tablet is one of them" in view.detail.toPlainText()
    assert "no longer trusts this computer" in view.elevation_note.text()
    qtbot.mouseClick(view.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(controller, "removal", None) is not None, timeout=10000)
    titles = list(dict.fromkeys(walk_through(qtbot, controller.removal)))
    assert titles[0] == "Uninstall WeChat (Weixin) from the iPhone or iPad"
    assert controller.removal.dialog.outcome.text() == "WeChat (Weixin) is gone from the phone."
    controller.removal.dialog.close_button.click()
    qtbot.waitUntil(lambda: controller.task.done and not controller.result.findings, timeout=30000)
    assert stand_ins.device()["apps"] == [["com.tencent.ww", "4.1", "WeCom"]] and stand_ins.device()["paired"]
    view.close()
    assert stand_ins.device()["paired"] is False  # the pairing is removed when the window closes
