"""A pack's rules as osquery SQL: per rule and platform, the condition each table's rows must meet
to be that app, a Fleet policy that passes when none does, and per platform and table an
inventory query that returns one row per prohibited item found.

The conditions follow AppWarden's matching (core/matching/index.py) as far as SQLite can: exact
identifiers, display names only with a confirming publisher, look-alikes excluded. What SQLite
cannot say the same way is named in `EXPORT_LIMITS`, which every export's notes repeat.
"""

from __future__ import annotations

from dataclasses import dataclass

from appwarden.core.fleet import sql
from appwarden.core.fleet.tables import (
    NOT_EXPRESSIBLE, OSQUERY_PLATFORMS, PROBES, UNINSTALL_KEYS, USER_UNINSTALL_KEYS, Probe,
)
from appwarden.core.messages import Message
from appwarden.core.matching.normalize import WORD, is_unspaced_script
from appwarden.core.policy.model import Rule
from appwarden.core.sources.base import EvidenceKind

#: The columns of every inventory query's rows, in order (the import reads them by name).
INVENTORY_COLUMNS = ("host", "host_uuid", "platform", "osquery_table", "rule", "namespace", "identifier",
                     "name", "publisher", "version", "location")
#: The columns of the table census: one row per table, with how many rows it holds on the host.
CENSUS_COLUMNS = ("host", "host_uuid", "platform", "osquery_table", "table_rows")
HOST_COLUMNS = "(SELECT hostname FROM system_info) AS host, (SELECT uuid FROM system_info) AS host_uuid"
EXPORT_LIMITS = (
    Message.of(
        "SQLite folds the case of A to Z only and does not normalise Unicode: identifiers and names in "
        "other scripts are compared exactly as the pack spells them (AppWarden on a device also matches "
        "their other case and compatibility forms)."
    ),
    Message.of(
        "A name's words are separated by ASCII punctuation, spaces and common full-width punctuation; "
        "a name with runs of more than 16 spaces between its words is not matched."
    ),
    Message.of(
        "On Windows, a program's display name and its uninstall key are in different tables (programs "
        "does not show the key's name): a look-alike's uninstall key cannot stop a display name from "
        "matching, as it does on the device."
    ),
    Message.of(
        "On Linux, osquery gives a process's name cut at 15 characters (AppWarden on the device reads "
        "the whole name): a longer process name in a pack is not found there."
    ),
    Message.of(
        "Version ranges of a rule are not checked by the queries: AppWarden checks them when it reads "
        "the results back (appwarden scan --from-osquery)."
    ),
    Message.of(
        "Leftover files of removed apps are not queried: AppWarden finds them on the device."
    ),
    Message.of(
        "Registry keys, certificates, browser extensions and installer receipts are what a removed app "
        "leaves behind: the inventory queries report them, the policies do not fail on them."
    ),
)


@dataclass(frozen=True)
class RuleQuery:
    """One rule's condition on one table's rows, and what a matching row is."""

    rule: Rule
    probe: Probe
    namespace: str
    condition: str
    identifier: str  # the SQL expression giving the identifier, as the pack writes it


def rule_conditions(rule: Rule, platform: str) -> list[RuleQuery]:
    """Every (table, identifier kind) of this rule on this platform, with its condition; a kind
    that needs several lookups (each of osquery's registry keys) has one condition for each."""
    conditions = []
    for probe in PROBES:
        if platform not in probe.platforms:
            continue
        for namespace in probe.namespaces:
            values = _values(rule, namespace, platform)
            for condition in (_alternatives(probe, values) if values else ()):
                conditions.append(RuleQuery(rule, probe, namespace, _excluding_lookalikes(rule, probe, condition),
                                            _identifier(probe, values)))
    if rule.display_names.names or rule.display_names.prefixes:
        conditions += _display_name_conditions(rule, platform)
    return conditions


def _values(rule: Rule, namespace: str, platform: str) -> tuple[str, ...]:
    values = rule.identifiers.get(namespace, ())
    if namespace == "executable":  # a path says which systems it can be on
        windows = platform == "windows"
        values = tuple(v for v in values if _is_windows_path(v) == windows)
    return values


def _is_windows_path(path: str) -> bool:
    return len(path) > 2 and path[1] == ":" and path[2] == "\\"


