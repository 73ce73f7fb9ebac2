"""The inventory-source interface: what a source declares, what it yields, how it reports coverage.

Every source reads relative to `ScanTarget.root`, so a mounted disk of another machine is
checked the same way as the running one. A source never raises for what it could not read:
it records a ReadProblem and the scan goes on (partial failure is a value).
"""

from __future__ import annotations

import abc
import errno
import os
import stat
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Callable, ClassVar, Iterable, Iterator, Mapping

from appwarden.core.messages import Message
from appwarden.core.sources import rooted_common
from appwarden.core.sources.rooted_common import MAX_LINKS, NotARegularFile

LINUX, WINDOWS, MACOS, ANDROID, IOS = "linux", "windows", "macos", "android", "ios"
OS_NAMES = {LINUX: "Linux", WINDOWS: "Windows", MACOS: "macOS", ANDROID: "Android", IOS: "iOS"}  # as people write them
COMPUTER_PLATFORMS = frozenset({LINUX, WINDOWS, MACOS})
ALL_PLATFORMS = COMPUTER_PLATFORMS | {ANDROID, IOS}

#: Identifier namespaces a source may yield and a rule may name, with what each holds.
IDENTIFIER_NAMESPACES: dict[str, str] = {
    "deb": "Debian package name (dpkg)",
    "rpm": "RPM package name",
    "flatpak": "Flatpak application id",
    "snap": "Snap name",
    "appimage": "AppImage file name without version, architecture and extension",
    "desktop_file": "desktop entry id (file name without .desktop)",
    "executable": "absolute path of a program file, as on the device",
    "process": "process image name (WeChat.exe, wechat)",
    "windows_uninstall_key": "name of a Windows uninstall registry key",
    "msi_product_code": "Windows Installer product code {GUID}",
    "msix": "Microsoft Store / MSIX package name (family name without publisher id)",
    "windows_service": "Windows service name",
    "macos_bundle_id": "macOS bundle identifier (CFBundleIdentifier)",
    "launchd_label": "macOS launchd job label",
    "homebrew_cask": "Homebrew cask token",
    "pacman": "Arch Linux package name (pacman)",
    "deepin_app": "deepin or UOS application id: the folder in /opt/apps, the same as its .deb package name",
    "systemd_unit": "systemd unit file name, with its suffix (kesl.service)",
    "scoop": "Scoop app name (the folder in scoop/apps)",
    "chocolatey": "Chocolatey package id",
    "windows_registry_key": "Windows registry key path, exact: HKLM\\SOFTWARE\\... or HKCU\\Software\\... (each user's)",
    "certificate_subject": "a trusted root certificate's subject as CN=<common name>, O=<organisation>",
    "browser_extension": "browser extension id (Chrome, Edge and other Chromium browsers; Firefox add-on id)",
    "macos_pkg_receipt": "macOS installer package id, from its receipt in /var/db/receipts",
    "android_package": "Android package name, exact (com.tencent.mm); never a prefix",
    "ios_bundle_id": "iPhone or iPad app bundle id, exact (com.tencent.xin); also an iPhone app on an Apple-silicon Mac",
}
#: Namespaces that only the engine uses (display names are matched together with a publisher).
INTERNAL_NAMESPACES = frozenset({"display_name", "leftover"})


class EvidenceKind(StrEnum):
    INSTALLED = "installed"
    RUNNING = "running"
    SERVICE = "service"
    LEFTOVER = "leftover"


class CoverageStatus(StrEnum):
    OK = "ok"
    PARTIAL = "partial"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, weakref_slot=True)
class InventoryItem:
    """One thing a source saw on the device, with every identifier it can be matched on."""

    # slots: no __dict__ per item (about 100 bytes each, and one indirection per field read in
    # matching); the weakref slot lets a test watch that a check keeps no item it has matched.

    source: str
    kind: EvidenceKind
    identifiers: tuple[tuple[str, str], ...]
    name: str = ""
    publisher: str = ""
    version: str = ""
    location: str = ""
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ReadProblem:
    """Something a source could not read, and why."""

    location: str
    reason: Message
    elevation_helps: bool = False


