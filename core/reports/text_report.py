"""The text report: what a help-desk person reads aloud, in the person's language."""

from __future__ import annotations

from appwarden.core.findings import ScanResult
from appwarden.core.i18n import Translator
from appwarden.core.reports import wording
from appwarden.core.reports.terminal import for_terminal, terminal_output
from appwarden.core.scan import OTHER_PLATFORM
from appwarden.core.sources import source_title
from appwarden.core.sources.base import OS_NAMES, CoverageStatus


def render_text(result: ScanResult, t: Translator) -> str:
    """The report, with every value a device gave shown escaped (see core.reports.terminal)."""
    t = for_terminal(t)
    lines = [wording.heading(result, t)]
    if result.reference:  # read out on the phone, so it comes first
        lines.append(wording.reference_sentence(result, t))
    packs = ", ".join(f"{t.text(p.name)} ({p.id} {p.version})" for p in result.packs)
    lines += [t("Policy packs: {packs}", packs=packs), "", " ".join(filter(None, (wording.verdict(result, t), wording.leftovers_note(result, t)))), *wording.accounts_lines(result, t), ""]
    for number, finding in enumerate(result.findings, start=1):
        rule, directive = finding.rule, finding.directive
        lines.append(f"{number}. {t.text(rule.name)} ({rule.vendor}) [{rule.id}]")
        if not finding.app_present:
            lines.append("   " + wording.presence_sentence(finding, t))
        lines.append("   " + wording.enforcement_sentence(finding, t))
        lines.append("   " + t("Why: {rationale}", rationale=t.text(rule.rationale)))
        lines.append("   " + t("Directive: {sentence}", sentence=wording.directive_sentence(finding, t)))
        lines.append("   " + t("Finding: {quote}", quote=t.text(directive.finding)))
        lines.append("   " + t("Reference: {url}", url=t.text(directive.url)))
        lines.append("   " + t("Found:"))
        lines += ["     - " + wording.evidence_sentence(e, t) for e in finding.evidence]
        lines.append("   " + t("How to remove it:"))
        lines += ["     " + line for line in wording.removal_text(finding, result.target.os, t).splitlines()]
        lines.append("")
    lines.append(t("Coverage:"))
    # Sources made for other systems, and those with nothing to read here, are counted on one line
    # each: read aloud, their rows are only noise. The JSON and HTML reports keep every row and its reason.
    other_system = [c.source for c in result.coverage if c.detail.template == OTHER_PLATFORM]
    absent = [c.source for c in result.coverage if c.status == CoverageStatus.SKIPPED and c.source not in other_system]
    shown = [c for c in result.coverage if c.source not in other_system and c.source not in absent]
    titles = {c.source: t(source_title(c.source)) for c in shown}  # another system's sources stay unloaded
    width = max((len(titles[c.source]) for c in shown), default=0)
    for coverage in shown:
        status = t(wording.STATUS_LABELS[coverage.status])
        lines.append(f"  {titles[coverage.source].ljust(width)}  " + t("{status}: {detail}", status=status, detail=coverage.detail.render(t)))
    if absent and result.target.is_connected_phone:
        lines.append("  " + t.plural(
            "{count} other source has nothing to read on this phone.",
            "{count} other sources have nothing to read on this phone.", count=len(absent),
        ))
    elif absent and result.target.live:
        lines.append("  " + t.plural(
            "{count} other source has nothing to read on this device.",
            "{count} other sources have nothing to read on this device.", count=len(absent),
        ))
    elif absent and result.target.is_capture:
        lines.append("  " + t.plural(
            "{count} other source has nothing to read in this capture.",
            "{count} other sources have nothing to read in this capture.", count=len(absent),
        ))
    elif absent:
        lines.append("  " + t.plural(
            "{count} other source has nothing to read on this disk.",
            "{count} other sources have nothing to read on this disk.", count=len(absent),
        ))
    if other_system:
        system = OS_NAMES.get(result.target.os, result.target.os)
        lines.append("  " + t.plural(
            "{count} source made for other systems is not used on {os}.",
            "{count} sources made for other systems are not used on {os}.",
            count=len(other_system), os=system,
        ))
    lines.append(wording.coverage_note(result, t))
    return terminal_output("\n".join(lines) + "\n")
