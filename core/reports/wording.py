"""Sentences every report shares, so text and HTML say exactly the same thing."""

from __future__ import annotations

from appwarden.core.findings import Evidence, Finding, ScanResult
from appwarden.core.i18n import Translator
from appwarden.core.policy.model import MOBILE, THIS_DEVICE_CLASS, Directive, Enforcement, ScopeExtension
from appwarden.core.sources.base import IOS, OS_NAMES, Coverage, CoverageStatus, EvidenceKind, ScanTarget
from appwarden.core.version import __version__

KIND_LABELS = {
    EvidenceKind.INSTALLED: "installed",
    EvidenceKind.RUNNING: "running",
    EvidenceKind.SERVICE: "service",
    EvidenceKind.LEFTOVER: "left behind",  # files, but also registry keys, certificates, extensions
}
STATUS_LABELS = {
    CoverageStatus.OK: "read",
    CoverageStatus.PARTIAL: "partly read",
    CoverageStatus.SKIPPED: "not applicable",
    CoverageStatus.FAILED: "could not be read",
}


def status_label(result: ScanResult, coverage: Coverage, t: Translator) -> str:
    """A source's status for a person: one that read everything but the accounts that need
    administrator rights is not called unreadable."""
    if result.scope.explains_all(coverage):
        return t("read, except in the accounts not checked")
    return t(STATUS_LABELS[coverage.status])


def heading(result: ScanResult, t: Translator) -> str:
    if result.target.is_phone:
        return t("AppWarden {version}: check of {phone} on {when}", version=__version__,
                 phone=target_description(result.target, t), when=t.moment(result.started_at) + " UTC")
    where = t("this device") if result.target.live else t("disk mounted at {root}", root=result.target.root)
    if not result.target.hostname:  # a disk that does not say its computer's name: named by its folder
        values = dict(version=__version__, os=OS_NAMES.get(result.target.os, result.target.os), when=t.moment(result.started_at) + " UTC")
        if result.target.live:
            return t("AppWarden {version}: check of this device ({os}) on {when}", **values)
        return t("AppWarden {version}: check of the disk mounted at {root} ({os}) on {when}", root=result.target.root, **values)
    return t(
        "AppWarden {version}: check of {host} ({os}, {where}) on {when}",
        version=__version__,
        host=result.target.hostname,
        os=OS_NAMES.get(result.target.os, result.target.os),
        where=where,
        when=t.moment(result.started_at) + " UTC",  # started_at is in UTC
    )


def verdict_state(result: ScanResult) -> str:
    """What a verdict means, for the colour beside its words: found, ok, leftovers (the app is gone,
    something it left is not: no alarm, but something to clean up) or incomplete."""
    state = "found" if result.apps_present else ("ok" if result.complete_for_its_scope else "incomplete")
    return "leftovers" if state == "ok" and result.leftovers_only else state


def verdict(result: ScanResult, t: Translator) -> str:
    if result.cancelled:
        return t("The check was cancelled before it finished; what is shown is incomplete.")
    present, gone = result.apps_present, result.leftovers_only
    if present:
        return t.plural("{count} prohibited application found.", "{count} prohibited applications found.", count=len(present))
    if gone:
        return t.plural(
            "No prohibited application is installed, but an app that was uninstalled left files behind (see below): {names}.",
            "No prohibited application is installed, but apps that were uninstalled left files behind (see below): {names}.",
            count=len(gone), names=_names(gone, t),
        )
    if not result.complete_for_its_scope:
        return t("No prohibited application found in what could be checked, but some places could not be read (see coverage).")
    return t("No prohibited application found.")


def leftovers_note(result: ScanResult, t: Translator) -> str:
    """Beside a verdict of apps found: the apps found only by what they left behind, or ""."""
    if not result.apps_present or not result.leftovers_only or result.cancelled:
        return ""
    gone = result.leftovers_only
    return t.plural(
        "Also found: what an app that was uninstalled left behind: {names}.",
        "Also found: what apps that were uninstalled left behind: {names}.",
        count=len(gone), names=_names(gone, t),
    )


def _names(findings: tuple[Finding, ...], t: Translator) -> str:
    return ", ".join(t.text(f.rule.name) for f in findings)


def enforcement_sentence(finding: Finding, t: Translator) -> str:
    return scope_sentence(
        finding.directive, finding.enforcement, finding.scope_extensions, t, finding.device_class, finding.organisation_issued
    )


