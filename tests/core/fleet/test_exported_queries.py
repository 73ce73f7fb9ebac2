"""Every exported query runs in SQLite against tables built from osquery's own specs, with rows
planted from the pack's identifiers and look-alikes: a policy fails (returns no row) exactly when
the app is present, and passes on a clean machine and for every look-alike."""

from __future__ import annotations

import re

import pytest

from appwarden.core.fleet import queries
from appwarden.core.fleet.tables import OSQUERY_PLATFORMS, PROBES
from appwarden.core.policy.loader import load_policies
from appwarden.core.sources.base import EvidenceKind
from tests.core.fleet.osquery_schema import osquery_database, plant, read_specs
from tests.core.fleet.planting import probes_for, rows_showing

RULES = load_policies([], include_default=True).rules
PLATFORMS = tuple(OSQUERY_PLATFORMS)


@pytest.fixture(scope="module")
def specs():
    return read_specs()


def passes(connection, query: str) -> bool:
    rows = connection.execute(query).fetchall()
    assert rows in ([], [(1,)])
    return rows == [(1,)]


def present_cases():
    for rule in RULES:
        for platform in PLATFORMS:
            for namespace, values in rule.identifiers.items():
                for probe in probes_for(namespace, platform):
                    for value in queries._values(rule, namespace, platform):
                        for table, row in rows_showing(probe, value):
                            yield pytest.param(rule, platform, probe, value, table, row,
                                               id=f"{rule.id}-{platform}-{probe.table}-{value}-{row.get('key', '')}")


def test_every_probe_names_tables_and_columns_osquery_has(specs):
    for probe in PROBES:
        spec = specs[probe.table]
        assert set(probe.platforms) <= {p for p, o in OSQUERY_PLATFORMS.items() if o in spec.platforms}, probe.table
        columns = {name for name, _, _ in spec.columns}
        for expression in (probe.column, probe.name, probe.publisher, probe.version, probe.location, probe.where):
            for word in re.findall(r"\b[a-z_]+\b(?!')", re.sub(r"'[^']*'", "", expression)):
                assert word in columns, (probe.table, word)
        for table in re.findall(r"(?:FROM|JOIN) (\w+)", probe.rows_from):
            assert set(probe.platforms) <= {p for p, o in OSQUERY_PLATFORMS.items() if o in specs[table].platforms}


def test_a_clean_machine_passes_every_policy(specs):
    for platform in PLATFORMS:
        connection = osquery_database(specs, platform)
        for rule in RULES:
            query = queries.policy_query(rule, platform)
            if query is not None:
                assert passes(connection, query), (rule.id, platform)


@pytest.mark.parametrize("rule, platform, probe, value, table, row", list(present_cases()))
def test_the_app_present_fails_its_policy_and_is_listed(specs, rule, platform, probe, value, table, row):
    connection = osquery_database(specs, platform)
    plant(connection, table, **row)
    policy = queries.policy_query(rule, platform)
    expected_failure = probe.kind != EvidenceKind.LEFTOVER
    assert passes(connection, policy) is not expected_failure
    for other in RULES:
        if other is not rule and queries.policy_query(other, platform):
            assert passes(connection, queries.policy_query(other, platform)), other.id
    listed = connection.execute(queries.inventory_query(RULES, platform, probe.table)).fetchall()
    assert {(r[4], r[5]) for r in listed} >= {(rule.id, next(n for n in probe.namespaces if value in rule.identifiers.get(n, ())))}
    assert all(r[0] == "host-1" and r[1] == "uuid-host-1" and r[2] == OSQUERY_PLATFORMS[platform] for r in listed)
    identifiers = {r[6].lower() for r in listed if r[4] == rule.id}
    assert value.lower() in identifiers


def lookalike_cases():
    for rule in RULES:
        for platform in PLATFORMS:
            for namespace, values in rule.lookalikes.items():
                for probe in probes_for(namespace, platform):
                    for value in values:
                        for table, row in rows_showing(probe, value):
                            yield pytest.param(rule, platform, table, row, id=f"{rule.id}-{platform}-{table}-{value}")
            if platform == "windows":  # a look-alike's name, with the rule's own publisher, in programs
                for value in rule.lookalikes.get("display_names", ()):
                    row = {"name": value, "publisher": rule.display_names.publishers[0]}
                    yield pytest.param(rule, platform, "programs", row, id=f"{rule.id}-windows-programs-name-{value}")


@pytest.mark.parametrize("rule, platform, table, row", list(lookalike_cases()))
def test_a_lookalike_passes_every_policy(specs, rule, platform, table, row):
    connection = osquery_database(specs, platform)
    plant(connection, table, **row)
    for any_rule in RULES:
        query = queries.policy_query(any_rule, platform)
        if query is not None:
            assert passes(connection, query), any_rule.id
    listed = connection.execute(queries.inventory_query(RULES, platform, table)).fetchall() if queries.inventory_query(RULES, platform, table) else []
    assert listed == []
