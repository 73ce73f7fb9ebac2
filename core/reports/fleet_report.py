"""The fleet summary: many hosts in one report (text, JSON, HTML), counts first, hosts below.

Every value that came from the fleet data (host names, what osquery listed) is a stranger's text:
the text report escapes it for the terminal, the HTML report escapes it as HTML.
"""

from __future__ import annotations

import json
from html import escape

from appwarden.core.findings import Finding
from appwarden.core.fleet.summary import OSQUERY, FleetResult, HostResult
from appwarden.core.i18n import Translator
from appwarden.core.reports import wording
from appwarden.core.reports.html_report import STYLE as REPORT_STYLE
from appwarden.core.reports.json_report import coverage_dict, directive_dict, evidence_dict
from appwarden.core.reports.terminal import escape_controls, for_terminal, terminal_output
from appwarden.core.sources.base import OS_NAMES, CoverageStatus
from appwarden.core.version import __version__

SCHEMA = 1
HOSTS_NAMED = 20  # hosts named in a line of the text report; the JSON and HTML reports name them all
# The check report's style, wider for the hosts' table, with the fleet's own parts.
STYLE = REPORT_STYLE + """
body{max-width:72em}table{margin:.5em 0 1.5em}th{background:#f3f5f7}td.count{text-align:right;font-variant-numeric:tabular-nums}
.host{border:1px solid #c9d1da;border-radius:.5em;padding:.75em 1.25em;margin:1em 0;page-break-inside:avoid}
@media print{body{max-width:none}}
"""


def render_fleet(result: FleetResult, format: str, t: Translator) -> str:
    if format == "json":
        return json.dumps(fleet_dict(result, t), ensure_ascii=False, indent=2) + "\n"
    if format == "html":
        return render_fleet_html(result, t)
    return render_fleet_text(result, t)


# ------------------------------------------------------------------------------------------------
# Sentences shared by the three
# ------------------------------------------------------------------------------------------------

def origin_sentence(result: FleetResult, t: Translator) -> str:
    files = ", ".join(result.files)
    if result.origin == OSQUERY:
        return t("Read from osquery results: {files}", files=files)
    return t.plural("Read from {count} AppWarden report: {files}", "Read from {count} AppWarden reports: {files}",
                    count=len(result.files), files=files)


def verdict(result: FleetResult, t: Translator) -> str:
    total, found = len(result.hosts), len(result.hosts_with_apps)
    if not total:
        return t("The results name no host.")
    if not found:
        return t.plural("The {count} host has no prohibited app.", "None of the {count} hosts has a prohibited app.", count=total)
    return t.plural("{found} of {count} host has a prohibited app.", "{found} of {count} hosts have a prohibited app.",
                    count=total, found=found)


def incomplete_hosts(result: FleetResult) -> list[HostResult]:
    return [h for h in result.hosts if not h.complete]


def _host_label(host: HostResult) -> str:
    return f"{host.name} ({OS_NAMES.get(host.platform, host.platform)})"


def _rules(result: FleetResult) -> list[tuple[Finding, list[HostResult]]]:
    """Each rule found, with one of its findings (for the directive) and its hosts, most hosts first."""
    by_rule = result.hosts_by_rule()
    first = {}
    for host in result.hosts:
        for finding in host.apps_present:
            first.setdefault(finding.rule.id, finding)
    return sorted(((first[rule], hosts) for rule, hosts in by_rule.items()), key=lambda pair: (-len(pair[1]), pair[0].rule.id))


# ------------------------------------------------------------------------------------------------
# Text
# ------------------------------------------------------------------------------------------------

