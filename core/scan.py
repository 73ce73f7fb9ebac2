"""A scan: run every source that applies to the target, match, and gather findings and coverage."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Iterator

from appwarden.core.accounts import account_scope
from appwarden.core.findings import Evidence, Finding, ScanResult
from appwarden.core.matching.index import Match, RuleIndex, leftover_locations
from appwarden.core.messages import Message
from appwarden.core.policy.model import DESKTOP, PolicySet
from appwarden.core.sources import ALL_SOURCES
from appwarden.core.sources.base import (
    OS_NAMES,
    Coverage,
    CoverageStatus,
    EvidenceKind,
    InventoryItem,
    InventorySource,
    ReadProblem,
    ReadRequest,
    ScanTarget,
    SourceResult,
    StreamedResult,
)


OTHER_PLATFORM = "not used on {os}"  # the coverage detail of a source made for another system


@dataclass(frozen=True)
class Progress:
    """Sent before each source is read, so a front end can say what is happening."""

    source: str
    title: str
    index: int
    total: int


def run_scan(
    target: ScanTarget,
    policies: PolicySet,
    sources: Iterable[InventorySource] = ALL_SOURCES,
    progress: Callable[[Progress], None] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
) -> ScanResult:
    started = now()
    sources = tuple(sources)
    request = ReadRequest(target, leftover_locations(policies), cancelled, sought_packages(policies), sought_identifiers(policies))
    index = RuleIndex(policies)
    coverage: list[Coverage] = []
    matches: list[Match] = []
    items_read = 0
    was_cancelled = False
    with _collector_paused():
        for position, source in enumerate(sources):
            if cancelled():
                was_cancelled = True
                break
            if progress is not None and target.os in source.platforms:  # another system's source is not even loaded
                progress(Progress(source.name, _title(source), position, len(sources)))
            result = read_source(source, request)
            if isinstance(result, StreamedResult):
                # Each item is matched as it is read and then dropped: only matches are kept.
                source_matches, read, source_coverage = match_streamed(source.name, result, index)
                matches += source_matches
                items_read += read
                coverage.append(source_coverage)
                continue
            coverage.append(result.coverage)
            items = list(result.items)
            del result  # the list now holds the only references, so they can be freed gradually
            found, read = index.matches_among(items)
            matches += found
            items_read += read
            _release_gradually(items)
    findings = build_findings(matches, policies, started.date(), target.device_class, target.organisation_issued)
    return with_reference(ScanResult(
        check_id=random_check_id(),
        target=target,
        started_at=started,
        finished_at=now(),
        packs=policies.packs,
        findings=findings,
        coverage=tuple(coverage),
        items_read=items_read,
        cancelled=was_cancelled or cancelled(),
        scope=account_scope(target, coverage),
    ))


def match_streamed(source: str, result: StreamedResult, index: RuleIndex) -> tuple[list[Match], int, Coverage]:
    """The matches among a streamed source's items, how many it read, and its coverage; a source
    that breaks part way counts as broken, as if it had broken before giving any item."""
    try:
        found, count = index.matches_among(result.stream())
    except Exception as error:  # a bug in one source must not lose the others' results
        return [], 0, _broken(source, error).coverage
    return found, count, result.coverage


def random_check_id() -> str:
    """A random version-4 UUID as 32 hex digits, as uuid.uuid4().hex gives (the uuid module costs
    2.5 ms to import, for its platform checks)."""
    value = bytearray(os.urandom(16))
    value[6] = (value[6] & 0x0F) | 0x40  # version 4
    value[8] = (value[8] & 0x3F) | 0x80  # the RFC 4122 variant
    return value.hex()


def sought_packages(policies: PolicySet) -> frozenset[str]:
    """The Android package names the rules look for (a phone's details are read for these only)."""
    return frozenset(name for rule in policies.rules for name in rule.identifiers.get("android_package", ()))


def sought_identifiers(policies: PolicySet) -> dict[str, frozenset[str]]:
    """Every identifier of every rule by kind, normalized as matching compares them."""
    from appwarden.core.matching.normalize import normalize

    sought: dict[str, set[str]] = {}
    for rule in policies.rules:
        for namespace, values in rule.identifiers.items():
            sought.setdefault(namespace, set()).update(normalize(value) for value in values)
    return {namespace: frozenset(values) for namespace, values in sought.items()}


def with_reference(result: ScanResult) -> ScanResult:
    """The result with its reference code: a hash of its English JSON report."""
    from appwarden.core.i18n import Translator
    from appwarden.core.reports.json_report import report_dict
    from appwarden.core.reports.reference import reference_code

    return replace(result, reference=reference_code(report_dict(result, Translator("en"))))


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while sources build their items.

    A source builds up to hundreds of thousands of acyclic items; each full collection walks all of
    them while holding Python's lock, freezing a window's thread for up to 300 ms. Nothing a scan
    builds is cyclic, so pausing collection loses nothing; the previous state is restored after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _release_gradually(items: list[InventoryItem], chunk: int = 2000) -> None:
    """Free a source's items a slice at a time: freeing 200,000 at once holds Python's lock for
    100-200 ms; between slices another thread (the window's) gets its turn."""
    while items:
        del items[-chunk:]


def read_source(source: InventorySource, request: ReadRequest) -> SourceResult | StreamedResult:
    """One source's result; a source that does not apply, or that breaks, becomes coverage."""
    if request.target.os not in source.platforms:
        return _coverage_only(source.name, CoverageStatus.SKIPPED, Message.of(OTHER_PLATFORM, os=OS_NAMES.get(request.target.os, request.target.os)))
    try:
        if source.spec.live_only and not request.target.live:
            return _coverage_only(source.name, CoverageStatus.SKIPPED, Message.of("only read on the running device"))
        return source.read(request)
    except Exception as error:  # a bug in one source (or in loading it) must not lose the others' results
        return _broken(source.name, error)


def _broken(source: str, error: Exception) -> SourceResult:
    import traceback  # only when a source breaks: 3 ms at start-up otherwise

    detail = "".join(traceback.format_exception(error)).strip()
    reason = Message.of("internal error: {error}", error=f"{type(error).__name__}: {error}")
    return SourceResult((), Coverage(source, CoverageStatus.FAILED, reason, (ReadProblem(detail, reason),)))


def _title(source: InventorySource) -> str:
    try:
        return source.spec.title
    except Exception:  # a source that cannot even be loaded: read_source reports why
        return source.name


def _coverage_only(source: str, status: CoverageStatus, detail: Message) -> SourceResult:
    return SourceResult((), Coverage(source, status, detail))


def build_findings(
    matches: list[Match], policies: PolicySet, on: dt.date, device_class: str = DESKTOP, organisation_issued: bool = True
) -> tuple[Finding, ...]:
    """One finding per rule that matched, its enforcement worked out for this kind of device and
    whether the organisation issued it."""
    by_rule: dict[str, list[Match]] = {}
    for match in matches:
        by_rule.setdefault(match.rule.id, []).append(match)
    findings = []
    for rule in policies.rules:
        if rule.id not in by_rule:
            continue
        directive = policies.directive(rule.directive_id)
        enforcement, extensions = policies.enforcement(directive, device_class, on, organisation_issued)
        evidence = _without_repeated_places(tuple(dict.fromkeys(_evidence(m) for m in by_rule[rule.id])))
        findings.append(Finding(rule, directive, enforcement, evidence, extensions, device_class, organisation_issued))
    return tuple(findings)


def _without_repeated_places(evidence: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    """A leftover location that another source already reported as the installed app is not also
    a leftover: a person would read it as two separate things to remove."""
    installed_places = {e.location for e in evidence if e.kind != EvidenceKind.LEFTOVER}
    return tuple(e for e in evidence if e.kind != EvidenceKind.LEFTOVER or e.location not in installed_places)


def _evidence(match: Match) -> Evidence:
    item: InventoryItem = match.item
    return Evidence(
        source=item.source,
        kind=item.kind,
        namespace=match.namespace,
        identifier=match.identifier,
        location=item.location,
        version=item.version,
        name=item.name,
        details=item.details,
    )
