"""Every message the core can show has a French translation with the same placeholders."""

from __future__ import annotations

import ast
import string
import tomllib
from pathlib import Path

import pytest

from core.i18n import Translator, detect_language
from core.reports import wording
from core.scan import OTHER_PLATFORM
from core.sources import ALL_SOURCES
from tests.conftest import PROJECT

CATALOG = tomllib.loads((PROJECT / "assets/translations/fr.toml").read_text(encoding="utf-8"))["messages"]


def messages_in_core() -> set[str]:
    """English texts the core or the window can show: passed to a translator (t(...), translate(...)),
    to Message.of(...), and the source titles."""
    found: set[str] = set()
    for path in [*Path(PROJECT, "core").rglob("*.py"), *Path(PROJECT, "gui").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            first = node.args[0]
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            func = node.func
            is_translator = (isinstance(func, ast.Name) and func.id in ("t", "translate")) or (
                isinstance(func, ast.Attribute) and func.attr in ("t", "translate")  # self.t(...)
            )
            is_message = isinstance(func, ast.Attribute) and func.attr == "of" and getattr(func.value, "id", "") == "Message"
            if is_translator or is_message:
                found.add(first.value)
    found |= set(wording.KIND_LABELS.values()) | set(wording.STATUS_LABELS.values())
    found |= {source.spec.title for source in ALL_SOURCES}  # shown in progress and coverage
    found.add(OTHER_PLATFORM)  # a named template, given to Message.of by name
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("message", sorted(messages_in_core()))
def test_french_translation_exists_with_the_same_placeholders(message):
    assert message in CATALOG, f"add to assets/translations/fr.toml: {message!r}"
    assert placeholders(CATALOG[message]) == placeholders(message)


def test_no_stale_translations():
    assert set(CATALOG) <= messages_in_core()


def test_translator_falls_back_to_english_and_fills_values():
    assert Translator("fr")("{count} items read", count=3) == CATALOG["{count} items read"].format(count=3)
    assert Translator("de").lang == "en"
    assert Translator("en")("Unknown {x}", x=1) == "Unknown 1"


def test_language_detection(monkeypatch):
    monkeypatch.delenv("APPWARDEN_LANG", raising=False)
    monkeypatch.setenv("LANG", "fr_CA.UTF-8")
    assert detect_language() == "fr"
    assert detect_language("en") == "en"
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert detect_language() == "en"
