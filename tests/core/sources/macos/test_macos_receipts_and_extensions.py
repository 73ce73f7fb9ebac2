"""macOS package receipts, system extensions and localised app names, from real binary and XML
property lists (plistlib writes both formats as Apple's tools do) and UTF-16 strings files."""

from __future__ import annotations

import datetime as dt
import plistlib
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.policy.loader import load_policies
from appwarden.core.scan import run_scan, sought_identifiers
from appwarden.core.sources.base import CoverageStatus, EvidenceKind, ReadRequest
from appwarden.core.sources.macos.apps import MacApplications
from appwarden.core.sources.macos.common import parse_strings
from appwarden.core.sources.macos.receipts import MacPackageReceipts, receipt_details
from appwarden.core.sources.macos.system_extensions import MacSystemExtensions, database_extensions
from tests.core.sources.macos.macos_disk import BINARY, app_bundle, info_plist, macos_disk, write_plist

POLICIES = load_policies()


def receipt(root: Path, package: str, version: str, prefix: str = "", process: str = "installer", fmt=BINARY) -> Path:
    """A receipt with the keys Installer writes (as `defaults read /var/db/receipts/...` shows them)."""
    value = {"InstallDate": dt.datetime(2024, 3, 5, 9, 30, 0), "InstallPrefixPath": prefix, "InstallProcessName": process,
             "PackageFileName": f"{package.rsplit('.', 1)[-1]}.pkg", "PackageIdentifier": package, "PackageVersion": version,
             "PathSHA1Checksums": {}}
    path = write_plist(root / f"var/db/receipts/{package}.plist", value, fmt)
    (root / f"var/db/receipts/{package}.bom").write_bytes(b"BOMStore" + bytes(24))
    return path


def request(target) -> ReadRequest:
    return ReadRequest(target, sought=sought_identifiers(POLICIES))


def test_receipts_kaspersky_found_qq_and_others_not(tmp_path):
    target = macos_disk(tmp_path)
    receipt(tmp_path, "com.kaspersky.kav.core", "12.1.0.553", "Library/Application Support/Kaspersky Lab/KAV")
    receipt(tmp_path, "com.tencent.qq", "6.7.3", "Applications/", "appstoreagent")
    receipt(tmp_path, "com.apple.pkg.XProtectPayloads_10_15.16U4211", "2177")
    (tmp_path / "var/db/receipts/com.kaspersky.kav.oas.bom").write_bytes(b"BOMStore" + bytes(24))
    # Every Mac has the installer's history beside the old bundle receipts: not a package receipt.
    write_plist(tmp_path / "Library/Receipts/InstallHistory.plist", [{"displayName": "macOS 14.5", "processName": "softwareupdated"}])
    result = MacPackageReceipts().read(request(target))
    assert result.coverage.status == CoverageStatus.OK
    by_id = {item.identifiers[0][1]: item for item in result.items}
    core = by_id["com.kaspersky.kav.core"]
    # A receipt stays when the app is moved to the Trash: it says what was installed, not that it still is.
    assert (core.version, core.kind, core.location) == ("12.1.0.553", EvidenceKind.LEFTOVER, "/var/db/receipts/com.kaspersky.kav.core.plist")
    assert dict(core.details) == {"install_prefix": "Library/Application Support/Kaspersky Lab/KAV", "installed_at": "2024-03-05T09:30:00",
                                  "installed_by": "installer", "package_file": "core.pkg", "bill_of_materials": "yes"}
    assert by_id["com.kaspersky.kav.oas"].kind == EvidenceKind.LEFTOVER
    found = {f.rule.id: f for f in run_scan(target, POLICIES).findings}
    assert list(found) == ["kaspersky"]
    assert {e.identifier for e in found["kaspersky"].evidence} == {"com.kaspersky.kav.core", "com.kaspersky.kav.oas"}
    assert not found["kaspersky"].app_present


def test_damaged_receipt_is_a_problem(tmp_path):
    target = macos_disk(tmp_path)
    path = receipt(tmp_path, "com.kaspersky.kav.core", "12.1")
    path.write_bytes(b"bplist00garbage")
    result = MacPackageReceipts().read(request(target))
    assert result.items == ()
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert str(result.coverage.detail).startswith("/var/db/receipts/com.kaspersky.kav.core.plist: not a valid property list")


def system_extensions_database(root: Path, extensions: list[dict]) -> None:
    """db.plist as macOS writes it (the keys osquery's system_extensions table reads)."""
    write_plist(root / "Library/SystemExtensions/db.plist", {"version": 1, "extensions": extensions, "extensionPolicies": []}, BINARY)


def extension(identifier: str, team: str, state: str, version: str, unique: str) -> dict:
    return {"identifier": identifier, "teamID": team, "state": state, "uniqueID": unique, "categories": ["com.apple.system_extension.endpoint_security"],
            "bundleVersion": {"CFBundleShortVersionString": version, "CFBundleVersion": version},
            "originPath": "/Applications/Kaspersky Endpoint Security for Mac.app", "container": {"bundlePath": "/Applications/x.app"}}


