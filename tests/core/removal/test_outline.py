"""The short "how to remove it" a report shows: only the steps the finding's own evidence calls for."""

from __future__ import annotations

from appwarden.core.findings import Evidence, Finding
from appwarden.core.i18n import Translator
from appwarden.core.policy.loader import load_policies
from appwarden.core.policy.model import Enforcement
from appwarden.core.removal.outline import removal_outline
from appwarden.core.sources.base import LINUX, WINDOWS, EvidenceKind

POLICIES = load_policies()
EN, FR = Translator("en"), Translator("fr")
DPKG_STATUS = "/var/lib/dpkg/status"


def finding(rule_id: str, *evidence: Evidence) -> Finding:
    rule = POLICIES.rule(rule_id)
    return Finding(rule, POLICIES.directive(rule.directive_id), Enforcement.RECOMMENDED, evidence)


def deb(state_kind: EvidenceKind = EvidenceKind.INSTALLED, package: str = "wechat") -> Evidence:
    state = "installed" if state_kind == EvidenceKind.INSTALLED else "config-files"
    return Evidence("dpkg", state_kind, "deb", package, f"{DPKG_STATUS} ({package})", "4.0.1.11", package, (("state", state),))


def test_a_deb_gets_its_apt_command_and_not_every_package_format():
    chats = Evidence("leftovers", EvidenceKind.LEFTOVER, "path", "/home/ana/.xwechat", "/home/ana/.xwechat",
                     details=(("type", "folder"), ("pattern", "{home}/.xwechat")))
    lines = removal_outline(finding("wechat", deb(), chats), LINUX, EN)
    assert lines == (
        "Uninstall the wechat package: sudo apt-get remove wechat",
        "Decide what happens to your WeChat chat data",
        "Delete what it left behind if you do not need it: /home/ana/.xwechat.",
        "Run AppWarden again to check that it is gone.",
    )
    assert not any(word in " ".join(lines) for word in ("dnf", "flatpak", "snap", "AppImage", "zypper"))


def test_a_running_app_is_quit_first():
    running = Evidence("processes", EvidenceKind.RUNNING, "process", "wechat", "/opt/wechat/wechat", name="wechat", details=(("pid", "4242"),))
    lines = removal_outline(finding("wechat", running, deb()), LINUX, EN)
    assert lines[:2] == ("Quit WeChat (Weixin).", "Uninstall the wechat package: sudo apt-get remove wechat")


def test_a_package_removed_with_its_settings_left_gets_only_the_purge():
    lines = removal_outline(finding("wechat", deb(EvidenceKind.LEFTOVER)), LINUX, EN)
    assert lines == (
        "Remove the settings the wechat package left behind: sudo dpkg --purge wechat",
        "Run AppWarden again to check that it is gone.",
    )


def test_a_store_app_found_in_several_places_is_one_uninstall():
    family = "BytedancePte.Ltd.TikTok_6yccndn6064se"
    places = [
        Evidence("windows_store", EvidenceKind.INSTALLED, "appx_package_family", family, rf"C:\Program Files\WindowsApps\{family}"),
        Evidence("windows_store", EvidenceKind.INSTALLED, "appx_package_family", family, rf"C:\Users\ana\AppData\Local\Packages\{family}"),
        Evidence("windows_store", EvidenceKind.INSTALLED, "appx_package_family", family, r"HKCU\Software\Classes\Local Settings\...\TikTok"),
    ]
    lines = removal_outline(finding("tiktok", *places), WINDOWS, EN)
    assert lines == (
        "Uninstall TikTok: Settings > Apps > Installed apps, find it and choose Uninstall.",
        "Run AppWarden again to check that it is gone.",
    )


def test_without_evidence_of_how_it_was_installed_the_pack_guidance_is_shown():
    running = Evidence("processes", EvidenceKind.RUNNING, "process", "wechat", "/tmp/x/wechat", name="wechat", details=(("pid", "7"),))
    rule = POLICIES.rule("wechat")
    assert removal_outline(finding("wechat", running), LINUX, EN) == (EN.text(rule.removal[LINUX]),)


def test_the_outline_speaks_french():
    lines = removal_outline(finding("wechat", deb(EvidenceKind.LEFTOVER)), LINUX, FR)
    assert lines == (
        "Supprimez les réglages laissés par le paquet wechat : sudo dpkg --purge wechat",
        "Relancez AppWarden pour vérifier qu’elle a disparu.",
    )


def test_kaspersky_on_a_mac_reads_in_the_order_of_its_plan_and_never_says_trash():
    bundle = Evidence("macos_apps", EvidenceKind.INSTALLED, "macos_bundle_id", "com.kaspersky.kav", "/Applications/Kaspersky Security Cloud.app")
    lines = removal_outline(finding("kaspersky", bundle), "macos", EN)
    assert lines[0] == "Get the removal password if your organisation manages Kaspersky"
    assert lines[1].startswith("Do not drag Kaspersky to the Trash: its background services would stay behind.")
    assert lines[2:] == ("Run AppWarden again to check that it is gone.",)
    assert not any(line.startswith("Move ") for line in lines)


