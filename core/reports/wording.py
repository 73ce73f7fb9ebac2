"""Sentences every report shares, so text and HTML say exactly the same thing."""

from __future__ import annotations

from core.findings import Evidence, Finding, ScanResult
from core.i18n import Translator
from core.policy.model import Enforcement
from core.sources.base import CoverageStatus, EvidenceKind
from core.version import __version__

KIND_LABELS = {
    EvidenceKind.INSTALLED: "installed",
    EvidenceKind.RUNNING: "running",
    EvidenceKind.SERVICE: "service",
    EvidenceKind.LEFTOVER: "leftover files",
}
STATUS_LABELS = {
    CoverageStatus.OK: "read",
    CoverageStatus.PARTIAL: "partly read",
    CoverageStatus.SKIPPED: "not applicable",
    CoverageStatus.FAILED: "could not be read",
}


def heading(result: ScanResult, t: Translator) -> str:
    where = t("this device") if result.target.live else t("disk mounted at {root}", root=result.target.root)
    return t(
        "AppWarden {version}: check of {host} ({os}, {where}) on {when}",
        version=__version__,
        host=result.target.hostname or t("unknown name"),
        os=result.target.os,
        where=where,
        when=result.started_at.strftime("%Y-%m-%d %H:%M UTC"),
    )


def verdict(result: ScanResult, t: Translator) -> str:
    if result.cancelled:
        return t("The check was cancelled before it finished; what is shown is incomplete.")
    if len(result.findings) == 1:
        return t("1 prohibited application found.")
    if result.findings:
        return t("{count} prohibited applications found.", count=len(result.findings))
    if not result.complete_for_its_scope:
        return t("No prohibited application found in what could be checked, but some places could not be read (see coverage).")
    return t("No prohibited application found.")


def enforcement_sentence(finding: Finding, t: Translator) -> str:
    scope = t.text(finding.directive.scope.description)
    if finding.enforcement == Enforcement.REQUIRED and finding.scope_extensions:
        reasons = "; ".join(t.text(e.reason) for e in finding.scope_extensions)
        return t(
            "Removal required: the directive covers {scope}, and your organisation applies it to this computer too ({reason}).",
            scope=scope,
            reason=reasons,
        )
    if finding.enforcement == Enforcement.REQUIRED:
        return t("Removal required: this device is within the directive's scope ({scope}).", scope=scope)
    return t(
        "Removal recommended: the directive covers {scope}; this computer is outside that scope, but the same risk applies.",
        scope=scope,
    )


def directive_sentence(finding: Finding, t: Translator) -> str:
    d = finding.directive
    return t(
        "{title}. {authority}, dated {date}, in effect since {effective}.",
        title=t.text(d.title),
        authority=t.text(d.authority),
        date=d.document_date.isoformat(),
        effective=d.effective.isoformat(),
    )


def evidence_sentence(evidence: Evidence, t: Translator) -> str:
    label = t(KIND_LABELS[evidence.kind])
    what = evidence.name or evidence.identifier
    if evidence.location.endswith(what):
        # A leftover folder's name is already the end of its location; say it once.
        return t("{kind}: {location} [{source}]", kind=label, location=evidence.location, source=evidence.source)
    version = f" {evidence.version}" if evidence.version else ""
    return t(
        "{kind}: {what}{version}, {location} [{source}]",
        kind=label,
        what=what,
        version=version,
        source=evidence.source,
        location=evidence.location,
    )


def removal_text(finding: Finding, os_name: str, t: Translator) -> str:
    guidance = finding.rule.removal.get(os_name)
    return t.text(guidance) if guidance else t("No removal guidance for this platform in the policy pack.")


def coverage_note(result: ScanResult, t: Translator) -> str:
    if result.complete:
        return t("Every source that applies to this device was read.")
    if result.complete_for_its_scope:
        return t("Every source that applies was read, except in the accounts that were not checked.")
    return t("Some sources could not be read completely: a finding may be missing from what they cover.")


def not_checked_sentence(result: ScanResult, t: Translator) -> str:
    """What could not be checked, by source title, or "" when everything that applies was read."""
    from core.sources import ALL_SOURCES

    titles = {source.spec.name: source.spec.title for source in ALL_SOURCES}
    missing = [
        t(titles.get(c.source, c.source))
        for c in result.coverage
        if c.status in (CoverageStatus.PARTIAL, CoverageStatus.FAILED) and not result.scope.explains_all(c)
    ]
    if result.cancelled:
        return t("The check was cancelled before it finished.")
    if not missing:
        return ""
    return t("Could not be checked completely: {sources}.", sources=", ".join(missing))


def accounts_sentence(result: ScanResult, t: Translator) -> str:
    """Which accounts the check read: all of them, or all but those that need administrator rights."""
    scope, live = result.scope, result.target.live
    if scope.unlisted:
        folders = ", ".join(problem.location for problem in scope.unlisted)
        return t("The accounts in {folders} could not be listed, so they were not checked.", folders=folders)
    if scope.every_account:
        return t("The system and every account on this computer were checked.") if live else t(
            "The system and every account on this disk were checked."
        )
    missing = len(scope.need_rights)
    if missing == 0:  # accounts that even administrator rights would not read: coverage says why
        return t("Not every account could be read; the coverage says why.")
    if live and missing == 1:
        return t("Your account and the system were checked; 1 other account on this computer was not (it needs administrator rights).")
    if live:
        return t("Your account and the system were checked; {count} other accounts on this computer were not "
                 "(they need administrator rights).", count=missing)
    if missing == 1:
        return t("The system and the other accounts on this disk were checked; 1 account was not (it needs administrator rights).")
    return t("The system and the other accounts on this disk were checked; {count} accounts were not "
             "(they need administrator rights).", count=missing)


def accounts_lines(result: ScanResult, t: Translator) -> list[str]:
    """The accounts sentence and the accounts it left out, when it left any out; else nothing."""
    scope = result.scope
    if scope.every_account:
        return []
    lines = [accounts_sentence(result, t)]
    if scope.not_checked:
        accounts = ", ".join(f"{account.name} ({account.home})" for account in scope.not_checked)
        lines.append(t("Accounts not checked: {accounts}.", accounts=accounts))
    return lines


def result_details(result: ScanResult, t: Translator) -> str:
    """What the result banner says below the verdict: what could not be checked, and which accounts."""
    return " ".join(part for part in [not_checked_sentence(result, t), *accounts_lines(result, t)] if part)
