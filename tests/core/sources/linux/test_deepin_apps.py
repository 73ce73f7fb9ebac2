"""deepin/UOS applications in /opt/apps: their info files, their own menu entries (which the
desktop-entry source reads from the app's folder), and WeCom's deepin package beside WeChat's."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.messages import Message
from appwarden.core.policy.loader import load_policies
from appwarden.core.scan import run_scan
from appwarden.core.sources.base import CoverageStatus, EvidenceKind, ReadRequest, ScanTarget
from appwarden.core.sources.linux.deepin_apps import DeepinAppInfo, DeepinApps, parse_info
from appwarden.core.sources.linux.desktop_entries import DesktopEntries

POLICIES = load_policies()


def deepin_app(root: Path, appid: str, name: str, version: str = "3.9.12.51deepin1", exec_line: str = "") -> Path:
    """An app laid out as deepin's application specification (and its packaging template) lays it out."""
    folder = root / "opt/apps" / appid
    (folder / "files").mkdir(parents=True)
    (folder / "files/run.sh").write_text("#!/bin/sh\n")
    (folder / "info").write_text(json.dumps({
        "appid": appid, "name": name, "version": version, "arch": ["amd64"],
        "permissions": {"autostart": False, "notification": False, "trayicon": True, "clipboard": True,
                        "account": False, "bluetooth": False, "camera": True, "audio_record": True, "installed_apps": False},
    }, indent=4))
    entries = folder / "entries/applications"
    entries.mkdir(parents=True)
    (entries / f"{appid}.desktop").write_text(
        f"[Desktop Entry]\nName={name}\nExec={exec_line or f'/opt/apps/{appid}/files/run.sh -u %u'}\nType=Application\nIcon={appid}\n"
    )
    return folder


def test_wechat_and_wecom_side_by_side(tmp_path):
    deepin_app(tmp_path, "com.qq.weixin.deepin", "WeChat")
    deepin_app(tmp_path, "com.qq.weixin.work.deepin", "WXWork", "4.1.22.6009deepin1")
    result = DeepinApps().read(ReadRequest(ScanTarget(tmp_path, "linux", live=False)))
    assert result.coverage.status == CoverageStatus.OK
    by_id = {item.identifiers[0][1]: item for item in result.items}
    wechat = by_id["com.qq.weixin.deepin"]
    assert (wechat.name, wechat.version, wechat.location) == ("WeChat", "3.9.12.51deepin1", "/opt/apps/com.qq.weixin.deepin")
    assert wechat.kind == EvidenceKind.INSTALLED
    assert wechat.details == (("architecture", "amd64"),)
    found = {f.rule.id: f for f in run_scan(ScanTarget(tmp_path, "linux", live=False), POLICIES).findings}
    assert list(found) == ["wechat"]
    sources = sorted((e.source, e.identifier) for e in found["wechat"].evidence)
    assert ("deepin_apps", "com.qq.weixin.deepin") in sources
    # The app's own menu entry is read from its folder, and names the app's program.
    assert ("desktop_entries", "com.qq.weixin.deepin") in sources
    assert all("work" not in identifier for _, identifier in sources)


def test_menu_entries_of_the_app_folder_are_read(tmp_path):
    deepin_app(tmp_path, "com.qq.weixin.deepin", "WeChat")
    result = DesktopEntries().read(ReadRequest(ScanTarget(tmp_path, "linux", live=False)))
    (entry,) = result.items
    assert entry.location == "/opt/apps/com.qq.weixin.deepin/entries/applications/com.qq.weixin.deepin.desktop"
    assert ("deepin_app", "com.qq.weixin.deepin") in entry.details
    assert ("executable", "/opt/apps/com.qq.weixin.deepin/files/run.sh") in entry.identifiers


def test_folder_without_info_is_named_by_its_folder_and_broken_info_is_a_problem(tmp_path):
    (tmp_path / "opt/apps/com.qq.weixin.spark/files").mkdir(parents=True)
    (tmp_path / "opt/apps/not-an-app").mkdir(parents=True)
    broken = deepin_app(tmp_path, "com.example.broken", "Broken")
    (broken / "info").write_text("{not json")
    result = DeepinApps().read(ReadRequest(ScanTarget(tmp_path, "linux", live=False)))
    names = {item.identifiers: item for item in result.items}
    assert (("deepin_app", "com.qq.weixin.spark"),) in names
    assert names[(("deepin_app", "com.qq.weixin.spark"),)].details == (("info", "missing"),)
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert str(result.coverage.detail) == "/opt/apps/com.example.broken/info: not a valid info file (JSON); not read"


def test_info_naming_another_appid_gives_both(tmp_path):
    folder = deepin_app(tmp_path, "com.qq.weixin.deepin", "WeChat")
    renamed = folder.parent / "weixin"
    folder.rename(renamed)
    result = DeepinApps().read(ReadRequest(ScanTarget(tmp_path, "linux", live=False)))
    (item,) = result.items
    assert item.identifiers == (("deepin_app", "weixin"), ("deepin_app", "com.qq.weixin.deepin"))


def test_no_apps_folder_is_skipped(tmp_path):
    result = DeepinApps().read(ReadRequest(ScanTarget(tmp_path, "linux", live=False)))
    assert result.coverage.status == CoverageStatus.SKIPPED


def test_info_fields_of_the_wrong_type_are_passed_over():
    info = parse_info(json.dumps({"appid": "com.x.y", "name": ["x"], "version": 3, "arch": "amd64"}).encode())
    assert info == DeepinAppInfo("com.x.y")
    assert isinstance(parse_info(b'{"name": "no id"}'), Message)
    assert isinstance(parse_info(b"[" * 100_000), Message)


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
                    max_leaves=10)


@given(st.dictionaries(st.sampled_from(["appid", "name", "version", "arch", "permissions"]), JSON, max_size=5) | JSON)
def test_any_json_gives_an_info_or_a_reason(value):
    info = parse_info(json.dumps(value).encode())
    assert isinstance(info, (DeepinAppInfo, Message))
    if isinstance(info, DeepinAppInfo):
        assert info.appid and all(isinstance(a, str) for a in info.architectures)


@given(st.binary(max_size=200))
def test_any_bytes_give_an_info_or_a_reason(data):
    assert isinstance(parse_info(data), (DeepinAppInfo, Message))
