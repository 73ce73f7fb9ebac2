"""Which device a scan reads: the operating system of a mounted disk is told from its layout."""

from __future__ import annotations

import plistlib
import socket

import pytest
from hypothesis import given, strategies as st

from appwarden.core.errors import TargetError
from appwarden.core.reports.terminal import DEVICE_VALUE_CONTROLS
from appwarden.core.target import COMPUTER_NAME_LIMIT, computer_name, detect_os, make_target


def test_layouts(tmp_path):
    linux, mac, windows, empty = (tmp_path / n for n in ("linux", "mac", "windows", "empty"))
    (linux / "etc").mkdir(parents=True)
    (linux / "etc/os-release").write_text("ID=fedora\n")
    (mac / "System/Library/CoreServices").mkdir(parents=True)
    (mac / "System/Library/CoreServices/SystemVersion.plist").write_bytes(plistlib.dumps({"ProductVersion": "14.5"}))
    (windows / "WINDOWS/system32/Config").mkdir(parents=True)  # NTFS mounts keep Windows' casing
    empty.mkdir()
    assert detect_os(linux) == "linux"
    assert detect_os(mac) == "macos"
    assert detect_os(windows) == "windows"
    assert detect_os(empty) is None


def test_unknown_layout_asks_for_os(tmp_path):
    with pytest.raises(TargetError) as caught:
        make_target(tmp_path)
    assert "Pass --os linux, --os windows or --os macos." in caught.value.message
    assert make_target(tmp_path, "windows").os == "windows"


def test_live_and_missing_root(tmp_path):
    live = make_target()
    assert live.live and live.hostname == computer_name(socket.gethostname())
    assert make_target("/").live
    with pytest.raises(TargetError, match="is not a folder"):
        make_target(tmp_path / "missing")


def test_a_disks_computer_name_is_read_without_its_control_characters(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/os-release").write_text("ID=debian\n")
    (tmp_path / "etc/hostname").write_text("desk\x1b[2K\x1b]0;owned\x07-12\u202e\u200b\n\nsecond line\n")
    assert make_target(tmp_path).hostname == "desk[2K]0;owned-12 second line"
    (tmp_path / "etc/hostname").write_text("a" * 4000 + "\n")  # under the file's bound, over the name's
    assert make_target(tmp_path).hostname == "a" * 63 + "…"


def test_a_macs_computer_name_is_cleaned_and_its_local_host_name_used_when_it_has_none(tmp_path):
    (tmp_path / "System/Library/CoreServices").mkdir(parents=True)
    (tmp_path / "System/Library/CoreServices/SystemVersion.plist").write_bytes(plistlib.dumps({"ProductVersion": "14.5"}))
    preferences = tmp_path / "Library/Preferences/SystemConfiguration/preferences.plist"
    preferences.parent.mkdir(parents=True)
    hostile = {"System": {"System": {"ComputerName": "Ana\u2019s Mac\n\u202eesrever\t Pro"}}}
    preferences.write_bytes(plistlib.dumps(hostile, fmt=plistlib.FMT_BINARY))
    assert make_target(tmp_path).hostname == "Ana\u2019s Mac esrever Pro"
    local = {"System": {"System": {"ComputerName": 7}, "Network": {"HostNames": {"LocalHostName": "Anas-Mac"}}}}
    preferences.write_bytes(plistlib.dumps(local))
    assert make_target(tmp_path).hostname == "Anas-Mac"


def test_the_running_devices_name_goes_through_the_same_cleaning():
    assert make_target().hostname == computer_name(socket.gethostname())


@given(st.text(max_size=300))
def test_any_computer_name_is_shown_on_one_bounded_line_without_controls(raw):
    name = computer_name(raw)
    assert len(name) <= COMPUTER_NAME_LIMIT
    assert not DEVICE_VALUE_CONTROLS.search(name)
    assert name == name.strip() and "  " not in name
    assert computer_name(name) == name
    if len(raw) <= COMPUTER_NAME_LIMIT and raw.isprintable() and raw == " ".join(raw.split()):
        assert name == raw  # a plain name is kept as it is
