"""Reading helpers shared by the Windows sources: registry readers (hive files through regipy, or the
live registry through winreg), registry values as str/int, and where a Windows disk keeps its hives.
"""

from __future__ import annotations

import abc
import io
import os
import re
import struct
from dataclasses import dataclass
from itertools import islice
from typing import Iterator
from pathlib import Path
from xml.etree import ElementTree

from appwarden.core.messages import Message
from appwarden.core.sources.base import CoverageLog, ScanTarget, byte_count, find_any_case, larger_than, within_root_or_as_is
from appwarden.core.sources.rooted_common import NotARegularFile, open_regular_file

SOFTWARE_HIVE = "Windows/System32/config/SOFTWARE"
SYSTEM_HIVE = "Windows/System32/config/SYSTEM"
USER_HIVE = "NTUSER.DAT"
USER_CLASSES_HIVE = "AppData/Local/Microsoft/Windows/UsrClass.dat"
USERS_FOLDER = "Users"

# The registry views of a 64-bit Windows (winreg.KEY_WOW64_64KEY / KEY_WOW64_32KEY).
KEY_WOW64_64KEY = 0x0100
KEY_WOW64_32KEY = 0x0200

REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_DWORD_BIG_ENDIAN, REG_LINK, REG_MULTI_SZ = 1, 2, 3, 4, 5, 6, 7
REG_QWORD = 11
TEXT_TYPES = frozenset({REG_SZ, REG_EXPAND_SZ, REG_LINK})
INTEGER_WIDTHS = {REG_DWORD: (4, "little"), REG_DWORD_BIG_ENDIAN: (4, "big"), REG_QWORD: (8, "little")}

# Bounds that keep a damaged or hostile hive from exhausting memory or time. Real SOFTWARE hives
# are tens to hundreds of MB; real keys have at most thousands of subkeys and dozens of values.
MAX_HIVE_BYTES = 1 << 30
MAX_SUBKEYS = 100_000
MAX_VALUES = 10_000
MAX_VALUE_BYTES = 1 << 20
BASE_BLOCK = 4096  # cell offsets in a hive count from the end of its 4 KiB header
BIG_DATA_SEGMENT = 16344  # values larger than this are split into "db" segments (hive format 1.4+)
VALUE_KEY = struct.Struct("<2sHIIIHH")  # signature, name size, data size, data offset, type, flags, spare


class RegistryReadError(Exception):
    """A key or hive could not be read; `reason` says why, for a person."""

    def __init__(self, reason: Message, elevation_helps: bool = False) -> None:
        super().__init__(reason.render())
        self.reason = reason
        self.elevation_helps = elevation_helps


class RegistryKeyMissing(RegistryReadError):
    """The key is not there: on a readable hive that usually means nothing is installed there."""


class KeyValues(dict):
    """A key's values by name; names compare without case, as Windows compares them."""

    def __init__(self, pairs=()) -> None:
        super().__init__()
        for name, value in pairs:
            self.setdefault(name.casefold(), value)

    def text(self, name: str) -> str:
        value = self.get(name.casefold(), "")
        return value if isinstance(value, str) else str(value)

    def number(self, name: str) -> int | None:
        """An integer value; a string of digits counts too (some installers write "1" as REG_SZ)."""
        value = self.get(name.casefold())
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            return int(value.strip())
        return None


def registry_value(data: object, value_type: int | None = None) -> str | int:
    """A registry value as text or a number, whatever its type or damage; never raises.

    Strings end at their first NUL, as Windows reads them; bytes are decoded by their type
    (UTF-16 text, little- or big-endian integers) and anything else is shown as hex.
    """
    try:
        if isinstance(data, bool):
            return int(data)
        if isinstance(data, int):
            return data
        if isinstance(data, str):
            return _clean_text(data)
        if isinstance(data, (bytes, bytearray, memoryview)):
            return _value_from_bytes(bytes(data), value_type)
        if isinstance(data, (list, tuple)):
            return "; ".join(text for text in (_as_text(item) for item in data) if text)
        if data is None:
            return ""
        return _clean_text(str(data))
    except Exception:  # an object whose str() fails: the value is unreadable, not the scan
        return ""


