"""The shipped packs compiled to Python (core/policy/compiler.py) are what parsing them gives."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from appwarden.core.policy import loader
from appwarden.core.policy.compiler import COMPILED_MODULE, NotCompilable, compiled_module_source, source_of
from appwarden.core.policy.loader import load_pack, shipped_pack_paths


@pytest.mark.parametrize("path", shipped_pack_paths(), ids=lambda p: p.name)
def test_a_compiled_pack_is_the_pack_its_file_gives(path):
    compiled, compiled_problems = load_pack(path)
    parsed, parsed_problems = load_pack(path, use_compiled=False)
    assert compiled_problems == parsed_problems == []
    for field in dataclasses.fields(parsed):  # field by field, so a difference is named
        assert getattr(compiled, field.name) == getattr(parsed, field.name), field.name
    assert compiled == parsed and compiled.shipped


def test_the_compiled_module_is_up_to_date():
    assert COMPILED_MODULE.read_text(encoding="utf-8") == compiled_module_source(shipped_pack_paths()), (
        "assets/policies changed: run `python -m appwarden.core.policy.compiler` and commit core/policy/compiled_packs.py"
    )


def test_the_shipped_pack_is_built_without_parsing(monkeypatch):
    monkeypatch.setattr(loader, "_read_pack", lambda *args: pytest.fail("the shipped pack was parsed"))
    pack, problems = load_pack(loader.default_pack_path())
    assert pack is not None and problems == []


def test_a_copy_elsewhere_is_compiled_but_not_shipped(tmp_path):
    copy = tmp_path / "canada.toml"
    copy.write_bytes(loader.default_pack_path().read_bytes())
    pack, problems = load_pack(copy)
    assert problems == [] and pack.path == copy and not pack.shipped
    assert pack == load_pack(copy, use_compiled=False)[0]


def test_an_edited_copy_is_parsed_and_validated_again(tmp_path):
    text = loader.default_pack_path().read_text(encoding="utf-8")
    edited = tmp_path / "edited.toml"
    edited.write_text(text + "\n# one more comment\n", encoding="utf-8")
    pack, problems = load_pack(edited)
    assert problems == [] and pack.sha256 != load_pack(loader.default_pack_path())[0].sha256
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace('id = "wechat"', 'id = "wechat"\nunknown_key = 1', 1), encoding="utf-8")
    pack, problems = load_pack(broken)
    assert pack is None and any("unknown_key" in str(problem) for problem in problems)


def test_a_missing_compiled_module_means_parsing(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "appwarden.core.policy.compiled_packs", None)  # import fails
    pack, problems = load_pack(loader.default_pack_path())
    assert problems == [] and pack == load_pack(loader.default_pack_path(), use_compiled=False)[0]


def test_a_value_the_compiler_cannot_write_is_refused():
    with pytest.raises(NotCompilable):
        source_of(Path("/etc"))
    assert eval(source_of((1, "a", frozenset({"b", "c"}), {"k": None}))) == (1, "a", frozenset({"b", "c"}), {"k": None})
