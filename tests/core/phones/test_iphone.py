"""iPhones and iPads plugged in, through libimobiledevice's programs.

No iPhone exists on this machine, nor a usbmux daemon with a device behind it: the programs here are
stand-ins on a temporary PATH (tests/iphone_standin.py) that print what Debian 12's libimobiledevice
1.3.0 and ideviceinstaller 1.1.1 print, with their exit codes, and keep state. What is not tested is
the real programs talking to a real device.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.conftest import run_cli
from appwarden.core.history import HistoryStore, default_history_path
from tests.iphone_standin import UDID_25, IphoneStandIns, StandInIphone

WECHAT = ["com.tencent.xin", "8.0.50", "WeChat"]
WECOM = ["com.tencent.ww", "4.1", "WeCom"]


run = run_cli


@pytest.fixture
def iphones(tmp_path, monkeypatch):
    def plug_in(*devices: StandInIphone, usbmuxd: bool = True) -> IphoneStandIns:
        stand_ins = IphoneStandIns(tmp_path / "iphones", list(devices), usbmuxd=usbmuxd)
        monkeypatch.setenv("PATH", stand_ins.path + ":/usr/bin:/bin")
        return stand_ins
    return plug_in


def test_the_phones_listing_names_each_iphone_with_its_state(iphones, capsys):
    iphones(StandInIphone(apps=[WECHAT]), StandInIphone(udid="a" * 40, locked=True, paired=False),
            StandInIphone(udid="b" * 40, paired=False, trust="never"))
    code, out, _ = run(capsys, "phones")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip() and not line.startswith("serial")}
    assert rows[UDID_25].endswith("ready") and "Apple iPhone14,5" in rows[UDID_25] and "iOS 17.1.2" in rows[UDID_25]
    assert rows["a" * 40].endswith("locked") and rows["b" * 40].endswith("not trusted")
    assert "tap Trust" in out and "passcode" in out


def test_without_libimobiledevice_the_listing_says_which_packages_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = run(capsys, "phones")
    assert code == 0 and "libimobiledevice-utils ideviceinstaller usbmuxd" in err and "--phone-capture" in err


def test_without_the_usbmux_daemon_the_listing_says_so(iphones, capsys):
    iphones(StandInIphone(), usbmuxd=False)
    _, _, err = run(capsys, "phones")
    assert "the usbmux daemon does not answer" in err


def test_an_iphone_is_checked_as_a_mobile_device_and_its_identifiers_never_show(iphones, capsys):
    stand_ins = iphones(StandInIphone(apps=[WECHAT, WECOM]))
    for format in ("text", "json", "html"):
        code, out, _ = run(capsys, "scan", "--phone", UDID_25, "--format", format)
        assert code == 1 and UDID_25 not in out and "F2LXK0ABCD12" not in out
    report = json.loads(run(capsys, "scan", "--phone", "auto", "--format", "json", "--no-history")[1])
    assert [f["rule"] for f in report["findings"]] == ["wechat"] and report["findings"][0]["enforcement"] == "required"
    assert report["target"]["os"] == "ios"
    assert not any("SerialNumber" in call for call in stand_ins.calls)  # never even asked for
    with sqlite3.connect(default_history_path()) as database:
        assert UDID_25 not in "\n".join(database.iterdump())


def test_an_iphone_that_does_not_trust_this_computer_yet_is_asked_and_checked_once_it_does(iphones, capsys):
    iphones(StandInIphone(paired=False, trust="tap", apps=[WECHAT]))
    code, out, err = run(capsys, "scan", "--phone", UDID_25, "--allow-wait", "5", "--no-history")
    assert code == 1 and "tap Trust" in err and "1 prohibited application found." in out


def test_nobody_taps_trust_the_check_says_what_to_do(iphones, capsys):
    iphones(StandInIphone(paired=False, trust="never", apps=[WECHAT]))
    code, out, err = run(capsys, "scan", "--phone", UDID_25, "--allow-wait", "1", "--no-history")
    assert code == 2 and out == "" and "does not trust this computer" in err and "Traceback" not in err


def test_a_locked_iphone_says_to_unlock_it(iphones, capsys):
    iphones(StandInIphone(locked=True, paired=False))
    code, _, err = run(capsys, "scan", "--phone", UDID_25, "--no-history")
    assert code == 2 and "is locked" in err and "passcode" in err


def test_removal_uninstalls_through_the_installation_proxy_and_lists_again(iphones, capsys):
    stand_ins = iphones(StandInIphone(apps=[WECHAT, WECOM]))
    code, out, _ = run(capsys, "remove", "wechat", "--phone", UDID_25, "--dry-run")
    assert code == 0 and "on the phone: uninstall com.tencent.xin" in out and stand_ins.device()["apps"][0] == WECHAT
    code, out, _ = run(capsys, "remove", "wechat", "--phone", UDID_25, "--yes")
    assert code == 0 and "WeChat (Weixin) is gone from the phone." in out
    assert stand_ins.device()["apps"] == [WECOM]
    assert ["ideviceinstaller", "-u", UDID_25, "-U", "com.tencent.xin"] in stand_ins.calls
    assert any(a.step.endswith("uninstall-com.tencent.xin") and a.outcome == "done" for a in HistoryStore().actions("wechat"))
    with sqlite3.connect(default_history_path()) as database:
        assert UDID_25 not in "\n".join(database.iterdump())  # history names the device by a hash only


def test_a_refused_uninstall_says_how_to_remove_it_on_the_device_and_names_mdm(iphones, capsys):
    iphones(StandInIphone(apps=[WECHAT], restricted=["com.tencent.xin"]))
    code, out, _ = run(capsys, "remove", "wechat", "--phone", UDID_25, "--yes")
    assert code == 1 and "touch and hold the app" in out and "(MDM)" in out and "UninstallProhibited" in out


def test_unpair_removes_the_trust_and_the_check_says_how(iphones, capsys):
    stand_ins = iphones(StandInIphone(apps=[WECHAT]))
    _, _, err = run(capsys, "scan", "--phone", UDID_25, "--no-history")
    assert f"appwarden phones --unpair {UDID_25}" in err
    code, out, _ = run(capsys, "phones", "--unpair", UDID_25)
    assert code == 0 and "no longer trusts this computer" in out and stand_ins.device()["paired"] is False
    code, _, _ = run(capsys, "phones", "--unpair", UDID_25)
    assert code == 2


def test_the_newer_ideviceinstaller_is_spoken_to_with_its_commands(iphones, capsys):
    stand_ins = iphones(StandInIphone(apps=[WECHAT, ["org.example.quote", "1", 'Say "hi"']], installer="1.2.0"))
    code, out, _ = run(capsys, "remove", "wechat", "--phone", UDID_25, "--yes")
    assert code == 0 and ["ideviceinstaller", "-u", UDID_25, "list", "--user"] in stand_ins.calls
    assert ["ideviceinstaller", "-u", UDID_25, "uninstall", "com.tencent.xin"] in stand_ins.calls
    assert stand_ins.device()["apps"] == [["org.example.quote", "1", 'Say "hi"']]


from hypothesis import given, settings, strategies as st  # noqa: E402

from appwarden.core.phones.iphone import parse_app_list  # noqa: E402


def test_both_listings_read_the_same():
    old = 'CFBundleIdentifier, CFBundleVersion, CFBundleDisplayName\ncom.tencent.xin, "8.0.50", "WeChat"\norg.x, "7", "Sample "Two""\n'
    new = 'CFBundleIdentifier, CFBundleShortVersionString, CFBundleDisplayName\ncom.tencent.xin, "8.0.50", "WeChat"\norg.x, "7", "Sample \\"Two\\""\n'
    assert parse_app_list(old)[0] == parse_app_list(new)[0]
    assert [(a.bundle_id, a.version, a.name) for a in parse_app_list(old)[0]] == [
        ("com.tencent.xin", "8.0.50", "WeChat"), ("org.x", "7", 'Sample "Two"')]


@settings(max_examples=300)
@given(st.text(max_size=400))
def test_any_listing_gives_apps_with_real_bundle_ids_and_sentences(text):
    from appwarden.core.sources.ios.backup import BUNDLE_ID

    apps, problems = parse_app_list(text)
    assert all(BUNDLE_ID.fullmatch(app.bundle_id) and app.name.isprintable() for app in apps)


def test_an_iphone_that_is_not_plugged_in_is_said_at_once_not_waited_for(iphones, capsys):
    iphones(StandInIphone(apps=[WECHAT]))
    code, _, err = run(capsys, "scan", "--phone", "a" * 40, "--allow-wait", "30", "--no-history")
    assert code == 2 and "cannot be reached" in err and "no longer plugged in" in err


def test_without_the_programs_a_udid_says_what_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = run(capsys, "scan", "--phone", UDID_25, "--no-history")
    assert code == 2 and "libimobiledevice-utils" in err
    code, _, err = run(capsys, "scan", "--phone", "auto", "--no-history")
    assert code == 2 and "libimobiledevice-utils" in err and "USB debugging" in err


def test_an_app_list_line_that_is_not_an_app_makes_the_check_partial(iphones, capsys):
    iphones(StandInIphone(apps=[WECHAT, ["com.x;touch /tmp/pwned", "1", "X"]]))
    code, out, _ = run(capsys, "scan", "--phone", UDID_25, "--format", "json", "--no-history")
    coverage = {c["source"]: c["status"] for c in json.loads(out)["coverage"]}
    assert coverage["ios_apps"] == "partial"


def test_names_with_commas_and_missing_versions_read_as_each_version_writes_them():
    text = ('CFBundleIdentifier, CFBundleVersion, CFBundleDisplayName\ncom.a.b, "8.0", "Outlook, Email"\n'
            'com.c.d, , "Name"\ncom.e.f, "Only"\n')
    assert [(a.bundle_id, a.version, a.name) for a in parse_app_list(text)[0]] == [
        ("com.a.b", "8.0", "Outlook, Email"), ("com.c.d", "", "Name"), ("com.e.f", "", "Only")]
