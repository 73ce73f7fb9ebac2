"""What the detail pane says about one finding, as the rich text a QTextBrowser shows.

The sentences are the reports' own (core.reports.wording), so the window, the text report and
the HTML report never disagree.
"""

from __future__ import annotations

from html import escape

from appwarden.core.findings import Finding, ScanResult
from appwarden.core.i18n import Translator
from appwarden.core.reports import wording
from appwarden.core.sources.base import CoverageStatus
from appwarden.core.sources import source_title


def finding_html(finding: Finding, os_name: str, t: Translator, helpdesk: bool) -> str:
    rule, directive = finding.rule, finding.directive
    parts = [
        f"<h2>{escape(t.text(rule.name))}</h2>",
        f"<p>{escape(rule.vendor)}</p>",
        *([] if finding.app_present else [f"<p><b>{escape(wording.presence_sentence(finding, t))}</b></p>"]),
        f"<p><b>{escape(wording.enforcement_sentence(finding, t))}</b></p>",
        f"<h3>{escape(t('Why is this prohibited?'))}</h3>",
        f"<p>{escape(t.text(rule.rationale))}</p>",
        f"<h3>{escape(t('The directive'))}</h3>",
        "<table cellpadding='3'>",
        _row(t("Issued by"), t.text(directive.authority)),
        _row(t("Title"), t.text(directive.title)),
        _row(t("Dated"), t.date(directive.document_date)),
        _row(t("In effect since"), t.date(directive.effective)),
        _row(t("Covers"), t.text(directive.scope.description)),
        "</table>",
        f"<blockquote><i>{escape(t.text(directive.finding))}</i></blockquote>",
        f"<p>{escape(t('Reference:'))}<br><code>{escape(t.text(directive.url))}</code></p>",
        f"<h3>{escape(t('Where it was found'))}</h3><ul>",
        *(f"<li>{escape(wording.evidence_sentence(e, t))}</li>" for e in finding.evidence),
        "</ul>",
        f"<h3>{escape(t('How to remove it'))}</h3>",
        _steps_html(wording.removal_text(finding, os_name, t)),
    ]
    if helpdesk:
        parts.append(_evidence_table(finding, t))
    return "".join(parts)


def _row(label: str, value: str) -> str:
    return f"<tr><td>{escape(label)}</td><td>{escape(value)}</td></tr>"


def _steps_html(steps: str) -> str:
    """Each step its own paragraph, wrapped to the pane's width (a <pre> needed a scroll bar)."""
    return "".join(f"<p style='margin:0 0 4px 0'>{escape(line)}</p>" for line in steps.splitlines() if line.strip())


def identifier_cell(text: str) -> str:
    """An identifier, path or key as a table cell the layout never breaks: "com.tencent.wechat.desktop"
    must not be read out as two words. A long one scrolls instead. (Qt honours white-space on
    blocks and cells, not on inline spans.)"""
    return f"<td style='white-space:nowrap'><code>{escape(text)}</code></td>"


def _evidence_table(finding: Finding, t: Translator) -> str:
    """One block per piece of evidence, one fact per line, so each identifier has the pane's width."""
    blocks = []
    for e in finding.evidence:
        facts = [(t("Identifier"), f"{e.namespace}: {e.identifier}"), (t("Location"), e.location)]
        facts += [(t("Version"), e.version)] if e.version else []
        facts += [(key, value) for key, value in e.details]
        lines = "".join(f"<tr><td>{escape(label)}</td>{identifier_cell(value)}</tr>" for label, value in facts)
        blocks.append(f"<p><b>{escape(t(source_title(e.source)))}</b> (<code>{escape(e.source)}</code>)</p><table cellpadding='2'>{lines}</table>")
    return f"<h3>{escape(t('Technical evidence'))}</h3>" + "".join(blocks)


def empty_detail_html(result: ScanResult | None, t: Translator, action: str, live: bool = True, capture: bool = False) -> str:
    """What the detail pane says when no finding is selected: what to do (for this device, or for the
    disk given with --root when `live` is False), or what was checked."""
    if result is None and capture:
        return (
            f"<h3>{escape(t('Is this phone free of prohibited applications?'))}</h3>"
            f"<p>{escape(t('Press “{action}” to look for applications that government directives prohibit in what was captured from the phone. It takes a few seconds and changes nothing.', action=action))}</p>"
        )
    if result is None and live:
        return (
            f"<h3>{escape(t('Is this device free of prohibited applications?'))}</h3>"
            f"<p>{escape(t('Press “{action}” to look for applications that government directives prohibit. It takes a few seconds and changes nothing on the device.', action=action))}</p>"
        )
    if result is None:
        return (
            f"<h3>{escape(t('Is this disk free of prohibited applications?'))}</h3>"
            f"<p>{escape(t('Press “{action}” to look for applications that government directives prohibit. It takes a few seconds and changes nothing on the disk.', action=action))}</p>"
        )
    if result.findings:
        return f"<p>{escape(t('Select an application in the list to see why it is prohibited and how to remove it.'))}</p>"
    # The sources that apply to this device; those with nothing to read here are counted, not listed
    # (the help-desk table lists them on request).
    applies = [c for c in result.coverage if c.status != CoverageStatus.SKIPPED]
    checked = "".join(
        "<li>" + escape(t("{status}: {detail}", status=wording.status_label(result, c, t), detail=t(source_title(c.source)))) + "</li>"
        for c in applies
    )
    others = len(result.coverage) - len(applies)
    rest = f"<p>{escape(t.plural('{count} other source does not apply here.', '{count} other sources do not apply here.', count=others))}</p>" if others else ""
    return (
        f"<p>{escape(wording.coverage_note(result, t))}</p>"
        f"<h3>{escape(t('What was checked'))}</h3><ul>{checked}</ul>{rest}"
    )

