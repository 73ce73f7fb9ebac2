"""Saving a scan's report as HTML, JSON or PDF, and printing it; the words come from core.reports."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLocale, QMarginsF, QStandardPaths
from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrinter

from appwarden.core.errors import UsageError
from appwarden.core.files import replacing_atomically, write_text_atomically
from appwarden.core.findings import ScanResult
from appwarden.core.i18n import Translator
from appwarden.core.messages import Message
from appwarden.core.reports import render_report

EXPORT_FORMATS = ("html", "json", "pdf")
FORMAT_OF_EXTENSION = {".html": "html", ".htm": "html", ".json": "json", ".pdf": "pdf"}
DEFAULT_REPORT_NAME = "appwarden-report.html"
# QTextDocument.print adds 2 cm margins of its own to a document without a page size.
PAGE_MARGINS_MM = QMarginsF(0, 0, 0, 0)
PRINT_POINT_SIZE = 10.5


def export_report(result: ScanResult, format: str, path: Path, translate: Translator) -> None:
    """Write the report to `path` all or nothing, over nothing but a regular file of the person's own
    (core.files); a failure is a UsageError with a sentence."""
    if format not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {format!r}")
    try:
        if format == "pdf":
            _write_pdf(result, Path(path), translate)
        else:
            write_text_atomically(Path(path), render_report(result, format, translate))
    except OSError as error:
        raise UsageError(
            Message.of("Cannot write the report to {path}: {error}.", path=path, error=error.strerror or error),
            detail=repr(error),
        ) from None


def export_destination(typed: Path, chosen_format: str) -> tuple[Path, str]:
    """Where a report goes and in which format, from the name the person typed and the filter chosen.
    A known extension (any case) decides the format; a name without one gets the chosen format's; a
    name with any other extension is kept as typed (as Qt's own default suffix does) and gets the
    chosen format, since the person picked that format and chose that name."""
    typed = Path(typed)
    typed_format = FORMAT_OF_EXTENSION.get(typed.suffix.lower())
    if typed_format is not None:
        return typed, typed_format
    format = chosen_format if chosen_format in EXPORT_FORMATS else "html"
    if typed.suffix:
        return typed, format
    return typed.with_name(f"{typed.name}.{format}"), format


class ExportFolder:
    """The folder the export dialog opens in: the documents folder until the person saves a report
    somewhere, then that folder for the rest of the session (the settings file has no place for it)."""

    def __init__(self) -> None:
        self.last: Path | None = None

    def current(self) -> Path:
        if self.last is not None and self.last.is_dir():
            return self.last
        documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        if documents and Path(documents).is_dir():
            return Path(documents)
        return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.HomeLocation) or ".")

    def remember(self, report: Path) -> None:
        self.last = Path(report).parent


export_folder = ExportFolder()  # one per session: the window's process


def print_report(result: ScanResult, printer: QPrinter, translate: Translator) -> None:
    """Print the report on a printer the caller has set up (usually through QPrintDialog)."""
    document = report_document(result, translate)
    printer.setDocName(document.metaInformation(QTextDocument.MetaInformation.DocumentTitle))
    document.print_(printer)


def report_document(result: ScanResult, translate: Translator) -> QTextDocument:
    """The HTML report laid out by Qt, with the report's own @media print rules applied."""
    document = QTextDocument()
    document.setMetaInformation(QTextDocument.MetaInformation.CssMedia, "print")
    font = document.defaultFont()
    font.setPointSizeF(PRINT_POINT_SIZE)
    document.setDefaultFont(font)
    document.setHtml(render_report(result, "html", translate))  # its <title> becomes the document title
    _let_trailing_block_share_the_last_page(document)
    return document


def _let_trailing_block_share_the_last_page(document: QTextDocument) -> None:
    """Qt always adds an empty paragraph after the closing coverage table. When the table ends at the
    foot of a page, that paragraph alone would print a blank last page; pulling it up by its own
    height over the table's end keeps it on the table's page (it has nothing to draw)."""
    last = document.lastBlock()
    tables = document.rootFrame().childFrames()
    if last.length() > 1 or not tables or tables[-1].lastPosition() + 1 != last.position():
        return
    table_format = tables[-1].frameFormat()
    table_format.setBottomMargin(-document.documentLayout().blockBoundingRect(last).height())
    tables[-1].setFrameFormat(table_format)


def _write_pdf(result: ScanResult, path: Path, translate: Translator) -> None:
    with replacing_atomically(path) as temporary:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(temporary))
        printer.setPageLayout(
            QPageLayout(_local_page_size(), QPageLayout.Orientation.Portrait, PAGE_MARGINS_MM, QPageLayout.Unit.Millimeter)
        )
        print_report(result, printer, translate)
        if temporary.stat().st_size == 0:
            # QPrinter reports no error of its own: an empty file is how a failed print shows.
            raise OSError(f"the PDF printer wrote nothing to {temporary}")


def _local_page_size() -> QPageSize:
    """Letter where the locale measures in inches (United States), A4 elsewhere."""
    imperial = QLocale().measurementSystem() == QLocale.MeasurementSystem.ImperialUSSystem
    return QPageSize(QPageSize.PageSizeId.Letter if imperial else QPageSize.PageSizeId.A4)
