"""How identifiers and names are compared: Unicode NFKC, case-folded, whitespace collapsed."""

from __future__ import annotations

import unicodedata


def normalize(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())
