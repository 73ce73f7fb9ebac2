"""Deleting a file or folder (or moving it to the Trash) exactly as a removal plan showed it.

A plan names each path with the fixed base folder it was found below (a user's home, /opt,
C:\\Program Files). The base is resolved once, from the root of the file system, following only
links that root owns (merged /usr, macOS's /var -> /private/var). Below it, every folder is opened
relative to its parent's descriptor with O_NOFOLLOW, so a link planted anywhere on the way is
refused, never followed; the thing itself must still have the device and inode the plan showed.
A folder tree is then removed iteratively through descriptors: links inside it are removed, not
followed, another file system mounted inside it is never entered, and a tree deeper than
MAX_DEPTH stops with a sentence instead of exhausting the stack. Homes, the known bases where apps
keep files, and every parent of them are refused whatever the plan says.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from appwarden.core.messages import Message
from appwarden.core.sources import rooted_common
from appwarden.core.sources.base import CoverageLog, ScanTarget
from appwarden.core.sources.leftovers import known_base_paths

MAX_DEPTH = 256  # folders inside folders; each level holds one descriptor while it is emptied
MAX_SIZE_ENTRIES = 100_000  # a size is a lower bound past this many entries
FOLDER = os.O_RDONLY | rooted_common.O_DIRECTORY | rooted_common.O_NOFOLLOW | rooted_common.O_CLOEXEC


class DeletionRefused(Exception):
    """AppWarden will not change this path; `reason` says why, for the person."""

    def __init__(self, reason: Message) -> None:
        super().__init__(reason.render())
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    """Which file a plan showed: a path swapped for another file since then is not it."""

    device: int
    inode: int
    is_folder: bool

    @classmethod
    def of(cls, info: os.stat_result) -> "Identity":
        return cls(info.st_dev, info.st_ino, stat.S_ISDIR(info.st_mode))


@dataclass(frozen=True)
class Inspection:
    """What is at a path now, seen the way deletion will reach it."""

    identity: Identity | None  # None: nothing is there
    size_bytes: int = 0
    size_capped: bool = False
    refusal: Message | None = None  # why AppWarden would not delete it


Show = Callable[[Path], str]  # a path as the person knows it (the device's own, not where it is mounted)


def inspect(base: Path, path: Path, show: Show = str) -> Inspection:
    """The identity and size of `path`, reached from `base` as a deletion would reach it."""
    try:
        with _parent_of(base, path, show) as (parent, name):
            info = os.stat(name, dir_fd=parent, follow_symlinks=False)
            size, capped = _tree_size(parent, name, info)
    except DeletionRefused as refused:
        return Inspection(None, refusal=refused.reason)
    except FileNotFoundError:
        return Inspection(None)
    except OSError as error:
        return Inspection(None, refusal=Message.of("it cannot be looked at: {error}", error=error.strerror or error))
    return Inspection(Identity.of(info), size, capped)


def delete(base: Path, path: Path, expected: Identity | None, protected: "Protected | Iterable[Path]", shown: str, show: Show = str) -> str:
    """Delete `path` (a file, a link, or a folder tree) if it is still what the plan showed."""
    refuse_protected(path, protected, show)
    try:
        with _parent_of(base, path, show) as (parent, name):
            info = os.stat(name, dir_fd=parent, follow_symlinks=False)
            _check_identity(info, expected)
            if stat.S_ISDIR(info.st_mode):
                _remove_tree(parent, name, info)
            else:
                os.unlink(name, dir_fd=parent)
    except FileNotFoundError:
        return f"{shown}: already gone"
    return f"{shown}: deleted"


def move_to_trash(
    base: Path, path: Path, expected: Identity | None, protected: "Protected | Iterable[Path]", trash: Path, shown: str, show: Show = str
) -> str:
    """Move `path` into the `trash` folder under a free name, if it is still what the plan showed."""
    refuse_protected(path, protected, show)
    trash.mkdir(exist_ok=True)
    try:
        with _parent_of(base, path, show) as (parent, name):
            _check_identity(os.stat(name, dir_fd=parent, follow_symlinks=False), expected)
            trash_fd = os.open(trash, FOLDER)
            try:
                destination = _free_name(trash_fd, name)
                os.rename(name, destination, src_dir_fd=parent, dst_dir_fd=trash_fd)
            finally:
                os.close(trash_fd)
    except FileNotFoundError:
        return f"{shown}: already gone"
    except OSError as error:
        if error.errno == errno.EXDEV:
            raise DeletionRefused(Message.of("it is on another disk than your Trash; drag it to the Trash yourself")) from None
        raise
    return f"{shown}: moved to {trash / destination}"


def _free_name(folder: int, name: str) -> str:
    stem, dot, suffix = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
    candidate, number = name, 1
    while _exists_at(folder, candidate):
        number += 1
        candidate = f"{stem} {number}{dot}{suffix}"
    return candidate


def _exists_at(folder: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


@dataclass(frozen=True)
class Protected:
    """What a deletion must never be, nor be a parent of; looked up by the path and its parents,
    so the cost does not grow with the number of homes."""

    places: frozenset[Path]
    holders: frozenset[Path]  # every folder that holds one of the places

    @classmethod
    def of(cls, places: Iterable[Path]) -> "Protected":
        normal = frozenset(Path(os.path.normpath(place)) for place in places)
        return cls(normal, frozenset(parent for place in normal for parent in place.parents))

    def reason(self, path: Path, show: Show) -> Message | None:
        if path in self.places or path in self.holders:
            inside = path if path in self.places else next(p for p in sorted(self.places) if p.is_relative_to(path))
            return Message.of("{path} is, or holds, {place}, which AppWarden never deletes", path=show(path), place=show(inside))
        return None


def protected_places(target: ScanTarget) -> Protected:
    """The root, every home, the running person's home, and every known folder where apps keep
    files and of the system's own."""
    log = CoverageLog("protected", target)
    places = {target.root, *target.user_homes(log), *known_base_paths(target, log)}
    home = person_home()
    if home is not None:
        places.add(home)
    return Protected.of(places)


