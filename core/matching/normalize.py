"""How identifiers and names are compared: Unicode NFKC, case-folded, whitespace collapsed; names
also as their words, for whole-word matching."""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"\w+")
# Scripts written without spaces between words: kana, Han (Chinese, Japanese kanji: the CJK
# extension A, unified and compatibility blocks, and the supplementary planes' ideographs), Hangul.
# Compared by code point: a regular expression over these ranges costs 7 ms to compile (re builds
# a table of every code point in them), paid by every check.
UNSPACED_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xAC00, 0xD7AF),
                   (0x20000, 0x2FA1F))


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
    if text.isascii():
        return False
    for character in text:
        code = ord(character)
        if code >= 0x3040 and any(low <= code <= high for low, high in UNSPACED_RANGES):
            return True
    return False
