"""SQL text for osquery (SQLite's dialect): quoted values and the comparisons a rule's identifiers
and names need, as exactly as SQLite can say them.

Every value from a pack goes through `quote`, so no identifier can change a query. SQLite's
`lower()` folds A to Z only and it has no Unicode normalisation: an ASCII value is compared
case-insensitively, any other value as the pack spells it (`sqlite_lower` gives the literal that
`lower(column)` would be compared with).
"""

from __future__ import annotations

from typing import Iterable

from appwarden.core.matching.normalize import UNSPACED_RANGES

# What Python's str.split() takes for whitespace, which AppWarden's matching strips and collapses.
# Written out: finding them among all code points costs 130 ms (tests/core/fleet checks the list).
WHITESPACE = tuple(map(chr, (9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 133, 160, 5760, *range(8192, 8203), 8232, 8233, 8239,
                             8287, 12288)))
# What separates words, in a name osquery reports, for the whole-word comparisons: ASCII
# punctuation and whitespace (AppWarden's words are runs of letters, digits and "_"), and the
# full-width and CJK punctuation names are written with. Anything else is compared as it is.
WORD_SEPARATORS = tuple(dict.fromkeys((
    *(chr(code) for code in (*range(1, 32), 127)),  # ASCII controls
    *(c for c in WHITESPACE if c != " "),  # the rest of what Python splits on (WHITESPACE)
    "!", '"', "#", "$", "%", "&", "'", "(", ")", "*", "+", ",", "-", ".", "/", ":", ";", "<", "=", ">", "?", "@",
    "[", "\\", "]", "^", "`", "{", "|", "}", "~",
    "\u3000", "\u3001", "\u3002", "\u300a", "\u300b", "\u300c", "\u300d", "\u3010", "\u3011", "\u30fb", "\u00b7",
    "\uff08", "\uff09", "\uff0c", "\uff1a", "\uff1b", "\uff01", "\uff1f", "\uff0d", "\u2014", "\u2013",
    # ®, © ("Kaspersky® Endpoint Security"). Not ™: AppWarden's Unicode
    # normalisation makes it the letters TM, part of the word before it.
    "\u00ae", "\u00a9",
)))
# Each pass halves a run of spaces: four passes make a run of up to 16 one space.
SPACE_PASSES = 4
STEP = 12  # separators replaced in one nested expression (see words_stages)


class UnquotableValue(ValueError):
    """A value SQL text cannot carry (a NUL character ends a string in osquery's SQLite)."""


def quote(value: str) -> str:
    """A SQL expression holding exactly `value`: a string literal, with each character that is not
    plainly printable as char(N) beside it: a "$" (fleetctl reads "$NAME" in a GitOps file as an
    environment variable, even inside a query), controls and line breaks (so that a query stays
    one readable block in YAML)."""
    if "\0" in value:
        raise UnquotableValue(value)
    parts, literal = [], []
    for character in value:
        if character == "$" or not (character.isprintable() or character == " "):
            if literal:
                parts.append("'" + "".join(literal).replace("'", "''") + "'")
                literal = []
            parts.append(f"char({ord(character)})")
        else:
            literal.append(character)
    if literal or not parts:
        parts.append("'" + "".join(literal).replace("'", "''") + "'")
    return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"


def sqlite_lower(value: str) -> str:
    """The text as SQLite's lower() makes it: A to Z lowered, every other character kept."""
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in value)


def equals_any(column: str, values: Iterable[str]) -> str:
    """The column is one of values: ASCII ones in any case, others as spelled. "0" when none."""
    values = list(dict.fromkeys(values))
    folded = sorted({sqlite_lower(v) for v in values if v.isascii()})
    exact = sorted({v for v in values if not v.isascii()})
    parts = []
    if folded:
        parts.append(f"lower({column}) IN ({', '.join(map(quote, folded))})")
    if exact:
        parts.append(f"{column} IN ({', '.join(map(quote, exact))})")
    return any_of(parts)


def any_of(conditions: Iterable[str]) -> str:
    conditions = [c for c in conditions if c and c != "0"]
    if not conditions:
        return "0"
    return _joined(conditions, " OR ")


def all_of(conditions: Iterable[str]) -> str:
    conditions = [c for c in conditions if c and c != "1"]
    if "0" in conditions:
        return "0"
    if not conditions:
        return "1"
    return _joined(conditions, " AND ")


BALANCED_ABOVE = 64  # terms joined in one flat chain; more are grouped (see _joined)


def _joined(conditions: list[str], operator: str) -> str:
    """The conditions joined by the operator. SQLite parses a chain of N terms N deep and refuses
    expressions over 1,000 deep, so a long list (a pack with hundreds of names) is grouped in
    halves, log N deep."""
    if len(conditions) == 1:
        return conditions[0]
    if len(conditions) <= BALANCED_ABOVE:
        return "(" + operator.join(conditions) + ")"
    middle = len(conditions) // 2
    return "(" + _joined(conditions[:middle], operator) + operator + _joined(conditions[middle:], operator) + ")"


def words_stages(column: str, alias: str) -> list[tuple[str, str]]:
    """The column's words, lowered as SQLite lowers, each between single spaces, with a space at
    both ends (' wechat 3 9 '), as (expression, name) steps: each step's expression reads the
    previous step's name. A phrase is then `instr(<last name>, ' wechat ')`. One expression of
    all the replacements would nest past the depth SQLite's parser takes (it stops at about 100),
    so each step replaces a dozen separators and each is a common table expression of its own
    (stacked subqueries would nest as deep)."""
    steps, text = [], f"lower(coalesce({column}, ''))"
    for start in range(0, len(WORD_SEPARATORS), STEP):
        for separator in WORD_SEPARATORS[start:start + STEP]:
            text = f"replace({text}, {quote(separator)}, ' ')"
        steps.append((text, f"{alias}_{len(steps)}"))
        text = steps[-1][1]
    for _ in range(SPACE_PASSES):
        text = f"replace({text}, '  ', ' ')"
    steps.append((f"(' ' || {text} || ' ')", alias))
    return steps


def collapsed(expression: str) -> str:
    """The text with its tabs and line breaks made spaces and its runs of spaces made one, as
    AppWarden's matching compares a publisher."""
    text = f"coalesce({expression}, '')"
    for separator in ("\t", "\n", "\r"):
        text = f"replace({text}, {quote(separator)}, ' ')"
    for _ in range(SPACE_PASSES):
        text = f"replace({text}, '  ', ' ')"
    return text


def phrase_literal(words: Iterable[str]) -> str:
    """The words as they stand in `words_of`'s text."""
    return " " + " ".join(sqlite_lower(w) for w in words) + " "


def trimmed(column: str) -> str:
    """The column without the spaces, tabs and line breaks around it (AppWarden's matching
    ignores them; SQLite's trim() alone removes spaces only)."""
    return f"trim({column}, char({', '.join(str(ord(c)) for c in WHITESPACE)}))"


def starts_with(column: str, prefix: str) -> str:
    return f"substr({column}, 1, {len(prefix)}) = {quote(prefix)}"


def unspaced_at(column: str, position: int) -> str:
    """The character at `position` (1-based) is Han, kana or Hangul, as AppWarden's matching tells."""
    code = f"unicode(substr({column}, {position}, 1))"
    return "(" + " OR ".join(f"{code} BETWEEN {low} AND {high}" for low, high in UNSPACED_RANGES) + ")"
