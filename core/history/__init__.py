"""The history of checks on this computer, in SQLite under the platformdirs user data folder.

WAL journaling and one transaction per record mean a crash or a second AppWarden process
at the same time never leaves a half-written or corrupted history. A row that cannot be read
(edited by hand, or written by something else) is skipped and counted, never fatal.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import sqlite3
import time
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Callable, Iterable, TypeVar

from appwarden.core.errors import HOME_FOLDER_UNKNOWN, HistoryError
from appwarden.core.findings import ScanResult
from appwarden.core.i18n import Translator
from appwarden.core.messages import Message
from appwarden.core.reports.json_report import report_dict
from appwarden.core.sources.base import ScanTarget

if TYPE_CHECKING:
    from appwarden.core.fleet.summary import FleetResult

HISTORY_FILE = "history.sqlite3"
BUSY_WAIT_S = 30.0  # as long as sqlite's own wait for a lock
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
    # Rows written before this have no live flag (NULL: told from their root, see ScanRecord) and no
    # reference code ('').
    """
    ALTER TABLE scans ADD COLUMN live INTEGER;
    ALTER TABLE scans ADD COLUMN reference TEXT NOT NULL DEFAULT '';
    CREATE INDEX scans_by_reference ON scans (reference);
    CREATE INDEX scans_by_target ON scans (root, hostname, os, scanned_at);
    """,
    # How many accounts a check left out for want of administrator rights, when that was all it
    # missed (0 otherwise); NULL in rows written before this.
    """
    ALTER TABLE scans ADD COLUMN accounts_not_checked INTEGER;
    """,
    # A fleet import (appwarden scan --from-osquery or --from-reports): one row for all its hosts.
    """
    CREATE TABLE fleet_imports (
        id INTEGER PRIMARY KEY,
        imported_at TEXT NOT NULL,
        origin TEXT NOT NULL,
        files TEXT NOT NULL,
        hosts INTEGER NOT NULL,
        hosts_with_findings INTEGER NOT NULL,
        rules TEXT NOT NULL,
        policies TEXT NOT NULL
    );
    CREATE INDEX fleet_imports_by_time ON fleet_imports (imported_at);
    """,
)
STARTED, FINISHED, INTERRUPTED = "started", "finished", "interrupted"
# SQLite result codes (the low byte of sqlite_errorcode) that say the file could not be reached or
# written, as opposed to a file whose content is not an AppWarden history.
_ACCESS_CODES = frozenset({
    sqlite3.SQLITE_PERM, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_AUTH,
})


def default_history_path() -> Path:
    import platformdirs

    try:
        return platformdirs.user_data_path("appwarden", appauthor=False) / HISTORY_FILE
    except RuntimeError as error:  # no usable HOME and no account entry to fall back on
        raise HistoryError(
            Message.of("No history is kept, because {reason}.", reason=HOME_FOLDER_UNKNOWN), detail=repr(error)
        ) from None


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
    live: bool | None = None  # None in rows written before the history kept it
    reference: str = ""  # "" in rows written before the history kept it
    accounts_not_checked: int = 0  # left out for want of administrator rights, all else read

    @property
    def complete_for_its_scope(self) -> bool:
        """Complete, or complete but for accounts that only administrator rights can read."""
        return self.complete or self.accounts_not_checked > 0

    def nothing_found(self) -> Message:
        """How a check that found nothing is listed: complete, complete but for accounts, or not."""
        if self.complete:
            return Message.of("nothing found")
        if self.accounts_not_checked:
            return Message.plural("nothing found ({count} account not checked)", "nothing found ({count} accounts not checked)",
                                  count=self.accounts_not_checked)
        return Message.of("nothing found (incomplete)")

    @property
    def of_this_device(self) -> bool:
        """A check of the running device, as it was recorded; an old row's is told from its root,
        since the running device is read from the system's own root ("/" or the system drive)."""
        if self.live is not None:
            return self.live
        root = PurePath(self.root)
        if os.name == "nt":
            return str(root).rstrip("\\/").upper() == os.environ.get("SystemDrive", "C:").upper()
        return str(root) == root.anchor


