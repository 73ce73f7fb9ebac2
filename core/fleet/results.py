"""Reading fleet results back: the rows of the exported inventory queries, as osquery or Fleet wrote
them, grouped by host and turned into inventory items; and AppWarden's own JSON reports collected
from many devices.

A results file is hostile input. It is read only when it is a regular file within MAX_RESULTS_BYTES;
each value must be a short text or a number; a line or row that is not what the queries return is
counted and named as coverage, never a traceback, and the rest is still read.

Shapes read (a file may hold any of them):
- a JSON array of rows (`osqueryi --json`), or of Fleet report results ({"host_name", "columns"});
- a JSON object with "results" (Fleet's report API, or a live query's), each with "rows" or "columns";
- JSON lines: osqueryd's result log (differential rows with "columns" and "action", snapshots,
  batches with "diffResults") and `fleetctl query --json` ({"host", "rows"});
- CSV with a header row (a Fleet report or live query exported from its page).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from appwarden.core.errors import ReportFileError
from appwarden.core.fleet.queries import CENSUS_COLUMNS, INVENTORY_COLUMNS
from appwarden.core.fleet.tables import OSQUERY_PLATFORMS, PROBES
from appwarden.core.messages import Message
from appwarden.core.sources.base import EvidenceKind, InventoryItem, ReadProblem

MAX_RESULTS_BYTES = 512 * 1024 * 1024
MAX_VALUE = 64 * 1024  # characters of one value
MAX_PROBLEM_LINES = 20  # damaged lines named one by one; the rest are counted
# Where Fleet and osquery put the host's name, when a row does not carry the queries' own `host`.
HOST_FIELDS = ("host", "host_display_name", "Host", "host_hostname", "host_name", "hostIdentifier")
PLATFORMS = {osquery: platform for platform, osquery in OSQUERY_PLATFORMS.items()}
KINDS = {(p.table, namespace): p.kind for p in PROBES for namespace in p.namespaces}
# What the exported queries can return: each table's identifier kinds, and display names from
# the tables that show publishers. A row claiming anything else did not come from them.
SHOWN = set(KINDS) | {(p.table, "display_name") for p in PROBES if p.publisher}


@dataclass
class HostRows:
    """What the results say of one host."""

    name: str
    platform: str = ""  # AppWarden's platform name, from the rows
    items: dict[tuple, InventoryItem] = field(default_factory=dict)  # one per distinct row
    census: dict[str, int] = field(default_factory=dict)  # table -> rows it holds


@dataclass
class FleetRows:
    """Every host's rows, and what could not be read."""

    hosts: dict[tuple[str, str], HostRows] = field(default_factory=dict)
    rows_read: int = 0
    other_rows: int = 0  # rows of other queries: passed over
    problems: list[ReadProblem] = field(default_factory=list)
    damaged: int = 0
    # The rows of the latest snapshot of each (host, query) in the results: a later one replaces them.
    snapshots: dict[tuple[str, str], list[tuple[tuple[str, str], tuple]]] = field(default_factory=dict)

    def damage(self, location: str, reason: Message) -> None:
        self.damaged += 1
        if self.damaged <= MAX_PROBLEM_LINES:
            self.problems.append(ReadProblem(location, reason))


class _Damaged(ValueError):
    pass


def read_results(paths: Iterable[Path]) -> FleetRows:
    rows = FleetRows()
    logged: list[tuple[float, int, object, str]] = []  # result-log lines, applied in the order osquery wrote them
    for path in paths:
        _read_file(Path(path), rows, logged)
    # osquery stamps each result-log line (unixTime): applied oldest first, a later snapshot replaces
    # an earlier one and a removed row takes back an added one, whatever order the files were given
    # in (a shell lists osqueryd.results.log before its older osqueryd.results.log.1).
    logged.sort(key=lambda line: (line[0], line[1]))
    for _, _, entry, where in logged:
        _read_entry(entry, rows, where, None)
    if rows.damaged > MAX_PROBLEM_LINES:
        rows.problems.append(ReadProblem("", Message.plural(
            "and {count} more damaged line or row", "and {count} more damaged lines or rows", count=rows.damaged - MAX_PROBLEM_LINES)))
    return rows


