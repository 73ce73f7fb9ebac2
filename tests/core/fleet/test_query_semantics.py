"""The exported SQL decides as AppWarden's own matching does: display names with a confirming
publisher, look-alikes excluded, for any name built from the pack's names and what real names
add to them; and no identifier can change a query."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appwarden.core.fleet import queries, sql
from appwarden.core.matching.index import RuleIndex
from appwarden.core.policy.loader import load_policies
from appwarden.core.sources.base import EvidenceKind, InventoryItem
from tests.core.fleet.osquery_schema import osquery_database, plant, read_specs
from tests.core.fleet.planting import probes_for, rows_showing
from tests.core.policy import test_default_pack as default_pack

POLICIES = load_policies([], include_default=True)
RULES = POLICIES.rules
INDEX = RuleIndex(POLICIES)
NAME_PIECES = sorted({
    *(n for r in RULES for n in r.display_names.names), *(p for r in RULES for p in r.display_names.prefixes),
    *(n for r in RULES for n in r.lookalikes.get("display_names", ())),
    "Setup", "x64", "3.9.1", "for", "Windows", "Work", "Endpoint", "Security", "Lab", "Studio", "LIVE",
    "微", "信", "企业", "测试版", "读书",
})  # not full-width letters: SQLite cannot normalise them (test_what_sqlite_cannot_normalise)
SEPARATORS = [" ", "  ", "-", "(", ")", "（", "）", "®", "™", ".", "_", "\t", "   ", "/", "：", "·", "\x01", "\x7f", "\x1c", "\x85", "\u2028", "\u3000", "\u200a"]
PUBLISHERS = sorted({*(p for r in RULES for p in r.display_names.publishers),
                     "Tencent Technology (Shenzhen) Company Limited", "AO Kaspersky Lab", "ByteDance Pte. Ltd.",
                     "Kaspersky  Lab", "TickTick Limited", "tencent", "", "Microsoft Corporation"})
piece = st.one_of(st.sampled_from(NAME_PIECES), st.sampled_from(SEPARATORS),
                  st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=4))
names = st.lists(piece, min_size=1, max_size=6).map("".join)
publishers = st.one_of(st.sampled_from(PUBLISHERS), st.lists(st.one_of(st.sampled_from(PUBLISHERS), piece), max_size=3).map(" ".join))


def around_a_name_of(rule):
    """One of the rule's names or prefixes with what real names put around it, and one of its
    publishers as a vendor writes it: about half of these match the rule."""
    own = [*rule.display_names.names, *rule.display_names.prefixes]
    name = st.tuples(st.lists(piece, max_size=2), st.sampled_from(own), st.lists(piece, max_size=3)).map(
        lambda parts: "".join([*parts[0], parts[1], *parts[2]]))
    publisher = st.tuples(st.sampled_from(rule.display_names.publishers), st.sampled_from(["", " Ltd.", " Technology Co."])).map("".join)
    return st.tuples(name, publisher)


cases = st.one_of(st.sampled_from([r for r in RULES if r.display_names.publishers]).flatmap(around_a_name_of),
                  st.tuples(names, publishers))

@pytest.fixture(scope="module")
def specs():
    return read_specs()


@pytest.fixture(scope="module")
def windows(specs):
    return osquery_database(specs, "windows")


POLICY_QUERIES = {rule.id: queries.policy_query(rule, "windows") for rule in RULES}
PROGRAMS_INVENTORY = queries.inventory_query(RULES, "windows", "programs")


def rules_failing(connection: sqlite3.Connection) -> set[str]:
    return {rule_id for rule_id, query in POLICY_QUERIES.items() if not connection.execute(query).fetchall()}


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases)
def test_a_programs_row_fails_the_policies_appwarden_would_match(windows, case):
    name, publisher = case
    windows.execute("DELETE FROM programs")
    plant(windows, "programs", name=name, publisher=publisher, version="1.0")
    item = InventoryItem("windows_uninstall", EvidenceKind.INSTALLED, (), name=name, publisher=publisher)
    expected = {match.rule.id for match in INDEX.matches(item)}
    assert rules_failing(windows) == expected
    listed = {row[4] for row in windows.execute(PROGRAMS_INVENTORY).fetchall()}
    assert listed == expected


@pytest.mark.parametrize("name, publisher, rule", [
    ("WeChat", "Tencent", "wechat"),
    ("WeChat 3.9.12", "Tencent Technology (Shenzhen) Company Limited", "wechat"),
    ("微信", "腾讯科技(深圳)有限公司", "wechat"),
    ("微信（测试版）", "Tencent", "wechat"),
    ("微信 3.9", "Tencent", "wechat"),
    ("Kaspersky Endpoint Security for Windows", "AO Kaspersky Lab", "kaspersky"),
    ("Kaspersky® Small Office Security", "Kaspersky", "kaspersky"),
    ("TikTok", "ByteDance Pte. Ltd.", "tiktok"),
])
def test_real_world_names_fail_their_policy(windows, name, publisher, rule):
    windows.execute("DELETE FROM programs")
    plant(windows, "programs", name=name, publisher=publisher)
    assert rules_failing(windows) == {rule}


@pytest.mark.parametrize("name, publisher", [
    ("WeChat", ""), ("WeChat", "Some Fan Club"), ("WeChat Work", "Tencent"), ("企业微信", "Tencent"),
    ("微信读书", "Tencent"), ("TikTok LIVE Studio", "ByteDance"), ("TickTick", "TickTick Limited"),
    ("Kaspersky Virus Removal Tool", "AO Kaspersky Lab"), ("Kavita", "Kavita"), ("WeChatDuokai", "Tencent"),
])
def test_lookalikes_and_unconfirmed_names_pass(windows, name, publisher):
    windows.execute("DELETE FROM programs")
    plant(windows, "programs", name=name, publisher=publisher)
    assert rules_failing(windows) == set()


def test_what_sqlite_cannot_normalise_is_what_the_export_says(windows):
    """Full-width letters are the same name to AppWarden (Unicode NFKC) but not to SQLite: the
    export's notes say that other spellings are compared exactly as the pack writes them."""
    windows.execute("DELETE FROM programs")
    plant(windows, "programs", name="Ｗｅｃｈａｔ", publisher="Tencent")
    item = InventoryItem("windows_uninstall", EvidenceKind.INSTALLED, (), name="Ｗｅｃｈａｔ", publisher="Tencent")
    assert {m.rule.id for m in INDEX.matches(item)} == {"wechat"}
    assert rules_failing(windows) == set()
    assert any("does not normalise Unicode" in limit.template for limit in queries.EXPORT_LIMITS)