@dataclass(frozen=True)
class ActionRecord:
    """One removal action as the help desk reads it: written when it starts and when it ends."""

    rule: str
    step: str
    kind: str
    phase: str  # started | finished; `removal_log` also gives interrupted
    argv: tuple[str, ...] = ()
    outcome: str = ""
    exit_code: int | None = None
    duration_s: float | None = None
    detail: str = ""
    recorded_at: str = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    id: int | None = None


def removal_log(actions: Iterable[ActionRecord]) -> tuple[ActionRecord, ...]:
    """The removal steps as a help desk reads them, oldest first: each finished step, and each started
    step that no later finished row of the same rule and step follows, marked interrupted (phase and
    outcome), with when it started and its command."""
    later_finished: set[tuple[str, str]] = set()
    log: list[ActionRecord] = []
    for action in reversed(list(actions)):
        if action.phase == FINISHED:
            later_finished.add((action.rule, action.step))
            log.append(action)
        elif (action.rule, action.step) not in later_finished:
            log.append(replace(action, phase=INTERRUPTED, outcome=INTERRUPTED))
    return tuple(reversed(log))


def step_title(action: ActionRecord, app: str = "") -> Message:
    """The step's title as its plan showed it, told from the step id core.removal.builder gives it
    (`quit`, `uninstall:<source>:<id>`, `vendor:<n>`, `leftover:<path>`, `restart`, `verify`); the
    history keeps the id. `app` names the app where the plan named it from evidence the history does
    not keep (Windows). An id this AppWarden does not write is shown as it is."""
    kind, _, rest = action.step.partition(":")
    source, _, name = rest.partition(":")
    fixed = {"quit": Message.of("Quit the app"), "restart": Message.of("Restart the computer"),
             "verify": Message.of("Check that the app is gone"), "uninstall:guidance": Message.of("Uninstall the app")}
    if action.step in fixed:
        return fixed[action.step]
    if kind == "vendor":
        return Message.of("Vendor step {number}", number=rest)
    if kind == "leftover":
        return Message.of("Delete {path}", path=rest)
    if kind != "uninstall":
        return Message(action.step)
    if source in ("dpkg", "rpm"):
        if "--purge" in action.argv:  # dpkg's step for the settings a removed package left behind
            return Message.of("Remove the settings the {package} package left behind", package=name)
        return Message.of("Uninstall the {package} package", package=name)
    by_source = {
        "flatpak": lambda: Message.of("Uninstall the Flatpak app {app}", app=name.rsplit(":", 1)[0]),
        "snap": lambda: Message.of("Uninstall the snap {snap}", snap=name),
        "appimage": lambda: Message.of("Delete the AppImage file {file}", file=name),
        "macos_apps": lambda: Message.of("Move {app} to the Trash", app=name.rsplit("/", 1)[-1]),
        "windows_uninstall": lambda: Message.of("Uninstall {app} with its own uninstaller", app=app or name),
        "windows_store": lambda: Message.of("Uninstall the Microsoft Store app {app}", app=app or name.rsplit(":", 1)[0]),
    }
    return by_source[source]() if source in by_source else Message(action.step)


def step_result(action: ActionRecord) -> Message:
    """How a recorded step ended, as a sentence; the history keeps the outcome code and exit code.
    The check step's exit code is `appwarden remove`'s: 0 gone, 1 still there, 2 could not tell."""
    code = action.exit_code
    if action.step.rpartition(":")[2] == "verify" and action.outcome in ("done", "failed") and code in (0, 1, 2):
        return (Message.of("The app is gone"), Message.of("The app is still there"),
                Message.of("AppWarden could not confirm that the app is gone"))[code]
    if action.outcome == "done":
        return Message.of("Done") if code in (None, 0) else Message.of("Done (exit code {code})", code=code)
    if action.outcome == "failed":
        return Message.of("Failed") if code is None else Message.of("Failed (exit code {code})", code=code)
    sentences = {
        INTERRUPTED: Message.of("Interrupted"),
        "skipped": Message.of("Skipped"),
        "cancelled": Message.of("Not taken: you did not confirm it"),
        "person_done": Message.of("You said it was done"),
        "person_not_done": Message.of("You said it was not done"),
    }
    return sentences.get(action.outcome, Message(action.outcome))


