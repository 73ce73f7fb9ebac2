"""Fixtures shared by the source tests."""

from __future__ import annotations

import codecs
import os
import pwd
import stat
from pathlib import Path
from typing import Callable, Iterator

import lzma
import shutil

import pytest

from tests.core.sources.windows.windows_disk import (
    HIVE_FIXTURES,
    BuiltHives,
    build_ntuser,
    build_software,
    build_system,
    build_usrclass,
    layout_windows_disk,
)


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


# The Windows disks (here, so the sources beside the platform folders are tested on them too);
# the hives are built once per session, since hivexsh is slow.
@pytest.fixture(scope="session")
def windows_hives(tmp_path_factory) -> BuiltHives:
    if not HIVE_FIXTURES.is_dir():
        pytest.skip(f"the shared Windows hive fixtures are not at {HIVE_FIXTURES}")
    if shutil.which("hivexsh") is None:
        pytest.skip("hivexsh is not installed (Debian package libhivex-bin); it writes the test hives")
    folder = tmp_path_factory.mktemp("hives")
    built = BuiltHives(folder / "SOFTWARE", folder / "SYSTEM", folder / "NTUSER.DAT", folder / "UsrClass.dat")
    for source, destination in (
        ("ntuser_software_partial.xz", built.software),
        ("SYSTEM.xz", built.system),
        ("NTUSER.DAT.xz", built.ntuser),
        ("NTUSER.DAT.xz", built.usrclass),
    ):
        destination.write_bytes(lzma.decompress((HIVE_FIXTURES / source).read_bytes()))
    build_software(built.software)
    build_system(built.system)
    build_ntuser(built.ntuser)
    build_usrclass(built.usrclass)
    return built


@pytest.fixture
def windows_disk(tmp_path: Path, windows_hives: BuiltHives) -> Path:
    return layout_windows_disk(tmp_path / "disk", windows_hives)