def test_system_extensions(tmp_path):
    target = macos_disk(tmp_path)
    system_extensions_database(tmp_path, [
        extension("com.kaspersky.kav.sysext", "2Y8XE5CQ94", "activated_enabled", "12.1.0", "4F7E7B9C-0000-4000-8000-000000000001"),
        extension("com.objective-see.lulu.extension", "VBG97UB4TA", "activated_enabled", "2.6.1", "4F7E7B9C-0000-4000-8000-000000000002"),
        extension("com.kaspersky.kav.sysext", "2Y8XE5CQ94", "terminated_waiting_to_uninstall_on_reboot", "11.0", "4F7E7B9C-0000-4000-8000-000000000003"),
    ])
    staged = tmp_path / "Library/SystemExtensions/4F7E7B9C-0000-4000-8000-000000000009/com.example.gone.systemextension"
    staged.mkdir(parents=True)
    result = MacSystemExtensions().read(request(target))
    kinds = [(item.identifiers[0][1], item.kind, item.version) for item in result.items]
    assert kinds == [
        ("com.kaspersky.kav.sysext", EvidenceKind.SERVICE, "12.1.0"),
        ("com.objective-see.lulu.extension", EvidenceKind.SERVICE, "2.6.1"),
        ("com.kaspersky.kav.sysext", EvidenceKind.LEFTOVER, "11.0"),
        ("com.example.gone", EvidenceKind.LEFTOVER, ""),
    ]
    assert dict(result.items[0].details) == {"team_id": "2Y8XE5CQ94", "state": "activated_enabled"}
    found = {f.rule.id for f in run_scan(target, POLICIES).findings}
    assert found == {"kaspersky"}


def test_localised_names_of_a_bundle_a_rule_names(tmp_path):
    target = macos_disk(tmp_path)
    bundle = app_bundle(tmp_path / "Applications", "WeChat", info_plist("com.tencent.xinWeChat", "WeChat", "4.1.10", "WeChat"))
    resources = bundle / "Contents/Resources"
    (resources / "zh_CN.lproj").mkdir(parents=True)
    (resources / "zh_CN.lproj/InfoPlist.strings").write_bytes('/* Localized */\n"CFBundleDisplayName" = "微信";\nCFBundleName = "微信";\n'.encode("utf-16"))
    (resources / "zh-Hant.lproj").mkdir()
    (resources / "zh-Hant.lproj/InfoPlist.strings").write_bytes(plistlib.dumps({"CFBundleDisplayName": "微信"}, fmt=BINARY))
    other = app_bundle(tmp_path / "Applications", "TickTick", info_plist("com.TickTick.task.mac", "TickTick", "6.0", "TickTick"))
    (other / "Contents/Resources/zh_CN.lproj").mkdir(parents=True)
    (other / "Contents/Resources/zh_CN.lproj/InfoPlist.strings").write_bytes('"CFBundleDisplayName" = "滴答清单";'.encode("utf-16"))
    result = MacApplications().read(request(target))
    by_id = {item.identifiers[0][1]: item for item in result.items}
    assert dict(by_id["com.tencent.xinWeChat"].details)["localised_names"] == "zh-Hant: 微信; zh_CN: 微信"
    # A bundle no rule names: its Resources are not listed.
    assert "localised_names" not in dict(by_id["com.TickTick.task.mac"].details)


def test_strings_formats():
    assert parse_strings('"a" = "x\\"y";\n// c\nb = "z";'.encode("utf-8")) == {"a": 'x"y', "b": "z"}
    assert parse_strings(b"\xff\xfe" + "k = \"v\";".encode("utf-16-le")) == {"k": "v"}
    assert parse_strings(b"\xff\xfe\x00") == {}


@given(st.binary(max_size=300) | st.text(max_size=200).map(lambda text: text.encode("utf-16")))
def test_any_strings_file_parses(data):
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in parse_strings(data).items())


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["extensions", "identifier", "teamID", "state", "bundleVersion"]), inner, max_size=4),
                    max_leaves=14))
def test_any_database_gives_extensions(value):
    database = value if isinstance(value, dict) else {"extensions": value}
    assert all(identifier for identifier, _, _, _ in database_extensions(database))


@given(st.dictionaries(st.sampled_from(["InstallDate", "InstallPrefixPath", "InstallProcessName", "PackageFileName", "x"]),
                       st.none() | st.integers() | st.text(max_size=10) | st.datetimes() | st.lists(st.integers(), max_size=2)))
def test_any_receipt_gives_text_details(receipt):
    assert all(isinstance(key, str) and isinstance(value, str) and value for key, value in receipt_details(receipt))
