"""Captures of a phone that people send: an `adb bugreport` zip (its dumpstate text), an AndroidQF
acquisition folder, and the plain outputs of `dumpsys package` or `pm list packages`.

`read_capture(path)` says which kind a file or folder is and reads it. A capture is hostile input:
files are opened only if they are regular (never through a link inside a capture folder, never a
FIFO or a device), every read is bounded, and a zip is read only as far as a bound, so a zip bomb,
a name with `..` or a damaged archive becomes a problem, not a hang or a traceback.
"""

from __future__ import annotations

import json
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from appwarden.core.messages import Message
from appwarden.core.sources.android.device import DeviceProperties, parse_getprop
from appwarden.core.sources.android.packages import AndroidPackage, parse_dumpsys_package, parse_pm_list_packages
from appwarden.core.sources.android.parsed import PACKAGE_NAME, Parsed
from appwarden.core.sources.android.processes import RunningProcess, parse_ps
from appwarden.core.sources.android.users import AndroidUser
from appwarden.core.sources.base import ReadProblem, printable
from appwarden.core.sources.files_common import read_in_capture_folder
from appwarden.core.sources.rooted_common import NotARegularFile, open_regular_file

# A bugreport's dumpstate text is tens of megabytes; more than this is not read.
TEXT_LIMIT = 256 * 1024 * 1024
# Past this many members a zip is not a bugreport: its listing alone would cost too much.
ZIP_MEMBER_LIMIT = 10_000
ZIP_MAGIC = b"PK\x03\x04"
_DUMPSTATE_NAME = re.compile(r"(bugreport-.*\.txt|dumpstate.*\.txt|dumpstate)")
_PACKAGE_SERVICE = "DUMP OF SERVICE package:"
_SECTION_END = re.compile(r"^(?:-{9} .*was the duration of dumpsys|DUMP OF SERVICE |-{60,}$)", re.MULTILINE)


class CaptureKind(StrEnum):
    CONNECTED = "connected"  # not a capture: what was read from a phone connected now
    DUMPSYS_PACKAGE = "dumpsys_package"
    BUGREPORT = "bugreport"
    PM_LIST_PACKAGES = "pm_list_packages"
    ANDROIDQF = "androidqf"


@dataclass(frozen=True)
class AndroidCapture:
    kind: CaptureKind
    packages: tuple[AndroidPackage, ...]
    device: DeviceProperties
    running: tuple[RunningProcess, ...]
    problems: tuple[ReadProblem, ...]
    users: tuple[AndroidUser, ...] = ()  # read from a phone connected now; a capture does not say
    # Whether a list of packages (and of processes) was read at all: a phone gone before it is a failure.
    packages_listed: bool = True
    running_listed: bool = True

    @property
    def user_ids(self) -> tuple[int, ...]:
        return tuple(user.id for user in self.users) or (0,)

    @property
    def work_profiles(self) -> frozenset[int]:
        return frozenset(user.id for user in self.users if user.work_profile)


@dataclass(frozen=True)
class UnreadableCapture:
    """The path is not a capture AppWarden can read at all; `reason` says why, as a sentence."""

    path: str
    reason: Message


def read_capture_once(path: Path) -> AndroidCapture | UnreadableCapture:
    """read_capture, kept for as long as the file or folder stays as it was (same device, inode,
    size and modification time): naming the target and each source that reads the capture then
    cost one read of a bugreport that may be hundreds of megabytes, not one each."""
    try:
        key = (str(path), *_stamp(path))
    except OSError:
        return read_capture(path)  # says why, as a sentence
    if stat.S_ISDIR(os.stat(path).st_mode):  # a file edited in place leaves its folder's stamp as it was
        key += tuple(_stamp(path / name, missing_ok=True) for name in ("packages.json", *_ANDROIDQF_TEXTS))
    return _read_capture_of(key, path)


def _stamp(path: Path, missing_ok: bool = False) -> tuple[int, ...]:
    try:
        found = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        if missing_ok:
            return ()
        raise
    return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns)


@lru_cache(maxsize=2)
def _read_capture_of(key: tuple, path: Path) -> AndroidCapture | UnreadableCapture:
    return read_capture(path)


