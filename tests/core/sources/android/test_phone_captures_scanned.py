"""`appwarden scan --phone-capture`: what was captured from a phone is checked as that phone, a mobile
device, so the Canadian rules are required on it. No phone exists on this machine: the captures are
the real ones in ../shared/fixtures/phones/android/, with the apps under test added to copies."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import PROJECT, SHARED, cli_environment

PHONES = SHARED / "fixtures/phones/android"
pytestmark = pytest.mark.skipif(not PHONES.is_dir(), reason="the real phone outputs are in ../shared/fixtures/phones (beside this checkout)")


def appwarden(tmp_path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "appwarden.core", *argv], capture_output=True, text=True, cwd=PROJECT,
                          env=cli_environment(tmp_path))


def capture_with(tmp_path, *packages: str):
    """The real AndroidQF acquisition, with these packages added to its packages.json."""
    from tests.core.sources.android.test_android_captures import androidqf_folder

    folder = androidqf_folder(tmp_path)
    entries = json.loads((folder / "packages.json").read_text())
    added = [dict(entries[0], name=name, installer="com.android.vending", uid=10300 + n, system=False) for n, name in enumerate(packages)]
    (folder / "packages.json").write_text(json.dumps(entries + added))
    (folder / "getprop.txt").write_text("[ro.product.manufacturer]: [samsung]\n[ro.product.model]: [SM-G991B]\n"
                                        "[ro.build.version.release]: [13]\n[ro.serialno]: [R58M123456789X]\n")
    return folder


def test_wechat_on_a_captured_phone_is_required_and_wecom_is_not_flagged(tmp_path):
    folder = capture_with(tmp_path, "com.tencent.mm", "com.tencent.wework", "com.tencent.soter.soterserver")
    done = appwarden(tmp_path, "scan", "--phone-capture", str(folder), "--format", "json", "--no-history")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert (report["target"]["os"], report["target"]["device_class"], report["target"]["hostname"]) == ("android", "mobile", "samsung SM-G991B")
    assert [(f["rule"], f["enforcement"]) for f in report["findings"]] == [("wechat", "required")]
    assert [e["identifier"] for e in report["findings"][0]["evidence"]] == ["com.tencent.mm"]
    assert "R58M123456789X" not in done.stdout  # the serial is never printed in full

    text = appwarden(tmp_path, "scan", "--phone-capture", str(folder), "--no-history").stdout
    assert text.splitlines()[0].startswith(f"AppWarden ") and f"the phone samsung SM-G991B (Android), as captured in {folder}" in text
    assert "Removal required: the directive covers government-issued mobile devices, and this phone or tablet is one of them." in text


def test_a_personal_phone_gets_recommended(tmp_path):
    folder = capture_with(tmp_path, "com.zhiliaoapp.musically")
    report = json.loads(appwarden(tmp_path, "scan", "--phone-capture", str(folder), "--personal", "--format", "json", "--no-history").stdout)
    assert [(f["rule"], f["enforcement"]) for f in report["findings"]] == [("tiktok", "recommended")]


@pytest.mark.parametrize("name", ["android_data_dumpsys_packages.txt", "android_data_bugreport_dumpstate.txt"])
def test_the_real_captures_are_read_and_clean(tmp_path, name):
    done = appwarden(tmp_path, "scan", "--phone-capture", str(PHONES / name), "--format", "json", "--no-history")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["findings"] == [] and report["complete"] is True
    assert {c["source"]: c["status"] for c in report["coverage"]}["android_packages"] == "ok"


def test_what_is_not_a_capture_is_one_sentence(tmp_path):
    (tmp_path / "notes.txt").write_text("hello\n")
    done = appwarden(tmp_path, "scan", "--phone-capture", str(tmp_path / "notes.txt"), "--no-history")
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith(f"{tmp_path / 'notes.txt'} cannot be read as a capture of a phone: ")
    assert "Traceback" not in done.stderr
    both = appwarden(tmp_path, "scan", "--phone-capture", str(tmp_path), "--root", str(tmp_path), "--no-history")
    assert (both.returncode, both.stderr) == (2, "--phone-capture checks what was captured from a phone: it cannot be used with --root, --os or --phone.\n")


def test_history_calls_a_capture_a_phone_capture(tmp_path):
    folder = capture_with(tmp_path, "com.tencent.mm")
    assert appwarden(tmp_path, "scan", "--phone-capture", str(folder)).returncode == 1
    listing = appwarden(tmp_path, "history").stdout.splitlines()
    assert listing[0].endswith(f"samsung SM-G991B  android  {folder}  phone capture  found: wechat"), listing


def test_a_capture_is_read_once_per_check_and_again_once_it_changes(tmp_path, monkeypatch):
    from appwarden.core.policy.loader import load_policies
    from appwarden.core.scan import run_scan
    from appwarden.core.sources.android import captures
    from appwarden.core.target import capture_target

    reads = []
    real = captures.read_capture
    monkeypatch.setattr(captures, "read_capture", lambda path: reads.append(path) or real(path))
    captures._read_capture_of.cache_clear()
    folder = capture_with(tmp_path, "com.tencent.mm")
    run_scan(capture_target(folder), load_policies())
    assert reads == [folder.resolve()]  # the target's name and both Android sources, from one read
    packages = folder / "packages.json"
    packages.write_text(packages.read_text())  # edited in place: the folder's own stamp stays as it was
    os.utime(packages, ns=(packages.stat().st_atime_ns, packages.stat().st_mtime_ns + 1_000_000_000))
    run_scan(capture_target(folder), load_policies())
    assert reads == [folder.resolve()] * 2
