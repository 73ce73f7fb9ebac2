"""Offline Windows disks for the Windows source tests: real hives (from ../shared) with keys added by
hivexsh, Microsoft Store folders laid out as Windows lays them out, and a way to damage hive cells.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import SHARED

HIVE_FIXTURES = SHARED / "fixtures" / "windows-hives"

WECHAT_PUBLISHER = "腾讯科技(深圳)有限公司"
KES_CODE = "{27534751-4A40-48BD-B393-BC3BF28C876E}"
TIKTOK_FULL = "BytedancePte.Ltd.TikTok_37.4.1.0_x64__6yccndn6064se"
TIKTOK_RESOURCES = "BytedancePte.Ltd.TikTok_37.4.1.0_neutral_split.scale-125_6yccndn6064se"
TIKTOK_BUNDLE = "BytedancePte.Ltd.TikTok_37.4.1.0_neutral_~_6yccndn6064se"
TIKTOK_FAMILY = "BytedancePte.Ltd.TikTok_6yccndn6064se"
TICKTICK_FULL = "Appest.TickTick_6.2.1.0_x64__ckm0e5c9jr1ag"
TICKTICK_FAMILY = "Appest.TickTick_ckm0e5c9jr1ag"
CALCULATOR_FULL = "Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbwe"

UNINSTALL = r"\Microsoft\Windows\CurrentVersion\Uninstall"
UNINSTALL_32 = r"\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall"
USER_UNINSTALL = r"\Software\Microsoft\Windows\CurrentVersion\Uninstall"
REPOSITORY = r"\Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\Repository\Packages"
SERVICES = r"\ControlSet001\Services"


class Expand(str):
    """A REG_EXPAND_SZ value."""


@dataclass(frozen=True)
class BuiltHives:
    software: Path
    system: Path
    ntuser: Path
    usrclass: Path


def reg_value(value: object) -> str:
    """A value as hivexsh's setval reads it; non-ASCII REG_SZ as UTF-16LE bytes (hex:1:)."""
    if isinstance(value, int):
        return f"dword:0x{value:08x}"
    if isinstance(value, bytes):  # REG_BINARY
        return "hex:3:" + ",".join(f"{byte:02x}" for byte in value)
    if isinstance(value, Expand):
        return f"expandstring:{value}"
    if value.isascii():
        return f"string:{value}"
    return "hex:1:" + ",".join(f"{byte:02x}" for byte in (value + "\0").encode("utf-16-le"))


def add_keys(parent: str, new_levels: list[str]) -> str:
    """hivexsh lines that add the keys `new_levels` below `parent`, one level at a time."""
    lines = [f"cd {parent}"]
    for level in new_levels:
        lines += [f"add {level}", f"cd {level}"]
    return "\n".join(lines)


def add_entry(parent: str, name: str, values: dict[str, object]) -> str:
    lines = [f"cd {parent}", f"add {name}", f"cd {name}", f"setval {len(values)}"]
    for value_name, value in values.items():
        lines += [value_name, reg_value(value)]
    return "\n".join(lines)


def hivex_edit(hive: Path, *steps: str) -> None:
    script = "\n".join(steps) + "\ncommit\n"
    done = subprocess.run(["hivexsh", "-w", str(hive)], input=script, capture_output=True, text=True, timeout=120)
    if done.returncode or done.stderr.strip():
        raise RuntimeError(f"hivexsh failed on {hive.name}: {done.stderr}")


