"""Guided removal in the window: a real .deb named like WeChat is removed step by step through the
dialog, verified gone, the main list updated and every action recorded (root only)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.core.sources.linux.test_dpkg import build_deb
from tests.gui.window_fixtures import check_and_wait, open_window

pytest.importorskip("PySide6", reason="the window needs PySide6-Essentials (pip install -e '.[test]')")

from PySide6.QtCore import Qt  # noqa: E402

needs_root_and_dpkg = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("dpkg") is None, reason="installing and removing a .deb needs root and dpkg"
)


def walk_through(qtbot, removal) -> list[str]:
    """Take every step as a person would: "Do it for me" where offered, "I've done it" otherwise.
    Returns the titles of the steps shown."""
    dialog, titles = removal.dialog, []
    buttons = (dialog.next_button, dialog.do_button, dialog.done_button)
    for _ in range(40):
        if removal.finished_verification is not None:
            return titles
        qtbot.waitUntil(
            lambda: removal.finished_verification is not None or any(b.isVisible() and b.isEnabled() for b in buttons),
            timeout=120000,
        )
        if removal.finished_verification is not None:
            return titles
        titles.append(dialog.title.text())
        button = next(b for b in buttons if b.isVisible() and b.isEnabled())
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    raise AssertionError(f"the removal guide did not reach its end: {titles}")


@needs_root_and_dpkg
def test_a_real_package_is_removed_through_the_window(qtbot, tmp_path):
    if subprocess.run(["dpkg-query", "-W", "wechat"], capture_output=True).returncode == 0:
        pytest.skip("a real 'wechat' package is installed here; the test will not touch it")
    subprocess.run(["dpkg", "-i", str(build_deb(tmp_path, "wechat", "4.0.0.99-appwarden"))], check=True, capture_output=True)
    try:
        view, controller = open_window(qtbot)
        check_and_wait(qtbot, controller)
        rules = [f.rule.id for f in controller.result.findings]
        view.findings_list.setCurrentIndex(controller.findings.index(rules.index("wechat")))
        qtbot.mouseClick(view.remove_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: getattr(controller, "removal", None) is not None)
        dialog = controller.removal.dialog
        assert dialog.windowTitle() == "Remove WeChat (Weixin)"
        titles = walk_through(qtbot, controller.removal)
        assert dialog.outcome.text() == "WeChat (Weixin) is gone from this device."
        # apt removed /opt/wechat with the package: the step to delete it is skipped, in one line.
        assert "Delete /opt/wechat" not in titles
        assert "Skipped “Delete /opt/wechat”: Already gone: /opt/wechat." in dialog.explanation.text()
        dialog.close_button.click()
        qtbot.waitUntil(lambda: controller.task.done and "wechat" not in [f.rule.id for f in controller.result.findings], timeout=60000)
        assert subprocess.run(["dpkg-query", "-W", "wechat"], capture_output=True).returncode != 0
        steps = {(a.step, a.phase, a.outcome) for a in controller.history.actions("wechat")}
        assert ("uninstall:dpkg:wechat", "finished", "done") in steps
        assert ("leftover:/opt/wechat", "finished", "skipped") in steps
        assert any(s[0] == "verify" and s[2] == "done" for s in steps)
    finally:
        subprocess.run(["dpkg", "--purge", "wechat"], capture_output=True)


def test_on_a_mounted_disk_every_step_is_the_persons_and_the_end_says_what_remains(qtbot, tmp_path):
    from tests.gui.window_fixtures import linux_disk

    disk = linux_disk(tmp_path / "disk")
    (disk / "home/ana/.xwechat").mkdir(parents=True)
    view, controller = open_window(qtbot, "--root", str(disk))
    check_and_wait(qtbot, controller)
    view.findings_list.setCurrentIndex(controller.findings.index(0))
    controller.show_removal()
    qtbot.waitUntil(lambda: getattr(controller, "removal", None) is not None)
    removal = controller.removal
    qtbot.waitUntil(lambda: removal.dialog.title.text() != "")
    # The explanation already says it needs administrator rights: said once on the page, not twice.
    assert removal.dialog.who.text() == "You do this step; AppWarden explains how."
    assert removal.dialog.explanation.text().count("administrator rights") == 1
    assert removal.dialog.commands.toPlainText() == "sudo apt-get remove wechat"  # without -y: apt-get lists what goes and asks
    titles = walk_through(qtbot, removal)
    assert titles == [
        "Uninstall the wechat package",
        "Decide what happens to your WeChat chat data",
        "Delete /home/ana/.xwechat",
    ]
    assert removal.dialog.outcome.text().startswith(f"WeChat (Weixin) is still on the disk mounted at {disk} (see what remains). Take the remaining steps on that computer")
    assert "ask your help desk" in removal.dialog.outcome.text()
    assert removal.dialog.outcome.property("state") == "problem"
    answers = [(a.step, a.outcome) for a in controller.history.actions("wechat") if a.phase == "finished"]
    assert ("uninstall:dpkg:wechat", "person_done") in answers
