"""The plain-text summary a help desk pastes into a ticket: the text report plus every technical fact."""

from __future__ import annotations

import platform
import sys

from appwarden.core.findings import ScanResult
from appwarden.core.i18n import Translator
from appwarden.core.reports.terminal import escape_controls as shown, for_terminal, terminal_output
from appwarden.core.reports.text_report import render_text


def diagnostics_text(result: ScanResult, t: Translator) -> str:
    """Every value a device gave is shown escaped, since the summary is pasted where terminals read it."""
    t = for_terminal(t)
    lines = [render_text(result, t).rstrip(), "", t("Technical details:")]
    lines.append(f"  python {platform.python_version()} on {sys.platform}; root {shown(str(result.target.root))}; live {result.target.live}")
    lines.append(f"  {t('items read')}: {result.items_read}; {result.started_at.isoformat()} - {result.finished_at.isoformat()}")
    for pack in result.packs:
        lines.append(f"  pack {pack.id} {pack.version} sha256 {pack.sha256} ({shown(str(pack.path))})")
    for finding in result.findings:
        for evidence in finding.evidence:
            details = "; ".join(f"{shown(key)}={shown(value)}" for key, value in evidence.details)
            lines.append(
                f"  [{finding.rule.id}] {evidence.source} {evidence.namespace}:{shown(evidence.identifier)}"
                f" @ {shown(evidence.location)} version={shown(evidence.version) or '-'} {details}".rstrip()
            )
    for coverage in result.coverage:
        for problem in coverage.problems:
            elevation = " (" + t("elevation may help") + ")" if problem.elevation_helps else ""
            lines.append(f"  {coverage.source}: {shown(problem.location)} {problem.reason.render(t)}{elevation}")
    return terminal_output("\n".join(lines) + "\n")
