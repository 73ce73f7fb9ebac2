"""An iPhone or iPad backup folder checked as that device (`appwarden scan --phone-capture DIR`): the
real backup of ../shared/fixtures/phones/ios-backup (MVT's test data) and copies with apps added, an
encrypted one, damaged ones; and what it holds that must never be shown (IMEI, ICCID, serial, phone number)."""

from __future__ import annotations

import json
import os
import plistlib
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.conftest import run_cli
from appwarden.core.history import default_history_path
from appwarden.core.sources.ios.backup import BUNDLE_ID, read_backup
from tests.core.sources.ios.backups import IMEI, PHONE_NUMBER, REAL_SECRETS, SERIAL, backup_with, real_backup_or_skip

real_backup_or_skip()


run = run_cli


def test_the_real_backup_reads_as_a_clean_iphone(tmp_path, capsys):
    folder = backup_with(tmp_path / "backup")
    code, out, _ = run(capsys, "scan", "--phone-capture", folder, "--no-history")
    assert code == 0 and "No prohibited application found." in out
    assert "check of the backup of iPhone (iPhone9,3, iOS 14.3) in" in out
    backup = read_backup(folder)
    assert {"ph.telegra.Telegraph", "com.google.Gmail"} <= {app.bundle_id for app in backup.apps}
    assert backup.manifest_read and "ch.icoaching.typewise" in backup.data_of and not backup.problems
    assert backup.device.last_backup == "2021-12-03T19:33:13+00:00"


def test_the_directives_apps_are_required_on_an_iphone_and_look_alikes_are_not_flagged(tmp_path, capsys):
    folder = backup_with(tmp_path / "backup", installed=["com.tencent.xin", "com.tencent.ww", "com.ss.iphone.ugc.Aweme"],
                         data_of=["com.tencent.xin", "com.kaspersky.safekids"], metadata={"com.tencent.xin": ("WeChat", "8.0.50")})
    code, out, _ = run(capsys, "scan", "--phone-capture", folder, "--format", "json", "--no-history")
    report = json.loads(out)
    found = {f["rule"]: f for f in report["findings"]}
    assert code == 1 and set(found) == {"wechat", "kaspersky"}
    assert found["wechat"]["enforcement"] == "required"
    assert {e["version"] for e in found["wechat"]["evidence"]} >= {"8.0.50"}
    assert {e["kind"] for e in found["kaspersky"]["evidence"]} == {"leftover"}  # data of an app that is gone
    assert report["target"]["os"] == "ios" and report["target"]["device_class"] == "mobile"


def test_no_report_format_nor_the_history_holds_the_devices_identifiers(tmp_path, capsys):
    folder = backup_with(tmp_path / "backup", installed=["com.tencent.xin"])
    secrets = (*REAL_SECRETS, IMEI, PHONE_NUMBER, SERIAL, PHONE_NUMBER.replace(" ", ""))
    for format in ("text", "json", "html"):
        _, out, err = run(capsys, "scan", "--phone-capture", folder, "--format", format)
        assert not [secret for secret in secrets if secret in out + err], format
    with sqlite3.connect(default_history_path()) as database:
        dump = "\n".join(database.iterdump())
    assert "com.tencent.xin" in dump and not [secret for secret in secrets if secret in dump]
    _, listing, _ = run(capsys, "history")
    assert not [secret for secret in secrets if secret in listing]


def test_an_encrypted_backup_is_read_as_far_as_it_can_be_and_says_what_needs_it_unencrypted(tmp_path, capsys):
    folder = backup_with(tmp_path / "backup", installed=["com.tencent.xin"], encrypted=True)
    code, out, _ = run(capsys, "scan", "--phone-capture", folder, "--no-history")
    assert code == 1 and "1 prohibited application found." in out
    assert "the backup is encrypted" in out and "never asks for the backup password" in out


@pytest.mark.parametrize("damage", [b"", b"SQLite format 3\x00" + b"\x00" * 50, b"not a database at all" * 100])
def test_a_damaged_manifest_is_coverage_not_a_traceback(tmp_path, capsys, damage):
    folder = backup_with(tmp_path / "backup", installed=["com.tencent.xin"])
    (folder / "Manifest.db").write_bytes(damage)
    code, out, err = run(capsys, "scan", "--phone-capture", folder, "--format", "json", "--no-history")
    report = json.loads(out)
    coverage = {c["source"]: c["status"] for c in report["coverage"]}
    assert coverage["ios_app_data"] == "failed" and coverage["ios_apps"] == "ok"
    assert [f["rule"] for f in report["findings"]] == ["wechat"] and "Traceback" not in err