@dataclass(frozen=True)
class FleetImportRecord:
    id: int
    imported_at: str
    origin: str  # "osquery" or "reports"
    files: tuple[str, ...]
    hosts: int
    hosts_with_findings: int
    rules: tuple[tuple[str, int], ...]  # rule id, hosts where it was found


def _fleet_import_record(r: tuple) -> FleetImportRecord:
    rules = _json(r[6], dict)
    return FleetImportRecord(_of_type(r[0], int), _of_type(r[1], str), _of_type(r[2], str), _texts(_json(r[3], list)),
                             _of_type(r[4], int), _of_type(r[5], int),
                             tuple((_of_type(rule, str), _of_type(count, int)) for rule, count in rules.items()))


@dataclass(frozen=True)
class HistoryListing:
    """What `appwarden history` and the window's history show: the checks (newest first), the
    removal log (oldest first, see `removal_log`) and how many rows could not be read."""

    scans: tuple[ScanRecord, ...] = ()
    removal_steps: tuple[ActionRecord, ...] = ()
    unreadable_scans: int = 0
    unreadable_actions: int = 0

    def skipped_sentences(self) -> list[Message]:
        sentences = []
        if self.unreadable_scans:
            sentences.append(Message.plural(
                "{count} recorded check could not be read and was skipped.",
                "{count} recorded checks could not be read and were skipped.", count=self.unreadable_scans,
            ))
        if self.unreadable_actions:
            sentences.append(Message.plural(
                "{count} recorded removal step could not be read and was skipped.",
                "{count} recorded removal steps could not be read and were skipped.", count=self.unreadable_actions,
            ))
        return sentences


