"""The packs as the files a fleet engine takes: Fleet's GitOps policies and reports, an osquery pack,
and the phones' blocked-app lists for device management. Each export is a folder of files, with
its notes (what was exported, and what could not be) in the person's language."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path

from appwarden.core.fleet import queries
from appwarden.core.fleet.tables import COMPUTERS, NOT_EXPRESSIBLE, OSQUERY_PLATFORMS
from appwarden.core.fleet.yaml_text import yaml_list_of_mappings
from appwarden.core.i18n import Translator
from appwarden.core.messages import Message
from appwarden.core.policy.model import DESKTOP, MOBILE, Enforcement, PolicySet, Rule
from appwarden.core.sources.base import ANDROID, IOS, OS_NAMES

FORMATS = ("fleet", "osquery", "mdm")
INTERVAL_SECONDS = 3600  # how often osquery runs the inventory (Fleet and osquery take 1 to 604,800)
# The phones' identifier kinds. The loader takes only exact package names and bundle ids in
# them, so no identifier can start like a spreadsheet formula; the texts beside them can.
PHONE_IDENTIFIERS = {ANDROID: "android_package", IOS: "ios_bundle_id"}
MDM_COLUMNS = ("identifier", "platform", "rule", "app", "vendor", "directive", "directive_title", "authority",
               "effective", "on_issued_phones", "source")


@dataclass(frozen=True)
class ExportFile:
    name: str
    text: str


@dataclass(frozen=True)
class Export:
    """What an export writes, and what it could not express (for the summary)."""

    format: str
    files: tuple[ExportFile, ...]
    notes: tuple[str, ...]  # the notes' lines, also each file's header where the format has comments
    counts: tuple[tuple[str, int], ...]  # ("policies", 12), ...


def build_export(format: str, policies: PolicySet, t: Translator, today: dt.date) -> Export:
    from appwarden.core.errors import UsageError
    from appwarden.core.fleet.sql import UnquotableValue

    try:
        if format == "fleet":
            return _fleet(policies, t, today)
        if format == "osquery":
            return _osquery(policies, t, today)
        return _mdm(policies, t, today)
    except UnquotableValue as refused:
        raise UsageError(Message.of(
            "A pack's value '{value}' holds a NUL character, which osquery's SQL cannot carry: nothing was exported.",
            value=str(refused).encode("unicode_escape").decode("ascii"))) from None


# ------------------------------------------------------------------------------------------------
# Texts
# ------------------------------------------------------------------------------------------------

def _directive_citation(rule: Rule, policies: PolicySet, t: Translator) -> str:
    d = policies.directive(rule.directive_id)
    return t(
        "{app}, from {vendor}, is prohibited by “{title}”, {authority}, dated {date}, in effect since {effective}; "
        "it covers {scope}. {finding} Reference: {url}",
        app=t.text(rule.name), vendor=rule.vendor, title=t.text(d.title), authority=t.text(d.authority),
        date=t.date(d.document_date), effective=t.date(d.effective), scope=t.text(d.scope.description),
        finding=t.text(d.finding), url=t.text(d.url),
    )


def _enforcement_on(rule: Rule, policies: PolicySet, device_class: str, today: dt.date) -> Enforcement:
    """On a device the organisation issued: required where the directive (or an extension of it)
    covers that class of device and is in effect, recommended elsewhere."""
    return policies.enforcement(policies.directive(rule.directive_id), device_class, today)[0]


def _resolution(rule: Rule, platform: str, t: Translator) -> str:
    guidance = t.text(rule.removal[platform]).strip() if platform in rule.removal else t(
        "No removal guidance for this platform in the policy pack.")
    return guidance + "\n\n" + t(
        "On a computer with AppWarden, it guides the removal and checks that the app is gone: appwarden remove {rule}",
        rule=rule.id)


def _notes(format: str, title: str, policies: PolicySet, t: Translator, today: dt.date, extra: list[str]) -> tuple[str, ...]:
    packs = ", ".join(f"{t.text(p.name)} ({p.id} {p.version}, sha256 {p.sha256[:12]})" for p in policies.packs)
    lines = [
        t("AppWarden {format} export of {packs}, made on {date}.", format=title, packs=packs, date=today.isoformat()),
        t("Made from the policy packs: edit the packs and export again rather than editing these files."),
        "",
    ]
    lines += extra
    unexpressed = [(rule, namespace, values) for rule in policies.rules for namespace, values in queries.unexpressed(rule).items()]
    if format != "mdm" and unexpressed:
        lines += ["", t("Not in this export, because osquery cannot show them:")]
        for rule, namespace, values in unexpressed:
            if namespace == "android_package":
                continue
            lines.append("  " + t("{rule}: {kind} ({reason}): {values}", rule=rule.id, kind=namespace,
                                  reason=NOT_EXPRESSIBLE[namespace].render(t), values=", ".join(values)))
        lines.append("  " + t("Phones: Android package names and iPhone bundle ids are in the MDM export (appwarden policy export --format mdm)."))
    if format != "mdm":
        lines += ["", t("How the queries compare:")]
        lines += ["  - " + limit.render(t) for limit in queries.EXPORT_LIMITS]
    return tuple(lines)


# ------------------------------------------------------------------------------------------------
# Fleet
# ------------------------------------------------------------------------------------------------

def _fleet(policies: PolicySet, t: Translator, today: dt.date) -> Export:
    policy_entries = []
    for rule in policies.rules:
        for platform in COMPUTERS:
            query = queries.policy_query(rule, platform)
            if query is None:
                continue
            policy_entries.append({
                "name": t("{app} is not installed ({os})", app=t.text(rule.name), os=OS_NAMES[platform]) + f" [appwarden:{rule.id}]",
                "description": _directive_citation(rule, policies, t),
                "resolution": _resolution(rule, platform, t),
                "query": query,
                "platform": OSQUERY_PLATFORMS[platform],
                # Critical where removal is required on the organisation's computers.
                "critical": _enforcement_on(rule, policies, DESKTOP, today) == Enforcement.REQUIRED,
            })
    reports = [
        {"name": name, "description": description, "query": query, "interval": INTERVAL_SECONDS,
         "platform": platform, "logging": "snapshot"}
        for name, description, query, platform in _inventory(policies, t)
    ]
    notes = _notes("fleet", "Fleet", policies, t, today, [
        t("{policies}: one policy per rule and platform. A policy passes when its query returns a row, that is when the app is not there.",
          policies="appwarden.policies.yml"),
        t("{reports}: the inventory reports, whose results appwarden scan --from-osquery reads back (export them as CSV or JSON).",
          reports="appwarden.reports.yml"),
        t("Reference them from a GitOps file: policies: [- path: ./lib/appwarden.policies.yml], and queries: (reports: in newer Fleet) [- path: ./lib/appwarden.reports.yml]."),
    ])
    header = [*notes, ""]
    files = (
        ExportFile("appwarden.policies.yml", yaml_list_of_mappings(policy_entries, header)),
        ExportFile("appwarden.reports.yml", yaml_list_of_mappings(reports, header)),
        ExportFile("EXPORT-NOTES.txt", "\n".join(notes) + "\n"),
    )
    return Export("fleet", files, notes, (("policies", len(policy_entries)), ("reports", len(reports))))


def _inventory(policies: PolicySet, t: Translator) -> list[tuple[str, str, str, str]]:
    """(name, description, query, osquery platform) of every inventory and census query."""
    entries = []
    rules = policies.rules
    for platform in COMPUTERS:
        tables = queries.tables_for(rules, platform)
        system = OSQUERY_PLATFORMS[platform]
        for table in tables:
            entries.append((f"appwarden_{system}_{table}", t(
                "AppWarden: prohibited apps that osquery's {table} table shows on {os}, one row each, with the rule.",
                table=table, os=OS_NAMES[platform]), queries.inventory_query(rules, platform, table), system))
        if tables:
            entries.append((f"appwarden_{system}_tables", t(
                "AppWarden: how many rows each table the inventory reads holds on {os}, so that a table that shows nothing is told apart from a clean one.",
                os=OS_NAMES[platform]), queries.census_query(platform, tables), system))
    return entries


# ------------------------------------------------------------------------------------------------
# osquery
# ------------------------------------------------------------------------------------------------

def _osquery(policies: PolicySet, t: Translator, today: dt.date) -> Export:
    pack = {"queries": {
        name: {"query": query, "interval": INTERVAL_SECONDS, "platform": platform, "snapshot": True,
               "description": description}
        for name, description, query, platform in _inventory(policies, t)
    }}
    notes = _notes("osquery", "osquery", policies, t, today, [
        t("{pack}: an osquery pack. Each query returns one row per prohibited item found, with the rule id; "
          "the results (osqueryi --json, or the daemon's result log) are read back by appwarden scan --from-osquery.",
          pack="appwarden.pack.conf"),
        t("Add it to osquery's configuration under \"packs\", as \"appwarden\": \"/path/to/appwarden.pack.conf\"."),
    ])
    files = (
        ExportFile("appwarden.pack.conf", json.dumps(pack, ensure_ascii=False, indent=2) + "\n"),
        ExportFile("EXPORT-NOTES.txt", "\n".join(notes) + "\n"),
    )
    return Export("osquery", files, notes, (("queries", len(pack["queries"])),))


# ------------------------------------------------------------------------------------------------
# Device management (phones)
# ------------------------------------------------------------------------------------------------

def _mdm(policies: PolicySet, t: Translator, today: dt.date) -> Export:
    files, counts = [], []
    for platform, namespace in PHONE_IDENTIFIERS.items():
        rows = []
        for rule in policies.rules:
            d = policies.directive(rule.directive_id)
            for identifier in dict.fromkeys(rule.identifiers.get(namespace, ())):
                pack = next(p for p in policies.packs if p.id == rule.pack_id)
                rows.append((identifier, platform, rule.id, t.text(rule.name), rule.vendor, d.id, t.text(d.title),
                             t.text(d.authority), d.effective.isoformat(),
                             _enforcement_on(rule, policies, MOBILE, today).value,
                             f"{pack.id} {pack.version} ({pack.path.name})"))
        files.append(ExportFile(f"{platform}-blocked-apps.csv", _csv(rows)))
        counts.append((platform, len(rows)))
    notes = _notes("mdm", "MDM", policies, t, today, [
        t("{android} and {ios}: the Android package names and the iPhone and iPad bundle ids of each rule, one per line, "
          "with the rule, the directive and the pack it comes from, for a device-management service's blocked-apps list.",
          android="android-blocked-apps.csv", ios="ios-blocked-apps.csv"),
        t("on_issued_phones says whether removal is required or recommended on phones the organisation issued."),
        t("Where each service takes the list: see the README, \"Blocking the apps on managed phones\"."),
    ])
    files.append(ExportFile("EXPORT-NOTES.txt", "\n".join(notes) + "\n"))
    return Export("mdm", tuple(files), notes, tuple(counts))


def _csv(rows: list[tuple[str, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MDM_COLUMNS)
    writer.writerows([tuple(_spreadsheet_safe(cell) for cell in row) for row in rows])
    return out.getvalue()


def _spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet shows as text: one that starts like a formula gets a leading apostrophe
    (a pack's text is someone else's)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def write_export(export: Export, folder: Path) -> list[Path]:
    """Write the export's files into the folder (made when missing), each all or nothing."""
    from appwarden.core.errors import UsageError
    from appwarden.core.files import write_text_atomically

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(Message.of("Cannot make the folder {path}: {error}.", path=folder, error=error.strerror or error)) from None
    if not folder.is_dir():
        raise UsageError(Message.of("{path} is not a folder: an export is several files, written into a folder.", path=folder))
    written = []
    for file in export.files:
        path = folder / file.name
        try:
            write_text_atomically(path, file.text)
        except OSError as error:
            raise UsageError(Message.of("Cannot write {path}: {error}.", path=path, error=error.strerror or error)) from None
        written.append(path)
    return written
