"""systemd units: Kaspersky's services found wherever systemd keeps unit files, enabled or not,
masked ones passed over, this machine's own units listed, and unit files of any shape parsed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.policy.loader import load_policies
from appwarden.core.scan import run_scan, sought_identifiers
from appwarden.core.sources.base import CoverageStatus, EvidenceKind, ReadRequest, ScanTarget
from appwarden.core.sources.linux.systemd_units import SystemdUnits, UnitFile, parse_unit

POLICIES = load_policies()
# The shape of Kaspersky's unit (ExecStart of its supervisor); the names are the pack's.
KESL_UNIT = """[Unit]
Description=Kaspersky Endpoint Security for Linux
After=network.target

[Service]
Type=forking
ExecStart=/opt/kaspersky/kesl/libexec/kesl_launcher.sh
ExecStop=/opt/kaspersky/kesl/libexec/kesl_launcher.sh --stop
Restart=on-failure

[Install]
WantedBy=multi-user.target
"""


def request(root: Path, live: bool = False) -> ReadRequest:
    return ReadRequest(ScanTarget(root, "linux", live=live), sought=sought_identifiers(POLICIES))


def program(root: Path, path: str) -> None:
    (root / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
    (root / path.lstrip("/")).write_text("#!/bin/sh\n")


def unit(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder / name


def test_vendor_unit_enabled_from_etc_and_a_user_unit(tmp_path):
    program(tmp_path, "/opt/kaspersky/kesl/libexec/kesl_launcher.sh")
    program(tmp_path, "/opt/kaspersky/klnagent64/sbin/klnagent")
    unit(tmp_path / "usr/lib/systemd/system", "kesl.service", KESL_UNIT)
    wants = tmp_path / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True)
    (wants / "kesl.service").symlink_to("/usr/lib/systemd/system/kesl.service")
    unit(tmp_path / "usr/lib/systemd/system", "ssh.service", "[Unit]\nDescription=OpenBSD Secure Shell server\n")
    unit(tmp_path / "home/ana/.config/systemd/user", "klnagent64.service", "[Service]\nExecStart=-/opt/kaspersky/klnagent64/sbin/klnagent\n")
    result = SystemdUnits().read(request(tmp_path))
    assert result.coverage.status == CoverageStatus.OK
    by_name = {item.identifiers[0][1]: item for item in result.items}
    # A unit no rule names is not reported (nor its file opened).
    assert sorted(by_name) == ["kesl.service", "klnagent64.service"]
    kesl = by_name["kesl.service"]
    assert kesl.kind == EvidenceKind.SERVICE
    assert kesl.name == "Kaspersky Endpoint Security for Linux"  # its file read: a rule names the unit
    assert kesl.identifiers == (("systemd_unit", "kesl.service"), ("executable", "/opt/kaspersky/kesl/libexec/kesl_launcher.sh"))
    assert dict(kesl.details)["enabled"] == "true"
    assert kesl.location == "/usr/lib/systemd/system/kesl.service"
    agent = by_name["klnagent64.service"]
    assert dict(agent.details)["user"] == "ana" and dict(agent.details)["enabled"] == "false"
    assert ("executable", "/opt/kaspersky/klnagent64/sbin/klnagent") in agent.identifiers


def test_kaspersky_found_as_a_service_and_look_alikes_not(tmp_path):
    program(tmp_path, "/opt/kaspersky/kesl/libexec/kesl_launcher.sh")
    unit(tmp_path / "etc/systemd/system", "kesl-supervisor.service", KESL_UNIT)
    unit(tmp_path / "lib/systemd/system", "kavita.service", "[Service]\nExecStart=/opt/kavita/Kavita\n")
    unit(tmp_path / "lib/systemd/system", "klist.service", "[Service]\nExecStart=/usr/bin/klist\n")
    found = {f.rule.id: f for f in run_scan(ScanTarget(tmp_path, "linux", live=False), POLICIES).findings}
    assert list(found) == ["kaspersky"]
    (evidence,) = [e for e in found["kaspersky"].evidence if e.source == "systemd_units"]
    assert (evidence.kind, evidence.identifier) == (EvidenceKind.SERVICE, "kesl-supervisor.service")


def test_masked_units_and_merged_usr_copies(tmp_path):
    (tmp_path / "usr/lib/systemd/system").mkdir(parents=True)
    (tmp_path / "lib").symlink_to("usr/lib")
    unit(tmp_path / "usr/lib/systemd/system", "kesl.service", KESL_UNIT)
    (tmp_path / "etc/systemd/system").mkdir(parents=True)
    (tmp_path / "etc/systemd/system/klnagent64.service").symlink_to("/dev/null")
    result = SystemdUnits().read(request(tmp_path))
    assert [(item.identifiers[0][1], item.location) for item in result.items] == [("kesl.service", "/usr/lib/systemd/system/kesl.service")]


def test_unreadable_user_folder_is_a_problem(tmp_path, deny_reading):
    folder = tmp_path / "home/ana/.config/systemd/user"
    unit(folder, "kesl.service", KESL_UNIT)
    deny_reading(folder)
    result = SystemdUnits().read(request(tmp_path))
    assert result.coverage.status == CoverageStatus.FAILED
    assert result.coverage.problems[0].elevation_helps


def test_this_machines_own_units_are_read():
    folders = [Path("/usr/lib/systemd/system"), Path("/lib/systemd/system")]
    real = sorted(path for folder in folders if folder.is_dir() for path in folder.glob("*.service")
                  if path.is_file() and not path.is_symlink() and "ExecStart=/" in path.read_text(errors="replace"))
    if not real:
        pytest.skip("this machine has no systemd service files")
    unit_file = real[0]
    sought = ReadRequest(ScanTarget(Path("/"), "linux", live=True), sought={"systemd_unit": frozenset({unit_file.name.casefold()})})
    result = SystemdUnits().read(sought)
    assert result.coverage.status in (CoverageStatus.OK, CoverageStatus.PARTIAL)
    (item,) = result.items
    assert item.identifiers[0] == ("systemd_unit", unit_file.name)
    program = parse_unit(unit_file.read_text()).program
    assert program.startswith("/") and ("executable", program) in item.identifiers


def test_parse_unit_continuations_comments_and_prefixes():
    parsed = parse_unit("# c\n[Unit]\nDescription=A \\\n long one\n[Service]\n;x\nExecStart=@/opt/a/b arg0 --x\nExecStart=/second\n")
    assert parsed == UnitFile("A long one", "@/opt/a/b arg0 --x")
    assert parsed.program == "/opt/a/b"
    assert UnitFile(exec_start="relative arg").program == ""
    assert UnitFile(exec_start='"unbalanced').program == ""


@given(st.text(max_size=300))
def test_any_text_parses(text):
    parsed = parse_unit(text)
    assert parsed.program == "" or parsed.program.startswith("/")


def test_the_first_copy_wins_a_mask_hides_the_vendors_and_a_unit_whose_program_is_gone_is_a_leftover(tmp_path):
    (tmp_path / "opt/kaspersky/kesl/libexec").mkdir(parents=True)
    (tmp_path / "opt/kaspersky/kesl/libexec/kesl_launcher.sh").write_text("#!/bin/sh\n")
    unit(tmp_path / "etc/systemd/system", "kesl.service", KESL_UNIT.replace("Kaspersky Endpoint", "Edited Kaspersky Endpoint"))
    unit(tmp_path / "usr/lib/systemd/system", "kesl.service", KESL_UNIT)
    (tmp_path / "etc/systemd/system/klnagent64.service").symlink_to("/dev/null")
    unit(tmp_path / "usr/lib/systemd/system", "klnagent64.service", "[Service]\nExecStart=/opt/kaspersky/klnagent64/sbin/klnagent\n")
    unit(tmp_path / "usr/lib/systemd/system", "kesl-supervisor.service", "[Service]\nExecStart=/opt/kaspersky/kesl/bin/gone\n")
    unit(tmp_path / "usr/lib/systemd/user", "KSCWebConsole.service", "[Service]\nExecStart=/opt/kaspersky/kesl/libexec/kesl_launcher.sh\n")
    result = SystemdUnits().read(request(tmp_path))
    by_name = {item.identifiers[0][1]: item for item in result.items}
    assert sorted(by_name) == ["KSCWebConsole.service", "kesl-supervisor.service", "kesl.service"]
    assert by_name["kesl.service"].location == "/etc/systemd/system/kesl.service"
    assert by_name["kesl.service"].name == "Edited Kaspersky Endpoint Security for Linux"
    assert (by_name["kesl.service"].kind, by_name["kesl-supervisor.service"].kind) == (EvidenceKind.SERVICE, EvidenceKind.LEFTOVER)
    assert dict(by_name["KSCWebConsole.service"].details)["units"] == "user"