def person_home() -> Path | None:
    """The running person's home folder, or None when the account has none AppWarden can know."""
    try:
        return Path.home()
    except (RuntimeError, KeyError):
        return None


def refuse_protected(path: Path, protected: "Protected | Iterable[Path]", show: Show = str) -> None:
    """Defence in depth: whatever a pack or a plan said, these are never deleted."""
    path = Path(os.path.normpath(path))
    if len(path.parts) < 3:
        raise DeletionRefused(Message.of("{path} is a whole disk or a folder at its top; AppWarden never deletes one", path=show(path)))
    protected = protected if isinstance(protected, Protected) else Protected.of(protected)
    reason = protected.reason(path, show)
    if reason is not None:
        raise DeletionRefused(reason)


def _check_identity(info: os.stat_result, expected: Identity | None) -> None:
    if expected is None:  # nothing was there when the plan was made: what is there now was never shown
        raise DeletionRefused(Message.of("it was not there when the plan was made, so nothing was deleted; check again"))
    if Identity.of(info) != expected:
        raise DeletionRefused(
            Message.of("it was replaced by something else after the plan was made, so nothing was deleted; check again")
        )


class _parent_of:
    """The open parent folder of `path` and its name, reached from `base` without following a link."""

    def __init__(self, base: Path, path: Path, show: Show = str) -> None:
        self.base, self.path, self.show = base, path, show
        self.fds: list[int] = []

    def __enter__(self) -> tuple[int, str]:
        if not rooted_common.HAS_DIR_FD:
            raise DeletionRefused(Message.of(
                "this system cannot open a folder without following links, so AppWarden does not delete here; delete it yourself"
            ))
        try:
            below = self.path.relative_to(self.base).parts
        except ValueError:
            below = ()
        if not below or ".." in below:
            raise DeletionRefused(Message.of("{path} is not inside {base}", path=self.show(self.path), base=self.show(self.base)))
        try:
            self.fds.append(_open_base(self.base, self.show))
            for index, part in enumerate(below[:-1]):
                self.fds.append(_open_below(self.fds[-1], part, self.show(self.base.joinpath(*below[: index + 1]))))
        except BaseException:  # __exit__ does not run when __enter__ raises
            self.__exit__()
            raise
        return self.fds[-1], below[-1]

    def __exit__(self, *exc) -> None:
        while self.fds:
            os.close(self.fds.pop())


def _open_base(base: Path, show: Show = str) -> int:
    """The base folder, its path resolved from the file system's root; only root's links are followed."""
    anchor = Path(base.anchor)
    if base == anchor:
        return os.open(anchor, FOLDER & ~rooted_common.O_NOFOLLOW)

    def root_owned(folder: int, name: str) -> None:
        if os.stat(name, dir_fd=folder, follow_symlinks=False).st_uid != 0:
            raise DeletionRefused(
                Message.of("the folder {base} is reached through a link that its owner could point anywhere", base=show(base))
            )

    return rooted_common.resolve_in_root(anchor, base, _open_folder, allow_link=root_owned)


def _open_folder(folder: int, name: str) -> int:
    return os.open(name, FOLDER, dir_fd=folder)


