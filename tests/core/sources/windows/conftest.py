"""Fixtures of the Windows source tests: the hives are built once per session (hivexsh is slow)."""

from __future__ import annotations

import lzma
import shutil
from pathlib import Path

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
