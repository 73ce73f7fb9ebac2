"""Findings: which rules matched this device, with every piece of evidence and the directive."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from appwarden.core.accounts import AccountScope
from appwarden.core.policy.model import Directive, Enforcement, PolicyPack, Rule, ScopeExtension
from appwarden.core.sources.base import Coverage, CoverageStatus, EvidenceKind, ScanTarget


@dataclass(frozen=True)
class Evidence:
    source: str
    kind: EvidenceKind
    namespace: str
    identifier: str
    location: str
    version: str = ""
    name: str = ""
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Finding:
    rule: Rule
    directive: Directive
    enforcement: Enforcement
    evidence: tuple[Evidence, ...]
    scope_extensions: tuple[ScopeExtension, ...] = ()
    device_class: str = "desktop"  # the checked device's, which the enforcement was worked out for
    organisation_issued: bool = True

    @property
    def kinds(self) -> frozenset[EvidenceKind]:
        return frozenset(e.kind for e in self.evidence)

    @property
    def app_present(self) -> bool:
        """The app itself is here (installed, running or a service). Otherwise only files it left
        behind were found: the app is gone, as verification says after a removal."""
        return any(e.kind != EvidenceKind.LEFTOVER for e in self.evidence)


@dataclass(frozen=True)
class ScanResult:
    target: ScanTarget
    started_at: dt.datetime
    finished_at: dt.datetime
    packs: tuple[PolicyPack, ...]
    findings: tuple[Finding, ...]
    coverage: tuple[Coverage, ...]
    items_read: int
    cancelled: bool = False
    scope: AccountScope = AccountScope()  # the accounts read, and those that need administrator rights
    reference: str = ""  # the check's reference code (core.reports.reference); run_scan gives it
    # Drawn at random for each check, so that two checks with the same report (one disk checked twice
    # in the same second) still get two reference codes.
    check_id: str = ""

    @property
    def apps_present(self) -> tuple[Finding, ...]:
        """Findings of apps that are on the device, not only their leftover files."""
        return tuple(f for f in self.findings if f.app_present)

    @property
    def leftovers_only(self) -> tuple[Finding, ...]:
        """Findings of apps that are gone but left files behind (settings, data, registry keys)."""
        return tuple(f for f in self.findings if not f.app_present)

    @property
    def compliant(self) -> bool:
        """No prohibited app is on the device; files a removed app left behind do not count, as in
        verification. Whether every source could be read is `complete`, reported beside it."""
        return not self.apps_present

    @property
    def complete(self) -> bool:
        return not self.cancelled and all(
            c.status in (CoverageStatus.OK, CoverageStatus.SKIPPED) for c in self.coverage
        )

    @property
    def complete_for_its_scope(self) -> bool:
        """Complete, or complete but for the accounts that only administrator rights can read: the
        answer of a check without those rights, whose `scope` names the accounts it left out."""
        return not self.cancelled and all(
            c.status in (CoverageStatus.OK, CoverageStatus.SKIPPED)
            or self.scope.explains_all(c)
            for c in self.coverage
        )

    def findings_at_least(self, enforcement: Enforcement) -> tuple[Finding, ...]:
        """The apps present whose removal is at least `enforcement`; leftovers alone never count."""
        if enforcement == Enforcement.RECOMMENDED:
            return self.apps_present
        return tuple(f for f in self.apps_present if f.enforcement == Enforcement.REQUIRED)
