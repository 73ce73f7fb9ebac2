"""A mounted disk is read inside itself: its links never reach this machine, and nothing it holds
(a FIFO, a device, a file with no newlines, a folder swapped for a link mid-check) can hang a check
or leak a host file."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appwarden.core.sources.base import CoverageLog, CoverageStatus, ReadRequest, ScanTarget, read_bounded
from appwarden.core.sources.linux.dpkg import MAX_LINE_BYTES, DpkgPackages, LineTooLong, text_blocks
from appwarden.core.sources.files_common import read_text
from tests.conftest import PROJECT, cli_environment

AS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="making device nodes with mknod needs root")


def linux_disk(root: Path) -> Path:
    (root / "etc").mkdir(parents=True)
    (root / "etc/os-release").write_text("ID=debian\n")
    return root


def scan_json(disk: Path, tmp_path: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """`appwarden scan --root DISK --format json` in a child with a time limit: a FIFO opened the
    plain way would wait forever, and the test must fail, not hang."""
    return subprocess.run(
        [sys.executable, "-m", "appwarden.core", "scan", "--root", str(disk), "--format", "json"],
        capture_output=True, text=True, timeout=timeout, cwd=PROJECT, env=cli_environment(tmp_path),
        stdin=subprocess.DEVNULL,
    )


def test_a_hostname_link_to_a_host_file_does_not_leak_it(tmp_path):
    secret = tmp_path / "host-secret"
    secret.write_text("root:$6$secret-hash:19000:0:99999:7:::\n")
    disk = linux_disk(tmp_path / "disk")
    (disk / "etc/hostname").symlink_to(secret)  # on the disk, an absolute link means the disk's own file
    done = scan_json(disk, tmp_path)
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["target"]["hostname"] == ""
    history = (tmp_path / "data/appwarden/history.sqlite3").read_bytes()
    assert b"secret-hash" not in history and "secret-hash" not in done.stdout


def test_the_real_shadow_file_never_reaches_a_report(tmp_path):
    if not Path("/etc/shadow").exists():
        pytest.skip("this machine has no /etc/shadow")
    disk = linux_disk(tmp_path / "disk")
    (disk / "etc/hostname").symlink_to("/etc/shadow")
    done = scan_json(disk, tmp_path)
    assert json.loads(done.stdout)["target"]["hostname"] == ""


def test_a_hostname_link_inside_the_disk_is_followed_there(tmp_path):
    disk = linux_disk(tmp_path / "disk")
    (disk / "etc/hostname.real").write_text("ana-laptop\n")
    (disk / "etc/hostname").symlink_to("/etc/hostname.real")
    assert json.loads(scan_json(disk, tmp_path).stdout)["target"]["hostname"] == "ana-laptop"


def test_a_fifo_as_hostname_does_not_hang_the_check(tmp_path):
    disk = linux_disk(tmp_path / "disk")
    os.mkfifo(disk / "etc/hostname")
    done = scan_json(disk, tmp_path)
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["target"]["hostname"] == ""


@AS_ROOT
def test_a_device_node_as_hostname_is_not_read(tmp_path):
    disk = linux_disk(tmp_path / "disk")
    os.mknod(disk / "etc/hostname", stat.S_IFCHR | 0o644, os.makedev(1, 5))  # /dev/zero's numbers
    (disk / "dev").mkdir()
    os.mknod(disk / "dev/zero", stat.S_IFCHR | 0o644, os.makedev(1, 5))
    (disk / "etc/machine-name").symlink_to("/dev/zero")
    done = scan_json(disk, tmp_path)
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["target"]["hostname"] == ""
    target = ScanTarget(disk.resolve(), "linux", live=False)
    log = CoverageLog("test", target)
    assert read_bounded(target, target.path("etc/machine-name"), 1000, log) is None
    assert [(p.location, str(p.reason)) for p in log.problems] == [("/etc/machine-name", "not a regular file; not read")]


def test_a_fifo_as_the_dpkg_database_is_a_coverage_problem(tmp_path):
    disk = linux_disk(tmp_path / "disk")
    (disk / "var/lib/dpkg").mkdir(parents=True)
    os.mkfifo(disk / "var/lib/dpkg/status")
    done = scan_json(disk, tmp_path)
    assert done.returncode in (0, 1), done.stderr
    dpkg = next(c for c in json.loads(done.stdout)["coverage"] if c["source"] == "dpkg")
    assert (dpkg["status"], dpkg["detail"]) == ("failed", "/var/lib/dpkg/status: not a regular file; not read")


def test_a_status_file_with_an_overlong_line_says_so(tmp_path):
    disk = linux_disk(tmp_path / "disk")
    (disk / "var/lib/dpkg").mkdir(parents=True)
    good = "Package: vim\nStatus: install ok installed\nVersion: 9\n\n"
    (disk / "var/lib/dpkg/status").write_bytes(good.encode() + b"Description: " + b"x" * (MAX_LINE_BYTES * 3) + b"\n\n" + good.replace("vim", "nano").encode())
    result = DpkgPackages().read(ReadRequest(ScanTarget(disk.resolve(), "linux", live=False)))
    assert [item.name for item in result.items] == ["vim", "nano"]
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert str(result.coverage.detail) == f"/var/lib/dpkg/status: 1 entry has a line longer than {MAX_LINE_BYTES} bytes, which was not read"


@given(st.binary(max_size=300), st.integers(min_value=1, max_value=64), st.integers(min_value=1, max_value=40))
def test_lines_are_the_files_lines_or_marked_too_long(data, block, max_line):
    import io

    pieces = text_blocks(io.BytesIO(data), block, max_line)
    got = [line for piece in pieces for line in ([piece] if isinstance(piece, LineTooLong) else piece.split("\n"))]
    expected = data.split(b"\n")
    if expected and expected[-1] == b"":
        expected.pop()
    assert len(got) == len(expected)
    for line, raw in zip(got, expected):
        if len(raw) > max_line:
            assert not isinstance(line, str)
        else:
            assert line == raw.decode("utf-8", errors="replace")


def test_a_folder_swapped_for_a_host_link_during_a_check_never_leaks(tmp_path):
    """A disk that changes under the check (FUSE, a network share, a malicious USB gadget): the
    folder etc/app is swapped, over and over, with a link to a folder of this machine."""
    host = tmp_path / "host/app"
    host.mkdir(parents=True)
    (host / "secret.txt").write_text("HOST")
    disk = linux_disk(tmp_path / "disk")
    (disk / "etc/app").mkdir()
    (disk / "etc/app/secret.txt").write_text("disk")
    (disk / "etc/link").symlink_to(host)
    target = ScanTarget(disk.resolve(), "linux", live=False)
    stop = threading.Event()

    def swap():
        app, real, link = disk / "etc/app", disk / "etc/app.real", disk / "etc/link"
        while not stop.is_set():
            os.rename(app, real)
            os.rename(link, app)
            os.rename(app, link)
            os.rename(real, app)

    swapper = threading.Thread(target=swap, daemon=True)
    swapper.start()
    seen = set()
    try:
        for _ in range(3000):
            seen.add(read_text(target, target.path("etc/app/secret.txt"), 100, CoverageLog("test", target)))
    finally:
        stop.set()
        swapper.join()
    assert "HOST" not in seen
    assert "disk" in seen


@settings(max_examples=60)
@given(st.lists(st.tuples(st.sampled_from(["a", "a/b", "c", "a/l1", "l2", "c/l3"]),
                          st.sampled_from(["/", "..", "../..", "/a", "a", "/outside", "../../../outside", "l1", "/a/b"])),
                max_size=5))
def test_no_open_through_the_target_reaches_outside_the_disk(tmp_path_factory, links):
    base = tmp_path_factory.mktemp("walk")
    (base / "outside").mkdir()
    (base / "outside/secret").write_text("HOST")
    disk = base / "disk"
    (disk / "a/b").mkdir(parents=True)
    (disk / "c").mkdir()
    (disk / "a/b/secret").write_text("disk")
    for where, points_to in links:
        path = disk / where
        if not os.path.lexists(path) and path.parent.is_dir() and not path.parent.is_symlink():
            path.symlink_to(str(base / "outside") if points_to == "/outside" else points_to)
    target = ScanTarget(disk.resolve(), "linux", live=False)
    for name in ("a/b/secret", "l2/secret", "a/l1/secret", "c/l3/secret", "l2/b/secret", "a/l1/b/secret"):
        text = read_text(target, target.path(name), 100, CoverageLog("test", target))
        assert text in (None, "disk")
        try:
            names = target.names_in(target.path(name).parent)
        except OSError:
            continue
        assert "outside" not in names or (disk / "outside").exists()


@pytest.mark.parametrize("live", [False, True], ids=["mounted disk", "running system"])
def test_a_special_file_is_looked_at_not_opened(tmp_path, live):
    """Opening a device can act (a watchdog starts its countdown when opened). A FIFO tells whether
    it was opened: a writer waiting on it goes on only when someone opens it for reading."""
    from appwarden.core.sources.rooted_common import NotARegularFile, open_regular_file

    disk = linux_disk(tmp_path / "disk")
    fifo = disk / "etc/hostname"
    os.mkfifo(fifo)
    writer_went_on = threading.Event()

    def writer():
        fd = os.open(fifo, os.O_WRONLY)  # waits for a reader
        writer_went_on.set()
        os.close(fd)

    waiting = threading.Thread(target=writer, daemon=True)
    waiting.start()
    with pytest.raises(NotARegularFile):
        open_regular_file(disk.resolve(), fifo.resolve(), live)
    assert not writer_went_on.wait(0.5)
    os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # let the writer go
    waiting.join(5)


def test_a_link_text_of_many_names_is_refused_quickly(tmp_path):
    disk = linux_disk(tmp_path / "disk")
    (disk / "d").mkdir()
    (disk / "etc/hostname.real").write_text("desk\n")
    (disk / "link0").symlink_to("/etc/hostname.real")
    for number in range(1, 30):
        (disk / f"link{number}").symlink_to("d/../" * 800 + f"link{number - 1}")
    target = ScanTarget(disk.resolve(), "linux", live=False)
    log = CoverageLog("test", target)
    assert read_text(target, target.path("link29"), 100, log) is None
    assert [str(p.reason) for p in log.problems] == ["cannot read: the path and its links name too many folders"]
    assert read_text(target, target.path("link1"), 100, log) == "desk\n"


def test_a_huge_sparse_status_file_is_not_read(tmp_path):
    from appwarden.core.sources.linux.dpkg import MAX_STATUS_BYTES

    disk = linux_disk(tmp_path / "disk")
    (disk / "var/lib/dpkg").mkdir(parents=True)
    with open(disk / "var/lib/dpkg/status", "wb") as handle:
        handle.truncate(15 << 40)  # 15 TiB that take no room on the disk
    result = DpkgPackages().read(ReadRequest(ScanTarget(disk.resolve(), "linux", live=False)))
    assert str(result.coverage.detail) == f"/var/lib/dpkg/status: file is larger than {MAX_STATUS_BYTES} bytes; not read"


def test_cancel_is_asked_at_every_block_of_the_status_file(tmp_path):
    disk = linux_disk(tmp_path / "disk")
    (disk / "var/lib/dpkg").mkdir(parents=True)
    (disk / "var/lib/dpkg/status").write_bytes(b"x" * (8 << 20))  # one line, no stanza ends
    asked = []
    request = ReadRequest(ScanTarget(disk.resolve(), "linux", live=False), cancelled=lambda: asked.append(1) or len(asked) > 2)
    DpkgPackages().read(request).items  # the packages are read as they are asked for
    assert 3 <= len(asked) <= 4  # asked before each block: it stopped after the third of eight


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000), st.integers(min_value=0, max_value=4000))
def test_read_limited_gives_the_first_limit_and_one_bytes(tmp_path_factory, content, limit):
    """Whatever the file's size against the limit: the bytes up to one past the limit."""
    from appwarden.core.sources.rooted_common import read_limited

    path = tmp_path_factory.mktemp("limited") / "file"
    path.write_bytes(content)
    assert read_limited(os.open(path, os.O_RDONLY), limit) == content[: limit + 1]


def test_read_limited_reads_a_file_that_says_it_is_empty():
    """/proc's files have a size of 0 and content all the same."""
    from appwarden.core.sources.rooted_common import read_limited

    with open("/proc/self/mounts", "rb") as handle:
        expected = handle.read()
    assert os.stat("/proc/self/mounts").st_size == 0
    got = read_limited(os.open("/proc/self/mounts", os.O_RDONLY), 1 << 20)
    assert got.splitlines()[0] == expected.splitlines()[0] and len(got) > 0
    assert read_limited(os.open("/proc/self/mounts", os.O_RDONLY), 10) == got[:11]


def test_read_limited_does_not_set_a_megabyte_aside_for_a_small_file(tmp_path):
    import tracemalloc

    from appwarden.core.sources.rooted_common import read_limited

    path = tmp_path / "small"
    path.write_bytes(b"x" * 2000)
    tracemalloc.start()
    try:
        read_limited(os.open(path, os.O_RDONLY), 1 << 20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100_000
