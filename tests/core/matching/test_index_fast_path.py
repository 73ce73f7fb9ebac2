"""The index's fast paths (ASCII text inlined, first-character buckets for Chinese names, a set
test before a name's words are looked up) give exactly what the rules say, written plainly here:
every identifier, name and prefix compared one by one with every rule."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from appwarden.core.matching.index import RuleIndex
from appwarden.core.matching.normalize import UNSPACED_RANGES, is_unspaced_script, normalize, words
from appwarden.core.policy.loader import load_policies
from appwarden.core.policy.versions import version_allowed
from appwarden.core.sources.base import EvidenceKind, InventoryItem

POLICIES = load_policies()
INDEX = RuleIndex(POLICIES)


def plainly_normalized(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def holds_phrase(name_words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    return bool(phrase) and any(name_words[i:i + len(phrase)] == phrase for i in range(len(name_words)))


def named_by(rule, name: str) -> bool:
    """Whether a name reaches the rule through its display names (before the publisher)."""
    key, name_words = plainly_normalized(name), words(name)
    for listed in rule.display_names.names:
        listed_key = plainly_normalized(listed)
        if key == listed_key:
            return True
        if is_unspaced_script(listed):
            if len(key) > len(listed_key) and key.startswith(listed_key) and not is_unspaced_script(key[len(listed_key)]):
                return True
        elif holds_phrase(name_words, words(listed)):
            return True
    for prefix in rule.display_names.prefixes:
        if is_unspaced_script(prefix):
            if key.startswith(plainly_normalized(prefix)):
                return True
        elif holds_phrase(name_words, words(prefix)):
            return True
    return False


def looks_alike(rule, item: InventoryItem) -> bool:
    for namespace, values in rule.lookalikes.items():
        for value in values:
            if namespace == "display_names" and item.name:
                if plainly_normalized(item.name) == plainly_normalized(value):
                    return True
                if words(value) and set(words(item.name)).issuperset(words(value)):
                    return True
            if any(ns == namespace and plainly_normalized(v) == plainly_normalized(value) for ns, v in item.identifiers):
                return True
    return False


def plainly_matched(rules, item: InventoryItem) -> set[str]:
    found = set()
    for rule in rules:
        by_identifier = any(
            plainly_normalized(value) == plainly_normalized(listed)
            for namespace, value in item.identifiers
            for listed in rule.identifiers.get(namespace, ())
        )
        by_name = bool(item.name and item.publisher) and named_by(rule, item.name) and any(
            plainly_normalized(trusted) in plainly_normalized(item.publisher) for trusted in rule.display_names.publishers
        )
        if (by_identifier or by_name) and not looks_alike(rule, item) and version_allowed(rule.versions, item.version):
            found.add(rule.id)
    return found


# Pieces of the shipped pack's own names and identifiers, and their look-alikes, so random items
# come close to its rules; the rest is any text.
PIECES = sorted({
    piece
    for rule in POLICIES.rules
    for text in (*rule.display_names.names, *rule.display_names.prefixes, *rule.display_names.publishers,
                 *(v for values in rule.identifiers.values() for v in values),
                 *(v for values in rule.lookalikes.values() for v in values))
    for piece in (text, *text.split())
})
NAMESPACES = sorted({namespace for rule in POLICIES.rules for namespace in rule.identifiers})
pieces = st.sampled_from(PIECES)
texts = st.one_of(
    pieces,
    st.text(max_size=12),
    st.builds(lambda a, sep, b: a + sep + b, pieces, st.sampled_from([" ", "", "-", "（", " 3.9", "\u3000", "读书"]), st.one_of(pieces, st.text(max_size=6))),
    st.builds(str.upper, pieces),
    st.builds(lambda t: unicodedata.normalize("NFKD", t), pieces),
)


@settings(max_examples=600, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(NAMESPACES), texts), max_size=3),
    st.one_of(st.just(""), texts),
    st.one_of(st.just(""), texts),
    st.sampled_from(["", "1.0", "3.9.0", "99"]),
)
def test_the_index_finds_what_the_rules_say(identifiers, name, publisher, version):
    found = InventoryItem("test", EvidenceKind.INSTALLED, tuple(identifiers), name=name, publisher=publisher, version=version)
    assert {match.rule.id for match in INDEX.matches(found)} == plainly_matched(POLICIES.rules, found)


@given(st.text())
def test_normalize_of_ascii_text_is_the_unicode_rule(text):
    assert normalize(text) == plainly_normalized(text)
    ascii_text = text.encode("ascii", "replace").decode("ascii")
    assert normalize(ascii_text) == plainly_normalized(ascii_text)


def test_the_plain_statement_finds_and_excludes_as_the_pack_says():
    # So the comparison above is between two matchers that find things, not two that find nothing.
    wechat = InventoryItem("test", EvidenceKind.INSTALLED, (("deb", "WeChat"),), name="微信 3.9", publisher="Tencent")
    wecom = InventoryItem("test", EvidenceKind.INSTALLED, (), name="企业微信 5.0", publisher="Tencent")
    assert plainly_matched(POLICIES.rules, wechat) == {"wechat"} == {m.rule.id for m in INDEX.matches(wechat)}
    assert plainly_matched(POLICIES.rules, wecom) == set() == {m.rule.id for m in INDEX.matches(wecom)}


UNSPACED_PATTERN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002fa1f]")


@given(st.text(alphabet=st.characters(min_codepoint=0x3000, max_codepoint=0x30000) | st.characters(), max_size=8))
def test_unspaced_scripts_by_code_point_are_the_ranges_as_a_pattern(text):
    assert is_unspaced_script(text) == (UNSPACED_PATTERN.search(text) is not None)


def test_each_edge_of_the_unspaced_ranges():
    for low, high in UNSPACED_RANGES:
        assert is_unspaced_script(chr(low)) and is_unspaced_script(chr(high))
        assert not is_unspaced_script(chr(low - 1)) or any(a <= low - 1 <= b for a, b in UNSPACED_RANGES)
        assert not is_unspaced_script(chr(high + 1)) or any(a <= high + 1 <= b for a, b in UNSPACED_RANGES)
