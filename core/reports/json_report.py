"""The JSON report: a versioned contract other tools read (documented in README, "JSON report").

Bump SCHEMA only for changes that break a reader; adding a key is not one.
"""

from __future__ import annotations

import json

from appwarden.core.findings import Evidence, Finding, ScanResult
from appwarden.core.sources.base import Coverage
from appwarden.core.i18n import Translator
from appwarden.core.reports import wording
from appwarden.core.version import __version__

SCHEMA = 1


def report_dict(result: ScanResult, t: Translator) -> dict:
    return {
        "schema": SCHEMA,
        "tool": {"name": "appwarden", "version": __version__},
        "language": t.lang,
        "scanned_at": result.started_at.isoformat(timespec="seconds"),
        "finished_at": result.finished_at.isoformat(timespec="seconds"),
        "reference": result.reference,
        "check_id": result.check_id,
        "target": {
            "root": str(result.target.root),
            "os": result.target.os,
            "hostname": result.target.hostname,
            "live": result.target.live,
            "device_class": result.target.device_class,
            "organisation_issued": result.target.organisation_issued,
        },
        "policies": [
            {"id": p.id, "version": p.version, "sha256": p.sha256, "name": t.text(p.name)} for p in result.packs
        ],
        "compliant": result.compliant,
        "complete": result.complete,
        "cancelled": result.cancelled,
        "items_read": result.items_read,
        "scope": _scope(result, t),
        "findings": [_finding(f, t) for f in result.findings],
        "coverage": [coverage_dict(c, t) for c in result.coverage],
    }


def coverage_dict(coverage: Coverage, t: Translator) -> dict:
    return {
        "source": coverage.source,
        "status": coverage.status.value,
        "detail": coverage.detail.render(t),
        "problems": [
            {"location": p.location, "reason": p.reason.render(t), "elevation_helps": p.elevation_helps}
            for p in coverage.problems
        ],
    }


def _scope(result: ScanResult, t: Translator) -> dict:
    """The accounts checked and not checked; `complete` stays false while any was not read."""
    scope = result.scope
    return {
        "every_account": scope.every_account,
        "accounts_checked": [{"name": a.name, "home": a.home} for a in scope.checked],
        "accounts_not_checked": [
            {"name": a.name, "home": a.home, "reason": a.reason.render(t) if a.reason else "", "elevation_helps": a.elevation_helps}
            for a in scope.not_checked
        ],
        "users_folders_not_listed": [
            {"location": p.location, "reason": p.reason.render(t), "elevation_helps": p.elevation_helps} for p in scope.unlisted
        ],
        "sentence": wording.accounts_sentence(result, t),
    }


def _finding(finding: Finding, t: Translator) -> dict:
    return {
        "rule": finding.rule.id,
        "name": t.text(finding.rule.name),
        "vendor": finding.rule.vendor,
        "enforcement": finding.enforcement.value,
        # False when only files the app left behind were found: it is gone, as verification says.
        "app_present": finding.app_present,
        "scope_sentence": wording.enforcement_sentence(finding, t),
        "rationale": t.text(finding.rule.rationale),
        "directive": directive_dict(finding, t),
        "evidence": [evidence_dict(e) for e in finding.evidence],
    }


def directive_dict(finding: Finding, t: Translator) -> dict:
    """The directive a finding cites, and the devices it covers (and who extended that)."""
    d = finding.directive
    return {
        "id": d.id,
        "authority": t.text(d.authority),
        "title": t.text(d.title),
        "document_date": d.document_date.isoformat(),
        "effective": d.effective.isoformat(),
        "url": t.text(d.url),
        "finding": t.text(d.finding),
        "scope": {
            "device_classes": sorted(d.scope.device_classes),
            "description": t.text(d.scope.description),
            "extended_by": [e.pack_id for e in finding.scope_extensions],
        },
    }


def evidence_dict(evidence: Evidence) -> dict:
    return {
        "source": evidence.source,
        "kind": evidence.kind.value,
        "namespace": evidence.namespace,
        "identifier": evidence.identifier,
        "location": evidence.location,
        "version": evidence.version,
        "name": evidence.name,
        "details": dict(evidence.details),
    }


def render_json(result: ScanResult, t: Translator) -> str:
    return json.dumps(report_dict(result, t), ensure_ascii=False, indent=2) + "\n"
