"""Fleet results made the way osquery makes them: the exported inventory and census queries run,
in SQLite, on tables built from osquery's specs with rows planted per host; then written in the
shapes osquery and Fleet write (osqueryi --json, the result log, a Fleet report as CSV or JSON)."""

from __future__ import annotations

import csv
import io
import json

from appwarden.core.fleet import queries
from appwarden.core.fleet.tables import COMPUTERS
from appwarden.core.policy.model import PolicySet
from tests.core.fleet.osquery_schema import osquery_database, plant


def host_rows(specs, policies: PolicySet, name: str, platform: str, planted: list[tuple[str, dict]]) -> dict[str, list[dict]]:
    """Each exported query's rows on one host (query name -> rows, every value a text, as osquery gives them)."""
    connection = osquery_database(specs, platform, hostname=name)
    for table, row in planted:
        plant(connection, table, **row)
    results = {}
    tables = queries.tables_for(policies.rules, platform)
    system = {"linux": "linux", "macos": "darwin", "windows": "windows"}[platform]
    for table in tables:
        results[f"appwarden_{system}_{table}"] = _run(connection, queries.inventory_query(policies.rules, platform, table))
    results[f"appwarden_{system}_tables"] = _run(connection, queries.census_query(platform, tables))
    return results


def _run(connection, query: str) -> list[dict]:
    cursor = connection.execute(query)
    names = [c[0] for c in cursor.description]
    return [{n: "" if v is None else str(v) for n, v in zip(names, row)} for row in cursor.fetchall()]


def as_osqueryi_json(hosts: list[dict[str, list[dict]]]) -> str:
    return json.dumps([row for host in hosts for rows in host.values() for row in rows], indent=2)


def as_result_log(hosts: list[tuple[str, dict[str, list[dict]]]]) -> str:
    lines = []
    for name, results in hosts:
        for query, rows in results.items():
            lines.append(json.dumps({"snapshot": rows, "action": "snapshot", "name": f"pack_appwarden_{query}",
                                     "hostIdentifier": name, "calendarTime": "Wed Dec  2 10:00:00 2026 UTC",
                                     "unixTime": 1796205600, "epoch": 0, "counter": 0, "numerics": False}))
    return "\n".join(lines) + "\n"


def as_fleet_csv(hosts: list[tuple[str, dict[str, list[dict]]]], query: str | None = None) -> str:
    """A Fleet report exported from its page: host_display_name and last_fetched, then the columns."""
    rows = [{"host_display_name": name, "last_fetched": "2026-12-02T10:00:00Z", **row}
            for name, results in hosts for q, rows in results.items() if query is None or q == query for row in rows]
    columns = list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def as_fleet_report_api(hosts: list[tuple[str, dict[str, list[dict]]]]) -> str:
    return json.dumps({"query_id": 31, "report_clipped": False, "results": [
        {"host_id": number, "host_name": name, "last_fetched": "2026-12-02T10:00:00Z", "columns": row}
        for number, (name, results) in enumerate(hosts, start=1) for rows in results.values() for row in rows]})


__all__ = ["COMPUTERS", "host_rows", "as_osqueryi_json", "as_result_log", "as_fleet_csv", "as_fleet_report_api"]