def _alternatives(probe: Probe, values: tuple[str, ...]) -> list[str]:
    """The conditions that together find the values. osquery lists a registry key or a file only
    when the query names it (an equality or a LIKE on `key` or `path`), and cannot use a
    constraint under an OR: each such lookup is a condition of its own."""
    column = probe.column
    if probe.compare == "family":
        return [sql.equals_any(f"substr({column}, 1, instr({column}, '_') - 1)", values)]
    if probe.compare == "path":
        return [f"{column} IN ({', '.join(sql.quote(v) for v in dict.fromkeys(values))})"]
    if probe.compare == "uninstall_key":
        subkey = sql.all_of(["type = 'subkey'", sql.equals_any("name", values)])
        return [sql.all_of([f"key = {sql.quote(parent)}", subkey]) for parent in UNINSTALL_KEYS] + [
            sql.all_of([_under_each_user("key", USER_UNINSTALL_KEYS), subkey])]
    if probe.compare == "registry_key":
        return [condition for condition in map(_registry_key, dict.fromkeys(values)) if condition != "0"]
    if probe.compare == "certificate":
        return [sql.any_of(_certificate(value) for value in values)]
    return [sql.equals_any(column, values)]


def _identifier(probe: Probe, values: tuple[str, ...]) -> str:
    """The identifier as the pack writes it, from the row."""
    column = probe.column
    if probe.compare == "family":
        return f"substr({column}, 1, instr({column}, '_') - 1)"
    if probe.compare == "registry_key":  # HKEY_LOCAL_MACHINE\X is HKLM\X; HKEY_USERS\<user>\X is HKCU\X
        return ("CASE WHEN substr(path, 1, 19) = 'HKEY_LOCAL_MACHINE\\' THEN 'HKLM' || substr(path, 19) "
                "ELSE 'HKCU' || substr(substr(path, 12), instr(substr(path, 12), '\\')) END")
    if probe.compare == "certificate":  # a certificate is matched on its name and organisation together
        return "CASE " + " ".join(f"WHEN {_certificate(v)} THEN {sql.quote(v)}" for v in values) + " END"
    return column


HIVES = ("HKLM\\", "HKCU\\")  # the pack's two: the machine's, and each user's (under HKEY_USERS)


def _registry_key(value: str) -> str:
    """A registry key exists: it is a subkey row of its parent key (osquery lists a key's subkeys)."""
    hive = next((h for h in HIVES if value.upper().startswith(h)), None)
    if hive is None or "\\" not in value[len(hive):]:
        return "0"  # the loader refuses other keys; a hive alone is not an app's key
    parent, name = value[len(hive):].rsplit("\\", 1)
    if hive == "HKLM\\":  # osquery compares `key` without case
        key = f"key = {sql.quote('HKEY_LOCAL_MACHINE' + chr(92) + parent)}"
    else:
        key = _under_each_user("key", parent)
    return sql.all_of([key, "type = 'subkey'", sql.equals_any("name", [name])])


def _under_each_user(column: str, below: str) -> str:
    """The column is HKEY_USERS\\<one user>\\`below`: a LIKE that osquery can use to list the keys
    (a pack's value never reaches the pattern: its wildcards are made "_"), and the exact test."""
    pattern = "HKEY_USERS\\%\\" + below.replace("%", "_")
    suffix = "\\" + sql.sqlite_lower(below) if below.isascii() else "\\" + below
    folded = f"lower({column})" if below.isascii() else column
    return sql.all_of([
        f"{column} LIKE {sql.quote(pattern)}",
        f"substr({folded}, -{len(suffix)}) = {sql.quote(suffix)}",
        f"instr(substr({column}, 12, length({column}) - 11 - {len(suffix)}), '\\') = 0",
        f"length({column}) > {11 + len(suffix)}",
    ])


def _certificate(value: str) -> str:
    """CN=<common name>, O=<organisation>: the common name, and the organisation within the subject
    (osquery writes a subject as /O=…/CN=… or as CN=…, O=…, depending on the system)."""
    parts = dict(part.strip().split("=", 1) for part in value.split(",") if "=" in part)
    common, organisation = parts.get("CN", ""), parts.get("O", "")
    if not common:
        return "0"
    conditions = [sql.equals_any("common_name", [common])]
    if organisation.isascii():
        conditions.append(f"instr(lower(coalesce(subject, '')), {sql.quote('o=' + sql.sqlite_lower(organisation))}) > 0")
    else:
        conditions.append(f"instr(coalesce(subject, ''), {sql.quote('O=' + organisation)}) > 0")
    return sql.all_of(conditions)


# ------------------------------------------------------------------------------------------------
# Display names: a rule's names and prefixes, with one of its publishers, never a look-alike
# ------------------------------------------------------------------------------------------------

WORDS = "appwarden_words"  # the column a probe's subquery adds: the name's words (sql.words_of)


def _display_name_conditions(rule: Rule, platform: str) -> list[RuleQuery]:
    conditions = []
    for probe in _name_probes(platform):
        condition = sql.all_of([_name_matches(rule, probe.name), _publisher_confirms(rule, probe.publisher)])
        conditions.append(RuleQuery(rule, probe, "display_name", _excluding_lookalikes(rule, probe, condition), probe.name))
    return conditions


