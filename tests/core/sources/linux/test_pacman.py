"""The pacman source: databases written by the real pacman into throwaway roots, WeChat's Arch
repackages found by name and by what they install, look-alikes beside them, and damaged input."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.policy.loader import load_policies
from appwarden.core.scan import run_scan
from appwarden.core.sources.base import CoverageStatus, EvidenceKind, ReadRequest, ScanTarget
from appwarden.core.sources.linux.pacman import PacmanPackages, installed_files, parse_desc, parse_sections
from tests.core.sources.linux.pacman_roots import build_package, pacman_install, require_pacman

POLICIES = load_policies()
WECHAT_FILES = {"opt/wechat/wechat": b"\x7fELF stand-in", "usr/bin/wechat": "/opt/wechat/wechat"}


def arch_root(tmp_path: Path, *packages: tuple[str, str, dict]) -> Path:
    require_pacman()
    root = tmp_path / "root"
    root.mkdir()
    (root / "etc").mkdir()
    (root / "etc/os-release").write_text("ID=arch\n")
    built = [build_package(tmp_path, name, version, files) for name, version, files in packages]
    pacman_install(root, *built)
    return root


def findings(root: Path) -> dict[str, list]:
    result = run_scan(ScanTarget(root, "linux", live=False), POLICIES)
    return {finding.rule.id: finding.evidence for finding in result.findings}


def test_real_database_read_by_name_and_version(tmp_path):
    root = arch_root(tmp_path, ("wechat-bin", "4.0.1.11-1", WECHAT_FILES), ("vim", "9.1.0-1", {"usr/bin/vim": b"vim"}))
    request = ReadRequest(ScanTarget(root, "linux", live=False), sought={"executable": frozenset({"/opt/wechat/wechat"})})
    result = PacmanPackages().read(request)
    assert result.coverage.status == CoverageStatus.OK
    by_name = {item.name: item for item in result.items}
    assert sorted(by_name) == ["vim", "wechat-bin"]
    wechat = by_name["wechat-bin"]
    assert wechat.identifiers == (("pacman", "wechat-bin"), ("executable", "/opt/wechat/wechat"))
    assert wechat.version == "4.0.1.11-1"
    assert wechat.publisher == "Test Packager <t@example.org>"
    assert wechat.kind == EvidenceKind.INSTALLED
    assert wechat.location == "/var/lib/pacman/local/wechat-bin-4.0.1.11-1 (wechat-bin)"
    assert by_name["vim"].identifiers == (("pacman", "vim"),)


def test_each_known_repackage_is_found_and_look_alikes_are_not(tmp_path):
    root = arch_root(
        tmp_path,
        ("wechat-universal-bwrap", "4.0.1.11-2", {"usr/lib/wechat-universal/start.sh": b"#!/bin/sh"}),
        ("deepin-wine-wechat", "3.9.12.51-1", {"opt/apps/com.qq.weixin.deepin/files/run.sh": b"#!/bin/sh"}),
        ("wechat-devtools-bin", "1.06-1", {"opt/wechat-devtools/bin/wechat-devtools": b"x"}),
        ("deepin-wine-wxwork", "4.1.22-1", {"opt/apps/com.qq.weixin.work.deepin/files/run.sh": b"x"}),
        ("ticktick", "6.0.0-1", {"opt/ticktick/ticktick": b"x"}),
        ("douyin-bin", "1.0-1", {"opt/douyin/douyin": b"x"}),
        ("lark", "7.1-1", {"opt/bytedance/lark/lark": b"x"}),
        ("feishu-bin", "7.1-1", {"opt/bytedance/feishu/feishu": b"x"}),
        ("linuxqq", "3.2-1", {"opt/QQ/qq": b"x"}),
        ("wecom-bin", "4.1-1", {"opt/wecom/wecom": b"x"}),
    )
    found = findings(root)
    assert sorted(found) == ["wechat"]
    assert sorted(e.identifier for e in found["wechat"] if e.source == "pacman") == ["deepin-wine-wechat", "wechat-universal-bwrap"]


def test_a_repackage_under_another_name_is_found_by_the_program_it_installs(tmp_path):
    root = arch_root(tmp_path, ("my-weixin-repack", "4.0-1", WECHAT_FILES))
    (evidence,) = [e for e in findings(root)["wechat"] if e.source == "pacman"]
    assert (evidence.namespace, evidence.identifier, evidence.name) == ("executable", "/opt/wechat/wechat", "my-weixin-repack")
    assert evidence.kind == EvidenceKind.INSTALLED


def test_damaged_entries_are_counted_and_the_rest_read(tmp_path):
    root = arch_root(tmp_path, ("wechat-bin", "4.0.1.11-1", WECHAT_FILES))
    local = root / "var/lib/pacman/local"
    (local / "broken-1-1").mkdir()
    (local / "broken-1-1/desc").write_bytes(b"%NAME%\n\n%VERSION%\n")
    (local / "binary-1-1").mkdir()
    (local / "binary-1-1/desc").write_bytes(b"\xff\xfe\x00garbage")
    result = PacmanPackages().read(ReadRequest(ScanTarget(root, "linux", live=False)))
    assert [item.name for item in result.items] == ["wechat-bin"]
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert str(result.coverage.detail) == "/var/lib/pacman/local: 2 package entries could not be understood"


def test_no_database_is_skipped(tmp_path):
    result = PacmanPackages().read(ReadRequest(ScanTarget(tmp_path, "linux", live=False)))
    assert result.coverage.status == CoverageStatus.SKIPPED
    assert str(result.coverage.detail) == "no pacman database"


def test_unreadable_desc_is_a_problem(tmp_path, deny_reading):
    root = arch_root(tmp_path, ("wechat-bin", "4.0.1.11-1", WECHAT_FILES))
    deny_reading(root / "var/lib/pacman/local/wechat-bin-4.0.1.11-1")
    result = PacmanPackages().read(ReadRequest(ScanTarget(root, "linux", live=False)))
    assert result.items == ()
    assert result.coverage.problems[0].elevation_helps


def test_files_list_gives_files_not_folders():
    assert installed_files("%FILES%\nopt/\nopt/wechat/\nopt/wechat/wechat\n\n%BACKUP%\netc/x\tabc\n") == ("/opt/wechat/wechat",)


SECTION = st.text(alphabet=st.characters(blacklist_characters="%\n\r"), min_size=1, max_size=12)
VALUE = st.text(alphabet=st.characters(blacklist_characters="\n\r"), min_size=1, max_size=30).filter(str.strip)


@given(st.dictionaries(SECTION, st.lists(VALUE, min_size=1, max_size=4), max_size=6))
def test_sections_round_trip(sections):
    text = "".join(f"%{name}%\n" + "".join(f"{value}\n" for value in values) + "\n" for name, values in sections.items())
    assert parse_sections(text) == {name: tuple(values) for name, values in sections.items()}


@given(st.text(max_size=400))
def test_any_text_parses_without_raising(text):
    package = parse_desc(text)
    if package is not None:
        assert package.name and package.version and not any(c.isspace() for c in package.name)
    assert all(path.startswith("/") and not path.endswith("/") for path in installed_files(text))


def test_file_lists_are_read_only_when_a_named_program_is_on_the_disk(tmp_path):
    root = arch_root(tmp_path, ("my-weixin-repack", "4.0-1", WECHAT_FILES))
    (root / "usr/bin/wechat").unlink()
    (root / "opt/wechat/wechat").unlink()  # the program is gone: the package's list is not opened
    request = ReadRequest(ScanTarget(root, "linux", live=False), sought={"executable": frozenset({"/opt/wechat/wechat"})})
    (item,) = PacmanPackages().read(request).items
    assert item.identifiers == (("pacman", "my-weixin-repack"),)