def read_capture(path: Path) -> AndroidCapture | UnreadableCapture:
    """Recognise and read the capture at `path` (a file, or an AndroidQF folder)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        return UnreadableCapture(printable(str(path)), _os_reason(error))
    if stat.S_ISDIR(mode):
        return _androidqf_folder(path)
    try:
        with open(open_regular_file(path.parent, path, live=True), "rb", closefd=True) as handle:
            start = handle.read(len(ZIP_MAGIC))
            if start == ZIP_MAGIC:
                # Read in place: a zip's listing is at its end, and only the dumpstate member is read.
                return read_bugreport_zip(handle, path.name)
            data = start + handle.read(TEXT_LIMIT + 1 - len(start))
    except OSError as error:
        return UnreadableCapture(printable(str(path)), _os_reason(error))
    return _capture_text(path.name, data)


def _capture_text(name: str, data: bytes) -> AndroidCapture | UnreadableCapture:
    problems = [_too_large(name)] if len(data) > TEXT_LIMIT else []
    text = data[:TEXT_LIMIT].decode("utf-8", "replace")
    if _PACKAGE_SERVICE in text:
        return _from_dumpstate(CaptureKind.BUGREPORT, name, text, problems)
    if re.search(r"^Packages:|^  Package \[", text, re.MULTILINE):
        return _capture(CaptureKind.DUMPSYS_PACKAGE, name, parse_dumpsys_package(text), problems)
    if re.search(r"^package:", text, re.MULTILINE):
        return _capture(CaptureKind.PM_LIST_PACKAGES, name, parse_pm_list_packages(text), problems)
    return UnreadableCapture(printable(name), Message.of(
        "it is not a capture AppWarden recognises: give a dumpsys package output, an adb bugreport zip, "
        "a pm list packages output or an AndroidQF folder"
    ))


def _capture(kind: CaptureKind, name: str, parsed: Parsed[AndroidPackage], problems: list[ReadProblem],
             device: DeviceProperties = DeviceProperties(), running: tuple[RunningProcess, ...] = ()) -> AndroidCapture:
    problems = problems + [ReadProblem(printable(name), reason) for reason in parsed.problems]
    return AndroidCapture(kind, parsed.values, device, running, tuple(problems))


# --- bugreport --------------------------------------------------------------------------------


def read_bugreport_zip(stream: BinaryIO, name: str = "bugreport.zip", problems: list[ReadProblem] | None = None) -> AndroidCapture | UnreadableCapture:
    """The dumpstate text inside an `adb bugreport` zip, read at most TEXT_LIMIT bytes far."""
    problems = list(problems or [])
    try:
        with zipfile.ZipFile(stream) as archive:
            member, skipped = _dumpstate_member(archive)
            problems += [ReadProblem(printable(f"{name}/{unsafe}"), Message.of("this name leaves the zip's folder, so it was not read")) for unsafe in skipped]
            if member is None:
                return UnreadableCapture(printable(name), Message.of("the zip holds no dumpstate text (bugreport-*.txt or dumpstate.txt), so it is not a bugreport"))
            with archive.open(member) as handle:
                data = handle.read(TEXT_LIMIT + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError, RuntimeError) as error:
        return UnreadableCapture(printable(name), Message.of("the zip is damaged or cut short: {error}", error=printable(str(error))))
    where = f"{name}/{member.filename}"
    if len(data) > TEXT_LIMIT:
        problems.append(_too_large(where))
    return _from_dumpstate(CaptureKind.BUGREPORT, where, data[:TEXT_LIMIT].decode("utf-8", "replace"), problems)


def _dumpstate_member(archive: zipfile.ZipFile) -> tuple[zipfile.ZipInfo | None, list[str]]:
    members = archive.infolist()[:ZIP_MEMBER_LIMIT]
    unsafe = [m.filename for m in members if _leaves_folder(m.filename)]
    candidates = [m for m in members if not m.is_dir() and not _leaves_folder(m.filename)
                  and _DUMPSTATE_NAME.fullmatch(PurePosixPath(m.filename).name)]
    # The bugreport's own text sits at the top; a nested one (FS/data/...) is only a fallback.
    candidates.sort(key=lambda m: (m.filename.count("/"), not m.filename.startswith("bugreport-"), m.filename))
    return (candidates[0] if candidates else None), unsafe


def _leaves_folder(filename: str) -> bool:
    parts = filename.replace("\\", "/").split("/")
    return filename.startswith(("/", "\\")) or ".." in parts or (len(filename) > 1 and filename[1] == ":")


def package_section(dumpstate: str) -> str | None:
    """The text of the dumpstate's "DUMP OF SERVICE package:" section, or None when it has none."""
    start = dumpstate.find(_PACKAGE_SERVICE)
    if start < 0:
        return None
    body_start = start + len(_PACKAGE_SERVICE)
    end = _SECTION_END.search(dumpstate, body_start)
    return dumpstate[body_start:end.start() if end else len(dumpstate)]


def _from_dumpstate(kind: CaptureKind, where: str, text: str, problems: list[ReadProblem]) -> AndroidCapture:
    section = package_section(text)
    if section is None:
        problems = problems + [ReadProblem(printable(where), Message.of("the dumpstate text has no package section (DUMP OF SERVICE package), so no app could be read"))]
        return AndroidCapture(kind, (), parse_getprop(text), (), tuple(problems))
    return _capture(kind, where, parse_dumpsys_package(section), problems, device=parse_getprop(text))


def _too_large(where: str) -> ReadProblem:
    return ReadProblem(printable(where), Message.of("it is larger than AppWarden reads ({amount}): only its beginning was read", amount=f"{TEXT_LIMIT // (1024 * 1024)} MiB"))


