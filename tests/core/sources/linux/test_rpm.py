"""The RPM source: a real package built with rpmbuild into a real database, and rpm's failures."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.sources.linux import rpm
from appwarden.core.sources.base import CoverageStatus, EvidenceKind, InventoryItem, ReadRequest, ScanTarget
from appwarden.core.sources.linux.rpm import RpmPackage, RpmPackages, parse_rpm_query

KESL_SPEC = """Name: kesl
Version: 12.1.0
Release: 2954
Summary: Kaspersky Endpoint Security for Linux (test stand-in)
License: Proprietary
Vendor: AO Kaspersky Lab
BuildArch: noarch

%description
A package with the name and version of the real one and no files.

%files
"""
needs_rpm_tools = pytest.mark.skipif(
    not (shutil.which("rpm") and shutil.which("rpmbuild")),
    reason="rpm and rpmbuild are needed to build and install a real package",
)


def read(root: Path):
    return RpmPackages().read(ReadRequest(ScanTarget(root, "linux", live=False)))


def rpm_root_with_kesl(tmp_path: Path) -> Path:
    """A root whose /var/lib/rpm holds kesl, installed by rpm itself from a package rpmbuild made."""
    build = tmp_path / "build"
    (build / "SPECS").mkdir(parents=True)
    (build / "SPECS/kesl.spec").write_text(KESL_SPEC)
    subprocess.run(
        ["rpmbuild", "--define", f"_topdir {build}", "-bb", str(build / "SPECS/kesl.spec")],
        check=True, capture_output=True, timeout=120,
    )
    root = tmp_path / "root"
    database = ["--root", str(root), "--dbpath", "/var/lib/rpm"]
    subprocess.run(["rpm", *database, "--initdb"], check=True, capture_output=True, timeout=60)
    package = build / "RPMS/noarch/kesl-12.1.0-2954.noarch.rpm"
    subprocess.run(["rpm", *database, "-i", "--nodeps", "--justdb", str(package)], check=True, capture_output=True, timeout=60)
    return root


def folder_snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@needs_rpm_tools
def test_real_package_in_a_real_database(tmp_path):
    root = rpm_root_with_kesl(tmp_path)
    before = folder_snapshot(root / "var/lib/rpm")
    result = read(root)
    assert folder_snapshot(root / "var/lib/rpm") == before, "the disk's database must not change"
    assert result.items == (
        InventoryItem(
            source="rpm",
            kind=EvidenceKind.INSTALLED,
            identifiers=(("rpm", "kesl"),),
            name="kesl",
            publisher="AO Kaspersky Lab",
            version="12.1.0-2954",
            location="/var/lib/rpm (kesl)",
            details=(("architecture", "noarch"),),
        ),
    )
    assert result.coverage.status == CoverageStatus.OK


@needs_rpm_tools
def test_garbage_database_fails_with_rpms_error(tmp_path):
    (tmp_path / "var/lib/rpm").mkdir(parents=True)
    (tmp_path / "var/lib/rpm/rpmdb.sqlite").write_bytes(b"this is not an sqlite database" * 200)
    result = read(tmp_path)
    assert [p.name for p in (tmp_path / "var/lib/rpm").iterdir()] == ["rpmdb.sqlite"]
    assert result.items == ()
    assert result.coverage.status == CoverageStatus.FAILED
    assert str(result.coverage.detail).startswith("/var/lib/rpm: the rpm tool failed: error: ")


def test_database_but_no_rpm_tool_fails(tmp_path, monkeypatch):
    # Mocked: the real-package test needs the tool installed, so its absence is simulated here.
    monkeypatch.setattr("shutil.which", lambda name: None)  # rpm.py imports shutil when it finds a database
    (tmp_path / "usr/lib/sysimage/rpm").mkdir(parents=True)
    (tmp_path / "usr/lib/sysimage/rpm/rpmdb.sqlite").write_bytes(b"SQLite format 3\x00")
    result = read(tmp_path)
    assert result.coverage.status == CoverageStatus.FAILED
    assert str(result.coverage.detail) == (
        "/usr/lib/sysimage/rpm: the rpm tool is not installed, so the RPM database cannot be read"
    )


@pytest.mark.parametrize("layout", ["nothing", "empty folder", "a file"])
def test_no_database_is_skipped(tmp_path, layout):
    if layout == "empty folder":
        (tmp_path / "var/lib/rpm").mkdir(parents=True)  # what Debian's rpm package leaves
    elif layout == "a file":
        (tmp_path / "var/lib").mkdir(parents=True)
        (tmp_path / "var/lib/rpm").write_text("")
    result = read(tmp_path)
    assert (result.items, result.coverage.status) == ((), CoverageStatus.SKIPPED)
    assert str(result.coverage.detail) == "no RPM database"


def fake_rpm(tmp_path: Path, monkeypatch, script: str) -> Path:
    """A stand-in for the rpm tool (found through shutil.which), to make it fail on demand."""
    tool = tmp_path / "bin/rpm"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\n" + script)
    tool.chmod(0o755)
    monkeypatch.setattr("shutil.which", lambda name: str(tool))
    root = tmp_path / "root"
    (root / "var/lib/rpm").mkdir(parents=True)
    (root / "var/lib/rpm/Packages").write_bytes(b"\x00" * 64)
    return root


def test_rpm_failing_part_way_is_partial(tmp_path, monkeypatch):
    root = fake_rpm(tmp_path, monkeypatch, (
        "printf 'kesl\\t0:12.1.0-2954\\tAO Kaspersky Lab\\tx86_64\\n'\n"
        "echo 'warning: Found bdb_ro Packages database while attempting sqlite backend' >&2\n"
        "echo 'error: rpmdbNextIterator: skipping h#     312 blob size(4096): BAD' >&2\n"
        "exit 1\n"
    ))
    result = read(root)
    assert [item.identifiers for item in result.items] == [(("rpm", "kesl"),)]
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert str(result.coverage.detail) == (
        "/var/lib/rpm: the rpm tool failed: error: rpmdbNextIterator: skipping h#     312 blob size(4096): BAD"
    )


def test_rpm_that_does_not_answer_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(rpm, "TIMEOUT_SECONDS", 1)
    root = fake_rpm(tmp_path, monkeypatch, "exec sleep 30\n")
    result = read(root)
    assert result.coverage.status == CoverageStatus.FAILED
    assert str(result.coverage.detail) == "/var/lib/rpm: the rpm tool gave no answer within 1 second"


def test_rpm_arguments_name_the_root_and_database(tmp_path, monkeypatch):
    arguments = tmp_path / "arguments"
    root = fake_rpm(tmp_path, monkeypatch, f'printf "%s\\n" "$@" > {arguments}\n')
    assert read(root).coverage.status == CoverageStatus.OK
    given = arguments.read_text().splitlines()
    # A mounted disk's database is queried from a temporary copy, never in place.
    assert given[0] == "--root" and Path(given[1]).name.startswith("appwarden-rpmdb-")
    assert given[2:] == ["--dbpath", "/rpmdb", "-qa", "--qf", rpm.QUERY_FORMAT]


def test_parse_rpm_query():
    text = (
        "kesl\t0:12.1.0-2954\tAO Kaspersky Lab\tx86_64\n"
        "wps-office\t1:11.1.0.11719-1\t(none)\tx86_64\n"
        "gpg-pubkey\t0:fd431d51-4ae0493b\t(none)\t(none)\n"
        "\n"
        "truncated line\n"
        "two words\t0:1-1\tx\tnoarch\n"
        "nover\t0:\tx\tnoarch\n"
    )
    assert parse_rpm_query(text) == (
        [
            RpmPackage("kesl", "12.1.0-2954", "AO Kaspersky Lab", "x86_64"),
            RpmPackage("wps-office", "1:11.1.0.11719-1", "", "x86_64"),
        ],
        3,
    )


@given(st.text(max_size=300) | st.lists(st.text(alphabet="ab:\t -(none)0", max_size=30)).map("\n".join))
def test_parse_rpm_query_never_raises(text):
    packages, malformed = parse_rpm_query(text)
    assert malformed >= 0 and all(package.name for package in packages)
