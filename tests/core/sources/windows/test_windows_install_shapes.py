"""Windows installs with no uninstall entry: shortcuts (real .lnk files, written by pylnk3 and
captured ones), Scoop and Chocolatey folders laid out as those tools lay them out, vendor registry
keys added to real hives with hivexsh, and Russian and Chinese names; look-alikes beside each."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appwarden.core.messages import Message
from appwarden.core.policy.loader import load_policies
from appwarden.core.scan import run_scan, sought_identifiers
from appwarden.core.sources.base import CoverageStatus, EvidenceKind, InventoryItem, ReadRequest, ScanTarget
from appwarden.core.sources.windows.chocolatey import ChocolateyPackages, Nuspec, parse_nuspec
from appwarden.core.sources.windows.key_paths import KeyPath, parse_key_path
from appwarden.core.sources.windows.registry_keys import WindowsRegistryKeys
from appwarden.core.sources.windows.scoop import ScoopApps, manifest_programs, parse_scoop_json
from appwarden.core.sources.windows.shell_link import ShellLink, parse_shell_link
from appwarden.core.sources.windows.shortcuts import WindowsShortcuts, expanded
from appwarden.core.matching.index import RuleIndex
from tests.conftest import FIXTURES
from tests.core.sources.windows.windows_disk import add_entry, add_keys, hivex_edit

POLICIES = load_policies()
INDEX = RuleIndex(POLICIES)
LNK = FIXTURES / "lnk"


def request(disk: Path) -> ReadRequest:
    return ReadRequest(ScanTarget(disk, "windows", live=False), sought=sought_identifiers(POLICIES))


def findings(disk: Path) -> dict[str, tuple]:
    return {f.rule.id: f.evidence for f in run_scan(ScanTarget(disk, "windows", live=False), POLICIES).findings}


def rules_of(item: InventoryItem) -> set[str]:
    return {match.rule.id for match in INDEX.matches(item)}


def shortcut(path: Path, target: str, arguments: str = "", description: str = "") -> Path:
    pylnk3 = pytest.importorskip("pylnk3", reason="pylnk3 writes the test shortcuts (pip install -e '.[test]')")
    path.parent.mkdir(parents=True, exist_ok=True)
    pylnk3.for_file(target, str(path), arguments=arguments or None, description=description or None,
                    work_dir=target.rpartition("\\")[0])
    return path


def touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"MZ")


# --- shortcuts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name, target, arguments", [
    ("microsoft_example", r"C:\test\a.txt", ""),
    ("sample10", r"C:\Program Files (x86)\HDZB_USBKEY_NEW1G\HDZB_USBKEY_NEW1G.exe", ""),
    ("broken_link_info", r"C:\Program Files\xt\xt.exe", ""),
    ("decoding_error2", r"C:\Windows\System32\cmd.exe", r"/C .\WindowsServices\movemenoreg.vbs"),
    # Made on a Chinese Windows: its link info's path is in GBK, which cannot be told from the
    # file; the ID list's Unicode long names spell it right.
    ("sample6", r"C:\Youdao\ShoppingAssistant\ie\4.4\播放器正在加载（拦截请允许）.exe", "/vendor:youdao%20/P%20%22C:/Youdao/ShoppingAssistant/ie/4.4"),
    # Its link info names the share (\\10.0.0.150\LMmetal) in the ANSI code page of the computer
    # that made it; its ID list spells the same file, in Unicode, through the mapped drive Z:.
    ("network_info", r"Z:\A - LM METAL LIFT\01.OBCHOD - BROŽURY - Prodejní a technické informace o produktech"
                     r"\ETN\ETN-Katalog-ENG\Katalog ETN 10_2017\Lift-programme\ETN-lift programme 2017.pdf", ""),
])
def test_captured_shortcuts(name, target, arguments):
    link = parse_shell_link((LNK / name).read_bytes())
    assert isinstance(link, ShellLink)
    assert (link.target, link.arguments) == (target, arguments)


def test_shortcut_written_by_pylnk3_names_its_target_through_the_id_list(tmp_path):
    path = shortcut(tmp_path / "wx.lnk", r"C:\Program Files\Tencent\Weixin\Weixin.exe", "--from-desktop", "WeChat")
    link = parse_shell_link(path.read_bytes())
    assert link == ShellLink(r"C:\Program Files\Tencent\Weixin\Weixin.exe", "--from-desktop", r"C:\Program Files\Tencent\Weixin",
                             description="WeChat")


def test_start_menu_desktop_and_scoop_shortcuts(windows_disk):
    touch(windows_disk / "Program Files/Tencent/Weixin/Weixin.exe")
    touch(windows_disk / "Users/ana/scoop/apps/wechat/4.1.9.57/Weixin.exe")
    touch(windows_disk / "Program Files (x86)/WXWork/WXWork.exe")
    menu = windows_disk / "ProgramData/Microsoft/Windows/Start Menu/Programs"
    shortcut(menu / "Weixin/Weixin.lnk", r"C:\Program Files\Tencent\Weixin\Weixin.exe")
    shortcut(menu / "企业微信/企业微信.lnk", r"C:\Program Files (x86)\WXWork\WXWork.exe")
    shortcut(windows_disk / "Users/ana/Desktop/微信.lnk", r"C:\Program Files (x86)\Tencent\WeChat\WeChat.exe")
    user_menu = windows_disk / "Users/ana/AppData/Roaming/Microsoft/Windows/Start Menu/Programs"
    shortcut(user_menu / "Scoop Apps/WeChat.lnk", r"C:\Users\ana\scoop\apps\wechat\4.1.9.57\Weixin.exe")
    shortcut(user_menu / "TickTick.lnk", r"C:\Program Files\TickTick\TickTick.exe")
    result = WindowsShortcuts().read(request(windows_disk))
    assert result.coverage.status == CoverageStatus.OK
    by_name = {item.name: item for item in result.items}
    assert sorted(by_name) == ["TickTick", "WeChat", "Weixin", "企业微信", "微信"]
    assert by_name["Weixin"].kind == EvidenceKind.INSTALLED
    assert by_name["Weixin"].location == r"C:\ProgramData\Microsoft\Windows\Start Menu\Programs\Weixin\Weixin.lnk"
    # The target is gone: the shortcut is what an uninstall left behind.
    assert by_name["微信"].kind == EvidenceKind.LEFTOVER
    assert dict(by_name["微信"].details)["target_exists"] == "no"
    assert dict(by_name["WeChat"].details)["user"] == "ana"
    assert rules_of(by_name["Weixin"]) == rules_of(by_name["微信"]) == rules_of(by_name["WeChat"]) == {"wechat"}
    assert rules_of(by_name["企业微信"]) == rules_of(by_name["TickTick"]) == set()


def test_a_damaged_shortcut_is_a_problem_and_the_others_are_read(windows_disk):
    menu = windows_disk / "ProgramData/Microsoft/Windows/Start Menu/Programs"
    shortcut(menu / "Weixin.lnk", r"C:\Program Files\Tencent\Weixin\Weixin.exe")
    data = (LNK / "sample10").read_bytes()
    (menu / "cut.lnk").write_bytes(data[:120])
    (menu / "not.lnk").write_bytes(b"plain text")
    result = WindowsShortcuts().read(request(windows_disk))
    assert [item.name for item in result.items] == ["Weixin"]
    reasons = sorted(str(problem.reason) for problem in result.coverage.problems)
    assert reasons == ["not a Windows shortcut (.lnk) file", "the shortcut is damaged: a field of 415 bytes at 78 runs past the end (120 bytes)"]


def test_environment_variables_in_targets():
    assert expanded(r"%ProgramFiles%\Tencent\Weixin\Weixin.exe") == r"C:\Program Files\Tencent\Weixin\Weixin.exe"
    assert expanded(r"%LOCALAPPDATA%\x.exe", r"C:\Users\ana") == r"C:\Users\ana\AppData\Local\x.exe"
    assert expanded(r"%UNKNOWN%\x.exe") == r"%UNKNOWN%\x.exe"


@settings(max_examples=300)
@given(st.binary(max_size=600))
def test_any_bytes_give_a_link_or_a_reason(data):
    assert isinstance(parse_shell_link(data), (ShellLink, Message))


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=458), st.binary(min_size=1, max_size=8))
def test_a_damaged_real_shortcut_gives_a_link_or_a_reason(at, garbage):
    data = bytearray((LNK / "microsoft_example").read_bytes())
    data[at:at + len(garbage)] = garbage
    assert isinstance(parse_shell_link(bytes(data)), (ShellLink, Message))


# --- Scoop and Chocolatey ----------------------------------------------------------------------


def scoop_app(root: Path, name: str, version: str, manifest: dict, bucket: str = "extras") -> Path:
    app = root / "apps" / name
    folder = app / version
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=4), encoding="utf-8")
    (folder / "install.json").write_text(json.dumps({"architecture": "64bit", "bucket": bucket}), encoding="utf-8")
    (app / "current").symlink_to(version)  # a directory junction on Windows; a link to the version here
    return app


WECHAT_MANIFEST = {  # the shape of ScoopInstaller/Extras bucket/wechat.json
    "version": "4.1.9.57", "description": "A free messaging and calling app", "homepage": "https://weixin.qq.com/",
    "license": {"identifier": "Freeware"}, "url": "https://dldir1v6.qq.com/weixin/Universal/Windows/WeChatWin.exe#/dl.7z",
    "shortcuts": [["Weixin.exe", "WeChat"]], "persist": "xwechat_files",
}


def test_scoop_apps_per_user_and_global(windows_disk):
    scoop_app(windows_disk / "Users/ana/scoop", "wechat", "4.1.9.57", WECHAT_MANIFEST)
    scoop_app(windows_disk / "Users/ana/scoop", "wecom", "4.1.22", {"version": "4.1.22", "shortcuts": [["WXWork.exe", "WeCom"]]})
    scoop_app(windows_disk / "ProgramData/scoop", "kvrt", "2024", {"version": "2024", "bin": "KVRT.exe"}, bucket="nonportable")
    result = ScoopApps().read(request(windows_disk))
    by_name = {item.name: item for item in result.items}
    assert sorted(by_name) == ["kvrt", "wechat", "wecom"]
    wechat = by_name["wechat"]
    assert wechat.identifiers == (("scoop", "wechat"), ("process", "Weixin.exe"))
    assert (wechat.version, wechat.location) == ("4.1.9.57", r"C:\Users\ana\scoop\apps\wechat")
    assert dict(wechat.details)["bucket"] == "extras" and dict(wechat.details)["user"] == "ana"
    assert dict(by_name["kvrt"].details)["scope"] == "machine"
    assert [rules_of(by_name[name]) for name in ("wechat", "wecom", "kvrt")] == [{"wechat"}, set(), set()]


def test_scoop_manifest_damaged_is_a_problem(windows_disk):
    app = scoop_app(windows_disk / "Users/ana/scoop", "wechat", "4.1.9.57", WECHAT_MANIFEST)
    (app / "4.1.9.57/manifest.json").write_text("{", encoding="utf-8")
    result = ScoopApps().read(request(windows_disk))
    assert [item.identifiers for item in result.items] == [(("scoop", "wechat"),)]
    assert str(result.coverage.detail).endswith("manifest.json: not valid JSON; not read")


NUSPEC = """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2015/06/nuspec.xsd">
  <metadata>
    <id>{id}</id>
    <version>{version}</version>
    <title>{title}</title>
    <authors>{authors}</authors>
    <projectUrl>https://example.org/</projectUrl>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
  </metadata>