def _read_file(path: Path, rows: FleetRows, logged: list) -> None:
    from appwarden.core.reports.json_reader import bounded_file_bytes

    data = bounded_file_bytes(path, MAX_RESULTS_BYTES, lambda reason: _not_results(path, reason))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _not_results(path, Message.of("it is not UTF-8 text")) from None
    del data
    start = text.lstrip()[:1]
    if start == "[":
        _read_array(text, rows, str(path))
    elif start == "{":
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            document = None  # JSON lines (a result log, fleetctl's output), or damaged: read line by line
        if isinstance(document, dict) and isinstance(document.get("results"), list):
            _read_document(document, rows, str(path))
            return
        # Lines end at "\n" only: JSON text may hold U+2028 or U+0085 raw, which splitlines() would
        # take for line ends, breaking a line in two and losing a host's rows.
        for number, line in enumerate(text.split("\n"), start=1):
            if line.strip():
                try:
                    entry = json.loads(line)
                except (ValueError, RecursionError):
                    rows.damage(f"{path}:{number}", Message.of("this line is not JSON"))
                    continue
                stamp = entry.get("unixTime") if isinstance(entry, dict) else None
                stamp = stamp if isinstance(stamp, (int, float)) and not isinstance(stamp, bool) else 0
                logged.append((stamp, len(logged), entry, f"{path}:{number}"))
    else:
        _read_csv(text, rows, path)


def _read_array(text: str, rows: FleetRows, where: str) -> None:
    """A JSON array read one element at a time, so that only one row's objects exist at once
    (a file of millions of tiny objects would otherwise take gigabytes)."""
    decoder = json.JSONDecoder()
    position, number = text.index("[") + 1, 0
    while True:
        position = _skip_space(text, position)
        if text.startswith("]", position):
            return
        if number:
            if not text.startswith(",", position):
                rows.damage(f"{where}[{number}]", Message.of("the file is not JSON from here on"))
                return
            position = _skip_space(text, position + 1)
        try:
            element, position = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):
            rows.damage(f"{where}[{number}]", Message.of("the file is not JSON from here on"))
            return
        _read_entry(element, rows, f"{where}[{number}]", None)
        number += 1


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _not_results(path: Path, reason: Message) -> ReportFileError:
    return ReportFileError(Message.of("{path} cannot be read as results: {reason}.", path=path, reason=reason))


def _read_document(document: dict, rows: FleetRows, where: str) -> None:
    """Fleet's results: its report API, or a live query's."""
    if document.get("report_clipped") is True:
        rows.damage(where, Message.of(
            "Fleet stopped storing this report's rows at its limit (query_report_cap): hosts may be missing from it"))
    for position, entry in enumerate(document["results"]):
        _read_entry(entry, rows, f"{where}: results[{position}]", None)


def _read_entry(entry: object, rows: FleetRows, where: str, host: str | None) -> None:
    """A row, or a wrapper of rows (a log line, a Fleet result) that may name the host."""
    if not isinstance(entry, dict):
        rows.damage(where, Message.of("this is not a row of a query"))
        return
    named = _text_or_none(entry, "host_name") or _text_or_none(entry, "hostIdentifier") or _text_or_none(entry, "host") or host
    query = _text_or_none(entry, "name") or ""
    if isinstance(entry.get("columns"), dict):  # an osqueryd differential line, or a Fleet report result
        # osquery's log says when a row it reported is gone: the host no longer shows it.
        _read_row(entry["columns"], rows, where, named, removed=entry.get("action") == "removed")
        return
    if isinstance(entry.get("snapshot"), list):
        origin = (named or "", query)
        for host_key, item_key in rows.snapshots.pop(origin, ()):
            rows.hosts[host_key].items.pop(item_key, None)
        taken = rows.snapshots[origin] = []
        for position, row in enumerate(entry["snapshot"]):
            _read_row(row, rows, f"{where}: snapshot[{position}]", named, snapshot=taken)
        return
    if isinstance(entry.get("rows"), list):
        for position, row in enumerate(entry["rows"]):
            _read_row(row, rows, f"{where}: rows[{position}]", named)
        return
    if isinstance(entry.get("diffResults"), dict):
        diff = entry["diffResults"]
        for kind in ("removed", "added"):
            for position, row in enumerate(diff.get(kind) if isinstance(diff.get(kind), list) else []):
                _read_row(row, rows, f"{where}: {kind}[{position}]", named, removed=kind == "removed")
        return
    _read_row(entry, rows, where, host)