@dataclass(frozen=True)
class Coverage:
    source: str
    status: CoverageStatus
    detail: Message
    problems: tuple[ReadProblem, ...] = ()


@dataclass(frozen=True)
class SourceResult:
    items: tuple[InventoryItem, ...]
    coverage: Coverage


@dataclass(frozen=True)
class SourceSpec:
    """What a source is, declared as data (osquery's table specs are the model)."""

    name: str
    title: str
    platforms: frozenset[str]
    reads: tuple[str, ...]
    yields: tuple[str, ...]
    kind: EvidenceKind
    live_only: bool = False


@dataclass(frozen=True)
class LeftoverLocation:
    """A place a rule says its app leaves files, as a path template relative to the root."""

    rule_id: str
    platform: str
    template: str


@dataclass(frozen=True)
class ScanTarget:
    """The device being checked: the running one (live) or a disk mounted at `root`."""

    root: Path
    os: str
    live: bool
    hostname: str = ""
    # What the directives' scopes speak of: a computer ("desktop") or a phone or tablet ("mobile").
    device_class: str = "desktop"
    # Whether the organisation issued the device: the directives cover government-issued devices
    # only, so on a personal one their apps are recommended for removal, not required.
    organisation_issued: bool = True
    # A phone connected now (core/phones/session.py: PhoneSession): what the phone's sources read
    # through. None for everything else, a capture of a phone included.
    phone: object | None = field(default=None, compare=False, repr=False)

    @property
    def is_phone(self) -> bool:
        """A phone or tablet, connected now (live) or as captured from it."""
        return self.os not in COMPUTER_PLATFORMS

    @property
    def is_capture(self) -> bool:
        """What was captured from a phone (a file or folder at `root`), not a device or a disk."""
        return self.is_phone and not self.live

    @property
    def is_connected_phone(self) -> bool:
        """A phone plugged in (or on this computer's loopback) now, read through its connection."""
        return self.is_phone and self.live

    def path(self, relative: str) -> Path:
        return self.root / relative.lstrip("/")

    @property
    def kernel_resolves(self) -> bool:
        """The running system's own root: the kernel resolves its links correctly."""
        return str(self.root) == self.root.anchor

    def open_file(self, path: Path) -> int:
        """A descriptor of the regular file at `path`, every link resolved inside the root.

        Raises NotARegularFile for a FIFO, device, socket or folder (never waits on one), and
        OSError when it cannot be opened.
        """
        return rooted_common.open_regular_file(self.root, path, self.kernel_resolves)

    def names_in(self, folder: Path) -> list[str]:
        """The sorted names in `folder`, its links resolved inside the root; raises OSError."""
        return rooted_common.folder_names(self.root, folder, self.kernel_resolves)

    def stat(self, path: Path, follow: bool = True) -> os.stat_result:
        """os.stat of `path` (os.lstat with `follow` False), links resolved inside the root."""
        return rooted_common.stat_in_root(self.root, path, self.kernel_resolves, follow)

    def readlink(self, path: Path) -> str:
        """The text of the link at `path`; raises OSError (EINVAL when it is not a link)."""
        return rooted_common.link_text_in_root(self.root, path, self.kernel_resolves)

    def lexists(self, path: Path) -> bool:
        """Whether something (a link included) is at `path`; False when that cannot be told."""
        try:
            self.stat(path, follow=False)
        except OSError:
            return False
        return True

    def user_homes(self, log: "CoverageLog") -> list[Path]:
        """Home folders of every user on the target, in a stable order.

        A users folder that cannot be listed, or a home whose name is not UTF-8, is a problem in
        `log`: a check that could not see every account must not say it is complete.
        Windows' compatibility junctions (All Users, Default User) are links and are left out.
        """
        if self.os not in COMPUTER_PLATFORMS:
            return []  # a phone's users are its own profiles (pm list users), not home folders
        if self.os == WINDOWS:
            parent = find_any_case(self, "Users", log=log)  # a mounted NTFS disk keeps its own casing
        else:
            parent = self.path({LINUX: "home", MACOS: "Users"}[self.os])
        homes: list[Path] = []
        if parent is not None:
            try:
                names = self.names_in(parent)
            except (FileNotFoundError, NotADirectoryError):
                names = []
            except OSError as error:
                names = []
                log.os_problem(parent, error)
            homes = [parent / name for name in names if self._is_home(parent / name, log)]
        if self.os == LINUX and self._is_folder(self.path("root"), log):
            homes.append(self.path("root"))
        return homes

    def _is_home(self, entry: Path, log: "CoverageLog") -> bool:
        try:
            entry.name.encode("utf-8")
        except UnicodeEncodeError:
            log.problem(entry, Message.of("the name is not valid UTF-8; skipped"))
            return False
        if self.os == WINDOWS and self._is_link(entry):
            return False
        return self._is_folder(entry, log)

    def _is_folder(self, path: Path, log: "CoverageLog | None" = None) -> bool:
        """Whether `path` is a folder; one that cannot be looked at is a problem in `log`."""
        try:
            return stat.S_ISDIR(self.stat(path).st_mode)
        except (FileNotFoundError, NotADirectoryError):
            return False
        except OSError as error:
            if log is not None:
                log.os_problem(path, error)
            return False

    def _is_link(self, path: Path) -> bool:
        try:
            return stat.S_ISLNK(self.stat(path, follow=False).st_mode)
        except OSError:
            return False


