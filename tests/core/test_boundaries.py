"""The core's promises: no Qt, no network, no shell, every source module listed, sources declared as data."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import appwarden.core.sources
from appwarden.core.sources import ALL_SOURCES
from appwarden.core.sources.base import (
    ALL_PLATFORMS,
    IDENTIFIER_NAMESPACES,
    INTERNAL_NAMESPACES,
    EvidenceKind,
    InventorySource,
    LazySource,
)
from tests.conftest import PROJECT, cli_environment


SOURCES_PACKAGE = "appwarden.core.sources."


def sources_defined() -> set[type]:
    """Every source class written in core/sources or one of its platform folders (linux/, windows/, ...):
    a module defines a source when it defines a concrete InventorySource; parsers and shared helpers define none."""
    found = set()
    for module_info in pkgutil.walk_packages(appwarden.core.sources.__path__, SOURCES_PACKAGE):
        module = importlib.import_module(module_info.name)
        found |= {
            value for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, InventorySource) and not inspect.isabstract(value)
            and value.__module__ == module.__name__ and value is not LazySource
        }
    return found


def real(source: InventorySource) -> InventorySource:
    """The source itself: a platform folder's is listed by name and loaded when first used."""
    return source.loaded if isinstance(source, LazySource) else source


def test_every_source_module_is_listed_once():
    listed = [f"{type(real(s)).__module__}.{type(real(s)).__name__}" for s in ALL_SOURCES]
    assert {f"{c.__module__}.{c.__name__}" for c in sources_defined()} == set(listed)
    assert len(listed) == len(set(listed))
    names = [s.spec.name for s in ALL_SOURCES]
    assert len(names) == len(set(names))
    # A lazy source's name and platform, known without loading it, are its spec's.
    assert [(s.name, s.platforms) for s in ALL_SOURCES] == [(s.spec.name, s.spec.platforms) for s in ALL_SOURCES]


def test_a_check_of_linux_loads_no_other_systems_readers(tmp_path):
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from appwarden.core.policy.loader import load_policies
        from appwarden.core.reports.text_report import render_text
        from appwarden.core.scan import run_scan
        from appwarden.core.sources.base import ScanTarget
        from appwarden.core.i18n import Translator
        result = run_scan(ScanTarget(Path(sys.argv[1]), "linux", live=False), load_policies())
        render_text(result, Translator("en"))
        readers = ("appwarden.core.sources.windows.", "appwarden.core.sources.macos.", "appwarden.core.sources.android.inventory",
                   "appwarden.core.sources.ios.inventory")
        # A pack's registry keys are checked by a module of the Windows folder that reads nothing.
        loaded = sorted(name for name in sys.modules if name.startswith(readers) and name != "appwarden.core.sources.windows.key_paths")
        print(",".join(loaded))
        """
    )
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/os-release").write_text("ID=debian\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, env=cli_environment(tmp_path), timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_the_walk_reaches_into_every_platform_folder():
    """The test above would pass with a platform folder's sources unlisted if its walk missed the folder."""
    folders = {source.__module__.removeprefix(SOURCES_PACKAGE).rpartition(".")[0] for source in sources_defined()}
    assert {"linux", "windows", "macos"} <= folders


@pytest.mark.parametrize("source", ALL_SOURCES, ids=lambda s: s.spec.name)
def test_source_lives_in_its_platform_folder(source):
    """A source of one platform sits in that platform's folder; one that serves several sits beside the folders."""
    place = type(real(source)).__module__.removeprefix(SOURCES_PACKAGE).split(".")[:-1]
    assert place == (sorted(source.spec.platforms) if len(source.spec.platforms) == 1 else [])


@pytest.mark.parametrize("source", ALL_SOURCES, ids=lambda s: s.spec.name)
def test_source_declares_itself(source):
    spec = source.spec
    assert isinstance(source, InventorySource)
    assert spec.platforms and spec.platforms <= ALL_PLATFORMS
    assert spec.reads and spec.title
    assert isinstance(spec.kind, EvidenceKind)
    assert set(spec.yields) <= set(IDENTIFIER_NAMESPACES) | INTERNAL_NAMESPACES