def test_a_lookalike_uninstall_key_cannot_veto_a_display_name_in_osquery(windows):
    """The scanner's test_a_lookalike_identifier_vetoes_a_display_name_match: on the device WeCom's
    key named 企业微信 vetoes the display name WeChat; osquery's programs table does not show the
    key, so the policy fails, and the export's notes say so."""
    windows.execute("DELETE FROM programs")
    plant(windows, "programs", name="WeChat", publisher="Tencent")
    assert rules_failing(windows) == {"wechat"}
    assert any("cannot stop a display name" in limit.template for limit in queries.EXPORT_LIMITS)


any_value = st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(any_value, min_size=1, max_size=5), other=any_value)
def test_every_value_is_quoted_so_none_changes_the_query(values, other):
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE deb_packages (name TEXT)")
    connection.executemany("INSERT INTO deb_packages VALUES (?)", [(v,) for v in [*values, other]])
    condition = sql.equals_any("name", values)
    found = [row[0] for row in connection.execute(f"SELECT name FROM deb_packages WHERE {condition}")]
    wanted = {sql.sqlite_lower(v) if v.isascii() else v for v in values}
    assert found == [v for v in [*values, other] if (sql.sqlite_lower(v) if v.isascii() else v) in wanted]
    assert sqlite3.complete_statement(f"SELECT 1 WHERE {condition};")
    literal = sql.quote(other)
    assert connection.execute(f"SELECT {literal}").fetchone() == (other,)


def test_whitespace_is_what_python_splits_on():
    assert set(sql.WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert set(sql.WHITESPACE) - {" "} <= set(sql.WORD_SEPARATORS)


def test_a_nul_cannot_be_quoted():
    with pytest.raises(sql.UnquotableValue):
        sql.quote("wechat\0'; DROP TABLE deb_packages; --")


def _scanner_cases(test):
    """The parameters of one of the scanner's own tests (tests/core/policy/test_default_pack.py)."""
    (mark,) = [m for m in test.pytestmark if m.name == "parametrize"]
    return [pytest.param(case, id=case.id) for case in mark.args[1]]


@pytest.mark.parametrize("case", _scanner_cases(default_pack.test_display_names_need_a_confirming_publisher))
def test_the_scanners_display_name_cases_decide_the_same(windows, case):
    name, publisher, expected = case.values
    windows.execute("DELETE FROM programs")
    plant(windows, "programs", name=name, publisher=publisher)
    if case.id == "wechat-fullwidth":  # SQLite cannot normalise full-width letters: the export says so
        expected = set()
    assert rules_failing(windows) == expected


@pytest.mark.parametrize("case", _scanner_cases(default_pack.test_named_lookalikes_match_nothing))
def test_the_scanners_lookalike_cases_pass_every_policy(case, specs):
    (found,) = case.values
    for platform in ("linux", "macos", "windows"):
        connection = osquery_database(specs, platform)
        for namespace, value in found.identifiers:
            for probe in probes_for(namespace, platform):
                for table, row in rows_showing(probe, value):
                    plant(connection, table, **row)
        if found.name and platform == "windows":
            plant(connection, "programs", name=found.name, publisher=found.publisher)
        for rule in RULES:
            query = queries.policy_query(rule, platform)
            if query:
                assert connection.execute(query).fetchall() == [(1,)], (rule.id, platform)
