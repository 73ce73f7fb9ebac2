"""The macos_apps source on Applications folders laid out as macOS lays them out, and on broken ones."""

from __future__ import annotations

import os
import plistlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.messages import Message
from appwarden.core.sources.base import CoverageStatus, EvidenceKind, InventoryItem, ReadRequest, ScanTarget
from appwarden.core.sources.macos.apps import FoundBundle, MacApplications, application_item, info_plist_facts
from tests.core.sources.macos.macos_disk import (
    BINARY,
    TIKTOK_INFO,
    TIKTOK_METADATA,
    WECHAT_INFO,
    XML,
    app_bundle,
    cyclic_info_plist,
    deep_plist,
    example_mac,
    info_plist,
    ios_app,
    macos_disk,
    write_plist,
)


def app(bundle_id, name, version, location, executable, kind="macos_app", details=(), publisher=""):
    folder = f"{location}/Contents/MacOS" if kind == "macos_app" else f"{location}/Wrapper/{location.rsplit('/', 1)[1]}"
    namespace = "macos_bundle_id" if kind == "macos_app" else "ios_bundle_id"  # an iPhone app keeps its iOS id
    identifiers = ((namespace, bundle_id), ("process", executable), ("executable", f"{folder}/{executable}"))
    return InventoryItem(
        "macos_apps", EvidenceKind.INSTALLED, identifiers, name, publisher, version, location,
        (("kind", kind),) + details,
    )


KASPERSKY = app("com.kaspersky.kav", "Kaspersky Internet Security", "21.0.12.453",
                "/Applications/Kaspersky Lab/Kaspersky Internet Security.app", "Kaspersky Internet Security")
TICKTICK = app("com.TickTick.task.mac", "TickTick", "6.0.40", "/Applications/TickTick.app", "TickTick")
TIKTOK = app("com.zhiliaoapp.musically", "TikTok", "37.5.0", "/Applications/TikTok.app", "TikTok",
             kind="ios_app", publisher="TikTok Ltd.")
WECHAT = app("com.tencent.xinWeChat", "WeChat", "4.1.10.53", "/Applications/WeChat.app", "WeChat")
DEVTOOLS = app("com.tencent.wechat.devtools", "WeChat DevTools", "1.06.2409140",
               "/Applications/wechatwebdevtools.app", "wechatwebdevtools")
WECOM = app("com.tencent.WeWorkMac", "企业微信", "4.1.30", "/Applications/企业微信.app", "企业微信")
CAPCUT = app("com.lemon.lvoverseas", "CapCut", "6.1.0", "/Users/alice/Applications/CapCut.app", "CapCut",
             details=(("user", "alice"),))
ALL_APPS = (KASPERSKY, TICKTICK, TIKTOK, WECHAT, DEVTOOLS, WECOM, CAPCUT)


def read(target: ScanTarget, cancelled=lambda: False):
    return MacApplications().read(ReadRequest(target, cancelled=cancelled))


def problems(result) -> list[tuple[str, str]]:
    return [(p.location, str(p.reason)) for p in result.coverage.problems]


@pytest.fixture
def mac(tmp_path: Path) -> ScanTarget:
    return example_mac(tmp_path)


def test_apps_of_the_system_vendor_folders_users_and_ipad_apps(mac):
    result = read(mac)
    assert result.items == ALL_APPS
    assert (result.coverage.status, str(result.coverage.detail)) == (CoverageStatus.OK, "7 items read")


def test_short_version_missing_falls_back_to_the_build(mac):
    info = dict(WECHAT_INFO)
    del info["CFBundleShortVersionString"], info["CFBundleDisplayName"]
    write_plist(mac.root / "Applications/WeChat.app/Contents/Info.plist", info, BINARY)
    wechat = read(mac).items[3]
    assert (wechat.name, wechat.version) == ("WeChat", "39917")


def test_name_falls_back_to_the_folder_and_executable_alone_identifies(mac):
    info = {"CFBundleExecutable": "Helper", "CFBundleIdentifier": ["not", "text"]}
    write_plist(mac.root / "Applications/Tools/Odd Helper.app/Contents/Info.plist", info, XML)
    result = read(mac)
    odd = InventoryItem(
        "macos_apps", EvidenceKind.INSTALLED,
        (("process", "Helper"), ("executable", "/Applications/Tools/Odd Helper.app/Contents/MacOS/Helper")),
        name="Odd Helper", location="/Applications/Tools/Odd Helper.app", details=(("kind", "macos_app"),),
    )
    assert result.items == ALL_APPS[:3] + (odd,) + ALL_APPS[3:]
    assert result.coverage.status == CoverageStatus.OK


def test_bundle_that_names_nothing_is_a_problem_not_an_invented_item(mac):
    write_plist(mac.root / "Applications/Empty.app/Contents/Info.plist", {"CFBundleName": "Empty"}, XML)
    result = read(mac)
    assert result.items == ALL_APPS
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert problems(result) == [("/Applications/Empty.app", "names neither a bundle identifier nor an executable")]


