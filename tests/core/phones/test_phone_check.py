"""Checking a phone plugged in, and removing what it finds, through the command line.

No phone exists on this machine: the phone here is tests/phone_standin.py, which speaks the real ADB
protocol on 127.0.0.1 (AUTH with a real RSA key exchange, streams in 4 KB chunks) and answers from
real phone outputs (../shared/fixtures/phones/android/, MVT's test data). AppWarden reaches it through
the real client library, adb-shell, over the loopback transport (--connect); only the USB transport
adapter (core/phones/link.py: connect_usb, usb_serials) is not run here.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.conftest import run_cli
from appwarden.core.history import HistoryStore, default_history_path
from appwarden.core.phones.keys import StoredKey
from tests.phone_standin import PhonePackage, StandInPhone

pytestmark = pytest.mark.usefixtures("stored_adb_key")  # made once for the run: pure-Python keys take seconds

SERIAL = "R58M123456X"
OWNER = (0, "Owner", 0xC13)
WORK_PROFILE = (10, "Work profile", 0x1030)


run = run_cli


@pytest.fixture
def phone_with(request):
    phones = []

    def serve(**options) -> StandInPhone:
        phone = StandInPhone(serial=SERIAL, **options)
        phone.serve()
        phones.append(phone)
        return phone

    yield serve
    for phone in phones:
        phone.close()


def wechat(**options) -> PhonePackage:
    return PhonePackage("com.tencent.mm", version_name="8.0.49", version_code=2540, **options)


def test_a_phone_is_checked_as_a_mobile_device_so_the_directive_requires_removal(phone_with, capsys):
    phone = phone_with(packages=[wechat(running=True), PhonePackage("com.tencent.wework"), PhonePackage("com.ss.android.ugc.aweme")])
    code, out, err = run(capsys, "scan", "--phone", "auto", "--connect", phone.address)
    assert code == 1
    assert "check of the phone samsung SM-A405FN (R5…6X) (Android), connected to this computer" in out
    assert "Removal required: the directive covers government-issued mobile devices, and this phone or tablet is one of them." in out
    assert "1 prohibited application found." in out  # WeCom and Douyin are look-alikes, never flagged
    assert "running: com.tencent.mm" in out
    # The person is told what to tap, and the fingerprint matches the one the phone shows.
    [prompt] = phone.prompts
    assert prompt.fingerprint == StoredKey().key().fingerprint and prompt.fingerprint in err


def test_every_report_format_works_and_no_report_or_history_holds_the_serial(phone_with, capsys):
    phone = phone_with(packages=[wechat()])
    for format in ("text", "json", "html"):
        code, out, _ = run(capsys, "scan", "--phone", "auto", "--connect", phone.address, "--format", format)
        assert code == 1 and SERIAL not in out and phone.address not in out
    report = json.loads(run(capsys, "scan", "--phone", "auto", "--connect", phone.address, "--format", "json", "--no-history")[1])
    assert report["findings"][0]["enforcement"] == "required"
    with sqlite3.connect(default_history_path()) as database:
        dump = "\n".join(database.iterdump())
    assert SERIAL not in dump and "R5…6X" in dump


def test_a_personal_phone_gets_recommendations(phone_with, capsys):
    phone = phone_with(packages=[wechat()])
    _, out, _ = run(capsys, "scan", "--phone", "auto", "--connect", phone.address, "--personal", "--no-history")
    assert "Removal recommended" in out and "Removal required" not in out


def test_nobody_taps_allow_the_check_says_what_to_do_after_its_wait(phone_with, capsys):
    phone = phone_with(packages=[wechat()], allow="never")
    code, out, err = run(capsys, "scan", "--phone", "auto", "--connect", phone.address, "--allow-wait", "1", "--no-history")
    assert code == 2 and out == ""
    assert "did not allow USB debugging within 1 second" in err and "tap Allow" in err and "Always allow" in err
    assert "Traceback" not in err and phone.commands == []


def test_a_phone_unplugged_mid_check_is_coverage_not_a_traceback(phone_with, capsys):
    phone = phone_with(packages=[wechat()], unplug_after=4)  # getprop, getprop, pm list users, then the list
    code, out, err = run(capsys, "scan", "--phone", "auto", "--connect", phone.address, "--no-history")
    assert "Traceback" not in out + err
    assert "the phone stopped answering during the check" in out
    assert "Some sources could not be read completely" in out
    assert code == 0  # nothing was found in what could be read: the coverage says it is incomplete


def test_two_users_and_a_work_profile_are_all_read_and_the_work_profile_is_left_to_it(phone_with, capsys):
    phone = phone_with(users=(OWNER, WORK_PROFILE), packages=[wechat(users={0, 10}), PhonePackage("com.kms.free", users={10})])
    code, out, _ = run(capsys, "scan", "--phone", "auto", "--connect", phone.address, "--no-history")
    assert code == 1 and "2 prohibited applications found." in out
    assert "pm list packages -f -i -U --show-versioncode --user 10" in phone.commands
    code, out, _ = run(capsys, "remove", "wechat", "--phone", "auto", "--connect", phone.address, "--yes")
    assert "pm uninstall --user 0 com.tencent.mm" in phone.commands
    assert not any(c.startswith("pm uninstall --user 10") for c in phone.commands)
    assert "Ask IT to remove WeChat (Weixin) from the work profile" in out
    assert phone.installed(0) == set() and phone.installed(10) == {"com.tencent.mm", "com.kms.free"}


def test_a_phone_that_refuses_the_installer_option_is_listed_without_it(phone_with, capsys):
    phone = phone_with(packages=[wechat()], refuses_installer_option=True)
    code, out, _ = run(capsys, "scan", "--phone", "auto", "--connect", phone.address, "--no-history")
    assert code == 1 and "Every source that applies to this phone was read." in out
    assert phone.commands.index("pm list packages -f -U --show-versioncode --user 0") == \
        phone.commands.index("pm list packages -f -i -U --show-versioncode --user 0") + 1


def test_removal_closes_uninstalls_for_each_user_and_verifies_never_keeping_data(phone_with, capsys):
    phone = phone_with(users=(OWNER, (11, "Ana", 0x10)), packages=[wechat(users={0, 11}, running=True)])
    code, out, err = run(capsys, "remove", "wechat", "--phone", "auto", "--connect", phone.address, "--yes")
    assert code == 0, out + err
    sent = phone.commands
    assert sent.index("am force-stop --user 0 com.tencent.mm") < sent.index("pm uninstall --user 0 com.tencent.mm")
    assert "pm uninstall --user 11 com.tencent.mm" in sent
    assert phone.installed(0) == phone.installed(11) == set() and phone.kept_data == []
    assert "WeChat (Weixin) is gone from the phone." in out
    recorded = {(a.step.partition(":")[2], a.phase, a.outcome) for a in HistoryStore().actions("wechat")}
    assert {("uninstall-com.tencent.mm", "started", ""), ("uninstall-com.tencent.mm", "finished", "done"),
            ("quit", "finished", "done"), ("verify", "finished", "done")} <= recorded
    assert all(a.step.startswith("phone-") and SERIAL not in a.step for a in HistoryStore().actions("wechat"))


def test_a_dry_run_shows_every_phone_command_and_changes_nothing(phone_with, capsys):
    phone = phone_with(packages=[wechat()], shared_storage={"/storage/emulated/0/tencent/MicroMsg": 5000})
    code, out, _ = run(capsys, "remove", "wechat", "--phone", "auto", "--connect", phone.address, "--dry-run")
    assert code == 0
    assert "on the phone: pm uninstall --user 0 com.tencent.mm" in out
    assert "on the phone: rm -r -f -- /storage/emulated/0/tencent/MicroMsg" in out and "(5.1 MB)" in out
    assert not any(c.startswith(("pm uninstall", "am force-stop", "rm ")) for c in phone.commands)
    assert phone.installed(0) == {"com.tencent.mm"}


def test_shared_storage_leftovers_are_never_deleted_by_yes_alone(phone_with, capsys):
    phone = phone_with(packages=[wechat()], shared_storage={"/storage/emulated/0/tencent/MicroMsg": 2048})
    code, out, _ = run(capsys, "remove", "wechat", "--phone", "auto", "--connect", phone.address, "--yes")
    assert phone.installed(0) == set()
    assert "/storage/emulated/0/tencent/MicroMsg" in phone.storage()  # the person's photos stay
    assert not any(c.startswith("rm ") for c in phone.commands)


def test_a_device_administrator_refusal_says_exactly_what_to_turn_off(phone_with, capsys):
    phone = phone_with(packages=[PhonePackage("com.kms.free")], device_admins={"com.kms.free"})
    code, out, _ = run(capsys, "remove", "kaspersky", "--phone", "auto", "--connect", phone.address, "--yes")
    assert code == 1
    assert "is a device administrator on it" in out and "Device admin apps" in out
    assert phone.installed(0) == {"com.kms.free"}


def test_device_management_refusal_names_the_help_desk(phone_with, capsys):
    phone = phone_with(packages=[PhonePackage("com.zhiliaoapp.musically")], restricted={"com.zhiliaoapp.musically"})
    code, out, _ = run(capsys, "remove", "tiktok", "--phone", "auto", "--connect", phone.address, "--yes")
    assert code == 1 and "device management (MDM" in out and "Ask your help desk" in out


def test_a_preinstalled_app_is_removed_for_the_user_only_and_the_plan_says_so(phone_with, capsys):
    phone = phone_with(packages=[PhonePackage("com.zhiliaoapp.musically", system=True)])
    _, out, _ = run(capsys, "remove", "tiktok", "--phone", "auto", "--connect", phone.address, "--dry-run")
    assert "came preinstalled on this phone" in out and "comes back after a factory reset" in out
    code, out, _ = run(capsys, "remove", "tiktok", "--phone", "auto", "--connect", phone.address, "--yes")
    assert code == 0 and phone.installed(0) == set()


def test_another_address_than_loopback_is_refused_before_any_connection(capsys):
    for address in ("10.0.0.5:5555", "192.168.1.20:5555", "example.org:5555", "[2001:db8::1]:5555", "0.0.0.0:5555"):
        code, out, err = run(capsys, "scan", "--phone", "auto", "--connect", address)
        assert code == 2 and "never to the network" in err and out == ""


def test_the_phones_listing_names_each_phone_in_full_with_its_state(phone_with, capsys):
    ready = phone_with(packages=[wechat()])
    waiting = phone_with(allow="never")
    offline = phone_with(offline=True)
    code, out, err = run(capsys, "phones", "--connect", ready.address, "--connect", waiting.address,
                         "--connect", offline.address, "--allow-wait", "0.5")
    assert code == 0
    lines = out.splitlines()
    assert any(ready.address in line and "samsung SM-A405FN" in line and line.endswith("ready") for line in lines)
    assert any(waiting.address in line and line.endswith("unauthorised") for line in lines)
    assert any(offline.address in line and line.endswith("offline") for line in lines)
    assert StoredKey().key().fingerprint in out


def test_phone_auto_needs_exactly_one_phone(phone_with, capsys):
    one, two = phone_with(), phone_with()
    code, _, err = run(capsys, "scan", "--phone", "auto", "--connect", one.address, "--connect", two.address)
    assert code == 2 and "Several phones are connected" in err
    code, _, err = run(capsys, "scan", "--phone", "127.0.0.9:1", "--connect", one.address)
    assert code == 2 and "No phone with the serial 127.0.0.9:1 is connected" in err


def test_history_lists_a_phone_check_as_a_phone_plugged_in(phone_with, capsys):
    phone = phone_with(packages=[wechat()])
    run(capsys, "scan", "--phone", "auto", "--connect", phone.address)
    code, out, _ = run(capsys, "history")
    assert code == 0 and "phone plugged in" in out and "samsung SM-A405FN (R5…6X)" in out and "this device" not in out


def test_a_phone_plugged_in_again_is_connected_to_again_for_the_next_check(phone_with):
    """The link broke (the cable was pulled); the phone is back: the next check connects again."""
    from appwarden.core.phones.keys import StoredKey
    from appwarden.core.phones.link import loopback_address
    from appwarden.core.phones.session import PhoneFinder
    from appwarden.core.policy.loader import load_policies
    from appwarden.core.scan import run_scan
    from appwarden.core.target import phone_target

    phone = phone_with(packages=[wechat()])
    session = PhoneFinder(StoredKey(), (loopback_address(phone.address),), usb=False).open(phone.address, 5)
    target, policies = phone_target(session), load_policies([], include_default=True)
    session._link.close()  # what a pulled cable leaves behind
    result = run_scan(target, policies)
    assert [f.rule.id for f in result.findings] == ["wechat"] and result.complete
    session.close()


def test_a_removal_on_one_phone_is_not_taken_for_done_on_another(phone_with, capsys):
    """History resumes a plan on the same phone only: steps done on one phone are still to do on the next."""
    first = phone_with(users=(OWNER, WORK_PROFILE), packages=[wechat(users={0, 10})])
    code, _, _ = run(capsys, "remove", "wechat", "--phone", "auto", "--connect", first.address, "--yes")
    assert code == 1  # the work profile's copy stays: the plan is not finished on that phone
    second = StandInPhone(serial="R58N999999Z", packages=[wechat()])
    with second:
        code, out, _ = run(capsys, "remove", "wechat", "--phone", "auto", "--connect", second.address, "--yes")
    assert code == 0 and "already done earlier" not in out and second.installed(0) == set()


@pytest.mark.parametrize("unplug_after", [2, 3, 4])
def test_a_phone_gone_before_its_apps_were_listed_is_a_failed_read_and_remove_cannot_tell(phone_with, capsys, unplug_after):
    phone = phone_with(packages=[wechat()], unplug_after=unplug_after)
    code, out, _ = run(capsys, "scan", "--phone", "auto", "--connect", phone.address, "--format", "json", "--no-history")
    coverage = {c["source"]: c["status"] for c in json.loads(out)["coverage"]}
    assert coverage["android_packages"] == "failed" and coverage["android_running"] == "failed"
    assert SERIAL not in out and "Error" not in out.replace("error", "")
    again = phone_with(packages=[wechat()], unplug_after=unplug_after)
    code, out, _ = run(capsys, "remove", "wechat", "--phone", "auto", "--connect", again.address, "--yes")
    assert code == 2 and "cannot tell whether wechat is there" in out


def test_an_older_phone_that_refuses_show_versioncode_and_uid_is_listed_with_what_it_takes(phone_with, capsys):
    phone = phone_with(packages=[wechat()], refused_options={"--show-versioncode", "-U"}, android_version="7.1")
    code, out, _ = run(capsys, "scan", "--phone", "auto", "--connect", phone.address, "--no-history")
    assert code == 1 and "Every source that applies to this phone was read." in out
    assert "pm list packages -f -i --user 0" in phone.commands


def test_a_work_profiles_storage_is_not_read(phone_with, capsys):
    phone = phone_with(users=(OWNER, WORK_PROFILE), packages=[wechat(users={0, 10})],
                       shared_storage={"/storage/emulated/0/tencent/MicroMsg": 10})
    run(capsys, "scan", "--phone", "auto", "--connect", phone.address, "--no-history")
    assert not any("/storage/emulated/10/" in command for command in phone.commands)
    assert any("/storage/emulated/0/" in command for command in phone.commands)


def test_the_phones_listing_gives_the_android_version(phone_with, capsys):
    phone = phone_with(android_version="14")
    _, out, _ = run(capsys, "phones", "--connect", phone.address)
    assert any(line.split()[-2:] == ["14", "ready"] for line in out.splitlines())


def test_a_phone_that_sends_too_much_is_not_followed(phone_with, capsys, monkeypatch):
    from appwarden.core.phones import link

    monkeypatch.setattr(link, "MAX_OUTPUT_BYTES", 2000)  # the getprop alone is under it; ps -A is not
    phone = phone_with(packages=[wechat()] + [PhonePackage(f"org.example.app{n}", running=True) for n in range(60)])
    code, out, _ = run(capsys, "scan", "--phone", "auto", "--connect", phone.address, "--no-history")
    assert "it sent more than AppWarden reads of one command" in out and "Traceback" not in out


def test_where_an_app_came_from_is_said_in_plain_words(phone_with, capsys):
    phone = phone_with(packages=[wechat(), PhonePackage("com.kms.free", installer=None),
                                 PhonePackage("com.zhiliaoapp.musically", installer="com.sec.android.app.samsungapps")])
    _, out, _ = run(capsys, "scan", "--phone", "auto", "--connect", phone.address, "--format", "json", "--no-history")
    found = {f["rule"]: dict(f["evidence"][0]["details"]) for f in json.loads(out)["findings"]}
    assert found["wechat"]["installed_from"] == "the Google Play Store"
    assert found["kaspersky"]["installed_from"] == "no store: installed from a file (sideloaded)"
    assert found["tiktok"]["installed_from"] == "another store (com.sec.android.app.samsungapps)"


def test_a_loopback_phone_is_named_however_its_address_is_written(phone_with, capsys):
    phone = phone_with(packages=[wechat()])
    port = phone.address.rsplit(":", 1)[1]
    code, _, err = run(capsys, "scan", "--phone", f"localhost:{port}", "--connect", phone.address,
                       "--connect", f"localhost:{port}", "--no-history")
    assert code == 1, err


def test_a_phone_step_already_done_is_skipped_and_the_close_step_always_applies(phone_with):
    """Read from the phone again just before each step (core/removal/recheck.py, as for a computer)."""
    from appwarden.core.phones.keys import StoredKey
    from appwarden.core.phones.link import loopback_address
    from appwarden.core.phones.session import PhoneFinder
    from appwarden.core.policy.loader import load_policies
    from appwarden.core.removal.builder import build_plan
    from appwarden.core.removal.model import StepKind
    from appwarden.core.removal.recheck import already_done
    from appwarden.core.scan import run_scan
    from appwarden.core.target import phone_target

    phone = phone_with(packages=[wechat()], shared_storage={"/storage/emulated/0/tencent/MicroMsg": 10})
    session = PhoneFinder(StoredKey(), (loopback_address(phone.address),), usb=False).open(phone.address, 5)
    target, policies = phone_target(session), load_policies([], include_default=True)
    finding = next(f for f in run_scan(target, policies).findings if f.rule.id == "wechat")
    plan = build_plan(finding, target, policies)
    steps = {step.kind: step for step in plan.steps}
    assert [already_done(plan, steps[kind]) for kind in (StepKind.QUIT, StepKind.UNINSTALL, StepKind.LEFTOVERS)] == [None] * 3
    phone._shell.packages.clear()  # the person uninstalled it by hand meanwhile, and deleted the folder
    phone._shell.storage.remove("/storage/emulated/0/tencent/MicroMsg")
    assert already_done(plan, steps[StepKind.QUIT]) is None
    assert already_done(plan, steps[StepKind.UNINSTALL]).render() == "Already gone: com.tencent.mm."
    assert already_done(plan, steps[StepKind.LEFTOVERS]).render() == "Already gone: /storage/emulated/0/tencent/MicroMsg."
    session.close()
