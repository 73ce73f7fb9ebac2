"""The Microsoft Store source on a disk laid out as Windows lays it out: package folders in
WindowsApps, each user's Packages folders and registrations (UsrClass.dat), and hostile manifests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.messages import Message
from appwarden.core.sources.base import CoverageStatus, EvidenceKind, InventoryItem, ReadRequest, ScanTarget
from appwarden.core.sources.windows.store import (
    AppxManifest,
    PackageId,
    WindowsStorePackages,
    parse_appx_manifest,
    parse_family_name,
    parse_full_name,
    shown_name,
)
from tests.core.sources.windows.windows_disk import (
    CALCULATOR_FULL,
    TICKTICK_FAMILY,
    TICKTICK_FULL,
    TIKTOK_FAMILY,
    TIKTOK_FULL,
    TIKTOK_MANIFEST,
    layout_windows_disk,
)

APPS = r"C:\Program Files\WindowsApps"
PACKAGES = r"C:\Users\ana\AppData\Local\Packages"
REPOSITORY = r"HKU\ana_Classes\Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\Repository\Packages"
ANA = (("scope", "user"), ("user", "ana"))


def store_item(package, name, publisher, version, location, details) -> InventoryItem:
    identifiers = (("msix", package),)
    return InventoryItem("windows_store", EvidenceKind.INSTALLED, identifiers, name, publisher, version, location, details)


def machine_details(family: str, full_name: str, architecture: str = "x64"):
    return (
        ("scope", "machine"),
        ("package_family_name", family),
        ("package_full_name", full_name),
        ("architecture", architecture),
    )


TICKTICK_MACHINE = store_item(
    "Appest.TickTick", "TickTick", "Appest Limited", "6.2.1.0", f"{APPS}\\{TICKTICK_FULL}",
    machine_details(TICKTICK_FAMILY, TICKTICK_FULL),
)
TIKTOK_MACHINE = store_item(  # the x64 package, not its resource package or its bundle
    "BytedancePte.Ltd.TikTok", "TikTok", "Bytedance Pte. Ltd.", "37.4.1.0", f"{APPS}\\{TIKTOK_FULL}",
    machine_details(TIKTOK_FAMILY, TIKTOK_FULL),
)
CALCULATOR_MACHINE = store_item(  # its DisplayName is ms-resource:AppStoreName
    "Microsoft.WindowsCalculator", "Microsoft.WindowsCalculator", "Microsoft Corporation", "11.2210.0.0",
    f"{APPS}\\{CALCULATOR_FULL}", machine_details("Microsoft.WindowsCalculator_8wekyb3d8bbwe", CALCULATOR_FULL),
)
TICKTICK_ANA = store_item(  # a data folder, no registration: no version known
    "Appest.TickTick", "TickTick", "Appest Limited", "", f"{PACKAGES}\\{TICKTICK_FAMILY}",
    ANA + (("package_family_name", TICKTICK_FAMILY),),
)
TIKTOK_ANA = store_item(
    "BytedancePte.Ltd.TikTok", "TikTok", "Bytedance Pte. Ltd.", "37.4.1.0", f"{PACKAGES}\\{TIKTOK_FAMILY}",
    ANA + (("package_family_name", TIKTOK_FAMILY), ("package_full_name", TIKTOK_FULL)),
)
CALCULATOR_ANA = store_item(  # registered, no data folder: found by its registry key
    "Microsoft.WindowsCalculator", "Microsoft.WindowsCalculator", "Microsoft Corporation", "11.2210.0.0",
    f"{REPOSITORY}\\{CALCULATOR_FULL}",
    ANA + (("package_family_name", "Microsoft.WindowsCalculator_8wekyb3d8bbwe"), ("package_full_name", CALCULATOR_FULL)),
)
ALL_ITEMS = (TICKTICK_MACHINE, TIKTOK_MACHINE, CALCULATOR_MACHINE, TICKTICK_ANA, TIKTOK_ANA, CALCULATOR_ANA)


def read(root: Path, cancelled=lambda: False):
    return WindowsStorePackages().read(ReadRequest(ScanTarget(root, "windows", live=False), cancelled=cancelled))


def test_machine_packages_and_a_users_packages(windows_disk):
    result = read(windows_disk)
    assert result.items == ALL_ITEMS
    assert (result.coverage.status, str(result.coverage.detail)) == (CoverageStatus.OK, "6 items read")


def test_a_disk_mounted_with_lower_case_names(windows_hives, tmp_path):
    """Folder names of packages keep their case; only the fixed folders are matched without case."""
    root = tmp_path / "disk"
    layout_windows_disk(root, windows_hives, lowercase=True)
    result = read(root)
    assert [item.identifiers for item in result.items] == [
        (("msix", "appest.ticktick"),), (("msix", "bytedancepte.ltd.tiktok"),), (("msix", "microsoft.windowscalculator"),),
        # ana's registrations (in her hive, which keeps its case) name two of her packages
        (("msix", "appest.ticktick"),), (("msix", "BytedancePte.Ltd.TikTok"),), (("msix", "Microsoft.WindowsCalculator"),),
    ]
    assert result.items[1].name == "TikTok"
    assert result.coverage.status == CoverageStatus.OK


def test_nothing_there_is_skipped(tmp_path):
    (tmp_path / "Windows/System32/config").mkdir(parents=True)
    coverage = read(tmp_path).coverage
    assert (coverage.status, str(coverage.detail)) == (
        CoverageStatus.SKIPPED,
        r"no Microsoft Store apps folder (Program Files\WindowsApps) and no user profiles on this disk",
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x00\xff garbage \xfe", "not UTF-8 or UTF-16 text; not read"),
        (b"<Package><Identity Name='x'", "not valid XML: unclosed token: line 1, column 9"),
        (b"<Bundle/>", "not an app package manifest"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b"<Package><Identity Name='&lol2;'/></Package>",
            "declares a document type or XML entities; not read",
        ),
        (b"<Package>" + b" " * (1 << 20) + b"</Package>", "file is larger than 1048576 bytes; not read"),
    ],
)
def test_a_bad_manifest_is_a_problem_and_the_package_is_still_found(windows_disk, content, reason):
    (windows_disk / "Program Files/WindowsApps" / TIKTOK_FULL / "AppxManifest.xml").write_bytes(content)
    result = read(windows_disk)
    named_by_folder = store_item(
        "BytedancePte.Ltd.TikTok", "BytedancePte.Ltd.TikTok", "", "37.4.1.0", f"{APPS}\\{TIKTOK_FULL}",
        machine_details(TIKTOK_FAMILY, TIKTOK_FULL),
    )
    assert result.items[1] == named_by_folder
    assert result.items[4].name == "BytedancePte.Ltd.TikTok"
    assert [(p.location, str(p.reason)) for p in result.coverage.problems] == [
        (rf"{APPS}\{TIKTOK_FULL}\AppxManifest.xml", reason)
    ]
    assert result.coverage.status == CoverageStatus.PARTIAL


def test_damaged_registrations_are_a_problem_folders_still_count(windows_disk):
    (windows_disk / "Users/ana/AppData/Local/Microsoft/Windows/UsrClass.dat").write_bytes(b"regf" + b"\xff" * 5000)
    result = read(windows_disk)
    assert result.items[:3] == ALL_ITEMS[:3]
    assert result.items[3:] == (
        TICKTICK_ANA,
        store_item(
            "BytedancePte.Ltd.TikTok", "TikTok", "Bytedance Pte. Ltd.", "", f"{PACKAGES}\\{TIKTOK_FAMILY}",
            ANA + (("package_family_name", TIKTOK_FAMILY),),
        ),
    )
    [problem] = result.coverage.problems
    assert problem.location == r"C:\Users\ana\AppData\Local\Microsoft\Windows\UsrClass.dat"
    assert str(problem.reason).startswith("not a registry hive: ")


def test_unreadable_windowsapps_is_a_problem_elevation_helps(windows_disk, deny_reading):
    deny_reading(windows_disk / "Program Files/WindowsApps")
    result = read(windows_disk)
    assert [item.location for item in result.items] == [TICKTICK_ANA.location, TIKTOK_ANA.location, CALCULATOR_ANA.location]
    assert result.items[1].name == "BytedancePte.Ltd.TikTok"  # its manifest could not be read
    assert [(p.location, str(p.reason), p.elevation_helps) for p in result.coverage.problems] == [
        (APPS, "permission denied", True)
    ]


def test_cancelled_read_stops(windows_disk):
    assert read(windows_disk, cancelled=lambda: True).items == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (TIKTOK_FULL, PackageId("BytedancePte.Ltd.TikTok", "6yccndn6064se", "37.4.1.0", "x64", "")),
        (
            "Microsoft.LanguageExperiencePackfr-FR_19041.52.170.0_neutral_split.scale-100_8wekyb3d8bbwe",
            PackageId(
                "Microsoft.LanguageExperiencePackfr-FR", "8wekyb3d8bbwe", "19041.52.170.0", "neutral", "split.scale-100"
            ),
        ),
        (
            "Microsoft.WindowsCalculator_11.2210.0.0_neutral_~_8wekyb3d8bbwe",
            PackageId("Microsoft.WindowsCalculator", "8wekyb3d8bbwe", "11.2210.0.0", "neutral", "~"),
        ),
        (TIKTOK_FAMILY, None),
        ("Deleted", None),
        ("x_1.0.0.0_x64__6yccndn6064se", None),  # a Name is 3 to 50 characters
        ("App_1.0.0_x64__6yccndn6064se", None),  # a version has four parts
        ("App_1.0.0.0_sparc__6yccndn6064se", None),
        ("App_1.0.0.0_x64__6YCCNDN6064SE", None),  # publisher ids are lower case
        ("App_1.0.0.0_x64__6yccndn6064se\n", None),
    ],
)
def test_full_names(text, expected):
    assert parse_full_name(text) == expected
    if expected is not None:
        assert expected.full_name == text


def test_family_names():
    assert parse_family_name(TIKTOK_FAMILY) == PackageId("BytedancePte.Ltd.TikTok", "6yccndn6064se")
    assert parse_family_name(TIKTOK_FAMILY).family == TIKTOK_FAMILY
    assert parse_family_name(TIKTOK_FAMILY).full_name == ""
    for not_a_family in ("windows_ie_ac_001", TIKTOK_FULL, "MutableBackup", "a_6yccndn6064se", ""):
        assert parse_family_name(not_a_family) is None


@given(st.text(max_size=120))
def test_any_folder_name_parses_or_not_without_raising(text):
    for parsed in (parse_full_name(text), parse_family_name(text)):
        assert parsed is None or isinstance(parsed, PackageId)


name_part = st.from_regex(r"[A-Za-z0-9.\-]{3,50}", fullmatch=True)
publisher_part = st.from_regex(r"[0-9a-z]{13}", fullmatch=True)
version_part = st.lists(st.integers(0, 65535), min_size=4, max_size=4).map(lambda parts: ".".join(map(str, parts)))
resource_part = st.from_regex(r"[A-Za-z0-9.\-~]{0,30}", fullmatch=True)


@given(name_part, version_part, st.sampled_from(["x86", "x64", "arm", "arm64", "neutral"]), resource_part, publisher_part)
def test_full_names_round_trip(name, version, architecture, resource_id, publisher_id):
    package = PackageId(name, publisher_id, version, architecture, resource_id)
    assert parse_full_name(package.full_name) == package
    assert parse_family_name(package.family) == PackageId(name, publisher_id)


def test_manifest_of_a_store_app():
    assert parse_appx_manifest(TIKTOK_MANIFEST.encode()) == AppxManifest(
        name="BytedancePte.Ltd.TikTok",
        publisher="CN=0E1B2F3A-6C4D-4E5F-8A9B-0C1D2E3F4A5B",
        version="37.4.1.0",
        architecture="x64",
        display_name="TikTok",
        publisher_display_name="Bytedance Pte. Ltd.",
    )


def test_manifest_in_utf16_and_the_windows8_namespace():
    text = """<?xml version="1.0" encoding="utf-16"?>
