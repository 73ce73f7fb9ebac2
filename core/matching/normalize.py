"""How identifiers and names are compared: Unicode NFKC, case-folded, whitespace collapsed; names
also as their words, for whole-word matching."""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"\w+")
# Scripts written without spaces between words: Han (Chinese, Japanese kanji), kana, Hangul.
UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002fa1f]")


def normalize(text: str) -> str:
    # Most identifiers are ASCII, where NFKC changes nothing and case folding is lower(): skipping
    # both halves the cost of a call (matching a million items calls this about three million times).
    if text.isascii():
        return " ".join(text.lower().split())
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def words(text: str) -> tuple[str, ...]:
    """The normalized words of a name: runs of letters and digits, so "WeChat-Work (x64)" is
    wechat, work, x64. A Chinese name without spaces is one word."""
    return words_of_normalized(normalize(text))


def words_of_normalized(normalized: str) -> tuple[str, ...]:
    """The words of a name that is already normalized (saves normalizing it twice)."""
    return tuple(WORD.findall(normalized))


def is_unspaced_script(text: str) -> bool:
    """Whether a name is written in a script that does not separate words with spaces."""
    return UNSPACED.search(text) is not None
