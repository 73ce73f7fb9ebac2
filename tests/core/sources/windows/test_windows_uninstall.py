"""The Windows installed-programs source on a disk with real hives: machine (64- and 32-bit) and
per-user Uninstall entries, and what it says when a hive is missing, damaged or not what it seems."""

from __future__ import annotations

import shutil
from pathlib import Path

from appwarden.core.sources.base import CoverageStatus, EvidenceKind, InventoryItem, ReadRequest, ScanTarget
from appwarden.core.sources.windows.uninstall import WindowsUninstallEntries
from tests.core.sources.windows.windows_disk import (
    HIVE_FIXTURES,
    KES_CODE,
    WECHAT_PUBLISHER,
    break_first_value,
    layout_windows_disk,
    make_key_its_own_child,
)

SOFTWARE = "Windows/System32/config/SOFTWARE"
UNINSTALL = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall"
UNINSTALL_32 = r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall"
MACHINE_64 = (("view", "64-bit"), ("scope", "machine"))
MACHINE_32 = (("view", "32-bit"), ("scope", "machine"))


def entry(identifiers, name, publisher, version, location, details) -> InventoryItem:
    kind = EvidenceKind.INSTALLED
    return InventoryItem("windows_uninstall", kind, identifiers, name, publisher, version, location, details)


WECHAT = entry(
    (("windows_uninstall_key", "WeChat"), ("executable", r"C:\Program Files (x86)\Tencent\WeChat\WeChat.exe")),
    "微信", "腾讯科技(深圳)有限公司", "3.9.12.51", UNINSTALL_32 + r"\WeChat",
    MACHINE_32 + (
        ("install_location", r"C:\Program Files (x86)\Tencent\WeChat"),
        ("uninstall_string", r'"C:\Program Files (x86)\Tencent\WeChat\Uninstall.exe"'),
    ),
)
WECOM = entry(
    (("windows_uninstall_key", "企业微信"), ("executable", r"C:\Program Files (x86)\WXWork\WXWork.exe")),
    "企业微信", WECHAT_PUBLISHER, "4.1.22.6009", UNINSTALL_32 + r"\企业微信",
    MACHINE_32 + (
        ("install_location", r"C:\Program Files (x86)\WXWork"),
        ("uninstall_string", r'"C:\Program Files (x86)\WXWork\uninstall.exe"'),
    ),
)
KASPERSKY = entry(
    (("windows_uninstall_key", KES_CODE), ("msi_product_code", KES_CODE)),  # DisplayIcon is Windows Installer's icon cache
    "Kaspersky Endpoint Security for Windows", "AO Kaspersky Lab", "12.4.0.467", f"{UNINSTALL}\\{KES_CODE}",
    MACHINE_64 + (
        ("install_location", "C:\\Program Files (x86)\\Kaspersky Lab\\KES.12.4.0\\"),
        ("uninstall_string", "MsiExec.exe /X{27534751-4A40-48BD-B393-BC3BF28C876E}"),
        ("system_component", "0"),
    ),
)
TICKTICK = entry(
    (("windows_uninstall_key", "TickTick"),),  # DisplayIcon is the uninstaller
    "TickTick", "Appest Limited", "6.2.1.0", UNINSTALL + r"\TickTick",
    MACHINE_64 + (
        ("install_location", "C:\\Program Files\\TickTick\\"),
        ("uninstall_string", r'"C:\Program Files\TickTick\unins000.exe"'),
        ("quiet_uninstall_string", r'"C:\Program Files\TickTick\unins000.exe" /SILENT'),
    ),
)
CAPCUT = entry(
    (("windows_uninstall_key", "CapCut"), ("executable", r"C:\Users\ana\AppData\Local\CapCut\Apps\CapCut.exe")),
    "CapCut", "Bytedance Pte. Ltd.", "9.2.0.3931", r"HKU\ana\Software\Microsoft\Windows\CurrentVersion\Uninstall\CapCut",
    (("scope", "user"), ("user", "ana"),
     ("install_location", r"C:\Users\ana\AppData\Local\CapCut\Apps"),
     ("uninstall_string", r"C:\Users\ana\AppData\Local\CapCut\Apps\uninst.exe")),
)
# Entries the real hive came with (from the machine it was taken from), in hive order.
REAL_KEYS = [
    "distorm3-py3.7",
    "gitkraken",
    "OneDriveSetup.exe",
    "Python 3.7.0 (Anaconda3 5.3.0 64-bit)",
]
VSCODE_KEY = "{771FD6B0-FA20-440A-A002-3B3BAC16DC50}_is1"


