"""Running AppWarden as a second, unprivileged account: root passes every permission check, so only
another account meets what a person meets after `sudo appwarden scan` left root's files in their home."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import PROJECT

ACCOUNT = "appwarden-test"


@dataclass(frozen=True)
class Account:
    name: str
    uid: int
    gid: int


def second_account() -> Account:
    """The unprivileged test account, created (without a home folder) the first time it is needed."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("needs root, to create a second account and run AppWarden as it")
    try:
        entry = pwd.getpwnam(ACCOUNT)
    except KeyError:
        useradd = shutil.which("useradd")
        if useradd is None:
            pytest.skip("useradd is not installed, so no second account can be created")
        subprocess.run(
            [useradd, "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", ACCOUNT],
            check=True, capture_output=True,
        )
        entry = pwd.getpwnam(ACCOUNT)
    return Account(entry.pw_name, entry.pw_uid, entry.pw_gid)


def unused_uid() -> int:
    """A user id with no account entry, as in a container started with `--user 12345`."""
    return next(uid for uid in range(23456, 24456) if not _has_entry(uid))


def _has_entry(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


@contextmanager
def shared_folder() -> Iterator[Path]:
    """A temporary folder every account may enter (pytest's own are root's alone); removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="appwarden-accounts-"))
    try:
        folder.chmod(0o755)
        yield folder
    finally:
        shutil.rmtree(folder)


def run_as(uid: int, gid: int, args: list[str], home: Path | None, **extra_env: str) -> subprocess.CompletedProcess:
    """`python -m appwarden.core ARGS` (or the window's launcher when ARGS starts with `gui`) as that account, with
    only the environment a login would give: HOME (unset when None), PATH and the language."""
    python = _python_for(uid, gid)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": _import_path(), "APPWARDEN_LANG": "en", "LANG": "C.UTF-8", **extra_env}
    if home is not None:
        env["HOME"] = str(home)
    # A path in PYTHONPATH is not a site folder: its .pth files (the editable install's finder, which
    # maps appwarden.core to core/) are read only when the launcher adds it as one.
    site_folders = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    launcher = f"import site, sys; [site.addsitedir(f) for f in {site_folders!r}]; from appwarden.gui.launcher import main; sys.exit(main())"
    return subprocess.run(
        [python, "-c", launcher, *args], capture_output=True, text=True, cwd=PROJECT, env=env,
        user=uid, group=gid, extra_groups=[], timeout=180,
    )


def _import_path() -> str:
    return os.pathsep.join([str(PROJECT), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])


def _python_for(uid: int, gid: int) -> str:
    """This interpreter when the account may run it, else the system's Python of the same version
    (a virtual environment under root's home is out of its reach)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    for python in dict.fromkeys([sys.executable, f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]):
        try:
            probe = subprocess.run(
                [python, "-c", "import platformdirs, packaging, psutil"], capture_output=True, cwd="/",
                env={"PYTHONPATH": _import_path()}, user=uid, group=gid, extra_groups=[],
            )
        except OSError:  # missing, or not executable by that account
            continue
        if probe.returncode == 0:
            return python
    pytest.skip(f"no Python {version} that user id {uid} may run with AppWarden's dependencies")
