"""The AppImage source: file names to base names, the folders it looks in, and bad names and links."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.sources.linux.appimage import AppImageFiles, appimage_base_name
from appwarden.core.sources.base import CoverageStatus, EvidenceKind, InventoryItem, ReadRequest, ScanTarget

ELF_HEADER = b"\x7fELF\x02\x01\x01\x00AI\x02" + bytes(52)  # AppImage type 2 magic at offset 8


@pytest.mark.parametrize(
    "file_name, expected",
    [
        ("WeChatLinux_x86_64.AppImage", ("WeChatLinux", "")),
        ("wechat-4.0.1.30-x86_64.AppImage", ("wechat", "4.0.1.30")),
        ("Obsidian-1.5.3.AppImage", ("Obsidian", "1.5.3")),
        ("Obsidian-1.5.3-arm64.appimage", ("Obsidian", "1.5.3")),
        ("balenaEtcher-1.18.11-x64.AppImage", ("balenaEtcher", "1.18.11")),
        ("Qv2ray-v2.7.0-linux-x64.AppImage", ("Qv2ray-v2.7.0", "")),
        ("appimagetool-x86-64.AppImage", ("appimagetool", "")),
        ("Some App 2 Linux.AppImage", ("Some App", "2")),
        ("Foo-1.2-3-universal.AppImage", ("Foo", "1.2-3")),
        ("linux-x86_64.AppImage", ("linux", "")),
        ("1.2.3.AppImage", ("1.2.3", "")),
        (".AppImage", ("", "")),
    ],
)
def test_appimage_base_name(file_name, expected):
    assert appimage_base_name(file_name) == expected


@given(st.text(max_size=60))
def test_appimage_base_name_never_raises(file_name):
    base, version = appimage_base_name(file_name + ".AppImage")
    assert file_name.startswith(base)
    assert all(part in file_name for part in version.split("-"))


def put(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ELF_HEADER)


@pytest.fixture
def device(tmp_path: Path) -> Path:
    put(tmp_path / "home/alice/Applications/WeChatLinux_x86_64.AppImage")
    put(tmp_path / "home/alice/Downloads/wechat-4.0.1.30-x86_64.AppImage")
    put(tmp_path / "home/alice/Downloads/notes.txt")
    put(tmp_path / "home/alice/Downloads/a/b/c/TooDeep-1.0.AppImage")  # three levels down: not looked at
    (tmp_path / "home/alice/Downloads/loop").symlink_to(".")  # a linked folder: never followed
    put(tmp_path / "home/bob/.local/bin/Obsidian-1.5.3.AppImage")
    put(tmp_path / "opt/wechat/WeChat.appimage")
    return tmp_path


def read(root: Path):
    return AppImageFiles().read(ReadRequest(ScanTarget(root, "linux", live=False)))


def appimage_item(base, version, location, details) -> InventoryItem:
    return InventoryItem("appimage", EvidenceKind.INSTALLED, (("appimage", base),), base, "", version, location, details)


def user(name: str):
    return (("scope", "user"), ("user", name), ("home", f"/home/{name}"))


EXPECTED = (
    appimage_item("WeChat", "", "/opt/wechat/WeChat.appimage", (("scope", "system"),)),
    appimage_item("WeChatLinux", "", "/home/alice/Applications/WeChatLinux_x86_64.AppImage", user("alice")),
    appimage_item("wechat", "4.0.1.30", "/home/alice/Downloads/wechat-4.0.1.30-x86_64.AppImage", user("alice")),
    appimage_item("Obsidian", "1.5.3", "/home/bob/.local/bin/Obsidian-1.5.3.AppImage", user("bob")),
)


def test_user_and_system_folders(device):
    result = read(device)
    assert result.items == EXPECTED
    assert result.coverage.status == CoverageStatus.OK


def test_no_folders_is_skipped(tmp_path):
    coverage = read(tmp_path).coverage
    assert (coverage.status, str(coverage.detail)) == (
        CoverageStatus.SKIPPED, "none of the folders AppImages are kept in exists"
    )


def test_bad_names_and_loops_are_problems_only_for_appimages(device):
    downloads = os.fsencode(device / "home/alice/Downloads")
    for name in (b"/caf\xe9.AppImage", b"/caf\xe9.txt"):  # only the AppImage matters
        os.close(os.open(downloads + name, os.O_CREAT | os.O_WRONLY))
    (device / "home/alice/Downloads/Loop.AppImage").symlink_to("Loop.AppImage")
    (device / "home/alice/Downloads/Gone.AppImage").symlink_to("/nonexistent/Gone.AppImage")
    result = read(device)
    assert result.items == EXPECTED
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert [(p.location, str(p.reason)) for p in result.coverage.problems] == [
        ("/home/alice/Downloads/Loop.AppImage", "cannot read: Too many levels of symbolic links"),
        ("/home/alice/Downloads/caf\\xe9.AppImage", "the name is not valid UTF-8; skipped"),
    ]


def test_a_file_where_a_folder_is_expected_is_nothing_there(tmp_path):
    put(tmp_path / "opt")
    assert read(tmp_path).coverage.status == CoverageStatus.SKIPPED


def test_cancelled_read_stops(device):
    request = ReadRequest(ScanTarget(device, "linux", live=False), cancelled=lambda: True)
    assert AppImageFiles().read(request).items == ()