def _as_text(data: object) -> str:
    value = registry_value(data)
    return value if isinstance(value, str) else str(value)


def _clean_text(text: str) -> str:
    """`text` up to its first NUL, with lone UTF-16 surrogates (from damaged data) replaced."""
    text = text.split("\0", 1)[0]
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _value_from_bytes(data: bytes, value_type: int | None) -> str | int:
    if value_type in TEXT_TYPES:
        return _clean_text(_utf16(data))
    if value_type == REG_MULTI_SZ:
        return "; ".join(part for part in _utf16(data).split("\0") if part)
    if value_type in INTEGER_WIDTHS:
        width, order = INTEGER_WIDTHS[value_type]
        return int.from_bytes(data[:width].ljust(width, b"\0"), order)
    return data.hex()


def _utf16(data: bytes) -> str:
    return data[: len(data) & ~1].decode("utf-16-le", "replace")


class RegistryReader(abc.ABC):
    """One registry tree: a hive file, or a root key of the running system. Key paths are
    backslash-separated and relative to that root; names compare without case."""

    def open(self) -> None:
        """Raise RegistryReadError when nothing of this tree can be read (checked before walking it)."""

    def notes(self) -> list[Message]:
        """What makes an opened tree incomplete, though it can be read."""
        return []

    @abc.abstractmethod
    def subkey_names(self, key_path: str) -> list[str]:
        """Names of a key's subkeys; RegistryKeyMissing when the key is absent."""

    @abc.abstractmethod
    def values(self, key_path: str) -> KeyValues:
        """A key's values, normalised by registry_value; RegistryKeyMissing when the key is absent."""


def _key_parts(key_path: str) -> tuple[str, ...]:
    return tuple(part.casefold() for part in key_path.split("\\") if part)


class HiveFileReader(RegistryReader):
    """A registry hive file (SOFTWARE, SYSTEM, NTUSER.DAT...) of a disk, read with regipy's parser.

    The file is read on first use. regipy finds keys; values are decoded here, because regipy's
    value reader copies the rest of the file for every small value (seconds per key on a real
    SYSTEM hive) and returns one-character strings as numbers (regipy issue #267).
    """

    def __init__(self, path: Path, target: ScanTarget | None = None) -> None:
        self.path = path
        self.target = target  # the disk the file is on: opened with its links resolved inside it
        self._failure: RegistryReadError | None = None
        self._hive: _OpenHive | None = None
        self._children: dict[tuple[str, ...], dict[str, object]] = {}

    def notes(self) -> list[Message]:
        """What makes an opened hive incomplete: cut short, or changes left in its transaction logs."""
        if self._hive is None:
            return []
        notes = []
        if len(self._hive.data) < self._hive.declared_size:
            notes.append(
                Message.of(
                    "the file is cut short: it has {size}, its header says {declared}",
                    size=byte_count(len(self._hive.data)),
                    declared=byte_count(self._hive.declared_size),
                )
            )
        if self._hive.dirty:
            notes.append(
                Message.of(
                    "has changes still in its transaction logs (.LOG1, .LOG2); the newest changes may be missing"
                )
            )
        return notes

    def open(self) -> None:
        if self._failure is not None:
            raise self._failure
        if self._hive is not None:
            return
        try:
            self._hive = _OpenHive.read(self.path, self.target)
        except RegistryReadError as error:
            self._failure = error
            raise

    def subkey_names(self, key_path: str) -> list[str]:
        return [node.name for node in self._child_nodes(key_path).values()]

    def values(self, key_path: str) -> KeyValues:
        node = self._node(key_path)
        return _guarded(lambda: self._hive.values(node))

    def _node(self, key_path: str):
        self.open()
        parts = _key_parts(key_path)
        if not parts:
            return self._hive.root
        try:
            node = self._child_nodes("\\".join(parts[:-1])).get(parts[-1])
        except RegistryKeyMissing:
            node = None
        if node is None:
            raise RegistryKeyMissing(Message.of("the key {key} is missing", key=key_path))
        return node

    def _child_nodes(self, key_path: str) -> dict[str, object]:
        """The subkeys of a key by case-folded name; kept, so that each list is read once."""
        parts = _key_parts(key_path)
        if parts not in self._children:
            node = self._node(key_path)
            by_name: dict[str, object] = {}
            for child in _guarded(lambda: self._hive.subkeys(node)):
                by_name.setdefault(child.name.casefold(), child)
            self._children[parts] = by_name
        return self._children[parts]


