"""osquery's own table specifications (../shared/reference/osquery-tables) as SQLite tables, so that
an exported query runs, for real, against the columns osquery has, with rows planted in them."""

from __future__ import annotations

import ast
import sqlite3
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

from appwarden.core.fleet.tables import OSQUERY_PLATFORMS

SPECS = Path(__file__).resolve().parents[4] / "shared" / "reference" / "osquery-tables"
# The folder of osquery's specs/ a file came from (its name's first part), as platforms.
SPEC_PLATFORMS = {"linux": ("linux",), "darwin": ("darwin",), "windows": ("windows",)}
ANY_PLATFORM = ("linux", "darwin", "windows")


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[tuple[str, str, str], ...]  # name, type, collation ("" or "nocase")
    platforms: tuple[str, ...]


def specs_folder() -> Path:
    if not SPECS.is_dir():
        pytest.skip(f"the osquery table specs are not here ({SPECS}): ../shared is absent")
    return SPECS


def read_specs() -> dict[str, TableSpec]:
    """Every spec of the folder, by table name, read with ast (a spec is data, never run)."""
    tables = {}
    for path in sorted(specs_folder().glob("*.table")):
        with warnings.catch_warnings():  # the specs' examples hold Windows paths in plain strings
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            tree = ast.parse(path.read_text(encoding="utf-8"))
        name, columns = None, []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id == "table_name":
                    name = ast.literal_eval(node.args[0])
                elif node.func.id == "Column":
                    column = ast.literal_eval(node.args[0])
                    kind = node.args[1].id if isinstance(node.args[1], ast.Name) else "TEXT"
                    collate = next((ast.literal_eval(k.value) for k in node.keywords if k.arg == "collate"), "")
                    columns.append((column, kind, collate))
        prefix = path.stem.split("_", 1)[0]
        tables[name] = TableSpec(name, tuple(dict((c[0], c) for c in columns).values()), SPEC_PLATFORMS.get(prefix, ANY_PLATFORM))
    return tables


SQLITE_TYPES = {"TEXT": "TEXT", "INTEGER": "INTEGER", "BIGINT": "INTEGER", "DOUBLE": "REAL", "DATETIME": "TEXT"}


def osquery_database(specs: dict[str, TableSpec], platform: str, hostname: str = "host-1") -> sqlite3.Connection:
    """An in-memory database with every table osquery has on `platform` (AppWarden's name for it),
    empty but for one host and one user."""
    platform = OSQUERY_PLATFORMS[platform]
    connection = sqlite3.connect(":memory:")
    for spec in specs.values():
        if platform not in spec.platforms:
            continue
        columns = ", ".join(
            f'"{name}" {SQLITE_TYPES.get(kind, "TEXT")}' + (" COLLATE NOCASE" if collate == "nocase" else "")
            for name, kind, collate in spec.columns
        )
        connection.execute(f'CREATE TABLE "{spec.name}" ({columns})')
    connection.execute("INSERT INTO system_info (hostname, uuid) VALUES (?, ?)", (hostname, f"uuid-{hostname}"))
    connection.execute("INSERT INTO users (uid, username, directory) VALUES (1000, 'employee', '/home/employee')")
    return connection


def plant(connection: sqlite3.Connection, table: str, **values: object) -> None:
    names = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join("?" for _ in values)
    connection.execute(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', tuple(values.values()))