def read(root: Path, cancelled=lambda: False):
    return WindowsUninstallEntries().read(ReadRequest(ScanTarget(root, "windows", live=False), cancelled=cancelled))


def by_key(items) -> dict[str, InventoryItem]:
    return {item.identifiers[0][1]: item for item in items}


def test_machine_and_user_entries(windows_disk):
    result = read(windows_disk)
    keys = [item.identifiers[0][1] for item in result.items]
    assert keys == REAL_KEYS + ["TickTick", KES_CODE, VSCODE_KEY, "WeChat", "企业微信", "CapCut"]
    found = by_key(result.items)
    assert [found[key] for key in ("WeChat", "企业微信", KES_CODE, "TickTick", "CapCut")] == [
        WECHAT, WECOM, KASPERSKY, TICKTICK, CAPCUT
    ]
    assert found["gitkraken"] == entry(
        (("windows_uninstall_key", "gitkraken"),),  # DisplayIcon is an .ico, not the program
        "GitKraken", "Axosoft, LLC", "5.0.4", UNINSTALL + r"\gitkraken",
        MACHINE_64 + (
            ("install_location", r"C:\Users\tony\AppData\Local\gitkraken"),
            ("uninstall_string", r'"C:\Users\tony\AppData\Local\gitkraken\Update.exe" --uninstall'),
            ("quiet_uninstall_string", r'"C:\Users\tony\AppData\Local\gitkraken\Update.exe" --uninstall -s'),
        ),
    )
    assert (result.coverage.status, str(result.coverage.detail)) == (CoverageStatus.OK, "10 items read")


def test_a_disk_mounted_with_lower_case_names(windows_hives, tmp_path):
    result = read(layout_windows_disk(tmp_path / "disk", windows_hives, lowercase=True))
    assert by_key(result.items)["WeChat"] == WECHAT
    assert by_key(result.items)["CapCut"] == CAPCUT
    assert result.coverage.status == CoverageStatus.OK


def test_no_hives_is_skipped(tmp_path):
    (tmp_path / "Windows/System32/config").mkdir(parents=True)
    (tmp_path / "Users/ana").mkdir(parents=True)
    coverage = read(tmp_path).coverage
    assert (coverage.status, str(coverage.detail)) == (
        CoverageStatus.SKIPPED,
        "no SOFTWARE registry hive and no user registry hive (NTUSER.DAT) on this disk",
    )


