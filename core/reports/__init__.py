"""Reports of a scan: text (read aloud by a help desk), JSON (a versioned contract), HTML (printable)."""

from __future__ import annotations

from appwarden.core.findings import ScanResult
from appwarden.core.i18n import Translator

FORMATS = ("text", "json", "html")


def render_report(result: ScanResult, format: str, translate: Translator) -> str:
    if format == "json":
        from appwarden.core.reports.json_report import render_json

        return render_json(result, translate)
    if format == "html":
        from appwarden.core.reports.html_report import render_html

        return render_html(result, translate)
    from appwarden.core.reports.text_report import render_text

    return render_text(result, translate)
