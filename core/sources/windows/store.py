"""Microsoft Store (MSIX/AppX) apps, which have no uninstall entry: the package folders in
Program Files/WindowsApps, and each user's Packages folders and registered packages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
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
)
from appwarden.core.sources.files_common import read_file_bytes, subfolders
from appwarden.core.sources.windows.common import (
    child,
    child_text,
    local_name,
    xml_document,
    USER_CLASSES_HIVE,
    Hive,
    LiveRegistryReader,
    RegistryKeyMissing,
    RegistryReadError,
    current_user_folder,
    find_any_case,
    offline_user_hives,
    open_hive,
    user_profiles,
)

WINDOWS_APPS = "Program Files/WindowsApps"
USER_PACKAGES = "AppData/Local/Packages"
MANIFEST = "AppxManifest.xml"
MANIFEST_LIMIT = 1 << 20  # real manifests are a few kB to a few hundred kB
# Package registrations of a user, in their classes hive (UsrClass.dat, live HKCU\Software\Classes).
REPOSITORY = r"Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\Repository\Packages"

PACKAGE_NAME = re.compile(r"[A-Za-z0-9.\-]{3,50}")
PUBLISHER_ID = re.compile(r"[0-9a-z]{13}")
PACKAGE_VERSION = re.compile(r"[0-9]{1,5}(\.[0-9]{1,5}){3}")
ARCHITECTURES = frozenset({"x86", "x64", "arm", "arm64", "neutral", "x86a64"})

Details = tuple[tuple[str, str], ...]
NOTHING_THERE = Message.of(
    "no Microsoft Store apps folder (Program Files\\WindowsApps) and no user profiles on this disk"
)


@dataclass(frozen=True)
class PackageId:
    """What a package folder or key is named: its full name Name_Version_Arch_ResourceId_PublisherId,
    or its family name Name_PublisherId (then version and architecture are empty)."""

    name: str
    publisher_id: str
    version: str = ""
    architecture: str = ""
    resource_id: str = ""

    @property
    def family(self) -> str:
        return f"{self.name}_{self.publisher_id}"

    @property
    def full_name(self) -> str:
        if not self.version:
            return ""
        return "_".join((self.name, self.version, self.architecture, self.resource_id, self.publisher_id))


def parse_full_name(text: str) -> PackageId | None:
    """A package full name's parts, or None when `text` is not one (Deleted, Mutable...)."""
    parts = text.split("_")
    if len(parts) != 5:
        return None
    name, version, architecture, resource_id, publisher_id = parts
    if not PACKAGE_VERSION.fullmatch(version) or architecture.lower() not in ARCHITECTURES:
        return None
    return _package_id(name, publisher_id, version, architecture, resource_id)


def parse_family_name(text: str) -> PackageId | None:
    """A package family name's parts, or None when `text` is not one."""
    parts = text.split("_")
    return _package_id(*parts) if len(parts) == 2 else None


def _package_id(name: str, publisher_id: str, *rest: str) -> PackageId | None:
    if PACKAGE_NAME.fullmatch(name) and PUBLISHER_ID.fullmatch(publisher_id):
        return PackageId(name, publisher_id, *rest)
    return None


def _main_package(candidates: list[tuple[PackageId, object]]) -> tuple[PackageId, object]:
    """The app itself among a family's packages: not a resource package, then the newest version."""

    def preference(candidate: tuple[PackageId, object]) -> tuple:
        package = candidate[0]
        kind = {"": 0, "~": 1}.get(package.resource_id, 2)  # "~" is a bundle, others are resources
        return (kind, tuple(-int(part) for part in package.version.split(".")) if package.version else ())

    return min(candidates, key=preference)


@dataclass(frozen=True)
class AppxManifest:
    """What AppxManifest.xml says of a package (empty strings where it says nothing)."""

    name: str = ""
    publisher: str = ""  # Identity Publisher: the signer's subject, "CN=..., O=..."
    version: str = ""
    architecture: str = ""
    display_name: str = ""
    publisher_display_name: str = ""


