"""The process source on this machine: a real process named like a prohibited app is found."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from appwarden.core.sources.base import EvidenceKind, ReadRequest, ScanTarget
from appwarden.core.sources.processes import RunningProcesses, _process_item

LIVE = ReadRequest(ScanTarget(Path("/"), "linux", live=True))


@pytest.fixture
def sleeper_named(tmp_path):
    started = []

    def start(name: str) -> subprocess.Popen:
        program = tmp_path / name
        shutil.copy(shutil.which("sleep"), program)
        process = subprocess.Popen([str(program), "60"])
        started.append(process)
        time.sleep(0.1)
        return process

    yield start
    for process in started:
        process.kill()
        process.wait()


def test_copy_of_sleep_named_like_a_prohibited_process_is_found(sleeper_named, tmp_path):
    process = sleeper_named("WeChat")
    result = RunningProcesses().read(LIVE)
    (item,) = [i for i in result.items if i.location == f"pid {process.pid}"]
    assert item.kind == EvidenceKind.RUNNING
    assert item.name == "WeChat"
    assert item.identifiers == (("process", "WeChat"), ("executable", str(tmp_path / "WeChat")))
    assert ("pid", str(process.pid)) in item.details
    assert ("user", "root") in item.details or any(k == "user" for k, _ in item.details)


def test_long_names_are_not_cut_at_fifteen_characters(sleeper_named):
    process = sleeper_named("klnagent64-long-name")
    result = RunningProcesses().read(LIVE)
    (item,) = [i for i in result.items if i.location == f"pid {process.pid}"]
    assert item.name == "klnagent64-long-name"


def test_a_process_that_hides_its_details_still_counts():
    # psutil reports refused attributes as None (ad_value); this is what a denied process looks like.
    item = _process_item({"pid": 7, "name": "avp.exe", "exe": None, "username": None})
    assert item.identifiers == (("process", "avp.exe"),)
    assert item.details == (("pid", "7"),)
    assert _process_item({"pid": 8, "name": "", "exe": None, "username": None}) is None


def test_process_exiting_mid_scan_is_not_an_error(sleeper_named):
    processes = [sleeper_named(f"short{i}") for i in range(5)]
    for process in processes:
        process.kill()
    result = RunningProcesses().read(LIVE)
    assert result.coverage.status.value in ("ok", "partial")
    assert not any("short" in (p.location + str(p.reason)) for p in result.coverage.problems)


def test_hidden_program_files_are_said_but_not_a_gap(monkeypatch):
    # Mocked: as root every program file is visible here, so another user's hidden one is simulated.
    import psutil

    class Hidden:
        info = {"pid": 4242, "name": "WeChat", "exe": None, "username": None}

    monkeypatch.setattr(psutil, "process_iter", lambda *args, **kwargs: iter([Hidden()]))
    result = RunningProcesses().read(LIVE)
    assert result.coverage.status.value == "ok"
    assert str(result.coverage.detail) == "1 item read; for 1 of them only its name could be read"
    assert result.items[0].identifiers == (("process", "WeChat"),)
