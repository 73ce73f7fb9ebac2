"""Leftover locations from rules: expanded per user, globbed, reported where they exist."""

from __future__ import annotations


from appwarden.core.sources.base import CoverageLog, CoverageStatus, EvidenceKind, LeftoverLocation, ReadRequest, ScanTarget
from appwarden.core.sources.leftovers import RuleLeftovers, expand_template


def expanded(target: ScanTarget, template: str) -> list:
    return [candidate.path for candidate in expand_template(target, template, CoverageLog("test", target))]


def test_home_templates_expand_for_every_user_and_root(tmp_path):
    for user in ("alice", "bob"):
        (tmp_path / "home" / user).mkdir(parents=True)
    (tmp_path / "root").mkdir()
    target = ScanTarget(tmp_path, "linux", live=False)
    assert expanded(target, "{home}/.xwechat") == [
        tmp_path / "home/alice/.xwechat",
        tmp_path / "home/bob/.xwechat",
        tmp_path / "root/.xwechat",
    ]
    assert expanded(target, "opt/wechat") == [tmp_path / "opt/wechat"]


def test_windows_folders(tmp_path):
    (tmp_path / "Users/Ana").mkdir(parents=True)
    target = ScanTarget(tmp_path, "windows", live=False)
    assert expanded(target, "{program_files_x86}/Tencent/WeChat") == [tmp_path / "Program Files (x86)/Tencent/WeChat"]
    assert expanded(target, "{app_data}/Tencent/WeChat") == [tmp_path / "Users/Ana/AppData/Roaming/Tencent/WeChat"]


def test_existing_locations_become_leftover_items(tmp_path):
    (tmp_path / "home/alice/.xwechat").mkdir(parents=True)
    (tmp_path / "opt/kaspersky/kesl").mkdir(parents=True)
    (tmp_path / "opt/kasperskyish").mkdir(parents=True)
    target = ScanTarget(tmp_path, "linux", live=False)
    locations = (
        LeftoverLocation("wechat", "linux", "{home}/.xwechat"),
        LeftoverLocation("kaspersky", "linux", "opt/kaspersky/*"),
        LeftoverLocation("kaspersky", "windows", "{program_data}/Kaspersky Lab"),
    )
    result = RuleLeftovers().read(ReadRequest(target, locations))
    assert [(i.location, i.identifiers) for i in result.items] == [
        ("/home/alice/.xwechat", (("leftover", "wechat:{home}/.xwechat"),)),
        ("/opt/kaspersky/kesl", (("leftover", "kaspersky:opt/kaspersky/*"),)),
    ]
    assert all(i.kind == EvidenceKind.LEFTOVER and dict(i.details)["type"] == "folder" for i in result.items)
    assert result.coverage.status == CoverageStatus.OK


def test_symlink_loop_is_reported_not_followed(tmp_path):
    (tmp_path / "opt").mkdir()
    (tmp_path / "opt/loop").symlink_to("loop")
    target = ScanTarget(tmp_path, "linux", live=False)
    (tmp_path / "opt/kept").mkdir()
    locations = (LeftoverLocation("x", "linux", "opt/loop/data"), LeftoverLocation("x", "linux", "opt/kept"))
    result = RuleLeftovers().read(ReadRequest(target, locations))
    assert [i.location for i in result.items] == ["/opt/kept"]
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert "Too many levels of symbolic links" in str(result.coverage.detail)


def test_no_locations_for_this_platform_is_skipped(tmp_path):
    target = ScanTarget(tmp_path, "macos", live=False)
    result = RuleLeftovers().read(ReadRequest(target, (LeftoverLocation("x", "linux", "opt/x"),)))
    assert result.coverage.status == CoverageStatus.SKIPPED


def test_windows_names_match_in_any_case_and_patterns_too(tmp_path):
    (tmp_path / "program files (x86)/TENCENT/wechat").mkdir(parents=True)
    (tmp_path / "Users/ana/appdata/local/packages/bytedancepte.ltd.tiktok_6yccndn6064se").mkdir(parents=True)
    target = ScanTarget(tmp_path, "windows", live=False)
    locations = (
        LeftoverLocation("wechat", "windows", "{program_files_x86}/Tencent/WeChat"),
        LeftoverLocation("tiktok", "windows", "{local_app_data}/Packages/BytedancePte.Ltd.TikTok_*"),
    )
    result = RuleLeftovers().read(ReadRequest(target, locations))
    assert [i.location for i in result.items] == [
        r"C:\program files (x86)\TENCENT\wechat",
        r"C:\Users\ana\appdata\local\packages\bytedancepte.ltd.tiktok_6yccndn6064se",
    ]


def test_linux_names_are_case_sensitive(tmp_path):
    (tmp_path / "opt/WeChat").mkdir(parents=True)
    target = ScanTarget(tmp_path, "linux", live=False)
    result = RuleLeftovers().read(ReadRequest(target, (LeftoverLocation("wechat", "linux", "opt/wechat"),)))
    assert result.items == ()
