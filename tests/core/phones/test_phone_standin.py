"""The stand-in phone (tests/phone_standin.py) driven by the real ADB client library, adb-shell,
over 127.0.0.1: authentication, streams and chunking as a real phone does them, and outputs that
AppWarden's own parsers read.

No phone exists on this machine. What the stand-in prints is built from real phone outputs (MVT's
public test data in ../shared/fixtures/phones/android/, MVT License 1.1, test data only); the tests
are skipped, saying why, when that folder is absent.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from contextlib import contextmanager

import pytest
from adb_shell.adb_device import AdbDeviceTcp
from adb_shell.auth.keygen import encode_pubkey
from adb_shell.exceptions import AdbTimeoutError, TcpTimeoutException
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from appwarden.core.sources.android.device import DeviceProperties, parse_getprop
from appwarden.core.sources.android.packages import AndroidPackage, parse_dumpsys_package, parse_pm_list_packages
from appwarden.core.sources.android.processes import parse_ps, running_packages
from appwarden.core.sources.android.users import parse_pm_list_users
from tests.conftest import shared_phone_output
from tests.phone_standin import PhonePackage, StandInPhone, android_public_key

shared_phone_output("android_data_getprop.txt")  # or the module is skipped

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
COMPUTER = b"tester@appwarden"
TIMEOUT_S = 1.0
WORK_PROFILE = (10, "Work profile", 0x1030)
USERS = ((0, "Owner", 0xC13), WORK_PROFILE)
LIST_PACKAGES = "pm list packages -f -i -U --show-versioncode --user {user}"


def wechat(**fields) -> PhonePackage:
    return PhonePackage("com.tencent.mm", version_name="8.0.40", version_code=2380, **fields)


def chrome(**fields) -> PhonePackage:
    return PhonePackage("com.android.chrome", version_name="120.0", version_code=6099, installer=None, system=True, **fields)


class RsaSigner:
    """What adb-shell asks of a key: Sign(token) and GetPublicKey() (adbkey.pub's contents). It may
    offer another key's public half than the one it signs with, as a forger would."""

    def __init__(self, private_key: rsa.RSAPrivateKey, offered: rsa.RSAPrivateKey | None = None) -> None:
        self._private_key = private_key
        self._offered = offered or private_key

    def Sign(self, data: bytes) -> bytes:  # noqa: N802 (adb-shell's interface)
        return self._private_key.sign(bytes(data), padding.PKCS1v15(), utils.Prehashed(hashes.SHA1()))

    def GetPublicKey(self) -> bytes:  # noqa: N802
        return android_public_key(self._offered.public_key()) + b" " + COMPUTER


def fingerprint(private_key: rsa.RSAPrivateKey) -> str:
    """As the phone's prompt shows it: MD5 of the decoded key structure, in uppercase hex pairs."""
    structure = base64.b64decode(RsaSigner(private_key).GetPublicKey().split(b" ")[0])
    return ":".join(f"{byte:02X}" for byte in hashlib.md5(structure).digest())


@pytest.fixture
def start_phone():
    """Starts stand-in phones; each is closed after the test, leaving none of its threads behind."""
    phones: list[StandInPhone] = []

    def start(**options) -> StandInPhone:
        phone = StandInPhone(**options)
        phones.append(phone)
        phone.serve()
        return phone

    yield start
    for phone in phones:
        phone.close()
    assert [thread.name for thread in threading.enumerate() if thread.name.startswith("StandInPhone")] == []


def new_device(phone: StandInPhone, transport_timeout_s: float = TIMEOUT_S) -> AdbDeviceTcp:
    host, port = phone.address.split(":")
    return AdbDeviceTcp(host, int(port), default_transport_timeout_s=transport_timeout_s)


@contextmanager
def connected(phone: StandInPhone, *signers: RsaSigner, auth_timeout_s: float = TIMEOUT_S, transport_timeout_s: float = TIMEOUT_S):
    device = new_device(phone, transport_timeout_s)
    try:
        assert device.connect(rsa_keys=list(signers) or [RsaSigner(KEY)], auth_timeout_s=auth_timeout_s, read_timeout_s=TIMEOUT_S)
        yield device
    finally:
        device.close()


def shell(phone: StandInPhone, *lines: str) -> list[str]:
    """What each command line printed, run in order over one new connection."""
    with connected(phone) as device:
        return [device.shell(line, read_timeout_s=TIMEOUT_S) for line in lines]


# --- authentication -------------------------------------------------------------------------------

def test_the_first_connection_prompts_once_with_the_keys_fingerprint_and_then_works(start_phone):
    phone = start_phone(model="Pixel 7", manufacturer="Google", allow="tap")
    assert shell(phone, "getprop ro.product.model") == ["Pixel 7\n"]
    assert [(prompt.fingerprint, prompt.computer) for prompt in phone.prompts] == [(fingerprint(KEY), "tester@appwarden")]
    assert phone.prompts[0].public_key.public_numbers() == KEY.public_key().public_numbers()


@pytest.mark.parametrize(("always_allow", "prompts"), [(False, 2), (True, 1)])
def test_a_key_is_remembered_for_later_connections_only_with_always_allow(start_phone, always_allow, prompts):
    phone = start_phone(always_allow=always_allow)
    shell(phone, "getprop ro.serialno")
    assert shell(phone, "getprop ro.serialno") == ["R58M123456X\n"]
    assert [prompt.fingerprint for prompt in phone.prompts] == [fingerprint(KEY)] * prompts


@pytest.mark.parametrize("authorised", [
    pytest.param(lambda key: android_public_key(key.public_key()) + b" someone@else", id="adbkey.pub bytes"),
    pytest.param(lambda key: key.public_key(), id="cryptography key"),
])
def test_a_pre_authorised_key_connects_without_a_prompt(start_phone, authorised):
    phone = start_phone(authorised_keys=[authorised(KEY)], allow="never")
    assert shell(phone, "getprop ro.product.manufacturer") == ["samsung\n"]
    assert phone.prompts == []


def test_when_nobody_taps_allow_connecting_times_out_after_the_auth_timeout(start_phone):
    phone = start_phone(allow="never")
    started = time.monotonic()
    with pytest.raises(TcpTimeoutException):
        with connected(phone, auth_timeout_s=0.3):
            pass
    assert 0.3 <= time.monotonic() - started < 1.0
    assert [prompt.fingerprint for prompt in phone.prompts] == [fingerprint(KEY)]


def test_allow_tapped_after_the_auth_timeout_is_too_late(start_phone):
    phone = start_phone(allow="tap", allow_delay=0.6)
    with pytest.raises(TcpTimeoutException):
        with connected(phone, auth_timeout_s=0.2):
            pass
    assert len(phone.prompts) == 1


def test_a_signature_by_a_key_that_is_not_authorised_is_not_accepted(start_phone):
    phone = start_phone(authorised_keys=[KEY.public_key()], allow="never")
    forger = RsaSigner(OTHER_KEY, offered=KEY)  # offers the authorised key, signs with another
    with pytest.raises(TcpTimeoutException):
        with connected(phone, forger, auth_timeout_s=0.2):
            pass
    assert [prompt.fingerprint for prompt in phone.prompts] == [fingerprint(KEY)]
    assert phone.commands == []


def test_after_a_refused_signature_the_phone_sends_a_new_token_that_the_next_key_may_sign(start_phone):
    phone = start_phone(authorised_keys=[KEY.public_key()], allow="never")
    with connected(phone, RsaSigner(OTHER_KEY), RsaSigner(KEY)) as device:
        assert device.shell("getprop ro.product.model", read_timeout_s=TIMEOUT_S) == "SM-A405FN\n"
    assert phone.prompts == []


def test_an_offline_phone_accepts_the_connection_and_never_answers(start_phone):
    phone = start_phone(offline=True)
    with pytest.raises(TcpTimeoutException):
        with connected(phone, transport_timeout_s=0.2):
            pass
    assert phone.prompts == []


def test_android_public_key_is_the_format_adb_shell_writes_to_adbkey_pub(tmp_path):
    private_key_path = tmp_path / "adbkey"
    private_key_path.write_bytes(KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
    assert base64.b64decode(android_public_key(KEY.public_key())) == encode_pubkey(str(private_key_path))


# --- streams --------------------------------------------------------------------------------------

def test_a_20_kb_output_arrives_whole_in_writes_of_at_most_4096_bytes_each(start_phone):
    filler = "".join(f"[persist.standin.filler{number:04d}]: [{'x' * 40}]\n" for number in range(320))
    phone = start_phone(getprop_text=filler, always_allow=True)
    (output,) = shell(phone, "getprop")
    assert len(filler) >= 20 * 1024 and filler.splitlines() == [line for line in output.splitlines() if "filler" in line]
    sizes = [size for line, size in phone.writes if line == "getprop"]
    assert sizes == [4096] * (len(output) // 4096) + [len(output) % 4096]


def test_services_other_than_shell_are_refused_with_a_close(start_phone):
    phone = start_phone()
    with connected(phone, transport_timeout_s=0.3) as device:
        with pytest.raises((AdbTimeoutError, TcpTimeoutException)):  # adb-shell waits for an OKAY that never comes
            device.exec_out("getprop", read_timeout_s=0.3)
        assert device.shell("getprop ro.product.model", read_timeout_s=TIMEOUT_S) == "SM-A405FN\n"
    assert phone.commands == ["getprop ro.product.model"]


def test_connections_at_the_same_time_share_the_phone(start_phone):
    phone = start_phone(packages=[wechat()], always_allow=True)
    with connected(phone) as first, connected(phone) as second:
        assert first.shell("pm uninstall --user 0 com.tencent.mm") == "Success\n"
        assert second.shell("pm list packages --user 0") == ""
        assert first.shell("pm list users").startswith("Users:\n")
    assert phone.commands == ["pm uninstall --user 0 com.tencent.mm", "pm list packages --user 0", "pm list users"]


def test_unplugging_drops_the_connection_mid_stream_and_the_phone_is_gone(start_phone):
    phone = start_phone(unplug_after=2)
    with connected(phone) as device:
        assert device.shell("getprop ro.product.model", read_timeout_s=0.5) == "SM-A405FN\n"
        started = time.monotonic()
        with pytest.raises(AdbTimeoutError):  # adb-shell reads the closed socket until read_timeout_s
            device.shell("pm list users", read_timeout_s=0.5)
        assert time.monotonic() - started < 1.5
    assert phone.commands == ["getprop ro.product.model", "pm list users"]
    with pytest.raises(ConnectionRefusedError):
        new_device(phone).connect(rsa_keys=[RsaSigner(KEY)], auth_timeout_s=TIMEOUT_S, read_timeout_s=TIMEOUT_S)


# --- what the phone prints ------------------------------------------------------------------------

def test_getprop_is_the_real_capture_with_the_phones_own_maker_model_and_serial(start_phone):
    phone = start_phone(model="Pixel 7", manufacturer="Google", serial="R5CT40ABC9X")
    (output,) = shell(phone, "getprop")
    assert parse_getprop(output) == DeviceProperties(manufacturer="Google", model="Pixel 7", android_version="11", serial="R5…9X")
    real = shared_phone_output("android_data_getprop.txt").read_text(encoding="utf-8").splitlines()
    ours = ("ro.product", "ro.serialno", "ro.build.version.release")
    assert [line for line in output.splitlines() if not any(name in line for name in ours)] == real


def test_pm_list_users_names_the_work_profile(start_phone):
    phone = start_phone(users=USERS)
    (output,) = shell(phone, "pm list users")
    assert output == "Users:\n\tUserInfo{0:Owner:c13} running\n\tUserInfo{10:Work profile:1030} running\n"
    assert [(user.id, user.work_profile) for user in parse_pm_list_users(output).values] == [(0, False), (10, True)]


def test_pm_list_packages_is_read_by_appwardens_parser(start_phone):
    phone = start_phone(packages=[wechat(users={0, 10}), chrome()], users=USERS)
    owner, work, reordered = shell(phone, LIST_PACKAGES.format(user=0), LIST_PACKAGES.format(user=10),
                                   "pm list packages --user 10 -U --show-versioncode -i -f")
    wechat_apk = wechat().apk_path()
    assert wechat_apk.startswith("/data/app/com.tencent.mm-") and wechat_apk.endswith("==/base.apk")
    assert owner == ("package:/system/app/Chrome/Chrome.apk=com.android.chrome versionCode:6099  installer=null uid:10101\n"
                     f"package:{wechat_apk}=com.tencent.mm versionCode:2380  installer=com.android.vending uid:10100\n")
    assert reordered == work
    assert parse_pm_list_packages(work).values == (
        AndroidPackage("com.tencent.mm", "com.android.vending", version_code="2380", uids=(1010100,), users=(10,), apk_path=wechat_apk),
    )


def test_a_phone_that_refuses_the_installer_option_lists_packages_without_it(start_phone):
    phone = start_phone(packages=[wechat()], refuses_installer_option=True)
    refused, listed = shell(phone, LIST_PACKAGES.format(user=0), "pm list packages -f -U --show-versioncode --user 0")
    assert refused == "Error: Unknown option: -i\n"
    assert parse_pm_list_packages(refused).values == () and len(parse_pm_list_packages(refused).problems) == 1
    assert [(package.name, package.installer, package.uids) for package in parse_pm_list_packages(listed).values] == [
        ("com.tencent.mm", None, (10100,))]


def test_users_that_cannot_be_listed_or_do_not_exist(start_phone):
    phone = start_phone(packages=[wechat()], users=USERS, unlistable_users={10})
    unlistable, missing = shell(phone, LIST_PACKAGES.format(user=10), LIST_PACKAGES.format(user=11))
    assert unlistable.splitlines()[:2] == [
        "Exception occurred while executing 'list':",
        "java.lang.SecurityException: Shell does not have permission to access user 10"]
    assert missing == "Failure [user 11 doesn't exist]\n"


def test_dumpsys_package_is_read_by_appwardens_parser(start_phone):
    phone = start_phone(packages=[wechat(users={0, 10}), chrome(users={10})], users=USERS)
    user_app, system_app, unknown = shell(phone, "dumpsys package com.tencent.mm", "dumpsys package com.android.chrome",
                                          "dumpsys package com.example.none")
    assert parse_dumpsys_package(user_app).values == (AndroidPackage(
        "com.tencent.mm", "com.android.vending", "8.0.40", "2380", (10100,), (0, 10), wechat().code_path(), False, "2021-03-04 10:15:00"),)
    assert parse_dumpsys_package(system_app).values == (AndroidPackage(
        "com.android.chrome", None, "120.0", "6099", (10101,), (10,), "/system/app/Chrome", True, "2008-12-31 16:00:00"),)
    assert "    User 0: ceDataInode=-4294845101 installed=false hidden=false" in system_app
    assert user_app.startswith(shared_phone_output("android_data_dumpsys_packages.txt").read_text(encoding="utf-8").partition("Packages:")[0])
    assert unknown == "Unable to find package: com.example.none\n"


def test_ps_lists_the_running_apps_after_the_real_processes_until_they_are_force_stopped(start_phone):
    phone = start_phone(packages=[wechat(users={0, 10}, running=True), chrome()], users=USERS)
    before, stopped, after = shell(phone, "ps -A", "am force-stop --user 0 com.tencent.mm", "ps -A")
    processes = parse_ps(before)
    assert processes.problems == () and running_packages(processes.values) == ("com.tencent.mm",)
    assert before.splitlines()[-2:] == [
        "u0_a100      20100   700 4321987  98765 SyS_epoll_wait      0 S com.tencent.mm",
        "u10_a100     30100   700 4321987  98765 SyS_epoll_wait      0 S com.tencent.mm"]
    assert stopped == ""
    assert [process.user for process in parse_ps(after).values if process.package] == ["u10_a100"]
    assert shell(phone, "am force-stop com.tencent.mm", "ps -A")[1] == shared_phone_output("android_data_ps.txt").read_text(encoding="utf-8")
    assert phone.running() == set()


def test_an_uninstalled_app_is_gone_for_that_user_on_a_new_connection(start_phone):
    phone = start_phone(packages=[wechat(users={0, 10}, running=True)], users=USERS)
    assert shell(phone, "pm uninstall --user 0 com.tencent.mm") == ["Success\n"]
    owner, work, processes = shell(phone, LIST_PACKAGES.format(user=0), LIST_PACKAGES.format(user=10), "ps -A")
    assert owner == "" and [package.name for package in parse_pm_list_packages(work).values] == ["com.tencent.mm"]
    assert [process.user for process in parse_ps(processes).values if process.package] == ["u10_a100"]
    assert (phone.installed(0), phone.installed(10), phone.kept_data) == (set(), {"com.tencent.mm"}, [])


@pytest.mark.parametrize(("options", "line", "answer"), [
    ({"device_admins": {"com.tencent.mm"}}, "pm uninstall --user 0 com.tencent.mm", "Failure [DELETE_FAILED_DEVICE_POLICY_MANAGER]\n"),
    ({"restricted": {"com.tencent.mm"}}, "pm uninstall --user 0 com.tencent.mm", "Failure [DELETE_FAILED_USER_RESTRICTED]\n"),
    ({}, "pm uninstall --user 10 com.tencent.mm", "Failure [not installed for 10]\n"),
    ({}, "pm uninstall --user 0 com.example.none", "Failure [not installed for 0]\n"),
])
def test_an_uninstall_the_phone_refuses_leaves_the_app(start_phone, options, line, answer):
    phone = start_phone(packages=[wechat()], users=USERS, **options)
    assert shell(phone, line) == [answer]
    assert phone.installed(0) == {"com.tencent.mm"}


def test_a_system_app_uninstalled_for_a_user_stays_on_the_phone(start_phone):
    phone = start_phone(packages=[chrome()])
    everyone, owner, details = shell(phone, "pm uninstall com.android.chrome", "pm uninstall --user 0 com.android.chrome",
                                     "dumpsys package com.android.chrome")
    assert (everyone, owner) == ("Failure [DELETE_FAILED_INTERNAL_ERROR]\n", "Success\n")
    assert [(package.system, package.users) for package in parse_dumpsys_package(details).values] == [(True, ())]


def test_an_uninstall_keeping_the_data_is_done_and_recorded(start_phone):
    phone = start_phone(packages=[wechat()])
    assert shell(phone, "pm uninstall -k --user 0 com.tencent.mm") == ["Success\n"]
    assert phone.kept_data == ["com.tencent.mm"] and phone.installed(0) == set()


def test_shared_storage_is_measured_listed_and_deleted_under_both_its_names(start_phone):
    phone = start_phone(shared_storage={"/sdcard/tencent/MicroMsg": 2048, "/storage/emulated/0/tencent/MicroMsg/Download": 512,
                                        "/sdcard/Download": 100})
    outputs = shell(phone, "du -sk /storage/emulated/0/tencent", "du -s -k -- /sdcard/tencent/Micro* /sdcard/tencent/QQ*",
                    "ls -d /sdcard/tencent/MicroMsg/Download", "rm -r -f -- /storage/emulated/0/tencent/MicroMsg/Download",
                    "du -sk /sdcard/tencent/MicroMsg", "rm -rf -- '/sdcard/tencent'", "ls -d /sdcard/tencent", "du -sk /sdcard/nothing")
    assert outputs == ["2560\t/storage/emulated/0/tencent\n",
                       "2560\t/sdcard/tencent/MicroMsg\ndu: /sdcard/tencent/QQ*: No such file or directory\n",
                       "/sdcard/tencent/MicroMsg/Download\n", "", "2048\t/sdcard/tencent/MicroMsg\n", "",
                       "ls: /sdcard/tencent: No such file or directory\n", "du: /sdcard/nothing: No such file or directory\n"]
    assert phone.storage() == {"/storage/emulated/0/Download": 100}


def test_what_the_phone_does_not_know_it_answers_as_android_does(start_phone):
    phone = start_phone()
    assert shell(phone, "frobnicate --all", "pm frobnicate", "pm list packages -x", "am start x.y", "dumpsys wifi") == [
        "/system/bin/sh: frobnicate: inaccessible or not found\n", "Unknown command: frobnicate\n",
        "Error: Unknown option: -x\n", "Unknown command: start\n", "Can't find service: wifi\n"]
    assert phone.commands == ["frobnicate --all", "pm frobnicate", "pm list packages -x", "am start x.y", "dumpsys wifi"]
