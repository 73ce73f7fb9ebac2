"""The history of checks on this computer, in SQLite under the platformdirs user data folder.

WAL journaling and one transaction per record mean a crash or a second AppWarden process
at the same time never leaves a half-written or corrupted history.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from core.errors import HistoryError
from core.findings import ScanResult
from core.i18n import Translator
from core.messages import Message
from core.reports.json_report import report_dict

HISTORY_FILE = "history.sqlite3"
# Each entry upgrades the schema by one version (PRAGMA user_version); append, never edit.
MIGRATIONS = (
    """
    CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        scanned_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        root TEXT NOT NULL,
        os TEXT NOT NULL,
        hostname TEXT NOT NULL,
        compliant INTEGER NOT NULL,
        complete INTEGER NOT NULL,
        rules TEXT NOT NULL,
        policies TEXT NOT NULL,
        report TEXT NOT NULL
    );
    CREATE INDEX scans_by_time ON scans (scanned_at);
    """,
    """
    CREATE TABLE actions (
        id INTEGER PRIMARY KEY,
        recorded_at TEXT NOT NULL,
        rule TEXT NOT NULL,
        step TEXT NOT NULL,
        kind TEXT NOT NULL,
        phase TEXT NOT NULL,
        argv TEXT NOT NULL,
        outcome TEXT NOT NULL,
        exit_code INTEGER,
        duration_s REAL,
        detail TEXT NOT NULL
    );
    CREATE INDEX actions_by_rule ON actions (rule, id);
    """,
)


def default_history_path() -> Path:
    import platformdirs

    return platformdirs.user_data_path("appwarden", appauthor=False) / HISTORY_FILE


@dataclass(frozen=True)
class ScanRecord:
    id: int
    scanned_at: str
    root: str
    os: str
    hostname: str
    compliant: bool
    complete: bool
    rules: tuple[str, ...]


@dataclass(frozen=True)
class ActionRecord:
    """One removal action as the help desk reads it: written when it starts and when it ends."""

    rule: str
    step: str
    kind: str
    phase: str  # started | finished
    argv: tuple[str, ...] = ()
    outcome: str = ""
    exit_code: int | None = None
    duration_s: float | None = None
    detail: str = ""
    recorded_at: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    id: int | None = None


class HistoryStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_history_path()

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            self._migrate(connection)
            return connection
        except sqlite3.DatabaseError as error:
            raise HistoryError(
                Message.of(
                    "The history file {path} is damaged or not an AppWarden history ({error}). "
                    "It was left as it is; move it elsewhere to start a new history.",
                    path=self.path,
                    error=error,
                ),
                detail=repr(error),
            ) from None
        except OSError as error:
            raise HistoryError(
                Message.of(
                    "The history folder {folder} cannot be written: {error}.",
                    folder=self.path.parent,
                    error=error.strerror or error,
                ),
                detail=repr(error),
            ) from None

    def _migrate(self, connection: sqlite3.Connection) -> None:
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise sqlite3.DatabaseError(f"history schema {version} is newer than this AppWarden knows")
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {number}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def record_scan(self, result: ScanResult) -> int:
        report = report_dict(result, Translator("en"))
        row = (
            report["scanned_at"],
            report["finished_at"],
            report["target"]["root"],
            result.target.os,
            result.target.hostname,
            int(result.compliant),
            int(result.complete),
            json.dumps([f.rule.id for f in result.findings]),
            json.dumps(report["policies"]),
            json.dumps(report, ensure_ascii=False),
        )
        return self._insert(
            "INSERT INTO scans (scanned_at, finished_at, root, os, hostname, compliant, complete,"
            " rules, policies, report) VALUES (?,?,?,?,?,?,?,?,?,?)",
            row,
            lambda error: Message.of("This check could not be recorded in {path}: {error}.", path=self.path, error=error),
        )

    def scans(self, limit: int = 50) -> list[ScanRecord]:
        rows = self._select(
            "SELECT id, scanned_at, root, os, hostname, compliant, complete, rules"
            " FROM scans ORDER BY scanned_at DESC, id DESC LIMIT ?",
            (limit,),
        )
        return [
            ScanRecord(r[0], r[1], r[2], r[3], r[4], bool(r[5]), bool(r[6]), tuple(json.loads(r[7])))
            for r in rows
        ]

    def report(self, scan_id: int) -> dict | None:
        rows = self._select("SELECT report FROM scans WHERE id = ?", (scan_id,))
        return json.loads(rows[0][0]) if rows else None

    def record_action(self, action: ActionRecord) -> int:
        """Append one action in its own transaction, so a crash later loses nothing written here."""
        row = (
            action.recorded_at, action.rule, action.step, action.kind, action.phase, json.dumps(list(action.argv)),
            action.outcome, action.exit_code, action.duration_s, action.detail,
        )
        return self._insert(
            "INSERT INTO actions (recorded_at, rule, step, kind, phase, argv, outcome, exit_code, duration_s,"
            " detail) VALUES (?,?,?,?,?,?,?,?,?,?)",
            row,
            lambda error: Message.of(
                "This removal step could not be recorded in {path}: {error}.", path=self.path, error=error
            ),
        )

    def actions(self, rule: str | None = None) -> list[ActionRecord]:
        """Recorded removal actions, oldest first; of one rule when `rule` is given."""
        rows = self._select(
            "SELECT id, recorded_at, rule, step, kind, phase, argv, outcome, exit_code, duration_s, detail"
            " FROM actions WHERE ? IS NULL OR rule = ? ORDER BY id",
            (rule, rule),
        )
        return [
            ActionRecord(r[2], r[3], r[4], r[5], tuple(json.loads(r[6])), r[7], r[8], r[9], r[10], r[1], r[0])
            for r in rows
        ]

    def _insert(self, statement: str, row: tuple, failure: Callable[[Exception], Message]) -> int:
        """One row in its own transaction."""
        connection = self._connect()
        try:
            with connection:
                cursor = connection.execute(statement, row)
            return int(cursor.lastrowid)
        except sqlite3.DatabaseError as error:
            raise HistoryError(failure(error)) from None
        finally:
            connection.close()

    def _select(self, statement: str, parameters: tuple) -> list[tuple]:
        """Rows of a query; no history file yet means no rows (reading never creates one)."""
        if not self.path.exists():
            return []
        connection = self._connect()
        try:
            return connection.execute(statement, parameters).fetchall()
        except sqlite3.DatabaseError as error:
            raise HistoryError(
                Message.of("The history in {path} cannot be read: {error}.", path=self.path, error=error)
            ) from None
        finally:
            connection.close()
