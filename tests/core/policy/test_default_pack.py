"""The shipped default pack (assets/policies/canada.toml): it loads cleanly, says what the
Canadian directives say, and every identifier, display name and look-alike behaves in matching.
"""

from __future__ import annotations

import datetime as dt

import pytest

from appwarden.core.i18n import SUPPORTED_LANGUAGES, LocalText
from appwarden.core.matching.index import RuleIndex
from appwarden.core.policy.loader import default_pack_path, load_pack, load_policies
from appwarden.core.sources.base import COMPUTER_PLATFORMS, EvidenceKind, InventoryItem

POLICIES = load_policies()
INDEX = RuleIndex(POLICIES)
PACK = POLICIES.packs[0]

TIKTOK = "ca-tbs-2023-tiktok"
WECHAT_KASPERSKY = "ca-tbs-2023-wechat-kaspersky"


def item(*identifiers: tuple[str, str], name: str = "", publisher: str = "") -> InventoryItem:
    return InventoryItem(
        source="test",
        kind=EvidenceKind.INSTALLED,
        identifiers=tuple(identifiers),
        name=name,
        publisher=publisher,
    )


def matched(found: InventoryItem) -> set[str]:
    return {match.rule.id for match in INDEX.matches(found)}


# --- loading -----------------------------------------------------------------------------------


def test_default_pack_loads_without_problems():
    pack, problems = load_pack(default_pack_path())
    assert problems == []
    assert pack is not None
    assert len(POLICIES.packs) == 1


def test_pack_header():
    assert PACK.id == "ca-gc"
    assert PACK.version == "2026.11.0"
    assert PACK.path.name == "canada.toml"
    for lang in SUPPORTED_LANGUAGES:
        assert PACK.name.texts.get(lang, "").strip()


def test_rule_ids_are_exactly_the_three_named_apps():
    assert {rule.id for rule in POLICIES.rules} == {"tiktok", "wechat", "kaspersky"}
    assert len(POLICIES.rules) == 3


def test_rules_cite_their_directives():
    assert POLICIES.rule("tiktok").directive_id == TIKTOK
    assert POLICIES.rule("wechat").directive_id == WECHAT_KASPERSKY
    assert POLICIES.rule("kaspersky").directive_id == WECHAT_KASPERSKY


# --- directives ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "directive_id, document_date, effective, minister, title_words",
    [
        pytest.param(
            TIKTOK,
            dt.date(2023, 2, 27),
            dt.date(2023, 2, 28),
            "Fortier",
            "Statement by Minister Fortier announcing a ban on the use of TikTok on government mobile devices",
            id="tiktok-2023-02",
        ),
        pytest.param(
            WECHAT_KASPERSKY,
            dt.date(2023, 10, 30),
            dt.date(2023, 10, 30),
            "Anand",
            "Minister Anand announces a ban on the use of WeChat and Kaspersky suite of applications on government mobile devices",
            id="wechat-kaspersky-2023-10",
        ),
    ],
)
def test_directive_facts(directive_id, document_date, effective, minister, title_words):
    directive = POLICIES.directive(directive_id)
    assert directive.document_date == document_date
    assert directive.effective == effective
    assert directive.title.get("en") == title_words
    assert minister in directive.title.get("fr")
    assert "Treasury Board of Canada Secretariat" in directive.authority.get("en")
    assert "Secrétariat du Conseil du Trésor du Canada" in directive.authority.get("fr")
    assert minister in directive.authority.get("en")
    assert directive.url.get("en").startswith("https://www.canada.ca/en/treasury-board-secretariat/news/2023/")
    # No French canada.ca page of these statements was found: the one page serves both languages.
    assert directive.url.get("fr") == directive.url.get("en")
    assert "unacceptable level of risk to privacy and security" in directive.finding.get("en")
    assert "Chief Information Officer of Canada" in directive.finding.get("en")
    # The directives cover government-issued mobile devices, nothing more.
    assert directive.scope.device_classes == frozenset({"mobile"})
    assert directive.scope.description.get("en") == "government-issued mobile devices"
    assert directive.scope.description.get("fr") == "appareils mobiles fournis par le gouvernement"


