"""The history store: records survive a second writer and a killed process; damage gets a sentence."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from appwarden.core.errors import HistoryError
from appwarden.core.history import HistoryStore, default_history_path
from appwarden.core.policy.loader import load_policies
from appwarden.core.scan import run_scan
from appwarden.core.target import make_target
from tests.conftest import FIXTURES, PROJECT, cli_environment

MINIMAL = FIXTURES / "policies" / "minimal.toml"

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, {project!r})
    from appwarden.core.history import HistoryStore
    from appwarden.core.policy.loader import load_policies
    from appwarden.core.scan import run_scan
    from appwarden.core.target import make_target
    root = Path(sys.argv[2]); count = int(sys.argv[3])
    result = run_scan(make_target(root), load_policies([Path({minimal!r})], include_default=False))
    store = HistoryStore(Path(sys.argv[1]))
    print("ready", flush=True)
    for _ in range(count):
        store.record_scan(result)
    """
).format(project=str(PROJECT), minimal=str(MINIMAL))


@pytest.fixture
def disk(tmp_path):
    root = tmp_path / "disk"
    (root / "etc").mkdir(parents=True)
    (root / "etc/os-release").write_text("ID=debian\n")
    return root


def scan_of(disk):
    return run_scan(make_target(disk), load_policies([MINIMAL], include_default=False))


def test_record_and_list(tmp_path, disk):
    store = HistoryStore(tmp_path / "h.sqlite3")
    first = store.record_scan(scan_of(disk))
    (record,) = store.scans()
    assert record.id == first and record.compliant and record.complete and record.rules == ()
    assert record.root == str(disk.resolve())
    assert store.report(first)["schema"] == 1


def test_default_location_is_under_platformdirs_user_data(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_history_path() == tmp_path / "xdg/appwarden/history.sqlite3"


def test_two_processes_writing_at_once_lose_nothing(tmp_path, disk):
    path = tmp_path / "h.sqlite3"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(disk), "40"], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for writer in writers:
        assert writer.wait(timeout=120) == 0
    assert len(HistoryStore(path).scans(limit=1000)) == 80
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_killed_writer_leaves_every_committed_record(tmp_path, disk):
    path = tmp_path / "h.sqlite3"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(disk), "100000"], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    count = connection.execute("SELECT count(*) FROM scans").fetchone()[0]
    assert count > 0
    assert len(HistoryStore(path).scans(limit=count + 10)) == count


def test_damaged_file_gets_a_sentence_and_is_left_alone(tmp_path, disk):
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryError) as caught:
        HistoryStore(path).record_scan(scan_of(disk))
    assert caught.value.message.startswith(f"The history file {path} is damaged or not an AppWarden history")
    assert path.read_bytes() == b"this is not a database" * 100


def test_cli_no_history_writes_nothing_and_history_lists_scans(tmp_path, disk):
    env = cli_environment(tmp_path)
    base = [sys.executable, "-m", "appwarden.core"]
    scan = base + ["scan", "--root", str(disk), "--no-default-policy", "--policy", str(MINIMAL)]
    subprocess.run(scan + ["--no-history"], cwd=PROJECT, env=env, check=True, capture_output=True)
    assert not (tmp_path / "data/appwarden").exists()
    listing = subprocess.run(base + ["history"], cwd=PROJECT, env=env, capture_output=True, text=True)
    assert listing.stdout == "No check has been recorded yet.\n"
    subprocess.run(scan, cwd=PROJECT, env=env, check=True, capture_output=True)
    listing = subprocess.run(base + ["history"], cwd=PROJECT, env=env, capture_output=True, text=True)
    (line,) = listing.stdout.splitlines()
    assert line.endswith(f"linux  {disk.resolve()}  mounted disk  nothing found")


def test_cli_damaged_history_still_prints_the_report(tmp_path, disk):
    env = cli_environment(tmp_path)
    (tmp_path / "data/appwarden").mkdir(parents=True)
    (tmp_path / "data/appwarden/history.sqlite3").write_bytes(b"garbage" * 200)
    done = subprocess.run(
        [sys.executable, "-m", "appwarden.core", "scan", "--root", str(disk), "--no-default-policy", "--policy", str(MINIMAL)],
        cwd=PROJECT, env=env, capture_output=True, text=True,
    )
    assert done.returncode == 0
    assert "No prohibited application found." in done.stdout
    assert done.stderr.startswith("Note: The history file ")
    assert "Traceback" not in done.stderr
