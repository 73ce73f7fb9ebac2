"""The result banner is announced to screen readers when a check ends, not only drawn: its text is
its accessible name, and the window sends Qt an Alert event on it.

Qt hands accessibility events to the platform's bridge (AT-SPI on Linux), which the offscreen
platform does not have, and PySide6 has no QAccessible.installUpdateHandler; so the tests replace
QAccessible.updateAccessibility, the one entry point the window calls, and record each event Qt
would have delivered: its type, its widget, and the name Qt's interface gives that widget then."""

from __future__ import annotations

import pytest

from tests.gui.window_fixtures import check_and_wait, linux_disk, open_window

pytest.importorskip("PySide6", reason="the window needs PySide6-Essentials (pip install -e '.[test]')")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QAccessible  # noqa: E402


@pytest.fixture
def accessibility_events(monkeypatch):
    """(event type, widget, accessible name at that moment) for every event the window sends."""
    events = []

    def record(event):
        events.append((event.type(), event.object(), event.accessibleInterface().text(QAccessible.Text.Name)))

    monkeypatch.setattr(QAccessible, "updateAccessibility", record)
    return events


def alerts(events, widget):
    return [name for kind, target, name in events if kind == QAccessible.Event.Alert and target is widget]


def test_the_result_is_the_banners_accessible_name_and_is_announced(qtbot, tmp_path, accessibility_events):
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "disk")))
    assert alerts(accessibility_events, view.banner) == []  # opening the window announces nothing
    check_and_wait(qtbot, controller)
    banner = QAccessible.queryAccessibleInterface(view.banner)
    assert banner.text(QAccessible.Text.Name) == "1 prohibited application found."
    assert banner.text(QAccessible.Text.Description) == view.banner_detail.text()
    assert alerts(accessibility_events, view.banner) == ["1 prohibited application found."]


def test_a_clean_disk_is_announced_too(qtbot, tmp_path, accessibility_events):
    disk = linux_disk(tmp_path / "disk", status="Package: vim\nStatus: install ok installed\nVersion: 2:9.0\n\n")
    view, controller = open_window(qtbot, "--root", str(disk))
    check_and_wait(qtbot, controller)
    shown = view.banner_text.text()
    assert shown.startswith("No prohibited application found")
    assert QAccessible.queryAccessibleInterface(view.banner).text(QAccessible.Text.Name) == shown
    assert alerts(accessibility_events, view.banner) == [shown]


def test_a_cancelled_check_is_announced(qtbot, tmp_path, accessibility_events):
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "disk", packages=150_000)))
    qtbot.mouseClick(view.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.cancel_button.isVisible())
    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.task.done, timeout=10000)
    assert alerts(accessibility_events, view.banner) == ["The check was cancelled."]
