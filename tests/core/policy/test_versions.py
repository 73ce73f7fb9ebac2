"""Lenient version reading: any text gives a comparable version or None, never an exception."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from appwarden.core.policy.versions import lenient_version, version_allowed


@given(st.text(max_size=60))
def test_any_text_is_a_version_or_none(text):
    version = lenient_version(text)
    assert version is None or isinstance(version, Version)
    assert version_allowed(SpecifierSet(">=1"), text) in (True, False)


@given(st.lists(st.integers(min_value=0, max_value=99999), min_size=1, max_size=5), st.text(max_size=20))
def test_leading_dotted_number_is_kept_whatever_follows(parts, suffix):
    dotted = ".".join(map(str, parts))
    version = lenient_version(f"{dotted} ({suffix})")
    assert version == Version(dotted)


def test_a_version_of_thousands_of_digits_is_no_version_not_a_crash():
    """Python's int() refuses over 4,300 digits with a plain ValueError, which packaging lets through."""
    from packaging.specifiers import SpecifierSet

    assert lenient_version("9" * 5000) is None
    assert lenient_version("1." + "9" * 5000) is None
    assert version_allowed(SpecifierSet("<4"), "9" * 5000) is True  # cannot be compared: the rule applies
