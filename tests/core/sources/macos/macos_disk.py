"""Builds macOS disks in a folder as macOS lays them out, with real binary and XML property lists
(plistlib writes both formats as Apple's tools do), and hand-made binary plists for broken ones.
"""

from __future__ import annotations

import plistlib
import struct
from pathlib import Path

from appwarden.core.sources.base import ScanTarget
from appwarden.core.target import make_target

BINARY, XML = plistlib.FMT_BINARY, plistlib.FMT_XML

SYSTEM_VERSION = {"ProductBuildVersion": "23F79", "ProductName": "macOS", "ProductVersion": "14.5"}


def write_plist(path: Path, value: object, fmt: plistlib.PlistFormat = XML) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plistlib.dumps(value, fmt=fmt))
    return path


def macos_disk(root: Path) -> ScanTarget:
    """A folder that core.target recognises as a mounted macOS disk."""
    write_plist(root / "System/Library/CoreServices/SystemVersion.plist", SYSTEM_VERSION)
    target = make_target(root)
    assert target.os == "macos"
    return target


def info_plist(bundle_id: str, name: str, version: str, executable: str, build: str = "1", **more: object) -> dict:
    """An Info.plist with the keys Xcode writes for an app."""
    return {
        "CFBundleDevelopmentRegion": "en",
        "CFBundleExecutable": executable,
        "CFBundleIdentifier": bundle_id,
        "CFBundleInfoDictionaryVersion": "6.0",
        "CFBundleName": name,
        "CFBundlePackageType": "APPL",
        "CFBundleShortVersionString": version,
        "CFBundleVersion": build,
        "LSMinimumSystemVersion": "11.0",
        **more,
    }


def app_bundle(folder: Path, name: str, info: dict | None, fmt: plistlib.PlistFormat = XML) -> Path:
    """Folder/Name.app with Contents/Info.plist, PkgInfo and the program in Contents/MacOS."""
    bundle = folder / f"{name}.app"
    (bundle / "Contents/MacOS").mkdir(parents=True)
    (bundle / "Contents/PkgInfo").write_bytes(b"APPL????")
    if info is not None:
        write_plist(bundle / "Contents/Info.plist", info, fmt)
        (bundle / "Contents/MacOS" / str(info.get("CFBundleExecutable", "main"))).write_bytes(b"\xcf\xfa\xed\xfe")
    return bundle


def ios_app(applications: Path, name: str, info: dict | None, metadata: dict | None) -> Path:
    """An iPhone/iPad app as an Apple silicon Mac installs it: Name.app/Wrapper/Name.app (the iOS
    bundle, Info.plist at its top), Wrapper/iTunesMetadata.plist and a WrappedBundle link."""
    wrapper = applications / f"{name}.app"
    inner = wrapper / "Wrapper" / f"{name}.app"
    inner.mkdir(parents=True)
    if info is not None:
        write_plist(inner / "Info.plist", info, BINARY)
        (inner / str(info["CFBundleExecutable"])).write_bytes(b"\xcf\xfa\xed\xfe")
    if metadata is not None:
        write_plist(wrapper / "Wrapper/iTunesMetadata.plist", metadata, XML)
    write_plist(wrapper / "Wrapper/BundleMetadata.plist", {"deviceFamily": [1, 2]}, BINARY)
    (wrapper / "WrappedBundle").symlink_to(f"Wrapper/{name}.app")
    return wrapper


def launchd_job(folder: Path, label: str, fmt: plistlib.PlistFormat = XML, **keys: object) -> Path:
    return write_plist(folder / f"{label}.plist", {"Label": label, **keys}, fmt)


def cask(caskroom: Path, token: str, *versions: str) -> Path:
    """A Caskroom/<token> folder as brew leaves it: one folder per version and .metadata beside them."""
    folder = caskroom / token
    for version in versions:
        (folder / version).mkdir(parents=True)
        recipe = folder / ".metadata" / version / "20251120093512.123" / "Casks" / f"{token}.json"
        recipe.parent.mkdir(parents=True)
        recipe.write_text('{"token": "%s", "version": "%s"}' % (token, version))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def ascii_object(text: str) -> bytes:
    """A binary-plist ASCII string object."""
    data = text.encode("ascii")
    if len(data) < 15:
        return bytes([0x50 | len(data)]) + data
    return bytes([0x5F, 0x10, len(data)]) + data


def binary_plist(objects: list[bytes], top: int = 0, ref_size: int = 1, offset_size: int = 2) -> bytes:
    """A binary plist from encoded objects, with its offset table and trailer, without any check:
    the way to write what plistlib would refuse to write (an object that contains itself)."""
    body = bytearray(b"bplist00")
    offsets = []
    for encoded in objects:
        offsets.append(len(body))
        body += encoded
    table = len(body)
    for offset in offsets:
        body += offset.to_bytes(offset_size, "big")
    body += struct.pack(">6xBBQQQ", offset_size, ref_size, len(objects), top, table)
    return bytes(body)


