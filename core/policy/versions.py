"""Lenient reading of application versions for PEP 440 constraints.

Vendors write versions like `3.9.8.25`, `8.0 (build 1234)` or `21.3.10.391(a)`; the leading
dotted number is what a constraint compares. A version that has none cannot be compared, and
the rule then matches anyway (missing an app is worse than a finding a person can check).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # packaging is imported only when a rule has versions (a few ms of every check otherwise)
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

_LEADING_NUMBER = re.compile(r"\d+(?:\.\d+)*")


def lenient_version(text: str) -> Version | None:
    from packaging.version import Version

    text = (text or "").strip()
    # ValueError, not only packaging's InvalidVersion (one of its kinds): a version of thousands
    # of digits, as a hostile disk or fleet file can hold, passes Python's limit on int().
    try:
        return Version(text)
    except ValueError:
        pass
    # Debian versions: drop the epoch ("1:2.3") and revision ("-1") before searching.
    text = text.split(":", 1)[1] if re.match(r"^\d+:", text) else text
    found = _LEADING_NUMBER.search(text)
    if not found:
        return None
    try:
        return Version(found.group(0))
    except ValueError:
        return None


def version_allowed(specifiers: SpecifierSet | None, text: str) -> bool:
    """Whether a rule with these constraints applies to an item of this version."""
    if specifiers is None:
        return True
    version = lenient_version(text)
    if version is None:
        return True
    return specifiers.contains(version, prereleases=True)
