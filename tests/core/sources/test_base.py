"""The source helpers every source uses: links stay inside a mounted disk, FIFOs are not opened."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.messages import Message
from appwarden.core.sources.base import CoverageLog, CoverageStatus, ScanTarget, read_bounded, within_root


def test_absolute_links_on_a_mounted_disk_point_into_that_disk(tmp_path):
    (tmp_path / "data/home/ana").mkdir(parents=True)
    (tmp_path / "home").symlink_to("/data/home")  # as on the disk: absolute, meaning that disk's /data
    target = ScanTarget(tmp_path, "linux", live=False)
    assert target.user_homes(CoverageLog("test", target)) == [tmp_path / "home/ana"]
    assert within_root(target, tmp_path / "home/ana/.xwechat") == tmp_path / "data/home/ana/.xwechat"


def test_links_cannot_climb_out_of_the_root(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "etc").symlink_to("../../../../../../../real")  # ".." stops at the disk's root, as in a chroot
    target = ScanTarget(tmp_path, "linux", live=False)
    assert within_root(target, tmp_path / "etc/passwd") == tmp_path / "real/passwd"


def test_fifo_is_not_opened(tmp_path):
    fifo = tmp_path / "status"
    os.mkfifo(fifo)
    target = ScanTarget(tmp_path, "linux", live=False)
    log = CoverageLog("test", target)
    assert read_bounded(target, fifo, 1000, log) is None
    assert [(p.location, str(p.reason)) for p in log.problems] == [("/status", "not a regular file; not read")]


def test_problem_locations_are_device_paths_and_printable(tmp_path):
    log = CoverageLog("test", ScanTarget(tmp_path, "linux", live=False))
    log.problem(tmp_path / os.fsdecode(b"caf\xe9"), Message.of("permission denied"))
    log.problem("process table", Message.of("permission denied"))
    assert [p.location for p in log.problems] == ["/caf\\xe9", "process table"]
    assert log.result([]).coverage.status == CoverageStatus.FAILED


def test_coverage_summary_counts_problems(tmp_path):
    log = CoverageLog("test")
    log.read_one()
    for name in ("a", "b", "c"):
        log.problem(Path("/x") / name, Message.of("permission denied"), elevation_helps=True)
    coverage = log.result([]).coverage
    assert coverage.status == CoverageStatus.PARTIAL
    assert str(coverage.detail) == "/x/a: permission denied (and 2 more problems)"
    assert all(p.elevation_helps for p in coverage.problems)


@given(st.lists(st.sampled_from(["a", "..", ".", "b", "up", "abs", "loop"]), max_size=10))
def test_no_path_on_a_mounted_disk_resolves_outside_it(tmp_path_factory, parts):
    root = tmp_path_factory.mktemp("disk")
    (root / "a").mkdir()
    (root / "a/up").symlink_to("../../../..")
    (root / "abs").symlink_to("/etc")
    (root / "loop").symlink_to("loop")
    target = ScanTarget(root, "linux", live=False)
    try:
        resolved = within_root(target, root.joinpath(*parts))
    except OSError:
        return  # a loop is reported as an error, never followed forever
    assert resolved == root or root in resolved.parents