def scope_sentence(
    directive: Directive, enforcement: Enforcement, extensions: tuple[ScopeExtension, ...], t: Translator,
    device_class: str = THIS_DEVICE_CLASS, organisation_issued: bool = True,
) -> str:
    """Required or recommended, and why: built from the enforcement in force (never from a pack's
    own words), so it cannot contradict the finding; for the kind of device checked (a computer
    or a phone) and whether the organisation issued it."""
    scope = t.text(directive.scope.description)
    covered = device_class in directive.scope.device_classes or bool(extensions)
    if not organisation_issued:
        return t(
            "Removal recommended: the directive covers {scope}, and this device is personal, not issued by your organisation, so the directive does not apply to it; the same risk applies.",
            scope=scope,
        )
    if covered and enforcement == Enforcement.RECOMMENDED:
        return t(
            "Removal recommended: the directive covers {scope}, but it takes effect only on {effective}.",
            scope=scope, effective=t.date(directive.effective),
        )
    if device_class == MOBILE:
        return _mobile_scope_sentence(scope, extensions, covered, t)
    if extensions:
        return t(
            "Removal required: the directive covers {scope}, and the policy pack “{pack}” applies it to computers too: {reason}.",
            scope=scope, pack=_pack_names(extensions, t), reason="; ".join(t.text(e.reason) for e in extensions),
        )
    if covered:
        return t("Removal required: the directive covers {scope}, computers included.", scope=scope)
    return t(
        "Removal recommended: the directive covers {scope}, not computers, and no policy pack in force applies it to computers; the same risk applies on a computer.",
        scope=scope,
    )


def _mobile_scope_sentence(scope: str, extensions: tuple[ScopeExtension, ...], covered: bool, t: Translator) -> str:
    if covered and not extensions:
        return t("Removal required: the directive covers {scope}, and this phone or tablet is one of them.", scope=scope)
    if extensions:
        return t(
            "Removal required: the directive covers {scope}, and the policy pack “{pack}” applies it to phones and tablets too: {reason}.",
            scope=scope, pack=_pack_names(extensions, t), reason="; ".join(t.text(e.reason) for e in extensions),
        )
    return t(
        "Removal recommended: the directive covers {scope}, not phones or tablets, and no policy pack in force applies it to them; the same risk applies on a phone.",
        scope=scope,
    )


def _pack_names(extensions: tuple[ScopeExtension, ...], t: Translator) -> str:
    return ", ".join(dict.fromkeys(t.text(e.pack_name) or e.pack_id for e in extensions))


def presence_sentence(finding: Finding, t: Translator) -> str:
    """Whether the app itself is here, or only what it left behind after it was uninstalled."""
    if finding.app_present:
        return ""
    return t("{app} is no longer installed: only files it left behind were found.", app=t.text(finding.rule.name))


def short_reason(finding: Finding, t: Translator) -> str:
    """One line for a person standing at a kiosk: who prohibits the app, since when, and whether it
    must go (the enforcement sentence, with the directive's scope, is what "More about this" shows)."""
    if not finding.app_present:
        return presence_sentence(finding, t)
    authority, since = t.text(finding.directive.authority), t.date(finding.directive.effective)
    if finding.enforcement == Enforcement.REQUIRED and finding.organisation_issued:
        return t("Prohibited since {date} — {authority}. You must remove it from this phone.", authority=authority, date=since)
    return t("Prohibited since {date} — {authority} — on the devices its directive covers. Removing it is recommended.",
             authority=authority, date=since)


def directive_sentence(finding: Finding, t: Translator) -> str:
    d = finding.directive
    if d.document_date == d.effective:
        return t("{title}. {authority}, dated and in effect since {date}.", title=t.text(d.title), authority=t.text(d.authority), date=t.date(d.effective))
    return t(
        "{title}. {authority}, dated {date}, in effect since {effective}.",
        title=t.text(d.title),
        authority=t.text(d.authority),
        date=t.date(d.document_date),
        effective=t.date(d.effective),
    )