def _read_row(row: object, rows: FleetRows, where: str, host: str | None, removed: bool = False,
              snapshot: list | None = None) -> None:
    """One row. A removed row takes back what an earlier line added; a snapshot's rows are noted
    in `snapshot`, so that the next snapshot of the same query can take them back."""
    if not isinstance(row, dict):
        rows.damage(where, Message.of("this is not a row of a query"))
        return
    try:
        values = {key: _value(value) for key, value in row.items() if isinstance(key, str)}
    except _Damaged:
        rows.damage(where, Message.of("a value of this row is not text or a number"))
        return
    rows.rows_read += 1
    if "osquery_table" not in values:
        rows.other_rows += 1
        return
    # A file may hold both queries' rows under the union of their columns (a CSV leaves the
    # other query's cells empty): a census row is one that counts.
    is_census = values.get("table_rows", "") != ""
    wanted = CENSUS_COLUMNS if is_census else INVENTORY_COLUMNS
    missing = [column for column in wanted if column not in values and column not in ("host", "host_uuid")]
    name = values.get("host") or host or next((values[f] for f in HOST_FIELDS if values.get(f)), "")
    platform = PLATFORMS.get(values.get("platform", ""))
    if missing or not name or platform is None:
        rows.damage(where, Message.of("this row lacks what AppWarden's queries return ({columns})",
                                      columns=", ".join(missing) or ("host" if not name else "platform")))
        return
    # A uuid with the name: cloned machines often share a hardware uuid, and hosts a name.
    host_key = (values.get("host_uuid", ""), name)
    record = rows.hosts.get(host_key)
    if record is None:
        record = rows.hosts[host_key] = HostRows(name, platform)
    if is_census:
        try:
            count = max(0, int(values["table_rows"]))
        except ValueError:
            rows.damage(where, Message.of("its table_rows is not a whole number"))
            return
        if removed:
            record.census.pop(values["osquery_table"], None)
        else:
            record.census[values["osquery_table"]] = count
        return
    if (values["osquery_table"], values["namespace"]) not in SHOWN:
        rows.damage(where, Message.of("osquery's {table} table does not show that kind of identifier ({kind})",
                                      table=values["osquery_table"], kind=values["namespace"]))
        return
    item = _item(values)
    key = (item.source, item.identifiers, item.name, item.publisher, item.version, item.location)
    if removed:
        record.items.pop(key, None)
        return
    record.items.setdefault(key, item)
    if snapshot is not None:
        snapshot.append((host_key, key))


def _item(values: dict[str, str]) -> InventoryItem:
    table, namespace = values["osquery_table"], values["namespace"]
    identifiers = () if namespace == "display_name" else ((namespace, values["identifier"]),)
    return InventoryItem(
        source=f"osquery:{table}",
        kind=KINDS.get((table, namespace), EvidenceKind.INSTALLED),
        identifiers=identifiers,
        name=values.get("name", ""),
        publisher=values.get("publisher", ""),
        version=values.get("version", ""),
        location=values.get("location", "") or table,
        details=(("osquery_table", table),),
    )


def _value(value: object) -> str:
    if isinstance(value, bool) or value is None:
        raise _Damaged
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str) and len(value) <= MAX_VALUE:
        return value
    raise _Damaged


def _text_or_none(entry: dict, key: str) -> str | None:
    value = entry.get(key)
    return value if isinstance(value, str) and value and len(value) <= MAX_VALUE else None


def _read_csv(text: str, rows: FleetRows, path: Path) -> None:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise _not_results(path, Message.of("it is neither JSON nor CSV with a header")) from None
    if "osquery_table" not in header:
        raise _not_results(path, Message.of(
            "it has no osquery_table column, so it is not the results of AppWarden's exported queries"))
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            rows.damage(f"{path}:{reader.line_num}", Message.of("this line is not CSV"))
            continue
        number = reader.line_num  # the line the row ends on (a cell may hold line breaks)
        if not cells:
            continue
        if len(cells) != len(header):
            rows.damage(f"{path}:{number}", Message.of("this line has {found} cells where the header has {wanted}",
                                                       found=len(cells), wanted=len(header)))
            continue
        _read_row(dict(zip(header, cells)), rows, f"{path}:{number}", None)