def test_a_desktop_finding_is_recommended_not_required():
    for directive_id in (TIKTOK, WECHAT_KASPERSKY):
        directive = POLICIES.directive(directive_id)
        enforcement, extensions = POLICIES.enforcement(directive, "desktop", dt.date(2026, 1, 1))
        assert enforcement == "recommended"
        assert extensions == ()
        assert POLICIES.enforcement(directive, "mobile", dt.date(2026, 1, 1))[0] == "required"


@pytest.mark.parametrize("rule_id", ["tiktok", "wechat", "kaspersky"])
def test_rationale_says_what_the_directive_found_and_leaves_the_scope_to_appwarden(rule_id):
    """Whether a removal is required here is AppWarden's sentence (core.reports.wording.scope_sentence),
    built from the enforcement in force; a rationale that said it too could contradict it."""
    rationale = POLICIES.rule(rule_id).rationale
    assert "government-issued mobile devices" in rationale.get("en")
    assert "unacceptable risk" in rationale.get("en")
    assert "appareils mobiles qu’il fournit" in rationale.get("fr")
    for word in ("recommended", "required", "unless", "extended"):
        assert word not in rationale.get("en")
    for word in ("recommandée", "obligatoire", "à moins", "étendu"):
        assert word not in rationale.get("fr")


# --- every text in both languages ----------------------------------------------------------------


def _texts():
    yield "pack name", PACK.name
    for directive in PACK.directives:
        for field in ("authority", "title", "finding"):
            yield f"{directive.id} {field}", getattr(directive, field)
        yield f"{directive.id} scope", directive.scope.description
    for rule in PACK.rules:
        yield f"{rule.id} name", rule.name
        yield f"{rule.id} rationale", rule.rationale
        for platform, text in rule.removal.items():
            yield f"{rule.id} removal {platform}", text


@pytest.mark.parametrize("where, text", [pytest.param(w, t, id=w) for w, t in _texts()])
def test_every_text_has_english_and_french(where, text: LocalText):
    for lang in ("en", "fr"):
        assert text.texts.get(lang, "").strip(), f"{where} has no {lang} text"
    assert text.get("en") != text.get("fr") or where.endswith(" name")


@pytest.mark.parametrize("rule_id", ["tiktok", "wechat", "kaspersky"])
def test_removal_guidance_for_every_platform(rule_id):
    removal = POLICIES.rule(rule_id).removal
    assert set(removal) == COMPUTER_PLATFORMS  # removal on a phone comes with its own steps (issue 11)
    for text in removal.values():
        assert "1." in text.get("en") and "1." in text.get("fr")


def test_kaspersky_removal_mentions_the_vendor_tool_and_the_help_desk():
    windows = POLICIES.rule("kaspersky").removal["windows"]
    assert "kavremover" in windows.get("en") and "kavremover" in windows.get("fr")
    assert "help desk" in windows.get("en")
    assert "service d’assistance" in windows.get("fr")


def test_linux_removal_gives_package_manager_commands():
    linux = POLICIES.rule("wechat").removal["linux"].get("en")
    for command in ("apt remove wechat", "dnf remove wechat", "flatpak uninstall com.tencent.WeChat", "snap remove wechat"):
        assert command in linux


# --- identifiers -----------------------------------------------------------------------------------


def _identifiers():
    for rule in POLICIES.rules:
        for namespace, values in rule.identifiers.items():
            for value in values:
                yield pytest.param(rule.id, namespace, value, id=f"{rule.id}-{namespace}-{value}")


@pytest.mark.parametrize("rule_id, namespace, value", list(_identifiers()))
def test_every_identifier_matches_exactly_its_rule(rule_id, namespace, value):
    assert matched(item((namespace, value))) == {rule_id}


def _leftovers():
    for rule in POLICIES.rules:
        for platform, templates in rule.leftovers.items():
            for template in templates:
                yield pytest.param(rule.id, template, id=f"{rule.id}-{platform}-{template}")


@pytest.mark.parametrize("rule_id, template", list(_leftovers()))
def test_every_leftover_location_matches_its_rule(rule_id, template):
    assert matched(item(("leftover", f"{rule_id}:{template}"))) == {rule_id}
    # A computer's leftovers are relative to its disk; a phone's name its shared storage, /sdcard/...
    assert template.startswith("/sdcard/") if template.startswith("/sdcard/") else not template.startswith(("/", "C:", "c:"))


