"""The rule index: every identifier of every rule in hash tables, so matching costs one lookup
per identifier of an item, whatever the number of rules.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from appwarden.core.matching.normalize import normalize
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
        self._prefixes: dict[str, list[tuple[str, Rule]]] = defaultdict(list)
        self._lookalikes: set[tuple[str, str, str]] = set()
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
        for prefix in match.prefixes:
            key = normalize(prefix)
            self._prefixes[key.split(" ", 1)[0]].append((key, rule))
        for namespace, values in rule.lookalikes.items():
            for value in values:
                self._lookalikes.add((rule.id, namespace, normalize(value)))

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
        for prefix, rule in self._prefixes.get(name.split(" ", 1)[0], ()):
            if name == prefix or name.startswith(prefix + " "):  # whole leading words only
                candidates.append(rule)
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
        if item.name and (rule.id, "display_names", normalize(item.name)) in self._lookalikes:
            return False
        return version_allowed(rule.versions, item.version)


def leftover_locations(policies: PolicySet) -> tuple[LeftoverLocation, ...]:
    return tuple(
        LeftoverLocation(rule.id, platform, template)
        for rule in policies.rules
        for platform, templates in rule.leftovers.items()
        for template in templates
    )
