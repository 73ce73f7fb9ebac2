"""The one translation mechanism the core and the window share.

Messages are written in English in the code and looked up by that English text in
assets/translations/<lang>.toml; policy texts carry their own languages (LocalText).

A sentence that counts something has two English forms and names its number `count`:

    t.plural("{count} item read", "{count} items read", count=n)        # or Message.plural(...)

and its translation is a table keyed by the English plural form, with the same two forms:

    "{count} items read" = { one = "{count} élément lu", other = "{count} éléments lus" }

English says `one` for 1 only; French for 0 and 1 (plural_form). A sentence with two counts is
made of plural pieces: Message.of("{a}, {b}", a=Message.plural(...), b=Message.plural(...)).
tests/core/test_translations.py renders every message with 0, 1 and 2 and says what to add.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

from appwarden.core.assets import asset_path

SUPPORTED_LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
PLURAL_COUNT = "count"  # the value a plural sentence's form follows
MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"),
}


def plural_form(lang: str, count: int) -> str:
    """"one" or "other": English uses "one" for 1 only, French for 0 and 1 ("0 élément lu")."""
    if lang == "fr":
        return "one" if abs(count) < 2 else "other"
    return "one" if count == 1 else "other"


@dataclass(frozen=True)
class LocalText:
    """A human-readable text in several languages; English is always present."""

    texts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def get(self, lang: str) -> str:
        return self.texts.get(lang) or self.texts.get(DEFAULT_LANGUAGE, "")

    @classmethod
    def of(cls, **texts: str) -> "LocalText":
        return cls(MappingProxyType(dict(texts)))

    def as_dict(self) -> dict[str, str]:
        return dict(self.texts)


@lru_cache(maxsize=None)
def _catalog(lang: str) -> Mapping[str, str | Mapping[str, str]]:
    if lang == DEFAULT_LANGUAGE:
        return {}
    import tomllib  # 3 ms, only for a language other than English

    path = asset_path("translations", f"{lang}.toml")
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle).get("messages", {})
    except (OSError, tomllib.TOMLDecodeError):
        # A missing or broken catalogue must not stop a scan: English is shown instead.
        return {}


class Translator:
    """Turns an English message into the person's language, filling in {placeholders}."""

    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        self.lang = lang if lang in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, message: str, /, **values: object) -> str:
        text = _catalog(self.lang).get(message, message)
        if not isinstance(text, str):  # a plural entry asked for without its English singular
            text = text.get("other", message)
        return self.fill(text, values)

    def plural(self, one: str, other: str, /, **values: object) -> str:
        """The form of `one`/`other` (English) that values["count"] asks for, in this language."""
        count = int(str(values[PLURAL_COUNT]))
        forms = _catalog(self.lang).get(other)
        if isinstance(forms, Mapping):
            return self.fill(forms[plural_form(self.lang, count)], values)
        english = {"one": one, "other": other}  # no translation yet: English, by English's rule
        return self.fill(english[plural_form(DEFAULT_LANGUAGE, count)], values)

    def fill(self, text: str, values: Mapping[str, object]) -> str:
        """`text` with its {placeholders} filled in (a TerminalTranslator escapes the values first)."""
        return text.format(**values) if values else text

    def text(self, local: LocalText) -> str:
        return local.get(self.lang)

    def date(self, day: dt.date) -> str:
        """A date as prose writes it: "October 30, 2023" (as Canada.ca does), "30 octobre 2023",
        "1er mars 2023". JSON keeps ISO dates."""
        month = MONTHS[self.lang][day.month - 1]
        if self.lang == "fr":
            return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"
        return f"{month} {day.day}, {day.year}"

    def moment(self, when: dt.datetime) -> str:
        """A date and time as prose writes them: "October 30, 2023, 14:05", "30 octobre 2023 à 14 h 05"."""
        if self.lang == "fr":
            return f"{self.date(when.date())} à {when.hour} h {when.minute:02d}"
        return f"{self.date(when.date())}, {when:%H:%M}"


def detect_language(explicit: str | None = None) -> str:
    """The language to speak: --lang, then APPWARDEN_LANG, then the locale, then English."""
    candidates = [explicit, os.environ.get("APPWARDEN_LANG")]
    candidates += [os.environ.get(name) for name in ("LC_ALL", "LC_MESSAGES", "LANG")]
    for candidate in candidates:
        if candidate:
            code = candidate.split("_")[0].split(".")[0].lower()
            if code in SUPPORTED_LANGUAGES:
                return code
            if candidate is explicit:
                return DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def readable_local_time(iso: str, lang: str) -> str:
    """"November 29, 2026, 10:04" ("29 novembre 2026 à 10 h 04") in this computer's time zone, as
    every date a person reads is written (core.i18n.Translator.moment)."""
    try:
        moment = dt.datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso
    return Translator(lang).moment(moment)