@pytest.mark.parametrize(
    "rule_id, platform, expected",
    [
        pytest.param("wechat", "linux", ["{home}/.xwechat", "{home}/Documents/xwechat_files", "opt/wechat"], id="wechat-linux"),
        pytest.param(
            "wechat",
            "windows",
            ["{program_files_x86}/Tencent/WeChat", "{program_files}/Tencent/Weixin", "{home}/Documents/WeChat Files", "{app_data}/Tencent/WeChat"],
            id="wechat-windows",
        ),
        pytest.param("wechat", "macos", ["{home}/Library/Containers/com.tencent.xinWeChat"], id="wechat-macos"),
        pytest.param("wechat", "android", ["/sdcard/tencent/MicroMsg", "/sdcard/Android/media/com.tencent.mm"], id="wechat-android"),
        pytest.param("kaspersky", "linux", ["opt/kaspersky", "var/opt/kaspersky"], id="kaspersky-linux"),
        pytest.param("kaspersky", "windows", ["{program_files_x86}/Kaspersky Lab", "{program_data}/Kaspersky Lab"], id="kaspersky-windows"),
        pytest.param("kaspersky", "macos", ["Library/Application Support/Kaspersky Lab"], id="kaspersky-macos"),
        pytest.param(
            "tiktok",
            "windows",
            ["{program_files}/WindowsApps/BytedancePte.Ltd.TikTok_*", "{local_app_data}/Packages/BytedancePte.Ltd.TikTok_*"],
            id="tiktok-windows",
        ),
    ],
)
def test_key_leftover_locations_are_listed(rule_id, platform, expected):
    assert set(expected) <= set(POLICIES.rule(rule_id).leftovers[platform])


@pytest.mark.parametrize(
    "rule_id, namespace, value",
    [
        # Both WeChat generations, the Store packages, Linux builds.
        pytest.param("wechat", "windows_uninstall_key", "WeChat", id="wechat-3x-key"),
        pytest.param("wechat", "windows_uninstall_key", "Weixin", id="weixin-4x-key"),
        pytest.param("wechat", "process", "WeChat.exe", id="wechat-3x-exe"),
        pytest.param("wechat", "process", "Weixin.exe", id="weixin-4x-exe"),
        pytest.param("wechat", "msix", "TencentWeChatLimited.forWindows10", id="wechat-uwp"),
        pytest.param("wechat", "msix", "TencentWeChatLimited.WeChatUWP", id="wechat-uwp-2"),
        pytest.param("wechat", "deb", "wechat-beta", id="wechat-beta"),
        pytest.param("wechat", "deb", "com.qq.weixin.deepin", id="wechat-deepin"),
        pytest.param("wechat", "desktop_file", "com.tencent.wechat", id="wechat-uos-desktop"),
        pytest.param("wechat", "flatpak", "com.tencent.WeChat", id="wechat-flathub"),
        pytest.param("wechat", "macos_bundle_id", "com.tencent.xinWeChat", id="wechat-mac"),
        pytest.param("wechat", "homebrew_cask", "wechat", id="wechat-cask"),
        # TikTok's Store package name (family name without the publisher id).
        pytest.param("tiktok", "msix", "BytedancePte.Ltd.TikTok", id="tiktok-msix"),
        # The Kaspersky family across platforms.
        pytest.param("kaspersky", "deb", "kesl", id="kesl"),
        pytest.param("kaspersky", "rpm", "klnagent64", id="klnagent64"),
        pytest.param("kaspersky", "deb", "ksc64", id="ksc64"),
        pytest.param("kaspersky", "rpm", "kav4fs", id="kav4fs"),
        pytest.param("kaspersky", "windows_service", "AVP21.2", id="avp-service-21.2"),
        pytest.param("kaspersky", "windows_service", "klnagent", id="klnagent-service"),
        pytest.param("kaspersky", "process", "avp.exe", id="avp-exe"),
        pytest.param("kaspersky", "process", "ksde.exe", id="ksde-vpn"),
        pytest.param("kaspersky", "macos_bundle_id", "com.kaspersky.kav", id="kav-mac"),
        pytest.param("kaspersky", "launchd_label", "com.kaspersky.kav", id="kav-launchd"),
        pytest.param("kaspersky", "msi_product_code", "{0F05E4E5-5A89-482C-9A62-47CC58643788}", id="network-agent-msi"),
    ],
)
def test_required_identifiers_are_present(rule_id, namespace, value):
    assert value in POLICIES.rule(rule_id).identifiers[namespace]


