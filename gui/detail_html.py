"""What the detail pane says about one finding, as the rich text a QTextBrowser shows.

The sentences are the reports' own (core.reports.wording), so the window, the text report and
the HTML report never disagree.
"""

from __future__ import annotations

from html import escape

from core.findings import Finding, ScanResult
from core.i18n import Translator
from core.reports import wording


def finding_html(finding: Finding, os_name: str, t: Translator, helpdesk: bool) -> str:
    rule, directive = finding.rule, finding.directive
    parts = [
        f"<h2>{escape(t.text(rule.name))}</h2>",
        f"<p style='color:#4a5663'>{escape(rule.vendor)}</p>",
        f"<p><b>{escape(wording.enforcement_sentence(finding, t))}</b></p>",
        f"<h3>{escape(t('Why is this prohibited?'))}</h3>",
        f"<p>{escape(t.text(rule.rationale))}</p>",
        f"<h3>{escape(t('The directive'))}</h3>",
        "<table cellpadding='3'>",
        _row(t("Issued by"), t.text(directive.authority)),
        _row(t("Title"), t.text(directive.title)),
        _row(t("Dated"), directive.document_date.isoformat()),
        _row(t("In effect since"), directive.effective.isoformat()),
        _row(t("Covers"), t.text(directive.scope.description)),
        "</table>",
        f"<blockquote><i>{escape(t.text(directive.finding))}</i></blockquote>",
        f"<p>{escape(t('Reference:'))}<br><code>{escape(directive.url)}</code></p>",
        f"<h3>{escape(t('Where it was found'))}</h3><ul>",
        *(f"<li>{escape(wording.evidence_sentence(e, t))}</li>" for e in finding.evidence),
        "</ul>",
    ]
    if helpdesk:
        parts.append(_evidence_table(finding, t))
    return "".join(parts)


def _row(label: str, value: str) -> str:
    return f"<tr><td style='color:#4a5663'>{escape(label)}</td><td>{escape(value)}</td></tr>"


def _evidence_table(finding: Finding, t: Translator) -> str:
    rows = []
    for e in finding.evidence:
        details = "; ".join(f"{key}={value}" for key, value in e.details)
        rows.append(
            "<tr>" + "".join(
                f"<td><code>{escape(cell)}</code></td>"
                for cell in (e.source, f"{e.namespace}: {e.identifier}", e.location, e.version, details)
            ) + "</tr>"
        )
    headings = (t("Source"), t("Identifier"), t("Location"), t("Version"), t("Details"))
    header = "".join(f"<th align='left'>{escape(h)}</th>" for h in headings)
    return (
        f"<h3>{escape(t('Technical evidence'))}</h3>"
        f"<table border='1' cellspacing='0' cellpadding='3'><tr>{header}</tr>{''.join(rows)}</table>"
    )


def empty_detail_html(result: ScanResult | None, t: Translator, action: str) -> str:
    """What the detail pane says when no finding is selected: what to do, or what was checked."""
    if result is None:
        return (
            f"<h3>{escape(t('Is this device free of prohibited applications?'))}</h3>"
            f"<p>{escape(t('Press “{action}” to look for applications that government directives prohibit. It takes a few seconds and changes nothing on the device.', action=action))}</p>"
        )
    if result.findings:
        return f"<p>{escape(t('Select an application in the list to see why it is prohibited and how to remove it.'))}</p>"
    checked = "".join(
        f"<li>{escape(t(wording.STATUS_LABELS[c.status]))}: {escape(t(_title(c.source)))}</li>" for c in result.coverage
    )
    return (
        f"<p>{escape(wording.coverage_note(result, t))}</p>"
        f"<h3>{escape(t('What was checked'))}</h3><ul>{checked}</ul>"
    )


def _title(source: str) -> str:
    from core.sources import ALL_SOURCES

    return next((s.spec.title for s in ALL_SOURCES if s.spec.name == source), source)
