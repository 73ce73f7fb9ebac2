"""Packaging: every Python package is in pyproject's list, and shipped data is found through one lookup."""

from __future__ import annotations

import tomllib

from setuptools import find_packages

from core.assets import asset_path, assets_dir
from tests.conftest import PROJECT


def test_every_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = set(find_packages(str(PROJECT), include=["core", "core.*", "gui", "gui.*"]))
    assert found <= listed, f"add to pyproject [tool.setuptools] packages: {sorted(found - listed)}"
    assert "appwarden_assets" in listed


def test_assets_are_found_from_the_source_tree():
    assert assets_dir() == PROJECT / "assets"
    assert asset_path("policies", "canada.toml").is_file()
    assert asset_path("translations", "fr.toml").is_file()
