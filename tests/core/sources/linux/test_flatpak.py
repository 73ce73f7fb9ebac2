"""The flatpak source on installations laid out as flatpak lays them out, and on broken ones."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.messages import Message
from appwarden.core.sources.base import CoverageStatus, EvidenceKind, InventoryItem, ReadRequest, ScanTarget
from appwarden.core.sources.linux.flatpak import FlatpakApps, Metainfo, parse_metainfo

COMMIT = "5d6e0f5a1b8c0c2a9f3e47b1d2c6a8e90f1b2c3d4e5f60718293a4b5c6d7e8f9"
WECHAT_METADATA = b"""[Application]
name=com.tencent.WeChat
runtime=org.freedesktop.Platform/x86_64/23.08
sdk=org.freedesktop.Sdk/x86_64/23.08
command=wechat

[Context]
shared=network;ipc;
sockets=x11;wayland;pulseaudio;
devices=all;
filesystems=xdg-download;xdg-documents/WeChat_Data:create;

[Session Bus Policy]
org.freedesktop.Notifications=talk
org.kde.StatusNotifierWatcher=talk

[Extension com.tencent.WeChat.Locale]
directory=share/runtime/locale
autodelete=true
locale-subset=true
"""
WECHAT_METAINFO = """<?xml version="1.0" encoding="UTF-8"?>
<component type="desktop-application">
  <id>com.tencent.WeChat</id>
  <metadata_license>CC0-1.0</metadata_license>
  <project_license>LicenseRef-proprietary</project_license>
  <name>WeChat</name>
  <name xml:lang="zh_CN">微信</name>
  <summary>Free messaging and calling app</summary>
  <developer id="com.tencent">
    <name>Tencent</name>
  </developer>
  <launchable type="desktop-id">com.tencent.WeChat.desktop</launchable>
  <releases>
    <release version="4.0.1.11" date="2025-01-10"/>
    <release version="4.0.0.23" date="2024-11-25"/>
  </releases>
</component>
""".encode()
LOOKALIKE_METADATA = b"""[Application]
name=io.github.wechat_fan.WeChatHelper
runtime=org.gnome.Platform/x86_64/46
sdk=org.gnome.Sdk/x86_64/46
command=wechat-helper
"""
LOOKALIKE_APPDATA = b"""<?xml version="1.0" encoding="UTF-8"?>
<application>
  <id type="desktop">io.github.wechat_fan.WeChatHelper.desktop</id>
  <name>WeChat Helper</name>
  <developer_name>wechat_fan</developer_name>
  <releases>
    <release version="0.3.1" date="2023-05-02"/>
  </releases>
