"""What the history keeps of a check's target and reference code, and how older histories keep working."""

from __future__ import annotations

import sqlite3

from appwarden.core.history import MIGRATIONS, HistoryStore
from appwarden.core.policy.loader import load_policies
from appwarden.core.scan import run_scan
from appwarden.core.target import make_target
from tests.conftest import FIXTURES

MINIMAL = FIXTURES / "policies" / "minimal.toml"


def disk(root, hostname: str):
    (root / "etc").mkdir(parents=True)
    (root / "etc/os-release").write_text("ID=debian\n")
    (root / "etc/hostname").write_text(hostname + "\n")
    return root


def scan(root):
    return run_scan(make_target(root), load_policies([MINIMAL], include_default=False))


def history_of_schema_2(path):
    """A history as AppWarden wrote it before it kept the live flag and reference codes, with one check."""
    connection = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:
        connection.executescript(script)
    connection.execute("PRAGMA user_version = 2")
    connection.execute(
        "INSERT INTO scans (scanned_at, finished_at, root, os, hostname, compliant, complete, rules, policies, report)"
        " VALUES ('2026-11-01T09:00:00+00:00', '2026-11-01T09:00:01+00:00', '/', 'linux', 'laptop-7', 1, 1, '[]', '[]', '{}')"
    )
    connection.commit()
    connection.close()


def test_an_older_history_is_upgraded_and_its_rows_still_read(tmp_path):
    path = tmp_path / "history.sqlite3"
    history_of_schema_2(path)
    store = HistoryStore(path)
    (old,) = store.scans()
    assert (old.hostname, old.live, old.reference, old.of_this_device) == ("laptop-7", None, "", True)
    result = scan(disk(tmp_path / "disk", "desk-12"))
    store.record_scan(result)
    new, old_again = store.scans()
    assert (new.live, new.reference, new.of_this_device) == (False, result.reference, False)
    assert old_again == old
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 5
    connection.close()


def test_last_checked_is_of_the_target_asked_for(tmp_path):
    store = HistoryStore(tmp_path / "history.sqlite3")
    first, second = disk(tmp_path / "first", "desk-12"), disk(tmp_path / "second", "desk-13")
    checked_first = scan(first)
    store.record_scan(checked_first)
    store.record_scan(scan(second))  # the newest check, but of another disk
    assert store.last_check(make_target(first)).scanned_at == checked_first.started_at.isoformat(timespec="seconds")
    assert store.last_check(make_target(second)).hostname == "desk-13"
    (first / "etc/hostname").write_text("kiosk-1\n")  # another computer's disk, mounted at the same folder
    assert store.last_check(make_target(first)) is None


def test_a_check_is_found_by_its_reference_code(tmp_path):
    store = HistoryStore(tmp_path / "history.sqlite3")
    result = scan(disk(tmp_path / "disk", "desk-12"))
    recorded = store.record_scan(result)
    store.record_scan(scan(disk(tmp_path / "other", "desk-13")))
    assert [record.id for record in store.with_reference(result.reference)] == [recorded]
    assert store.with_reference("AW-2222-2222") == []
    assert store.report(recorded)["reference"] == result.reference
