"""Windows shortcut files (.lnk), read as Microsoft's specification [MS-SHLLINK] defines them: the
header, the target's ID list (shell items: the drive, then each folder and file), the link info
(local base path and common path suffix, or a network share), the string data (arguments, working
folder...) and the environment-variable block. Only what names the target is read; every length
is checked against the file, so a damaged or hostile file gives a reason, never an exception.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from appwarden.core.messages import Message

HEADER_SIZE = 0x4C
LINK_CLSID = bytes.fromhex("0114020000000000c000000000000046")  # 00021401-0000-0000-C000-000000000046
HAS_ID_LIST, HAS_LINK_INFO, HAS_NAME, HAS_RELATIVE_PATH = 0x1, 0x2, 0x4, 0x8
HAS_WORKING_DIR, HAS_ARGUMENTS, HAS_ICON_LOCATION, IS_UNICODE = 0x10, 0x20, 0x40, 0x80
STRING_FLAGS = (HAS_NAME, HAS_RELATIVE_PATH, HAS_WORKING_DIR, HAS_ARGUMENTS, HAS_ICON_LOCATION)
VOLUME_AND_LOCAL_BASE_PATH, NETWORK_AND_SUFFIX = 0x1, 0x2
ENVIRONMENT_BLOCK = 0xA0000001
LONG_NAME_BLOCK = 0xBEEF0004  # a file entry's extension block holding its long (Unicode) name
MAX_LINK_BYTES = 1 << 20


class DamagedLink(ValueError):
    """The bytes do not hold what the specification says is there."""


@dataclass(frozen=True)
class ShellLink:
    target: str  # the absolute path the shortcut opens, as Windows shows it ("" when it names none)
    arguments: str = ""
    working_dir: str = ""
    relative_path: str = ""
    description: str = ""
    icon_location: str = ""
    environment_target: str = ""  # the target with %VARIABLES% (the environment-variable block)


def parse_shell_link(data: bytes) -> ShellLink | Message:
    """The shortcut in `data`, or why it is not one."""
    if len(data) < HEADER_SIZE or struct.unpack_from("<I", data)[0] != HEADER_SIZE or data[4:20] != LINK_CLSID:
        return Message.of("not a Windows shortcut (.lnk) file")
    try:
        return _read(data)
    except (DamagedLink, struct.error, UnicodeDecodeError) as error:
        return Message.of("the shortcut is damaged: {error}", error=str(error) or type(error).__name__)


def _read(data: bytes) -> ShellLink:
    flags = struct.unpack_from("<I", data, 0x14)[0]
    at = HEADER_SIZE
    id_list_target = ""
    if flags & HAS_ID_LIST:
        size = _u16(data, at)
        id_list_target = id_list_path(_slice(data, at + 2, size))
        at += 2 + size
    info_target, info_unicode = "", False
    if flags & HAS_LINK_INFO:
        size = _u32(data, at)
        if size < 0x1C:
            raise DamagedLink("link info too short")
        info_target, info_unicode = _link_info_path(_slice(data, at, size))
        at += size
    strings = {}
    unicode = bool(flags & IS_UNICODE)
    for flag in STRING_FLAGS:
        if flags & flag:
            count = _u16(data, at)
            width = 2 if unicode else 1
            raw = _slice(data, at + 2, count * width)
            strings[flag] = raw.decode("utf-16-le", "replace") if unicode else raw.decode("cp1252", "replace")
            at += 2 + count * width
    environment = _environment_target(data, at)
    # The link info's ANSI path is in the code page of the computer that made the shortcut (GBK on a
    # Chinese Windows), unknown here: the ID list's long names and the environment block's Unicode
    # target are read first then.
    target = info_target if info_unicode else (id_list_target or environment_unicode(data, at) or info_target or environment)
    return ShellLink(
        target=target,
        arguments=strings.get(HAS_ARGUMENTS, ""),
        working_dir=strings.get(HAS_WORKING_DIR, ""),
        relative_path=strings.get(HAS_RELATIVE_PATH, ""),
        description=strings.get(HAS_NAME, ""),
        icon_location=strings.get(HAS_ICON_LOCATION, ""),
        environment_target=environment,
    )


def _u16(data: bytes, at: int) -> int:
    if at + 2 > len(data):
        raise DamagedLink(f"ends at byte {len(data)}, a field was expected at {at}")
    return struct.unpack_from("<H", data, at)[0]


def _u32(data: bytes, at: int) -> int:
    if at + 4 > len(data):
        raise DamagedLink(f"ends at byte {len(data)}, a field was expected at {at}")
    return struct.unpack_from("<I", data, at)[0]


def _slice(data: bytes, start: int, size: int) -> bytes:
    if start < 0 or size < 0 or start + size > len(data):
        raise DamagedLink(f"a field of {size} bytes at {start} runs past the end ({len(data)} bytes)")
    return data[start:start + size]


def _c_string(data: bytes, at: int, unicode: bool = False) -> str:
    """A NUL-terminated string from `at` (the whole rest when it has no NUL)."""
    if at < 0 or at >= len(data):
        raise DamagedLink(f"a string at {at} is outside its structure ({len(data)} bytes)")
    if unicode:
        end = data.find(b"\0\0", at)
        while end >= 0 and (end - at) % 2:  # a terminator starts on a character boundary
            end = data.find(b"\0\0", end + 1)
        end = end if end >= 0 else len(data) - (len(data) - at) % 2
        return data[at:end].decode("utf-16-le", "replace")
    end = data.find(b"\0", at)
    return data[at:end if end >= 0 else len(data)].decode("cp1252", "replace")


def _link_info_path(info: bytes) -> tuple[str, bool]:
    """The target the link info spells, and whether it was spelled in Unicode."""
    header_size, info_flags = _u32(info, 4), _u32(info, 8)
    local_offset, network_offset, suffix_offset = _u32(info, 16), _u32(info, 20), _u32(info, 24)
    unicode = header_size >= 0x24
    suffix = ""
    if unicode and _u32(info, 32):
        suffix = _c_string(info, _u32(info, 32), unicode=True)
    elif suffix_offset:
        suffix = _c_string(info, suffix_offset)
    if info_flags & VOLUME_AND_LOCAL_BASE_PATH:
        if unicode and _u32(info, 28):
            return _joined(_c_string(info, _u32(info, 28), unicode=True), suffix), True
        return _joined(_c_string(info, local_offset), suffix), False
    if info_flags & NETWORK_AND_SUFFIX:
        network = _slice(info, network_offset, _u32(info, network_offset))
        net_name_offset = _u32(network, 8)
        unicode_name = net_name_offset > 0x14 and len(network) >= 0x1C and _u32(network, 0x14)
        share = _c_string(network, _u32(network, 0x14), unicode=True) if unicode_name else _c_string(network, net_name_offset)
        return _joined(share, suffix), bool(unicode_name)
    return "", False


def _joined(base: str, suffix: str) -> str:
    if not suffix:
        return base
    return base + suffix if base.endswith("\\") else base + "\\" + suffix


def _environment_block(data: bytes, at: int) -> tuple[str, str]:
    """(TargetUnicode, TargetAnsi) of the environment-variable block, among the extra data."""
    blocks = 0
    while at + 8 <= len(data) and blocks < 64:
        size, signature = struct.unpack_from("<II", data, at)
        if size < 8 or at + size > len(data):
            return "", ""
        if signature == ENVIRONMENT_BLOCK and size >= 0x314:  # TargetAnsi: 260 bytes, then TargetUnicode: 520
            return _c_string(data[at + 268:at + 788], 0, unicode=True), _c_string(data[at + 8:at + 268], 0)
        at += size
        blocks += 1
    return "", ""


def _environment_target(data: bytes, at: int) -> str:
    unicode, ansi = _environment_block(data, at)
    return unicode or ansi


def environment_unicode(data: bytes, at: int) -> str:
    return _environment_block(data, at)[0]


def id_list_path(id_list: bytes) -> str:
    """The path the shell items of an ID list spell: the drive (C:\\), then each folder and the
    file by its long name. "" when the list does not start at a drive (a Store app, a known folder)."""
    parts: list[str] = []
    at = 0
    while at + 2 <= len(id_list):
        size = _u16(id_list, at)
        if size == 0:
            break
        if size < 3:
            raise DamagedLink(f"a shell item of {size} bytes")
        item = _slice(id_list, at, size)
        kind = item[2]
        if kind & 0x70 == 0x20 and len(item) > 3:  # a volume: "C:\"
            parts = [_c_string(item, 3).rstrip("\\")]
        elif kind & 0x70 == 0x30 and parts:  # a folder or a file
            parts.append(_file_entry_name(item))
        at += size
    return "\\".join(parts) if parts and len(parts[0]) == 2 and parts[0][1] == ":" else ""


def _file_entry_name(item: bytes) -> str:
    """A file entry's long name (its 0xBEEF0004 block), else its 8.3 name."""
    unicode = bool(item[2] & 0x04)
    short = _c_string(item, 14, unicode)
    block = item.find(struct.pack("<I", LONG_NAME_BLOCK))
    if block < 4:
        return short
    start = block - 4
    version = _u16(item, start + 2)
    offset = 18 + (18 if version >= 7 else 0) + (2 if version >= 3 else 0) + (4 if version >= 9 else 0) + (4 if version >= 8 else 0)
    if version < 3 or start + offset >= len(item):
        return short
    return _c_string(item, start + offset, unicode=True) or short
