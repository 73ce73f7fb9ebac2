"""What every Android parser returns: the values it could read and, as sentences, what it could not."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from appwarden.core.messages import Message

T = TypeVar("T")

# A package name as Android accepts it (and as pm, am and a pack may name it): two or more
# dot-joined parts, each a letter then letters, digits or _. Nothing else is taken for a package.
PACKAGE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+")
# A line of the phone's output that is kept in a sentence is cut to this many characters.
QUOTED_LINE_LIMIT = 120


@dataclass(frozen=True)
class Parsed(Generic[T]):
    values: tuple[T, ...]
    problems: tuple[Message, ...] = ()


def quoted(line: str) -> str:
    """A line of the phone's output as a sentence may quote it: stripped, cut, printable."""
    text = "".join(c if c.isprintable() else "?" for c in line.strip())
    return text if len(text) <= QUOTED_LINE_LIMIT else text[:QUOTED_LINE_LIMIT] + "…"


REFUSAL_MARKERS = ("Error:", "Exception", "Unknown option", "Unknown command", "Failure", "Can't find service", "/system/bin/sh:")


def refusal(line: str) -> Message | None:
    """The phone's own refusal of a command (`Error: Unknown option: -i`), as a sentence."""
    stripped = line.strip()
    if any(marker in stripped for marker in REFUSAL_MARKERS):
        return Message.of("the phone refused the command: {line}", line=quoted(stripped))
    return None
