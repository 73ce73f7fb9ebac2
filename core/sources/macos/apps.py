"""Application bundles (.app) in /Applications and each user's ~/Applications, one vendor folder deep,
identified by their Info.plist; iPhone and iPad apps that Apple silicon Macs run are found in their wrappers.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, fields, replace
from pathlib import Path

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    MACOS,
    CoverageLog,
    EvidenceKind,
    InventoryItem,
    InventorySource,
    ReadRequest,
    ScanTarget,
    SourceResult,
    SourceSpec,
    display_path,
)
from appwarden.core.sources.files_common import has_utf8_name, is_folder, is_real_folder, list_folder, read_file_bytes, within_root_logged
from appwarden.core.sources.macos.common import (
    Details,
    Place,
    applications_folders,
    parse_strings,
    plist_text,
    read_plist,
)

BUNDLE_SUFFIX = ".app"
STRINGS_LIMIT = 1 << 16
MACOS_APP, IOS_APP = "macos_app", "ios_app"


@dataclass(frozen=True)
class BundleFacts:
    """What an app's Info.plist (or an iOS app's iTunesMetadata.plist) says; "" where it says nothing."""

    bundle_id: str = ""
    name: str = ""
    version: str = ""
    executable: str = ""
    publisher: str = ""

    def completed_by(self, other: BundleFacts) -> BundleFacts:
        """These facts, with what they leave empty taken from `other`."""
        return BundleFacts(**{key.name: getattr(self, key.name) or getattr(other, key.name) for key in fields(self)})


def info_plist_facts(info: dict) -> BundleFacts:
    """The identifying keys of an Info.plist; the short version is the one people see."""
    return BundleFacts(
        bundle_id=plist_text(info, "CFBundleIdentifier"),
        name=plist_text(info, "CFBundleDisplayName") or plist_text(info, "CFBundleName"),
        version=plist_text(info, "CFBundleShortVersionString") or plist_text(info, "CFBundleVersion"),
        executable=plist_text(info, "CFBundleExecutable"),
    )


def store_metadata_facts(metadata: dict) -> BundleFacts:
    """What the App Store wrote beside an iPhone or iPad app (Wrapper/iTunesMetadata.plist)."""
    return BundleFacts(
        bundle_id=plist_text(metadata, "softwareVersionBundleId"),
        name=plist_text(metadata, "itemName"),
        version=plist_text(metadata, "bundleShortVersionString"),
        publisher=plist_text(metadata, "artistName"),
    )


@dataclass(frozen=True)
class FoundBundle:
    """A bundle found in an Applications folder, with the paths it is reported under on the device."""

    location: str  # the .app a person sees, e.g. /Applications/WeChat.app
    executable_folder: str  # where the bundle keeps its program (Contents/MacOS, or an iOS bundle's top)
    kind: str
    details: Details

    @property
    def folder_name(self) -> str:
        name = self.location.rsplit("/", 1)[-1]
        return name[: -len(BUNDLE_SUFFIX)] if name.lower().endswith(BUNDLE_SUFFIX) else name


def application_item(found: FoundBundle, facts: BundleFacts) -> InventoryItem | Message:
    """The inventory item of a bundle, or why it cannot be identified (no identifier is invented)."""
    identifiers: list[tuple[str, str]] = []
    if facts.bundle_id:
        # An iPhone or iPad app on an Apple-silicon Mac keeps its iOS bundle id: the packs' one list.
        identifiers.append(("ios_bundle_id" if found.kind == IOS_APP else "macos_bundle_id", facts.bundle_id))
    if _is_file_name(facts.executable):
        program = f"{found.executable_folder}/{facts.executable}"
        identifiers += [("process", facts.executable), ("executable", program)]
    if not identifiers:
        return Message.of("names neither a bundle identifier nor an executable")
    return InventoryItem(
        source="macos_apps",
        kind=EvidenceKind.INSTALLED,
        identifiers=tuple(identifiers),
        name=facts.name or found.folder_name,
        publisher=facts.publisher,
        version=facts.version,
        location=found.location,
        details=(("kind", found.kind),) + found.details,
    )


def _is_file_name(text: str) -> bool:
    # CFBundleExecutable names a file in the bundle; anything else would make a misleading path.
    return bool(text) and "/" not in text and "\x00" not in text and text not in (".", "..")


class MacApplications(InventorySource):
    spec = SourceSpec(
        name="macos_apps",
        title="macOS applications",
        platforms=frozenset({MACOS}),
        reads=(
            "/Applications/*.app/Contents/Info.plist",
            "/Applications/*/*.app/Contents/Info.plist",
            "~/Applications/*.app and ~/Applications/*/*.app (the same files)",
            "<app>.app/Wrapper/*.app/Info.plist and Wrapper/iTunesMetadata.plist (iPhone and iPad apps)",
        ),
        yields=("macos_bundle_id", "ios_bundle_id", "process", "executable"),
        kind=EvidenceKind.INSTALLED,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        items: list[InventoryItem] = []
        seen: set[str] = set()
        for place in applications_folders(target, log):
            for bundle in _bundles_in(target, place.folder, log):
                if request.cancelled():
                    return log.result(items)
                folder = _unseen_bundle_folder(target, bundle, seen, log)
                if folder is not None:
                    items += [_with_localised_names(target, folder, item, log) if _is_sought(request, item) else item
                              for item in _bundle_items(target, bundle, folder, place, log)]
        return log.result(items, Message.of("no Applications folder"))


def _is_sought(request: ReadRequest, item: InventoryItem) -> bool:
    return any(namespace == "macos_bundle_id" and request.seeks(namespace, value) for namespace, value in item.identifiers)


def localised_names(target: ScanTarget, bundle: Path, log: CoverageLog) -> tuple[tuple[str, str], ...]:
    """(language, name) of each Contents/Resources/<language>.lproj/InfoPlist.strings that names
    the app (CFBundleDisplayName, else CFBundleName): 微信 for WeChat in zh_CN."""
    names = []
    for folder in list_folder(target, bundle / "Contents/Resources", log):
        if not folder.name.endswith(".lproj") or not has_utf8_name(folder, log):
            continue
        data = read_file_bytes(target, folder / "InfoPlist.strings", STRINGS_LIMIT, log)
        entries = parse_strings(data) if data is not None else {}
        name = (entries.get("CFBundleDisplayName") or entries.get("CFBundleName") or "").strip()
        if name:
            names.append((folder.name[: -len(".lproj")], name))
    return tuple(names)


def _with_localised_names(target: ScanTarget, bundle: Path, item: InventoryItem, log: CoverageLog) -> InventoryItem:
    """A bundle a rule names, with the names it shows in other languages (read for those only:
    listing every bundle's Resources would cost as much as the rest of the check)."""
    names = localised_names(target, bundle, log)
    if not names:
        return item
    shown = "; ".join(f"{language}: {name}" for language, name in names)
    return replace(item, details=item.details + (("localised_names", shown),))


def _bundles_in(target: ScanTarget, folder: Path, log: CoverageLog) -> list[Path]:
    """The .app entries of an Applications folder and of its vendor folders, in listing order.

    Linked vendor folders are not entered (a link back to /Applications would be a loop);
    a linked .app is read, since reading a bundle never walks further.
    """
    found: list[Path] = []
    for entry in list_folder(target, folder, log):
        if _is_bundle_name(entry):
            found.append(entry)
        elif is_real_folder(target, entry) and has_utf8_name(entry, log):
            found += [child for child in list_folder(target, entry, log) if _is_bundle_name(child)]
    return [bundle for bundle in found if has_utf8_name(bundle, log)]


def _is_bundle_name(path: Path) -> bool:
    # AppleDouble files (._WeChat.app) that copies to other file systems leave are not bundles.
    return path.name.lower().endswith(BUNDLE_SUFFIX) and not path.name.startswith("._")


def _unseen_bundle_folder(target: ScanTarget, bundle: Path, seen: set[str], log: CoverageLog) -> Path | None:
    """The folder `bundle` is (its links resolved inside the root), unless it was read already:
    a linked .app may name a bundle found under its own name.

    A link that loops is a problem; a dangling one means nothing is installed there.
    """
    real = within_root_logged(target, bundle, log)
    if real is None:
        return None
    try:
        is_dir = stat.S_ISDIR(target.stat(real).st_mode)
    except FileNotFoundError:
        return None
    except OSError as error:
        log.os_problem(bundle, error)
        return None
    key = os.path.realpath(real)
    if not is_dir or key in seen:
        return None
    seen.add(key)
    return real


def _bundle_items(
    target: ScanTarget, bundle: Path, folder: Path, place: Place, log: CoverageLog
) -> list[InventoryItem]:
    """The app of a bundle (or the apps of an iOS wrapper); `folder` is where the bundle really is."""
    # lstat first: few bundles are iOS wrappers, and is_folder resolves the whole path from the root.
    if target.lexists(folder / "Wrapper") and is_folder(target, bundle / "Wrapper"):
        return _wrapped_ios_apps(target, bundle, place, log)
    shown = display_path(target, bundle)
    found = FoundBundle(shown, f"{shown}/Contents/MacOS", MACOS_APP, place.details)
    info = read_plist(target, bundle / "Contents/Info.plist", log, missing_ok=False)
    if info is None:
        return []
    return _identified(found, info_plist_facts(info), bundle, log)


def _wrapped_ios_apps(target: ScanTarget, wrapper: Path, place: Place, log: CoverageLog) -> list[InventoryItem]:
    """An iPhone or iPad app: /Applications/X.app/Wrapper/X.app is the iOS bundle (Info.plist at its
    top), beside the App Store's iTunesMetadata.plist. The WrappedBundle link to it is not needed."""
    entries = list_folder(target, wrapper / "Wrapper", log)
    inner = [entry for entry in entries if _is_bundle_name(entry) and is_real_folder(target, entry)]
    if not inner:
        log.problem(wrapper, Message.of("an iPhone or iPad app wrapper with no app inside"))
        return []
    metadata = read_plist(target, wrapper / "Wrapper/iTunesMetadata.plist", log)
    store_facts = store_metadata_facts(metadata) if metadata is not None else BundleFacts()
    items = []
    for bundle in inner:
        if not has_utf8_name(bundle, log):
            continue
        found = FoundBundle(display_path(target, wrapper), display_path(target, bundle), IOS_APP, place.details)
        info = read_plist(target, bundle / "Info.plist", log, missing_ok=False)
        if info is None and not store_facts.bundle_id:
            continue  # the missing or broken Info.plist is recorded; nothing else names the app
        facts = info_plist_facts(info) if info is not None else BundleFacts()
        items += _identified(found, facts.completed_by(store_facts), bundle, log)
    return items


def _identified(found: FoundBundle, facts: BundleFacts, bundle: Path, log: CoverageLog) -> list[InventoryItem]:
    item = application_item(found, facts)
    if isinstance(item, Message):
        log.problem(bundle, item)
        return []
    return [item]