WECHAT_VALUES = {
    "DisplayName": "微信",
    "DisplayVersion": "3.9.12.51",
    "Publisher": WECHAT_PUBLISHER,
    "InstallLocation": r"C:\Program Files (x86)\Tencent\WeChat",
    "UninstallString": r'"C:\Program Files (x86)\Tencent\WeChat\Uninstall.exe"',
    "DisplayIcon": r"C:\Program Files (x86)\Tencent\WeChat\WeChat.exe",
    "URLInfoAbout": "https://weixin.qq.com/",
}
WECOM_VALUES = {
    "DisplayName": "企业微信",
    "DisplayVersion": "4.1.22.6009",
    "Publisher": WECHAT_PUBLISHER,
    "InstallLocation": r"C:\Program Files (x86)\WXWork",
    "UninstallString": r'"C:\Program Files (x86)\WXWork\uninstall.exe"',
    "DisplayIcon": r"C:\Program Files (x86)\WXWork\WXWork.exe",
}
KES_VALUES = {
    "DisplayName": "Kaspersky Endpoint Security for Windows",
    "DisplayVersion": "12.4.0.467",
    "Publisher": "AO Kaspersky Lab",
    "InstallLocation": "C:\\Program Files (x86)\\Kaspersky Lab\\KES.12.4.0\\",
    "UninstallString": f"MsiExec.exe /X{KES_CODE}",
    "DisplayIcon": f"C:\\Windows\\Installer\\{KES_CODE}\\ARPPRODUCTICON.exe",
    "WindowsInstaller": 1,
    "SystemComponent": 0,
    "EstimatedSize": 1048576,
}
TICKTICK_VALUES = {
    "DisplayName": "TickTick",
    "DisplayVersion": "6.2.1.0",
    "Publisher": "Appest Limited",
    "InstallLocation": "C:\\Program Files\\TickTick\\",
    "UninstallString": r'"C:\Program Files\TickTick\unins000.exe"',
    "QuietUninstallString": r'"C:\Program Files\TickTick\unins000.exe" /SILENT',
    "DisplayIcon": r"C:\Program Files\TickTick\unins000.exe",
}
CAPCUT_VALUES = {
    "DisplayName": "CapCut",
    "DisplayVersion": "9.2.0.3931",
    "Publisher": "Bytedance Pte. Ltd.",
    "InstallLocation": r"C:\Users\ana\AppData\Local\CapCut\Apps",
    "UninstallString": r"C:\Users\ana\AppData\Local\CapCut\Apps\uninst.exe",
    "DisplayIcon": r"C:\Users\ana\AppData\Local\CapCut\Apps\CapCut.exe,0",
}
AVP_VALUES = {
    "DisplayName": "Kaspersky Anti-Virus Service 21.3",
    "ImagePath": Expand(r'"C:\Program Files (x86)\Kaspersky Lab\Kaspersky 21.3\avp.exe" -r'),
    "ObjectName": "LocalSystem",
    "ErrorControl": 1,
    "Start": 2,
    "Type": 0x10,
}
KLIF_VALUES = {
    "DisplayName": "klif",
    "ImagePath": Expand(r"system32\DRIVERS\klif.sys"),
    "Group": "FSFilter Anti-Virus",
    "ErrorControl": 1,
    "Start": 0,
    "Type": 2,
}


def build_software(hive: Path) -> None:
    hivex_edit(
        hive,
        add_keys(r"\Wow6432Node\Microsoft", ["Windows", "CurrentVersion", "Uninstall"]),
        add_entry(UNINSTALL_32, "WeChat", WECHAT_VALUES),
        add_entry(UNINSTALL_32, "企业微信", WECOM_VALUES),
        add_entry(UNINSTALL, KES_CODE, KES_VALUES),
        add_entry(UNINSTALL, "TickTick", TICKTICK_VALUES),
    )


def build_system(hive: Path) -> None:
    hivex_edit(hive, add_entry(SERVICES, "AVP21.3", AVP_VALUES), add_entry(SERVICES, "klif", KLIF_VALUES))


def build_ntuser(hive: Path) -> None:
    hivex_edit(
        hive,
        add_keys(r"\Software\Microsoft\Windows\CurrentVersion", ["Uninstall"]),
        add_entry(USER_UNINSTALL, "CapCut", CAPCUT_VALUES),
    )


