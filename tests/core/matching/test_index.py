"""The rule index: exact normalized lookups, publisher-confirmed names, look-alikes that exclude."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.matching.index import RuleIndex
from appwarden.core.matching.normalize import normalize, words
from appwarden.core.policy.loader import load_policies
from appwarden.core.sources.base import EvidenceKind, InventoryItem

POLICIES = load_policies()
INDEX = RuleIndex(POLICIES)


def item(*identifiers, name="", publisher="", version=""):
    return InventoryItem("test", EvidenceKind.INSTALLED, tuple(identifiers), name=name, publisher=publisher, version=version)


def test_normalize():
    assert normalize("  ＷｅＣｈａｔ\u00a0 Files ") == "wechat files"
    assert normalize("WEIXIN.EXE") == "weixin.exe"


def test_identifier_in_another_namespace_does_not_match():
    # "wechat" is a deb/rpm/snap/process name; as a Flatpak id it is nobody's.
    assert INDEX.matches(item(("flatpak", "wechat"))) == []


def test_prefix_needs_whole_word_and_publisher():
    found = INDEX.matches(item(("windows_uninstall_key", "{X}"), name="Kaspersky VPN Secure Connection", publisher="AO Kaspersky Lab"))
    assert [m.rule.id for m in found] == ["kaspersky"]
    assert INDEX.matches(item(name="Kaspersky VPN Secure Connection", publisher="Unrelated Ltd")) == []
    assert INDEX.matches(item(name="KasperskyOS SDK", publisher="AO Kaspersky Lab")) == []


def test_one_match_per_rule_per_item():
    found = INDEX.matches(item(("process", "WeChat.exe"), ("windows_uninstall_key", "WeChat"), name="WeChat", publisher="Tencent"))
    assert [m.rule.id for m in found] == ["wechat"]
    assert found[0].namespace == "process"


@given(st.text(max_size=30), st.text(max_size=30), st.sampled_from(["deb", "process", "msix", "macos_bundle_id"]))
def test_any_item_matches_only_rules_whose_identifier_it_carries(value, name, namespace):
    for match in INDEX.matches(item((namespace, value), name=name, publisher=name)):
        rule = match.rule
        if match.namespace == "display_name":
            # The name holds one of the rule's names or prefixes: as whole words, or (in Chinese
            # and Japanese) at its start.
            listed = rule.display_names.names + rule.display_names.prefixes
            held = set(words(name))
            assert any(set(words(n)) <= held or normalize(name).startswith(normalize(n)) for n in listed)
        else:
            assert normalize(value) in {normalize(v) for v in rule.identifiers[namespace]}


def test_prefixes_match_whole_words_only():
    from appwarden.core.policy.model import PolicySet
    from tests.conftest import FIXTURES
    import dataclasses

    policies = load_policies([FIXTURES / "policies/minimal.toml"], include_default=False)
    (rule,) = policies.rules
    pack = dataclasses.replace(
        policies.packs[0],
        rules=(dataclasses.replace(rule, display_names=type(rule.display_names)(prefixes=("Some App",), publishers=("Fake",))),),
    )
    index = RuleIndex(PolicySet.of((pack,)))
    assert [m.rule.id for m in index.matches(item(name="Some App Pro", publisher="Fake Corp"))] == ["fakeapp"]
    assert [m.rule.id for m in index.matches(item(name="Some App", publisher="Fake Corp"))] == ["fakeapp"]
    assert index.matches(item(name="Some Application", publisher="Fake Corp")) == []
