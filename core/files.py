"""Writing files all or nothing, so a half-written report or settings file never replaces a good one.

Only a regular file of the person's own is ever replaced: a device, a named pipe, a socket, a link
or another user's file given as the destination is left as it is, and the write is refused.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path
from typing import Iterator

from appwarden.core.messages import Message

KIND_REASONS = {
    stat.S_IFLNK: Message.of("it is a symbolic link, and AppWarden does not write through links; give the path of the file itself"),
    stat.S_IFDIR: Message.of("it is a folder; give the name of a file inside it"),
    stat.S_IFCHR: Message.of("it is a device, not a regular file"),
    stat.S_IFBLK: Message.of("it is a device, not a regular file"),
    stat.S_IFIFO: Message.of("it is a named pipe (FIFO), not a regular file"),
    stat.S_IFSOCK: Message.of("it is a socket, not a regular file"),
}


class NotReplaceable(OSError):
    """The destination exists and is not a regular file of the person's own; `strerror` is a Message."""

    def __init__(self, path: Path, reason: Message) -> None:
        super().__init__(errno.EPERM, reason, str(path))


@contextlib.contextmanager
def replacing_atomically(path: Path) -> Iterator[Path]:
    """A temporary file beside `path` to write; it replaces `path` only if the block succeeds.

    Raises OSError (NotReplaceable when `path` is something else than a regular file of the
    person's own); callers turn it into a sentence that fits what they were writing.
    """
    # A folder that is a link is followed once, here: the file is written where it pointed then;
    # only links that root or the person own are followed (another user's could point anywhere).
    refuse_foreign_links(path)
    folder = Path(os.path.realpath(path.parent))
    destination = folder / path.name
    check_replaceable(destination)
    import tempfile  # 1.5 ms, for a check that writes no file

    handle, name = tempfile.mkstemp(dir=folder, prefix=".appwarden-", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        check_replaceable(destination)  # again: the destination may have changed while the file was written
        os.replace(temporary, destination)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def refuse_foreign_links(path: Path) -> None:
    """Raise NotReplaceable when a folder on the way to `path` is a link another account owns."""
    if not hasattr(os, "geteuid"):
        return
    trusted = {0, os.geteuid()}
    current = Path(os.path.abspath(path.parent))
    for depth in range(1, len(current.parts) + 1):
        step = Path(*current.parts[:depth])
        try:
            status = os.lstat(step)
        except OSError:
            return  # the folder is missing: the write reports that
        if stat.S_ISLNK(status.st_mode) and status.st_uid not in trusted:
            raise NotReplaceable(path, Message.of(
                "the folder {folder} on the way is a link that another user controls (user id {uid})", folder=step, uid=status.st_uid
            ))


def check_replaceable(path: Path) -> None:
    """Raise NotReplaceable unless `path` is missing or is a regular file the person running AppWarden owns."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return
    kind = stat.S_IFMT(status.st_mode)
    if kind != stat.S_IFREG:
        raise NotReplaceable(path, KIND_REASONS.get(kind, Message.of("it is not a regular file")))
    if hasattr(os, "geteuid") and status.st_uid != os.geteuid():
        raise NotReplaceable(path, Message.of("it belongs to another user (user id {uid})", uid=status.st_uid))


def write_text_atomically(path: Path, text: str) -> None:
    """Write `text` as UTF-8 in place of `path`, all or nothing."""
    with replacing_atomically(path) as temporary:
        with open(temporary, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
