"""Which device a scan reads: the running one, or a disk mounted at a folder (offline).

A mounted disk's operating system is told from its layout; --os overrides.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import replace
from pathlib import Path

from appwarden.core.errors import TargetError
from appwarden.core.messages import Message
from appwarden.core.policy.model import MOBILE
from appwarden.core.sources.base import ANDROID, IOS, LINUX, MACOS, WINDOWS, CoverageLog, ScanTarget, find_any_case

HOSTNAME_FILE_LIMIT = 4096
# Longer than any system allows (Linux 64, Windows 15, a Mac's ComputerName about 63): a longer
# name is a disk's invention, and a window header has room for one line.
COMPUTER_NAME_LIMIT = 64
MACOS_PREFERENCES = "Library/Preferences/SystemConfiguration/preferences.plist"
OS_MARKERS = (
    (WINDOWS, "Windows/System32/config"),
    (MACOS, "System/Library/CoreServices/SystemVersion.plist"),
    (LINUX, "etc/os-release"),
    (LINUX, "usr/lib/os-release"),
)


def host_os() -> str:
    if sys.platform.startswith("win"):
        return WINDOWS
    if sys.platform == "darwin":
        return MACOS
    return LINUX


def detect_os(root: Path, log: CoverageLog | None = None) -> str | None:
    """The system whose marker file is on the disk; a folder on the way that cannot be listed goes into `log`."""
    probe = ScanTarget(root, LINUX, live=False)  # only its root is used, to look files up
    for name, marker in OS_MARKERS:
        if find_any_case(probe, marker, log=log) is not None:
            return name
    return None


def make_target(root: str | os.PathLike | None = None, os_name: str | None = None, organisation_issued: bool = True) -> ScanTarget:
    """The running device when root is None or "/", else the disk mounted at root; a computer,
    issued by the organisation unless the person says it is their own."""
    target = _computer(root, os_name)
    return replace(target, organisation_issued=organisation_issued)


def capture_target(path: str | os.PathLike, organisation_issued: bool = True) -> ScanTarget:
    """What was captured from an Android phone (a dumpsys package output, a bugreport zip, a pm list
    packages output or an AndroidQF folder), checked as that phone: a mobile device, named by its
    maker and model when the capture says them. A path that holds no capture is a sentence."""
    from appwarden.core.sources.android.captures import UnreadableCapture, read_capture_once
    from appwarden.core.sources.ios.backup import is_backup_folder

    capture_path = Path(path).resolve()
    try:
        is_folder = capture_path.is_dir()
    except OSError:  # not even looked at: reading it says why, in a sentence
        is_folder = False
    if is_folder and is_backup_folder(capture_path):
        return _ios_backup_target(capture_path, organisation_issued)
    capture = read_capture_once(capture_path)
    if isinstance(capture, UnreadableCapture):
        where = capture.path if os.path.isabs(capture.path) else str(capture_path)  # the file inside a folder, or what was given
        raise TargetError(Message.of("{path} cannot be read as a capture of a phone: {reason}.", path=where, reason=capture.reason))
    device = capture.device
    name = computer_name(" ".join(part for part in (device.manufacturer, device.model) if part))
    return ScanTarget(capture_path, ANDROID, live=False, hostname=name, device_class=MOBILE,
                      organisation_issued=organisation_issued)


def _ios_backup_target(folder: Path, organisation_issued: bool) -> ScanTarget:
    """A Finder or iTunes backup of an iPhone or iPad, named by the name its owner gave it and its
    model, never by its serial, IMEI or phone number."""
    from appwarden.core.sources.ios.backup import INFO_PLIST, read_backup_once

    backup = read_backup_once(folder)
    unreadable = next((p for p in backup.problems if p.location == INFO_PLIST), None)
    if unreadable is not None and not backup.apps:
        raise TargetError(Message.of("{path} cannot be read as a capture of a phone: {reason}.",
                                     path=folder / INFO_PLIST, reason=unreadable.reason))
    device = backup.device
    model = ", ".join(part for part in (device.product_type, f"iOS {device.product_version}" if device.product_version else "") if part)
    name = f"{device.device_name} ({model})" if device.device_name and model else device.device_name or model
    return ScanTarget(folder, IOS, live=False, hostname=computer_name(name), device_class=MOBILE,
                      organisation_issued=organisation_issued)


def phone_target(session, organisation_issued: bool = True) -> ScanTarget:
    """A phone connected now (a core/phones PhoneSession, or an IphoneSession), checked as a mobile
    device and named by its maker, model and shortened serial; its sources read through the session."""
    from appwarden.core.phones.iphone import IphoneSession

    system = IOS if isinstance(session, IphoneSession) else ANDROID
    return ScanTarget(Path(Path.cwd().anchor), system, live=True, hostname=computer_name(session.name),
                      device_class=MOBILE, organisation_issued=organisation_issued, phone=session)


def this_computers_name() -> str:
    """The running computer's host name. On POSIX it is the kernel's node name, which is what
    socket.gethostname() returns there (without socket's 3.5 ms import)."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()


def _computer(root: str | os.PathLike | None, os_name: str | None) -> ScanTarget:
    if os_name is not None and os_name not in (LINUX, WINDOWS, MACOS):
        raise TargetError(Message.of("Unknown operating system '{os}'. Use linux, windows or macos.", os=os_name))
    if root is None or Path(root).resolve() == Path(Path.cwd().anchor):
        if os_name not in (None, host_os()):
            raise TargetError(
                Message.of("This device runs {host}; --os {os} only applies with --root.", host=host_os(), os=os_name)
            )
        return ScanTarget(Path(Path.cwd().anchor), host_os(), live=True, hostname=computer_name(this_computers_name()))
    path = Path(root)
    if not path.is_dir():
        raise TargetError(
            Message.of("{path} is not a folder. Give --root the folder where the other disk is mounted.", path=path)
        )
    _check_readable(path)
    detected = os_name or _system_on(path)
    return ScanTarget(path.resolve(), detected, live=False, hostname=_offline_hostname(path, detected))


def _system_on(path: Path) -> str:
    """The system told from the disk's layout; a folder on the way that this account cannot list is
    said to be so, not taken for a disk with no known system on it."""
    log = CoverageLog("target")
    detected = detect_os(path, log)
    if detected is not None:
        return detected
    denied = next((problem.location for problem in log.problems if problem.elevation_helps), None)
    if denied is not None:
        raise _permission_denied(denied)
    raise TargetError(
        Message.of(
            "Cannot tell which operating system is on {path}: none of etc/os-release, "
            "System/Library/CoreServices/SystemVersion.plist or Windows/System32/config is there. "
            "Pass --os linux, --os windows or --os macos.",
            path=path,
        )
    )


def _check_readable(root: Path) -> None:
    """A disk this account cannot list is refused at once, whether --os was given or not."""
    try:
        with os.scandir(root):
            pass
    except PermissionError:
        raise _permission_denied(root) from None
    except OSError as error:
        raise TargetError(Message.of("{path} cannot be read: {error}.", path=root, error=error.strerror or error)) from None


def _permission_denied(folder: str | Path) -> TargetError:
    return TargetError(
        Message.of(
            "Permission denied: this account cannot read {path}. Run the check with administrator rights "
            "(for example with sudo).",
            path=folder,
        )
    )


def _offline_hostname(root: Path, os_name: str) -> str:
    """The name the mounted system gives itself, or "" when it cannot be read (never an error)."""
    target = ScanTarget(root.resolve(), os_name, live=False)
    reader = {LINUX: _linux_hostname, WINDOWS: _windows_hostname, MACOS: _macos_hostname}[os_name]
    return computer_name(reader(target))


def computer_name(raw: str) -> str:
    """A computer's name as every report and the window show it. A disk wrote it, so it is hostile:
    line breaks and tabs become spaces, other control, bidi and invisible characters are removed (a
    name has no use for them), runs of spaces become one, and it is cut to COMPUTER_NAME_LIMIT
    characters. Every output still escapes it by its own rules (HTML, terminal, Qt plain text)."""
    from appwarden.core.reports.terminal import DEVICE_VALUE_CONTROLS

    cleaned = " ".join(DEVICE_VALUE_CONTROLS.sub("", re.sub(r"[\t\n\r\v\f]", " ", raw)).split())
    if len(cleaned) <= COMPUTER_NAME_LIMIT:
        return cleaned
    return cleaned[:COMPUTER_NAME_LIMIT - 1].rstrip() + "…"


def _linux_hostname(target: ScanTarget) -> str:
    """etc/hostname of the disk, read as every file of a disk is: a link resolves inside the disk,
    and a FIFO, a device or an oversized file is not read."""
    from appwarden.core.sources.base import CoverageLog
    from appwarden.core.sources.files_common import read_text

    text = read_text(target, target.path("etc/hostname"), HOSTNAME_FILE_LIMIT, CoverageLog("hostname", target))
    return (text or "").strip()


def _windows_hostname(target: ScanTarget) -> str:
    from appwarden.core.sources.windows.common import SYSTEM_HIVE, RegistryReadError, offline_machine_hive

    hive = offline_machine_hive(target, SYSTEM_HIVE, "HKLM\\SYSTEM")
    if hive is None:
        return ""
    try:
        current = hive.reader.values("Select").number("Current") or 1
        key = f"ControlSet{current:03d}\\Control\\ComputerName\\ComputerName"
        return hive.reader.values(key).text("ComputerName").strip()
    except RegistryReadError:
        return ""


def _macos_hostname(target: ScanTarget) -> str:
    from appwarden.core.sources.base import CoverageLog
    from appwarden.core.sources.macos.common import plist_text, read_plist

    preferences = read_plist(target, target.path(MACOS_PREFERENCES), CoverageLog("hostname", target)) or {}
    system = _table(preferences, "System")
    return plist_text(_table(system, "System"), "ComputerName") or plist_text(
        _table(_table(system, "Network"), "HostNames"), "LocalHostName"
    )


def _table(plist: dict, key: str) -> dict:
    value = plist.get(key)
    return value if isinstance(value, dict) else {}