@pytest.mark.parametrize(
    "namespace, value",
    [
        pytest.param("process", "WeChatAppEx.exe", id="wechatappex-spawned-by-wecom"),
        pytest.param("process", "WeChatOCR.exe", id="wechatocr-spawned-by-wecom"),
        pytest.param("process", "avp", id="bare-avp"),
        pytest.param("process", "crashpad_handler.exe", id="crashpad"),
        pytest.param("process", "kpm.exe", id="kpm"),
        pytest.param("windows_service", "Secure Connection", id="secure-connection-alone"),
    ],
)
def test_generic_names_are_not_identifiers(namespace, value):
    for rule in POLICIES.rules:
        assert value.casefold() not in {v.casefold() for v in rule.identifiers.get(namespace, ())}


# --- normalization -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "namespace, value, rule_id",
    [
        pytest.param("process", "ＷｅＣｈａｔ.exe", "wechat", id="fullwidth"),
        pytest.param("process", "wechat.EXE", "wechat", id="upper-extension"),
        pytest.param("process", "WEIXIN.EXE", "wechat", id="upper-weixin"),
        pytest.param("process", "  WeChat.exe ", "wechat", id="surrounding-space"),
        pytest.param("msix", "bytedancepte.ltd.tiktok", "tiktok", id="lower-msix"),
        pytest.param("windows_service", "avp21.24", "kaspersky", id="lower-service"),
        pytest.param("msi_product_code", "{0f05e4e5-5a89-482c-9a62-47cc58643788}", "kaspersky", id="lower-guid"),
        pytest.param("macos_bundle_id", "COM.TENCENT.XINWECHAT", "wechat", id="upper-bundle"),
    ],
)
def test_case_width_and_whitespace_variants_match(namespace, value, rule_id):
    assert matched(item((namespace, value))) == {rule_id}


# --- display names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, publisher, expected",
    [
        pytest.param("WeChat", "Tencent Technology (Shenzhen) Company Limited", {"wechat"}, id="wechat-tencent"),
        pytest.param("微信", "腾讯科技(深圳)有限公司", {"wechat"}, id="weixin-chinese"),
        pytest.param("Weixin", "Tencent", {"wechat"}, id="weixin-4x"),
        pytest.param("ＷｅＣｈａｔ", "TENCENT", {"wechat"}, id="wechat-fullwidth"),
        pytest.param("WeChat", "Some Other Co", set(), id="wechat-wrong-publisher"),
        pytest.param("微信", "", set(), id="weixin-no-publisher"),
        pytest.param("WeChat for Windows", "Tencent", {"wechat"}, id="wechat-as-whole-words"),
        pytest.param("WeChatHelper", "Tencent", set(), id="wechat-not-a-whole-word"),
        pytest.param("WeChat Work 4.1", "Tencent", set(), id="look-alike-as-whole-words-wins"),
        pytest.param("企业微信 5.0", "腾讯科技(深圳)有限公司", set(), id="wecom-contains-weixin"),
        pytest.param("微信开发者工具", "腾讯科技(深圳)有限公司", set(), id="devtools-starts-with-weixin"),
        pytest.param("Kaspersky Virus Removal Tool 20.0", "AO Kaspersky Lab", set(), id="kvrt-with-version"),
        pytest.param("微信 3.9", "腾讯科技(深圳)有限公司", {"wechat"}, id="weixin-then-a-version"),
        pytest.param("微信读书", "腾讯科技(深圳)有限公司", set(), id="weixin-read-is-another-app"),
        pytest.param("WeChat Web DevTools", "Tencent", set(), id="every-word-of-a-look-alike"),
        pytest.param("TikTok Studio", "Bytedance Pte. Ltd.", set(), id="tiktok-studio-not-named"),
        pytest.param("TikTok", "Bytedance Pte. Ltd.", {"tiktok"}, id="tiktok-bytedance"),
        pytest.param("TikTok", "TikTok Downloader Ltd", set(), id="tiktok-wrong-publisher"),
        pytest.param("Kaspersky", "Kaspersky", {"kaspersky"}, id="kaspersky-unified"),
        pytest.param("Kaspersky Endpoint Security for Windows", "AO Kaspersky Lab", {"kaspersky"}, id="kes"),
        pytest.param("Kaspersky Security Center Network Agent", "AO Kaspersky Lab", {"kaspersky"}, id="network-agent"),
        pytest.param("Kaspersky VPN Secure Connection", "AO Kaspersky Lab", {"kaspersky"}, id="vpn"),
        pytest.param("Kaspersky Password Manager", "Kaspersky", {"kaspersky"}, id="password-manager"),
        pytest.param("Kaspersky Endpoint Security", "Some Other Co", set(), id="kaspersky-wrong-publisher"),
        pytest.param("KasperskyOS SDK", "AO Kaspersky Lab", set(), id="prefix-is-a-whole-word"),
        pytest.param("Secure Connection", "AO Kaspersky Lab", set(), id="generic-phrase-alone"),
        pytest.param("Kasperky Password", "AO Kaspersky Lab", set(), id="misspelling"),
    ],
)
def test_display_names_need_a_confirming_publisher(name, publisher, expected):
    assert matched(item(name=name, publisher=publisher)) == expected


