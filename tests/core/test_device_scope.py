"""Enforcement comes from the checked device: a phone is in the Canadian directives' scope (required),
a computer is not (recommended), and a device the organisation did not issue is never required."""

from __future__ import annotations

import json
import subprocess
import sys

from appwarden.core.findings import Finding
from appwarden.core.i18n import Translator
from appwarden.core.policy.loader import load_policies
from appwarden.core.policy.model import Enforcement
from appwarden.core.reports import wording
from appwarden.core.reports.json_reader import parse_report
from appwarden.core.reports.json_report import render_json
from appwarden.core.scan import run_scan
from appwarden.core.sources.base import ScanTarget
from tests.conftest import PROJECT, cli_environment

WECHAT = "Package: wechat\nStatus: install ok installed\nVersion: 4.0\nArchitecture: amd64\n\n"
EN, FR = Translator("en"), Translator("fr")


def disk(root):
    (root / "etc").mkdir(parents=True)
    (root / "etc/os-release").write_text("ID=debian\n")
    (root / "var/lib/dpkg").mkdir(parents=True)
    (root / "var/lib/dpkg/status").write_text(WECHAT)
    return root


def wechat(result) -> Finding:
    return next(f for f in result.findings if f.rule.id == "wechat")


def test_a_mobile_device_is_in_the_directives_scope(tmp_path):
    """The device class is the target's (a phone source sets "mobile"); here a fixture disk stands in."""
    target = ScanTarget(disk(tmp_path / "disk"), "linux", live=False, device_class="mobile")
    finding = wechat(run_scan(target, load_policies()))
    assert finding.enforcement == Enforcement.REQUIRED
    assert wording.enforcement_sentence(finding, EN) == (
        "Removal required: the directive covers government-issued mobile devices, and this phone or tablet is one of them."
    )
    assert wording.enforcement_sentence(finding, FR) == (
        "Retrait obligatoire : la directive vise les appareils mobiles fournis par le gouvernement, et ce téléphone ou "
        "cette tablette en fait partie."
    )


def test_a_computer_is_outside_the_scope(tmp_path):
    finding = wechat(run_scan(ScanTarget(disk(tmp_path / "disk"), "linux", live=False), load_policies()))
    assert finding.enforcement == Enforcement.RECOMMENDED and finding.device_class == "desktop"


def test_a_personal_device_is_never_required_and_the_report_says_why(tmp_path):
    target = ScanTarget(disk(tmp_path / "disk"), "linux", live=False, device_class="mobile", organisation_issued=False)
    result = run_scan(target, load_policies())
    finding = wechat(result)
    assert finding.enforcement == Enforcement.RECOMMENDED
    assert wording.enforcement_sentence(finding, EN) == (
        "Removal recommended: the directive covers government-issued mobile devices, and this device is personal, not "
        "issued by your organisation, so the directive does not apply to it; the same risk applies."
    )
    report = json.loads(render_json(result, EN))
    assert (report["target"]["device_class"], report["target"]["organisation_issued"]) == ("mobile", False)
    received = parse_report(render_json(result, EN).encode(), tmp_path / "sent.json")
    assert (received.result.target.device_class, received.result.target.organisation_issued) == ("mobile", False)
    assert wording.enforcement_sentence(received.result.findings[0], EN) == wording.enforcement_sentence(finding, EN)


def test_the_command_line_takes_personal(tmp_path):
    root = disk(tmp_path / "disk")
    done = subprocess.run(
        [sys.executable, "-m", "appwarden.core", "scan", "--root", str(root), "--personal", "--format", "json", "--no-history"],
        capture_output=True, text=True, cwd=PROJECT, env=cli_environment(tmp_path),
    )
    report = json.loads(done.stdout)
    assert done.returncode == 1 and report["target"]["organisation_issued"] is False
    assert report["findings"][0]["enforcement"] == "recommended"
