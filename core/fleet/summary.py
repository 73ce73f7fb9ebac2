"""Findings per host from fleet results, and the summary across hosts: how many hosts, how many with
each rule, which hosts, and what the fleet data could not show.

osquery's rows go through AppWarden's own matching (core/matching), so a finding from the fleet
means what it means on a device: exact identifiers, display names with a confirming publisher,
look-alikes excluded, version ranges checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from appwarden.core.errors import ReportFileError
from appwarden.core.findings import Finding
from appwarden.core.fleet import queries
from appwarden.core.fleet.results import FleetRows, HostRows, read_results
from appwarden.core.fleet.tables import NOT_EXPRESSIBLE, PROBES
from appwarden.core.matching.index import RuleIndex
from appwarden.core.messages import Message
from appwarden.core.policy.model import DESKTOP, Enforcement, PolicyPack, PolicySet
from appwarden.core.scan import build_findings
from appwarden.core.sources.base import Coverage, CoverageStatus, ReadProblem

OSQUERY, REPORTS = "osquery", "reports"
COUNTABLE = {p.table: p.countable for p in PROBES}


@dataclass(frozen=True)
class HostResult:
    """One host, as the fleet data shows it."""

    name: str
    platform: str
    findings: tuple[Finding, ...]
    coverage: tuple[Coverage, ...]
    items_read: int
    reference: str = ""  # an AppWarden report's reference code
    checked_at: str = ""  # when its check ran (reports); osquery's rows carry no time

    @property
    def apps_present(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.app_present)

    @property
    def complete(self) -> bool:
        return all(c.status in (CoverageStatus.OK, CoverageStatus.SKIPPED) for c in self.coverage)

    def findings_at_least(self, enforcement: Enforcement) -> tuple[Finding, ...]:
        if enforcement == Enforcement.RECOMMENDED:
            return self.apps_present
        return tuple(f for f in self.apps_present if f.enforcement == Enforcement.REQUIRED)


@dataclass(frozen=True)
class FleetResult:
    origin: str  # OSQUERY or REPORTS
    files: tuple[str, ...]
    read_at: dt.datetime
    packs: tuple[PolicyPack, ...]
    hosts: tuple[HostResult, ...]
    coverage: tuple[Coverage, ...]  # of the fleet data as a whole
    rows_read: int

    @property
    def hosts_with_apps(self) -> tuple[HostResult, ...]:
        return tuple(h for h in self.hosts if h.apps_present)

    def hosts_by_rule(self) -> dict[str, list[HostResult]]:
        """For each rule found, the hosts where its app is present, in the hosts' order."""
        by_rule: dict[str, list[HostResult]] = {}
        for host in self.hosts:
            for finding in host.apps_present:
                by_rule.setdefault(finding.rule.id, []).append(host)
        return by_rule

    def findings_at_least(self, enforcement: Enforcement) -> bool:
        return any(h.findings_at_least(enforcement) for h in self.hosts)


def fleet_from_osquery(paths: Iterable[Path], policies: PolicySet, now: dt.datetime) -> FleetResult:
    paths = [Path(p) for p in paths]
    rows = read_results(paths)
    if not rows.hosts:  # every host that ran the census has a row: these are not its results
        raise ReportFileError(Message.of(
            "No host is named in {files}: they hold no row of AppWarden's exported queries ({rows}, {damaged}), "
            "so nothing can be said of any host.", files=", ".join(map(str, paths)),
            rows=Message.plural("{count} row read", "{count} rows read", count=rows.rows_read),
            damaged=Message.plural("{count} line or row damaged", "{count} lines or rows damaged", count=rows.damaged)))
    index = RuleIndex(policies)
    tables = {platform: queries.tables_for(policies.rules, platform) for platform in {h.platform for h in rows.hosts.values()}}
    hosts = tuple(_host(record, index, policies, now.date(), tables[record.platform])
                  for record in sorted(rows.hosts.values(), key=lambda h: h.name))
    return FleetResult(OSQUERY, tuple(map(str, paths)), now, policies.packs, hosts, _fleet_coverage(rows, policies), rows.rows_read)


def _host(record: HostRows, index: RuleIndex, policies: PolicySet, today: dt.date, tables: list[str]) -> HostResult:
    matches, read = index.matches_among(record.items.values())
    # Fleet hosts are the organisation's own computers: the directives' issued-device scope applies.
    findings = build_findings(matches, policies, today, DESKTOP, organisation_issued=True)
    return HostResult(record.name, record.platform, findings, _host_coverage(record, tables), read)


