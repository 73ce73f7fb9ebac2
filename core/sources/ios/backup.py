"""A Finder or iTunes backup of an iPhone or iPad: the folder that holds `Info.plist`, `Manifest.plist`
and `Manifest.db`, read with the standard library only.

- `Info.plist`: the apps the device had (`Installed Applications`, and the `Applications` dictionary
  with each app's `iTunesMetadata` where present), and the device's `Product Type`, `Product
  Version`, `Device Name` and `Last Backup Date`. It also holds the IMEI, ICCID, serial number and
  phone number: none of them is ever kept; what is read is picked out by name, nothing else.
- `Manifest.db`: the `AppDomain-<bundle id>` (and `AppDomainGroup-`, `AppDomainPlugin-`) domains,
  the apps that left data in the backup. It is read like the other files, then queried in memory
  (a table only, with a time and size bound), so SQLite never opens anything in the folder. An encrypted backup's
  manifest cannot be read without its password, which AppWarden never asks for: that is said.

A backup is someone else's folder: each file is opened only if it is a regular file, never through a
link, and read only as far as a bound, so a hostile or damaged backup gives problems, not a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import plistlib
import re
import sqlite3
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from appwarden.core.messages import Message
from appwarden.core.sources.base import ReadProblem, printable
from appwarden.core.sources.files_common import read_in_capture_folder
from appwarden.core.sources.ios import BUNDLE_ID

INFO_PLIST, MANIFEST_PLIST, MANIFEST_DB = "Info.plist", "Manifest.plist", "Manifest.db"
PLIST_LIMIT = 64 * 1024 * 1024  # an Info.plist with every app's artwork is tens of megabytes
MAX_APPS = 10_000
MANIFEST_LIMIT = 256 * 1024 * 1024  # a backup's manifest of a full phone is tens of megabytes
MANIFEST_SECONDS = 10.0  # listing its app domains takes milliseconds; more is a hostile file
_DOMAIN = re.compile(r"^AppDomain(?:Group|Plugin)?-(.+)$")
FIELD_LIMIT = 200  # a name or version longer than this is cut


@dataclass(frozen=True)
class IosApp:
    bundle_id: str
    name: str = ""
    version: str = ""


@dataclass(frozen=True)
class IosDevice:
    """What the header may say of the device: its model and the name its owner gave it."""

    product_type: str = ""  # iPhone9,3
    product_version: str = ""  # 14.3
    device_name: str = ""
    last_backup: str = ""  # ISO date and time, UTC


@dataclass(frozen=True)
class IosBackup:
    apps: tuple[IosApp, ...]
    data_of: tuple[str, ...]  # bundle ids with data in the backup (Manifest.db), sorted
    device: IosDevice
    encrypted: bool
    manifest_read: bool
    problems: tuple[ReadProblem, ...]


def is_backup_folder(path: Path) -> bool:
    """A folder that holds an Info.plist and a Manifest.db or Manifest.plist, as a backup does."""
    try:
        names = set(os.listdir(path))
    except OSError:
        return False
    return INFO_PLIST in names and bool(names & {MANIFEST_DB, MANIFEST_PLIST})


def read_backup_once(folder: Path) -> IosBackup:
    """read_backup, kept while the three files stay as they were (the target's name and both iOS
    sources read it once per check)."""
    stamps = []
    for name in (INFO_PLIST, MANIFEST_PLIST, MANIFEST_DB):
        try:
            found = os.stat(folder / name, follow_symlinks=False)
            stamps.append((found.st_ino, found.st_size, found.st_mtime_ns))
        except OSError:
            stamps.append(())
    return _read_backup_of((str(folder), *stamps), folder)


@lru_cache(maxsize=2)
def _read_backup_of(key: tuple, folder: Path) -> IosBackup:
    return read_backup(folder)


def read_backup(folder: Path) -> IosBackup:
    problems: list[ReadProblem] = []
    info = _plist(folder, INFO_PLIST, problems)
    manifest = _plist(folder, MANIFEST_PLIST, problems, missing_ok=True)
    encrypted = isinstance(manifest, dict) and manifest.get("IsEncrypted") is True
    apps, device = _apps(info or {}, problems), _device(info or {})
    data_of, manifest_read = _app_domains(folder, encrypted, problems)
    return IosBackup(apps, data_of, device, encrypted, manifest_read, tuple(problems))


def _plist(folder: Path, name: str, problems: list[ReadProblem], missing_ok: bool = False) -> dict | None:
    data = _read_file(folder, name, problems, missing_ok)
    if data is None:
        return None
    try:
        value = plistlib.loads(data)
    except Exception as error:  # plistlib raises several kinds for a damaged file
        problems.append(ReadProblem(name, Message.of("it is not a property list AppWarden can read ({error})",
                                                     error=type(error).__name__)))
        return None
    if not isinstance(value, dict):
        problems.append(ReadProblem(name, Message.of("it does not hold a dictionary, as a backup's does")))
        return None
    return value


def _read_file(folder: Path, name: str, problems: list[ReadProblem], missing_ok: bool = False) -> bytes | None:
    missing = None if missing_ok else Message.of("the backup folder has no {name}", name=name)
    data = read_in_capture_folder(folder, name, PLIST_LIMIT, problems, missing)
    if data is not None and len(data) > PLIST_LIMIT:
        problems.append(ReadProblem(name, Message.of("it is larger than AppWarden reads ({amount})", amount="64 MiB")))
        return None
    return data


def _text(value: object) -> str:
    if not isinstance(value, str):
        return ""
    cleaned = printable(value).strip()
    return cleaned[:FIELD_LIMIT]


def _apps(info: dict, problems: list[ReadProblem]) -> tuple[IosApp, ...]:
    found: dict[str, IosApp] = {}
    installed = info.get("Installed Applications")
    if installed is not None and not isinstance(installed, list):
        problems.append(ReadProblem(INFO_PLIST, Message.of("its list of installed applications is not a list")))
        installed = []
    for value in (installed or [])[:MAX_APPS]:
        if isinstance(value, str) and BUNDLE_ID.fullmatch(value):
            found.setdefault(value, IosApp(value))
    details = info.get("Applications")
    if isinstance(details, dict):
        for bundle_id, entry in list(details.items())[:MAX_APPS]:
            if not (isinstance(bundle_id, str) and BUNDLE_ID.fullmatch(bundle_id)):
                continue
            metadata = _metadata(entry.get("iTunesMetadata") if isinstance(entry, dict) else None)
            name = _text(metadata.get("itemName")) or _text(metadata.get("bundleDisplayName"))
            version = _text(metadata.get("bundleShortVersionString")) or _text(metadata.get("bundleVersion"))
            if _text(metadata.get("softwareVersionBundleId")) not in ("", bundle_id):
                continue  # the metadata speaks of another app: not taken
            found[bundle_id] = IosApp(bundle_id, name, version)
    return tuple(sorted(found.values(), key=lambda app: app.bundle_id))


def _metadata(data: object) -> dict:
    """An app's iTunesMetadata: a binary property list of its own, inside Info.plist."""
    if not isinstance(data, (bytes, bytearray)) or len(data) > PLIST_LIMIT:
        return {}
    try:
        value = plistlib.loads(bytes(data))
    except Exception:
        return {}
    return value if isinstance(value, dict) else {}


