"""What a policy pack holds once loaded: directives, rules, scope extensions (frozen data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping


from appwarden.core.i18n import LocalText

if TYPE_CHECKING:  # only a rule with versions needs packaging (core/policy/loader.py)
    from packaging.specifiers import SpecifierSet

#: The class of device AppWarden runs on; directives name the classes they cover.
MOBILE, DESKTOP = "mobile", "desktop"  # phones and tablets; computers
DEVICE_CLASSES = (MOBILE, DESKTOP)
THIS_DEVICE_CLASS = DESKTOP  # what AppWarden itself runs on, for `explain`, which checks no device


class Enforcement(StrEnum):
    REQUIRED = "required"
    RECOMMENDED = "recommended"


@dataclass(frozen=True)
class Scope:
    device_classes: frozenset[str]
    description: LocalText


@dataclass(frozen=True)
class Directive:
    id: str
    authority: LocalText
    title: LocalText
    document_date: dt.date
    effective: dt.date
    url: LocalText  # the directive's page in each language (schema 1: one page for both)
    finding: LocalText
    scope: Scope
    pack_id: str


@dataclass(frozen=True)
class ScopeExtension:
    """An organisation's own decision to apply a directive to more device classes."""

    directive_id: str
    device_classes: frozenset[str]
    reason: LocalText
    pack_id: str
    pack_name: LocalText = LocalText()  # named in the scope sentence of every finding it makes required


@dataclass(frozen=True)
class DisplayNameMatch:
    """Names as a device shows them, trusted only when the publisher is one of `publishers`."""

    names: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    publishers: tuple[str, ...] = ()


class StepTiming(StrEnum):
    """When a vendor step is done: before the app is quit and uninstalled, or after."""

    BEFORE_UNINSTALL = "before_uninstall"
    AFTER_UNINSTALL = "after_uninstall"


@dataclass(frozen=True)
class VendorStep:
    """A removal step the vendor's product needs, for the person to do (a pack never runs commands)."""

    platform: str
    title: LocalText
    explanation: LocalText
    when: StepTiming = StepTiming.AFTER_UNINSTALL
    # The leftover locations (templates of the rule's own `leftovers`) this step is about, such as
    # the chat data: the step is offered only while one of them exists.
    about_leftovers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    name: LocalText
    vendor: str
    directive_id: str
    rationale: LocalText
    identifiers: Mapping[str, tuple[str, ...]]
    display_names: DisplayNameMatch
    lookalikes: Mapping[str, tuple[str, ...]]
    versions: SpecifierSet | None
    leftovers: Mapping[str, tuple[str, ...]]
    removal: Mapping[str, LocalText]
    pack_id: str
    removal_steps: tuple[VendorStep, ...] = ()
    # Per platform, where the vendor's own uninstaller is and how to start it: the app must be
    # removed with it (never moved to the Trash), by the person.
    vendor_uninstaller: Mapping[str, LocalText] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class PolicyPack:
    id: str
    version: str
    name: LocalText
    path: Path
    sha256: str
    directives: tuple[Directive, ...]
    rules: tuple[Rule, ...]
    scope_extensions: tuple[ScopeExtension, ...] = ()
    schema: int = 1
    shipped: bool = False  # one of AppWarden's own packs, unchanged: its leftovers were reviewed


@dataclass(frozen=True)
class PolicySet:
    """The packs in force for a scan, with lookups across them."""

    packs: tuple[PolicyPack, ...]
    _directives: Mapping[str, Directive] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, packs: tuple[PolicyPack, ...]) -> "PolicySet":
        directives = {d.id: d for pack in packs for d in pack.directives}
        return cls(packs, directives)

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(rule for pack in self.packs for rule in pack.rules)

    def rule(self, rule_id: str) -> Rule | None:
        """The rule with this id, whatever its case (`WeChat` is `wechat`); an exact match comes first."""
        rules = self.rules
        return next((rule for rule in rules if rule.id == rule_id), None) or next(
            (rule for rule in rules if rule.id.casefold() == rule_id.casefold()), None
        )

    def directive(self, directive_id: str) -> Directive:
        return self._directives[directive_id]

    def extensions_for(self, directive_id: str) -> tuple[ScopeExtension, ...]:
        return tuple(
            extension
            for pack in self.packs
            for extension in pack.scope_extensions
            if extension.directive_id == directive_id
        )

    def enforcement(
        self, directive: Directive, device_class: str, on: dt.date, organisation_issued: bool = True
    ) -> tuple[Enforcement, tuple[ScopeExtension, ...]]:
        """Required when the directive (or an extension of it) covers this kind of device, the device
        is one the organisation issued (the directives cover issued devices only), and the directive
        is in effect; the extensions that cover it come back either way, so a report can say who
        extended it."""
        extending = ()
        if device_class not in directive.scope.device_classes:
            extending = tuple(e for e in self.extensions_for(directive.id) if device_class in e.device_classes)
        covered = device_class in directive.scope.device_classes or bool(extending)
        if covered and organisation_issued and on >= directive.effective:
            return Enforcement.REQUIRED, extending
        return Enforcement.RECOMMENDED, extending