def _host_coverage(record: HostRows, tables: list[str]) -> tuple[Coverage, ...]:
    """What each table the queries read on the host's platform could show there."""
    return tuple(_table_coverage(table, record.census.get(table)) for table in tables)


@lru_cache(maxsize=4096)
def _table_coverage(table: str, rows: int | None) -> Coverage:
    """One table's coverage on a host, from its row count (None: no count came). Cached: hosts
    share most of these, and making each anew took a 10,000-host import from 1.7 s to 3.3 s
    (bench/fleet_import.py)."""
    source = f"osquery:{table}"
    if not COUNTABLE[table]:
        return Coverage(source, CoverageStatus.OK, Message.of("looked up by name; osquery does not count this table"))
    if rows is None:
        return Coverage(source, CoverageStatus.PARTIAL, Message.of(
            "no row count from this host: the table may be missing from its osquery, or its results are not in the file"))
    if rows == 0:
        return Coverage(source, CoverageStatus.SKIPPED, Message.of(
            "the table returned nothing on this host: it shows nothing of this kind there"))
    return Coverage(source, CoverageStatus.OK, Message.plural("{count} row read by osquery", "{count} rows read by osquery", count=rows))


def _fleet_coverage(rows: FleetRows, policies: PolicySet) -> tuple[Coverage, ...]:
    coverage = []
    if rows.damaged:
        coverage.append(Coverage("results", CoverageStatus.PARTIAL, Message.plural(
            "{count} damaged line or row was passed over", "{count} damaged lines or rows were passed over", count=rows.damaged),
            tuple(rows.problems)))
    if rows.other_rows:
        coverage.append(Coverage("results", CoverageStatus.OK, Message.plural(
            "{count} row of another query was passed over", "{count} rows of other queries were passed over", count=rows.other_rows)))
    unseen = sorted({namespace for rule in policies.rules for namespace in queries.unexpressed(rule)})
    if unseen:
        coverage.append(Coverage("osquery", CoverageStatus.SKIPPED, Message.plural(
            "osquery cannot show {count} kind of identifier the packs name, so the fleet data says nothing of it",
            "osquery cannot show {count} kinds of identifier the packs name, so the fleet data says nothing of them",
            count=len(unseen)), tuple(ReadProblem(namespace, NOT_EXPRESSIBLE[namespace]) for namespace in unseen)))
    return tuple(coverage)


def fleet_from_reports(paths: Iterable[Path], policies: PolicySet, now: dt.datetime) -> FleetResult:
    """AppWarden's own JSON reports collected from many devices; the latest report of a device
    stands for it. A file that cannot be read is named in the coverage, and the rest is read."""
    from appwarden.core.reports.json_reader import read_report_file, with_packs_of_this_computer

    paths = [Path(p) for p in paths]
    latest: dict[tuple[str, str], tuple] = {}
    problems: list[ReadProblem] = []
    older = 0
    for path in paths:
        try:
            received = with_packs_of_this_computer(read_report_file(path), policies)
        except ReportFileError as error:
            problems.append(ReadProblem(str(path), error.sentence))
            continue
        result = received.result
        device = (result.target.hostname or str(path), result.target.os)
        if device in latest:
            older += 1
            if latest[device][0] >= result.started_at:
                continue
        latest[device] = (result.started_at, result)
    if paths and not latest:
        if len(problems) == 1:
            raise ReportFileError(problems[0].reason)
        raise ReportFileError(Message.plural("None of the {count} report could be read. The first: {reason}",
                                             "None of the {count} reports could be read. The first: {reason}",
                                             count=len(problems), reason=problems[0].reason))
    hosts = tuple(sorted((HostResult(
        name=result.target.hostname or "?", platform=result.target.os, findings=result.findings,
        coverage=result.coverage, items_read=result.items_read, reference=result.reference,
        checked_at=result.started_at.isoformat(timespec="seconds"),
    ) for _, result in latest.values()), key=lambda h: h.name))
    coverage = []
    if problems:
        coverage.append(Coverage("reports", CoverageStatus.PARTIAL, Message.plural(
            "{count} report could not be read", "{count} reports could not be read", count=len(problems)), tuple(problems)))
    if older:
        coverage.append(Coverage("reports", CoverageStatus.OK, Message.plural(
            "{count} older report of a device also reported later was set aside",
            "{count} older reports of devices also reported later were set aside", count=older)))
    return FleetResult(REPORTS, tuple(map(str, paths)), now, policies.packs, hosts, tuple(coverage), len(paths))