def _os_reason(error: OSError) -> Message:
    if isinstance(error, NotARegularFile):
        return Message.of("it is not a regular file, so it was not read")
    if isinstance(error, PermissionError):
        return Message.of("permission denied")
    return Message.of("cannot read: {error}", error=error.strerror or type(error).__name__)


# --- AndroidQF --------------------------------------------------------------------------------

_ANDROIDQF_TEXTS = ("getprop.txt", "dumpsys.txt", "ps.txt")


def _androidqf_folder(folder: Path) -> AndroidCapture | UnreadableCapture:
    problems: list[ReadProblem] = []
    listing = _read_in_folder(folder, "packages.json", problems)
    if listing is None:
        return UnreadableCapture(printable(str(folder / "packages.json")), problems[0].reason)
    packages = parse_androidqf_packages(listing.decode("utf-8", "replace"))
    problems += [ReadProblem("packages.json", reason) for reason in packages.problems]
    texts = {name: _read_in_folder(folder, name, problems, missing_ok=True) for name in _ANDROIDQF_TEXTS}
    device = parse_getprop(_text(texts["getprop.txt"]))
    running = parse_ps(_text(texts["ps.txt"])) if texts["ps.txt"] is not None else Parsed(())
    problems += [ReadProblem("ps.txt", reason) for reason in running.problems]
    detailed = _dumpsys_details(_text(texts["dumpsys.txt"]))
    merged = tuple(_with_details(package, detailed) for package in packages.values)
    return AndroidCapture(CaptureKind.ANDROIDQF, merged, device, running.values, tuple(problems))


def _read_in_folder(folder: Path, name: str, problems: list[ReadProblem], missing_ok: bool = False) -> bytes | None:
    """A file of the capture folder (files_common.read_in_capture_folder), at most TEXT_LIMIT read."""
    missing = None if missing_ok else Message.of("the folder has no packages.json, so it is not an AndroidQF acquisition")
    data = read_in_capture_folder(folder, name, TEXT_LIMIT, problems, missing, _os_reason)
    if data is not None and len(data) > TEXT_LIMIT:
        problems.append(_too_large(name))
        return data[:TEXT_LIMIT]
    return data


def _text(data: bytes | None) -> str:
    return data.decode("utf-8", "replace") if data else ""


def _dumpsys_details(text: str) -> dict[str, AndroidPackage]:
    section = package_section(text) if _PACKAGE_SERVICE in text else text
    return {package.name: package for package in parse_dumpsys_package(section or "").values}


def _with_details(package: AndroidPackage, detailed: dict[str, AndroidPackage]) -> AndroidPackage:
    """AndroidQF's list, completed with what its dumpsys.txt says of the same package."""
    found = detailed.get(package.name)
    if found is None:
        return package
    return AndroidPackage(
        name=package.name,
        installer=package.installer or found.installer,
        version_name=found.version_name,
        version_code=found.version_code,
        uids=package.uids or found.uids,
        users=found.users or package.users,
        apk_path=package.apk_path or found.apk_path,
        system=package.system if package.system is not None else found.system,
        first_install_time=found.first_install_time,
    )


def parse_androidqf_packages(text: str) -> Parsed[AndroidPackage]:
    """AndroidQF's packages.json: a list of {name, installer, uid, system, files: [{path}]}."""
    try:
        entries = json.loads(text)
    except (ValueError, RecursionError) as error:
        return Parsed((), (Message.of("packages.json is not valid JSON: {error}", error=printable(str(error))[:200]),))
    if not isinstance(entries, list):
        return Parsed((), (Message.of("packages.json does not hold a list of packages"),))
    packages: list[AndroidPackage] = []
    problems: list[Message] = []
    for number, entry in enumerate(entries, start=1):
        package = _androidqf_entry(entry)
        if package is None:
            problems.append(Message.of("entry {number} of packages.json names no valid package", number=number))
        else:
            packages.append(package)
    return Parsed(tuple(packages), tuple(problems))


def _androidqf_entry(entry: object) -> AndroidPackage | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not PACKAGE_NAME.fullmatch(entry["name"]):
        return None
    installer = entry.get("installer")
    uid = entry.get("uid")
    files = entry.get("files") if isinstance(entry.get("files"), list) else []
    paths = [f["path"] for f in files if isinstance(f, dict) and isinstance(f.get("path"), str)]
    system = entry.get("system")
    valid_uid = isinstance(uid, int) and not isinstance(uid, bool) and 0 <= uid < 2**31
    return AndroidPackage(
        name=entry["name"],
        installer=installer if isinstance(installer, str) and installer not in ("", "null") else None,
        uids=(uid,) if valid_uid else (),
        users=(uid // 100_000,) if valid_uid else (),
        apk_path=paths[0] if paths else "",
        system=system if isinstance(system, bool) else None,
    )
