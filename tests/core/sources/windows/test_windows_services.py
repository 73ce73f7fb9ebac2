"""The Windows services source on a real SYSTEM hive: services and drivers of the control set that
Select\\Current names, and what it says when that control set or the hive is not there."""

from __future__ import annotations

import shutil
from pathlib import Path

from appwarden.core.sources.base import CoverageStatus, EvidenceKind, InventoryItem, ReadRequest, ScanTarget
from appwarden.core.sources.windows.services import WindowsServices
from tests.core.sources.windows.windows_disk import hivex_edit

SYSTEM = "Windows/System32/config/SYSTEM"
SERVICES = r"HKLM\SYSTEM\ControlSet001\Services"


def service(identifiers, name, location, details) -> InventoryItem:
    return InventoryItem("windows_services", EvidenceKind.SERVICE, identifiers, name, "", "", location, details)


AVP = service(
    (("windows_service", "AVP21.3"), ("executable", r"C:\Program Files (x86)\Kaspersky Lab\Kaspersky 21.3\avp.exe")),
    "Kaspersky Anti-Virus Service 21.3",
    SERVICES + r"\AVP21.3",
    (
        ("type", "own process"),
        ("start", "automatic"),
        ("image_path", r'"C:\Program Files (x86)\Kaspersky Lab\Kaspersky 21.3\avp.exe" -r'),
    ),
)
KLIF = service(
    (("windows_service", "klif"),),  # system32\DRIVERS\klif.sys is relative to the Windows folder
    "klif",
    SERVICES + r"\klif",
    (("type", "file system driver"), ("start", "boot"), ("image_path", r"system32\DRIVERS\klif.sys")),
)
AFD = service(  # a driver of the real hive, with its DisplayName left as a resource reference
    (("windows_service", "AFD"),),
    r"@%systemroot%\system32\drivers\afd.sys,-1000",
    SERVICES + r"\AFD",
    (("type", "kernel driver"), ("start", "system"), ("image_path", r"\SystemRoot\system32\drivers\afd.sys")),
)


def read(root: Path, cancelled=lambda: False):
    return WindowsServices().read(ReadRequest(ScanTarget(root, "windows", live=False), cancelled=cancelled))


def by_name(items) -> dict[str, InventoryItem]:
    return {item.identifiers[0][1]: item for item in items}


def test_services_and_drivers_of_the_current_control_set(windows_disk):
    result = read(windows_disk)
    found = by_name(result.items)
    assert len(result.items) == 469
    assert (found["AVP21.3"], found["klif"], found["AFD"]) == (AVP, KLIF, AFD)
    assert found["wuauserv"] == service(
        (("windows_service", "wuauserv"),),  # %systemroot%\... is not an absolute path
        r"@%systemroot%\system32\wuaueng.dll,-105",
        SERVICES + r"\wuauserv",
        (
            ("type", "shared process"),
            ("start", "automatic (delayed)"),
            ("image_path", r"%systemroot%\system32\svchost.exe -k netsvcs"),
        ),
    )
    assert (result.coverage.status, str(result.coverage.detail)) == (CoverageStatus.OK, "469 items read")


def test_select_pointing_nowhere_reads_the_first_control_set_and_says_so(windows_disk):
    hivex_edit(
        windows_disk / SYSTEM,
        "cd \\Select",
        "setval 4",
        "Current\ndword:0x00000007\nDefault\ndword:0x00000007",
        "Failed\ndword:0x00000000\nLastKnownGood\ndword:0x00000002",
    )
    result = read(windows_disk)
    assert by_name(result.items)["AVP21.3"] == AVP
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert [(p.location, str(p.reason)) for p in result.coverage.problems] == [
        (
            r"C:\Windows\System32\config\SYSTEM",
            r"Select\Current names ControlSet007, which is not in this hive; ControlSet001 was read instead",
        )
    ]


def test_a_hive_without_control_sets_fails(windows_disk, windows_hives):
    shutil.copyfile(windows_hives.ntuser, windows_disk / SYSTEM)
    result = read(windows_disk)
    assert result.items == ()
    assert (result.coverage.status, str(result.coverage.detail)) == (
        CoverageStatus.FAILED,
        r"C:\Windows\System32\config\SYSTEM: has no control set (ControlSet001...), so no services could be read",
    )


def test_garbage_system_hive_fails(windows_disk):
    (windows_disk / SYSTEM).write_bytes(b"\x00" * 8192)
    result = read(windows_disk)
    assert result.coverage.status == CoverageStatus.FAILED
    [problem] = result.coverage.problems
    assert problem.location == r"C:\Windows\System32\config\SYSTEM"
    assert str(problem.reason).startswith("not a registry hive: ")


def test_truncated_system_hive(windows_disk):
    system = windows_disk / SYSTEM
    data = system.read_bytes()
    system.write_bytes(data[: len(data) // 2])
    result = read(windows_disk)
    assert result.items == ()  # hivexsh wrote the new Services list at the end, in the lost half
    assert result.coverage.status == CoverageStatus.FAILED
    problems = [(p.location, str(p.reason)) for p in result.coverage.problems]
    assert problems[0] == (
        r"C:\Windows\System32\config\SYSTEM",
        f"the file is cut short: it has {len(data) // 2} bytes, its header says {len(data)} bytes",
    )
    assert problems[1][0] == SERVICES
    assert problems[1][1].startswith("the registry hive is damaged: ")


def test_no_system_hive_is_skipped(tmp_path):
    (tmp_path / "Windows/System32/config").mkdir(parents=True)
    coverage = read(tmp_path).coverage
    assert (coverage.status, str(coverage.detail)) == (CoverageStatus.SKIPPED, "no SYSTEM registry hive on this disk")


def test_cancelled_read_stops(windows_disk):
    assert read(windows_disk, cancelled=lambda: True).items == ()


def test_select_without_current_reads_the_first_control_set_and_says_so(windows_disk):
    hivex_edit(windows_disk / SYSTEM, "cd \\Select", "setval 0")
    result = read(windows_disk)
    assert by_name(result.items)["klif"] == KLIF
    assert [str(p.reason) for p in result.coverage.problems] == [
        r"Select\Current is missing or unreadable; ControlSet001 was read instead"
    ]
