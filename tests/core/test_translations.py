"""Every message the core can show has a French translation with the same placeholders, and every
message reads right with 0, 1 and 2 of what it counts, in English and in French."""

from __future__ import annotations

import ast
import datetime as dt
import re
import string
import tomllib
from pathlib import Path

import pytest

from appwarden.core.i18n import Translator, detect_language
from appwarden.core.reports import wording
from appwarden.core.scan import OTHER_PLATFORM
from appwarden.core.sources import ALL_SOURCES
from tests.conftest import PROJECT

CATALOG = tomllib.loads((PROJECT / "assets/translations/fr.toml").read_text(encoding="utf-8"))["messages"]

# Placeholders that hold how many of something there are: their noun follows the number.
COUNTS = {"count", "seconds", "minutes", "limit", "size", "declared", "depth", "more", "hidden", "directives", "rules"}
# Numbers that only label something (step 1 of 2, exit code 1, 43.9 kB): no noun agrees with them.
LABELS = {"number", "total", "code", "uid", "id", "whole", "tenth", "pid"}
UNITS = {"kB", "MB", "GB", "TB", "ko", "Mo", "Go", "To", "s"}
# The form each language's grammar asks for, written out here rather than taken from core.i18n.
EXPECTED_FORM = {"en": {0: "other", 1: "one", 2: "other"}, "fr": {0: "one", 1: "one", 2: "other"}}