def test_bundle_without_info_plist_is_a_problem(mac):
    (mac.root / "Applications/NoInfo.app/Contents/MacOS").mkdir(parents=True)
    result = read(mac)
    assert result.items == ALL_APPS
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert problems(result) == [("/Applications/NoInfo.app/Contents/Info.plist", "the file is missing")]
    assert str(result.coverage.detail) == "/Applications/NoInfo.app/Contents/Info.plist: the file is missing"


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"\x00\x01 this is not a property list", "not a valid property list: Invalid file"),
        (plistlib.dumps(WECHAT_INFO, fmt=BINARY)[:-9], "not a valid property list: Invalid file"),
        (plistlib.dumps(WECHAT_INFO, fmt=XML)[:200], "not a valid property list: no element found: line 5, column 29"),
        (cyclic_info_plist(), "refers to itself in a loop; not read"),
        (deep_plist(5000), "nested too deeply to read"),
        (plistlib.dumps(["com.tencent.xinWeChat"], fmt=BINARY), "the top level is not a dictionary"),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE plist [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]>\n'
            b"<plist><dict><key>CFBundleIdentifier</key><string>&b;&b;&b;&b;</string></dict></plist>",
            "declares XML entities; not read",
        ),
        (  # the same bomb in UTF-16, which plistlib also reads
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE plist [<!ENTITY a "aaaa">]><plist><dict/></plist>'
            .encode("utf-16"),
            "declares XML entities; not read",
        ),
    ],
    ids=["garbage", "truncated-binary", "truncated-xml", "cyclic-binary", "deep-binary", "array", "entity-bomb",
         "entity-utf16"],
)
def test_broken_info_plist_is_a_problem_and_other_apps_remain(mac, content, reason):
    (mac.root / "Applications/WeChat.app/Contents/Info.plist").write_bytes(content)
    result = read(mac)
    assert result.items == tuple(item for item in ALL_APPS if item is not WECHAT)
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert problems(result) == [("/Applications/WeChat.app/Contents/Info.plist", reason)]


def test_info_plist_over_the_size_cap_is_not_read(mac):
    huge = dict(WECHAT_INFO, CFBundleDocumentTypes=[f"{number:04} {'x' * 1000}" for number in range(1100)])
    write_plist(mac.root / "Applications/WeChat.app/Contents/Info.plist", huge, BINARY)
    result = read(mac)
    assert WECHAT not in result.items and len(result.items) == 6
    assert problems(result) == [
        ("/Applications/WeChat.app/Contents/Info.plist", "file is larger than 1048576 bytes; not read")
    ]


def test_info_plist_that_is_a_fifo_is_refused_without_waiting(mac):
    info = mac.root / "Applications/WeChat.app/Contents/Info.plist"
    info.unlink()
    os.mkfifo(info)
    assert problems(read(mac)) == [("/Applications/WeChat.app/Contents/Info.plist", "not a regular file; not read")]


def test_non_utf8_bundle_name_is_a_problem(mac):
    os.mkdir(os.fsencode(mac.root / "Applications") + b"/Caf\xe9.app")
    result = read(mac)
    assert result.items == ALL_APPS
    assert problems(result) == [("/Applications/Caf\\xe9.app", "the name is not valid UTF-8; skipped")]


def test_link_loops_under_applications_are_problems_not_hangs(mac):
    applications = mac.root / "Applications"
    (applications / "Loop.app").symlink_to("Loop.app")
    (applications / "Everything").symlink_to(".")  # a folder link back to /Applications: not entered
    (applications / "Kaspersky Lab/Back").symlink_to("..")
    result = read(mac)
    assert result.items == ALL_APPS
    assert problems(result) == [("/Applications/Loop.app", "cannot read: Too many levels of symbolic links")]


def test_linked_bundle_is_read_once_under_the_first_name(mac):
    applications = mac.root / "Applications"
    app_bundle(mac.root / "opt/Tools", "Outside", info_plist("org.example.outside", "Outside", "1.0", "Outside"))
    (applications / "Outside.app").symlink_to("/opt/Tools/Outside.app")  # absolute: this disk's /opt
    (applications / "WeChat Copy.app").symlink_to("WeChat.app")
    (applications / "Gone.app").symlink_to("/nowhere/Gone.app")  # dangling: nothing installed there
    items = read(mac).items
    assert [item.location for item in items] == [
        "/Applications/Kaspersky Lab/Kaspersky Internet Security.app",
        "/Applications/Outside.app",
        "/Applications/TickTick.app",
        "/Applications/TikTok.app",
        "/Applications/WeChat Copy.app",
        "/Applications/wechatwebdevtools.app",
        "/Applications/企业微信.app",
        "/Users/alice/Applications/CapCut.app",
    ]
    assert items[1].identifiers[2] == ("executable", "/Applications/Outside.app/Contents/MacOS/Outside")


def test_user_applications_folder_that_loops(mac):
    alice = mac.root / "Users/alice/Applications"
    os.rename(alice, mac.root / "Users/alice/Old Applications")
    alice.symlink_to("Applications")
    result = read(mac)
    assert result.items == ALL_APPS[:-1]
    assert problems(result) == [("/Users/alice/Applications", "cannot read: Too many levels of symbolic links")]