</application>
"""


def deploy(installation: Path, app_id: str, metadata: bytes, metainfo: tuple[str, bytes] | None = None,
           arch: str = "x86_64", branch: str = "stable") -> Path:
    """An app deployed as `flatpak install` leaves it: commit folder, `active` and `current` links."""
    app = installation / "app" / app_id
    commit = app / arch / branch / COMMIT
    (commit / "files/share/metainfo").mkdir(parents=True)
    (commit / "export/share/applications").mkdir(parents=True)
    (commit / "metadata").write_bytes(metadata)
    (commit / "deploy").write_bytes(b"\x00\x00\x00\x00(a{sv}as)\x00")  # a GVariant flatpak reads itself
    if metainfo is not None:
        file_name, content = metainfo
        (commit / "files/share/metainfo" / file_name).write_bytes(content)
    (app / arch / branch / "active").symlink_to(COMMIT)
    (app / "current").symlink_to(f"{arch}/{branch}")
    return commit


def read(root: Path, cancelled=lambda: False):
    return FlatpakApps().read(ReadRequest(ScanTarget(root, "linux", live=False), cancelled=cancelled))


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    deploy(tmp_path / "var/lib/flatpak", "com.tencent.WeChat", WECHAT_METADATA,
           ("com.tencent.WeChat.metainfo.xml", WECHAT_METAINFO))
    alice_installation = tmp_path / "home/alice/.local/share/flatpak"
    deploy(alice_installation, "io.github.wechat_fan.WeChatHelper", LOOKALIKE_METADATA,
           ("io.github.wechat_fan.WeChatHelper.appdata.xml", LOOKALIKE_APPDATA), branch="beta")
    return tmp_path


def flatpak_item(app_id, name, publisher, version, location, details) -> InventoryItem:
    identifiers = (("flatpak", app_id),)
    return InventoryItem("flatpak", EvidenceKind.INSTALLED, identifiers, name, publisher, version, location, details)


WECHAT_ITEM = flatpak_item(
    "com.tencent.WeChat", "WeChat", "Tencent", "4.0.1.11",
    "/var/lib/flatpak/app/com.tencent.WeChat/x86_64/stable",
    (("scope", "system"), ("arch", "x86_64"), ("branch", "stable"), ("runtime", "org.freedesktop.Platform/x86_64/23.08")),
)
LOOKALIKE_ITEM = flatpak_item(
    "io.github.wechat_fan.WeChatHelper", "WeChat Helper", "wechat_fan", "0.3.1",
    "/home/alice/.local/share/flatpak/app/io.github.wechat_fan.WeChatHelper/x86_64/beta",
    (("scope", "user"), ("user", "alice"), ("home", "/home/alice"))
    + (("arch", "x86_64"), ("branch", "beta"), ("runtime", "org.gnome.Platform/x86_64/46")),
)


def test_system_and_user_installations(installed):
    result = read(installed)
    assert result.items == (WECHAT_ITEM, LOOKALIKE_ITEM)
    assert result.coverage.status == CoverageStatus.OK
    assert str(result.coverage.detail) == "2 items read"


def test_no_flatpak_is_skipped(tmp_path):
    (tmp_path / "home/alice").mkdir(parents=True)
    coverage = read(tmp_path).coverage
    assert (coverage.status, str(coverage.detail)) == (CoverageStatus.SKIPPED, "no Flatpak installation")


def test_empty_installation_is_ok(tmp_path):
    (tmp_path / "var/lib/flatpak/app").mkdir(parents=True)
    result = read(tmp_path)
    assert (result.items, result.coverage.status) == ((), CoverageStatus.OK)


def test_metadata_that_is_not_utf8_still_reports_the_app(installed):
    commit = installed / "var/lib/flatpak/app/com.tencent.WeChat/x86_64/stable" / COMMIT
    (commit / "metadata").write_bytes(b"[Application]\nname=\xff\xfe\x00garbage")
    result = read(installed)
    assert [item.identifiers for item in result.items] == [WECHAT_ITEM.identifiers, LOOKALIKE_ITEM.identifiers]
    assert result.items[0].details == WECHAT_ITEM.details[:3]  # no runtime: the metadata was unreadable
    assert result.coverage.status == CoverageStatus.PARTIAL
    problem = result.coverage.problems[0]
    assert problem.location == "/var/lib/flatpak/app/com.tencent.WeChat/x86_64/stable/active/metadata"
    assert str(problem.reason) == "not UTF-8 text; not read"


def test_metadata_without_application_section(installed):
    commit = installed / "var/lib/flatpak/app/com.tencent.WeChat/x86_64/stable" / COMMIT
    (commit / "metadata").write_text("this is not a key file\n")
    result = read(installed)
    assert len(result.items) == 2
    assert [str(p.reason) for p in result.coverage.problems] == ["has no [Application] section"]


def test_broken_active_link_is_a_problem_and_other_apps_remain(installed):
    stable = installed / "var/lib/flatpak/app/com.tencent.WeChat/x86_64/stable"
    (stable / "active").unlink()
    (stable / "active").symlink_to("0000000000000000000000000000000000000000000000000000000000000000")
    result = read(installed)
    assert result.items == (LOOKALIKE_ITEM,)
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert [(p.location, str(p.reason)) for p in result.coverage.problems] == [
        ("/var/lib/flatpak/app/com.tencent.WeChat/x86_64/stable", "no active deployment")
    ]


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"<component><name>WeChat</name", "not valid XML: unclosed token: line 1, column 23"),
        (b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaa">]><component/>', "declares XML entities; not read"),
        (b"<html><body>404</body></html>", "not an AppStream component"),
        (
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE c [<!ENTITY a "aaaa">]><component/>'.encode("utf-16"),
            "not UTF-8 text; not read",
        ),
        (  # declared UTF-16, written UTF-8: read as the UTF-8 it is
            b'<?xml version="1.0" encoding="UTF-16"?><component><name>WeChat</name>',
            "not valid XML: no element found: line 1, column 69",
        ),
    ],
)
def test_broken_metainfo_is_a_problem(installed, content, reason):
    commit = installed / "var/lib/flatpak/app/com.tencent.WeChat/x86_64/stable" / COMMIT
    (commit / "files/share/metainfo/com.tencent.WeChat.metainfo.xml").write_bytes(content)
    result = read(installed)
    wechat = result.items[0]
    assert (wechat.name, wechat.version, wechat.publisher) == ("com.tencent.WeChat", "", "")
    assert [str(p.reason) for p in result.coverage.problems] == [reason]
    assert result.coverage.status == CoverageStatus.PARTIAL


def test_metainfo_over_the_size_cap_is_not_read(installed):
    commit = installed / "var/lib/flatpak/app/com.tencent.WeChat/x86_64/stable" / COMMIT
    (commit / "files/share/metainfo/com.tencent.WeChat.metainfo.xml").write_bytes(b" " * (1 << 20) + WECHAT_METAINFO)
    result = read(installed)
    assert result.items[0].version == ""
    assert [str(p.reason) for p in result.coverage.problems] == ["file is larger than 1048576 bytes; not read"]


def test_non_utf8_app_folder_name_is_a_problem(installed):
    apps = os.fsencode(installed / "var/lib/flatpak/app")
    os.mkdir(apps + b"/com.example.Caf\xe9")
    result = read(installed)
    assert result.items == (WECHAT_ITEM, LOOKALIKE_ITEM)
    assert [(p.location, str(p.reason)) for p in result.coverage.problems] == [
        ("/var/lib/flatpak/app/com.example.Caf\\xe9", "the name is not valid UTF-8; skipped")
    ]


def test_app_folder_that_loops_fails(tmp_path):
    # Tests run as root, which chmod 000 does not stop; a link loop is unreadable for everyone.
    (tmp_path / "var/lib/flatpak").mkdir(parents=True)
    (tmp_path / "var/lib/flatpak/app").symlink_to("app")
    result = read(tmp_path)
    assert result.coverage.status == CoverageStatus.FAILED
    assert str(result.coverage.detail) == "/var/lib/flatpak/app: cannot read: Too many levels of symbolic links"


def test_unreadable_installation_asks_for_elevation(installed, deny_reading):
    deny_reading(installed / "home/alice/.local/share/flatpak/app")
    result = read(installed)
    assert result.items == (WECHAT_ITEM,)
    assert [(p.location, str(p.reason), p.elevation_helps) for p in result.coverage.problems] == [
        ("/home/alice/.local/share/flatpak/app", "permission denied", True)
    ]


def test_cancelled_read_stops(installed):
    assert read(installed, cancelled=lambda: True).items == ()


def test_parse_metainfo_fields():
    assert parse_metainfo(WECHAT_METAINFO) == Metainfo("WeChat", "Tencent", "4.0.1.11")
    assert parse_metainfo(b"<component/>") == Metainfo()


@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_parse_metainfo_never_raises(data):
    assert isinstance(parse_metainfo(data), (Metainfo, Message))


@given(st.text(max_size=80), st.text(max_size=40))
def test_parse_metainfo_on_component_shaped_text(name, version):
    document = f'<component><name>{name}</name><releases><release version="{version}"/></releases></component>'
    assert isinstance(parse_metainfo(document.encode("utf-8", "surrogatepass")), (Metainfo, Message))