def render_fleet_text(result: FleetResult, t: Translator) -> str:
    t = for_terminal(t)
    packs = ", ".join(f"{t.text(p.name)} ({p.id} {p.version})" for p in result.packs)
    lines = [t("AppWarden {version}: fleet summary, {when}", version=__version__, when=t.moment(result.read_at)),
             origin_sentence(result, t), t("Policy packs: {packs}", packs=packs), "", verdict(result, t)]
    incomplete = incomplete_hosts(result)
    if incomplete:
        lines.append(t.plural("The data of {count} host is incomplete: a finding may be missing there (see Coverage).",
                              "The data of {count} hosts is incomplete: a finding may be missing there (see Coverage).",
                              count=len(incomplete)))
    rules = _rules(result)
    if rules:
        lines += ["", t("Apps found, by rule:")]
    for finding, hosts in rules:
        rule = finding.rule
        lines.append("  " + _said(t, f"{t.text(rule.name)} ({rule.vendor}) [{rule.id}]", t.plural("{count} host", "{count} hosts", count=len(hosts))))
        lines.append("    " + wording.enforcement_sentence(finding, t))
        lines.append("    " + t("Directive: {sentence}", sentence=wording.directive_sentence(finding, t)))
        lines.append("    " + t("Finding: {quote}", quote=t.text(finding.directive.finding)))
        lines.append("    " + t("Hosts: {hosts}", hosts=_some(hosts, t)))
    if result.hosts_with_apps:
        lines += ["", t("Hosts with a prohibited app:")]
    for number, host in enumerate(result.hosts_with_apps, start=1):
        # The host's name and reference came from the fleet data: escaped, so a line break in one
        # cannot start a line of the report.
        lines.append(escape_controls(f"  {number}. {_host_label(host)}" + (f"  {host.reference}" if host.reference else "")))
        for finding in host.apps_present:
            lines.append("     - " + _said(t, f"{t.text(finding.rule.name)} [{finding.rule.id}]", wording.short_reason(finding, t)))
            lines += ["         " + wording.evidence_sentence(e, t) for e in finding.evidence]
            lines.append("       " + t("How to remove it:"))
            lines += ["         " + line for line in wording.removal_text(finding, host.platform, t).splitlines()]
    lines += ["", t("Coverage:")]
    for coverage in result.coverage:
        lines.append("  " + _said(t, t(wording.STATUS_LABELS[coverage.status]), coverage.detail.render(t)))
        lines += ["    " + (_said(t, p.location, p.reason.render(t)) if p.location else p.reason.render(t)) for p in coverage.problems]
    if incomplete:
        lines.append("  " + t("Incomplete: {hosts}", hosts=_some(incomplete, t)))
        for host in incomplete[:HOSTS_NAMED]:
            gaps = [c for c in host.coverage if c.status not in (CoverageStatus.OK, CoverageStatus.SKIPPED)]
            lines += ["    " + _said(t, host.name, _said(t, c.source, c.detail.render(t))) for c in gaps]
    elif result.hosts:
        lines.append("  " + t("Every host's data covers every table the queries read."))
    return terminal_output("\n".join(lines) + "\n")


def _said(t: Translator, what: str, detail: str) -> str:
    """"what: detail", spaced as the language spaces a colon."""
    return t("{what}: {detail}", what=what, detail=detail)


def _some(hosts: list[HostResult], t: Translator) -> str:
    named = ", ".join(h.name for h in hosts[:HOSTS_NAMED])
    more = len(hosts) - HOSTS_NAMED
    return named if more <= 0 else named + " " + t.plural("and {count} other", "and {count} others", count=more)


# ------------------------------------------------------------------------------------------------
# JSON
# ------------------------------------------------------------------------------------------------

def fleet_dict(result: FleetResult, t: Translator) -> dict:
    return {
        "schema": SCHEMA,
        "kind": "fleet_summary",
        "tool": {"name": "appwarden", "version": __version__},
        "language": t.lang,
        "read_at": result.read_at.isoformat(timespec="seconds"),
        "origin": result.origin,
        "files": list(result.files),
        "policies": [{"id": p.id, "version": p.version, "sha256": p.sha256, "name": t.text(p.name)} for p in result.packs],
        "host_count": len(result.hosts),
        "hosts_with_findings": len(result.hosts_with_apps),
        "rules": [
            {"rule": f.rule.id, "name": t.text(f.rule.name), "vendor": f.rule.vendor, "enforcement": f.enforcement.value,
             "scope_sentence": wording.enforcement_sentence(f, t), "directive": directive_dict(f, t),
             "host_count": len(hosts), "hosts": [h.name for h in hosts]}
            for f, hosts in _rules(result)
        ],
        "hosts": [_host(host, t) for host in result.hosts],
        "coverage": [coverage_dict(c, t) for c in result.coverage],
    }


def _host(host: HostResult, t: Translator) -> dict:
    return {
        "host": host.name, "platform": host.platform, "compliant": not host.apps_present, "complete": host.complete,
        "reference": host.reference, "checked_at": host.checked_at, "items_read": host.items_read,
        "findings": [
            {"rule": f.rule.id, "enforcement": f.enforcement.value, "app_present": f.app_present,
             "evidence": [evidence_dict(e) for e in f.evidence], "removal": wording.removal_text(f, host.platform, t)}
            for f in host.findings
        ],
        "coverage": [coverage_dict(c, t) for c in host.coverage],
    }


