"""The snap source on snapd's own layout: mounted snaps, .snap files and state.json, whole and broken."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.messages import Message
from appwarden.core.sources.linux import snap
from appwarden.core.sources.base import CoverageStatus, EvidenceKind, InventoryItem, ReadRequest, ScanTarget
from appwarden.core.sources.linux.snap import SnapFacts, SnapPackages, parse_snap_yaml, parse_snapd_state

FIREFOX_YAML = """name: firefox
version: 133.0.3-1
summary: Mozilla Firefox web browser
description: Firefox is a powerful, extensible web browser with support for modern web application technologies.
architectures:
- amd64
base: core22
confinement: strict
grade: stable
apps:
  firefox:
    command: firefox.launcher
    desktop: firefox.desktop
    extensions:
    - gnome
plugs:
  name: not-top-level
"""
WECHAT_YAML = """name: wechat
version: '4.0.1.11'
summary: WeChat for Linux (unofficial repackaging)
base: core22
"""
STATE = {
    "data": {
        "snaps": {
            "firefox": {
                "type": "app",
                "sequence": [
                    {"name": "firefox", "snap-id": "3wdHCAVyZEmYsCMFDE9qt92UV8rC8Wdk", "revision": "5239", "channel": "latest/stable"},
                    {"name": "firefox", "snap-id": "3wdHCAVyZEmYsCMFDE9qt92UV8rC8Wdk", "revision": "5361", "channel": "latest/stable", "title": "Firefox"},
                ],
                "active": True,
                "current": "5361",
                "channel": "latest/stable",
            },
            "wechat": {
                "type": "app",
                "sequence": [{"name": "wechat", "snap-id": "", "revision": "x1", "version": "4.0.1.11"}],
                "active": False,
                "current": "x1",
            },
            "telegram-desktop_work": {
                "type": "app",
                "sequence": [{"name": "telegram-desktop", "snap-id": "ANC", "revision": "6370"}],
                "active": True,
                "current": "6370",
                "instance-key": "work",
            },
        }
    },
    "changes": {},
    "tasks": {},
    "last-change-id": 12,
}


def mount(mounts: Path, name: str, revision: str, snap_yaml: str | bytes | None) -> None:
    """/snap/<name>/<revision> with its `current` link, as snapd makes it (the revision folder is
    the squashfs mount point, empty on a disk mounted offline)."""
    (mounts / name / revision).mkdir(parents=True)
    (mounts / name / "current").symlink_to(revision)
    if snap_yaml is not None:
        (mounts / name / revision / "meta").mkdir()
        data = snap_yaml.encode() if isinstance(snap_yaml, str) else snap_yaml
        (mounts / name / revision / "meta/snap.yaml").write_bytes(data)


@pytest.fixture
def device(tmp_path: Path) -> Path:
    mounts = tmp_path / "snap"
    mount(mounts, "firefox", "5361", FIREFOX_YAML)
    mount(mounts, "wechat", "x1", None)  # not mounted: disabled
    (mounts / "bin").mkdir()
    (mounts / "bin/firefox").symlink_to("/usr/bin/snap")
    (mounts / "README").write_text("This directory presents installed snap packages.\n")
    blobs = tmp_path / "var/lib/snapd/snaps"
    (blobs / "partial").mkdir(parents=True)
    for name in ("firefox_5239.snap", "firefox_5361.snap", "wechat_x1.snap", "telegram-desktop_work_6370.snap"):
        (blobs / name).write_bytes(b"hsqs" + bytes(60))  # squashfs magic
    (tmp_path / "var/lib/snapd/state.json").write_text(json.dumps(STATE))
    return tmp_path


def read(root: Path):
    return SnapPackages().read(ReadRequest(ScanTarget(root, "linux", live=False)))


def snap_item(name, shown, version, location, details) -> InventoryItem:
    return InventoryItem("snap", EvidenceKind.INSTALLED, (("snap", name),), shown, "", version, location, details)


FIREFOX = snap_item("firefox", "Firefox", "133.0.3-1", "/snap/firefox", (("revision", "5361"),))
WECHAT = snap_item("wechat", "wechat", "4.0.1.11", "/snap/wechat", (("revision", "x1"), ("disabled", "true")))
TELEGRAM = snap_item(
    "telegram-desktop", "telegram-desktop", "", "/var/lib/snapd/state.json",
    (("revision", "6370"), ("instance", "telegram-desktop_work")),
)


def test_mounts_state_and_files_merge_per_instance(device):
    result = read(device)
    assert result.items == (FIREFOX, WECHAT, TELEGRAM)
    assert result.coverage.status == CoverageStatus.OK


def test_offline_state_file_only(tmp_path):
    (tmp_path / "var/lib/snapd").mkdir(parents=True)
    (tmp_path / "var/lib/snapd/state.json").write_text(json.dumps(STATE))
    result = read(tmp_path)
    assert [(item.name, item.version, item.location) for item in result.items] == [
        ("Firefox", "", "/var/lib/snapd/state.json"),
        ("wechat", "4.0.1.11", "/var/lib/snapd/state.json"),
        ("telegram-desktop", "", "/var/lib/snapd/state.json"),
    ]


def test_snap_files_only(tmp_path):
    blobs = tmp_path / "var/lib/snapd/snaps"
    blobs.mkdir(parents=True)
    (blobs / "wechat_12.snap").write_bytes(b"hsqs")
    (blobs / "wechat_12.snap.partial").write_bytes(b"hs")
    (blobs / "notes.snap").write_bytes(b"")
    result = read(tmp_path)
    assert result.items == (
        snap_item("wechat", "wechat", "", "/var/lib/snapd/snaps/wechat_12.snap", (("revision", "12"),)),
    )


def test_fedora_layout_with_absolute_snap_link_stays_on_the_disk(tmp_path):
    # /snap -> /var/lib/snapd/snap is absolute: it must mean the mounted disk's folder.
    mount(tmp_path / "var/lib/snapd/snap", "wechat", "12", WECHAT_YAML)
    (tmp_path / "snap").symlink_to("/var/lib/snapd/snap")
    result = read(tmp_path)
    assert result.items == (
        snap_item("wechat", "wechat", "4.0.1.11", "/var/lib/snapd/snap/wechat", (("revision", "12"),)),
    )
    assert result.coverage.status == CoverageStatus.OK


def test_no_snapd_is_skipped(tmp_path):
    result = read(tmp_path)
    assert (result.items, result.coverage.status) == ((), CoverageStatus.SKIPPED)
    assert str(result.coverage.detail) == "snapd is not installed"


@pytest.mark.parametrize(
    "content, reason",
    [
        (b'{"data": {"snaps": {"firefox": ', "not valid JSON: Expecting value: line 1 column 32 (char 31)"),
        (b"\x89PNG\r\n\x1a\n", "not valid JSON: 'utf-8' codec can't decode byte 0x89 in position 0: invalid start byte"),
        (b'["data"]', "not a snapd state file"),
        (b'{"data": {"snaps": []}}', "not a snapd state file"),
    ],
)
def test_garbage_state_file_is_a_problem_and_mounts_remain(device, content, reason):
    (device / "var/lib/snapd/state.json").write_bytes(content)
    result = read(device)
    assert [item.identifiers[0][1] for item in result.items] == ["firefox", "wechat", "telegram-desktop"]
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert [(p.location, str(p.reason)) for p in result.coverage.problems] == [("/var/lib/snapd/state.json", reason)]


def test_state_file_over_the_cap_is_not_read(device, monkeypatch):
    # The real cap is 64 MiB; a small one keeps the test fast and tests the same code.
    monkeypatch.setattr(snap, "STATE_LIMIT", 100)
    result = read(device)
    assert [str(p.reason) for p in result.coverage.problems] == ["file is larger than 100 bytes; not read"]
    assert FIREFOX.identifiers in [item.identifiers for item in result.items]


def test_snap_yaml_not_utf8_or_nameless_is_a_problem(device):
    (device / "snap/firefox/5361/meta/snap.yaml").write_bytes(b"name: fire\xfffox\n")
    mount(device / "snap", "obscure", "3", "summary: no name here\n")
    result = read(device)
    assert [(item.name, item.version) for item in result.items] == [
        ("Firefox", ""), ("obscure", ""), ("wechat", "4.0.1.11"), ("telegram-desktop", ""),
    ]
    assert [(p.location, str(p.reason)) for p in result.coverage.problems] == [
        ("/snap/firefox/current/meta/snap.yaml", "not UTF-8 text; not read"),
        ("/snap/obscure/current/meta/snap.yaml", "has no top-level name"),
    ]


def test_non_utf8_snap_file_name_is_a_problem(device):
    os.close(os.open(os.fsencode(device / "var/lib/snapd/snaps") + b"/caf\xe9_1.snap", os.O_CREAT | os.O_WRONLY))
    result = read(device)
    assert len(result.items) == 3
    assert [(p.location, str(p.reason)) for p in result.coverage.problems] == [
        ("/var/lib/snapd/snaps/caf\\xe9_1.snap", "the name is not valid UTF-8; skipped")
    ]


def test_parse_snap_yaml_reads_top_level_only():
    assert parse_snap_yaml(FIREFOX_YAML) == {"name": "firefox", "version": "133.0.3-1"}
    assert parse_snap_yaml(WECHAT_YAML) == {"name": "wechat", "version": "4.0.1.11"}
    assert parse_snap_yaml('version: "1.0" # quoted\nname: x # comment\n') == {"version": "1.0", "name": "x"}


def test_parse_snapd_state_picks_the_current_revision():
    facts = parse_snapd_state(json.dumps(STATE).encode())
    assert facts[0] == SnapFacts(instance="firefox", name="firefox", title="Firefox", revision="5361")


@given(st.text(max_size=400))
def test_parse_snap_yaml_never_raises(text):
    assert set(parse_snap_yaml(text)) <= {"name", "version"}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
SNAP_ENTRY = st.dictionaries(st.sampled_from(["sequence", "current", "active", "type"]), JSON, max_size=4)


@given(st.binary(max_size=300) | JSON.map(lambda value: json.dumps(value).encode()))
def test_parse_snapd_state_never_raises(data):
    assert isinstance(parse_snapd_state(data), (list, Message))


@given(st.dictionaries(st.text(max_size=10), SNAP_ENTRY | JSON, max_size=4))
def test_parse_snapd_state_on_state_shaped_json(snaps):
    parsed = parse_snapd_state(json.dumps({"data": {"snaps": snaps}}).encode())
    assert [facts.instance for facts in parsed] == list(snaps)
