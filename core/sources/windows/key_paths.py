"""Registry key paths as a pack names them: HKLM\\SOFTWARE\\... (the machine's SOFTWARE tree) or
HKCU\\... (each user's own tree). Apart from the reader, so checking a pack loads no registry code.
"""

from __future__ import annotations

from dataclasses import dataclass

MACHINE, USER = "HKLM\\SOFTWARE\\", "HKCU\\"


@dataclass(frozen=True)
class KeyPath:
    """A key a pack names: in the machine's SOFTWARE tree, or in each user's tree (HKCU)."""

    per_user: bool
    parts: tuple[str, ...]


def parse_key_path(text: str) -> KeyPath | None:
    """HKLM\\SOFTWARE\\... or HKCU\\... as a key below that tree, or None when it is neither (or
    names no key, or holds an empty part or a wildcard)."""
    for prefix, per_user in ((MACHINE, False), (USER, True)):
        if text[: len(prefix)].casefold() == prefix.casefold():
            parts = tuple(text[len(prefix):].split("\\"))
            if parts and all(part and part == part.strip() and not set(part) & set("*?/") for part in parts):
                return KeyPath(per_user, parts)
    return None
