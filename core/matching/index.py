"""The rule index: every identifier of every rule in hash tables, so matching costs one lookup
per identifier of an item, whatever the number of rules.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from appwarden.core.matching.normalize import WORD, is_unspaced_script, normalize, words, words_of_normalized
from appwarden.core.policy.model import PolicySet, Rule
from appwarden.core.policy.versions import version_allowed
from appwarden.core.sources.base import InventoryItem, LeftoverLocation


@dataclass(frozen=True)
class Match:
    rule: Rule
    item: InventoryItem
    namespace: str
    identifier: str


class RuleIndex:
    def __init__(self, policies: PolicySet) -> None:
        # namespace -> normalized identifier -> rules: one dict per namespace, so a lookup builds no
        # (namespace, value) tuple.
        self._exact: dict[str, dict[str, list[Rule]]] = defaultdict(lambda: defaultdict(list))
        self._names: dict[str, list[Rule]] = defaultdict(list)
        # Names in scripts that separate words with spaces match as whole words anywhere in a name
        # ("Агент администрирования Kaspersky Security Center"), keyed on their first word.
        self._phrases: dict[str, list[tuple[tuple[str, ...], Rule]]] = defaultdict(list)
        # Chinese and Japanese names match exactly, or as the start of a name when what follows is
        # not more of the same script ("微信 3.9", "微信（测试版）", not 微信读书), or by a listed
        # prefix; never inside a name (企业微信, WeCom, contains 微信). Both are keyed on their first
        # character, which a name they start must share, so a name is compared with a few only.
        self._unspaced_prefixes: dict[str, list[tuple[str, Rule]]] = defaultdict(list)
        self._unspaced_names: dict[str, list[tuple[str, Rule]]] = defaultdict(list)
        self._lookalikes: set[tuple[str, str, str]] = set()
        self._lookalike_phrases: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        self._publishers: dict[str, tuple[str, ...]] = {}
        for rule in policies.rules:
            self._add(rule)
        self._phrase_starts = frozenset(self._phrases)

    def _add(self, rule: Rule) -> None:
        for namespace, values in rule.identifiers.items():
            for value in values:
                self._exact[namespace][normalize(value)].append(rule)
        for platform, templates in rule.leftovers.items():
            for template in templates:
                self._exact["leftover"][normalize(f"{rule.id}:{template}")].append(rule)
        match = rule.display_names
        self._publishers[rule.id] = tuple(normalize(p) for p in match.publishers)
        for name in match.names:
            self._names[normalize(name)].append(rule)
            self._add_phrase(name, rule)
            if is_unspaced_script(name):
                key = normalize(name)
                self._unspaced_names[key[:1]].append((key, rule))
        for prefix in match.prefixes:
            if is_unspaced_script(prefix):
                key = normalize(prefix)
                self._unspaced_prefixes[key[:1]].append((key, rule))
            else:
                self._add_phrase(prefix, rule)
        for namespace, values in rule.lookalikes.items():
            for value in values:
                self._lookalikes.add((rule.id, namespace, normalize(value)))
                if namespace == "display_names" and words(value):
                    self._lookalike_phrases[rule.id].append(words(value))

    def _add_phrase(self, name: str, rule: Rule) -> None:
        phrase = words(name)
        if phrase and not is_unspaced_script(name):
            self._phrases[phrase[0]].append((phrase, rule))

    def matches(self, item: InventoryItem) -> list[Match]:
        return self.matches_among((item,))[0]

    def matches_among(self, items: Iterable[InventoryItem]) -> tuple[list[Match], int]:
        """The matches among items, and how many items there were; items can be a stream read
        as it is matched, so only matches are kept."""
        # The hot path of a check: every item of every source comes through here, so it is written
        # for the item that matches nothing (nearly all of them), with what it uses in locals and
        # no call per item. ASCII text, nearly all of it, is normalized inline (NFKC changes no
        # ASCII and case folding is lower(); whitespace is collapsed only when there is some), and
        # an ASCII name goes through the full name matching only when it is a rule's name or holds
        # a word that starts one. bench/matching_scale.py --against 1aaf0dc: 1,000,000 items
        # against 1,000 rules in 0.4 times the time of the plain version.
        exact, names, phrase_starts, find_words = self._exact, self._names, self._phrase_starts, WORD.findall
        matched: list[Match] = []
        count = 0
        for item in items:
            count += 1
            found: dict[str, Match] | None = None
            for namespace, value in item.identifiers:
                by_value = exact.get(namespace)
                if by_value is None:
                    continue
                if value.isascii():
                    key = value.lower()
                    if " " in key or not key.isprintable():  # the only ways ASCII holds whitespace
                        key = " ".join(key.split())
                else:
                    key = normalize(value)
                rules = by_value.get(key)
                if rules:
                    found = found if found is not None else {}
                    for rule in rules:
                        if rule.id not in found:
                            found[rule.id] = Match(rule, item, namespace, value)
            name = item.name
            if name and item.publisher:
                if name.isascii():
                    parts = name.lower().split()
                    key = " ".join(parts)
                    # An ASCII name holds no Han, kana or Hangul, so only its whole self or its
                    # words can reach a rule; when it is letters and digits, its words are its parts.
                    name_words = parts if key.replace(" ", "").isalnum() else find_words(key)
                    by_name = (self._by_display_name(key) if key in names or not phrase_starts.isdisjoint(name_words)
                               else None)
                else:
                    by_name = self._by_display_name(normalize(name))
                if by_name:
                    found = found if found is not None else {}
                    publisher = normalize(item.publisher)
                    for rule in by_name:
                        if rule.id not in found and any(trusted in publisher for trusted in self._publishers[rule.id]):
                            found[rule.id] = Match(rule, item, "display_name", name)
            if found is not None:
                keys = [(namespace, normalize(value)) for namespace, value in item.identifiers]
                matched += [m for m in found.values() if self._applies(m.rule, item, keys)]
        return matched, count

    def _by_display_name(self, name: str) -> list[Rule]:
        """The rules one of whose names or prefixes a normalized name holds, before their
        publishers are checked."""
        candidates = list(self._names.get(name, ()))
        name_words = words_of_normalized(name)
        for position, word in enumerate(name_words):
            for phrase, rule in self._phrases.get(word, ()):
                if name_words[position:position + len(phrase)] == phrase:
                    candidates.append(rule)
        # An unspaced entry's key is never empty (it holds a Han, kana or Hangul character, which
        # NFKC keeps as one), so a name it starts shares its first character. Prefixes before
        # names, as the candidates have always been listed.
        for prefix, rule in self._unspaced_prefixes.get(name[:1], ()):
            if name.startswith(prefix):
                candidates.append(rule)
        for key, rule in self._unspaced_names.get(name[:1], ()):
            if len(name) > len(key) and name.startswith(key) and not is_unspaced_script(name[len(key)]):
                candidates.append(rule)
        return candidates

    def _applies(self, rule: Rule, item: InventoryItem, keys: list[tuple[str, str]]) -> bool:
        for namespace, key in keys:
            if (rule.id, namespace, key) in self._lookalikes:
                return False
        if item.name and self._is_lookalike_name(rule, item.name):
            return False
        return version_allowed(rule.versions, item.version)

    def _is_lookalike_name(self, rule: Rule, name: str) -> bool:
        """The name is one of the rule's look-alikes, or holds every word of one ("WeChat Work 4.1",
        "企业微信 5.0", "WeChat Web DevTools"): a look-alike wins over the rule's own names,
        however they were matched."""
        if (rule.id, "display_names", normalize(name)) in self._lookalikes:
            return True
        name_words = set(words(name))
        return any(name_words.issuperset(phrase) for phrase in self._lookalike_phrases.get(rule.id, ()))


def leftover_locations(policies: PolicySet) -> tuple[LeftoverLocation, ...]:
    return tuple(
        LeftoverLocation(rule.id, platform, template)
        for rule in policies.rules
        for platform, templates in rule.leftovers.items()
        for template in templates
    )