def find_any_case(
    target: ScanTarget, relative: str, start: Path | None = None, log: "CoverageLog | None" = None
) -> Path | None:
    """The path of `relative` (below `start`, else the root), each name matched without case, or
    None. A Windows disk mounted on Linux keeps its own casing: windows/system32/config/software.
    A folder on the way that cannot be listed is a problem in `log`."""
    current = start or target.root
    for part in PurePosixPath(relative).parts:
        if target.lexists(current / part):
            current = current / part
            continue
        try:
            names = target.names_in(current)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as error:
            if log is not None:
                log.os_problem(current, error)
            return None
        match = next((name for name in names if name.casefold() == part.casefold()), None)
        if match is None:
            return None
        current = current / match
    return current



def within_root(target: ScanTarget, path: Path) -> Path:
    """`path` with its links resolved inside the target's root: on a mounted disk an absolute link
    such as /snap -> /var/lib/snapd/snap means that disk's folder, not this machine's.

    This is the path to show and to build other paths on; files are opened through the target
    (open_file, names_in, stat), which resolves again at the moment of opening.
    """
    root = str(target.root)
    if root == target.root.anchor:
        return path  # the running system: the kernel resolves links correctly
    text = str(path)
    if not text.startswith(root) or text[len(root):len(root) + 1] not in ("", "/"):
        return path
    # Plain strings, not pathlib: this runs for every file a source opens on a mounted disk.
    pending = [part for part in reversed(text[len(root):].split("/")) if part]
    resolved, links = root, 0
    while pending:
        part = pending.pop()
        if part == ".":
            continue
        if part == "..":
            resolved = os.path.dirname(resolved) if resolved != root else root
            continue
        candidate = resolved + "/" + part
        try:
            link = os.readlink(candidate)
        except OSError:  # not a link (or missing): the name stands as it is
            resolved = candidate
            continue
        links += 1
        if links > MAX_LINKS:
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), text)
        if link.startswith("/"):
            resolved = root
        pending.extend(part for part in reversed(link.split("/")) if part)
    return Path(resolved)


def within_root_or_as_is(target: ScanTarget, path: Path) -> Path:
    """within_root, or `path` itself when its links loop (the open that follows reports that)."""
    try:
        return within_root(target, path)
    except OSError:
        return path


