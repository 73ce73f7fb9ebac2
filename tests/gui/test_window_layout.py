"""What the window's layout promises: the primary action follows the result, the system's font and
palette are followed, the evidence has room, and identifiers are never broken in two."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from appwarden.core.sources import ALL_SOURCES
from tests.gui.window_fixtures import check_and_wait, linux_disk, open_window

CLEAN = "Package: vim\nStatus: install ok installed\nVersion: 2:9.0\nArchitecture: amd64\n\n"
GUI = Path(__file__).resolve().parents[2] / "gui"


def test_once_something_is_found_removing_it_is_the_primary_action(qtbot, tmp_path):
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "disk")))
    assert view.check_button.property("role") == "primary" and view.check_button.isDefault()
    check_and_wait(qtbot, controller)
    assert view.remove_button.property("role") == "primary" and view.remove_button.isDefault()
    assert view.check_button.property("role") == "" and not view.check_button.isDefault()


def test_a_clean_result_keeps_checking_as_the_primary_action(qtbot, tmp_path):
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "disk", status=CLEAN)))
    check_and_wait(qtbot, controller)
    assert view.check_button.property("role") == "primary" and not view.remove_button.isVisibleTo(view)


def test_no_stylesheet_sets_a_font_size_in_pixels_or_points():
    for module in GUI.glob("*.py"):
        assert not re.search(r"font-size\s*:", module.read_text(encoding="utf-8")), module.name


def test_the_window_follows_a_larger_system_font(qtbot, tmp_path):
    app = QApplication.instance()
    original = app.font()
    larger = type(original)(original)
    larger.setPointSizeF(original.pointSizeF() * 1.5)
    app.setFont(larger)
    try:
        view, _ = open_window(qtbot, "--root", str(linux_disk(tmp_path / "disk")))
        assert view.detail.font().pointSizeF() == pytest.approx(larger.pointSizeF())
        assert view.title.font().pointSizeF() == pytest.approx(larger.pointSizeF() * 1.6)
        assert view.banner_text.font().pointSizeF() == pytest.approx(larger.pointSizeF() * 1.15)
    finally:
        app.setFont(original)


def test_a_dark_high_contrast_palette_gets_the_light_meaning_colours(qtbot, tmp_path):
    app = QApplication.instance()
    original = app.palette()
    dark = QPalette(original)
    for role, colour in ((QPalette.ColorRole.Base, "#000000"), (QPalette.ColorRole.Text, "#ffffff"), (QPalette.ColorRole.Window, "#000000")):
        dark.setColor(role, QColor(colour))
    app.setPalette(dark)
    try:
        view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "disk")))
        check_and_wait(qtbot, controller)
        assert view.banner_icon.styleSheet() == "color: #ff8a80;"  # not the dark red meant for a light page
    finally:
        app.setPalette(original)


def test_the_help_desk_view_gives_the_evidence_room(qtbot, tmp_path):
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "disk")))
    view.resize(1100, 760)
    check_and_wait(qtbot, controller)
    view.helpdesk_toggle.setChecked(True)
    qtbot.wait(50)
    # Finding details above what was checked, both resizable, neither collapsible to nothing.
    assert view.details_splitter.orientation() == Qt.Orientation.Vertical
    assert view.details_splitter.widget(1) is view.coverage_panel and not view.details_splitter.childrenCollapsible()
    assert view.detail.width() >= 600
    assert view.detail.horizontalScrollBar().maximum() == 0  # nothing runs off the side
    assert "deb: wechat" in view.detail.toPlainText()


def test_identifiers_are_never_broken_in_two():
    """Laid out far narrower than the identifier, the evidence widens the page (it scrolls) instead
    of breaking "com.tencent.wechat.desktop" as Qt breaks a word that does not fit."""
    from PySide6.QtGui import QTextDocument

    from appwarden.core.findings import Evidence, Finding
    from appwarden.core.i18n import Translator
    from appwarden.core.policy.loader import load_policies
    from appwarden.core.policy.model import Enforcement
    from appwarden.core.sources.base import EvidenceKind
    from appwarden.gui.detail_html import finding_html, identifier_cell

    assert identifier_cell("<b>") == "<td style='white-space:nowrap'><code>&lt;b&gt;</code></td>"
    policies = load_policies()
    rule = policies.rule("wechat")
    entry = Evidence("desktop_entries", EvidenceKind.INSTALLED, "desktop_file", "com.tencent.wechat.desktop",
                     "/usr/share/applications/com.tencent.wechat.desktop")
    finding = Finding(rule, policies.directive(rule.directive_id), Enforcement.RECOMMENDED, (entry,))
    whole = QTextDocument()
    whole.setHtml("<code>/usr/share/applications/com.tencent.wechat.desktop</code>")
    for helpdesk in (False, True):
        document = QTextDocument()
        option = document.defaultTextOption()
        option.setWrapMode(view_wrap_mode())
        document.setDefaultTextOption(option)
        document.setHtml(finding_html(finding, "linux", Translator("en"), helpdesk=helpdesk))
        document.setTextWidth(120)
        assert document.size().width() > 120  # widened, not broken
        if helpdesk:  # the help-desk cell holds the whole path on one line
            assert document.size().width() >= whole.idealWidth()


def view_wrap_mode():
    from appwarden.gui.main_window import MainWindowView

    view = MainWindowView()
    mode = view.detail.wordWrapMode()
    view.deleteLater()
    return mode


def test_the_coverage_table_shows_the_sources_that_apply_unless_asked(qtbot, tmp_path):
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "disk")))
    check_and_wait(qtbot, controller)
    rows = lambda: [coverage.source for coverage in controller.coverage.coverage][: controller.coverage.rowCount()]
    assert rows() == ["dpkg", "leftovers"]
    view.all_sources_toggle.setChecked(True)
    assert len(rows()) == len(ALL_SOURCES) and "snap" in rows()
    view.all_sources_toggle.setChecked(False)
    assert rows() == ["dpkg", "leftovers"]


def test_the_detail_pane_shows_a_focus_indicator():
    from appwarden.gui.main_window import STYLE

    assert "QTextBrowser:focus" in STYLE and "QListView:focus" in STYLE


def test_a_clean_result_lists_the_sources_that_apply_and_counts_the_others(qtbot, tmp_path):
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "disk", status=CLEAN)))
    check_and_wait(qtbot, controller)
    text = view.detail.toPlainText()
    assert "read: Debian packages" in text and "RPM packages" not in text
    skipped = sum(1 for c in controller.result.coverage if c.status.value == "skipped")
    assert f"{skipped} other sources do not apply here." in text