</package>
"""


def choco_package(disk: Path, package_id: str, version: str, title: str, authors: str) -> None:
    folder = disk / "ProgramData/chocolatey/lib" / package_id
    (folder / "tools").mkdir(parents=True)
    text = NUSPEC.format(id=package_id, version=version, title=title, authors=authors)
    (folder / f"{package_id}.nuspec").write_text(text, encoding="utf-8")


def test_chocolatey_packages(windows_disk):
    choco_package(windows_disk, "wechat", "3.9.6.33", "WeChat", "Tencent Inc.")
    choco_package(windows_disk, "wecom", "4.1.22", "WeCom", "Tencent")
    choco_package(windows_disk, "kvrt", "2017.05.08.0734", "Kaspersky Virus Removal Tool", "Kaspersky Lab")
    result = ChocolateyPackages().read(request(windows_disk))
    by_id = {item.identifiers[0][1]: item for item in result.items}
    assert sorted(by_id) == ["kvrt", "wechat", "wecom"]
    assert (by_id["wechat"].name, by_id["wechat"].version, by_id["wechat"].publisher) == ("WeChat", "3.9.6.33", "Tencent Inc.")
    assert by_id["wechat"].location == r"C:\ProgramData\chocolatey\lib\wechat"
    # Kaspersky's removal tool is named like the suite, by Kaspersky: the look-alike wins.
    assert [rules_of(by_id[name]) for name in ("wechat", "wecom", "kvrt")] == [{"wechat"}, set(), set()]


def test_nuspec_with_entities_is_not_read():
    bomb = b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]><package><metadata><id>&a;</id></metadata></package>'
    assert parse_nuspec(bomb) == Message.of("declares a document type or XML entities; not read")
    assert parse_nuspec(NUSPEC.format(id="x", version="1", title="X", authors="A").encode()) == Nuspec("x", "1", "X", "A")


@given(st.binary(max_size=300) | st.text(max_size=200).map(str.encode))
def test_any_bytes_give_a_nuspec_or_a_reason(data):
    assert isinstance(parse_nuspec(data), (Nuspec, Message))


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["bin", "shortcuts", "version", "x"]), inner, max_size=3),
                    max_leaves=12))
def test_any_manifest_gives_program_names(value):
    parsed = parse_scoop_json(json.dumps(value).encode())
    if isinstance(parsed, dict):
        assert all(isinstance(name, str) and "\\" not in name for name in manifest_programs(parsed))


# --- registry keys -----------------------------------------------------------------------------


@pytest.fixture
def disk_with_vendor_keys(windows_disk: Path) -> Path:
    software = windows_disk / "Windows/System32/config/SOFTWARE"
    hivex_edit(
        software,
        add_keys(r"\Wow6432Node", ["KasperskyLab", "AVP21.3"]),
        add_entry(r"\Wow6432Node\KasperskyLab\AVP21.3", "environment",
                  {"ProductRoot": r"C:\Program Files (x86)\Kaspersky Lab\Kaspersky 21.3\\", "ProductName": "Kaspersky Total Security"}),
    )
    ntuser = windows_disk / "Users/ana/NTUSER.DAT"
    hivex_edit(
        ntuser,
        add_keys(r"\Software", ["Tencent"]),
        add_entry(r"\Software\Tencent", "WeChat", {"InstallPath": r"C:\Program Files (x86)\Tencent\WeChat", "FileSavePath": "MyDocument:"}),
        add_entry(r"\Software\Tencent", "WXWork", {"Executable": r"C:\Program Files (x86)\WXWork\WXWork.exe"}),
    )
    return windows_disk


def test_vendor_keys_are_leftovers_in_the_machine_and_user_hives(disk_with_vendor_keys):
    result = WindowsRegistryKeys().read(request(disk_with_vendor_keys))
    assert result.coverage.status == CoverageStatus.OK
    by_location = {item.location: item for item in result.items}
    assert sorted(by_location) == [r"HKLM\SOFTWARE\Wow6432Node\KasperskyLab", r"HKU\ana\Software\Tencent\WeChat"]
    kaspersky = by_location[r"HKLM\SOFTWARE\Wow6432Node\KasperskyLab"]
    assert kaspersky.kind == EvidenceKind.LEFTOVER
    assert kaspersky.identifiers == (("windows_registry_key", r"HKLM\SOFTWARE\Wow6432Node\KasperskyLab"),)
    wechat = by_location[r"HKU\ana\Software\Tencent\WeChat"]
    assert wechat.identifiers == (("windows_registry_key", r"HKCU\Software\Tencent\WeChat"),)
    assert dict(wechat.details) == {"user": "ana", "InstallPath": r"C:\Program Files (x86)\Tencent\WeChat", "FileSavePath": "MyDocument:"}
    assert rules_of(kaspersky) == {"kaspersky"} and rules_of(wechat) == {"wechat"}
    found = findings(disk_with_vendor_keys)
    assert any(e.source == "windows_registry_keys" and e.kind == EvidenceKind.LEFTOVER for e in found["kaspersky"])


def test_key_paths():
    assert parse_key_path(r"HKLM\SOFTWARE\KasperskyLab") == KeyPath(False, ("KasperskyLab",))
    assert parse_key_path(r"hkcu\Software\Tencent\WeChat") == KeyPath(True, ("Software", "Tencent", "WeChat"))
    for bad in (r"HKLM\SYSTEM\x", r"HKLM\SOFTWARE\\", r"HKCU\Software\*", "Software\\Tencent", r"HKCU\a\\b", r"HKLM\SOFTWARE\a/b"):
        assert parse_key_path(bad) is None, bad


@given(st.text(max_size=60))
def test_any_text_is_a_key_path_or_none(text):
    key = parse_key_path(text)
    assert key is None or (key.parts and all(key.parts))


def test_a_pack_key_that_is_not_an_exact_path_is_refused(tmp_path):
    from appwarden.core.errors import PolicyError

    pack = (FIXTURES / "policies/minimal.toml").read_text().replace(
        'identifiers = { deb = ["fakeapp"]', "identifiers = { windows_registry_key = ['HKLM\\SOFTWARE\\Vendor*'], deb = [\"fakeapp\"]", 1
    )
    assert "Vendor*" in pack
    (tmp_path / "p.toml").write_text(pack)
    with pytest.raises(PolicyError, match="must be one exact key path"):
        load_policies([tmp_path / "p.toml"], include_default=False)


# --- localised names ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, publisher, expected", [
    # spo0okie/arms_inventory docs/help/models/comps/raw_soft.md: a real Russian inventory
    ("Kaspersky Endpoint Security для Windows", 'АО "Лаборатория Касперского"', {"kaspersky"}),
    ("Агент администрирования Kaspersky Security Center", '"Лаборатория Касперского"', {"kaspersky"}),
    ("Kaspersky Endpoint Security 12 для Windows", "АО «Лаборатория Касперского»", {"kaspersky"}),
    ("Kaspersky Virus Removal Tool", 'АО "Лаборатория Касперского"', set()),
    ("Агент администрирования Kaspersky Security Center", "Другая компания", set()),
    ("微信（测试版）", "腾讯科技(深圳)有限公司", {"wechat"}),
    ("微信", "騰訊科技(深圳)有限公司", {"wechat"}),
    ("企业微信", "腾讯科技(深圳)有限公司", set()),
    ("TikTok", "北京字节跳动网络技术有限公司", {"tiktok"}),
    ("抖音", "北京字节跳动网络技术有限公司", set()),
    ("Douyin", "Beijing Microlive Vision Technology Co., Ltd.", set()),
    ("Lark", "北京字节跳动网络技术有限公司", set()),
    ("Feishu", "北京字節跳動網絡技術有限公司", set()),
    ("TikTok LIVE Studio", "北京字节跳动网络技术有限公司", set()),
    ("QQ", "腾讯科技(深圳)有限公司", set()),
])
def test_localised_names_and_publishers(name, publisher, expected):
    item = InventoryItem("windows_uninstall", EvidenceKind.INSTALLED, (("windows_uninstall_key", "{X}"),), name=name, publisher=publisher)
    assert rules_of(item) == expected


def test_the_shipped_look_alikes_stay_unflagged_by_every_new_source(windows_disk):
    shutil.rmtree(windows_disk / "Program Files/WindowsApps")  # the fixture's TikTok Store app
    for name in ("TickTick", "TikTok LIVE Studio", "Douyin", "Lark", "QQ", "WeCom"):
        shortcut(windows_disk / f"Users/ana/Desktop/{name}.lnk", rf"C:\Program Files\{name}\{name}.exe")
    scoop_app(windows_disk / "Users/ana/scoop", "lark", "7.0", {"version": "7.0", "shortcuts": [["Lark.exe", "Lark"]]})
    choco_package(windows_disk, "feishu", "7.0", "Feishu", "Beijing Feishu Technology Co., Ltd.")
    found = findings(windows_disk)
    flagged = {e.source for evidence in found.values() for e in evidence}
    assert not flagged & {"windows_shortcuts", "scoop", "chocolatey"}
