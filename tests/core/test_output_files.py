"""`--output` replaces only a regular file of one's own: devices, pipes, sockets, links, folders and
other users' files are left exactly as they were, with a sentence saying why."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from appwarden.core.cli.main import main
from appwarden.core.files import NotReplaceable, replacing_atomically
from tests.core.sources.linux.test_desktop_entries import write

AS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="making a device node and giving a file away need root")
OTHER_UID = 4242


def make_fifo(path: Path) -> None:
    os.mkfifo(path)


def make_device(path: Path) -> None:
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 7))  # /dev/full's numbers
    except PermissionError:
        pytest.skip("this root may not make device nodes (no CAP_MKNOD in this container)")


def make_socket(path: Path) -> None:
    # A socket's path is limited to 108 bytes; binding the bare name from its folder keeps it short.
    here = os.getcwd()
    os.chdir(path.parent)
    try:
        with socket.socket(socket.AF_UNIX) as listener:
            listener.bind(path.name)
    finally:
        os.chdir(here)


def make_link_to_a_file(path: Path) -> None:
    (path.parent / "real-report.txt").write_text("the linked file\n")
    path.symlink_to("real-report.txt")


def make_link_to_a_folder(path: Path) -> None:
    (path.parent / "real-folder").mkdir()
    path.symlink_to("real-folder")


def make_folder(path: Path) -> None:
    path.mkdir()
    (path / "kept.txt").write_text("kept\n")


def make_other_users_file(path: Path) -> None:
    path.write_text("someone else's report\n")
    os.chown(path, OTHER_UID, OTHER_UID)


SPECIAL = [
    pytest.param(make_fifo, "it is a named pipe (FIFO), not a regular file", id="fifo"),
    pytest.param(make_device, "it is a device, not a regular file", id="device", marks=AS_ROOT),
    pytest.param(make_socket, "it is a socket, not a regular file", id="socket"),
    pytest.param(
        make_link_to_a_file,
        "it is a symbolic link, and AppWarden does not write through links; give the path of the file itself",
        id="link-to-a-file",
    ),
    pytest.param(
        make_link_to_a_folder,
        "it is a symbolic link, and AppWarden does not write through links; give the path of the file itself",
        id="link-to-a-folder",
    ),
    pytest.param(make_folder, "it is a folder; give the name of a file inside it", id="folder"),
    pytest.param(make_other_users_file, f"it belongs to another user (user id {OTHER_UID})", id="other-user", marks=AS_ROOT),
]


def node_state(path: Path) -> tuple:
    """What must not change: the node itself, and what a link points to or a file holds."""
    status = os.lstat(path)
    state = (status.st_ino, status.st_rdev, stat.S_IFMT(status.st_mode), status.st_uid, status.st_size)
    if path.is_symlink():
        return state + (os.readlink(path), sorted(os.listdir(path)) if path.is_dir() else path.read_text())
    if path.is_dir():
        return state + (sorted(os.listdir(path)),)
    return state + (path.read_text() if stat.S_ISREG(status.st_mode) else "",)


def leftovers_of_writing(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.startswith(".appwarden-"))


@pytest.fixture
def disk(tmp_path):
    """A mounted Linux disk with nothing installed: the check is quick and always has a report to write."""
    return write(tmp_path / "disk/etc/os-release", "ID=debian\n").parent.parent


@pytest.mark.parametrize("make, reason", SPECIAL)
def test_scan_output_leaves_a_special_node_as_it_is_and_says_why(tmp_path, disk, capsys, make, reason):
    (tmp_path / "out").mkdir()
    node = tmp_path / "out" / "report.txt"
    make(node)
    before = node_state(node)
    code = main(["scan", "--root", str(disk), "--no-history", "--output", str(node)])
    assert code == 2
    assert capsys.readouterr().err == f"Cannot write the report to {node}: {reason}.\n"
    assert node_state(node) == before
    assert leftovers_of_writing(node.parent) == []


def test_the_destination_is_checked_again_just_before_it_is_replaced(tmp_path):
    destination = tmp_path / "report.txt"
    destination.write_text("an older report of mine\n")  # one's own regular file: accepted
    with pytest.raises(NotReplaceable) as refused:
        with replacing_atomically(destination) as temporary:
            temporary.write_text("new report\n")
            destination.unlink()
            os.mkfifo(destination)  # swapped while the report was being written
    assert stat.S_ISFIFO(os.lstat(destination).st_mode)
    assert str(refused.value.strerror) == "it is a named pipe (FIFO), not a regular file"
    assert leftovers_of_writing(tmp_path) == []


@AS_ROOT
def test_a_folder_link_another_user_controls_is_not_followed(tmp_path, disk, capsys):
    """Mallory points out/mallory/reports at a folder of root's: root's report must not land there."""
    (tmp_path / "out/www").mkdir(parents=True)
    (tmp_path / "out/www/index.html").write_text("root's page")
    (tmp_path / "out/mallory").mkdir()
    link = tmp_path / "out/mallory/reports"
    link.symlink_to(tmp_path / "out/www")
    os.lchown(link, OTHER_UID, OTHER_UID)
    target = link / "index.html"
    assert main(["scan", "--root", str(disk), "--no-history", "--output", str(target)]) == 2
    assert capsys.readouterr().err == (
        f"Cannot write the report to {target}: the folder {link} on the way is a link that another user controls "
        f"(user id {OTHER_UID}).\n"
    )
    assert (tmp_path / "out/www/index.html").read_text() == "root's page"
