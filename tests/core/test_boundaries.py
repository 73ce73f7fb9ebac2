"""The core's promises: no Qt, no network, every source module listed, sources declared as data."""

from __future__ import annotations

import importlib
import pkgutil
import socket
import subprocess
import sys
import textwrap

import pytest

import core.sources
from core.sources import ALL_SOURCES
from core.sources.base import ALL_PLATFORMS, IDENTIFIER_NAMESPACES, INTERNAL_NAMESPACES, EvidenceKind, InventorySource
from tests.conftest import PROJECT

def is_source_module(name: str) -> bool:
    """Every module in core/sources is a source, except the interface and shared helpers."""
    return name != "base" and not name.endswith("_common")


def test_every_source_module_is_listed_once():
    modules = {m.name for m in pkgutil.iter_modules(core.sources.__path__) if is_source_module(m.name)}
    listed = {type(s).__module__.rsplit(".", 1)[1] for s in ALL_SOURCES}
    assert modules == listed
    names = [s.spec.name for s in ALL_SOURCES]
    assert len(names) == len(set(names))


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
                if name.split(".")[0] in ("PySide6", "shiboken6", "gui"):
                    raise ImportError("blocked for this test: " + name)
        sys.meta_path.insert(0, BlockQt())
        sys.path.insert(0, {str(PROJECT)!r})
        from core.cli.main import main
        code = main(["scan", "--no-history", "--format", "json"])
        assert not [m for m in sys.modules if m.startswith(("PySide6", "gui"))]
        print("exit", code)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert done.stdout.strip().endswith(("exit 0", "exit 1")), done.stderr


def test_no_core_module_imports_qt():
    for module in pkgutil.walk_packages(importlib.import_module("core").__path__, "core."):
        source = importlib.util.find_spec(module.name).origin
        text = open(source, encoding="utf-8").read()
        assert "PySide6" not in text and "import gui" not in text and "from gui" not in text, module.name


def test_a_full_scan_opens_no_network_connection(monkeypatch, capsys):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError("AppWarden tried to open a network connection")

    for name in ("connect", "connect_ex", "sendto", "bind"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    from core.cli.main import main

    code = main(["scan", "--format", "html"])
    assert code in (0, 1)
    assert attempts == []
    assert main(["explain", "wechat"]) == 0
    assert main(["history"]) == 0
    assert attempts == []


def test_no_command_runs_through_a_shell():
    import pathlib

    for path in pathlib.Path(PROJECT, "core").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for forbidden in ("shell=True", "os.system(", "os.popen(", "getstatusoutput("):
            assert forbidden not in text, f"{path} uses {forbidden}"
