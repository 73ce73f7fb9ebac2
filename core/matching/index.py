"""The rule index: every identifier of every rule in hash tables, so matching costs one lookup
per identifier of an item, whatever the number of rules.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from appwarden.core.matching.normalize import is_unspaced_script, normalize, words
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
        self._exact: dict[tuple[str, str], list[Rule]] = defaultdict(list)
        self._names: dict[str, list[Rule]] = defaultdict(list)
        # Names in scripts that separate words with spaces match as whole words anywhere in a name
        # ("Агент администрирования Kaspersky Security Center"), keyed on their first word.
        self._phrases: dict[str, list[tuple[tuple[str, ...], Rule]]] = defaultdict(list)
        # Chinese and Japanese names match exactly, or as the start of a name when what follows is
        # not more of the same script ("微信 3.9", "微信（测试版）", not 微信读书), or by a listed
        # prefix; never inside a name (企业微信, WeCom, contains 微信).
        self._unspaced_names: list[tuple[str, Rule]] = []
        self._unspaced_prefixes: list[tuple[str, Rule]] = []
        self._lookalikes: set[tuple[str, str, str]] = set()
        self._lookalike_phrases: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        self._publishers: dict[str, tuple[str, ...]] = {}
        for rule in policies.rules:
            self._add(rule)

    def _add(self, rule: Rule) -> None:
        for namespace, values in rule.identifiers.items():
            for value in values:
                self._exact[(namespace, normalize(value))].append(rule)
        for platform, templates in rule.leftovers.items():
            for template in templates:
                self._exact[("leftover", normalize(f"{rule.id}:{template}"))].append(rule)
        match = rule.display_names
        self._publishers[rule.id] = tuple(normalize(p) for p in match.publishers)
        for name in match.names:
            self._names[normalize(name)].append(rule)
            self._add_phrase(name, rule)
            if is_unspaced_script(name):
                self._unspaced_names.append((normalize(name), rule))
        for prefix in match.prefixes:
            if is_unspaced_script(prefix):
                self._unspaced_prefixes.append((normalize(prefix), rule))
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
        found: dict[str, Match] = {}
        normalized = [(namespace, value, normalize(value)) for namespace, value in item.identifiers]
        for namespace, value, key in normalized:
            for rule in self._exact.get((namespace, key), ()):
                if rule.id not in found:
                    found[rule.id] = Match(rule, item, namespace, value)
        if item.name and item.publisher:
            for rule, name in self._by_display_name(item):
                found.setdefault(rule.id, Match(rule, item, "display_name", name))
        return [m for m in found.values() if self._applies(m.rule, item, normalized)]

    def _by_display_name(self, item: InventoryItem) -> list[tuple[Rule, str]]:
        name = normalize(item.name)
        candidates = list(self._names.get(name, ()))
        name_words = words(item.name)
        for position, word in enumerate(name_words):
            for phrase, rule in self._phrases.get(word, ()):
                if name_words[position:position + len(phrase)] == phrase:
                    candidates.append(rule)
        candidates += [rule for prefix, rule in self._unspaced_prefixes if name.startswith(prefix)]
        candidates += [rule for key, rule in self._unspaced_names
                       if len(name) > len(key) and name.startswith(key) and not is_unspaced_script(name[len(key)])]
        if not candidates:
            return []
        publisher = normalize(item.publisher)
        return [
            (rule, item.name)
            for rule in candidates
            if any(trusted in publisher for trusted in self._publishers[rule.id])
        ]

    def _applies(self, rule: Rule, item: InventoryItem, normalized: list[tuple[str, str, str]]) -> bool:
        for namespace, _, key in normalized:
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