def build_usrclass(hive: Path) -> None:
    """A user's classes hive: a copy of the user hive stands in for UsrClass.dat (same format)."""
    levels = REPOSITORY.strip("\\").split("\\")
    registered = (TIKTOK_FULL, TIKTOK_RESOURCES, CALCULATOR_FULL)
    hivex_edit(
        hive,
        add_keys("\\", levels),
        *(add_entry(REPOSITORY, name, {"DisplayName": f"@{{{name}?ms-resource://x/AppName}}"}) for name in registered),
    )


def manifest(name: str, version: str, architecture: str, display_name: str, publisher_display_name: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Package xmlns="http://schemas.microsoft.com/appx/manifest/foundation/windows10"
         xmlns:uap="http://schemas.microsoft.com/appx/manifest/uap/windows10"
         xmlns:rescap="http://schemas.microsoft.com/appx/manifest/foundation/windows10/restrictedcapabilities"
         IgnorableNamespaces="uap rescap">
  <Identity Name="{name}" Publisher="CN=0E1B2F3A-6C4D-4E5F-8A9B-0C1D2E3F4A5B" Version="{version}"
            ProcessorArchitecture="{architecture}" />
  <Properties>
    <DisplayName>{display_name}</DisplayName>
    <PublisherDisplayName>{publisher_display_name}</PublisherDisplayName>
    <Logo>Assets\\StoreLogo.png</Logo>
  </Properties>
  <Dependencies>
    <TargetDeviceFamily Name="Windows.Desktop" MinVersion="10.0.17763.0" MaxVersionTested="10.0.22621.0" />
  </Dependencies>
  <Resources>
    <Resource Language="EN-US" />
  </Resources>
  <Applications>
    <Application Id="App" Executable="App.exe" EntryPoint="Windows.FullTrustApplication">
      <uap:VisualElements DisplayName="{display_name}" Description="{display_name}" BackgroundColor="transparent"
                          Square150x150Logo="Assets\\Square150x150Logo.png" Square44x44Logo="Assets\\Square44x44Logo.png" />
    </Application>
  </Applications>
  <Capabilities>
    <rescap:Capability Name="runFullTrust" />
  </Capabilities>
</Package>
"""


TIKTOK_MANIFEST = manifest("BytedancePte.Ltd.TikTok", "37.4.1.0", "x64", "TikTok", "Bytedance Pte. Ltd.")
TICKTICK_MANIFEST = manifest("Appest.TickTick", "6.2.1.0", "x64", "TickTick", "Appest Limited")
CALCULATOR_MANIFEST = manifest(
    "Microsoft.WindowsCalculator", "11.2210.0.0", "x64", "ms-resource:AppStoreName", "Microsoft Corporation"
)
RESOURCE_MANIFEST = manifest("BytedancePte.Ltd.TikTok", "37.4.1.0", "neutral", "ms-resource:AppName", "Bytedance Pte. Ltd.")


def layout_windows_disk(root: Path, hives: BuiltHives, lowercase: bool = False) -> Path:
    """A Windows disk as Linux sees it mounted: hives, a user `ana`, Store folders.

    With `lowercase`, every folder and file name is lower case, as some mounts show them.
    """

    def place(relative: str) -> Path:
        path = root / (relative.lower() if lowercase else relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    shutil.copyfile(hives.software, place("Windows/System32/config/SOFTWARE"))
    shutil.copyfile(hives.system, place("Windows/System32/config/SYSTEM"))
    shutil.copyfile(hives.ntuser, place("Users/ana/NTUSER.DAT"))
    shutil.copyfile(hives.usrclass, place("Users/ana/AppData/Local/Microsoft/Windows/UsrClass.dat"))
    place("Users/Public/Documents/x").parent.mkdir(parents=True, exist_ok=True)
    (root / ("users/all users" if lowercase else "Users/All Users")).symlink_to("/ProgramData")
    apps = "Program Files/WindowsApps"
    place(f"{apps}/{TIKTOK_FULL}/AppxManifest.xml").write_text(TIKTOK_MANIFEST, encoding="utf-8")
    place(f"{apps}/{TIKTOK_RESOURCES}/AppxManifest.xml").write_text(RESOURCE_MANIFEST, encoding="utf-8")
    place(f"{apps}/{TIKTOK_BUNDLE}/AppxMetadata/AppxBundleManifest.xml").write_text("<Bundle/>", encoding="utf-8")
    place(f"{apps}/{TICKTICK_FULL}/AppxManifest.xml").write_text(TICKTICK_MANIFEST, encoding="utf-8")
    place(f"{apps}/{CALCULATOR_FULL}/AppxManifest.xml").write_text(CALCULATOR_MANIFEST, encoding="utf-8")
    place(f"{apps}/Deleted/x").parent.mkdir(parents=True, exist_ok=True)
    for family in (TIKTOK_FAMILY, TICKTICK_FAMILY, "windows_ie_ac_001"):
        place(f"Users/ana/AppData/Local/Packages/{family}/LocalState/x").parent.mkdir(parents=True, exist_ok=True)
    return root


# Where an nk (key) record keeps its fields, counted from its "nk" signature; cells count from 4096.
NK_FLAGS, NK_SUBKEY_LIST, NK_VALUE_LIST, NK_NAME_LENGTH, NK_NAME = 2, 28, 40, 72, 76
BASE_BLOCK = 4096


def _u16(data: bytes | bytearray, at: int) -> int:
    return struct.unpack_from("<H", data, at)[0]


def _u32(data: bytes | bytearray, at: int) -> int:
    return struct.unpack_from("<I", data, at)[0]


def cell(offset: int) -> int:
    """The file position of a cell's content (after its four-byte size)."""
    return BASE_BLOCK + offset + 4


def subkey_offsets(data: bytes | bytearray, key: int) -> list[int]:
    """The nk offsets a key's subkey list (lf, lh or li) points to."""
    at = cell(_u32(data, cell(key) + NK_SUBKEY_LIST))
    signature, count = bytes(data[at : at + 2]), _u16(data, at + 2)
    assert signature in (b"lf", b"lh", b"li"), signature
    step = 4 if signature == b"li" else 8
    return [_u32(data, at + 4 + index * step) for index in range(count)]


def key_name(data: bytes | bytearray, key: int) -> str:
    raw = bytes(data[cell(key) + NK_NAME : cell(key) + NK_NAME + _u16(data, cell(key) + NK_NAME_LENGTH)])
    return raw.decode("latin-1") if _u16(data, cell(key) + NK_FLAGS) & 0x20 else raw.decode("utf-16-le")


def key_offset(data: bytes | bytearray, path: str) -> int:
    """The nk offset of a key, found by walking from the root key the hive header names."""
    key = _u32(data, 36)
    for part in path.strip("\\").split("\\"):
        key = next(child for child in subkey_offsets(data, key) if key_name(data, child).casefold() == part.casefold())
    return key


def make_key_its_own_child(hive: Path, path: str) -> None:
    """A damaged hive whose key lists itself as its first subkey: a cycle a naive walk never leaves."""
    data = bytearray(hive.read_bytes())
    key = key_offset(data, path)
    struct.pack_into("<I", data, cell(_u32(data, cell(key) + NK_SUBKEY_LIST)) + 4, key)
    hive.write_bytes(bytes(data))


def break_first_value(hive: Path, path: str) -> None:
    """A damaged hive whose key's first value record has lost its "vk" signature."""
    data = bytearray(hive.read_bytes())
    values = cell(_u32(data, cell(key_offset(data, path)) + NK_VALUE_LIST))
    data[cell(_u32(data, values)) : cell(_u32(data, values)) + 2] = b"xx"
    hive.write_bytes(bytes(data))
