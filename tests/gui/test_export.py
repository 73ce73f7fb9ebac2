"""Exported reports, read back: JSON parses to the finding, HTML and PDF carry its words, failures are sentences."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from appwarden.core.errors import UsageError
from appwarden.core.i18n import Translator
from appwarden.core.policy.loader import load_policies
from appwarden.core.scan import run_scan
from appwarden.core.target import make_target
from tests.core.test_output_files import SPECIAL, leftovers_of_writing, node_state
from tests.gui.window_fixtures import linux_disk

from PySide6.QtPrintSupport import QPrinter  # noqa: E402  (after the offscreen platform is chosen)

import appwarden.gui.export as export  # noqa: E402
from appwarden.gui.export import EXPORT_FORMATS, export_report, print_report  # noqa: E402

WECHAT_ONLY = "Package: wechat\nStatus: install ok installed\nVersion: 4.0.1.11\nArchitecture: amd64\n\n"
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="pdftotext is not installed (Debian package poppler-utils, listed in tests/debian-packages.txt), "
           "so the exported PDF's text cannot be read back",
)


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    root = linux_disk(tmp_path_factory.mktemp("disk"), status=WECHAT_ONLY)
    return run_scan(make_target(root), load_policies())


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True).stdout


def test_the_fixture_disk_has_one_finding(result):
    assert [f.rule.id for f in result.findings] == ["wechat"]


def test_json_export_parses_to_the_finding(qtbot, tmp_path, result):
    path = tmp_path / "report.json"
    export_report(result, "json", path, Translator("en"))
    report = json.loads(path.read_text(encoding="utf-8"))
    assert [f["rule"] for f in report["findings"]] == ["wechat"]
    assert report["findings"][0]["name"] == "WeChat (Weixin)"
    assert report["language"] == "en"


def test_html_export_names_the_app_and_the_directive(qtbot, tmp_path, result):
    path = tmp_path / "report.html"
    export_report(result, "html", path, Translator("en"))
    html = path.read_text(encoding="utf-8")
    url = result.findings[0].directive.url.get("en")
    assert url.startswith("https://www.canada.ca/")
    assert "WeChat (Weixin)" in html and url in html
    assert html.startswith("<!DOCTYPE html>")


def test_pdf_export_is_a_pdf(qtbot, tmp_path, result):
    path = tmp_path / "report.pdf"
    export_report(result, "pdf", path, Translator("en"))
    assert path.read_bytes().startswith(b"%PDF")
    assert b"AppWarden report" in path.read_bytes()  # the document title, in the PDF's metadata
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


@needs_pdftotext
def test_pdf_export_reads_back_as_the_report(qtbot, tmp_path, result):
    path = tmp_path / "report.pdf"
    export_report(result, "pdf", path, Translator("en"))
    text = pdf_text(path)
    assert "WeChat" in text and "Why is this prohibited?" in text
    assert f"Reference code: {result.reference}" in text and "check of desk-12 (" in text
    assert "Coverage" in text and "Leftover" in text  # the source as people call it ("ﬁ" is a PDF ligature)


@needs_pdftotext
def test_pdf_export_speaks_french(qtbot, tmp_path, result):
    path = tmp_path / "rapport.pdf"
    export_report(result, "pdf", path, Translator("fr"))
    assert "Pourquoi est-ce interdit?" in pdf_text(path)


@needs_pdftotext
def test_no_pdf_page_is_left_blank(qtbot, tmp_path, result, monkeypatch):
    """Qt puts an empty paragraph after the closing table; at some text sizes it used to print a last
    page holding only its page number (here at 10.5 pt). Sweeping the text size moves the table's end
    across the foot of a page."""
    path = tmp_path / "report.pdf"
    for twentieth in range(180, 241):
        monkeypatch.setattr(export, "PRINT_POINT_SIZE", twentieth / 20)
        export_report(result, "pdf", path, Translator("en"))
        pages = pdf_text(path).split("\f")[:-1]
        assert all(len(page.split()) > 1 for page in pages), f"a blank page at {twentieth / 20} pt"
        assert "Leftover" in pages[-1]  # the coverage table's last row, "Leftover files"


def test_print_report_prints_to_the_given_printer(qtbot, tmp_path, result):
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    print_report(result, printer, Translator("fr"))
    assert printer.docName() == "Rapport d’AppWarden"
    assert (tmp_path / "printed.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("format", EXPORT_FORMATS)
def test_an_unwritable_place_gives_a_sentence(qtbot, tmp_path, result, format):
    path = tmp_path / "missing-folder" / f"report.{format}"
    with pytest.raises(UsageError) as raised:
        export_report(result, format, path, Translator("en"))
    assert raised.value.message == f"Cannot write the report to {path}: No such file or directory."
    assert raised.value.render(Translator("fr")) == f"Impossible d’écrire le rapport dans {path} : No such file or directory."


@pytest.mark.parametrize("format", EXPORT_FORMATS)
def test_a_failed_export_leaves_the_previous_report_whole(qtbot, tmp_path, result, format, monkeypatch):
    path = tmp_path / f"report.{format}"
    path.write_text("the previous report", encoding="utf-8")

    def refuse(source, destination):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(UsageError, match="Permission denied"):
        export_report(result, format, path, Translator("en"))
    assert path.read_text(encoding="utf-8") == "the previous report"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_an_unknown_format_is_a_bug_not_a_sentence(qtbot, tmp_path, result):
    with pytest.raises(ValueError):
        export_report(result, "docx", tmp_path / "report.docx", Translator("en"))


@pytest.mark.parametrize("format", EXPORT_FORMATS)
@pytest.mark.parametrize("make, reason", SPECIAL)
def test_export_leaves_a_special_node_as_it_is_and_says_why(qtbot, tmp_path, result, format, make, reason):
    node = tmp_path / f"report.{format}"
    make(node)
    before = node_state(node)
    with pytest.raises(UsageError) as raised:
        export_report(result, format, node, Translator("en"))
    assert raised.value.message == f"Cannot write the report to {node}: {reason}."
    french = raised.value.render(Translator("fr"))
    assert french.startswith(f"Impossible d’écrire le rapport dans {node} : ") and reason not in french
    assert node_state(node) == before
    assert leftovers_of_writing(tmp_path) == []