def printable(text: str) -> str:
    """`text` with undecodable file-name bytes shown as \\xNN, so any report can hold it."""
    try:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # lone surrogates that did not come from a file name (JSON \\ud800)
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True)
class ReadRequest:
    """Everything a source needs besides the device: what rules ask for, and a way to stop."""

    target: ScanTarget
    leftover_locations: tuple[LeftoverLocation, ...] = ()
    cancelled: Callable[[], bool] = field(default=lambda: False)
    # The Android package names the rules look for: of these, a phone's details are read one by one.
    sought_packages: frozenset[str] = frozenset()
    # Every identifier the rules name, normalized, by kind. What costs a read per thing (a package's
    # list of thousands of files, each of hundreds of unit files, a registry key) is read only as
    # far as a rule asks for it.
    sought: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def seeks(self, namespace: str, value: str) -> bool:
        from appwarden.core.matching.normalize import normalize

        return normalize(value) in self.sought.get(namespace, ())


class InventorySource(abc.ABC):
    """One way of reading a device. Subclasses set `spec` and implement `read`."""

    spec: ClassVar[SourceSpec]

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def platforms(self) -> frozenset[str]:
        return self.spec.platforms

    @abc.abstractmethod
    def read(self, request: ReadRequest) -> SourceResult | StreamedResult:
        """Read the target; never raise for unreadable input, record it in the coverage."""


class LazySource(InventorySource):
    """A source of one platform's folder, named by its module (below core/sources) and class: the
    module is imported the first time the source is read or its spec is asked for. A check of one
    platform then loads no other platform's readers (about 25 ms of a 300 ms check of Linux, in
    bench/scan_vs_reference.py). Its platform is its folder's, as every source's is."""

    def __init__(self, module: str, class_name: str, name: str, platforms: Iterable[str] = ()) -> None:
        """`platforms` only for a source beside the platform folders, which serves several."""
        self.module, self.class_name, self._name = module, class_name, name
        self._platforms = frozenset(platforms) or frozenset({module.split(".", 1)[0]})
        self._source: InventorySource | None = None

    @property
    def loaded(self) -> InventorySource:
        if self._source is None:
            import importlib

            module = importlib.import_module(f"appwarden.core.sources.{self.module}")
            self._source = getattr(module, self.class_name)()
        return self._source

    @property
    def spec(self) -> SourceSpec:  # type: ignore[override]
        return self.loaded.spec

    @property
    def name(self) -> str:
        return self._name

    @property
    def platforms(self) -> frozenset[str]:
        return self._platforms

    def read(self, request: ReadRequest) -> SourceResult | StreamedResult:
        return self.loaded.read(request)

    def __repr__(self) -> str:
        return f"LazySource({self.module}.{self.class_name})"


class CoverageLog:
    """Collects a source's read problems and turns them into its Coverage."""

    def __init__(self, source: str, target: ScanTarget | None = None) -> None:
        self.source = source
        self.target = target
        self.problems: list[ReadProblem] = []
        self._seen: set[ReadProblem] = set()
        self.places_read = 0

    def problem(self, location: str | os.PathLike, reason: Message, elevation_helps: bool = False) -> None:
        """Record a problem; with a target, the place is named as it is on that device."""
        is_path = isinstance(location, os.PathLike)
        shown = display_path(self.target, Path(location)) if self.target is not None and is_path else str(location)
        problem = ReadProblem(printable(shown), reason, elevation_helps)
        if problem not in self._seen:  # the same users folder is met by every per-user place
            self._seen.add(problem)
            self.problems.append(problem)

    def os_problem(self, location: str | os.PathLike, error: OSError) -> None:
        denied = isinstance(error, PermissionError)
        reason = (
            Message.of("permission denied")
            if denied
            else Message.of("cannot read: {error}", error=error.strerror or type(error).__name__)
        )
        self.problem(location, reason, elevation_helps=denied)

    def read_one(self) -> None:
        self.places_read += 1

    def result(self, items: list[InventoryItem] | tuple[InventoryItem, ...], nothing_there: Message | None = None) -> SourceResult:
        """Coverage from what happened: nothing to read is `skipped`, nothing readable is `failed`."""
        items = tuple(items)
        return SourceResult(items, self.coverage(len(items), nothing_there))

    def streamed(self, items: Iterator[InventoryItem], nothing_there: Message | None = None) -> StreamedResult:
        """A result whose items are read as the scan matches them; its coverage, once all are read."""
        return StreamedResult(items, lambda count: self.coverage(count, nothing_there))

    def coverage(self, item_count: int, nothing_there: Message | None = None) -> Coverage:
        if self.problems and self.places_read == 0 and not item_count:
            status, detail = CoverageStatus.FAILED, _problems_summary(self.problems)
        elif self.problems:
            status, detail = CoverageStatus.PARTIAL, _problems_summary(self.problems)
        elif self.places_read == 0 and not item_count:
            status = CoverageStatus.SKIPPED
            detail = nothing_there or Message.of("nothing to read")
        else:
            status = CoverageStatus.OK
            detail = items_read(item_count)
        return Coverage(self.source, status, detail, tuple(self.problems))


