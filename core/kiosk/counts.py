"""The only thing about people a kiosk may keep, when its configuration asks for it: a count per day
of checks, and of findings per rule, with no device data at all (no name, model, serial or time of
day). A small JSON file in the kiosk's state folder, which IT staff can read:

    {"2026-12-02": {"checks": 14, "findings": {"wechat": 2, "tiktok": 1}}}

A file that is not such counts is never overwritten: counting stops and says so.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from appwarden.core.files import write_text_atomically

COUNTS_FILE = "daily-counts.json"
MAX_COUNTS_BYTES = 1024 * 1024
KEEP_DAYS = 400  # older days are dropped, so the file stays small
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_RULE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class CountsUnusable(Exception):
    """The counts file is there but is not AppWarden's counts: it is left as it is."""


def read_counts(path: Path) -> dict[str, dict]:
    try:
        raw = path.read_bytes()[:MAX_COUNTS_BYTES + 1]
    except FileNotFoundError:
        return {}
    if len(raw) > MAX_COUNTS_BYTES:
        raise CountsUnusable("larger than a counts file")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise CountsUnusable("not the kiosk's counts (JSON)") from None
    if not isinstance(data, dict) or not all(_is_day(day, value) for day, value in data.items()):
        raise CountsUnusable("not the kiosk's counts")
    return data


def _is_day(day: object, value: object) -> bool:
    return (isinstance(day, str) and bool(_DAY.fullmatch(day)) and isinstance(value, dict)
            and set(value) <= {"checks", "findings"} and _count(value.get("checks", 0))
            and isinstance(value.get("findings", {}), dict)
            and all(isinstance(rule, str) and _RULE.fullmatch(rule) and _count(n) for rule, n in value.get("findings", {}).items()))


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**9


def count_check(path: Path, rule_ids: list[str], on: dt.date) -> None:
    """One more check on `on`, and one more finding for each rule found; nothing else is written."""
    counts = read_counts(path)
    day = counts.setdefault(on.isoformat(), {"checks": 0, "findings": {}})
    day["checks"] = day.get("checks", 0) + 1
    findings = day.setdefault("findings", {})
    for rule in sorted(set(rule_ids)):
        if _RULE.fullmatch(rule):
            findings[rule] = findings.get(rule, 0) + 1
    kept = dict(sorted(counts.items())[-KEEP_DAYS:])
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, json.dumps(kept, indent=1, sort_keys=True) + "\n")