def test_core_imports_and_scans_without_pyside6(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        class BlockQt:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("PySide6", "shiboken6") or name.startswith("appwarden.gui"):
                    raise ImportError("blocked for this test: " + name)
        sys.meta_path.insert(0, BlockQt())
        sys.path.insert(0, {str(PROJECT)!r})
        from appwarden.core.cli.main import main
        code = main(["scan", "--no-history", "--format", "json"])
        assert not [m for m in sys.modules if m.startswith(("PySide6", "appwarden.gui"))]
        print("exit", code)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert done.stdout.strip().endswith(("exit 0", "exit 1")), done.stderr


def test_no_core_module_imports_qt():
    for module in pkgutil.walk_packages(importlib.import_module("appwarden.core").__path__, "appwarden.core."):
        source = importlib.util.find_spec(module.name).origin
        text = open(source, encoding="utf-8").read()
        assert "PySide6" not in text and "appwarden.gui" not in text and "from appwarden import gui" not in text, module.name


# --- a child Python that notes what really happens --------------------------------------------------
# Each check runs AppWarden's commands in a child Python with an audit hook (sys.addaudithook), so
# what is observed is what the standard library really did, not what a patched method was asked.
# The hook script defines `watch` (the hook) and `canary` (does once what must be refused, to prove
# that the hook sees it); the phase shows which command was running.
CHILD = """
import io, json, os, socket, subprocess, sys
sys.path.insert(0, sys.argv[1])
noted, phase = [], ["start"]

class Terminal(io.StringIO):  # a person at a terminal who answers yes to every question
    def isatty(self):
        return True

sys.stdin = Terminal("y\\n" * 200)
{hook}
sys.addaudithook(watch)
from appwarden.core.cli.main import main
exit_codes = {{}}
for name, argv in json.loads(sys.argv[2]):
    phase[0] = name
    exit_codes[name] = main(argv)
phase[0] = "canary"
canary()
with open(sys.argv[3], "w") as out:
    json.dump({{"noted": noted, "exit_codes": exit_codes}}, out)
"""
NOTHING = """
def watch(event, args):
    pass

def canary():
    pass
"""


def child_command(tmp_path, hook: str, check: list) -> list[str]:
    return [sys.executable, "-c", CHILD.format(hook=hook), str(PROJECT), json.dumps(check), str(tmp_path / "noted.json")]


def run_watched(tmp_path, hook: str, check: list) -> dict:
    """What the hook noted while the child ran `check` ([phase, argv] pairs) and its canary, and each exit code."""
    done = subprocess.run(
        child_command(tmp_path, hook, check),
        capture_output=True, text=True, cwd=tmp_path, env=cli_environment(tmp_path), stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    return json.loads((tmp_path / "noted.json").read_text())


# --- no network ----------------------------------------------------------------------------------
WATCH_SOCKETS = """
def watch(event, args):
    if event.startswith("socket."):
        family = args[1] if event == "socket.__new__" else getattr(args[0], "family", None) if args else None
        noted.append({"phase": phase[0], "event": event, "family": None if family is None else int(family), "args": repr(args)[:300]})

def canary():
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()
"""
LOCAL_FAMILY = getattr(socket, "AF_UNIX", None)
FULL_CHECK = [
    ["scan", ["scan", "--format", "html"]],
    ["explain", ["explain", "wechat"]],
    ["history", ["history"]],
]


def network_use(event: dict) -> bool:
    """Reading this machine's own name is not network use; a socket is, unless it is a local (AF_UNIX) one."""
    if event["event"] == "socket.gethostname":
        return False
    return event["family"] is None or event["family"] != LOCAL_FAMILY


def test_a_full_scan_opens_no_network_connection(tmp_path):
    noted = run_watched(tmp_path, WATCH_SOCKETS, FULL_CHECK)["noted"]
    assert [e for e in noted if e["phase"] != "canary" and network_use(e)] == []
    assert [e["event"] for e in noted if e["phase"] == "canary" and network_use(e)] == ["socket.__new__"]


STRACE_CALLS = "socket,connect,bind,sendto,sendmsg"


def sockets_traced(tmp_path, name: str, command: list[str]) -> list[str]:
    """The socket system calls a command and all its children made, as strace writes them."""
    log = tmp_path / f"{name}.strace"
    done = subprocess.run(
        ["strace", "-f", "-qq", "-e", f"trace={STRACE_CALLS}", "-o", str(log), *command],
        capture_output=True, text=True, cwd=tmp_path, env=cli_environment(tmp_path), stdin=subprocess.DEVNULL,
    )
    if not log.exists() or "PTRACE" in done.stderr:
        pytest.skip(f"strace cannot trace a program here: {done.stderr.strip()}")
    return log.read_text().splitlines()


def non_local_sockets(calls: list[str]) -> list[str]:
    """Calls naming an address family other than AF_UNIX. AF_UNIX ones are local: glibc asks the nscd
    daemon (/var/run/nscd/socket) for user names when the processes source reads who runs what."""
    return [call for call in calls if set(re.findall(r"\bAF_(\w+)", call)) - {"UNIX", "LOCAL"}]


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace (Debian package strace) is not installed")
def test_a_full_scan_makes_no_network_system_call(tmp_path):
    canary = sockets_traced(tmp_path, "canary", child_command(tmp_path, WATCH_SOCKETS, []))
    assert len(non_local_sockets(canary)) == 1, canary  # strace sees what the check below must refuse
    calls = sockets_traced(tmp_path, "check", child_command(tmp_path, NOTHING, FULL_CHECK))
    assert non_local_sockets(calls) == []


# --- no shell --------------------------------------------------------------------------------------
SHELLS = {"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "csh", "tcsh", "fish", "busybox", "cmd", "powershell", "pwsh"}
WATCH_PROGRAMS = """
def words(value):
    return [os.fsdecode(value)] if isinstance(value, (str, bytes, os.PathLike)) else [os.fsdecode(v) for v in value]

def watch(event, args):
    if event == "subprocess.Popen":  # executable, args, cwd, env
        program, argv = args[0], words(args[1])
    elif event == "os.system":  # command: always run by the system's shell
        program, argv = "/bin/sh", ["/bin/sh", "-c", os.fsdecode(args[0])]
    elif event in ("os.exec", "os.posix_spawn"):  # path, args, env
        program, argv = args[0], words(args[1])
    elif event == "os.spawn":  # mode, path, args, env
        program, argv = args[1], words(args[2])
    else:
        return
    noted.append({"phase": phase[0], "event": event, "program": os.fsdecode(program or argv[0]), "argv": argv})

def canary():  # both ways a shell can be asked for
    os.system("exit 0")
    subprocess.run("exit 0", shell=True)
"""
THROWAWAY_PACK = """schema = 1
[pack]
id = "test-throwaway"
version = "1"
name = {{ en = "Throwaway pack", fr = "Throwaway pack" }}
[[directives]]
id = "test-directive"
authority = {{ en = "Test Authority", fr = "Test Authority" }}
title = {{ en = "Test directive", fr = "Test directive" }}
document_date = 2023-01-01
effective = 2023-01-02
url = "https://example.org/directive"
finding = {{ en = "present a risk", fr = "present a risk" }}
scope = {{ device_classes = ["mobile"], description = {{ en = "Mobile devices", fr = "Mobile devices" }} }}
[[rules]]
id = "throwaway"
name = {{ en = "Throwaway", fr = "Throwaway" }}
vendor = "AppWarden tests"
directive = "test-directive"
rationale = {{ en = "Made by the test to be removed.", fr = "Made by the test to be removed." }}
identifiers = {{ process = ["{program}"], deb = ["{package}"] }}
removal = {{ linux = {{ en = "Remove it.", fr = "Remove it." }} }}
"""
THROWAWAY_PACKAGE = "appwarden-throwaway"
THROWAWAY_PROGRAM = f"awt-{os.getpid()}"[:15]  # a process name is at most 15 characters


def is_a_shell(start: dict) -> bool:
    names = {os.path.basename(name).lower().removesuffix(".exe") for name in (start["program"], start["argv"][0])}
    return bool(names & SHELLS) or "-c" in start["argv"][1:]


def programs_started(tmp_path) -> list[dict]:
    """Every program a scan, a dry run and a real removal of the throwaway rule started (the canaries checked and left out)."""
    pack = tmp_path / "throwaway.toml"
    pack.write_text(THROWAWAY_PACK.format(program=THROWAWAY_PROGRAM, package=THROWAWAY_PACKAGE))
    policy = ["--no-default-policy", "--policy", str(pack)]
    check = [
        ["scan", ["scan", "--no-history", "--format", "json", *policy]],
        ["dry run", ["remove", "throwaway", "--dry-run", *policy]],
        ["remove", ["remove", "throwaway", "--yes", *policy]],
    ]
    observed = run_watched(tmp_path, WATCH_PROGRAMS, check)
    # Found by the scan; a dry run gives no verdict (exit 0); the real removal's depends on the machine.
    assert observed["exit_codes"]["scan"] == 1 and observed["exit_codes"]["dry run"] == 0, observed
    started = observed["noted"]
    assert [(s["event"], is_a_shell(s)) for s in started if s["phase"] == "canary"] == [("os.system", True), ("subprocess.Popen", True)]
    return [s for s in started if s["phase"] != "canary"]


def start_throwaway_program(tmp_path) -> subprocess.Popen:
    program = shutil.copy(shutil.which("sleep"), tmp_path / THROWAWAY_PROGRAM)
    process = subprocess.Popen([program, "60"])
    # Reaped as soon as it ends, so the removal's quit step sees it gone instead of waiting on a zombie.
    threading.Thread(target=process.wait, daemon=True).start()
    time.sleep(0.1)
    return process


@pytest.mark.skipif(shutil.which("sleep") is None, reason="the throwaway program is a copy of sleep")
def test_no_program_a_scan_or_a_removal_starts_is_a_shell(tmp_path):
    throwaway = start_throwaway_program(tmp_path)
    try:
        started = programs_started(tmp_path)
    finally:
        throwaway.kill()
        throwaway.wait()
    assert throwaway.returncode == -signal.SIGTERM  # the real removal's quit step ended it
    assert [s for s in started if is_a_shell(s)] == []


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("dpkg") is None, reason="installing a .deb needs root and dpkg")
def test_a_package_removal_starts_the_package_manager_itself(tmp_path):
    from tests.core.sources.linux.test_dpkg import build_deb

    if subprocess.run(["dpkg-query", "-W", THROWAWAY_PACKAGE], capture_output=True).returncode == 0:
        pytest.skip(f"a package named {THROWAWAY_PACKAGE} is installed here; the test will not touch it")
    deb = build_deb(tmp_path, THROWAWAY_PACKAGE, "1.0-appwarden")
    subprocess.run(["dpkg", "-i", str(deb)], check=True, capture_output=True)
    try:
        started = programs_started(tmp_path)
        installed = subprocess.run(["dpkg-query", "-W", "-f", "${Status}", THROWAWAY_PACKAGE], capture_output=True, text=True)
    finally:
        subprocess.run(["dpkg", "--purge", THROWAWAY_PACKAGE], capture_output=True)
    manager = (
        ["apt-get", "remove", "-y", "-o", "APT::Get::AutomaticRemove=false", THROWAWAY_PACKAGE]
        if shutil.which("apt-get") else ["dpkg", "--remove", THROWAWAY_PACKAGE]
    )
    assert manager in [s["argv"] for s in started if s["phase"] == "remove" and s["event"] == "subprocess.Popen"]
    assert not installed.stdout.endswith(" installed"), installed.stdout
    assert [s for s in started if is_a_shell(s)] == []


def test_no_source_file_asks_for_a_shell():
    """What the audit hook could miss: a shell asked for on a path no test takes, or a QProcess (Qt starts it)."""
    import pathlib

    for folder in ("core", "gui"):
        for path in pathlib.Path(PROJECT, folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for forbidden in ("shell=True", "os.system(", "os.popen(", "getstatusoutput(", "QProcess"):
                assert forbidden not in text, f"{path} uses {forbidden}"


def test_a_check_without_history_loads_neither_the_history_nor_packaging_nor_the_removal_code(tmp_path):
    """What a check does not use is not imported (issue 15): a check with --no-history and a pack
    without version constraints, of a disk with no RPM database and no Flatpak."""
    script = textwrap.dedent(
        """
        import contextlib, io, sys
        from appwarden.core.cli.main import main
        with contextlib.redirect_stdout(io.StringIO()):
            main(["scan", "--root", sys.argv[1], "--no-history", "--format", "json"])
        unwanted = ("sqlite3", "packaging", "appwarden.core.history", "appwarden.core.removal.model", "appwarden.core.sources.ios.backup",
                    # nor what the shipped pack's compiled form, /proc and os.uname spare a check of this machine
                    "tomllib", "hashlib", "_hashlib", "uuid", "socket", "traceback", "tempfile", "subprocess", "xml")
        print(",".join(sorted(name for name in sys.modules if name.startswith(unwanted))))
        """
    )
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/os-release").write_text("ID=debian\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, env=cli_environment(tmp_path), timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_the_digests_a_check_uses_are_hashlibs():
    import hashlib
    import os

    from appwarden.core.digests import sha1, sha256

    for data in (b"", b"abc", os.urandom(100_000)):
        assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
        assert sha1(memoryview(data)).hexdigest() == hashlib.sha1(data).hexdigest()