def parse_appx_manifest(data: bytes) -> AppxManifest | Message:
    """A package manifest's identity and display names, or why it could not be read."""
    root = xml_document(data)
    if isinstance(root, Message):
        return root
    identity = child(root, "Identity")
    if local_name(root.tag) != "Package" or identity is None:
        return Message.of("not an app package manifest")
    properties = child(root, "Properties")
    return AppxManifest(
        name=identity.get("Name", "").strip(),
        publisher=identity.get("Publisher", "").strip(),
        version=identity.get("Version", "").strip(),
        architecture=identity.get("ProcessorArchitecture", "").strip(),
        display_name=child_text(properties, "DisplayName"),
        publisher_display_name=child_text(properties, "PublisherDisplayName"),
    )


def is_resource_reference(text: str) -> bool:
    """Whether a display name is a reference only the package's own resources resolve."""
    return text.lower().startswith("ms-resource:") or text.startswith("@{")


def shown_name(display_name: str, package_name: str) -> str:
    """A display name to show; a resource reference (ms-resource:AppName) stands for the package Name."""
    return package_name if not display_name or is_resource_reference(display_name) else display_name


@dataclass(frozen=True)
class MachinePackage:
    """A family's package in WindowsApps, with its manifest."""

    package: PackageId
    folder: Path
    manifest: AppxManifest


@dataclass(frozen=True)
class Registration:
    """A package registered for a user, and the key a person finds it under."""

    package: PackageId
    key: str


