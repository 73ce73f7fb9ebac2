"""Flatpak applications of the system installation and of each user's, from their deploy folders
(app/<id>/<arch>/<branch>/active), with name, developer and version from the AppStream metainfo.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    LINUX,
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
from appwarden.core.sources.files_common import (
    Place,
    is_folder,
    parse_keyfile,
    read_file_bytes,
    read_text,
    subfolders,
    system_and_user_places,
)

if TYPE_CHECKING:
    from xml.etree import ElementTree

SYSTEM_INSTALLATION = "var/lib/flatpak"
USER_INSTALLATION = ".local/share/flatpak"
METADATA_LIMIT = 1 << 20
METAINFO_LIMIT = 1 << 20
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class Metainfo:
    """What an AppStream metainfo file says of an app (empty strings where it says nothing)."""

    name: str = ""
    developer: str = ""
    version: str = ""


def parse_metainfo(data: bytes) -> Metainfo | Message:
    """An AppStream metainfo/appdata file's name, developer and newest release, or why not."""
    from xml.etree import ElementTree  # only for an installed Flatpak: 1.6 ms otherwise

    # AppStream files are UTF-8. Parsing text (not bytes) makes the parser ignore any other
    # encoding the file declares, so the entity check below cannot be dodged with UTF-16.
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Message.of("not UTF-8 text; not read")
    if "<!ENTITY" in text:
        # Entity declarations are how XML bombs expand; real metainfo files never need them.
        return Message.of("declares XML entities; not read")
    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, ValueError, LookupError) as error:
        return Message.of("not valid XML: {error}", error=error)
    if root.tag not in ("component", "application"):
        return Message.of("not an AppStream component")
    developer = _untranslated_text(root, "developer_name") or _untranslated_text(root.find("developer"), "name")
    release = root.find("releases/release[@version]")
    version = release.get("version", "") if release is not None else ""
    return Metainfo(_untranslated_text(root, "name"), developer, version.strip())


def _untranslated_text(parent: ElementTree.Element | None, tag: str) -> str:
    if parent is None:
        return ""
    for child in parent.findall(tag):
        if XML_LANG not in child.attrib:
            return (child.text or "").strip()
    return ""


class FlatpakApps(InventorySource):
    spec = SourceSpec(
        name="flatpak",
        title="Flatpak applications",
        platforms=frozenset({LINUX}),
        reads=(
            f"{SYSTEM_INSTALLATION}/app/*/*/*/active/metadata",
            f"~/{USER_INSTALLATION}/app/*/*/*/active/metadata",
            "active/files/share/metainfo/<app id>.metainfo.xml (or .appdata.xml)",
        ),
        yields=("flatpak",),
        kind=EvidenceKind.INSTALLED,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        items: list[InventoryItem] = []
        for place in system_and_user_places(target, (SYSTEM_INSTALLATION,), (USER_INSTALLATION,), log):
            for deployment in _deployments(target, place.folder / "app", log, request):
                item = _deployed_app(target, deployment, place, log)
                if item is not None:
                    items.append(item)
        return log.result(items, Message.of("no Flatpak installation"))


def _deployments(target: ScanTarget, apps: Path, log: CoverageLog, request: ReadRequest) -> list[Path]:
    """The app/<id>/<arch>/<branch> folders; the `current` link beside the arches is not one."""
    found = []
    for app in subfolders(target, apps, log):
        if request.cancelled():
            break
        for arch in subfolders(target, app, log):
            found += subfolders(target, arch, log)
    return found


def _deployed_app(target: ScanTarget, branch: Path, place: Place, log: CoverageLog) -> InventoryItem | None:
    app_id, arch = branch.parent.parent.name, branch.parent.name
    active = branch / "active"
    if not is_folder(target, active):
        # Without an active deployment nothing of this branch is installed, but the folder
        # says something went wrong (an interrupted install or removal).
        log.problem(branch, Message.of("no active deployment"))
        return None
    details = place.details + (("arch", arch), ("branch", branch.name))
    runtime = _metadata_runtime(target, active / "metadata", log)
    if runtime:
        details += (("runtime", runtime),)
    metainfo = _metainfo(target, active / "files/share", app_id, log)
    return InventoryItem(
        source="flatpak",
        kind=EvidenceKind.INSTALLED,
        identifiers=(("flatpak", app_id),),
        name=metainfo.name or app_id,
        publisher=metainfo.developer,
        version=metainfo.version,
        location=display_path(target, branch),
        details=details,
    )


def _metadata_runtime(target: ScanTarget, path: Path, log: CoverageLog) -> str:
    """The runtime named in the deployment's metadata; a broken metadata file is a problem.

    The app is reported either way: its deploy folder is evidence enough that it is installed.
    """
    text = read_text(target, path, METADATA_LIMIT, log, missing_ok=False)
    if text is None:
        return ""
    application = parse_keyfile(text).get("Application")
    if application is None:
        log.problem(path, Message.of("has no [Application] section"))
        return ""
    return application.get("runtime", "")


def _metainfo(target: ScanTarget, share: Path, app_id: str, log: CoverageLog) -> Metainfo:
    candidates = (
        share / "metainfo" / f"{app_id}.metainfo.xml",
        share / "metainfo" / f"{app_id}.appdata.xml",
        share / "appdata" / f"{app_id}.appdata.xml",
    )
    for path in candidates:
        data = read_file_bytes(target, path, METAINFO_LIMIT, log)
        if data is None:
            continue
        parsed = parse_metainfo(data)
        if isinstance(parsed, Message):
            log.problem(path, parsed)
            return Metainfo()
        return parsed
    return Metainfo()
