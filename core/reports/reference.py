"""A check's reference code (AW-7R4K-92XC): short enough to read out on the phone, and found again
with `appwarden history --code`.

The code is a hash of the check's JSON report in English (target identity and start time
included), so two checks, of one device or of two, get different codes.
"""

from __future__ import annotations

import json
import re

from appwarden.core.digests import sha256

PREFIX = "AW"
# No 0/O/Q/D, 1/I/L/J, S (5), Z (2), B (8), U/V: a code is read out and typed back by hand.
ALPHABET = "23456789ACEFGHKMNPRTWXY"
LENGTH = 8  # 23**8: about 36 bits
GROUP = 4
# What a person may type for a symbol the alphabet leaves out because it looks like one it has.
LOOK_ALIKES = str.maketrans({"S": "5", "Z": "2", "B": "8"})
_SEPARATORS = re.compile(r"[\s\-_.\u2010-\u2015]+")  # any dash a text field or a copy may give


def reference_code(report: dict) -> str:
    """The code of a JSON report (core.reports.json_report.report_dict in English); its own
    `reference` entry, if it has one, is left out of the hash."""
    hashed = {key: value for key, value in report.items() if key != "reference"}
    canonical = json.dumps(hashed, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    number = int.from_bytes(sha256(canonical.encode("utf-8")).digest()[:8], "big")
    symbols = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        symbols.append(ALPHABET[index])
    return formatted("".join(symbols))


def formatted(symbols: str) -> str:
    groups = [symbols[start:start + GROUP] for start in range(0, len(symbols), GROUP)]
    return "-".join([PREFIX, *groups])


def normalised_code(typed: str) -> str | None:
    """The code as AppWarden writes it, from what a person typed: any case, with or without the
    AW prefix, dashes or spaces; None when it cannot be a reference code."""
    compact = _SEPARATORS.sub("", typed).upper()
    if compact.startswith(PREFIX) and len(compact) == len(PREFIX) + LENGTH:
        compact = compact[len(PREFIX):]
    compact = compact.translate(LOOK_ALIKES)
    if len(compact) != LENGTH or any(symbol not in ALPHABET for symbol in compact):
        return None
    return formatted(compact)


def unbroken(code: str) -> str:
    """The code with non-breaking hyphens, so that a wrapped line never splits it; it reads back the same."""
    return code.replace("-", "\u2011")


def spoken(code: str) -> str:
    """The code one symbol at a time, groups apart, for a screen reader (AW-7Q4K-… as "A W, 7 Q 4 K, …")."""
    return ", ".join(" ".join(group) for group in code.split("-"))