def test_a_damaged_info_plist_is_one_sentence(tmp_path, capsys):
    folder = backup_with(tmp_path / "backup")
    (folder / "Info.plist").write_bytes(b"<?xml version='1.0'?><plist><dict><key>x")
    code, out, err = run(capsys, "scan", "--phone-capture", folder)
    assert code == 2 and out == "" and "cannot be read as a capture of a phone" in err and "Traceback" not in err


def test_links_in_a_backup_are_not_followed(tmp_path, capsys):
    folder = backup_with(tmp_path / "backup", installed=["com.tencent.xin"])
    elsewhere = tmp_path / "elsewhere.db"
    os.replace(folder / "Manifest.db", elsewhere)
    (folder / "Manifest.db").symlink_to(elsewhere)
    backup = read_backup(folder)
    assert not backup.manifest_read and any("links in a capture are not followed" in p.reason.render() for p in backup.problems)


def test_a_mac_running_the_iphone_app_matches_the_same_list():
    from appwarden.core.policy.loader import load_policies

    tiktok = load_policies([], include_default=True).rule("tiktok")
    assert "com.zhiliaoapp.musically" in tiktok.identifiers["ios_bundle_id"]
    assert "macos_bundle_id" not in tiktok.identifiers  # one list, not two


VALUES = st.one_of(st.text(max_size=30), st.integers(), st.binary(max_size=30), st.none(), st.booleans(),
                   st.lists(st.text(max_size=20), max_size=5))


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["Installed Applications", "Applications", "Product Type", "Device Name",
                                        "Product Version", "Last Backup Date", "IMEI"]), VALUES, max_size=7),
       st.binary(max_size=200))
def test_any_info_plist_and_any_manifest_read_as_values_and_problems(tmp_path_factory, info, manifest):
    folder = tmp_path_factory.mktemp("backup")
    try:
        (folder / "Info.plist").write_bytes(plistlib.dumps(info, fmt=plistlib.FMT_BINARY))
    except (TypeError, OverflowError):
        return  # not a value a property list can hold
    (folder / "Manifest.db").write_bytes(manifest)
    backup = read_backup(folder)
    assert all(BUNDLE_ID.fullmatch(app.bundle_id) for app in backup.apps)
    assert not backup.manifest_read and backup.data_of == ()  # random bytes are never a manifest


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_any_bytes_as_info_plist_are_problems_not_a_traceback(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("backup")
    (folder / "Info.plist").write_bytes(data)
    backup = read_backup(folder)
    # Bytes that are no property list are a problem of Info.plist; the rare ones that are still give
    # only real bundle ids. Either way the manifest that is not there is said.
    assert any(p.location == "Info.plist" for p in backup.problems) or all(BUNDLE_ID.fullmatch(a.bundle_id) for a in backup.apps)
    assert any(p.location == "Manifest.db" for p in backup.problems) and not backup.manifest_read


@pytest.mark.parametrize("schema", [
    # A view that never ends, and one that grows without end: a crafted manifest cannot hang a check.
    "CREATE VIEW Files AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT 'AppDomain-com.a.b' AS domain FROM c",
    "CREATE VIEW Files AS SELECT hex(randomblob(400000000)) AS domain",
])
def test_a_crafted_manifest_is_a_sentence_not_a_hang(tmp_path, capsys, schema):
    folder = backup_with(tmp_path / "backup", installed=["com.tencent.xin"])
    (folder / "Manifest.db").unlink()
    with sqlite3.connect(folder / "Manifest.db") as database:
        database.execute(schema)
    database.close()
    backup = read_backup(folder)
    assert not backup.manifest_read and any("cannot be read as a backup manifest" in p.reason.render() for p in backup.problems)


def test_is_encrypted_must_say_true(tmp_path):
    folder = backup_with(tmp_path / "backup")
    (folder / "Manifest.plist").write_bytes(plistlib.dumps({"IsEncrypted": "no"}))
    assert read_backup(folder).manifest_read