def test_applications_that_loops_and_no_users_fails(tmp_path):
    target = macos_disk(tmp_path)
    (tmp_path / "Applications").symlink_to("Applications")
    result = read(target)
    assert result.coverage.status == CoverageStatus.FAILED
    assert str(result.coverage.detail) == "/Applications: cannot read: Too many levels of symbolic links"


def test_no_applications_folder_is_skipped(tmp_path):
    target = macos_disk(tmp_path)
    (tmp_path / "Users/alice").mkdir(parents=True)
    coverage = read(target).coverage
    assert (coverage.status, str(coverage.detail)) == (CoverageStatus.SKIPPED, "no Applications folder")


def test_unreadable_users_folder_asks_for_elevation(mac, deny_reading):
    deny_reading(mac.root / "Users")
    result = read(mac)
    assert result.items == ALL_APPS[:-1]
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert [(p.location, str(p.reason), p.elevation_helps) for p in result.coverage.problems] == [
        ("/Users", "permission denied", True)
    ]


def test_unreadable_home_asks_for_elevation(mac, deny_reading):
    app_bundle(mac.root / "Users/bob/Applications", "Notes", info_plist("org.example.notes", "Notes", "2", "Notes"))
    deny_reading(mac.root / "Users/bob")
    result = read(mac)
    assert result.items == ALL_APPS
    assert [(p.location, str(p.reason), p.elevation_helps) for p in result.coverage.problems] == [
        ("/Users/bob/Applications", "permission denied", True)
    ]


def test_ipad_app_in_a_users_folder_without_store_metadata(mac):
    ios_app(mac.root / "Users/alice/Applications", "TikTok", TIKTOK_INFO, None)
    tiktok = read(mac).items[-1]
    assert tiktok == app("com.zhiliaoapp.musically", "TikTok", "37.5.0", "/Users/alice/Applications/TikTok.app",
                         "TikTok", kind="ios_app", details=(("user", "alice"),))


def test_ipad_app_with_a_broken_info_plist_is_named_by_its_store_metadata(mac):
    (mac.root / "Applications/TikTok.app/Wrapper/TikTok.app/Info.plist").write_bytes(b"bplist00 broken")
    result = read(mac)
    tiktok = result.items[2]
    assert tiktok == InventoryItem(
        "macos_apps", EvidenceKind.INSTALLED, (("ios_bundle_id", "com.zhiliaoapp.musically"),),
        "TikTok", "TikTok Ltd.", "37.5.0", "/Applications/TikTok.app", (("kind", "ios_app"),),
    )
    assert problems(result) == [
        ("/Applications/TikTok.app/Wrapper/TikTok.app/Info.plist", "not a valid property list: Invalid file")
    ]


def test_ipad_wrapper_with_no_app_inside(mac):
    (mac.root / "Applications/Empty.app/Wrapper").mkdir(parents=True)
    write_plist(mac.root / "Applications/Empty.app/Wrapper/iTunesMetadata.plist", TIKTOK_METADATA)
    result = read(mac)
    assert result.items == ALL_APPS
    assert problems(result) == [("/Applications/Empty.app", "an iPhone or iPad app wrapper with no app inside")]


def test_cancelled_read_stops(mac):
    assert read(mac, cancelled=lambda: True).items == ()


FOUND = FoundBundle("/Applications/X.app", "/Applications/X.app/Contents/MacOS", "macos_app", ())
INFO_KEYS = ("CFBundleIdentifier", "CFBundleName", "CFBundleDisplayName", "CFBundleShortVersionString",
             "CFBundleVersion", "CFBundleExecutable")
PLIST_SCALARS = (
    st.text() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False) | st.booleans() | st.binary()
    | st.datetimes()
)
PLIST_VALUES = st.recursive(PLIST_SCALARS, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
                            max_leaves=20)


@given(st.dictionaries(st.sampled_from(INFO_KEYS) | st.text(), PLIST_VALUES))
def test_any_info_plist_gives_an_item_or_a_reason(info):
    item = application_item(FOUND, info_plist_facts(info))
    if isinstance(item, Message):
        assert str(item) == "names neither a bundle identifier nor an executable"
        return
    assert item.identifiers and all(value for _, value in item.identifiers)
    bundle_id = info.get("CFBundleIdentifier")
    if isinstance(bundle_id, str) and bundle_id.strip():
        assert item.identifiers[0] == ("macos_bundle_id", bundle_id.strip())
    assert item.name and item.location == "/Applications/X.app"


def test_executable_that_is_not_a_file_name_is_not_an_identifier():
    for executable in ("../../bin/sh", ".", "..", "a\x00b", "  "):
        facts = info_plist_facts({"CFBundleIdentifier": "org.example.x", "CFBundleExecutable": executable})
        assert application_item(FOUND, facts).identifiers == (("macos_bundle_id", "org.example.x"),)
