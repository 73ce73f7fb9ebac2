"""A history row that cannot be read is skipped and counted, never fatal; a step that started and never
finished is listed as interrupted; an account without a usable home folder keeps no history, and says so."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.errors import HistoryError
from appwarden.core.history import ActionRecord, HistoryListing, HistoryStore, removal_log
from appwarden.core.i18n import Translator
from appwarden.core.policy.loader import load_policies
from appwarden.core.scan import run_scan
from appwarden.core.target import make_target
from tests.conftest import FIXTURES

MINIMAL = FIXTURES / "policies" / "minimal.toml"
SCAN_COLUMNS = ("scanned_at", "finished_at", "root", "os", "hostname", "compliant", "complete", "rules", "policies", "report")
ACTION_COLUMNS = ("recorded_at", "rule", "step", "kind", "phase", "argv", "outcome", "exit_code", "duration_s", "detail")
NULLABLE = {"exit_code", "duration_s"}
APT = ("apt-get", "remove", "-y", "wechat")


def started(step: str, at: str, rule: str = "wechat") -> ActionRecord:
    return ActionRecord(rule, step, "uninstall", "started", APT, recorded_at=at)


def finished(step: str, at: str, rule: str = "wechat") -> ActionRecord:
    return ActionRecord(rule, step, "uninstall", "finished", APT, "done", 0, 2.5, recorded_at=at)


@pytest.fixture(scope="module")
def scan_result(tmp_path_factory):
    root = tmp_path_factory.mktemp("disk")
    (root / "etc").mkdir()
    (root / "etc/os-release").write_text("ID=debian\n")
    return run_scan(make_target(root), load_policies([MINIMAL], include_default=False))


def history_of_two(folder: Path, scan_result) -> tuple[HistoryStore, list[int], list[int]]:
    """Two checks and two finished steps; the tests tamper with the second of each."""
    store = HistoryStore(folder / "history.sqlite3")
    scans = [store.record_scan(scan_result) for _ in range(2)]
    actions = [store.record_action(finished(step, f"2026-11-29T01:00:0{n}+00:00")) for n, step in enumerate("ab")]
    return store, scans, actions


def tamper(store: HistoryStore, table: str, column: str, row_id: int, sql_value: str, value: object) -> None:
    with sqlite3.connect(store.path) as connection:
        connection.execute(f"UPDATE {table} SET {column} = {sql_value} WHERE id = ?", (value, row_id))
    connection.close()


@pytest.mark.parametrize(
    ("column", "sql_value", "value"),
    [
        ("rules", "?", "not json"),
        ("rules", "?", '{"wechat": 1}'),
        ("rules", "?", "[1, 2]"),
        ("root", "?", b"\x00\xff"),
        ("compliant", "?", "yes"),
        ("hostname", "CAST(? AS TEXT)", b"\xff\xfe not UTF-8"),
    ],
)
def test_a_check_that_cannot_be_read_is_skipped_and_counted(tmp_path, scan_result, column, sql_value, value):
    store, (good, bad), _ = history_of_two(tmp_path, scan_result)
    tamper(store, "scans", column, bad, sql_value, value)
    assert [record.id for record in store.scans()] == [good]
    listing = store.listing()
    assert [record.id for record in listing.scans] == [good]
    assert (listing.unreadable_scans, listing.unreadable_actions) == (1, 0)
    assert [s.render() for s in listing.skipped_sentences()] == ["1 recorded check could not be read and was skipped."]


def test_a_removal_step_with_a_command_that_is_not_json_is_skipped_and_counted(tmp_path, scan_result):
    store, _, (good, bad) = history_of_two(tmp_path, scan_result)
    tamper(store, "actions", "argv", bad, "?", "apt-get remove wechat")
    assert [action.id for action in store.actions()] == [good]
    listing = store.listing()
    assert [action.id for action in listing.removal_steps] == [good]
    assert [s.render(Translator("fr")) for s in listing.skipped_sentences()] == [
        "1 étape de retrait enregistrée n’a pas pu être lue et a été ignorée."
    ]


def test_the_counts_are_sentences_in_both_languages():
    listing = HistoryListing(unreadable_scans=3, unreadable_actions=2)
    assert [s.render() for s in listing.skipped_sentences()] == [
        "3 recorded checks could not be read and were skipped.",
        "2 recorded removal steps could not be read and were skipped.",
    ]
    assert [s.render(Translator("fr")) for s in listing.skipped_sentences()] == [
        "3 vérifications enregistrées n’ont pas pu être lues et ont été ignorées.",
        "2 étapes de retrait enregistrées n’ont pas pu être lues et ont été ignorées.",
    ]
    assert HistoryListing().skipped_sentences() == []


@pytest.mark.parametrize("report", ["not json", "[1, 2]", b"{}"])
def test_a_report_that_cannot_be_read_is_a_sentence(tmp_path, scan_result, report):
    store, (good, bad), _ = history_of_two(tmp_path, scan_result)
    tamper(store, "scans", "report", bad, "?", report)
    with pytest.raises(HistoryError) as caught:
        store.report(bad)
    assert caught.value.message == (
        f"The report of recorded check {bad} in {store.path} cannot be read; it was left as it is."
    )
    assert store.report(good)["schema"] == 1


def test_a_damaged_file_is_still_called_damaged(tmp_path):
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4000)
    with pytest.raises(HistoryError) as caught:
        HistoryStore(path).scans()
    assert caught.value.message.startswith(f"The history file {path} is damaged or not an AppWarden history (")


STORED_VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False),
    st.binary(max_size=30),
    st.sampled_from(["[]", '["wechat"]', "{}", "1e999", "[" * 100_000]),  # the last one nests too deep to parse
)


@given(
    table=st.sampled_from(["scans", "actions"]),
    column_index=st.integers(min_value=0, max_value=len(SCAN_COLUMNS) - 1),
    value=st.one_of(STORED_VALUES, st.none(), st.binary(min_size=1, max_size=30).map(lambda raw: ("not UTF-8", raw))),
)
def test_no_stored_value_makes_reading_fail_or_hide_the_good_rows(scan_result, table, column_index, value):
    column = (SCAN_COLUMNS if table == "scans" else ACTION_COLUMNS)[column_index]
    if value is None and column not in NULLABLE:
        value = ""  # NOT NULL: SQLite itself refuses a NULL there
    sql_value, value = ("CAST(? AS TEXT)", value[1]) if isinstance(value, tuple) else ("?", value)
    with tempfile.TemporaryDirectory() as folder:
        store, (good_scan, bad_scan), (good_action, bad_action) = history_of_two(Path(folder), scan_result)
        expected_scan, expected_action = store.scans()[-1], store.actions()[0]
        good_report = store.report(good_scan)
        tamper(store, table, column, bad_scan if table == "scans" else bad_action, sql_value, value)
        assert expected_scan in store.scans()
        assert expected_action in store.actions()
        listing = store.listing()
        assert expected_scan in listing.scans and expected_action in listing.removal_steps
        assert len(listing.scans) + listing.unreadable_scans == 2
        assert len(listing.removal_steps) + listing.unreadable_actions == 2
        assert store.report(good_scan) == good_report
        try:
            report = store.report(bad_scan)
        except HistoryError:
            pass
        else:
            assert isinstance(report, dict)


def test_a_step_that_started_and_never_finished_is_interrupted():
    log = removal_log([
        started("uninstall:dpkg:wechat", "2026-11-29T01:00:00+00:00"),
        finished("uninstall:dpkg:wechat", "2026-11-29T01:00:03+00:00"),
        started("leftovers", "2026-11-29T01:00:04+00:00"),
        started("uninstall:dpkg:kesl", "2026-11-29T01:00:05+00:00", rule="kesl"),
        finished("leftovers", "2026-11-29T01:00:06+00:00", rule="kesl"),
    ])
    assert [(a.rule, a.step, a.phase, a.outcome, a.recorded_at, a.argv) for a in log] == [
        ("wechat", "uninstall:dpkg:wechat", "finished", "done", "2026-11-29T01:00:03+00:00", APT),
        ("wechat", "leftovers", "interrupted", "interrupted", "2026-11-29T01:00:04+00:00", APT),
        ("kesl", "uninstall:dpkg:kesl", "interrupted", "interrupted", "2026-11-29T01:00:05+00:00", APT),
        ("kesl", "leftovers", "finished", "done", "2026-11-29T01:00:06+00:00", APT),
    ]


def test_a_step_tried_again_after_a_crash_is_interrupted_only_the_last_time():
    log = removal_log([
        started("uninstall:dpkg:wechat", "2026-11-29T01:00:00+00:00"),
        finished("uninstall:dpkg:wechat", "2026-11-29T01:00:03+00:00"),
        started("uninstall:dpkg:wechat", "2026-11-29T02:00:00+00:00"),
    ])
    assert [(a.phase, a.recorded_at) for a in log] == [
        ("finished", "2026-11-29T01:00:03+00:00"),
        ("interrupted", "2026-11-29T02:00:00+00:00"),
    ]
    assert removal_log(log) == log


def test_the_listing_marks_interrupted_steps_from_the_store(tmp_path):
    store = HistoryStore(tmp_path / "history.sqlite3")
    store.record_action(started("uninstall:dpkg:wechat", "2026-11-29T01:00:00+00:00"))
    (step,) = store.listing().removal_steps
    assert (step.phase, step.recorded_at, step.argv) == ("interrupted", "2026-11-29T01:00:00+00:00", APT)


@pytest.fixture
def no_home_folder(monkeypatch):
    """HOME unset, and no account entry to fall back on (a container run with an unknown user id)."""
    import pwd

    for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(name, raising=False)

    def no_entry(uid):
        raise KeyError(uid)

    monkeypatch.setattr(pwd, "getpwuid", no_entry)


def test_without_a_home_folder_the_history_is_a_sentence(no_home_folder):
    store = HistoryStore()
    for read in (store.scans, store.actions, store.listing):
        with pytest.raises(HistoryError) as caught:
            read()
        assert caught.value.message == (
            "No history is kept, because this account's home folder is unknown (HOME is not set to a full path)."
        )
    assert caught.value.render(Translator("fr")) == (
        "Aucun historique n’est tenu, car le dossier personnel de ce compte est inconnu (HOME n’est pas un chemin complet)."
    )
