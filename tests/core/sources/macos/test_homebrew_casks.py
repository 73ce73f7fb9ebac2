"""The homebrew_casks source on Caskroom folders as brew leaves them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.sources.base import CoverageStatus, EvidenceKind, InventoryItem, ReadRequest, ScanTarget
from appwarden.core.sources.macos.homebrew_casks import HomebrewCasks, newest_first
from tests.core.sources.macos.macos_disk import cask, example_mac, macos_disk


def cask_item(token: str, version: str, location: str, details=()) -> InventoryItem:
    return InventoryItem("homebrew_casks", EvidenceKind.INSTALLED, (("homebrew_cask", token),), token,
                         version=version, location=location, details=details)


TICKTICK = cask_item("ticktick", "6.0.40", "/opt/homebrew/Caskroom/ticktick")
WECHAT = cask_item("wechat", "4.1.10.53,39917", "/opt/homebrew/Caskroom/wechat")
WECOM = cask_item("wechatwork", "5.0.3.90001", "/opt/homebrew/Caskroom/wechatwork")
CAPCUT = cask_item("capcut", "6.1.0", "/usr/local/Caskroom/capcut")


def read(target: ScanTarget, cancelled=lambda: False):
    return HomebrewCasks().read(ReadRequest(target, cancelled=cancelled))


@pytest.fixture
def mac(tmp_path: Path) -> ScanTarget:
    return example_mac(tmp_path)


def test_casks_of_both_caskrooms(mac):
    result = read(mac)
    assert result.items == (TICKTICK, WECHAT, WECOM, CAPCUT)
    assert (result.coverage.status, str(result.coverage.detail)) == (CoverageStatus.OK, "4 items read")


def test_several_versions_report_the_newest_and_name_all(mac):
    cask(mac.root / "opt/homebrew/Caskroom", "wechat", "4.0.6.17,29381", "4.1.2.18,33280")
    wechat = read(mac).items[1]
    assert wechat == cask_item("wechat", "4.1.10.53,39917", "/opt/homebrew/Caskroom/wechat",
                               (("versions", "4.1.10.53,39917; 4.1.2.18,33280; 4.0.6.17,29381"),))


def test_cask_with_only_homebrew_metadata_has_no_version(mac):
    (mac.root / "opt/homebrew/Caskroom/capcut/.metadata").mkdir(parents=True)
    (mac.root / "opt/homebrew/Caskroom/.DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    items = read(mac).items
    assert items[0] == cask_item("capcut", "", "/opt/homebrew/Caskroom/capcut")
    assert len(items) == 5


def test_non_utf8_token_is_a_problem(mac):
    os.mkdir(os.fsencode(mac.root / "opt/homebrew/Caskroom") + b"/caf\xe9")
    result = read(mac)
    assert result.items == (TICKTICK, WECHAT, WECOM, CAPCUT)
    assert [(p.location, str(p.reason)) for p in result.coverage.problems] == [
        ("/opt/homebrew/Caskroom/caf\\xe9", "the name is not valid UTF-8; skipped")
    ]


def test_unreadable_caskroom_asks_for_elevation(mac, deny_reading):
    deny_reading(mac.root / "opt/homebrew/Caskroom")
    result = read(mac)
    assert result.items == (CAPCUT,)
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert [(p.location, str(p.reason), p.elevation_helps) for p in result.coverage.problems] == [
        ("/opt/homebrew/Caskroom", "permission denied", True)
    ]


def test_caskroom_that_loops_fails(tmp_path):
    target = macos_disk(tmp_path)
    (tmp_path / "usr/local").mkdir(parents=True)
    (tmp_path / "usr/local/Caskroom").symlink_to("Caskroom")
    result = read(target)
    assert (result.coverage.status, str(result.coverage.detail)) == (
        CoverageStatus.FAILED, "/usr/local/Caskroom: cannot read: Too many levels of symbolic links"
    )


def test_no_caskroom_is_skipped(tmp_path):
    coverage = read(macos_disk(tmp_path)).coverage
    assert (coverage.status, str(coverage.detail)) == (CoverageStatus.SKIPPED, "no Homebrew Caskroom")


def test_cancelled_read_stops(mac):
    assert read(mac, cancelled=lambda: True).items == ()


def test_newest_first():
    ordered = newest_first(["1.9", "latest", "1.10", "1.10,200", "1.10,99"])
    assert ordered == ["1.10,200", "1.10,99", "1.10", "1.9", "latest"]


@given(st.lists(st.text(min_size=1), max_size=8))
def test_newest_first_keeps_every_version(versions):
    assert sorted(newest_first(versions)) == sorted(versions)