# --- look-alikes ---------------------------------------------------------------------------------------


def _lookalikes():
    for rule in POLICIES.rules:
        publisher = rule.display_names.publishers[0]
        for namespace, values in rule.lookalikes.items():
            for value in values:
                if namespace == "display_names":
                    found = item(name=value, publisher=publisher)
                else:
                    found = item((namespace, value), name=value, publisher=publisher)
                yield pytest.param(found, id=f"{rule.id}-{namespace}-{value}")


@pytest.mark.parametrize("found", list(_lookalikes()))
def test_every_lookalike_matches_nothing(found):
    assert INDEX.matches(found) == []


@pytest.mark.parametrize(
    "found",
    [
        pytest.param(item(("homebrew_cask", "ticktick"), name="TickTick", publisher="Appest"), id="ticktick-cask"),
        pytest.param(item(("macos_bundle_id", "com.TickTick.task.mac")), id="ticktick-bundle"),
        pytest.param(item(name="TickTick", publisher="Appest Inc."), id="ticktick-name"),
        pytest.param(item(name="TikTok LIVE Studio", publisher="ByteDance Pte. Ltd."), id="tiktok-live-studio"),
        pytest.param(item(("process", "TikTok LIVE Studio.exe")), id="tiktok-live-studio-exe"),
        pytest.param(item(name="CapCut", publisher="Bytedance Pte. Ltd."), id="capcut-name"),
        pytest.param(item(("macos_bundle_id", "com.lemon.lvoverseas")), id="capcut-bundle"),
        pytest.param(item(("homebrew_cask", "capcut")), id="capcut-cask"),
        pytest.param(item(name="Douyin", publisher="Beijing Microlive Vision Technology Co., Ltd."), id="douyin"),
        pytest.param(item(("process", "WXWork.exe")), id="wecom-exe"),
        pytest.param(item(("macos_bundle_id", "com.tencent.WeWorkMac")), id="wecom-bundle"),
        pytest.param(item(("homebrew_cask", "wechatwork")), id="wecom-cask"),
        pytest.param(item(("windows_uninstall_key", "企业微信"), name="企业微信", publisher="腾讯科技(深圳)有限公司"), id="wecom-key"),
        pytest.param(item(("snap", "wechat-devtools")), id="devtools-snap"),
        pytest.param(item(("homebrew_cask", "wechatwebdevtools")), id="devtools-cask"),
        pytest.param(item(("macos_bundle_id", "com.tencent.wechat.devtools")), id="devtools-bundle"),
        pytest.param(item(("process", "WeChatAppEx.exe")), id="wechatappex-alone"),
        pytest.param(item(("process", "WeChatOCR.exe")), id="wechatocr-alone"),
        pytest.param(item(("deb", "kavita")), id="kavita-deb"),
        pytest.param(item(("process", "AVPlayer")), id="avplayer"),
        pytest.param(item(("process", "avp")), id="avp-linux-process"),
        pytest.param(item(("process", "avplayer.exe")), id="avplayer-exe"),
    ],
)
def test_named_lookalikes_match_nothing(found):
    assert INDEX.matches(found) == []


def test_a_lookalike_identifier_vetoes_a_display_name_match():
    # WeCom's uninstall entry with a Tencent publisher is never WeChat, even named like it.
    wecom = item(("windows_uninstall_key", "企业微信"), name="WeChat", publisher="Tencent")
    assert INDEX.matches(wecom) == []
