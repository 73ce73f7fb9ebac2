"""A whole check of a mounted Windows disk with the default pack: exactly TikTok, WeChat and
Kaspersky, each with its evidence, and nothing for WeCom, TickTick or CapCut."""

from __future__ import annotations

from appwarden.core.findings import Evidence
from appwarden.core.policy.loader import load_policies
from appwarden.core.scan import run_scan
from appwarden.core.sources.base import CoverageStatus, EvidenceKind
from appwarden.core.target import make_target
from tests.core.sources.windows.windows_disk import KES_CODE, TIKTOK_BUNDLE, TIKTOK_FAMILY, TIKTOK_FULL, TIKTOK_RESOURCES

APP, SERVICE, LEFTOVER = EvidenceKind.INSTALLED, EvidenceKind.SERVICE, EvidenceKind.LEFTOVER
APPS = r"C:\Program Files\WindowsApps"
PACKAGES = r"C:\Users\ana\AppData\Local\Packages"
SERVICES = r"HKLM\SYSTEM\ControlSet001\Services"
APPS_PATTERN = "{program_files}/WindowsApps/BytedancePte.Ltd.TikTok_*"
PACKAGES_PATTERN = "{local_app_data}/Packages/BytedancePte.Ltd.TikTok_*"


def leftover(pattern: str, location: str, name: str) -> Evidence:
    return Evidence("leftovers", LEFTOVER, "leftover", f"tiktok:{pattern}", location, "", name,
                    (("type", "folder"), ("pattern", pattern)))


EXPECTED_EVIDENCE = {
    "tiktok": (
        Evidence("windows_store", APP, "msix", "BytedancePte.Ltd.TikTok", rf"{APPS}\{TIKTOK_FULL}", "37.4.1.0", "TikTok",
                 (("scope", "machine"), ("package_family_name", TIKTOK_FAMILY), ("package_full_name", TIKTOK_FULL),
                  ("architecture", "x64"))),
        Evidence("windows_store", APP, "msix", "BytedancePte.Ltd.TikTok", rf"{PACKAGES}\{TIKTOK_FAMILY}", "37.4.1.0",
                 "TikTok", (("scope", "user"), ("user", "ana"), ("package_family_name", TIKTOK_FAMILY),
                            ("package_full_name", TIKTOK_FULL))),
        leftover(APPS_PATTERN, rf"{APPS}\{TIKTOK_RESOURCES}", TIKTOK_RESOURCES),
        leftover(APPS_PATTERN, rf"{APPS}\{TIKTOK_BUNDLE}", TIKTOK_BUNDLE),
        # The package's own folders were reported by the Store source: not repeated as leftovers.
    ),
    "wechat": (
        Evidence("windows_uninstall", APP, "windows_uninstall_key", "WeChat",
                 r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\WeChat", "3.9.12.51", "微信",
                 (("view", "32-bit"), ("scope", "machine"),
                  ("install_location", r"C:\Program Files (x86)\Tencent\WeChat"),
                  ("uninstall_string", r'"C:\Program Files (x86)\Tencent\WeChat\Uninstall.exe"'))),
    ),
    "kaspersky": (
        Evidence("windows_uninstall", APP, "windows_uninstall_key", KES_CODE,
                 rf"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\{KES_CODE}", "12.4.0.467",
                 "Kaspersky Endpoint Security for Windows",
                 (("view", "64-bit"), ("scope", "machine"),
                  ("install_location", "C:\\Program Files (x86)\\Kaspersky Lab\\KES.12.4.0\\"),
                  ("uninstall_string", f"MsiExec.exe /X{KES_CODE}"), ("system_component", "0"))),
        Evidence("windows_services", SERVICE, "windows_service", "AVP21.3", rf"{SERVICES}\AVP21.3", "",
                 "Kaspersky Anti-Virus Service 21.3",
                 (("type", "own process"), ("start", "automatic"),
                  ("image_path", r'"C:\Program Files (x86)\Kaspersky Lab\Kaspersky 21.3\avp.exe" -r'))),
        Evidence("windows_services", SERVICE, "windows_service", "klif", rf"{SERVICES}\klif", "", "klif",
                 (("type", "file system driver"), ("start", "boot"), ("image_path", r"system32\DRIVERS\klif.sys"))),
    ),
}
LOOKALIKES = ("企业微信", "WXWork", "TickTick", "CapCut")


def test_windows_disk_findings_are_exactly_the_banned_apps(windows_disk):
    target = make_target(windows_disk)
    assert (target.os, target.live) == ("windows", False)
    result = run_scan(target, load_policies())
    assert {finding.rule.id: finding.evidence for finding in result.findings} == EXPECTED_EVIDENCE
    assert [finding.rule.id for finding in result.findings] == ["tiktok", "wechat", "kaspersky"]
    for finding in result.findings:
        for evidence in finding.evidence:
            assert not any(name in repr(evidence) for name in LOOKALIKES), evidence
    coverage = {c.source: c.status for c in result.coverage}
    assert {name: coverage[name] for name in ("windows_uninstall", "windows_store", "windows_services", "leftovers")} == {
        "windows_uninstall": CoverageStatus.OK,
        "windows_store": CoverageStatus.OK,
        "windows_services": CoverageStatus.OK,
        "leftovers": CoverageStatus.OK,
    }
    # Uninstall entries, Store packages, services, leftovers, and the real hive's one root certificate.
    assert result.items_read == 10 + 6 + 469 + 4 + 1
    assert result.complete


def test_offline_windows_disk_is_named_by_its_own_computer_name(windows_disk):
    # The real SYSTEM hive's ControlSet001\Control\ComputerName\ComputerName (read by hivexget too).
    assert make_target(windows_disk).hostname == "WKS-WIN732BITA"


def test_a_hostile_computer_name_in_the_system_hive_is_cleaned_and_bounded(windows_disk):
    from tests.core.sources.windows.windows_disk import hivex_edit

    name = "WKS\x1b]0;owned\x07-7\u202e" + "X" * 100  # retitles a terminal, reverses text, overflows a header
    utf16 = ",".join(f"{byte:02x}" for byte in (name + "\0").encode("utf-16-le"))
    hivex_edit(windows_disk / "Windows/System32/config/SYSTEM", r"cd \ControlSet001\Control\ComputerName\ComputerName",
               "setval 1", "ComputerName", f"hex:1:{utf16}")
    assert make_target(windows_disk).hostname == "WKS]0;owned-7" + "X" * 50 + "…"
