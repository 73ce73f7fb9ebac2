"""Reading back an AppWarden JSON report that someone sent, so a help desk sees what they saw.

The file is hostile input: it is read only when it is a regular file of at most MAX_REPORT_BYTES,
every value must have the type and shape core.reports.json_report writes, lists and texts are
bounded, and anything else is one sentence (ReportFileError), never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, TypeVar

from appwarden.core.accounts import AccountScope, scope_from_report
from appwarden.core.errors import ReportFileError
from appwarden.core.findings import Evidence, Finding, ScanResult
from appwarden.core.i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, LocalText, Translator
from appwarden.core.messages import Message
from appwarden.core.policy.model import (
    DESKTOP, DEVICE_CLASSES, DisplayNameMatch, Directive, Enforcement, PolicyPack, PolicySet, Rule, Scope, ScopeExtension,
)
from appwarden.core.reports.json_report import SCHEMA
from appwarden.core.reports.reference import normalised_code
from appwarden.core.scan import OTHER_PLATFORM
from appwarden.core.sources.base import LINUX, MACOS, OS_NAMES, WINDOWS, Coverage, CoverageStatus, EvidenceKind, ReadProblem, ScanTarget
from appwarden.core.target import computer_name

MAX_REPORT_BYTES = 16 * 1024 * 1024
MAX_TEXT = 64 * 1024  # characters of one text value
MAX_ITEMS = 10_000  # entries of one list (findings, evidence, coverage, problems, packs)
Value = TypeVar("Value")


@dataclass(frozen=True)
class ReceivedReport:
    """A check made elsewhere, as its report says: shown read-only, never checked again or acted on here."""

    result: ScanResult
    language: str  # the language of the report's texts
    tool_version: str


class _Malformed(ValueError):
    """Where in the report a value is not what AppWarden writes (for the sentence)."""


def read_report_file(path: Path) -> ReceivedReport:
    return parse_report(_bounded_bytes(Path(path)), Path(path))


def parse_report(data: bytes, path: Path) -> ReceivedReport:
    """The report in `data` (the contents of `path`), or ReportFileError with one sentence."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _not_a_report(path, Message.of("it is not JSON text")) from None
    try:
        return _report(document)
    except _Malformed as error:
        raise _not_a_report(path, Message.of("{where} is not as AppWarden writes it", where=str(error))) from None


def received_from_history(report: dict | None) -> ReceivedReport:
    """A recorded check's report (core.history keeps each one's JSON report), read as strictly as a file."""
    try:
        return _report(report)
    except _Malformed:
        raise ReportFileError(Message.of("The report recorded with this check cannot be read; it was left as it is.")) from None


def with_packs_of_this_computer(received: ReceivedReport, policies: PolicySet) -> ReceivedReport:
    """The report with the packs, rules and directives it cites replaced by this computer's own where
    they are the very same pack (same id and sha256): their texts then read in both languages and
    their removal steps are there. A pack this computer does not have stays as the report says."""
    same = {(p.id, p.sha256): p for p in policies.packs}
    packs = tuple(same.get((p.id, p.sha256), p) for p in received.result.packs)
    shared = [p for p in packs if (p.id, p.sha256) in same]
    rules = {rule.id: (rule, pack) for pack in shared for rule in pack.rules}
    findings = tuple(_with_local_rule(f, rules, PolicySet.of(tuple(shared))) for f in received.result.findings)
    return replace(received, result=replace(received.result, packs=packs, findings=findings))


def _with_local_rule(finding: Finding, rules: dict, local: PolicySet) -> Finding:
    if finding.rule.id not in rules:
        return finding
    rule, _ = rules[finding.rule.id]
    directive = next((d for pack in local.packs for d in pack.directives if d.id == rule.directive_id), None)
    if rule.directive_id != finding.directive.id or directive is None:
        return finding
    extended_by = {e.pack_id for e in finding.scope_extensions}
    extensions = tuple(e for e in local.extensions_for(rule.directive_id) if e.pack_id in extended_by)
    return replace(finding, rule=rule, directive=directive, scope_extensions=extensions)


def _not_a_report(path: Path, reason: Message) -> ReportFileError:
    return ReportFileError(
        Message.of("{path} cannot be opened as an AppWarden report: {reason}.", path=path, reason=reason)
    )


