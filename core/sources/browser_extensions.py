"""Browser extensions of every user: Chrome, Edge and the other Chromium browsers (one folder per
extension id in each profile's Extensions folder), and Firefox (each profile's extensions.json).
Security suites install their own (Kaspersky Protection); they are leftovers a person would not
find alone, and they stay after the suite is gone.
"""

from __future__ import annotations

from pathlib import Path

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    LINUX,
    MACOS,
    WINDOWS,
    CoverageLog,
    EvidenceKind,
    InventoryItem,
    InventorySource,
    ReadRequest,
    ScanTarget,
    SourceResult,
    SourceSpec,
    display_path,
    printable,
)
from appwarden.core.sources.files_common import is_real_folder, json_document, read_file_bytes, subfolders, text_of

# Each browser's user-data folder, relative to the home folder (osquery's chrome_extensions and
# firefox_addons tables read the same places).
CHROMIUM_ROOTS = {
    LINUX: {
        "Google Chrome": ".config/google-chrome", "Chromium": ".config/chromium", "Microsoft Edge": ".config/microsoft-edge",
        "Brave": ".config/BraveSoftware/Brave-Browser", "Vivaldi": ".config/vivaldi", "Chromium (snap)": "snap/chromium/common/chromium",
    },
    WINDOWS: {
        "Google Chrome": "AppData/Local/Google/Chrome/User Data", "Microsoft Edge": "AppData/Local/Microsoft/Edge/User Data",
        "Chromium": "AppData/Local/Chromium/User Data", "Brave": "AppData/Local/BraveSoftware/Brave-Browser/User Data",
        "Yandex Browser": "AppData/Local/Yandex/YandexBrowser/User Data",
    },
    MACOS: {
        "Google Chrome": "Library/Application Support/Google/Chrome", "Microsoft Edge": "Library/Application Support/Microsoft Edge",
        "Chromium": "Library/Application Support/Chromium", "Brave": "Library/Application Support/BraveSoftware/Brave-Browser",
    },
}
FIREFOX_ROOTS = {
    LINUX: (".mozilla/firefox", "snap/firefox/common/.mozilla/firefox", ".var/app/org.mozilla.firefox/.mozilla/firefox"),
    WINDOWS: ("AppData/Roaming/Mozilla/Firefox/Profiles",),
    MACOS: ("Library/Application Support/Firefox/Profiles",),
}
MAX_MANIFEST_BYTES = 1 << 20
MAX_EXTENSIONS_JSON = 32 << 20


def firefox_addons(data: bytes) -> list[tuple[str, str, str]] | Message:
    """(id, name, version) of each extension in a Firefox profile's extensions.json."""
    document = json_document(data)
    if isinstance(document, Message):
        return document
    addons = document.get("addons") if isinstance(document, dict) else None
    if not isinstance(addons, list):
        return Message.of("not a Firefox extensions list")
    found = []
    for addon in addons:
        if isinstance(addon, dict) and isinstance(addon.get("id"), str) and addon.get("type", "extension") == "extension":
            locale = addon.get("defaultLocale") if isinstance(addon.get("defaultLocale"), dict) else {}
            found.append((addon["id"], text_of(locale, "name"), text_of(addon, "version")))
    return found


def manifest_name(data: bytes) -> tuple[str, str]:
    """(name, version) of a Chromium extension's manifest.json; a localised name (__MSG_x__) is
    left out, since only the extension's own message files resolve it."""
    manifest = json_document(data)
    if not isinstance(manifest, dict):
        return "", ""
    name = text_of(manifest, "name")
    return ("" if name.startswith("__MSG_") else name), text_of(manifest, "version")


class BrowserExtensions(InventorySource):
    spec = SourceSpec(
        name="browser_extensions",
        title="Browser extensions",
        platforms=frozenset({LINUX, WINDOWS, MACOS}),
        reads=("~/<browser user data>/<profile>/Extensions/<id>", "~/<Firefox profiles>/<profile>/extensions.json"),
        yields=("browser_extension",),
        kind=EvidenceKind.LEFTOVER,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        items: list[InventoryItem] = []
        for home in target.user_homes(log):
            if request.cancelled():
                break
            owner = (("user", printable(home.name)),)
            for browser, relative in CHROMIUM_ROOTS.get(target.os, {}).items():
                items += _chromium(target, home / relative, owner + (("browser", browser),), request, log)
            for relative in FIREFOX_ROOTS.get(target.os, ()):
                items += _firefox(target, home / relative, owner + (("browser", "Firefox"),), log)
        return log.result(items, Message.of("no browser profiles"))


def _item(extension_id: str, name: str, version: str, location: str, details: tuple) -> InventoryItem:
    return InventoryItem(
        source="browser_extensions",
        kind=EvidenceKind.LEFTOVER,
        identifiers=(("browser_extension", extension_id),),
        name=name or extension_id,
        version=version,
        location=location,
        details=details,
    )


def _chromium(target: ScanTarget, root: Path, details: tuple, request: ReadRequest, log: CoverageLog) -> list[InventoryItem]:
    if not is_real_folder(target, root):
        return []
    items = []
    for profile in subfolders(target, root, log):
        extensions = profile / "Extensions"
        if not is_real_folder(target, extensions):
            continue
        for folder in subfolders(target, extensions, log):
            name, version = "", ""
            if request.seeks("browser_extension", folder.name):  # only a sought one's manifest is opened
                name, version = _chromium_manifest(target, folder, log)
            items.append(_item(folder.name, name, version, display_path(target, folder),
                               details + (("profile", printable(profile.name)),)))
    return items


def _chromium_manifest(target: ScanTarget, folder: Path, log: CoverageLog) -> tuple[str, str]:
    versions = subfolders(target, folder, log)
    if not versions:
        return "", ""
    newest = max(versions, key=lambda version: _version_key(version.name))  # 10.0_0 is newer than 9.0_0
    data = read_file_bytes(target, newest / "manifest.json", MAX_MANIFEST_BYTES, log)
    return manifest_name(data) if data is not None else ("", "")


def _version_key(folder: str) -> tuple[int, ...]:
    """A version folder's name (2.4.33.0_0) as numbers; anything else counts as 0."""
    return tuple(int(part) if part.isdigit() else 0 for part in folder.replace("_", ".").split("."))


def _firefox(target: ScanTarget, root: Path, details: tuple, log: CoverageLog) -> list[InventoryItem]:
    if not is_real_folder(target, root):
        return []
    items = []
    for profile in subfolders(target, root, log):
        path = profile / "extensions.json"
        data = read_file_bytes(target, path, MAX_EXTENSIONS_JSON, log)
        if data is None:
            continue
        addons = firefox_addons(data)
        if isinstance(addons, Message):
            log.problem(path, addons)
            continue
        items += [_item(addon_id, name, version, display_path(target, path), details + (("profile", printable(profile.name)),))
                  for addon_id, name, version in addons]
    return items