def _device(info: dict) -> IosDevice:
    when = info.get("Last Backup Date")
    return IosDevice(
        product_type=_text(info.get("Product Type")),
        product_version=_text(info.get("Product Version")),
        device_name=_text(info.get("Device Name")),
        last_backup=when.replace(tzinfo=dt.timezone.utc).isoformat() if isinstance(when, dt.datetime) else "",
    )


def _app_domains(folder: Path, encrypted: bool, problems: list[ReadProblem]) -> tuple[tuple[str, ...], bool]:
    if encrypted:
        problems.append(ReadProblem(MANIFEST_DB, Message.of(
            "the backup is encrypted: the list of apps that left data in it needs the backup unencrypted "
            "(AppWarden never asks for the backup password); the apps the device lists were read")))
        return (), False
    missing = Message.of("the backup has no Manifest.db, so the apps that left data in it are not known")
    data = read_in_capture_folder(folder, MANIFEST_DB, MANIFEST_LIMIT, problems, missing)
    if data is None:
        return (), False
    if len(data) > MANIFEST_LIMIT:
        problems.append(ReadProblem(MANIFEST_DB, Message.of("it is larger than AppWarden reads ({amount})", amount="256 MiB")))
        return (), False
    try:
        rows = _domains_in(data)
    except (sqlite3.Error, ValueError, OverflowError, MemoryError) as error:
        problems.append(ReadProblem(MANIFEST_DB, Message.of("it cannot be read as a backup manifest ({error})",
                                                            error=printable(str(error))[:120])))
        return (), False
    ids = set()
    for (domain,) in rows:
        matched = _DOMAIN.match(domain) if isinstance(domain, str) else None
        if matched is not None:
            bundle = matched.group(1).removeprefix("group.")
            if BUNDLE_ID.fullmatch(bundle):
                ids.add(bundle)
    return tuple(sorted(ids)), True


def _domains_in(data: bytes) -> list[tuple]:
    """The app domains of a manifest held in memory (read as the other files are: never through a
    link, bounded): a hostile one cannot make SQLite open anything, run for ever or grow without end."""
    data = bytearray(data)
    if data[:16] == b"SQLite format 3\x00" and data[18:20] == b"\x02\x02":
        data[18:20] = b"\x01\x01"  # a WAL-mode file (as backups are) read as a plain one: no -wal file is opened
    database = sqlite3.connect(":memory:")
    try:
        database.deserialize(bytes(data))
        database.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1 << 20)
        database.execute("PRAGMA trusted_schema = OFF")
        kind = database.execute("SELECT type FROM sqlite_master WHERE name = 'Files'").fetchone()
        if kind != ("table",):  # a view or a trigger could compute anything
            raise ValueError("it has no Files table")
        deadline = time.monotonic() + MANIFEST_SECONDS
        database.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
        return database.execute(
            "SELECT DISTINCT domain FROM Files WHERE domain LIKE 'AppDomain%' LIMIT ?", (MAX_APPS * 4,)).fetchall()
    finally:
        database.close()