class WindowsStorePackages(InventorySource):
    spec = SourceSpec(
        name="windows_store",
        title="Microsoft Store apps",
        platforms=frozenset({WINDOWS}),
        reads=(
            f"{WINDOWS_APPS}/<package full name>/{MANIFEST}",
            f"Users/*/{USER_PACKAGES}/<package family name>",
            f"Users/*/{USER_CLASSES_HIVE} (live: HKCU\\Software\\Classes): {REPOSITORY}\\*",
        ),
        yields=("msix",),
        kind=EvidenceKind.INSTALLED,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        machine = _machine_packages(target, log, request)
        items = [_machine_item(target, package) for package in machine.values()]
        profiles = user_profiles(target, log)
        registered = _registrations(target, profiles, log, request)
        for user, profile in _users(profiles, registered):
            folders = _package_folders(target, profile, log, request)
            items += _user_items(target, user, folders, registered.get(user, {}), machine)
        return log.result(items, NOTHING_THERE)


def _machine_packages(target: ScanTarget, log: CoverageLog, request: ReadRequest) -> dict[str, MachinePackage]:
    """Each package family in WindowsApps (by case-folded family name), with its main package."""
    apps = find_any_case(target, WINDOWS_APPS, log=log)
    families: dict[str, list[tuple[PackageId, Path]]] = {}
    for folder in subfolders(target, apps, log) if apps is not None else []:
        if request.cancelled():
            break
        package = parse_full_name(folder.name)
        if package is not None:
            families.setdefault(package.family.casefold(), []).append((package, folder))
    found = {}
    for family, candidates in sorted(families.items()):
        if request.cancelled():
            break
        package, folder = _main_package(candidates)
        found[family] = MachinePackage(package, folder, _manifest(target, folder, log))
    return found


def _manifest(target: ScanTarget, folder: Path, log: CoverageLog) -> AppxManifest:
    """The folder's manifest; a bundle folder has none (its manifest is AppxBundleManifest.xml)."""
    path = find_any_case(target, MANIFEST, start=folder, log=log)
    data = read_file_bytes(target, path, MANIFEST_LIMIT, log) if path is not None else None
    if data is None:
        return AppxManifest()
    parsed = parse_appx_manifest(data)
    if isinstance(parsed, Message):
        log.problem(path, parsed)
        return AppxManifest()
    return parsed


def _machine_item(target: ScanTarget, machine: MachinePackage) -> InventoryItem:
    package, manifest = machine.package, machine.manifest
    details = (
        ("scope", "machine"),
        ("package_family_name", package.family),
        ("package_full_name", package.full_name),
        ("architecture", package.architecture),
    )
    return _item(package, manifest, manifest.version or package.version, display_path(target, machine.folder), details)


def _item(package: PackageId, manifest: AppxManifest, version: str, location: str, details: Details) -> InventoryItem:
    publisher = manifest.publisher_display_name
    return InventoryItem(
        source="windows_store",
        kind=EvidenceKind.INSTALLED,
        identifiers=(("msix", package.name),),
        name=shown_name(manifest.display_name, package.name),
        publisher="" if is_resource_reference(publisher) else publisher,
        version=version,
        location=location,
        details=details,
    )


def _registration_hives(target: ScanTarget, profiles: list[tuple[str, Path]], log: CoverageLog) -> list[Hive]:
    if target.live:
        # Other users' registrations are in their own loaded hives, readable only by them.
        reader = LiveRegistryReader("HKEY_CURRENT_USER")
        shown = "HKCU\\Software\\Classes"
        return [Hive(reader, shown, shown, base="Software\\Classes", user=current_user_folder())]
    return offline_user_hives(target, profiles, USER_CLASSES_HIVE, "_Classes", log)


def _registrations(
    target: ScanTarget, profiles: list[tuple[str, Path]], log: CoverageLog, request: ReadRequest
) -> dict[str, dict[str, list[Registration]]]:
    """Registered packages by user, then by case-folded family name."""
    found: dict[str, dict[str, list[Registration]]] = {}
    for hive in _registration_hives(target, profiles, log):
        if request.cancelled() or not open_hive(hive, log):
            continue
        log.read_one()
        by_family = found.setdefault(hive.user, {})
        for name in _registered_names(hive, log):
            package = parse_full_name(name)
            if package is not None:
                key = hive.shown_path(f"{REPOSITORY}\\{name}")
                by_family.setdefault(package.family.casefold(), []).append(Registration(package, key))
    return found


def _registered_names(hive: Hive, log: CoverageLog) -> list[str]:
    try:
        return hive.reader.subkey_names(hive.path(REPOSITORY))
    except RegistryKeyMissing:  # a user who never signed in on that Windows has no registrations
        return []
    except RegistryReadError as error:
        log.problem(hive.shown_path(REPOSITORY), error.reason, error.elevation_helps)
        return []


def _users(profiles: list[tuple[str, Path]], registered: dict) -> list[tuple[str, Path | None]]:
    """Each profile, then users with registrations but no profile folder found (live HKCU)."""
    names = {user for user, _ in profiles}
    return profiles + [(user, None) for user in sorted(registered) if user not in names]


def _package_folders(
    target: ScanTarget, profile: Path | None, log: CoverageLog, request: ReadRequest
) -> dict[str, tuple[PackageId, Path]]:
    """A user's package data folders (AppData/Local/Packages/<family name>) by case-folded family."""
    packages = find_any_case(target, USER_PACKAGES, start=profile, log=log) if profile is not None else None
    found = {}
    for folder in subfolders(target, packages, log) if packages is not None else []:
        if request.cancelled():
            break
        package = parse_family_name(folder.name)
        if package is not None:
            found.setdefault(package.family.casefold(), (package, folder))
    return found


def _user_items(
    target: ScanTarget,
    user: str,
    folders: dict[str, tuple[PackageId, Path]],
    registered: dict[str, list[Registration]],
    machine: dict[str, MachinePackage],
) -> list[InventoryItem]:
    """One item per package family of the user: its data folder and its registration together."""
    items = []
    for family in sorted(set(folders) | set(registered)):
        registration = _main_package([(r.package, r) for r in registered[family]])[1] if family in registered else None
        package = registration.package if registration is not None else folders[family][0]
        details: Details = (("scope", "user"), ("user", user), ("package_family_name", package.family))
        if registration is not None:
            details += (("package_full_name", package.full_name),)
        location = display_path(target, folders[family][1]) if family in folders else registration.key
        manifest = machine[family].manifest if family in machine else AppxManifest()
        items.append(_item(package, manifest, package.version, location, details))
    return items