def test_truncated_software_hive_is_said_and_users_are_still_read(windows_disk):
    software = windows_disk / SOFTWARE
    data = software.read_bytes()
    software.write_bytes(data[: len(data) // 2])
    result = read(windows_disk)
    assert result.items == (CAPCUT,)  # hivexsh wrote the root's new subkey list in the lost half
    assert result.coverage.status == CoverageStatus.PARTIAL
    problems = [(p.location, str(p.reason)) for p in result.coverage.problems]
    assert problems[0] == (
        r"C:\Windows\System32\config\SOFTWARE",
        f"the file is cut short: it has {len(data) // 2} bytes, its header says {len(data)} bytes",
    )
    assert [location for location, _ in problems[1:]] == [UNINSTALL, UNINSTALL_32]
    assert all(reason.startswith("the registry hive is damaged: ") for _, reason in problems[1:])


def test_garbage_software_hive_is_a_problem_and_users_are_still_read(windows_disk):
    (windows_disk / SOFTWARE).write_bytes(b"MZ\x90\x00" + bytes(range(256)) * 64)
    result = read(windows_disk)
    assert result.items == (CAPCUT,)
    assert result.coverage.status == CoverageStatus.PARTIAL
    [problem] = result.coverage.problems
    assert problem.location == r"C:\Windows\System32\config\SOFTWARE"
    assert str(problem.reason).startswith("not a registry hive: ")
    assert not problem.elevation_helps


def test_hive_without_uninstall_key_is_a_problem(windows_disk):
    """A user hive put where SOFTWARE belongs: readable, but not what the place promises."""
    shutil.copyfile(windows_disk / "Users/ana/NTUSER.DAT", windows_disk / SOFTWARE)
    result = read(windows_disk)
    assert result.items == (CAPCUT,)
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert [(p.location, str(p.reason)) for p in result.coverage.problems] == [
        (r"C:\Windows\System32\config\SOFTWARE", r"the key Microsoft\Windows\CurrentVersion\Uninstall is missing")
    ]


def test_user_hive_without_uninstall_key_is_not_a_problem(windows_disk, tmp_path):
    """Most users install nothing for themselves: the shared user hive has no Uninstall key."""
    (windows_disk / "Users/bob").mkdir()
    (windows_disk / "Users/bob/NTUSER.DAT").write_bytes(_unchanged_ntuser())
    result = read(windows_disk)
    assert [item.location.split("\\")[1] for item in result.items if item.location.startswith("HKU")] == ["ana"]
    assert result.coverage.status == CoverageStatus.OK


def _unchanged_ntuser() -> bytes:
    import lzma

    return lzma.decompress((HIVE_FIXTURES / "NTUSER.DAT.xz").read_bytes())


def test_one_damaged_entry_is_a_problem_the_others_are_read(windows_disk):
    break_first_value(windows_disk / SOFTWARE, r"Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall\WeChat")
    result = read(windows_disk)
    assert "WeChat" not in by_key(result.items)
    assert by_key(result.items)["企业微信"] == WECOM
    [problem] = result.coverage.problems
    assert problem.location == UNINSTALL_32 + r"\WeChat"
    assert str(problem.reason).startswith("the registry hive is damaged: no value at 0x")
    assert result.coverage.status == CoverageStatus.PARTIAL


def test_a_key_that_lists_itself_is_read_once(windows_disk):
    make_key_its_own_child(windows_disk / SOFTWARE, r"Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall")
    result = read(windows_disk)
    found = by_key(result.items)
    assert found["Uninstall"] == entry(
        (("windows_uninstall_key", "Uninstall"),), "Uninstall", "", "", UNINSTALL_32 + r"\Uninstall", MACHINE_32
    )
    assert found["企业微信"] == WECOM
    assert result.coverage.status == CoverageStatus.OK


def test_unreadable_users_folder_is_a_problem_elevation_helps(windows_disk, deny_reading):
    deny_reading(windows_disk / "Users")
    result = read(windows_disk)
    assert CAPCUT not in result.items and WECHAT in result.items
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert [(p.location, str(p.reason), p.elevation_helps) for p in result.coverage.problems] == [
        (r"C:\Users", "permission denied", True)
    ]


def test_cancelled_read_stops(windows_disk):
    result = read(windows_disk, cancelled=lambda: True)
    assert result.items == ()


def test_missing_software_hive_beside_user_hives_is_a_problem(windows_disk):
    (windows_disk / SOFTWARE).unlink()
    result = read(windows_disk)
    assert result.items == (CAPCUT,)
    assert [(p.location, str(p.reason)) for p in result.coverage.problems] == [
        (r"C:\Windows\System32\config\SOFTWARE", "the file is missing")
    ]
    assert result.coverage.status == CoverageStatus.PARTIAL


def test_a_user_hive_that_is_a_link_loop_is_a_problem(windows_disk):
    (windows_disk / "Users/bob").mkdir()
    (windows_disk / "Users/bob/NTUSER.DAT").symlink_to("NTUSER.DAT")
    result = read(windows_disk)
    assert CAPCUT in result.items and WECHAT in result.items
    assert [(p.location, str(p.reason)) for p in result.coverage.problems] == [
        (r"C:\Users\bob\NTUSER.DAT", "cannot read: Too many levels of symbolic links")
    ]
