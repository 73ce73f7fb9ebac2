"""The live-registry paths of the Windows sources, run here against a stand-in for winreg (the real
one exists only on Windows; test_windows_common.py reads the real registry when run there).

The stand-in answers as winreg does: FileNotFoundError for a missing key, PermissionError for a
refused one, (subkeys, values, time) from QueryInfoKey, (name, data, type) from EnumValue.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from appwarden.core.sources.base import CoverageStatus, EvidenceKind, ReadRequest, ScanTarget
from appwarden.core.sources.windows.common import KEY_WOW64_64KEY, current_user_folder
from appwarden.core.sources.windows.services import WindowsServices
from appwarden.core.sources.windows.store import WindowsStorePackages
from appwarden.core.sources.windows.uninstall import WindowsUninstallEntries
from tests.core.sources.windows.windows_disk import KES_CODE, TIKTOK_FULL

REG_SZ, REG_DWORD = 1, 4
KEY_READ = 0x20019
UNINSTALL = r"Microsoft\Windows\CurrentVersion\Uninstall"
USER_UNINSTALL = rf"Software\{UNINSTALL}"
REPOSITORY = r"Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\Repository\Packages"


def key(values: dict | None = None, denied: bool = False, **subkeys) -> dict:
    return {"values": values or {}, "keys": subkeys, "denied": denied}


def tree(path: str, leaf: dict) -> dict:
    """Nested keys down `path` (backslash-separated), ending in `leaf`."""
    for part in reversed(path.split("\\")):
        leaf = key(**{part: leaf})
    return leaf


def merged(*trees: dict) -> dict:
    result = key()
    for other in trees:
        for name, child in other["keys"].items():
            result["keys"][name] = merged(result["keys"][name], child) if name in result["keys"] else child
        result["values"].update(other["values"])
    return result


class FakeKey:
    def __init__(self, node: dict) -> None:
        self.node = node

    def __enter__(self) -> "FakeKey":
        return self

    def __exit__(self, *exc) -> None:
        return None


class FakeWinreg(types.ModuleType):
    HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER, HKEY_USERS = "HKLM", "HKCU", "HKU"
    KEY_READ = KEY_READ

    def __init__(self, roots: dict[str, dict]) -> None:
        super().__init__("winreg")
        self.roots = roots
        self.access: set[int] = set()

    def OpenKey(self, root: str, path: str, reserved: int, access: int) -> FakeKey:
        self.access.add(access)
        node = self.roots[root]
        for part in [part for part in path.split("\\") if part]:
            node = next((child for name, child in node["keys"].items() if name.casefold() == part.casefold()), None)
            if node is None:
                raise FileNotFoundError(2, "The system cannot find the file specified")
            if node["denied"]:
                raise PermissionError(5, "Access is denied")
        return FakeKey(node)

    def QueryInfoKey(self, handle: FakeKey) -> tuple[int, int, int]:
        return len(handle.node["keys"]), len(handle.node["values"]), 0

    def EnumKey(self, handle: FakeKey, index: int) -> str:
        return list(handle.node["keys"])[index]

    def EnumValue(self, handle: FakeKey, index: int) -> tuple:
        name, (data, kind) = list(handle.node["values"].items())[index]
        return name, data, kind


def sz(text: str) -> tuple[str, int]:
    return text, REG_SZ


def dword(number: int) -> tuple[int, int]:
    return number, REG_DWORD


CAPCUT = key({"DisplayName": sz("CapCut"), "Publisher": sz("Bytedance Pte. Ltd."), "DisplayVersion": sz("9.2.0.3931")})
MACHINE = merged(
    tree(rf"SOFTWARE\{UNINSTALL}", key(**{KES_CODE: key({
        "DisplayName": sz("Kaspersky Endpoint Security for Windows"),
        "Publisher": sz("AO Kaspersky Lab"),
        "DisplayVersion": sz("12.4.0.467"),
        "WindowsInstaller": dword(1),
    })})),
    tree(
        rf"SOFTWARE\WOW6432Node\{UNINSTALL}",
        key(WeChat=key({"DisplayName": sz("WeChat\0"), "Publisher": sz("Tencent")})),
    ),
    tree(r"SYSTEM\CurrentControlSet\Services", key(**{"AVP21.3": key({
        "ImagePath": (r'"C:\Program Files (x86)\Kaspersky Lab\Kaspersky 21.3\avp.exe" -r', 2),
        "Start": dword(2),
        "Type": dword(0x10),
    })})),
)
CURRENT_USER = merged(
    tree(USER_UNINSTALL, key(CapCut=CAPCUT)),
    tree(rf"Software\Classes\{REPOSITORY}", key(**{TIKTOK_FULL: key()})),
)
USERS = key(**{
    ".DEFAULT": key(),
    "S-1-5-18": key(),
    "S-1-5-21-7-1001": tree(USER_UNINSTALL, key(CapCut=CAPCUT)),  # the current user again
    "S-1-5-21-7-1001_Classes": key(),
    "S-1-5-21-7-1002": tree(USER_UNINSTALL, key(Zoom=key({"DisplayName": sz("Zoom"), "Publisher": sz("Zoom Inc.")}))),
    "S-1-5-21-7-1003": key(denied=True),
})


@pytest.fixture
def winreg(monkeypatch) -> FakeWinreg:
    fake = FakeWinreg({"HKLM": MACHINE, "HKCU": CURRENT_USER, "HKU": USERS})
    monkeypatch.setitem(sys.modules, "winreg", fake)
    return fake


def live_request() -> ReadRequest:
    return ReadRequest(ScanTarget(Path("/"), "windows", live=True, hostname="pc-7"))


def test_live_uninstall_entries_of_the_machine_and_every_loaded_user(winreg):
    result = WindowsUninstallEntries().read(live_request())
    assert [(item.identifiers, item.name, item.location, item.details) for item in result.items] == [
        (
            (("windows_uninstall_key", KES_CODE), ("msi_product_code", KES_CODE)),
            "Kaspersky Endpoint Security for Windows",
            rf"HKLM\SOFTWARE\{UNINSTALL}\{KES_CODE}",
            (("view", "64-bit"), ("scope", "machine")),
        ),
        (
            (("windows_uninstall_key", "WeChat"),),
            "WeChat",
            rf"HKLM\SOFTWARE\WOW6432Node\{UNINSTALL}\WeChat",
            (("view", "32-bit"), ("scope", "machine")),
        ),
        (
            (("windows_uninstall_key", "CapCut"),),
            "CapCut",
            rf"HKCU\{USER_UNINSTALL}\CapCut",
            (("scope", "user"), ("user", current_user_folder())),
        ),
        (
            (("windows_uninstall_key", "Zoom"),),
            "Zoom",
            rf"HKU\S-1-5-21-7-1002\{USER_UNINSTALL}\Zoom",
            (("scope", "user"), ("user", "S-1-5-21-7-1002")),
        ),
    ]
    assert [(p.location, str(p.reason), p.elevation_helps) for p in result.coverage.problems] == [
        (rf"HKU\S-1-5-21-7-1003\{USER_UNINSTALL}", "permission denied", True)
    ]
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert winreg.access == {KEY_READ | KEY_WOW64_64KEY}


def test_live_services_come_from_the_current_control_set(winreg):
    result = WindowsServices().read(live_request())
    [avp] = result.items
    assert (avp.kind, avp.identifiers, avp.location) == (
        EvidenceKind.SERVICE,
        (("windows_service", "AVP21.3"), ("executable", r"C:\Program Files (x86)\Kaspersky Lab\Kaspersky 21.3\avp.exe")),
        r"HKLM\SYSTEM\CurrentControlSet\Services\AVP21.3",
    )
    assert result.coverage.status == CoverageStatus.OK


def test_live_store_registrations_of_the_current_user(winreg):
    result = WindowsStorePackages().read(live_request())
    registered = [item for item in result.items if item.location.startswith("HKCU")]
    assert [(item.identifiers, item.version, item.location, item.details) for item in registered] == [
        (
            (("msix", "BytedancePte.Ltd.TikTok"),),
            "37.4.1.0",
            rf"HKCU\Software\Classes\{REPOSITORY}\{TIKTOK_FULL}",
            (
                ("scope", "user"),
                ("user", current_user_folder()),
                ("package_family_name", "BytedancePte.Ltd.TikTok_6yccndn6064se"),
                ("package_full_name", TIKTOK_FULL),
            ),
        )
    ]
