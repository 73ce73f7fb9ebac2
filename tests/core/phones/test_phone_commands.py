"""What reaches a phone's shell: only validated values, quoted by AppWarden (hypothesis included)."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given, settings, strategies as st

from appwarden.core.phones import commands
from tests.conftest import PROJECT
from appwarden.core.phones.commands import UnsafePhoneValue
from appwarden.core.sources.android.storage import matches, phone_path_problem, storage_template_problem


def test_the_commands_are_exactly_those_the_issue_names():
    assert commands.list_packages(10).line == "pm list packages -f -i -U --show-versioncode --user 10"
    assert commands.list_packages(0, with_installer=False).line == "pm list packages -f -U --show-versioncode --user 0"
    assert commands.uninstall("com.tencent.mm", 0).line == "pm uninstall --user 0 com.tencent.mm"
    assert commands.force_stop("com.tencent.mm", 10).line == "am force-stop --user 10 com.tencent.mm"
    assert commands.package_details("com.kms.free").line == "dumpsys package com.kms.free"
    assert commands.delete_storage("/storage/emulated/0/tencent/MicroMsg").line == "rm -r -f -- /storage/emulated/0/tencent/MicroMsg"
    assert "-k" not in commands.uninstall("com.tencent.mm", 0).argv


@pytest.mark.parametrize("name", ["com.tencent.mm;reboot", "com.tencent.mm reboot", "$(reboot)", "com..mm", "mm", "-k", "com.x`id`", "com.x\nreboot"])
def test_a_package_name_that_is_not_one_never_becomes_a_command(name):
    with pytest.raises(UnsafePhoneValue):
        commands.uninstall(name, 0)


@pytest.mark.parametrize("user", [-1, True, "0", 10**9, 1.5])
def test_a_user_that_is_not_a_number_never_becomes_a_command(user):
    with pytest.raises(UnsafePhoneValue):
        commands.uninstall("com.tencent.mm", user)


@pytest.mark.parametrize("path", [
    "/sdcard/DCIM", "/sdcard/Android", "/sdcard/Android/data", "/sdcard", "/sdcard/", "/storage/emulated/0",
    "/sdcard/../data", "/sdcard/tencent/../../data", "/data/data/com.tencent.mm", "/sdcard/x'y", "/sdcard/ab*",
    "/sdcard/tencent/MicroMsg;rm -rf /", "/storage/emulated/0/DCIM/*", "/sdcard/tencent//MicroMsg",
])
def test_shared_storage_paths_that_are_not_an_apps_own_are_refused(path):
    assert phone_path_problem(path) is not None
    with pytest.raises(UnsafePhoneValue):
        commands.delete_storage(path)


def test_a_path_to_delete_is_named_in_full():
    with pytest.raises(UnsafePhoneValue):
        commands.delete_storage("/storage/emulated/0/tencent/Micro*")


def test_a_storage_pattern_leaves_only_its_star_to_the_phone():
    line = commands.storage_listing("/storage/emulated/0/tencent/Micro*").line
    assert line == "du -s -k -- /storage/emulated/0/tencent/Micro*"
    spaced = commands.storage_listing("/storage/emulated/0/My Files (x)/Tencent*").line
    assert spaced == "du -s -k -- '/storage/emulated/0/My Files (x)/Tencent'*"


@settings(max_examples=400)
@given(st.text(max_size=60))
def test_any_text_as_a_package_name_is_refused_or_is_one_plain_word(text):
    try:
        line = commands.uninstall(text, 0).line
    except UnsafePhoneValue:
        return
    assert shlex.split(line) == ["pm", "uninstall", "--user", "0", text] and text.replace(".", "").replace("_", "").isalnum()


@settings(max_examples=400)
@given(st.text(alphabet=st.sampled_from("ab/.*_ -;'$`\n\\DCIMAndroid"), max_size=40).map(lambda rest: "/sdcard/" + rest))
def test_any_storage_path_is_refused_or_stays_below_an_apps_own_folder(path):
    try:
        line = commands.storage_listing(path).line
    except UnsafePhoneValue:
        return
    assert ".." not in path.split("/") and path.count("*") <= 1
    words = shlex.split(line.replace("*", "STAR"))
    assert words[:4] == ["du", "-s", "-k", "--"] and len(words) == 5  # one word, whatever it holds
    assert storage_template_problem(path) is None


def test_a_pattern_stands_for_part_of_one_name_only():
    assert matches("/storage/emulated/0/Android/media/com.tencent.mm", "/storage/emulated/0/Android/media/com.tencent.*")
    assert not matches("/storage/emulated/0/Android/media/com.tencent.x/y", "/storage/emulated/0/Android/media/com.tencent.*")


from appwarden.core.errors import UsageError  # noqa: E402
from appwarden.core.phones.link import loopback_address  # noqa: E402


@pytest.mark.parametrize("text, serial", [("127.0.0.1:5555", "127.0.0.1:5555"), ("localhost:5037", "127.0.0.1:5037"),
                                          ("[::1]:5555", "[::1]:5555"), ("127.8.9.10:1", "127.8.9.10:1")])
def test_loopback_addresses_are_taken(text, serial):
    assert loopback_address(text).serial == serial


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_any_other_address_is_refused_with_a_sentence(text):
    import ipaddress

    try:
        address = loopback_address(text)
    except UsageError as error:
        assert "--connect" in error.message
        return
    assert ipaddress.ip_address(address.host).is_loopback and 0 < address.port < 65536


@pytest.mark.parametrize("template", [
    "/sdcard/DCIM/Camera", "/sdcard/dcim/Camera", "/sdcard/Pictures/Screenshots", "/sdcard/Android/media/com*",
    "/sdcard/Android/data/com.*", "/sdcard/Download/Wei*", "/sdcard/ten*",
])
def test_a_pack_cannot_name_the_persons_photos_or_other_apps_folders(template):
    assert storage_template_problem(template) is not None


def test_a_rule_names_only_its_own_packages_folders(tmp_path):
    from appwarden.core.errors import PolicyError
    from appwarden.core.policy.loader import load_policies

    text = (PROJECT / "assets/policies/canada.toml").read_text(encoding="utf-8").replace(
        '"/sdcard/Android/media/com.tencent.mm",', '"/sdcard/Android/media/com.whatsapp",')
    (tmp_path / "pack.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match="com.whatsapp, which is not one of the rule's android_package identifiers"):
        load_policies([tmp_path / "pack.toml"], include_default=False)
