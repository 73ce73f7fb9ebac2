"""Which device a scan reads: the operating system of a mounted disk is told from its layout."""

from __future__ import annotations

import plistlib
import socket

import pytest

from core.errors import TargetError
from core.target import detect_os, make_target


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
    assert live.live and live.hostname == socket.gethostname()
    assert make_target("/").live
    with pytest.raises(TargetError, match="is not a folder"):
        make_target(tmp_path / "missing")