def evidence_sentence(evidence: Evidence, t: Translator) -> str:
    label = t(KIND_LABELS[evidence.kind])
    what = evidence.name or evidence.identifier
    if evidence.location.endswith(what):
        # A leftover folder's name is already the end of its location; say it once.
        return t("{kind}: {location} [{source}]", kind=label, location=evidence.location, source=_title(evidence.source, t))
    version = f" {evidence.version}" if evidence.version else ""
    return t(
        "{kind}: {what}{version}, {location} [{source}]",
        kind=label,
        what=what,
        version=version,
        source=_title(evidence.source, t),
        location=evidence.location,
    )


def _title(source: str, t: Translator) -> str:
    from appwarden.core.sources import source_title  # the registry imports every source; reports load it when used

    return t(source_title(source))


def removal_text(finding: Finding, os_name: str, t: Translator) -> str:
    """The steps for this finding's own evidence on this platform, numbered, one per line."""
    from appwarden.core.removal.outline import removal_outline

    lines = removal_outline(finding, os_name, t)
    if not lines:
        return t("No removal guidance for this platform in the policy pack.")
    if len(lines) == 1:  # the pack's own guidance, already laid out
        return lines[0].strip()
    return "\n".join(f"{number}. {line}" for number, line in enumerate(lines, start=1))


def coverage_note(result: ScanResult, t: Translator) -> str:
    if result.complete:
        if result.target.is_capture:
            return t("Every source that applies to this phone was read from the capture.")
        if result.target.is_connected_phone:
            return t("Every source that applies to this phone was read.")
        return t("Every source that applies to this device was read.") if result.target.live else t(
            "Every source that applies to this disk was read."
        )
    if result.complete_for_its_scope:
        return t("Every source that applies was read, except in the accounts that were not checked.")
    return t("Some sources could not be read completely: a finding may be missing from what they cover.")


def not_checked_sentence(result: ScanResult, t: Translator) -> str:
    """What could not be checked, by source title, or "" when everything that applies was read."""
    from appwarden.core.sources import source_title

    missing = [
        t(source_title(c.source))
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
    if live:
        return t.plural(
            "Your account and the system were checked; {count} other account on this computer was not (it needs administrator rights).",
            "Your account and the system were checked; {count} other accounts on this computer were not (they need administrator rights).",
            count=missing,
        )
    if not scope.checked:  # no account on the disk could be read: say so, not "the other accounts"
        return t.plural(
            "The system on this disk was checked, but not its {count} account (it needs administrator rights).",
            "The system on this disk was checked, but not its {count} accounts (they need administrator rights).",
            count=missing,
        )
    return t.plural(
        "The system and the other accounts on this disk were checked; {count} account was not (it needs administrator rights).",
        "The system and the other accounts on this disk were checked; {count} accounts were not (they need administrator rights).",
        count=missing,
    )


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
    """What the result banner says below the verdict, a line each: what could not be checked, which
    accounts were checked, which were not."""
    return "\n".join(part for part in [not_checked_sentence(result, t), *accounts_lines(result, t)] if part)


def target_description(target: ScanTarget, t: Translator, here: bool = True) -> str:
    """What is checked, as the window's header names it: the running device by its name and system, or
    a mounted disk by its folder and the computer name the disk gives itself. `here` is False for a
    report made elsewhere, whose running device is not this one."""
    system = OS_NAMES.get(target.os, target.os)
    host = target.hostname or t("unknown name")
    if target.is_capture and target.os == IOS:
        return t("the backup of {device} in {root}", device=target.hostname or t("an iPhone or iPad"), root=target.root)
    if target.is_capture:
        if target.hostname:
            return t("the phone {phone} ({os}), as captured in {root}", phone=target.hostname, os=system, root=target.root)
        return t("a phone ({os}), as captured in {root}", os=system, root=target.root)
    if target.is_connected_phone:
        if here:
            return t("the phone {phone} ({os}), connected to this computer", phone=host, os=system)
        return t("the phone {phone} ({os})", phone=host, os=system)
    if target.live:
        if here:
            return t("this device, {host} ({os})", host=host, os=system)
        return t("the computer {host} ({os})", host=host, os=system)
    if target.hostname:
        return t("the disk mounted at {root}, computer {host} ({os})", root=target.root, host=target.hostname, os=system)
    return t("the disk mounted at {root} ({os}), whose computer name could not be read", root=target.root, os=system)


def reference_sentence(result: ScanResult, t: Translator) -> str:
    """The line that gives a check's reference code, or "" for a result that has none."""
    return t("Reference code: {code}", code=result.reference) if result.reference else ""
