"""The process source on this machine: a real process named like a prohibited app is found."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_hidden_program_files_are_said_but_not_a_gap():
    # Read as an ordinary account: the program files of root's processes are hidden from it.
    import os

    from tests.core.history.other_account import second_account

    account = second_account()
    os.seteuid(account.uid)
    try:
        result = RunningProcesses().read(LIVE)
    finally:
        os.seteuid(0)
    assert result.coverage.status.value == "ok"
    assert "of them only" in str(result.coverage.detail)
    hidden = [item for item in result.items if all(namespace == "process" for namespace, _ in item.identifiers)]
    assert hidden and all(dict(item.details).get("user") for item in hidden)  # still named, with their user


def test_the_proc_reader_gives_what_psutil_gives_for_every_process_of_this_machine():
    psutil = pytest.importorskip("psutil")
    from appwarden.core.sources.linux.proc import processes

    ours = {info["pid"]: info for info in processes()}
    reference = {p.info["pid"]: p.info for p in psutil.process_iter(["pid", "name", "exe", "username"], ad_value=None)}
    again = {info["pid"]: info for info in processes()}
    # Processes start and end between the readings, and a kernel worker renames itself as it
    # works (kworker/1:1-events, then kworker/1:1-mm_percpu_wq): only what stayed the same counts.
    both = {pid for pid in set(ours) & set(reference) if again.get(pid) == ours[pid]}
    assert len(both) > 10
    assert {pid: ours[pid] for pid in both} == {pid: reference[pid] for pid in both}


def test_a_process_with_a_long_name_keeps_it(sleeper_named):
    process = sleeper_named("WeChatAppEx-with-a-long-name")  # longer than the kernel's 15 characters
    result = RunningProcesses().read(LIVE)
    (item,) = [i for i in result.items if i.location == f"pid {process.pid}"]
    assert item.name == "WeChatAppEx-with-a-long-name"


def test_another_users_process_is_named_with_its_user():
    from tests.core.history.other_account import second_account

    account = second_account()
    other = subprocess.Popen([shutil.which("sleep"), "30"], user=account.uid, group=account.gid, extra_groups=[])
    try:
        time.sleep(0.1)
        result = RunningProcesses().read(LIVE)
        (item,) = [i for i in result.items if i.location == f"pid {other.pid}"]
    finally:
        other.kill()
        other.wait()
    assert item.name == "sleep"
    assert dict(item.details)["user"] == "appwarden-test"


NAMES = st.text(alphabet=st.characters(blacklist_characters="\0/", blacklist_categories=("Cs",)), min_size=1, max_size=14)


@settings(max_examples=100, deadline=None)
@given(NAMES, st.text(max_size=80))
def test_any_process_name_and_status_text_read_from_a_proc_folder(name, status):
    import tempfile

    from appwarden.core.sources.linux.proc import processes

    with tempfile.TemporaryDirectory() as proc:
        folder = Path(proc) / "4242"
        folder.mkdir()
        # The kernel writes the name between parentheses, whatever it holds (")" and spaces included).
        (folder / "stat").write_text(f"4242 ({name}) S 1 4242 4242 0 -1 4194560", encoding="utf-8", errors="surrogateescape")
        (folder / "status").write_text(status, encoding="utf-8", errors="surrogateescape")
        (folder / "exe").symlink_to("/opt/wechat/wechat")
        (info,) = processes(proc)
    assert info["pid"] == 4242 and info["name"] == name and info["exe"] == "/opt/wechat/wechat"
    assert info["username"] is None or isinstance(info["username"], str)