class HistoryStore:
    def __init__(self, path: Path | None = None) -> None:
        if path is not None:
            self.path = Path(path)

    @cached_property
    def path(self) -> Path:
        """Where the history is; a HistoryError when this account has no usable home folder."""
        return default_history_path()

    def _connect(self) -> sqlite3.Connection:
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.DatabaseError) as error:
            raise self._cannot_write(error) from None
        connection.text_factory = _text_or_undecodable
        try:
            _while_busy(lambda: self._prepare(connection))
            return connection
        except sqlite3.DatabaseError as error:
            connection.close()
            if _is_access_error(error):
                raise self._cannot_write(error) from None
            raise HistoryError(
                Message.of(
                    "The history file {path} is damaged or not an AppWarden history ({error}). "
                    "It was left as it is; move it elsewhere to start a new history.",
                    path=path,
                    error=error,
                ),
                detail=repr(error),
            ) from None

    def _prepare(self, connection: sqlite3.Connection) -> None:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        self._migrate(connection)

    def _cannot_write(self, error: Exception) -> HistoryError:
        reason = getattr(error, "strerror", None) or error
        return self._access_problem(
            error, Message.of("The history folder {folder} cannot be written: {error}.", folder=self.path.parent, error=reason)
        )

    def _access_problem(self, error: Exception, otherwise: Message) -> HistoryError:
        """The history file or folder belongs to another account (left by `sudo appwarden`): say so and
        give the command that gives it back; otherwise `otherwise`."""
        foreign = _owned_by_another_account(self.path)
        if foreign is None:
            return HistoryError(otherwise, detail=repr(error))
        owned, owner = foreign
        folder = self.path.parent  # giving back the folder gives back what is in it
        command = shlex.join(["sudo", "chown", "-R", _account_name(os.geteuid()), str(folder)])
        if owned != folder:
            sentence = Message.of(
                "The history file {path} belongs to {owner}, not to you, so AppWarden cannot keep its history "
                "there (this happens after running AppWarden with sudo). To fix it, run: {command}",
                path=owned, owner=owner, command=command,
            )
        else:
            sentence = Message.of(
                "The history folder {folder} belongs to {owner}, not to you, so AppWarden cannot keep its history "
                "there (this happens after running AppWarden with sudo). To fix it, run: {command}",
                folder=owned, owner=owner, command=command,
            )
        return HistoryError(sentence, detail=repr(error))

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
            # The apps found; one found only by what it left behind is gone, as verification says.
            json.dumps([f.rule.id for f in result.apps_present]),
            json.dumps(report["policies"]),
            json.dumps(report, ensure_ascii=False),
            int(result.target.live),
            result.reference,
            len(result.scope.need_rights) if result.complete_for_its_scope else 0,
        )
        return self._insert(
            "INSERT INTO scans (scanned_at, finished_at, root, os, hostname, compliant, complete,"
            " rules, policies, report, live, reference, accounts_not_checked) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            row,
            lambda error: Message.of("This check could not be recorded in {path}: {error}.", path=self.path, error=error),
        )

    def record_fleet_import(self, result: FleetResult) -> int:
        """One row for an import of many hosts: when, from what, how many hosts, and per rule how many."""
        row = (
            result.read_at.isoformat(timespec="seconds"), result.origin, json.dumps(list(result.files), ensure_ascii=False),
            len(result.hosts), len(result.hosts_with_apps),
            json.dumps({rule: len(hosts) for rule, hosts in result.hosts_by_rule().items()}),
            json.dumps([{"id": p.id, "version": p.version, "sha256": p.sha256} for p in result.packs]),
        )
        return self._insert(
            "INSERT INTO fleet_imports (imported_at, origin, files, hosts, hosts_with_findings, rules, policies)"
            " VALUES (?,?,?,?,?,?,?)",
            row,
            lambda error: Message.of("This import could not be recorded in {path}: {error}.", path=self.path, error=error),
        )

    def fleet_imports(self, limit: int = 50) -> list[FleetImportRecord]:
        """The last `limit` fleet imports, newest first; rows that cannot be read are left out."""
        rows = self._select(
            "SELECT id, imported_at, origin, files, hosts, hosts_with_findings, rules FROM fleet_imports"
            " ORDER BY imported_at DESC, id DESC LIMIT ?", (limit,))
        return _readable(rows, _fleet_import_record)[0]

    def scans(self, limit: int = 50) -> list[ScanRecord]:
        """The last `limit` checks, newest first; rows that cannot be read are left out."""
        return self._scan_records(limit)[0]

    def actions(self, rule: str | None = None) -> list[ActionRecord]:
        """Recorded removal actions, oldest first; of one rule when `rule` is given. Rows that cannot be
        read are left out."""
        return self._action_records(rule)[0]

    def listing(self, limit: int = 50) -> HistoryListing:
        """The last `limit` checks, the whole removal log, and how many rows of each were skipped."""
        scans, unreadable_scans = self._scan_records(limit)
        actions, unreadable_actions = self._action_records(None)
        return HistoryListing(tuple(scans), removal_log(actions), unreadable_scans, unreadable_actions)

    def report(self, scan_id: int) -> dict | None:
        rows = self._select("SELECT report FROM scans WHERE id = ?", (scan_id,))
        if not rows:
            return None
        try:
            report = _json(rows[0][0], dict)
        except _Unreadable:
            raise HistoryError(Message.of(
                "The report of recorded check {id} in {path} cannot be read; it was left as it is.", id=scan_id, path=self.path
            )) from None
        return report

    def last_check(self, target: ScanTarget) -> ScanRecord | None:
        """The newest readable check of this target: the same folder, computer name and system."""
        records, _ = self._scan_records(1, "root = ? AND hostname = ? AND os = ?",
                                        (str(target.root), target.hostname, target.os))
        return records[0] if records else None

    def with_reference(self, code: str) -> list[ScanRecord]:
        """The checks whose reference code is `code` (as core.reports.reference writes it), newest first."""
        return self._scan_records(50, "reference = ?", (code,))[0]

    def _scan_records(self, limit: int, where: str = "1", parameters: tuple = ()) -> tuple[list[ScanRecord], int]:
        rows = self._select(
            "SELECT id, scanned_at, root, os, hostname, compliant, complete, rules, live, reference, accounts_not_checked"
            f" FROM scans WHERE {where} ORDER BY scanned_at DESC, id DESC LIMIT ?",
            (*parameters, limit),
        )
        return _readable(rows, _scan_record)

    def _action_records(self, rule: str | None) -> tuple[list[ActionRecord], int]:
        rows = self._select(
            "SELECT id, recorded_at, rule, step, kind, phase, argv, outcome, exit_code, duration_s, detail"
            " FROM actions WHERE ? IS NULL OR rule = ? ORDER BY id",
            (rule, rule),
        )
        return _readable(rows, _action_record)

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

    def _insert(self, statement: str, row: tuple, failure: Callable[[Exception], Message]) -> int:
        """One row in its own transaction."""
        connection = self._connect()
        try:
            with connection:
                cursor = connection.execute(statement, row)
            return int(cursor.lastrowid)
        except sqlite3.DatabaseError as error:
            raise self._access_problem(error, failure(error)) from None
        finally:
            connection.close()

    def _select(self, statement: str, parameters: tuple) -> list[tuple]:
        """Rows of a query; no history file yet means no rows (reading never creates one)."""
        try:
            if not self.path.exists():
                return []
        except OSError as error:  # a folder on the way that this account may not enter
            raise self._access_problem(error, self._unreadable(error.strerror or error)) from None
        connection = self._connect()
        try:
            return connection.execute(statement, parameters).fetchall()
        except sqlite3.DatabaseError as error:
            raise HistoryError(self._unreadable(error), detail=repr(error)) from None
        finally:
            connection.close()

    def _unreadable(self, reason: object) -> Message:
        return Message.of("The history in {path} cannot be read: {error}.", path=self.path, error=reason)


