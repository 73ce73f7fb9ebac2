"""A private mount namespace for destructive tests: a fresh tmpfs over /home, everything else read-only.

Inside it, `appwarden remove --yes` can be run for real with a hostile pack: whatever it tries to
delete outside /home fails with "read-only file system", and /home is a throwaway tmpfs that
vanishes with the namespace. The interpreter (which may live under /root) stays readable.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import PROJECT

# Run first inside the namespace: if either mount fails, the script stops before doing anything.
PRELUDE = """
import subprocess
subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755", "tmpfs", "/home"], check=True)
subprocess.run(["mount", "-o", "remount,bind,ro", "/"], check=True)
"""


@functools.cache
def sandbox_problem() -> str | None:
    """Why the sandbox cannot be made here, or None when it can."""
    if os.geteuid() != 0:
        return "a private mount namespace needs root"
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return "unshare and mount (util-linux) are not installed"
    probe = subprocess.run(
        ["unshare", "-m", "--propagation", "private", sys.executable, "-c", PRELUDE + "open('/home/probe', 'w')"],
        capture_output=True, text=True, timeout=60,
    )
    return None if probe.returncode == 0 else f"cannot make a private mount namespace: {probe.stderr.strip()[-200:]}"


def require_sandbox() -> None:
    problem = sandbox_problem()
    if problem is not None:
        pytest.skip(problem)


def run_in_sandbox(script: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a Python script in the sandbox; it can import the project (core, tests)."""
    require_sandbox()
    env = dict(os.environ, PYTHONPATH=str(PROJECT), APPWARDEN_LANG="en",
               XDG_DATA_HOME="/home/.xdg/data", XDG_STATE_HOME="/home/.xdg/state", XDG_CONFIG_HOME="/home/.xdg/config")
    return subprocess.run(
        ["unshare", "-m", "--propagation", "private", sys.executable, "-c", PRELUDE + script],
        capture_output=True, text=True, timeout=timeout, env=env, cwd="/", stdin=subprocess.DEVNULL,
    )