def cyclic_info_plist() -> bytes:
    """{"CFBundleIdentifier": "com.example.loop", "CFBundleDocumentTypes": [<this dictionary>]}."""
    return binary_plist([
        bytes([0xD2, 1, 2, 3, 4]),  # dict: keys 1, 2; values 3, 4
        ascii_object("CFBundleIdentifier"),
        ascii_object("CFBundleDocumentTypes"),
        ascii_object("com.example.loop"),
        bytes([0xA1, 0]),  # array holding object 0, the top dictionary
    ])


def deep_plist(depth: int) -> bytes:
    """{"a": [[[...]]]}: arrays nested `depth` deep, each a different object (no loop)."""
    objects = [bytes([0xD1]) + _ref(1) + _ref(2), ascii_object("a")]
    for index in range(2, depth + 1):
        objects.append(bytes([0xA1]) + _ref(index + 1))
    objects.append(bytes([0xA0]))
    return binary_plist(objects, ref_size=2, offset_size=4)


def _ref(index: int) -> bytes:
    return index.to_bytes(2, "big")


# The example Mac: WeChat, Kaspersky and the iPad TikTok app, with look-alikes of each.
WECHAT_INFO = info_plist("com.tencent.xinWeChat", "WeChat", "4.1.10.53", "WeChat", build="39917",
                         CFBundleDisplayName="WeChat",
                         LSApplicationCategoryType="public.app-category.social-networking")
KASPERSKY_INFO = info_plist("com.kaspersky.kav", "Kaspersky Internet Security", "21.0.12.453",
                            "Kaspersky Internet Security", build="453")
TIKTOK_INFO = {
    "CFBundleDisplayName": "TikTok",
    "CFBundleExecutable": "TikTok",
    "CFBundleIdentifier": "com.zhiliaoapp.musically",
    "CFBundleName": "musically",
    "CFBundlePackageType": "APPL",
    "CFBundleShortVersionString": "37.5.0",
    "CFBundleSupportedPlatforms": ["iPhoneOS"],
    "CFBundleVersion": "375012",
    "MinimumOSVersion": "14.0",
    "UIDeviceFamily": [1, 2],
}
TIKTOK_METADATA = {
    "artistName": "TikTok Ltd.",
    "bundleShortVersionString": "37.5.0",
    "bundleVersion": "375012",
    "itemId": 835599320,
    "itemName": "TikTok",
    "kind": "software",
    "softwareVersionBundleId": "com.zhiliaoapp.musically",
}
TICKTICK_INFO = info_plist("com.TickTick.task.mac", "TickTick", "6.0.40", "TickTick", build="6040")
WECOM_INFO = info_plist("com.tencent.WeWorkMac", "企业微信", "4.1.30", "企业微信", build="90001")
DEVTOOLS_INFO = info_plist("com.tencent.wechat.devtools", "wechatwebdevtools", "1.06.2409140", "wechatwebdevtools",
                           CFBundleDisplayName="WeChat DevTools")
CAPCUT_INFO = info_plist("com.lemon.lvoverseas", "CapCut", "6.1.0", "CapCut", build="2398")
KASPERSKY_DAEMON = {"ProgramArguments": ["/Library/Application Support/Kaspersky Lab/KAV/Binaries/kav", "-bl"],
                    "RunAtLoad": True, "KeepAlive": True}
KASPERSKY_AGENT = {"Program": "/Library/Application Support/Kaspersky Lab/KAV/Binaries/kav_agent",
                   "LimitLoadToSessionType": "Aqua", "RunAtLoad": True}
CAPCUT_AGENT = {"ProgramArguments": ["CapCutHelper", "--update"], "StartInterval": 86400}


def example_mac(root: Path) -> ScanTarget:
    target = macos_disk(root)
    applications = root / "Applications"
    app_bundle(applications, "WeChat", WECHAT_INFO, BINARY)
    app_bundle(applications / "Kaspersky Lab", "Kaspersky Internet Security", KASPERSKY_INFO, XML)
    ios_app(applications, "TikTok", TIKTOK_INFO, TIKTOK_METADATA)
    app_bundle(applications, "TickTick", TICKTICK_INFO, XML)
    app_bundle(applications, "企业微信", WECOM_INFO, BINARY)
    app_bundle(applications, "wechatwebdevtools", DEVTOOLS_INFO, XML)
    app_bundle(root / "Users/alice/Applications", "CapCut", CAPCUT_INFO, BINARY)
    (root / "Users/Shared").mkdir(parents=True)
    launchd_job(root / "Library/LaunchDaemons", "com.kaspersky.kav", XML, **KASPERSKY_DAEMON)
    launchd_job(root / "Library/LaunchAgents", "com.kaspersky.kav.gui", BINARY, **KASPERSKY_AGENT)
    launchd_job(root / "Users/alice/Library/LaunchAgents", "com.lemon.lvoverseas.helper", BINARY, **CAPCUT_AGENT)
    cask(root / "opt/homebrew/Caskroom", "wechat", "4.1.10.53,39917")
    cask(root / "opt/homebrew/Caskroom", "wechatwork", "5.0.3.90001")
    cask(root / "opt/homebrew/Caskroom", "ticktick", "6.0.40")
    cask(root / "usr/local/Caskroom", "capcut", "6.1.0")
    return target