class _Unreadable(ValueError):
    """A stored value that is not what AppWarden writes there."""


class _Undecodable:
    """A TEXT value that is not UTF-8: kept as a value the row readers reject, so only its row is skipped."""


_UNDECODABLE = _Undecodable()
Record = TypeVar("Record")


def _text_or_undecodable(data: bytes) -> "str | _Undecodable":
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _UNDECODABLE


def _readable(rows: list[tuple], read: Callable[[tuple], Record]) -> tuple[list[Record], int]:
    """The rows `read` accepts, and how many it did not."""
    records = []
    for row in rows:
        try:
            records.append(read(row))
        except _Unreadable:
            pass
    return records, len(rows) - len(records)


def _scan_record(r: tuple) -> ScanRecord:
    texts = [_of_type(value, str) for value in r[1:5]]
    live = None if r[8] is None else bool(_of_type(r[8], int))
    left_out = 0 if r[10] is None else _of_type(r[10], int)
    return ScanRecord(_of_type(r[0], int), *texts, bool(_of_type(r[5], int)), bool(_of_type(r[6], int)),
                      _texts(_json(r[7], list)), live, _of_type(r[9], str), left_out)


def _action_record(r: tuple) -> ActionRecord:
    phase = _of_type(r[5], str)
    if phase not in (STARTED, FINISHED):
        raise _Unreadable(phase)
    rule, step, kind = (_of_type(value, str) for value in r[2:5])
    exit_code = None if r[8] is None else _of_type(r[8], int)
    duration = None if r[9] is None else float(_of_type(r[9], (int, float)))
    return ActionRecord(rule, step, kind, phase, _texts(_json(r[6], list)), _of_type(r[7], str), exit_code, duration,
                        _of_type(r[10], str), _of_type(r[1], str), _of_type(r[0], int))


def _of_type(value: object, kind: type | tuple[type, ...]):
    if not isinstance(value, kind):
        raise _Unreadable(repr(value))
    return value


def _json(value: object, kind: type):
    try:
        return _of_type(json.loads(_of_type(value, str)), kind)
    except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
        raise _Unreadable(str(error)) from None


def _texts(values: list) -> tuple[str, ...]:
    return tuple(_of_type(value, str) for value in values)


def _is_access_error(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _ACCESS_CODES


def _owned_by_another_account(path: Path) -> tuple[Path, str] | None:
    """(what another account owns, its name): the history folder, the history file or its journal
    files. None on systems without POSIX owners, or when this account owns them all (or they do not exist)."""
    if not hasattr(os, "geteuid"):
        return None
    for owned in (path.parent, path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        owner = _owner(owned)
        if owner is not None and owner != os.geteuid():
            return owned, _account_name(owner)
    return None


def _owner(path: Path) -> int | None:
    try:
        return path.lstat().st_uid
    except OSError:
        return None


def _account_name(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def _while_busy(prepare: Callable[[], None]) -> None:
    """Run `prepare` again while another AppWarden holds the lock. Switching a new file to WAL
    answers "database is locked" at once, without sqlite's own wait, when two processes create the
    history at the same moment."""
    deadline = time.monotonic() + BUSY_WAIT_S
    while True:
        try:
            prepare()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)