def _guarded(read):
    """`read()`, with any failure of the parser on damaged cells turned into a RegistryReadError."""
    try:
        return read()
    except RegistryReadError:
        raise
    except Exception as error:  # regipy and construct raise many types on damaged data; all mean the same here
        raise RegistryReadError(Message.of("the registry hive is damaged: {error}", error=_brief(error))) from error


def _brief(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".splitlines()[0]
    return text if len(text) <= 160 else text[:157] + "..."


@dataclass
class _OpenHive:
    """The bytes of a hive file and its root key record (regipy's), with what its header says."""

    data: bytes
    root: object
    minor_version: int
    dirty: bool
    declared_size: int

    @classmethod
    def read(cls, path: Path, target: ScanTarget | None = None) -> "_OpenHive":
        from regipy.registry import Cell, NKRecord
        from regipy.structs import REGF_HEADER

        data = _hive_bytes(path, target)
        try:
            header = REGF_HEADER.parse(data[:BASE_BLOCK])
        except Exception as error:  # construct's errors for a file that is not a hive
            raise RegistryReadError(Message.of("not a registry hive: {error}", error=_brief(error))) from error
        root_cell = BASE_BLOCK + header.root_key_offset
        if data[root_cell + 4 : root_cell + 6] != b"nk":
            reason = Message.of("not a registry hive: {error}", error="no root key where the header says")
            raise RegistryReadError(reason)
        # regipy's records read through one stream over the bytes (no copy is made).
        root = _guarded(lambda: NKRecord(Cell(offset=root_cell + 6, cell_type="nk", size=0), io.BytesIO(data)))
        dirty = header.primary_sequence_num != header.secondary_sequence_num
        return cls(data, root, header.minor_version, dirty, BASE_BLOCK + header.hive_bins_data_size)

    def subkeys(self, node) -> list:
        # Lists are read whole: regipy's generators share the file's stream position.
        children = list(islice(node.iter_subkeys() or (), MAX_SUBKEYS + 1))
        if len(children) > MAX_SUBKEYS:
            raise RegistryReadError(Message.of("the registry hive is damaged: {error}", error="too many subkeys"))
        return children

    def values(self, node) -> KeyValues:
        count = node.header.values_count
        if count > MAX_VALUES:
            raise RegistryReadError(Message.of("the registry hive is damaged: {error}", error="too many values"))
        table = BASE_BLOCK + node.header.values_list_offset + 4
        offsets = struct.unpack_from(f"<{count}I", self.data, table) if count else ()
        return KeyValues(self._value(BASE_BLOCK + offset + 4) for offset in offsets)

    def _value(self, at: int) -> tuple[str, str | int]:
        signature, name_size, size, data_offset, value_type, flags, _ = VALUE_KEY.unpack_from(self.data, at)
        if signature != b"vk":
            raise RegistryReadError(Message.of("the registry hive is damaged: {error}", error=f"no value at {at:#x}"))
        raw_name = self.data[at + VALUE_KEY.size : at + VALUE_KEY.size + name_size]
        name = raw_name.decode("latin-1") if flags & 1 else raw_name.decode("utf-16-le", "replace")
        return name, registry_value(self._value_data(size, data_offset), value_type)

    def _value_data(self, size: int, data_offset: int) -> bytes:
        if size & 0x80000000:  # up to four bytes kept in the offset field itself
            return data_offset.to_bytes(4, "little")[: min(size & 0x7FFFFFFF, 4)]
        size = min(size, MAX_VALUE_BYTES)
        start = BASE_BLOCK + data_offset + 4
        if size > BIG_DATA_SEGMENT and self.minor_version > 3 and self.data[start : start + 2] == b"db":
            return self._big_data(start, size)
        return self.data[start : start + size]

    def _big_data(self, start: int, size: int) -> bytes:
        segments, list_offset = struct.unpack_from("<HI", self.data, start + 2)
        offsets = struct.unpack_from(f"<{segments}I", self.data, BASE_BLOCK + list_offset + 4)
        pieces, left = [], size
        for offset in offsets:
            piece = self.data[BASE_BLOCK + offset + 4 : BASE_BLOCK + offset + 4 + min(left, BIG_DATA_SEGMENT)]
            pieces.append(piece)
            left -= len(piece)
            if left <= 0 or not piece:
                break
        return b"".join(pieces)


def _hive_bytes(path: Path, target: ScanTarget | None = None) -> bytes:
    """A hive file's bytes. A FIFO is not opened (it would wait forever), nor a file over the limit."""
    try:
        fd = target.open_file(path) if target is not None else open_regular_file(path.parent, path, live=True)
        with open(fd, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > MAX_HIVE_BYTES:
                raise RegistryReadError(larger_than(MAX_HIVE_BYTES))
            data = handle.read(MAX_HIVE_BYTES + 1)
    except NotARegularFile:
        raise RegistryReadError(Message.of("not a regular file; not read")) from None
    except PermissionError as error:
        raise RegistryReadError(Message.of("permission denied"), elevation_helps=True) from error
    except OSError as error:
        reason = Message.of("cannot read: {error}", error=error.strerror or type(error).__name__)
        raise RegistryReadError(reason) from error
    if len(data) < BASE_BLOCK:
        raise RegistryReadError(Message.of("not a registry hive: {error}", error=f"only {len(data)} bytes"))
    return data


class LiveRegistryReader(RegistryReader):
    """A root key of the running Windows (HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER, HKEY_USERS),
    in one registry view. Only this class needs Windows: winreg is imported when it reads."""

    def __init__(self, root: str, view: int = KEY_WOW64_64KEY) -> None:
        self.root = root
        self.view = view

    def subkey_names(self, key_path: str) -> list[str]:
        import winreg

        with self._key(winreg, key_path) as key:
            return self._each(key, winreg.QueryInfoKey(key)[0], winreg.EnumKey)

    def values(self, key_path: str) -> KeyValues:
        import winreg

        with self._key(winreg, key_path) as key:
            entries = self._each(key, winreg.QueryInfoKey(key)[1], winreg.EnumValue)
        return KeyValues((name, registry_value(data, kind)) for name, data, kind in entries)

    def _key(self, winreg, key_path: str):
        try:
            return winreg.OpenKey(getattr(winreg, self.root), key_path, 0, winreg.KEY_READ | self.view)
        except FileNotFoundError as error:
            raise RegistryKeyMissing(Message.of("the key {key} is missing", key=key_path)) from error
        except OSError as error:
            raise _live_error(error) from error

    @staticmethod
    def _each(key, count: int, read) -> list:
        try:
            return [read(key, index) for index in range(count)]
        except OSError as error:  # the key changed while it was read
            raise _live_error(error) from error


def _live_error(error: OSError) -> RegistryReadError:
    if isinstance(error, PermissionError):
        return RegistryReadError(Message.of("permission denied"), elevation_helps=True)
    return RegistryReadError(Message.of("cannot read: {error}", error=error.strerror or type(error).__name__))


@dataclass(frozen=True)
class Hive:
    """A registry tree to read, and how a help desk names it (HKLM\\SOFTWARE, HKU\\ana)."""

    reader: RegistryReader
    shown: str  # the key path a person types in regedit for this tree's root
    place: str | Path  # what a problem with the whole tree names: its file, or its root key
    base: str = ""  # the tree's root inside the reader (live: SOFTWARE under HKEY_LOCAL_MACHINE)
    user: str = ""

    def path(self, relative: str) -> str:
        return "\\".join(part for part in (self.base, relative) if part)

    def shown_path(self, relative: str) -> str:
        return "\\".join(part for part in (self.shown, relative) if part)


def offline_machine_hive(target: ScanTarget, relative: str, shown: str) -> Hive | None:
    """A machine hive file of a mounted disk (SOFTWARE, SYSTEM), or None when the disk has none."""
    path = find_any_case(target, relative)
    if path is None:
        return None
    return Hive(HiveFileReader(within_root_or_as_is(target, path), target), shown, path)


def offline_user_hives(
    target: ScanTarget, profiles: list[tuple[str, Path]], relative: str, shown_suffix: str, log: CoverageLog
) -> list[Hive]:
    """Each profile's hive file at `relative` in its folder, shown as HKU\\<folder name><suffix>."""
    hives = []
    for user, profile in profiles:
        path = find_any_case(target, relative, start=profile, log=log)
        if path is not None:
            hives.append(Hive(HiveFileReader(within_root_or_as_is(target, path), target), f"HKU\\{user}{shown_suffix}", path, user=user))
    return hives


def user_profiles(target: ScanTarget, log: CoverageLog) -> list[tuple[str, Path]]:
    """(folder name, folder) of each profile in Users; links (All Users, Default User) are left out."""
    return [(folder.name, folder) for folder in target.user_homes(log)]


def current_user_folder() -> str:
    """The running user's profile folder name (C:\\Users\\<name>): users are named by it offline too."""
    return Path.home().name


def software_hives(target: ScanTarget, log: CoverageLog) -> tuple[Hive | None, list[Hive]]:
    """The machine's SOFTWARE tree (None when a disk has no SOFTWARE hive) and each user's own tree.

    Live, in the 64-bit view the 32-bit keys are under WOW6432Node, as in the hive file on disk, so
    the same key paths serve both views, live and offline. Offline, each profile's NTUSER.DAT.
    """
    if target.live:
        machine = Hive(LiveRegistryReader("HKEY_LOCAL_MACHINE"), "HKLM\\SOFTWARE", "HKLM\\SOFTWARE", base="SOFTWARE")
        return machine, live_user_hives(log)
    machine = offline_machine_hive(target, SOFTWARE_HIVE, "HKLM\\SOFTWARE")
    return machine, offline_user_hives(target, user_profiles(target, log), USER_HIVE, "", log)


def live_user_hives(log: CoverageLog) -> list[Hive]:
    """HKCU, then every user hive Windows has loaded (HKU\\<SID>), as far as they can be read."""
    hives = [Hive(LiveRegistryReader("HKEY_CURRENT_USER"), "HKCU", "HKCU", user=current_user_folder())]
    users = LiveRegistryReader("HKEY_USERS")
    try:
        sids = users.subkey_names("")
    except RegistryReadError as error:
        log.problem("HKU", error.reason, error.elevation_helps)
        return hives
    # .DEFAULT is the system account's hive again; <SID>_Classes hold file associations.
    sids = [sid for sid in sids if sid != ".DEFAULT" and not sid.endswith("_Classes")]
    return hives + [Hive(users, f"HKU\\{sid}", f"HKU\\{sid}", base=sid, user=sid) for sid in sids]


def without_current_user_twice(groups: list[tuple[Hive, list]]) -> list[tuple[Hive, list]]:
    """Live, HKCU is also one of HKU\\<SID>: the HKU hive whose items are exactly HKCU's (but for
    the user they name) is left out, so nothing is reported twice."""
    current = next((items for hive, items in groups if hive.shown == "HKCU"), None)
    if current is None:
        return groups
    mine = _fingerprint(current)
    return [group for group in groups if not (group[0].shown.startswith("HKU\\") and _fingerprint(group[1]) == mine)]


def _fingerprint(items: list) -> frozenset:
    return frozenset((item.identifiers, item.name, item.publisher, item.version) for item in items)


def subkeys_with_values(
    hive: Hive, parent: str, names: list[str], log: CoverageLog, cancelled
) -> Iterator[tuple[str, "KeyValues", str]]:
    """(name, values, path as a help desk types it) of each named subkey of `parent`; a subkey
    that cannot be read is a problem and the others are still read."""
    for name in names:
        if cancelled():
            return
        key = f"{parent}\\{name}"
        try:
            values = hive.reader.values(hive.path(key))
        except RegistryReadError as error:
            log.problem(hive.shown_path(key), error.reason, error.elevation_helps)
            continue
        yield name, values, hive.shown_path(key)


def open_hive(hive: Hive, log: CoverageLog) -> bool:
    """Whether the hive can be read; if not, or if it lacks recent changes, a problem says so.
    The caller counts the hive as read once it has read what it came for."""
    try:
        hive.reader.open()
    except RegistryReadError as error:
        log.problem(hive.place, error.reason, error.elevation_helps)
        return False
    for note in hive.reader.notes():
        log.problem(hive.place, note)
    return True


# A program path at the start of a command line: quoted, or up to its extension (Windows tries
# the same cut when a path with spaces is not quoted).
QUOTED_PROGRAM = re.compile(r'^\s*"([^"]+)"')
UNQUOTED_PROGRAM = re.compile(r"^\s*(.+?\.(?:exe|com|sys))(?=[\s,]|$)", re.IGNORECASE)
ABSOLUTE_PROGRAM = re.compile(r"^[A-Za-z]:\\.*\.(?:exe|com|sys)$", re.IGNORECASE | re.DOTALL)


def program_path(command: str) -> str:
    """The absolute program path (.exe, .com, .sys) a command line, ImagePath or DisplayIcon
    starts with, without quotes, arguments or icon index; "" when there is none."""
    command = command.strip()
    if command.startswith("\\??\\"):  # the kernel's name for a drive path, in drivers' ImagePath
        command = command[4:]
    match = QUOTED_PROGRAM.match(command) or UNQUOTED_PROGRAM.match(command)
    path = match.group(1).strip() if match else ""
    return path if ABSOLUTE_PROGRAM.match(path) else ""


def xml_document(data: bytes) -> ElementTree.Element | Message:
    """The root element of a small XML file (a package manifest, a .nuspec), or why it is not read.

    The text is decoded first, so the parser ignores the encoding the file declares and this
    check cannot be dodged: these files never need a DTD, and entity declarations are how XML
    bombs expand.
    """
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return Message.of("not UTF-8 or UTF-16 text; not read")
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        return Message.of("declares a document type or XML entities; not read")
    try:
        return ElementTree.fromstring(text)
    except (ElementTree.ParseError, ValueError, LookupError) as error:
        return Message.of("not valid XML: {error}", error=error)


def local_name(tag: object) -> str:
    """An element's name without its namespace ({http://...}Identity is Identity)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def child(parent: ElementTree.Element | None, name: str) -> ElementTree.Element | None:
    if parent is None:
        return None
    return next((element for element in parent if local_name(element.tag) == name), None)


def child_text(parent: ElementTree.Element | None, name: str) -> str:
    element = child(parent, name)
    return (element.text or "").strip() if element is not None else ""
