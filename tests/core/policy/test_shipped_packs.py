"""Every pack AppWarden ships loads cleanly beside the default pack; the example extension works."""

from __future__ import annotations

import datetime as dt

import pytest

from appwarden.core.policy.loader import load_policies
from appwarden.core.policy.model import Enforcement
from tests.conftest import PROJECT

SHIPPED = sorted((PROJECT / "assets/policies").rglob("*.toml"))
EXAMPLE = PROJECT / "assets/policies/examples/extend-to-computers.toml"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(PROJECT)))
def test_shipped_pack_loads(path):
    policies = load_policies([path] if path.name != "canada.toml" else [])
    assert policies.packs


def test_example_extension_makes_computer_findings_required():
    policies = load_policies([EXAMPLE])
    day = dt.date(2026, 1, 1)
    for directive_id in ("ca-tbs-2023-tiktok", "ca-tbs-2023-wechat-kaspersky"):
        enforcement, extensions = policies.enforcement(policies.directive(directive_id), "desktop", day)
        assert enforcement == Enforcement.REQUIRED
        assert [e.pack_id for e in extensions] == ["example-org-computers"]