<Package xmlns="http://schemas.microsoft.com/appx/2010/manifest">
  <Identity Name="TencentWeChatLimited.WeChatUWP" Publisher="CN=Tencent" Version="2.6.2.0" ProcessorArchitecture="x86" />
  <Properties><DisplayName>微信</DisplayName><PublisherDisplayName>腾讯</PublisherDisplayName></Properties>
</Package>"""
    parsed = parse_appx_manifest(text.encode("utf-16"))
    assert (parsed.name, parsed.display_name, parsed.publisher_display_name) == (
        "TencentWeChatLimited.WeChatUWP",
        "微信",
        "腾讯",
    )


def test_resource_names_stand_for_the_package_name():
    assert shown_name("ms-resource:AppStoreName", "Microsoft.WindowsCalculator") == "Microsoft.WindowsCalculator"
    assert shown_name("@{Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbwe?ms-resource://x}", "Calc") == "Calc"
    assert shown_name("", "Calc") == "Calc"
    assert shown_name("TikTok", "BytedancePte.Ltd.TikTok") == "TikTok"


@given(st.binary(max_size=400))
def test_any_bytes_as_a_manifest_never_raise(data):
    assert isinstance(parse_appx_manifest(data), (AppxManifest, Message))


TAGS = st.sampled_from(["Package", "Identity", "Properties", "x:y", "!DOCTYPE", "!ENTITY"])
xml_text = st.recursive(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
    lambda inner: st.tuples(TAGS, inner).map(lambda pair: f"<{pair[0]} Name='{pair[1][:5]}'>{pair[1]}</{pair[0]}>"),
    max_leaves=8,
)


@given(xml_text)
def test_any_xml_like_text_as_a_manifest_never_raises(text):
    assert isinstance(parse_appx_manifest(text.encode("utf-8")), (AppxManifest, Message))


def test_deeply_nested_manifest_is_refused_or_read_without_crashing():
    nested = b"<Package>" + b"<a>" * 200_000 + b"</a>" * 200_000 + b"</Package>"
    assert parse_appx_manifest(nested) == Message.of("not an app package manifest")


def test_a_link_loop_is_a_problem_not_a_hang(windows_disk):
    apps = windows_disk / "Program Files/WindowsApps"
    shutil.rmtree(apps)
    apps.symlink_to("WindowsApps")  # a link to itself
    (windows_disk / "Users/ana/AppData/Local/Packages/loop_6yccndn6064se").symlink_to("loop_6yccndn6064se")
    result = read(windows_disk)
    assert [item.location for item in result.items] == [TICKTICK_ANA.location, TIKTOK_ANA.location, CALCULATOR_ANA.location]
    assert [(p.location, str(p.reason)) for p in result.coverage.problems] == [
        (APPS, "cannot read: Too many levels of symbolic links")
    ]
