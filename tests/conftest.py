"""Test-wide settings: every test gets its own history folder and speaks English unless it says otherwise."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Timing varies on a loaded 2-core CI machine; property tests judge outcomes, not speed.
settings.register_profile("appwarden", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("appwarden")

PROJECT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT / "tests" / "fixtures"
SHARED = PROJECT.parent / "shared"
PHONE_OUTPUTS = SHARED / "fixtures" / "phones" / "android"


def shared_phone_output(name: str) -> Path:
    """A real phone output of ../shared/fixtures/phones/android; the test (or, at import, its whole
    module) is skipped, saying why, when ../shared is not beside this checkout."""
    path = PHONE_OUTPUTS / name
    if not path.is_file():
        pytest.skip(f"the real phone outputs are in {PHONE_OUTPUTS} (../shared beside this checkout), which is not here",
                    allow_module_level=True)
    return path

if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))  # the window's answers are kept there
    monkeypatch.setenv("APPWARDEN_LANG", "en")
    yield


def cli_environment(tmp_path: Path) -> dict[str, str]:
    """Environment for running `python -m appwarden.core` in a subprocess with its own history folder."""
    env = dict(os.environ)
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    env["APPWARDEN_LANG"] = "en"
    env["PYTHONPATH"] = str(PROJECT)
    return env


@pytest.fixture(scope="session")
def _one_adb_key_pem() -> bytes:
    """One ADB key for the whole test run: making a 2048-bit key in pure Python takes seconds."""
    from appwarden.core.phones.keys import new_key

    return new_key().private_key.save_pkcs1(format="PEM")


@pytest.fixture
def stored_adb_key(_one_adb_key_pem):
    """AppWarden's stored key for phones, in this test's own data folder, already made."""
    from appwarden.core.phones.keys import StoredKey

    path = StoredKey().path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_one_adb_key_pem)
    path.chmod(0o600)
    return StoredKey()


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `appwarden ARGV`, run in this process."""
    from appwarden.core.cli.main import main

    try:
        code = main([str(arg) for arg in argv])
    except SystemExit as leaving:  # argparse leaves this way, for --help and for a refusal
        code = leaving.code
    out, err = capsys.readouterr()
    return code, out, err
