"""Reports: the JSON contract's keys and values, a self-contained HTML page, a text report in both languages."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from appwarden.core.i18n import Translator
from appwarden.core.policy.loader import load_policies
from appwarden.core.reports import render_report
from appwarden.core.scan import run_scan
from appwarden.core.sources import source_named
from appwarden.core.target import make_target
from tests.conftest import FIXTURES, PROJECT

MINIMAL = FIXTURES / "policies" / "minimal.toml"


@pytest.fixture
def result(tmp_path):
    root = tmp_path / "disk"
    (root / "etc").mkdir(parents=True)
    (root / "etc/os-release").write_text("ID=debian\n")
    (root / "etc/hostname").write_text("desk-12\n")
    (root / "var/lib/dpkg").mkdir(parents=True)
    (root / "var/lib/dpkg/status").write_text(
        "Package: fakeapp\nStatus: install ok installed\nVersion: 2.1\nArchitecture: amd64\n"
        "Maintainer: Fake Corp <x@fake.invalid>\n\n"
    )
    (root / "home/ana/.fakeapp").mkdir(parents=True)
    policies = load_policies([MINIMAL], include_default=False)
    sources = (source_named("dpkg"), source_named("processes"), source_named("leftovers"))
    return run_scan(make_target(root), policies, sources=sources)


def test_json_contract(result):
    report = json.loads(render_report(result, "json", Translator("en")))
    assert report["schema"] == 1
    assert report["tool"]["name"] == "appwarden"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", report["scanned_at"])
    assert report["target"] == {"root": str(result.target.root), "os": "linux", "hostname": "desk-12", "live": False,
                                "device_class": "desktop", "organisation_issued": True}
    (policy,) = report["policies"]
    assert policy["id"] == "test-minimal" and policy["version"] == "1" and len(policy["sha256"]) == 64
    assert report["compliant"] is False
    (finding,) = report["findings"]
    assert finding["rule"] == "fakeapp" and finding["name"] == "Fake App"
    assert finding["enforcement"] == "recommended"
    assert finding["scope_sentence"] == (
        "Removal recommended: the directive covers Mobile devices, not computers, and no policy pack in force applies it"
        " to computers; the same risk applies on a computer."
    )
    assert finding["directive"] == {
        "id": "test-directive",
        "authority": "Test Authority",
        "title": "Test directive",
        "document_date": "2023-01-01",
        "effective": "2023-01-02",
        "url": "https://example.org/directive",
        "finding": "present a risk",
        "scope": {"device_classes": ["mobile"], "description": "Mobile devices", "extended_by": []},
    }
    assert [(e["source"], e["kind"], e["identifier"], e["location"], e["version"]) for e in finding["evidence"]] == [
        ("dpkg", "installed", "fakeapp", "/var/lib/dpkg/status (fakeapp)", "2.1"),
        ("leftovers", "leftover", "fakeapp:{home}/.fakeapp", "/home/ana/.fakeapp", ""),
    ]
    assert [(c["source"], c["status"]) for c in report["coverage"]] == [
        ("dpkg", "ok"), ("processes", "skipped"), ("leftovers", "ok"),
    ]


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.external = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.external.append(value)
        if tag == "script":
            self.external.append("script")

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_self_contained_and_escaped(result, tmp_path):
    page = render_report(result, "html", Translator("en"))
    collector = _Collector()
    collector.feed(page)
    assert collector.external == []
    text = " ".join(collector.text)
    assert "1 prohibited application found." in text
    assert "Why is this prohibited?" in text
    assert "https://example.org/directive" in text
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page


def test_html_escapes_what_the_device_says(tmp_path):
    from appwarden.core.findings import Evidence
    from appwarden.core.reports.wording import evidence_sentence
    from appwarden.core.sources.base import EvidenceKind
    from html import escape

    evidence = Evidence("dpkg", EvidenceKind.INSTALLED, "deb", "x", "<script>alert(1)</script>")
    assert "<script>" not in escape(evidence_sentence(evidence, Translator("en")))


def test_text_report_reads_aloud_in_english_and_french(result):
    english = render_report(result, "text", Translator("en"))
    assert "1. Fake App (Fake Corp) [fakeapp]" in english
    assert "Removal recommended: the directive covers Mobile devices" in english
    assert "installed: fakeapp 2.1, /var/lib/dpkg/status (fakeapp) [Debian packages]" in english
    french = render_report(result, "text", Translator("fr"))
    assert "Parce que." in french and "Fausse appli" in french
    assert "1 application interdite trouvée." in french
    assert "Couverture" in french


# --- the scope sentence AppWarden builds, and the directive's page in the report's language

SCHEMA_2 = FIXTURES / "policies" / "schema2.toml"
EXAMPLE = PROJECT / "assets/policies/examples/extend-to-computers.toml"


def scan_of_debian_disk(tmp_path, package: str, policies):
    root = tmp_path / "disk"
    (root / "etc").mkdir(parents=True)
    (root / "etc/os-release").write_text("ID=debian\n")
    (root / "var/lib/dpkg").mkdir(parents=True)
    (root / "var/lib/dpkg/status").write_text(
        f"Package: {package}\nStatus: install ok installed\nVersion: 2.1\nArchitecture: amd64\n\n"
    )
    return run_scan(make_target(root), policies, sources=(source_named("dpkg"),))


def test_a_french_text_report_links_to_the_french_page(tmp_path):
    result = scan_of_debian_disk(tmp_path, "fakeapp", load_policies([SCHEMA_2], include_default=False))
    french = render_report(result, "text", Translator("fr"))
    assert "Référence : https://example.org/fr/directive" in french
    assert "/en/" not in french
    assert "Reference: https://example.org/en/directive" in render_report(result, "text", Translator("en"))
    assert json.loads(render_report(result, "json", Translator("fr")))["findings"][0]["directive"]["url"] == "https://example.org/fr/directive"
    assert "https://example.org/fr/directive" in render_report(result, "html", Translator("fr"))


REQUIRED_EN = (
    "Removal required: the directive covers government-issued mobile devices, and the policy pack “Example organisation:"
    " computers too” applies it to computers too: our IT security policy applies this directive to every computer we issue."
)
REQUIRED_FR = (
    "Retrait obligatoire : la directive vise les appareils mobiles fournis par le gouvernement, et le paquet de politiques"
    " « Organisation exemple : ordinateurs aussi » l’applique aussi aux ordinateurs : notre politique de sécurité des TI"
    " applique cette directive à tous les ordinateurs que nous fournissons."
)


def test_a_required_finding_says_so_once_and_names_the_pack_that_extended_the_directive(tmp_path):
    result = scan_of_debian_disk(tmp_path, "wechat", load_policies([EXAMPLE]))
    (finding,) = result.findings
    english, french = (render_report(result, "text", Translator(lang)) for lang in ("en", "fr"))
    assert "   " + REQUIRED_EN in english.splitlines()
    assert "   " + REQUIRED_FR in french.splitlines()
    # Nothing else in the finding says the removal is only recommended.
    assert "recommended" not in english and "recommandé" not in french
    report = json.loads(render_report(result, "json", Translator("en")))
    assert report["findings"][0]["scope_sentence"] == REQUIRED_EN
    assert report["findings"][0]["directive"]["scope"]["extended_by"] == ["example-org-computers"]
    from html import escape

    assert escape(REQUIRED_FR) in render_report(result, "html", Translator("fr"))


def test_without_the_extension_the_finding_is_recommended_in_appwardens_words(tmp_path):
    result = scan_of_debian_disk(tmp_path, "wechat", load_policies())
    english = render_report(result, "text", Translator("en"))
    assert (
        "   Removal recommended: the directive covers government-issued mobile devices, not computers, and no policy pack"
        " in force applies it to computers; the same risk applies on a computer."
    ) in english.splitlines()
    assert json.loads(render_report(result, "json", Translator("fr")))["findings"][0]["scope_sentence"] == (
        "Retrait recommandé : la directive vise les appareils mobiles fournis par le gouvernement, pas les ordinateurs,"
        " et aucun paquet de politiques en vigueur ne l’applique aux ordinateurs; le même risque existe sur un ordinateur."
    )


def test_a_directive_not_yet_in_effect_is_recommended_with_its_date(tmp_path):
    import datetime as dt

    from appwarden.core.policy.model import Enforcement
    from appwarden.core.reports.wording import scope_sentence

    policies = load_policies([EXAMPLE])
    directive = policies.directive("ca-tbs-2023-tiktok")
    enforcement, extensions = policies.enforcement(directive, "desktop", dt.date(2023, 1, 1))
    assert enforcement == Enforcement.RECOMMENDED
    assert scope_sentence(directive, enforcement, extensions, Translator("en")) == (
        "Removal recommended: the directive covers government-issued mobile devices, but it takes effect only on February 28, 2023."
    )