def test_kaspersky_on_windows_turns_self_protection_off_before_it_uninstalls():
    entry = Evidence("windows_uninstall", EvidenceKind.INSTALLED, "windows_uninstall_key", "KES", r"HKLM\SOFTWARE\x\Uninstall\KES", name="Kaspersky Endpoint Security for Windows")
    lines = removal_outline(finding("kaspersky", entry), WINDOWS, EN)
    assert lines == (
        "Turn off Kaspersky's self-protection, or get the removal password",
        "Uninstall Kaspersky Endpoint Security for Windows: Settings > Apps > Installed apps, find it and choose Uninstall.",
        "If a Kaspersky entry will not go away, use Kaspersky's removal tool",
        "Have Kaspersky's root certificate removed",
        "Run AppWarden again to check that it is gone.",
    )


def test_the_chat_data_step_is_listed_only_when_a_chat_folder_was_found():
    app_folder = Evidence("leftovers", EvidenceKind.LEFTOVER, "path", "/opt/wechat", "/opt/wechat",
                          details=(("type", "folder"), ("pattern", "opt/wechat")))
    lines = removal_outline(finding("wechat", deb(), app_folder), LINUX, EN)
    assert lines == (
        "Uninstall the wechat package: sudo apt-get remove wechat",
        "Delete what it left behind if you do not need it: /opt/wechat.",
        "Run AppWarden again to check that it is gone.",
    )


def test_the_install_shapes_of_issue_14_each_get_their_own_line():
    from appwarden.core.sources.base import MACOS

    pacman = Evidence("pacman", EvidenceKind.INSTALLED, "executable", "/opt/wechat/wechat",
                      "/var/lib/pacman/local/my-weixin-4.0-1 (my-weixin)", "4.0-1", "my-weixin")
    deepin = Evidence("deepin_apps", EvidenceKind.INSTALLED, "deepin_app", "com.qq.weixin.deepin", "/opt/apps/com.qq.weixin.deepin")
    assert removal_outline(finding("wechat", pacman, deepin), LINUX, EN)[:2] == (
        "Uninstall the my-weixin package: sudo pacman -R my-weixin",
        "Uninstall the com.qq.weixin.deepin package (on deepin and UOS: sudo apt-get remove com.qq.weixin.deepin)",
    )
    unit = Evidence("systemd_units", EvidenceKind.SERVICE, "executable", "/opt/kaspersky/kesl/libexec/kesl_launcher.sh",
                    "/usr/lib/systemd/system/kesl.service", details=(("scope", "system"),))
    assert removal_outline(finding("kaspersky", unit), LINUX, EN)[1] == "Stop and disable the kesl.service service: sudo systemctl disable --now kesl.service"
    scoop = Evidence("scoop", EvidenceKind.INSTALLED, "scoop", "wechat", r"C:\Users\ana\scoop\apps\wechat", "4.1.9.57", "wechat",
                     (("scope", "user"), ("user", "ana")))
    choco = Evidence("chocolatey", EvidenceKind.INSTALLED, "display_name", "WeChat", r"C:\ProgramData\chocolatey\lib\wechat", "3.9.6.33",
                     "WeChat", (("package_id", "wechat"),))
    gone = Evidence("windows_shortcuts", EvidenceKind.LEFTOVER, "process", "WeChat.exe", r"C:\Users\ana\Desktop\微信.lnk", name="微信")
    key = Evidence("windows_registry_keys", EvidenceKind.LEFTOVER, "windows_registry_key", r"HKCU\Software\Tencent\WeChat",
                   r"HKU\ana\Software\Tencent\WeChat")
    lines = removal_outline(finding("wechat", scoop, choco, gone, key), WINDOWS, EN)
    assert lines[:4] == (
        "Uninstall the Scoop app wechat: scoop uninstall wechat",
        "Uninstall the Chocolatey package wechat: choco uninstall wechat",
        r"Delete the shortcut C:\Users\ana\Desktop\微信.lnk: the program it opened is gone.",
        r"Once the app is uninstalled, ask your help desk to delete the registry key HKU\ana\Software\Tencent\WeChat.",
    )
    certificate = Evidence("certificates", EvidenceKind.LEFTOVER, "certificate_subject", "CN=Kaspersky Anti-Virus Personal Root Certificate, O=AO Kaspersky Lab",
                           "/Library/Keychains/System.keychain", name="Kaspersky Anti-Virus Personal Root Certificate")
    extension = Evidence("browser_extensions", EvidenceKind.LEFTOVER, "browser_extension", "ahkjpbeeocnddjkakilopmfdlnjdpcdm",
                         "/Users/ana/Library/Application Support/Google/Chrome/Default/Extensions/ahkjpbeeocnddjkakilopmfdlnjdpcdm",
                         name="Kaspersky Protection", details=(("browser", "Google Chrome"), ("profile", "Default")))
    receipt = Evidence("macos_receipts", EvidenceKind.INSTALLED, "macos_pkg_receipt", "com.kaspersky.kav.core", "/var/db/receipts/com.kaspersky.kav.core.plist")
    lines = removal_outline(finding("kaspersky", certificate, extension, receipt), MACOS, FR)
    assert "Une fois l’application désinstallée, demandez à votre service d’assistance informatique de retirer le certificat racine « Kaspersky Anti-Virus Personal Root Certificate » des certificats de confiance (/Library/Keychains/System.keychain)." in lines
    assert "Retirez l’extension Kaspersky Protection de Google Chrome (profil Default)." in lines
    assert "Une fois l’application désinstallée, oubliez le reçu de son paquet : sudo pkgutil --forget com.kaspersky.kav.core" in lines