def _open_below(folder: int, name: str, shown: str) -> int:
    try:
        return os.open(name, FOLDER, dir_fd=folder)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR) and _is_link(folder, name):
            raise DeletionRefused(
                Message.of("{path} is a link to another place, and AppWarden never deletes through a link. If what is there is yours, delete it yourself", path=shown)
            ) from None
        if error.errno == errno.ENOTDIR:
            raise FileNotFoundError(errno.ENOENT, "not a folder", shown) from None
        raise


def _is_link(folder: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _open_child_folder(folder: int, name: str, expected: os.stat_result) -> int:
    """A folder inside the tree, checked to be the one just looked at (not swapped meanwhile)."""
    fd = os.open(name, FOLDER, dir_fd=folder)
    info = os.fstat(fd)
    if (info.st_dev, info.st_ino) != (expected.st_dev, expected.st_ino):
        os.close(fd)
        raise DeletionRefused(Message.of("a folder inside it changed while it was being deleted; check again"))
    return fd


MOUNT_TABLE = Path("/proc/self/mountinfo")


def _mount_points() -> list[str]:
    """Where file systems are mounted (Linux's table; elsewhere none are known)."""
    try:
        lines = MOUNT_TABLE.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    return [re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[4]) for line in lines if len(line.split()) > 4]


def _refuse_mounts_inside(folder: int) -> None:
    """A bind mount of the same disk cannot be told by its device number: the mount table can."""
    try:
        where = os.readlink(f"/proc/self/fd/{folder}")
    except OSError:
        return
    inside = [point for point in _mount_points() if point == where or point.startswith(where.rstrip("/") + "/")]
    if inside:
        raise DeletionRefused(Message.of("another disk is mounted inside it ({name}); AppWarden does not delete across disks", name=inside[0]))


def _remove_tree(parent: int, name: str, top: os.stat_result) -> None:
    """Empty and remove the folder `name` of `parent`, deepest entries first, without recursion."""
    first = _open_child_folder(parent, name, top)
    try:
        _refuse_mounts_inside(first)
    except DeletionRefused:
        os.close(first)
        raise
    stack = [(first, _names(first), name)]
    try:
        while stack:
            folder, names, own_name = stack[-1]
            if names:
                child = names.pop()
                info = os.stat(child, dir_fd=folder, follow_symlinks=False)
                if not stat.S_ISDIR(info.st_mode):
                    os.unlink(child, dir_fd=folder)
                    continue
                if info.st_dev != top.st_dev:
                    raise DeletionRefused(Message.of("another disk is mounted inside it ({name}); AppWarden does not delete across disks", name=child))
                if len(stack) >= MAX_DEPTH:
                    raise DeletionRefused(
                        Message.plural("it holds folders nested more than {count} level deep; AppWarden deleted what it could reach. Delete the rest yourself", "it holds folders nested more than {count} levels deep; AppWarden deleted what it could reach. Delete the rest yourself", count=MAX_DEPTH)
                    )
                child_fd = _open_child_folder(folder, child, info)
                stack.append((child_fd, _names(child_fd), child))
                continue
            stack.pop()
            os.close(folder)
            os.rmdir(own_name, dir_fd=stack[-1][0] if stack else parent)
    finally:
        for folder, _, _ in stack:
            os.close(folder)


def _names(folder: int) -> list[str]:
    """The names in an open folder (listing a descriptor leaves it open); closed if that fails."""
    try:
        return os.listdir(folder)
    except OSError:
        os.close(folder)
        raise


def _tree_size(parent: int, name: str, info: os.stat_result) -> tuple[int, bool]:
    """Bytes in the file or tree, links not followed, other disks not entered; capped in entries
    and depth. What cannot be read is left out: the size is then a lower bound."""
    if not stat.S_ISDIR(info.st_mode):
        return (info.st_size if stat.S_ISREG(info.st_mode) else 0), False
    total, seen, capped = 0, 1, False
    top = _open_child_folder(parent, name, info)
    stack = [(top, _names(top))]
    try:
        while stack and not capped:
            folder, names = stack[-1]
            if not names:
                os.close(stack.pop()[0])
                continue
            child = names.pop()
            seen += 1
            capped = seen >= MAX_SIZE_ENTRIES
            try:
                child_info = os.stat(child, dir_fd=folder, follow_symlinks=False)
                if stat.S_ISREG(child_info.st_mode):
                    total += child_info.st_size
                elif stat.S_ISDIR(child_info.st_mode) and child_info.st_dev == info.st_dev:
                    if len(stack) >= MAX_DEPTH:
                        capped = True
                        continue
                    child_fd = _open_child_folder(folder, child, child_info)
                    stack.append((child_fd, _names(child_fd)))
            except (OSError, DeletionRefused):
                continue
    finally:
        for folder, _ in stack:
            os.close(folder)
    return total, capped
