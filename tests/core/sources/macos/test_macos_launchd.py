"""The macos_launchd source on daemon and agent folders as macOS keeps them, and on broken job files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.messages import Message
from appwarden.core.sources.base import CoverageStatus, EvidenceKind, InventoryItem, ReadRequest, ScanTarget
from appwarden.core.sources.macos.launchd import LaunchdJobs, launchd_item
from tests.core.sources.macos.macos_disk import BINARY, XML, cyclic_info_plist, example_mac, launchd_job, macos_disk

KAV = "/Library/Application Support/Kaspersky Lab/KAV/Binaries"
KASPERSKY_DAEMON = InventoryItem(
    "macos_launchd", EvidenceKind.SERVICE,
    (("launchd_label", "com.kaspersky.kav"), ("executable", f"{KAV}/kav")),
    "com.kaspersky.kav", location="/Library/LaunchDaemons/com.kaspersky.kav.plist",
    details=(("scope", "daemon"), ("program", f"{KAV}/kav")),
)
KASPERSKY_AGENT = InventoryItem(
    "macos_launchd", EvidenceKind.SERVICE,
    (("launchd_label", "com.kaspersky.kav.gui"), ("executable", f"{KAV}/kav_agent")),
    "com.kaspersky.kav.gui", location="/Library/LaunchAgents/com.kaspersky.kav.gui.plist",
    details=(("scope", "agent"), ("program", f"{KAV}/kav_agent")),
)
CAPCUT_HELPER = InventoryItem(  # a bare program name is not an executable path
    "macos_launchd", EvidenceKind.SERVICE, (("launchd_label", "com.lemon.lvoverseas.helper"),),
    "com.lemon.lvoverseas.helper", location="/Users/alice/Library/LaunchAgents/com.lemon.lvoverseas.helper.plist",
    details=(("scope", "agent"), ("user", "alice"), ("program", "CapCutHelper")),
)
ALL_JOBS = (KASPERSKY_DAEMON, KASPERSKY_AGENT, CAPCUT_HELPER)


def read(target: ScanTarget, cancelled=lambda: False):
    return LaunchdJobs().read(ReadRequest(target, cancelled=cancelled))


def problems(result) -> list[tuple[str, str]]:
    return [(p.location, str(p.reason)) for p in result.coverage.problems]


@pytest.fixture
def mac(tmp_path: Path) -> ScanTarget:
    return example_mac(tmp_path)


def test_daemons_agents_and_user_agents(mac):
    result = read(mac)
    assert result.items == ALL_JOBS
    assert (result.coverage.status, str(result.coverage.detail)) == (CoverageStatus.OK, "3 items read")


def test_hidden_files_and_other_files_are_not_jobs(mac):
    daemons = mac.root / "Library/LaunchDaemons"
    (daemons / "._com.kaspersky.kav.plist").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")
    (daemons / "README.txt").write_text("not a job")
    assert read(mac).items == ALL_JOBS


def test_linked_job_file_is_read_inside_the_disk(mac):
    target = mac.root / "Library/Application Support/Example/org.example.daemon.plist"
    launchd_job(target.parent, "org.example.daemon", XML, Program="/usr/local/bin/exampled")
    (mac.root / "Library/LaunchDaemons/org.example.daemon.plist").symlink_to(
        "/Library/Application Support/Example/org.example.daemon.plist"
    )
    items = read(mac).items
    assert items[1] == InventoryItem(
        "macos_launchd", EvidenceKind.SERVICE,
        (("launchd_label", "org.example.daemon"), ("executable", "/usr/local/bin/exampled")),
        "org.example.daemon", location="/Library/LaunchDaemons/org.example.daemon.plist",
        details=(("scope", "daemon"), ("program", "/usr/local/bin/exampled")),
    )


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"garbage\x00", "not a valid property list: Invalid file"),
        (cyclic_info_plist(), "refers to itself in a loop; not read"),
        (b'<?xml version="1.0"?><!DOCTYPE plist [<!ENTITY a "aaaa">]><plist><dict/></plist>',
         "declares XML entities; not read"),
        (b"<plist><dict><key>Program</key><string>/bin/x</string></dict></plist>",
         "has no Label, so launchd ignores it"),
    ],
    ids=["garbage", "cyclic", "entity", "no-label"],
)
def test_broken_job_is_a_problem_and_other_jobs_remain(mac, content, reason):
    (mac.root / "Library/LaunchDaemons/org.example.broken.plist").write_bytes(content)
    result = read(mac)
    assert result.items == ALL_JOBS
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert problems(result) == [("/Library/LaunchDaemons/org.example.broken.plist", reason)]


def test_job_file_that_is_a_fifo_or_a_loop(mac):
    agents = mac.root / "Library/LaunchAgents"
    os.mkfifo(agents / "org.example.fifo.plist")
    (agents / "org.example.loop.plist").symlink_to("org.example.loop.plist")
    result = read(mac)
    assert result.items == ALL_JOBS
    assert problems(result) == [
        ("/Library/LaunchAgents/org.example.fifo.plist", "not a regular file; not read"),
        ("/Library/LaunchAgents/org.example.loop.plist", "cannot read: Too many levels of symbolic links"),
    ]


def test_non_utf8_job_name_is_a_problem(mac):
    (Path(os.fsdecode(os.fsencode(mac.root / "Library/LaunchAgents") + b"/org.caf\xe9.plist"))).write_bytes(b"")
    result = read(mac)
    assert result.items == ALL_JOBS
    assert problems(result) == [("/Library/LaunchAgents/org.caf\\xe9.plist", "the name is not valid UTF-8; skipped")]


def test_unreadable_users_folder_asks_for_elevation(mac, deny_reading):
    deny_reading(mac.root / "Users")
    result = read(mac)
    assert result.items == ALL_JOBS[:2]
    assert [(p.location, str(p.reason), p.elevation_helps) for p in result.coverage.problems] == [
        ("/Users", "permission denied", True)
    ]


def test_unreadable_daemon_folder_with_nothing_else_fails(tmp_path, deny_reading):
    target = macos_disk(tmp_path)
    launchd_job(tmp_path / "Library/LaunchDaemons", "com.kaspersky.kav", BINARY, Program="/bin/kav")
    deny_reading(tmp_path / "Library/LaunchDaemons")
    result = read(target)
    assert (result.coverage.status, str(result.coverage.detail)) == (
        CoverageStatus.FAILED, "/Library/LaunchDaemons: permission denied"
    )


def test_no_job_folders_is_skipped(tmp_path):
    coverage = read(macos_disk(tmp_path)).coverage
    assert (coverage.status, str(coverage.detail)) == (CoverageStatus.SKIPPED, "no launchd job folders")


def test_cancelled_read_stops(mac):
    assert read(mac, cancelled=lambda: True).items == ()


@pytest.mark.parametrize(
    "job, identifiers",
    [
        ({"Label": "a", "Program": "/bin/a", "ProgramArguments": ["/bin/b"]},
         (("launchd_label", "a"), ("executable", "/bin/a"))),
        ({"Label": "a", "ProgramArguments": ["/bin/b", "-x"]}, (("launchd_label", "a"), ("executable", "/bin/b"))),
        ({"Label": "a", "ProgramArguments": [3, "/bin/b"]}, (("launchd_label", "a"),)),
        ({"Label": "a", "ProgramArguments": "/bin/b"}, (("launchd_label", "a"),)),
        ({"Label": " a ", "Program": 7}, (("launchd_label", "a"),)),
    ],
)
def test_program_of_a_job(job, identifiers):
    assert launchd_item(job, "/x.plist", ()).identifiers == identifiers


PLIST_VALUES = st.recursive(
    st.text() | st.integers() | st.booleans() | st.binary(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=15,
)


@given(st.dictionaries(st.sampled_from(["Label", "Program", "ProgramArguments"]) | st.text(), PLIST_VALUES))
def test_any_job_dictionary_gives_an_item_or_a_reason(job):
    item = launchd_item(job, "/Library/LaunchAgents/x.plist", (("scope", "agent"),))
    if isinstance(item, Message):
        assert str(item) == "has no Label, so launchd ignores it"
        return
    assert item.identifiers[0] == ("launchd_label", job["Label"].strip())
    assert all(value.startswith("/") for namespace, value in item.identifiers if namespace == "executable")