def _bounded_bytes(path: Path) -> bytes:
    return bounded_file_bytes(path, MAX_REPORT_BYTES, lambda reason: _not_a_report(path, reason))


def bounded_file_bytes(path: Path, limit: int, refusal: Callable[[Message], ReportFileError]) -> bytes:
    """The file's bytes; a FIFO, a device or a folder is never read, nor a file over the bound:
    `refusal` makes the error from the reason."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise ReportFileError(
            Message.of("{path} cannot be read: {error}.", path=path, error=error.strerror or error)
        ) from None
    too_large = Message.of("it is larger than {size} MB", size=limit // (1024 * 1024))
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise refusal(Message.of("it is not a regular file"))
        if status.st_size > limit:
            raise refusal(too_large)
        with open(fd, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
    except OSError as error:
        raise ReportFileError(Message.of("{path} cannot be read: {error}.", path=path, error=error.strerror or error)) from None
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew while it was read
        raise refusal(too_large)
    return data


def _report(document: object) -> ReceivedReport:
    report = _table(document, "the report")
    if _get(report, "schema", int) != SCHEMA:
        raise _Malformed("schema")
    tool = _table(report.get("tool"), "tool")
    if _get(tool, "name", str) != "appwarden":
        raise _Malformed("tool.name")
    language = _get(report, "language", str)
    if language not in SUPPORTED_LANGUAGES:
        raise _Malformed("language")
    local = _local_text(language)
    started, finished = _moment(report, "scanned_at"), _moment(report, "finished_at")
    target = _target(_table(report.get("target"), "target"))
    result = ScanResult(
        target=target,
        started_at=started,
        finished_at=finished,
        packs=_list(report, "policies", lambda p: _pack(_table(p, "policies[]"), local)),
        findings=_list(report, "findings", lambda f: replace(
            _finding(_table(f, "findings[]"), local), device_class=target.device_class, organisation_issued=target.organisation_issued,
        )),
        coverage=_list(report, "coverage", lambda c: _coverage(_table(c, "coverage[]"), Translator(language))),
        items_read=_count(report, "items_read"),
        cancelled=_get(report, "cancelled", bool),
        reference=_reference(report),
        scope=_scope(report),
        check_id=_get(report, "check_id", str) if "check_id" in report else "",  # reports made before it had none
    )
    return ReceivedReport(result, language, _get(tool, "version", str))


def _scope(report: dict) -> AccountScope:
    """The accounts the check read and those it could not; none in older reports."""
    try:
        return scope_from_report(report)
    except ValueError as error:
        raise _Malformed(str(error)) from None


def _local_text(language: str) -> Callable[[str], LocalText]:
    """A report's text, shown as it is whatever the window's language: it holds only one."""
    return lambda text: LocalText.of(**{DEFAULT_LANGUAGE: text, language: text})


def _reference(report: dict) -> str:
    if "reference" not in report:  # reports of AppWarden before reference codes
        return ""
    written = _get(report, "reference", str)
    if written and normalised_code(written) != written:
        raise _Malformed("reference")
    return written


def _target(target: dict) -> ScanTarget:
    system = _get(target, "os", str)
    if system not in (LINUX, WINDOWS, MACOS):
        raise _Malformed("target.os")
    root = _get(target, "root", str)
    if not root or "\0" in root:
        raise _Malformed("target.root")
    # Reports made before the device class and ownership were recorded were of issued computers.
    device_class = _get(target, "device_class", str) if "device_class" in target else DESKTOP
    if device_class not in DEVICE_CLASSES:
        raise _Malformed("target.device_class")
    issued = _get(target, "organisation_issued", bool) if "organisation_issued" in target else True
    return ScanTarget(Path(root), system, _get(target, "live", bool), computer_name(_get(target, "hostname", str)), device_class, issued)


def _pack(pack: dict, local: Callable[[str], LocalText]) -> PolicyPack:
    return PolicyPack(
        id=_get(pack, "id", str), version=_get(pack, "version", str), name=local(_get(pack, "name", str)),
        path=Path(), sha256=_get(pack, "sha256", str), directives=(), rules=(),
    )


def _finding(finding: dict, local: Callable[[str], LocalText]) -> Finding:
    directive = _table(finding.get("directive"), "findings[].directive")
    scope = _table(directive.get("scope"), "findings[].directive.scope")
    rule = Rule(
        id=_get(finding, "rule", str), name=local(_get(finding, "name", str)), vendor=_get(finding, "vendor", str),
        directive_id=_get(directive, "id", str), rationale=local(_get(finding, "rationale", str)),
        identifiers={}, display_names=DisplayNameMatch(), lookalikes={}, versions=None, leftovers={}, removal={},
        pack_id="",
    )
    cited = Directive(
        id=rule.directive_id, authority=local(_get(directive, "authority", str)), title=local(_get(directive, "title", str)),
        document_date=_date(directive, "document_date"), effective=_date(directive, "effective"),
        url=local(_get(directive, "url", str)), finding=local(_get(directive, "finding", str)),
        scope=Scope(frozenset(_list(scope, "device_classes", _text)), local(_get(scope, "description", str))),
        pack_id="",
    )
    extensions = tuple(
        ScopeExtension(cited.id, frozenset(), local(pack_id), pack_id) for pack_id in _list(scope, "extended_by", _text)
    )
    enforcement = _choice(finding, "enforcement", Enforcement)
    evidence = _list(finding, "evidence", lambda e: _evidence(_table(e, "findings[].evidence[]")))
    return Finding(rule, cited, enforcement, evidence, extensions)


def _evidence(evidence: dict) -> Evidence:
    details = _table(evidence.get("details"), "findings[].evidence[].details")
    if len(details) > MAX_ITEMS:
        raise _Malformed("findings[].evidence[].details")
    return Evidence(
        source=_get(evidence, "source", str), kind=_choice(evidence, "kind", EvidenceKind),
        namespace=_get(evidence, "namespace", str), identifier=_get(evidence, "identifier", str),
        location=_get(evidence, "location", str), version=_get(evidence, "version", str),
        name=_get(evidence, "name", str),
        details=tuple((_text(key), _text(value)) for key, value in details.items()),
    )


def _coverage(coverage: dict, t: Translator) -> Coverage:
    problems = _list(coverage, "problems", lambda p: _problem(_table(p, "coverage[].problems[]")))
    status, detail = _choice(coverage, "status", CoverageStatus), _get(coverage, "detail", str)
    for system in (LINUX, WINDOWS, MACOS):  # reports name the sources made for other systems on one line
        if status == CoverageStatus.SKIPPED and detail in (t(OTHER_PLATFORM, os=system), t(OTHER_PLATFORM, os=OS_NAMES[system])):
            return Coverage(_get(coverage, "source", str), status, Message.of(OTHER_PLATFORM, os=OS_NAMES[system]), problems)
    # Otherwise the detail is already a sentence in the report's language: kept as it is, never formatted.
    return Coverage(_get(coverage, "source", str), status, Message(detail), problems)


def _problem(problem: dict) -> ReadProblem:
    return ReadProblem(_get(problem, "location", str), Message(_get(problem, "reason", str)),
                       _get(problem, "elevation_helps", bool))


def _table(value: object, where: str) -> dict:
    if not isinstance(value, dict):
        raise _Malformed(where)
    return value


def _get(table: dict, key: str, kind: type[Value]) -> Value:
    value = table.get(key)
    # bool is an int to Python; a report's counts are never true or false.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Malformed(key)
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise _Malformed(key)
    return value


def _text(value: object) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise _Malformed("a text")
    return value


def _list(table: dict, key: str, read: Callable[[object], Value]) -> tuple[Value, ...]:
    values = table.get(key)
    if not isinstance(values, list) or len(values) > MAX_ITEMS:
        raise _Malformed(key)
    return tuple(read(value) for value in values)


def _count(table: dict, key: str) -> int:
    value = _get(table, key, int)
    if value < 0:
        raise _Malformed(key)
    return value


def _choice(table: dict, key: str, kind):
    try:
        return kind(_get(table, key, str))
    except ValueError:
        raise _Malformed(key) from None


def _moment(table: dict, key: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(_get(table, key, str))
    except ValueError:
        raise _Malformed(key) from None
    if moment.tzinfo is None:
        raise _Malformed(key)
    return moment


def _date(table: dict, key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(_get(table, key, str))
    except ValueError:
        raise _Malformed(key) from None
