"""Text for a terminal that a device cannot steer: control, C1 and bidi characters are shown escaped.

A mounted disk's hostname or a desktop entry's Name can hold escape sequences that erase report
lines or retitle the terminal; they are printed as `\\x1b`, `\\u202e`, ... instead of being obeyed.
Values are escaped where they enter text (TerminalTranslator for sentences, escape_controls for the
rest), and a last pass over each whole output (terminal_output) escapes whatever a new line forgot.
"""

from __future__ import annotations

import re
from typing import Mapping, TextIO

from appwarden.core.i18n import Translator

# DEL, C1, the bidi embeddings, overrides and isolates, and the Unicode line and paragraph separators.
# Also the invisible marks that make one name look like another: zero-width spaces and joiners,
# left-to-right and right-to-left marks, the Arabic letter mark, word joiners, the byte-order mark.
_BEYOND_C0 = r"\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
# All of C0 too, the newline included: a device value must not start a forged line.
DEVICE_VALUE_CONTROLS = re.compile(rf"[\x00-\x1f{_BEYOND_C0}]")
# A whole output keeps its own tabs and line breaks (\t, \n); our templates hold no other control.
OUTPUT_CONTROLS = re.compile(rf"[\x00-\x08\x0b-\x1f{_BEYOND_C0}]")


def escape_controls(value: str) -> str:
    """`value` with every character a terminal would obey written as an escape; printable text unchanged."""
    return DEVICE_VALUE_CONTROLS.sub(_escape, value)


def terminal_output(text: str) -> str:
    """The last pass on a whole output: what is left of control characters, except its own line breaks and tabs."""
    return OUTPUT_CONTROLS.sub(_escape, text)


def print_to_terminal(text: str, file: TextIO | None = None) -> None:
    """Print a line to the terminal after the last pass."""
    print(terminal_output(text), file=file)


_FAMILIAR = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    code = ord(character)
    return _FAMILIAR.get(character) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")


class TerminalTranslator(Translator):
    """A Translator whose filled-in values are escaped: in a terminal any value may come from a device."""

    def fill(self, text: str, values: Mapping[str, object]) -> str:
        return super().fill(text, {name: escape_controls(str(value)) for name, value in values.items()})


def for_terminal(t: Translator) -> TerminalTranslator:
    """The same language as `t`, with its filled-in values escaped."""
    return t if isinstance(t, TerminalTranslator) else TerminalTranslator(t.lang)
