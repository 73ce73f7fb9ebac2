"""Packaging: every Python package is in pyproject's list, and shipped data is found through one lookup."""

from __future__ import annotations

import tomllib

from setuptools import find_packages

from appwarden.core.assets import asset_path, assets_dir
from tests.conftest import PROJECT


def test_every_package_is_listed_in_pyproject():
    setuptools = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    found = {f"appwarden.{name}" for name in find_packages(str(PROJECT), include=["core", "core.*", "gui", "gui.*"])}
    assert found <= listed, f"add to pyproject [tool.setuptools] packages: {sorted(found - listed)}"
    assert {"appwarden", "appwarden.assets"} <= listed
    # Nothing of ours is installed at the top level but `appwarden`.
    assert {name.split(".")[0] for name in listed} == {"appwarden"}
    assert setuptools["package-dir"] == {
        "appwarden": "tools/appwarden_package", "appwarden.core": "core", "appwarden.gui": "gui", "appwarden.assets": "assets",
    }


def test_assets_are_found_from_the_source_tree():
    assert assets_dir() == PROJECT / "assets"
    assert asset_path("policies", "canada.toml").is_file()
    assert asset_path("translations", "fr.toml").is_file()


def test_nothing_imports_our_packages_by_their_folder_names():
    """`core` and `gui` are folders here; installed, they are `appwarden.core` and `appwarden.gui`.
    An import by the folder name works in this checkout (it is on sys.path) and fails once installed."""
    import ast

    offenders = []
    for folder in ("core", "gui", "tests", "tools", "bench"):
        for path in (PROJECT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                    [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
                )
                offenders += [f"{path.relative_to(PROJECT)}: {name}" for name in names if name.split(".")[0] in ("core", "gui", "appwarden_assets")]
    assert offenders == []


def test_an_installed_wheel_holds_only_the_appwarden_package(tmp_path):
    """The wheel itself, built from this checkout: one top-level import package, `appwarden`."""
    import subprocess
    import sys
    import zipfile

    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(PROJECT)],
        capture_output=True, text=True,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("appwarden-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"appwarden"}
    assert {"appwarden/__init__.py", "appwarden/core/scan.py", "appwarden/gui/app.py", "appwarden/assets/policies/canada.toml"} <= set(names)
