"""YAML text for the Fleet export: a list of flat mappings of texts and booleans, written so that
any YAML reader gets back exactly the texts given (tests read it back with PyYAML).

A text with lines is a literal block (`|-`) when every character is one a block keeps as it is;
anything else is a double-quoted scalar with every character YAML could fold, drop or refuse
escaped (line breaks, controls, the byte-order mark, U+0085, U+2028, U+2029). A "$" is always
escaped (\x24): fleetctl replaces "$NAME" in a GitOps file with an environment variable before it
reads the YAML, and fails on one that is not set.
"""

from __future__ import annotations

from typing import Iterable, Mapping

INDENT = "  "


def _printable_in_block(character: str) -> bool:
    code = ord(character)
    return character != "$" and (character in "\t\n" or 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF) and code not in (0xFEFF, 0x2028, 0x2029)


def quoted(text: str) -> str:
    """A double-quoted scalar holding exactly `text`."""
    out = []
    for character in text:
        code = ord(character)
        if character in '"\\':
            out.append("\\" + character)
        elif character == "\n":
            out.append("\\n")
        elif character == "\t":
            out.append("\\t")
        elif (0x20 <= code <= 0x7E and character != "$") or (_printable_in_block(character) and code >= 0xA0):
            out.append(character)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _block(text: str, indent: str) -> str | None:
    """A literal block holding exactly `text`, or None when a block cannot."""
    if "\n" not in text or text.endswith("\n") or not all(map(_printable_in_block, text)):
        return None
    lines = text.split("\n")
    # A block's indentation is found from its first line that is not empty: it must not start
    # with a space, and an empty or space-only line is kept as it is only with no trailing spaces.
    if lines[0][:1] in (" ", "\t", "") or any(line.strip(" ") == "" and line for line in lines):
        return None
    if any(line[:1] == "\t" for line in lines):
        return None
    body = "\n".join(f"{indent}{line}" if line else "" for line in lines)
    return "|-\n" + body


def scalar(value: object, indent: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _block(value, indent) or quoted(value)
    raise TypeError(f"no YAML scalar for {type(value).__name__}")


def yaml_list_of_mappings(entries: Iterable[Mapping[str, object]], header: Iterable[str] = ()) -> str:
    """The entries as a YAML sequence of mappings, after `header` lines as comments."""
    lines = [_comment(line) for line in header]
    for entry in entries:
        first = True
        for key, value in entry.items():
            lead = "- " if first else INDENT
            lines.append(f"{lead}{key}: {scalar(value, INDENT * 2)}")
            first = False
    return "\n".join(lines) + "\n"


def _comment(line: str) -> str:
    """A comment line: its text on one line, with nothing a reader could take for a line break."""
    text = "".join(c if _printable_in_block(c) and c != "\n" else ("＄" if c == "$" else " ") for c in line)
    return f"# {text}".rstrip()