def _name_probes(platform: str) -> list[Probe]:
    """One probe for each table that shows names with publishers on this platform."""
    by_table: dict[str, Probe] = {}
    for probe in PROBES:
        if platform in probe.platforms and probe.publisher:
            by_table.setdefault(probe.table, probe)
    return list(by_table.values())


def _name_matches(rule: Rule, column: str) -> str:
    match = rule.display_names
    parts = []
    for name in match.names:
        if is_unspaced_script(name):  # exactly, or at the start when more of the script does not follow
            trimmed, name = f"lower({sql.trimmed(column)})", sql.sqlite_lower(name)
            parts.append(sql.any_of([f"{trimmed} = {sql.quote(name)}", sql.all_of([
                sql.starts_with(trimmed, name), f"length({trimmed}) > {len(name)}",
                f"NOT {sql.unspaced_at(trimmed, len(name) + 1)}",
            ])]))
        else:
            parts.append(sql.equals_any(column, [name]))
            parts.append(_has_phrase(name))
    for prefix in match.prefixes:
        parts.append(sql.starts_with(f"lower({sql.trimmed(column)})", sql.sqlite_lower(prefix)) if is_unspaced_script(prefix) else _has_phrase(prefix))
    return sql.any_of(parts)


def _has_phrase(text: str) -> str:
    words = WORD.findall(text)
    return f"instr({WORDS}, {sql.quote(sql.phrase_literal(words))}) > 0" if words else "0"


def _publisher_confirms(rule: Rule, column: str) -> str:
    parts = []
    for publisher in rule.display_names.publishers:
        if publisher.isascii():
            parts.append(f"instr(lower({sql.collapsed(column)}), {sql.quote(sql.sqlite_lower(publisher))}) > 0")
        else:
            parts.append(f"instr({sql.collapsed(column)}, {sql.quote(publisher)}) > 0")
    return sql.any_of(parts)


def _excluding_lookalikes(rule: Rule, probe: Probe, condition: str) -> str:
    """The condition, unless the row's name is one of the rule's look-alikes or holds all of one's
    words ("WeChat Work 4.1"): a look-alike wins over a rule's own names, as in AppWarden's matching."""
    if not probe.name or condition == "0":
        return condition
    lookalikes = []
    for name in rule.lookalikes.get("display_names", ()):
        words = WORD.findall(name)
        whole = sql.equals_any(probe.name, [name])
        every_word = sql.all_of(f"instr({WORDS}, {sql.quote(sql.phrase_literal([w]))}) > 0" for w in words) if words else "0"
        lookalikes.append(sql.any_of([whole, every_word]))
    excluded = sql.any_of(lookalikes)
    # coalesce: a missing name (NULL) is no look-alike, where NOT NULL would exclude the row too
    return condition if excluded == "0" else sql.all_of([condition, f"NOT coalesce({excluded}, 0)"])


def rows_of(probe: Probe, uses_words: bool) -> str:
    """What a condition reads: the table (or its join), or, when the condition compares the
    name's words, the common table expression that holds them beside each row (`words_ctes`)."""
    return f"{probe.table}_{WORDS}" if uses_words else probe.source


def words_ctes(probe: Probe) -> list[str]:
    """The common table expressions that give each row of the probe's table its name's words."""
    steps = sql.words_stages(probe.name, WORDS)
    definitions, rows = [], probe.source
    for number, (expression, name) in enumerate(steps):
        cte = f"{probe.table}_{WORDS}" if number == len(steps) - 1 else f"{probe.table}_{WORDS}_{number}"
        definitions.append(f"{cte} AS (SELECT *, {expression} AS {name} FROM {rows})")
        rows = cte
    return definitions


def with_words(queries_used: list[RuleQuery], body: str) -> str:
    """The query, preceded by the words of every table whose names its conditions compare."""
    definitions = []
    for query in queries_used:
        if uses_words(query.condition):
            definitions += [d for d in words_ctes(query.probe) if d not in definitions]
    return ("WITH " + ",\n  ".join(definitions) + "\n" if definitions else "") + body


def uses_words(condition: str) -> bool:
    return WORDS in condition


# ------------------------------------------------------------------------------------------------
# Queries
# ------------------------------------------------------------------------------------------------

