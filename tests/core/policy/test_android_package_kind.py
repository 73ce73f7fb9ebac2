"""The `android_package` identifier kind: exact package names in packs, never a prefix, and the
default pack's Android packages and look-alikes (identifiers.md §1.4, §3.3, §5.8, §10).
"""

from __future__ import annotations

import pytest

from appwarden.core.errors import PolicyError
from appwarden.core.matching.index import RuleIndex
from appwarden.core.policy.loader import load_pack, default_pack_path, load_policies
from appwarden.core.sources.base import EvidenceKind, InventoryItem
from tests.conftest import FIXTURES

INDEX = RuleIndex(load_policies())
MINIMAL = FIXTURES / "policies" / "minimal.toml"

EXPECTED_RULES = {
    "com.zhiliaoapp.musically": "tiktok",
    "com.ss.android.ugc.trill": "tiktok",
    "com.zhiliaoapp.musically.go": "tiktok",
    "com.tencent.mm": "wechat",
    "com.kms.free": "kaspersky",
    "com.kaspersky.security.cloud": "kaspersky",
    "com.kaspersky.kes": "kaspersky",
    "com.kaspersky.safekids": "kaspersky",
    "com.kaspersky.who_calls": "kaspersky",
    "com.kaspersky.secure.connection": "kaspersky",
    "com.kaspersky.passwordmanager": "kaspersky",
    "com.kaspersky.browser": "kaspersky",
    "com.kaspersky.qrscanner": "kaspersky",
}
LOOKALIKES = ["com.tencent.wework", "com.ss.android.ugc.aweme", "com.lemon.lvoverseas", "com.tencent.soter.soterserver"]


def android_package(name: str) -> InventoryItem:
    return InventoryItem("android_packages", EvidenceKind.INSTALLED, (("android_package", name),), name=name)


def matched_rules(name: str) -> list[str]:
    return [match.rule.id for match in INDEX.matches(android_package(name))]


def test_the_default_pack_lists_exactly_these_android_packages():
    pack, problems = load_pack(default_pack_path())
    assert problems == []
    listed = {value: rule.id for rule in pack.rules for value in rule.identifiers.get("android_package", ())}
    assert listed == EXPECTED_RULES
    lookalikes = sorted(value for rule in pack.rules for value in rule.lookalikes.get("android_package", ()))
    assert lookalikes == sorted(LOOKALIKES)


@pytest.mark.parametrize("name, rule_id", sorted(EXPECTED_RULES.items()))
def test_each_android_package_matches_exactly_its_rule(name, rule_id):
    assert matched_rules(name) == [rule_id]


@pytest.mark.parametrize("name", LOOKALIKES + ["com.tencent", "com.kaspersky", "com.kaspersky.kaspresso", "com.tencent.mm.beta"])
def test_lookalikes_and_neighbours_match_nothing(name):
    assert matched_rules(name) == []


def test_an_android_package_is_not_matched_as_another_kind():
    item = InventoryItem("test", EvidenceKind.INSTALLED, (("macos_bundle_id", "com.tencent.mm"),))
    assert INDEX.matches(item) == []


def _pack_with_android_packages(tmp_path, values: str):
    text = MINIMAL.read_text(encoding="utf-8")
    anchor = 'identifiers = { deb = ["fakeapp"], process = ["fakeapp"] }'
    assert anchor in text
    path = tmp_path / "pack.toml"
    path.write_text(text.replace(anchor, f'identifiers = {{ deb = ["fakeapp"], android_package = [{values}] }}'), encoding="utf-8")
    return path


def test_an_exact_package_name_loads(tmp_path):
    policies = load_policies([_pack_with_android_packages(tmp_path, '"com.example.fake_app2"')], include_default=False)
    assert policies.rules[0].identifiers["android_package"] == ("com.example.fake_app2",)


@pytest.mark.parametrize("value", ["com.tencent.*", "com.kaspersky.", "tencent", "*", "com.1x", "com..mm", "com.tencent.mm ", "1com.x", "com.tencent/mm"])
def test_a_prefix_or_a_wildcard_is_refused_with_a_sentence(tmp_path, value):
    with pytest.raises(PolicyError) as caught:
        load_policies([_pack_with_android_packages(tmp_path, f'"{value}"')], include_default=False)
    (problem,) = [str(p) for p in caught.value.problems]
    assert problem.endswith(
        f"identifiers.android_package '{value}' must be one exact package name such as com.tencent.mm "
        "(letters, digits and _ in two or more parts joined by dots), never a prefix or a wildcard"
    )