def _is_translator(func: ast.expr) -> bool:
    """t(...), translate(...), self.t(...)"""
    return (isinstance(func, ast.Name) and func.id in ("t", "translate")) or (
        isinstance(func, ast.Attribute) and func.attr in ("t", "translate")
    )


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def english_messages() -> dict[str, str | None]:
    """English texts the core or the window can show, each with its English singular when it is a
    plural (t.plural / Message.plural), else None: those given to a translator or to Message.of,
    and the labels and source titles the reports look up by name."""
    found: dict[str, str | None] = {}
    for path in [*Path(PROJECT, "core").rglob("*.py"), *Path(PROJECT, "gui").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func, first = node.func, _literal(node.args[0])
            if first is None:
                continue
            owner = getattr(func, "value", None)
            if isinstance(func, ast.Attribute) and func.attr == "plural" and len(node.args) >= 2:
                if _is_translator(owner) or getattr(owner, "id", "") == "Message":
                    other = _literal(node.args[1])
                    if other is not None:
                        found[other] = first
            elif _is_translator(func) or (isinstance(func, ast.Attribute) and func.attr == "of" and getattr(owner, "id", "") == "Message"):
                found.setdefault(first, None)
    for label in [*wording.KIND_LABELS.values(), *wording.STATUS_LABELS.values(), *(s.spec.title for s in ALL_SOURCES), OTHER_PLATFORM]:
        found.setdefault(label, None)
    return found


def messages_in_core() -> set[str]:
    return set(english_messages())


MESSAGES = english_messages()
PLURALS = {other: one for other, one in MESSAGES.items() if one is not None}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def toml_line(message: str, plural: bool = False) -> str:
    """The line to add to fr.toml for `message`, French to be written in place of the dots."""
    english = message.replace("\\", "\\\\").replace('"', '\\"')
    if plural or message in PLURALS:
        return f'"{english}" = {{ one = "…", other = "…" }}'
    return f'"{english}" = "…"'


@pytest.mark.parametrize("message", sorted(MESSAGES))
def test_french_translation_exists_with_the_same_placeholders(message):
    assert message in CATALOG, f"add to the [messages] table of assets/translations/fr.toml:\n{toml_line(message)}"
    french = CATALOG[message]
    if message in PLURALS:
        assert isinstance(french, dict) and set(french) == {"one", "other"}, (
            f"{message!r} counts, so its French is a table of two forms:\n{toml_line(message)}"
        )
        assert placeholders(PLURALS[message]) == placeholders(message)
        for form in french.values():
            assert placeholders(form) == placeholders(message), f"{form!r} needs the placeholders of {message!r}"
    else:
        assert isinstance(french, str), f"{message!r} does not count: its French is one text, not a table"
        assert placeholders(french) == placeholders(message)


def test_no_stale_translations():
    stale = set(CATALOG) - set(MESSAGES)
    assert not stale, "remove from assets/translations/fr.toml (no code shows them): " + "; ".join(sorted(map(repr, stale)))


def numbers_in(text: str) -> set[str]:
    return {name for name in placeholders(text) if name in COUNTS | LABELS}


def _forms(message: str, lang: str) -> list[str]:
    """Every text `message` can be in `lang`: both forms of a plural."""
    english = [PLURALS[message], message] if message in PLURALS else [message]
    if lang == "en":
        return english
    french = CATALOG.get(message, message)
    return list(french.values()) if isinstance(french, dict) else [french]


COUNTED_NOUN = re.compile(r"\{(\w+)\} +(\w+)")


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("message", sorted(MESSAGES))
def test_no_number_is_put_before_a_noun_without_a_plural(message, lang):
    """"{count} items read" as one text says "1 items read"; only a plural's own forms may, and
    only with the number the form is for (a second count is a plural piece of its own)."""
    for text in _forms(message, lang):
        for name, word in COUNTED_NOUN.findall(text):
            if name in COUNTS and word not in UNITS and not (message in PLURALS and name == "count"):
                pytest.fail(
                    f"{text!r} puts {{{name}}} before {word!r}, which must agree with it. Write it as a plural: "
                    f't.plural("<singular>", "<plural>", count=...) or Message.plural(...), the number named {{count}} '
                    f"(a second number gets a plural of its own, passed as a value), and in assets/translations/fr.toml:\n"
                    f"{toml_line(message, plural=True)}"
                )
    if lang == "en":
        assert not re.search(r"(^|[.;:,] )1 [a-z]", message), (
            f"{message!r} writes a literal 1 before what it counts: write one plural, "
            f't.plural("{{count}} <thing>", "{{count}} <things>", count=n), instead of a sentence for 1 and one for the rest'
        )


def render(message: str, lang: str, number: int) -> str:
    values = {name: (number if name in numbers_in(message) else f"<{name}>") for name in placeholders(message)}
    values["count"] = number  # a plural's form follows its count, said or not
    t = Translator(lang)
    return t.plural(PLURALS[message], message, **values) if message in PLURALS else t(message, **values)


# The word after a number said in the singular must not be in the plural: "1 items", "0 éléments".
PLURAL_AFTER_SINGULAR = {"en": re.compile(r"(?<![\w.,])1 ([a-z]+s)\b"), "fr": re.compile(r"(?<![\w.,])[01] ([a-zà-ÿ]+[sx])\b")}
# ... nor its verb: "1 of its programs are running", "1 de ses programmes sont".
PLURAL_VERB_AFTER_SINGULAR = {
    "en": re.compile(r"(?<![\w.,])1 (of \w+ \w+ )?(are|were|have)\b"),
    "fr": re.compile(r"(?<![\w.,])[01] (de \w+ \w+ |d’entre \w+ )?(sont|ont|étaient)\b"),
}
# Words ending in s or x that do not say a plural.
INVARIABLE = {
    "is", "was", "has", "does", "this", "its", "as", "process", "fois", "mois",
    "dans", "sous", "sans", "plus", "mais", "vers", "chez", "depuis", "puis", "après", "très", "hors", "moins", "alors",
}


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("message", sorted(MESSAGES))
def test_every_message_agrees_with_0_1_and_2(message, lang):
    for number in (0, 1, 2):
        shown = render(message, lang, number)
        if message in PLURALS:
            forms = {"one": PLURALS[message], "other": message} if lang == "en" else CATALOG.get(message)
            if not isinstance(forms, dict):
                pytest.fail(f"{message!r} counts: add to the [messages] table of assets/translations/fr.toml:\n{toml_line(message)}")
            expected = EXPECTED_FORM[lang][number]
            filled = {name: (number if name in numbers_in(message) else f"<{name}>") for name in placeholders(message)}
            assert shown == forms[expected].format(**filled), f"{lang} says {number} with its {expected!r} form"
        noun = PLURAL_AFTER_SINGULAR[lang].search(shown)
        assert noun is None or noun.group(1) in INVARIABLE, f"{lang}, {number}: {shown!r} says {noun.group(0)!r}"
        verb = PLURAL_VERB_AFTER_SINGULAR[lang].search(shown)
        assert verb is None, f"{lang}, {number}: {shown!r} says {verb.group(0)!r}"


@pytest.mark.parametrize("message", sorted(PLURALS))
def test_a_plural_s_two_forms_differ(message):
    assert PLURALS[message] != message, f"{message!r}: the English singular is the same text as the plural"
    french = CATALOG.get(message)
    if isinstance(french, dict):
        assert french["one"] != french["other"], f"{message!r}: the two French forms are the same text"


def test_english_uses_straight_apostrophes_and_french_typographic_ones():
    assert [m for m in MESSAGES if "’" in m or "’" in (PLURALS.get(m) or "")] == []
    french = [text for value in CATALOG.values() for text in (value.values() if isinstance(value, dict) else [value])]
    assert [text for text in french if "'" in text] == []


def test_translator_falls_back_to_english_and_fills_values():
    assert Translator("de").lang == "en"
    assert Translator("en")("Unknown {x}", x=1) == "Unknown 1"
    # A plural with no French yet is English, by English's rule.
    assert Translator("fr").plural("{count} widget", "{count} widgets", count=0) == "0 widgets"


def test_plural_forms_follow_each_language_s_rule():
    t_en, t_fr = Translator("en"), Translator("fr")
    said = [(t_en.plural("{count} item read", "{count} items read", count=n), t_fr.plural("{count} item read", "{count} items read", count=n)) for n in (0, 1, 2)]
    assert said == [("0 items read", "0 élément lu"), ("1 item read", "1 élément lu"), ("2 items read", "2 éléments lus")]


def test_language_detection(monkeypatch):
    monkeypatch.delenv("APPWARDEN_LANG", raising=False)
    monkeypatch.setenv("LANG", "fr_CA.UTF-8")
    assert detect_language() == "fr"
    assert detect_language("en") == "en"
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert detect_language() == "en"


def test_dates_are_written_as_prose_writes_them():
    day, first, moment = dt.date(2023, 10, 30), dt.date(2023, 3, 1), dt.datetime(2026, 12, 1, 9, 5)
    assert [Translator("en").date(day), Translator("en").date(first), Translator("en").moment(moment)] == [
        "October 30, 2023", "March 1, 2023", "December 1, 2026, 09:05"]
    assert [Translator("fr").date(day), Translator("fr").date(first), Translator("fr").moment(moment)] == [
        "30 octobre 2023", "1er mars 2023", "1er décembre 2026 à 9 h 05"]


def _french_texts(node: object) -> list[str]:
    if isinstance(node, dict):
        return [text for key, value in node.items() for text in ([value] if key == "fr" and isinstance(value, str) else _french_texts(value))]
    return [text for value in node for text in _french_texts(value)] if isinstance(node, list) else []


@pytest.mark.parametrize("pack", sorted(Path(PROJECT, "assets/policies").rglob("*.toml")), ids=lambda path: path.name)
def test_the_french_of_shipped_packs_uses_typographic_apostrophes(pack):
    straight = [text for text in _french_texts(tomllib.loads(pack.read_text(encoding="utf-8"))) if "'" in text]
    assert straight == [], f"write ’ instead of ' in the French texts of {pack.name}"


def test_french_puts_no_space_before_a_semicolon():
    """One usage throughout, Canadian French's: "lus; la couverture", never "lus ; la couverture"."""
    forms = [form for value in CATALOG.values() for form in (value.values() if isinstance(value, dict) else [value])]
    assert [form for form in forms if " ;" in form] == []
