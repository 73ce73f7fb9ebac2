"""Opening files of a disk mounted at a folder with every path component resolved inside that folder.

The kernel's own resolution would follow a link such as `etc/hostname -> /etc/shadow` to this
machine's file, and a folder swapped for such a link between a check and an open would too. So a
path below a mounted disk's root is walked one component at a time from a descriptor of the root:
each name is opened relative to its folder's descriptor without following links (`O_NOFOLLOW`),
a link is read and resolved by hand against the root (an absolute link starts again at the root,
`..` never rises above it), and what was finally opened is checked with `fstat`. This is the idea
of Linux's `openat2(RESOLVE_IN_ROOT)`, in Python. On the running system (root `/`) the kernel
resolves as usual; files are still opened without blocking and checked to be regular files.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Callable, TypeVar

# Linux gives up on one path lookup after 40 links; a loop is reported, not followed forever.
MAX_LINKS = 40
# Links may hold long texts of `d/../d/..`: a lookup walks at most this many names in all.
MAX_COMPONENTS = 4096
# Where the platform cannot open relative to a folder descriptor (Windows), paths are opened as text.
HAS_DIR_FD = os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd and os.readlink in os.supports_dir_fd
O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
# O_PATH opens a folder only to walk through it, so a folder that may be searched but not listed
# (mode 711) can still be passed through, as the kernel's own lookup does.
FOLDER_STEP = (getattr(os, "O_PATH", 0) or os.O_RDONLY) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
FILE_OPEN = os.O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | getattr(os, "O_BINARY", 0)
FOLDER_OPEN = os.O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC

T = TypeVar("T")


class NotARegularFile(OSError):
    """What was opened is a FIFO, a device, a socket or a folder: never read as a file."""

    def __init__(self, path: object, mode: int) -> None:
        super().__init__(errno.EINVAL, f"not a regular file ({_kind(mode)})", str(path))
        self.mode = mode


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "FIFO"), (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                       (stat.S_ISSOCK, "socket"), (stat.S_ISDIR, "folder"), (stat.S_ISLNK, "link")):
        if test(mode):
            return name
    return "special file"


def _relative_parts(root: str, path: str) -> list[str] | None:
    """The components of `path` below `root`, or None when `path` is not below it."""
    if path == root:
        return []
    prefix = root.rstrip("/") + "/"
    if not path.startswith(prefix):
        return None
    return [part for part in path[len(prefix):].split("/") if part]


def resolve_in_root(
    root: Path,
    path: Path,
    final: Callable[[int, str], T],
    follow_final: bool = True,
    allow_link: Callable[[int, str], None] | None = None,
) -> T:
    """Walk `path` from `root` without leaving it and call `final(folder_fd, name)` on the last name.

    `final` runs when the last name is known not to be a link (or, with `follow_final` False, on the
    name as it is, link or not). It may raise IsALink (a swap since the check) to have the name
    resolved again. `allow_link(folder_fd, name)` is asked before a link is followed, and raises
    to refuse it. A path outside `root` is refused: nothing escapes.
    """
    root_text = str(root)
    parts = _relative_parts(root_text, str(path))
    if parts is None:
        raise OSError(errno.EXDEV, "the path is outside the disk being checked", str(path))
    stack = [os.open(root_text, FOLDER_STEP & ~O_NOFOLLOW)]  # the root itself was resolved once, by the caller
    pending = list(reversed(parts))
    links = walked = 0
    try:
        if not pending:
            return final(stack[0], ".")
        while pending:
            part = pending.pop()
            walked += 1
            if walked > MAX_COMPONENTS:
                raise OSError(errno.ENAMETOOLONG, "the path and its links name too many folders", str(path))
            if part == ".":
                if not pending:
                    return final(stack[-1], ".")
                continue
            if part == "..":
                if len(stack) > 1:
                    os.close(stack.pop())
                if not pending:
                    return final(stack[-1], ".")
                continue
            last = not pending
            link = None if (last and not follow_final) else _link_text(stack[-1], part)
            if link is not None:
                if allow_link is not None:
                    allow_link(stack[-1], part)
                links += 1
                if links > MAX_LINKS:
                    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path))
                if link.startswith("/"):
                    while len(stack) > 1:
                        os.close(stack.pop())
                pending.extend(reversed([p for p in link.split("/") if p] or ["."]))
                continue
            if last:
                try:
                    return final(stack[-1], part)
                except IsALink:  # swapped for a link since it was looked at: resolve it again
                    pending.append(part)
                    links += 1
                    continue
            try:
                folder = os.open(part, FOLDER_STEP, dir_fd=stack[-1])
            except OSError as error:
                if error.errno == errno.ELOOP:
                    pending.append(part)
                    links += 1
                    continue
                raise
            if stat.S_ISLNK(os.fstat(folder).st_mode):  # O_PATH opened a link swapped in meanwhile
                os.close(folder)
                pending.append(part)
                links += 1
                continue
            stack.append(folder)
        raise AssertionError("unreachable")  # the loop returns at the last name
    finally:
        for fd in stack:
            os.close(fd)


class IsALink(Exception):
    """Raised by a `final` callback when the name turned out to be a link."""


def _link_text(folder: int, name: str) -> str | None:
    try:
        return os.readlink(name, dir_fd=folder)
    except OSError as error:
        if error.errno in (errno.EINVAL, errno.ENOENT):  # not a link; or missing, which the open reports
            return None
        raise


O_PATH = getattr(os, "O_PATH", 0)
PROC_FD = Path("/proc/self/fd")
HAS_PROC_FD = O_PATH != 0 and PROC_FD.is_dir()


def _open_file_at(folder: int, name: str) -> int:
    if HAS_PROC_FD:
        # Only looked at, not opened: opening a device can act (a watchdog starts counting down).
        return _reopened_if_regular(_open_or_link(name, O_PATH | O_NOFOLLOW | O_CLOEXEC, folder), name)
    info = os.stat(name, dir_fd=folder, follow_symlinks=False)
    if stat.S_ISLNK(info.st_mode):
        raise IsALink()
    if not stat.S_ISREG(info.st_mode):
        raise NotARegularFile(name, info.st_mode)
    return _checked_regular(_open_or_link(name, FILE_OPEN, folder), name)


def _open_or_link(name: str | os.PathLike, flags: int, folder: int | None = None) -> int:
    try:
        return os.open(name, flags, dir_fd=folder)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise IsALink() from None
        raise


def _reopened_if_regular(handle: int, name: object) -> int:
    """A readable descriptor for what an O_PATH descriptor names, only if it is a regular file."""
    try:
        mode = os.fstat(handle).st_mode
        if stat.S_ISLNK(mode):
            raise IsALink()
        if not stat.S_ISREG(mode):
            raise NotARegularFile(name, mode)
        return _checked_regular(os.open(PROC_FD / str(handle), os.O_RDONLY | O_NONBLOCK | O_CLOEXEC), name)
    finally:
        os.close(handle)


def _checked_regular(fd: int, name: object) -> int:
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotARegularFile(name, mode)
    _set_blocking(fd)
    return fd


def _set_blocking(fd: int) -> None:
    if O_NONBLOCK and hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)


def open_regular_file(root: Path, path: Path, live: bool) -> int:
    """A descriptor of the regular file at `path`. What is there is looked at before it is
    opened (on Linux through O_PATH), so a FIFO never blocks and a device is never opened.

    Raises NotARegularFile for anything else, OSError when it cannot be opened.
    """
    if live or not HAS_DIR_FD:
        if HAS_PROC_FD:
            return _reopened_if_regular(os.open(path, O_PATH | O_CLOEXEC), path)
        if not stat.S_ISREG(mode := os.stat(path).st_mode):
            raise NotARegularFile(path, mode)
        return _checked_regular(os.open(path, FILE_OPEN & ~O_NOFOLLOW), path)
    return resolve_in_root(root, path, _open_file_at)


def _open_folder_at(folder: int, name: str) -> int:
    return _open_or_link(name, FOLDER_OPEN, folder)


def folder_names(root: Path, path: Path, live: bool) -> list[str]:
    """The names in the folder at `path`, sorted; raises OSError (NotADirectoryError, ...)."""
    if live or not HAS_DIR_FD:
        return sorted(os.listdir(path))
    fd = resolve_in_root(root, path, _open_folder_at)
    try:
        return sorted(os.listdir(fd))
    finally:
        os.close(fd)


def _stat_at(follow: bool) -> Callable[[int, str], os.stat_result]:
    def stat_at(folder: int, name: str) -> os.stat_result:
        info = os.stat(name, dir_fd=folder, follow_symlinks=False)
        if follow and stat.S_ISLNK(info.st_mode):
            raise IsALink()
        return info

    return stat_at


def stat_in_root(root: Path, path: Path, live: bool, follow: bool = True) -> os.stat_result:
    """os.stat (or os.lstat with `follow` False) of `path`, its links resolved inside `root`."""
    if live or not HAS_DIR_FD:
        return os.stat(path, follow_symlinks=follow)
    return resolve_in_root(root, path, _stat_at(follow), follow_final=follow)


def link_text_in_root(root: Path, path: Path, live: bool) -> str:
    """What the link at `path` says (not followed), its folders resolved inside `root`."""
    if live or not HAS_DIR_FD:
        return os.readlink(path)
    return resolve_in_root(root, path, lambda folder, name: os.readlink(name, dir_fd=folder), follow_final=False)


def read_limited(fd: int, limit: int) -> bytes:
    """Up to `limit` + 1 bytes of an open file (one more tells that it is larger), then closed.

    The first read asks for the file's size and one byte more: asking for `limit` + 1 at once
    makes Python set that much memory aside before it shrinks the result, a megabyte for each
    two-kilobyte certificate or menu entry (a check's peak memory). A file that is longer than
    it said (it grew, or /proc's, which say 0) is read on to the limit."""
    with open(fd, "rb", closefd=True) as handle:
        size = os.fstat(handle.fileno()).st_size
        data = handle.read(min(limit, size) + 1)
        if len(data) <= size or len(data) > limit:
            return data
        return data + handle.read(limit + 1 - len(data))
