"""The dpkg source: this machine's real database, a fixture with every state, garbage, and a real .deb."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appwarden.core.sources.base import CoverageStatus, EvidenceKind, ReadRequest, ScanTarget
from appwarden.core.sources.linux.dpkg import DpkgPackages, parse_status
from tests.conftest import FIXTURES, PROJECT, cli_environment


def linux_root(tmp_path: Path, status: bytes | None) -> ScanTarget:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/os-release").write_text("ID=debian\n")
    if status is not None:
        (tmp_path / "var/lib/dpkg").mkdir(parents=True)
        (tmp_path / "var/lib/dpkg/status").write_bytes(status)
    return ScanTarget(tmp_path, "linux", live=False)


def test_fixture_states(tmp_path):
    target = linux_root(tmp_path, (FIXTURES / "dpkg/status").read_bytes())
    result = DpkgPackages().read(ReadRequest(target))
    by_name = {item.name: item for item in result.items}
    assert sorted(by_name) == ["caf\ufffd-bad-bytes", "kesl", "vim-tiny", "wechat"]
    wechat = by_name["wechat"]
    assert wechat.kind == EvidenceKind.INSTALLED
    assert wechat.identifiers == (("deb", "wechat"),)
    assert wechat.version == "4.0.1.11"
    assert wechat.publisher == "Tencent <weixin@tencent.com>"
    assert wechat.location == "/var/lib/dpkg/status (wechat)"
    assert wechat.details == (("state", "installed"), ("architecture", "amd64"))
    # Removed with its configuration left: leftover evidence, not an installed app.
    assert by_name["kesl"].kind == EvidenceKind.LEFTOVER
    assert by_name["vim-tiny"].kind == EvidenceKind.INSTALLED
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert str(result.coverage.detail) == "/var/lib/dpkg/status: 1 entry could not be understood"


def test_no_database_is_skipped(tmp_path):
    result = DpkgPackages().read(ReadRequest(linux_root(tmp_path, None)))
    assert result.items == ()
    assert result.coverage.status == CoverageStatus.SKIPPED
    assert str(result.coverage.detail) == "no dpkg database"


def test_status_path_that_is_a_folder_fails_with_reason(tmp_path):
    target = linux_root(tmp_path, None)
    (tmp_path / "var/lib/dpkg/status").mkdir(parents=True)
    result = DpkgPackages().read(ReadRequest(target))
    assert result.coverage.status == CoverageStatus.FAILED
    assert str(result.coverage.detail) == "/var/lib/dpkg/status: not a regular file; not read"


def test_this_machine_matches_dpkg_query():
    if not Path("/var/lib/dpkg/status").exists() or shutil.which("dpkg-query") is None:
        pytest.skip("this machine has no dpkg database")
    query = subprocess.run(
        ["dpkg-query", "-W", "-f", "${db:Status-Status}\t${Package}\n"], capture_output=True, text=True, check=True
    ).stdout
    on_disk = {line.split("\t")[1] for line in query.splitlines() if line.split("\t")[0] not in ("not-installed", "config-files")}
    result = DpkgPackages().read(ReadRequest(ScanTarget(Path("/"), "linux", live=True)))
    installed = {item.name for item in result.items if item.kind == EvidenceKind.INSTALLED}
    assert installed == on_disk
    assert result.coverage.status == CoverageStatus.OK


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_give_items_or_problems(tmp_path_factory, data):
    target = linux_root(tmp_path_factory.mktemp("dpkg"), data)
    result = DpkgPackages().read(ReadRequest(target))
    assert result.coverage.status in (CoverageStatus.OK, CoverageStatus.PARTIAL)
    assert all(item.identifiers[0][0] == "deb" and item.name for item in result.items)


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40), max_size=30))
def test_parse_status_never_loses_a_well_formed_stanza(lines):
    stanzas = list(parse_status(lines + ["", "Package: marker", "Status: install ok installed", ""]))
    assert stanzas[-1]["package"] == "marker"


def build_deb(tmp_path: Path, name: str, version: str) -> Path:
    package = tmp_path / "pkg"
    (package / "DEBIAN").mkdir(parents=True)
    (package / f"opt/{name}").mkdir(parents=True)
    (package / f"opt/{name}/README").write_text("AppWarden test package; safe to remove.\n")
    (package / "DEBIAN/control").write_text(
        f"Package: {name}\nVersion: {version}\nArchitecture: all\n"
        "Maintainer: AppWarden tests <tests@appwarden.invalid>\nDescription: test package named like a prohibited app\n"
    )
    deb = tmp_path / f"{name}.deb"
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(package), str(deb)], check=True, capture_output=True)
    return deb


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("dpkg") is None, reason="installing a .deb needs root and dpkg")
def test_real_deb_named_like_wechat_is_found_then_gone_after_purge(tmp_path):
    already = subprocess.run(["dpkg-query", "-W", "wechat"], capture_output=True)
    if already.returncode == 0:
        pytest.skip("a real 'wechat' package is installed here; the test will not touch it")
    deb = build_deb(tmp_path, "wechat", "4.0.0.99-appwarden")
    scan = [sys.executable, "-m", "appwarden.core", "scan", "--format", "json", "--no-history"]
    env = cli_environment(tmp_path)
    subprocess.run(["dpkg", "-i", str(deb)], check=True, capture_output=True)
    try:
        found = subprocess.run(scan, capture_output=True, text=True, cwd=PROJECT, env=env)
    finally:
        subprocess.run(["dpkg", "--purge", "wechat"], check=True, capture_output=True)
    gone = subprocess.run(scan, capture_output=True, text=True, cwd=PROJECT, env=env)
    import json

    report = json.loads(found.stdout)
    assert found.returncode == 1, found.stderr
    (finding,) = [f for f in report["findings"] if f["rule"] == "wechat"]
    dpkg_evidence = [e for e in finding["evidence"] if e["source"] == "dpkg"]
    assert dpkg_evidence == [
        {
            "source": "dpkg", "kind": "installed", "namespace": "deb", "identifier": "wechat",
            "location": "/var/lib/dpkg/status (wechat)", "version": "4.0.0.99-appwarden", "name": "wechat",
            "details": {"state": "installed", "architecture": "all"},
        }
    ]
    after = json.loads(gone.stdout)
    assert "wechat" not in [f["rule"] for f in after["findings"]]


@given(st.binary(max_size=3000), st.integers(min_value=1, max_value=64))
def test_text_blocks_hold_the_files_lines_whatever_the_block_size(data, block):
    import io

    from appwarden.core.sources.linux.dpkg import text_blocks

    expected = data.decode("utf-8", errors="replace").split("\n") if data else []
    if expected and expected[-1] == "":
        expected.pop()
    got = [line for piece in text_blocks(io.BytesIO(data), block=block) for line in piece.split("\n")]
    # Lines are split on bytes first, so a character cut by a block boundary is never mangled.
    assert got == [line.decode("utf-8", errors="replace") for line in data.split(b"\n")][: len(got)]
    assert len(got) == len(expected)


@settings(max_examples=200)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40), max_size=30))
def test_keeping_only_the_used_fields_gives_the_same_values_for_them(lines):
    from appwarden.core.sources.linux.dpkg import USED_FIELDS

    every = list(parse_status(lines))
    used = list(parse_status(lines, USED_FIELDS))
    kept = [{key: value for key, value in stanza.items() if key in USED_FIELDS or key.startswith("\0")} for stanza in every]
    assert used == [stanza for stanza in kept if stanza]  # a stanza of unused fields only is no stanza


# Lines as a status file has them, and the odd ones a hostile disk could hold: field names in any
# case, fields with spaces or tabs in their names, continuation lines, blank lines of spaces,
# carriage returns, non-ASCII blanks and characters that fold to ASCII letters (the Kelvin sign).
_FIELD_NAMES = st.sampled_from(["Package", "package", "PACKAGE", "Status", "Version", "Architecture", "Maintainer",
                                "Description", "Depends", "Packages", "Pac\u212aage", "Package ", "Package\t", "X-Y"])
_ODD_TEXT = st.text(alphabet=st.sampled_from(list("ab :\t\r\u00a0\u2028\x1c\u212a") + ["é", "微"]), max_size=8)
_STATUS_LINES = st.one_of(
    st.builds(lambda name, value: f"{name}:{value}", _FIELD_NAMES, _ODD_TEXT),
    st.builds(lambda lead, value: lead + value, st.sampled_from([" ", "\t", "  ", " \u00a0"]), _ODD_TEXT),
    st.sampled_from(["", " ", "\t", "\r", " \r", "\u00a0", "\u2028"]),
    _ODD_TEXT,
)


@settings(max_examples=500)
@given(st.lists(_STATUS_LINES, max_size=40), st.sampled_from([None, "used"]), st.data())
def test_the_fast_parser_gives_what_the_line_by_line_parser_gives(lines, keep, data):
    from appwarden.core.sources.linux.dpkg import USED_FIELDS, parse_status_text

    keep = USED_FIELDS if keep == "used" else None
    cuts = sorted(data.draw(st.sets(st.integers(min_value=1, max_value=max(len(lines) - 1, 1)), max_size=5)))
    pieces = ["\n".join(lines[start:end]) for start, end in zip([0, *cuts], [*cuts, len(lines)]) if start < end]
    assert list(parse_status_text(pieces, keep)) == list(parse_status(lines, keep))


@settings(max_examples=300)
@given(st.binary(max_size=600), st.integers(min_value=1, max_value=64), st.integers(min_value=1, max_value=40))
def test_the_fast_parser_reads_any_file_as_the_line_by_line_parser(data, block, max_line):
    import io

    from appwarden.core.sources.linux.dpkg import LINE_TOO_LONG, USED_FIELDS, parse_status_text, text_blocks

    fast = list(parse_status_text(text_blocks(io.BytesIO(data), block, max_line), USED_FIELDS))
    expected = data.split(b"\n")
    if expected and expected[-1] == b"":
        expected.pop()
    one_by_one = [line.decode("utf-8", errors="replace") if len(line) <= max_line else LINE_TOO_LONG
                  for line in expected]
    assert fast == list(parse_status(one_by_one, USED_FIELDS))