class StreamedResult:
    """A source's items as it reads them, so that a scan matches each one and keeps none: a disk
    with 200,000 packages would otherwise hold them all at once (about 1 KB each). The coverage
    (problems met, items read) is known once every item has been read.

    `items` and `coverage` read everything first, as a SourceResult has them (for tests and any
    caller that wants the items); `stream()` gives each item once, for the scan.
    """

    def __init__(self, items: Iterator[InventoryItem], coverage_of: Callable[[int], Coverage]) -> None:
        self._items = items
        self._coverage_of = coverage_of
        self._count: int | None = None
        self._kept: tuple[InventoryItem, ...] | None = None

    def stream(self) -> Iterator[InventoryItem]:
        count = 0
        for item in self._items:
            count += 1
            yield item
        self._count = count

    @property
    def items(self) -> tuple[InventoryItem, ...]:
        if self._kept is None:
            self._kept = tuple(self.stream())
        return self._kept

    @property
    def coverage(self) -> Coverage:
        if self._count is None:
            self.items  # noqa: B018 (reads them all)
        assert self._count is not None
        return self._coverage_of(self._count)


def _problems_summary(problems: list[ReadProblem]) -> Message:
    first = problems[0]
    reason = first.reason
    if first.location:
        reason = Message.of("{location}: {reason}", location=first.location, reason=reason)
    if len(problems) == 1:
        return reason
    return Message.plural("{reason} (and {count} more problem)", "{reason} (and {count} more problems)", reason=reason, count=len(problems) - 1)


def items_read(count: int) -> Message:
    return Message.plural("{count} item read", "{count} items read", count=count)


def byte_count(count: int) -> Message:
    return Message.plural("{count} byte", "{count} bytes", count=count)


def larger_than(limit: int) -> Message:
    return Message.of("file is larger than {size}; not read", size=byte_count(limit))


def list_dir(target: ScanTarget, path: Path, log: CoverageLog) -> list[Path]:
    """Entries of a folder of the target, sorted; a missing folder is empty, an unreadable one is a problem."""
    try:
        names = target.names_in(path)
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as error:
        log.os_problem(path, error)
        return []
    log.read_one()
    return [path / name for name in names]


def read_bounded(target: ScanTarget, path: Path, limit: int, log: CoverageLog, missing_ok: bool = True) -> bytes | None:
    """A regular file's bytes, or None (with a problem recorded) when unreadable or larger than `limit`.

    Anything but a regular file is refused: opening a FIFO on a mounted disk would wait forever,
    and a device such as /dev/zero would never end.
    """
    try:
        data = rooted_common.read_limited(target.open_file(path), limit)
    except FileNotFoundError:
        if not missing_ok:
            log.problem(path, Message.of("the file is missing"))
        return None
    except NotARegularFile:
        log.problem(path, Message.of("not a regular file; not read"))
        return None
    except OSError as error:
        log.os_problem(path, error)
        return None
    if len(data) > limit:
        log.problem(path, larger_than(limit))
        return None
    log.read_one()
    return data


def display_path(target: ScanTarget, path: Path) -> str:
    """A path as it is on the target device (`/var/lib/...`), whatever the root it is mounted at."""
    try:
        relative = path.relative_to(target.root)
    except ValueError:
        return str(path)
    if target.os == WINDOWS:
        return "C:\\" + str(relative).replace("/", "\\")
    return "/" + str(relative)
