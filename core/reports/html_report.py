"""The HTML report: one self-contained, printable file (no scripts, no external resources)."""

from __future__ import annotations

from html import escape

from appwarden.core.findings import Finding, ScanResult
from appwarden.core.i18n import Translator
from appwarden.core.reports import wording
from appwarden.core.sources import source_title
from appwarden.core.sources.base import CoverageStatus

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2733;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.5}
h1{font-size:1.5em;margin-bottom:.25em}.meta{color:#4a5663}h3{font-size:1.05em;margin:1em 0 .25em}
.verdict{padding:1em 1.25em;border-radius:.5em;font-size:large;font-weight:600;margin:1.5em 0;border:2px solid}
.verdict.ok{background:#e8f5ec;border-color:#2e7d4a;color:#1e5631}
.verdict.found{background:#fdecec;border-color:#b3261e;color:#8c1d18}
.verdict.leftovers{background:#e8f0fb;border-color:#1f5fbf;color:#17427f}
.verdict.incomplete{background:#fff4e0;border-color:#a05a00;color:#6e3e00}
.finding{border:1px solid #c9d1da;border-radius:.5em;padding:1em 1.25em;margin:1.5em 0;page-break-inside:avoid}
.finding h2{font-size:1.25em;margin:0 0 .5em;color:#8c1d18}.enforcement{font-weight:600}
blockquote{margin:.5em 0 .5em 2em;padding-left:1em;border-left:4px solid #c9d1da;font-style:italic}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3em .6em;border-bottom:1px solid #e1e6eb;vertical-align:top}
code,.url{font-family:ui-monospace,monospace;font-size:.9em;word-break:break-all}
pre{white-space:pre-wrap;font-family:inherit;margin:.25em 0}
@media print{body{margin:0;max-width:none}.finding{border-color:#888}}
"""
VERDICT_MARKS = {"ok": "\u2714", "found": "\u2716", "incomplete": "\u26a0", "leftovers": "\u2139"}


def render_html(result: ScanResult, t: Translator) -> str:
    state = "found" if result.apps_present else ("ok" if result.complete_for_its_scope else "incomplete")
    if state == "ok" and result.leftovers_only:
        state = "leftovers"  # the app is gone; what it left behind is listed below
    packs = ", ".join(f"{t.text(p.name)} ({p.id} {p.version})" for p in result.packs)
    parts = [
        f'<!DOCTYPE html>\n<html lang="{t.lang}"><head><meta charset="utf-8">',
        f"<title>{escape(t('AppWarden report'))}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(t('AppWarden report'))}</h1>",
        f'<p class="meta">{escape(wording.heading(result, t))}<br>{_reference_line(result, t)}'
        f'{escape(t("Policy packs: {packs}", packs=packs))}</p>',
        f'<p class="verdict {state}" role="status"><span aria-hidden="true">{VERDICT_MARKS[state]}</span> '
        f"{escape(' '.join(filter(None, (wording.verdict(result, t), wording.leftovers_note(result, t)))))}</p>",
        *(f'<p class="scope">{escape(line)}</p>' for line in wording.accounts_lines(result, t)),
    ]
    parts += [_finding_html(f, result.target.os, t) for f in result.findings]
    parts.append(_coverage_html(result, t))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _reference_line(result: ScanResult, t: Translator) -> str:
    if not result.reference:
        return ""
    return f'<strong class="reference">{escape(wording.reference_sentence(result, t))}</strong><br>'


def _finding_html(finding: Finding, os_name: str, t: Translator) -> str:
    rule, directive = finding.rule, finding.directive
    evidence = "".join(f"<li>{escape(wording.evidence_sentence(e, t))}</li>" for e in finding.evidence)
    return (
        f'<section class="finding"><h2>{escape(t.text(rule.name))} <small>({escape(rule.vendor)})</small></h2>'
        + (f'<p class="presence">{escape(wording.presence_sentence(finding, t))}</p>' if not finding.app_present else "")
        + f'<p class="enforcement">{escape(wording.enforcement_sentence(finding, t))}</p>'
        f"<h3>{escape(t('Why is this prohibited?'))}</h3><p>{escape(t.text(rule.rationale))}</p>"
        f"<h3>{escape(t('The directive'))}</h3><p>{escape(wording.directive_sentence(finding, t))}</p>"
        f"<blockquote>{escape(t.text(directive.finding))}</blockquote>"
        f'<p>{escape(t("Reference:"))} <span class="url">{escape(t.text(directive.url))}</span></p>'
        f"<h3>{escape(t('Where it was found'))}</h3><ul>{evidence}</ul>"
        f"<h3>{escape(t('How to remove it'))}</h3><pre>{escape(wording.removal_text(finding, os_name, t))}</pre>"
        "</section>"
    )


def _coverage_html(result: ScanResult, t: Translator) -> str:
    rows = []
    for coverage in result.coverage:
        mark = "" if coverage.status in (CoverageStatus.OK, CoverageStatus.SKIPPED) else "\u26a0 "
        rows.append(
            f"<tr><td>{escape(t(source_title(coverage.source)))}</td>"
            f"<td>{mark}{escape(t(wording.STATUS_LABELS[coverage.status]))}</td>"
            f"<td>{escape(coverage.detail.render(t))}</td></tr>"
        )
    return (
        f"<h2>{escape(t('Coverage'))}</h2><p>{escape(wording.coverage_note(result, t))}</p>"
        f"<table><thead><tr><th>{escape(t('Source'))}</th><th>{escape(t('Status'))}</th>"
        f"<th>{escape(t('Detail'))}</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