def policy_query(rule: Rule, platform: str) -> str | None:
    """Fleet's policy: one row (passes) when no table shows the app present. None when nothing of
    the rule can be queried on this platform."""
    present = [q for q in rule_conditions(rule, platform) if q.probe.kind != EvidenceKind.LEFTOVER]
    if not present:
        return None
    tests = [f"NOT EXISTS (SELECT 1 FROM {rows_of(q.probe, uses_words(q.condition))} WHERE {q.condition})" for q in present]
    if len(tests) > sql.BALANCED_ABOVE:  # hundreds of lookups: grouped, as SQLite's depth needs
        return with_words(present, "SELECT 1 WHERE " + sql.all_of(tests) + ";")
    return with_words(present, "SELECT 1 WHERE " + "\n  AND ".join(tests) + ";")


def inventory_query(rules: tuple[Rule, ...], platform: str, table: str) -> str | None:
    """One row per prohibited item `table` shows on this platform, with the rule, the identifier
    and what the table says of it. None when no rule can be found in it."""
    used = [q for rule in rules for q in rule_conditions(rule, platform) if q.probe.table == table]
    if not used:
        return None
    selects = [_inventory_select(query, platform) for query in used]
    body = (f"SELECT {HOST_COLUMNS}, {sql.quote(OSQUERY_PLATFORMS[platform])} AS platform, "
            f"{sql.quote(table)} AS osquery_table, rule, namespace, identifier, name, publisher, version, location\n"
            "FROM (\n  " + _union(selects) + "\n);")
    return with_words(used, body)


UNION_TERMS = 200  # SQLite takes at most 500 terms in one compound SELECT


def _union(selects: list[str]) -> str:
    """The selects as one UNION ALL, in groups of UNION_TERMS when there are more (a large pack)."""
    if len(selects) <= UNION_TERMS:
        return "\n  UNION ALL\n  ".join(selects)
    groups = [selects[start:start + UNION_TERMS] for start in range(0, len(selects), UNION_TERMS)]
    return "\n  UNION ALL\n  ".join(f"SELECT * FROM (\n  {_union(group)}\n  )" for group in groups)


def _inventory_select(query: RuleQuery, platform: str) -> str:
    probe = query.probe
    column = lambda expression: f"coalesce({expression}, '')" if expression else "''"  # noqa: E731
    return (f"SELECT {sql.quote(query.rule.id)} AS rule, {sql.quote(query.namespace)} AS namespace, "
            f"{column(query.identifier)} AS identifier, {column(probe.name)} AS name, {column(probe.publisher)} AS publisher, "
            f"{column(probe.version)} AS version, {column(probe.location)} AS location "
            f"FROM {rows_of(probe, uses_words(query.condition))} WHERE {query.condition}")


def census_query(platform: str, tables: list[str]) -> str:
    """One row per table the inventory queries read on this platform, with its row count: a table
    that holds nothing on a host tells the import that its silence proves nothing."""
    selects = []
    for table in tables:
        probe = next(p for p in PROBES if p.table == table)
        if probe.countable:
            # Counting the columns the inventory reads: an osquery that lacks one (programs'
            # package_family_name is recent) fails this query too, so its hosts show as incomplete
            # instead of clean.
            columns = ", ".join(columns_read(table))
            selects.append(f"SELECT {sql.quote(table)} AS osquery_table, "
                           f"(SELECT count(*) FROM (SELECT {columns} FROM {probe.source})) AS table_rows")
    return (f"SELECT {HOST_COLUMNS}, {sql.quote(OSQUERY_PLATFORMS[platform])} AS platform, osquery_table, table_rows\n"
            "FROM (\n  " + "\n  UNION ALL\n  ".join(selects) + "\n);")


def columns_read(table: str) -> list[str]:
    """The columns of a table that its probes read."""
    columns = []
    for probe in PROBES:
        if probe.table == table:
            columns += [e for e in (probe.column, probe.name, probe.publisher, probe.version, probe.location) if e and e[0] != "'"]
            columns += ["type"] if probe.where.startswith("type ") else []
    return list(dict.fromkeys(columns))


def tables_for(rules: tuple[Rule, ...], platform: str) -> list[str]:
    """The tables some rule is looked for in on this platform, in the probes' order (found from
    the rules' identifiers, without building their SQL)."""
    used = set()
    for rule in rules:
        for probe in PROBES:
            if platform in probe.platforms and any(_values(rule, namespace, platform) for namespace in probe.namespaces):
                used.add(probe.table)
        if rule.display_names.names or rule.display_names.prefixes:
            used.update(probe.table for probe in _name_probes(platform))
    return list(dict.fromkeys(p.table for p in PROBES if p.table in used))


def unexpressed(rule: Rule) -> dict[str, tuple[str, ...]]:
    """The rule's identifier kinds no osquery query shows, with their values."""
    return {namespace: values for namespace, values in rule.identifiers.items()
            if namespace in NOT_EXPRESSIBLE and values}