# ------------------------------------------------------------------------------------------------
# HTML: one file, a table of counts first, every host below (readable at 10,000 hosts)
# ------------------------------------------------------------------------------------------------

def render_fleet_html(result: FleetResult, t: Translator) -> str:
    state = "found" if result.hosts_with_apps else "ok"
    packs = ", ".join(f"{t.text(p.name)} ({p.id} {p.version})" for p in result.packs)
    parts = [
        f'<!DOCTYPE html>\n<html lang="{t.lang}"><head><meta charset="utf-8">',
        f"<title>{escape(t('AppWarden fleet summary'))}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(t('AppWarden fleet summary'))}</h1>",
        f'<p class="meta">{escape(origin_sentence(result, t))}<br>{escape(t("Policy packs: {packs}", packs=packs))}</p>',
        f'<p class="verdict {state}" role="status">{escape(verdict(result, t))}</p>',
        _rules_table(result, t),
        _hosts_table(result, t),
        *(_host_details(host, t) for host in result.hosts_with_apps),
        _fleet_coverage_html(result, t),
        "</body></html>\n",
    ]
    return "\n".join(parts)


def _rules_table(result: FleetResult, t: Translator) -> str:
    rows = []
    for finding, hosts in _rules(result):
        rows.append(
            f"<tr><td>{escape(t.text(finding.rule.name))} <small>({escape(finding.rule.vendor)})</small></td>"
            f'<td class="count">{len(hosts)}</td><td>{escape(wording.enforcement_sentence(finding, t))}</td>'
            f"<td>{escape(wording.directive_sentence(finding, t))}</td></tr>"
        )
    if not rows:
        return ""
    return (f"<h2>{escape(t('Apps found, by rule'))}</h2><table><thead><tr><th>{escape(t('App'))}</th>"
            f"<th>{escape(t('Hosts'))}</th><th>{escape(t('Removal'))}</th><th>{escape(t('The directive'))}</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _hosts_table(result: FleetResult, t: Translator) -> str:
    rows = []
    for host in result.hosts:
        found = ", ".join(f.rule.id for f in host.apps_present)
        data = t("complete") if host.complete else t("incomplete")
        rows.append(f"<tr><td>{escape(host.name)}</td><td>{escape(OS_NAMES.get(host.platform, host.platform))}</td>"
                    f"<td>{escape(found or '–')}</td><td>{escape(data)}</td></tr>")
    return (f"<h2>{escape(t('Hosts'))}</h2><table><thead><tr><th>{escape(t('Host'))}</th><th>{escape(t('System'))}</th>"
            f"<th>{escape(t('Prohibited apps'))}</th><th>{escape(t('Data'))}</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _host_details(host: HostResult, t: Translator) -> str:
    parts = [f'<section class="host"><h3>{escape(_host_label(host))}</h3>']
    for finding in host.apps_present:
        evidence = "".join(f"<li>{escape(wording.evidence_sentence(e, t))}</li>" for e in finding.evidence)
        parts.append(f"<p>{escape(_said(t, t.text(finding.rule.name), wording.enforcement_sentence(finding, t)))}</p>"
                     f"<ul>{evidence}</ul><pre>{escape(wording.removal_text(finding, host.platform, t))}</pre>")
    return "".join(parts) + "</section>"


def _fleet_coverage_html(result: FleetResult, t: Translator) -> str:
    rows = []
    for coverage in result.coverage:
        problems = "".join(f"<li>{escape(_said(t, p.location, p.reason.render(t)) if p.location else p.reason.render(t))}</li>"
                           for p in coverage.problems)
        rows.append(f"<tr><td>{escape(t(wording.STATUS_LABELS[coverage.status]))}</td><td>{escape(coverage.detail.render(t))}"
                    f"{'<ul>' + problems + '</ul>' if problems else ''}</td></tr>")
    for host in incomplete_hosts(result):
        gaps = "; ".join(_said(t, c.source, c.detail.render(t)) for c in host.coverage if c.status not in (CoverageStatus.OK, CoverageStatus.SKIPPED))
        rows.append(f"<tr><td>{escape(host.name)}</td><td>{escape(gaps)}</td></tr>")
    return (f"<h2>{escape(t('Coverage'))}</h2><table><tbody>{''.join(rows)}</tbody></table>" if rows else "")
