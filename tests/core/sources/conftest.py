"""Fixtures shared by the source tests."""

from __future__ import annotations

import codecs
import os
import pwd
import stat
from pathlib import Path
from typing import Callable, Iterator

import pytest


@pytest.fixture
def deny_reading(tmp_path: Path) -> Iterator[Callable[[Path], None]]:
    """Takes read access to a folder away for the test (and gives it back after).

    Root reads folders whatever their mode, so as root the test then runs as the unprivileged
    user `nobody` (effective uid only, given back after): the refusal is the kernel's own.
    """
    denied: list[Path] = []
    opened: list[tuple[Path, int]] = []
    as_root = os.geteuid() == 0

    def deny(folder: Path) -> None:
        folder.chmod(0)
        denied.append(folder)
        if as_root and not opened:
            # pytest's temporary folders are private to root; let `nobody` walk down to the test's.
            for parent in [tmp_path, *tmp_path.parents]:
                if parent == Path(parent.anchor) or not str(parent).startswith(str(tmp_path.parents[2])):
                    break
                opened.append((parent, stat.S_IMODE(parent.stat().st_mode)))
                parent.chmod(opened[-1][1] | 0o011)
            # The interpreter's own files may be private to root too: load the codecs a read needs now.
            for codec in ("utf-8-sig", "utf-16", "ascii", "latin-1"):
                codecs.lookup(codec)
            os.seteuid(pwd.getpwnam("nobody").pw_uid)

    yield deny
    if as_root and opened:
        os.seteuid(0)
    for folder in denied:
        folder.chmod(0o755)
    for parent, mode in opened:
        parent.chmod(mode)
