"""Reports: the JSON contract's keys and values, a self-contained HTML page, a text report in both languages."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from core.i18n import Translator
from core.policy.loader import load_policies
from core.reports import render_report
from core.scan import run_scan
from core.sources import source_named
from core.target import make_target
from tests.conftest import FIXTURES

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
    assert report["target"] == {"root": str(result.target.root), "os": "linux", "hostname": "desk-12", "live": False}
    (policy,) = report["policies"]
    assert policy["id"] == "test-minimal" and policy["version"] == "1" and len(policy["sha256"]) == 64
    assert report["compliant"] is False
    (finding,) = report["findings"]
    assert finding["rule"] == "fakeapp" and finding["name"] == "Fake App"
    assert finding["enforcement"] == "recommended"
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
    from core.findings import Evidence
    from core.reports.wording import evidence_sentence
    from core.sources.base import EvidenceKind
    from html import escape

    evidence = Evidence("dpkg", EvidenceKind.INSTALLED, "deb", "x", "<script>alert(1)</script>")
    assert "<script>" not in escape(evidence_sentence(evidence, Translator("en")))


def test_text_report_reads_aloud_in_english_and_french(result):
    english = render_report(result, "text", Translator("en"))
    assert "1. Fake App (Fake Corp) [fakeapp]" in english
    assert "Removal recommended: the directive covers Mobile devices" in english
    assert "installed: fakeapp 2.1, /var/lib/dpkg/status (fakeapp) [dpkg]" in english
    french = render_report(result, "text", Translator("fr"))
    assert "Parce que." in french and "Fausse appli" in french
    assert "1 application interdite trouvée." in french
    assert "Couverture" in french
