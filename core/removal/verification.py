"""Proof that an app is gone: the sources that found it read the device again."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from appwarden.core.findings import Evidence
from appwarden.core.removal.model import RemovalPlan, RemovalStep
from appwarden.core.scan import run_scan
from appwarden.core.sources import source_named
from appwarden.core.sources.base import CoverageStatus, EvidenceKind


class VerificationStatus(StrEnum):
    RESOLVED = "resolved"
    LEFTOVERS_REMAIN = "leftovers_remain"  # the app is gone; files the person chose to keep remain
    STILL_PRESENT = "still_present"
    CANNOT_VERIFY = "cannot_verify"


@dataclass(frozen=True)
class Verification:
    status: VerificationStatus
    remaining: tuple[Evidence, ...] = ()
    unread: tuple[str, ...] = ()  # sources that could not be read completely

    @property
    def app_gone(self) -> bool:
        return self.status in (VerificationStatus.RESOLVED, VerificationStatus.LEFTOVERS_REMAIN)


def verify_removal(plan: RemovalPlan, step: RemovalStep) -> Verification:
    if plan.target is None or plan.policies is None:
        return Verification(VerificationStatus.CANNOT_VERIFY)
    sources = [source_named(name) for name in step.sources]
    result = run_scan(plan.target, plan.policies, sources)
    remaining = next((f.evidence for f in result.findings if f.rule.id == plan.rule_id), ())
    unread = tuple(c.source for c in result.coverage if c.status in (CoverageStatus.FAILED, CoverageStatus.PARTIAL))
    if any(e.kind != EvidenceKind.LEFTOVER for e in remaining):
        return Verification(VerificationStatus.STILL_PRESENT, remaining, unread)
    if unread or result.cancelled:
        return Verification(VerificationStatus.CANNOT_VERIFY, remaining, unread)
    if remaining:
        return Verification(VerificationStatus.LEFTOVERS_REMAIN, remaining)
    return Verification(VerificationStatus.RESOLVED)
