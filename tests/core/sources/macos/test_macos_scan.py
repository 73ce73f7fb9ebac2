"""A whole check of a mounted macOS disk with the default pack: exactly TikTok, WeChat and Kaspersky,
each with its evidence, and nothing for their look-alikes."""

from __future__ import annotations

import shutil
from pathlib import Path

from appwarden.core.findings import Evidence
from appwarden.core.i18n import Translator
from appwarden.core.policy.loader import load_policies
from appwarden.core.reports import render_report
from appwarden.core.scan import run_scan
from appwarden.core.sources.base import CoverageStatus, EvidenceKind
from appwarden.core.target import make_target
from tests.core.sources.macos.macos_disk import example_mac

KAV = "/Library/Application Support/Kaspersky Lab/KAV/Binaries"
APP, SERVICE, LEFTOVER = EvidenceKind.INSTALLED, EvidenceKind.SERVICE, EvidenceKind.LEFTOVER
EXPECTED_EVIDENCE = {
    "tiktok": (
        Evidence("macos_apps", APP, "ios_bundle_id", "com.zhiliaoapp.musically", "/Applications/TikTok.app",
                 "37.5.0", "TikTok", (("kind", "ios_app"),)),
    ),
    "wechat": (
        Evidence("macos_apps", APP, "macos_bundle_id", "com.tencent.xinWeChat", "/Applications/WeChat.app",
                 "4.1.10.53", "WeChat", (("kind", "macos_app"),)),
        Evidence("homebrew_casks", APP, "homebrew_cask", "wechat", "/opt/homebrew/Caskroom/wechat",
                 "4.1.10.53,39917", "wechat"),
    ),
    "kaspersky": (
        Evidence("macos_apps", APP, "macos_bundle_id", "com.kaspersky.kav",
                 "/Applications/Kaspersky Lab/Kaspersky Internet Security.app", "21.0.12.453",
                 "Kaspersky Internet Security", (("kind", "macos_app"),)),
        Evidence("macos_launchd", SERVICE, "launchd_label", "com.kaspersky.kav",
                 "/Library/LaunchDaemons/com.kaspersky.kav.plist", "", "com.kaspersky.kav",
                 (("scope", "daemon"), ("program", f"{KAV}/kav"))),
        Evidence("macos_launchd", SERVICE, "launchd_label", "com.kaspersky.kav.gui",
                 "/Library/LaunchAgents/com.kaspersky.kav.gui.plist", "", "com.kaspersky.kav.gui",
                 (("scope", "agent"), ("program", f"{KAV}/kav_agent"))),
        # The job files are also leftover locations in the pack; the launchd source reported them already.
    ),
}


def scan(root: Path):
    return run_scan(make_target(root), load_policies())


def test_offline_mac_has_exactly_the_prohibited_apps(tmp_path):
    example_mac(tmp_path)
    result = scan(tmp_path)
    assert {finding.rule.id: finding.evidence for finding in result.findings} == EXPECTED_EVIDENCE
    assert [finding.rule.id for finding in result.findings] == ["tiktok", "wechat", "kaspersky"]
    coverage = {c.source: (c.status, str(c.detail)) for c in result.coverage}
    assert coverage["macos_apps"] == (CoverageStatus.OK, "7 items read")
    assert coverage["macos_launchd"] == (CoverageStatus.OK, "3 items read")
    assert coverage["homebrew_casks"] == (CoverageStatus.OK, "4 items read")
    assert result.complete


def test_look_alikes_alone_give_no_finding(tmp_path):
    example_mac(tmp_path)
    for prohibited in ("Applications/WeChat.app", "Applications/TikTok.app", "Applications/Kaspersky Lab",
                       "Library/LaunchDaemons", "Library/LaunchAgents", "opt/homebrew/Caskroom/wechat"):
        shutil.rmtree(tmp_path / prohibited)
    result = scan(tmp_path)
    assert result.findings == ()
    assert result.items_read == 4 + 1 + 3  # TickTick, WeCom, DevTools and CapCut; CapCut's agent; 3 casks


def test_reports_render_the_macos_evidence(tmp_path):
    example_mac(tmp_path)
    result = scan(tmp_path)
    text = render_report(result, "text", Translator("en"))
    assert "/Applications/TikTok.app" in text and "/opt/homebrew/Caskroom/wechat" in text
    for form in ("json", "html"):
        assert "com.kaspersky.kav.gui" in render_report(result, form, Translator("fr"))


def test_offline_mac_is_named_by_its_own_computer_name(tmp_path):
    import plistlib

    from tests.core.sources.macos.macos_disk import macos_disk

    preferences = tmp_path / "Library/Preferences/SystemConfiguration/preferences.plist"
    preferences.parent.mkdir(parents=True)
    preferences.write_bytes(plistlib.dumps({"System": {"System": {"ComputerName": "Help Desk Mac"}}}, fmt=plistlib.FMT_BINARY))
    assert macos_disk(tmp_path).hostname == "Help Desk Mac"
    preferences.write_bytes(b"garbage")
    assert macos_disk(tmp_path).hostname == ""
