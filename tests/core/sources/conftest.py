"""Fixtures shared by the source tests."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterator

import pytest


@pytest.fixture
def deny_reading() -> Iterator[Callable[[Path], None]]:
    """Takes read access to a folder away for the test (and gives it back after).

    Root reads folders whatever their mode, so where the tests run as root this skips.
    """
    if os.geteuid() == 0:
        pytest.skip("root reads folders whatever their mode, so chmod 000 denies nothing")
    denied: list[Path] = []

    def deny(folder: Path) -> None:
        folder.chmod(0)
        denied.append(folder)

    yield deny
    for folder in denied:
        folder.chmod(0o755)
