"""Export follows the file name the person typed: its extension picks the format, the chosen filter adds
one when there is none, and the dialog opens in the documents folder, then in the last one used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.gui.window_fixtures import check_and_wait, linux_disk, open_window

pytest.importorskip("PySide6", reason="the window needs PySide6-Essentials (pip install -e '.[test]')")

from PySide6.QtWidgets import QFileDialog, QMessageBox  # noqa: E402

import appwarden.gui.export as export  # noqa: E402
from appwarden.gui.export import ExportFolder, export_destination  # noqa: E402

HTML_FILTER = "Web page (*.html)"
PDF_FILTER = "PDF document (*.pdf)"
JSON_FILTER = "JSON data (*.json)"


@pytest.mark.parametrize(
    ("typed", "chosen", "written", "format"),
    [
        ("report.pdf", "html", "report.pdf", "pdf"),
        ("REPORT.PDF", "json", "REPORT.PDF", "pdf"),
        ("report.htm", "pdf", "report.htm", "html"),
        ("Report.Html", "json", "Report.Html", "html"),
        ("report.JSON", "html", "report.JSON", "json"),
        ("report2", "pdf", "report2.pdf", "pdf"),
        ("report2", "json", "report2.json", "json"),
        ("report2", "html", "report2.html", "html"),
        ("notes.txt", "pdf", "notes.txt", "pdf"),
        ("check.2026-12-01", "json", "check.2026-12-01", "json"),
        ("report", "", "report.html", "html"),
    ],
)
def test_the_typed_extension_decides_and_the_filter_fills_in(typed, chosen, written, format):
    assert export_destination(Path("/docs") / typed, chosen) == (Path("/docs") / written, format)


@pytest.fixture
def checked(qtbot, tmp_path, monkeypatch):
    """A window after a check with one finding, and a fresh session memory of the export folder."""
    monkeypatch.setattr(export, "export_folder", ExportFolder())
    root = linux_disk(tmp_path / "disk")
    view, controller = open_window(qtbot, "--root", str(root))
    check_and_wait(qtbot, controller)
    return controller


def answer_the_dialog(monkeypatch, *answers: tuple[str, str]) -> list[str]:
    """Stand in for the save dialog: give `answers` in turn and keep the folder and name it opened with."""
    opened: list[str] = []
    queue = list(answers)

    def get_save_file_name(parent, caption, directory, filters):
        opened.append(directory)
        assert filters.split(";;") == [HTML_FILTER, PDF_FILTER, JSON_FILTER]
        return queue.pop(0)

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(get_save_file_name))
    return opened


def test_a_pdf_name_under_the_web_page_filter_writes_a_pdf(checked, tmp_path, monkeypatch):
    answer_the_dialog(monkeypatch, (str(tmp_path / "report.pdf"), HTML_FILTER))
    checked.export()
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert checked.view.statusBar().currentMessage() == f"Report written to {tmp_path / 'report.pdf'}."


def test_the_pdf_filter_adds_its_extension(checked, tmp_path, monkeypatch):
    answer_the_dialog(monkeypatch, (str(tmp_path / "report2"), PDF_FILTER))
    checked.export()
    assert (tmp_path / "report2.pdf").read_bytes().startswith(b"%PDF")
    assert not (tmp_path / "report2").exists()
    assert checked.view.statusBar().currentMessage() == f"Report written to {tmp_path / 'report2.pdf'}."


def test_a_json_name_under_the_pdf_filter_writes_json(checked, tmp_path, monkeypatch):
    answer_the_dialog(monkeypatch, (str(tmp_path / "Report.JSON"), PDF_FILTER))
    checked.export()
    report = json.loads((tmp_path / "Report.JSON").read_text(encoding="utf-8"))
    assert [f["rule"] for f in report["findings"]] == ["wechat", "kaspersky"]


def test_the_dialog_opens_in_documents_then_in_the_last_folder_used(checked, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home/.config"))  # no user-dirs.dirs there
    (tmp_path / "home/Documents").mkdir(parents=True)
    chosen = tmp_path / "tickets"
    chosen.mkdir()
    opened = answer_the_dialog(monkeypatch, (str(chosen / "report.html"), HTML_FILTER), ("", ""))
    checked.export()
    checked.export()
    assert opened == [str(tmp_path / "home/Documents/appwarden-report.html"), str(chosen / "appwarden-report.html")]


def test_without_a_documents_folder_the_dialog_opens_at_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home/.config"))
    (tmp_path / "home").mkdir()
    assert ExportFolder().current() == tmp_path / "home"


def test_an_added_extension_does_not_replace_a_file_unasked(checked, tmp_path, monkeypatch):
    (tmp_path / "report2.pdf").write_text("an older report")
    answer_the_dialog(monkeypatch, (str(tmp_path / "report2"), PDF_FILTER))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda parent, title, text: asked.append(text) or QMessageBox.StandardButton.No))
    checked.export()
    assert asked == ["report2.pdf already exists. Do you want to replace it?"]
    assert (tmp_path / "report2.pdf").read_text() == "an older report"
    assert not (tmp_path / "report2").exists()
