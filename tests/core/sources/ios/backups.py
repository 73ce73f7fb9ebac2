"""Copies of the real iPhone backup (../shared/fixtures/phones/ios-backup/: an iPhone9,3 on iOS 14.3,
from MVT's public test data, MVT License 1.1, test data only), with the apps under test added in the
same formats: a bundle id in Info.plist's Installed Applications (and an Applications entry with its
iTunesMetadata), an AppDomain- row in Manifest.db."""

from __future__ import annotations

import lzma
import plistlib
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import SHARED

BACKUP = SHARED / "fixtures/phones/ios-backup"
# What the real Info.plist says that no report may ever show.
REAL_SECRETS = ("63847829383904849", "F1234567890", "1CB128EAFA77C5BE74283E9A3A2130AF36A3C059",
                "1cb128eafa77c5be74283e9a3a2130af36a3c059", "DDDDDDDDDD")
# Put into the copies, so that short real values (the IMEI is "42") are tested by unmistakable ones.
IMEI, PHONE_NUMBER, SERIAL = "356938035643809", "+1 613 555 0123", "DNPXK2Z7HG7F"


def real_backup_or_skip() -> Path:
    if not (BACKUP / "Info.plist").is_file():
        pytest.skip(f"the real iPhone backup is in {BACKUP} (../shared beside this checkout), which is not here",
                    allow_module_level=True)
    return BACKUP


def backup_with(folder: Path, installed=(), data_of=(), metadata=None, encrypted: bool = False) -> Path:
    """A copy of the real backup in `folder`: `installed` bundle ids added to Installed Applications,
    `data_of` ids given an AppDomain- row, `metadata` {bundle id: (name, version)} as Applications entries."""
    real = real_backup_or_skip()
    folder.mkdir(parents=True, exist_ok=True)
    with open(real / "Info.plist", "rb") as handle:
        info = plistlib.load(handle)
    info["Installed Applications"] = [*info["Installed Applications"], *installed]
    info.update({"IMEI": IMEI, "Phone Number": PHONE_NUMBER, "Serial Number": SERIAL})
    if metadata:
        info["Applications"] = {
            bundle: {"iTunesMetadata": plistlib.dumps({"softwareVersionBundleId": bundle, "itemName": name,
                                                       "bundleShortVersionString": version}, fmt=plistlib.FMT_BINARY)}
            for bundle, (name, version) in metadata.items()
        }
    (folder / "Info.plist").write_bytes(plistlib.dumps(info, fmt=plistlib.FMT_BINARY))
    (folder / "Manifest.plist").write_bytes(plistlib.dumps({"IsEncrypted": encrypted, "Version": "10.0"}))
    manifest = lzma.open(real / "Manifest.db.xz").read()
    if encrypted:  # an encrypted backup's Manifest.db is ciphertext: not an SQLite file at all
        (folder / "Manifest.db").write_bytes(bytes(b ^ 0x5A for b in manifest[:4096]))
        return folder
    (folder / "Manifest.db").write_bytes(manifest)
    with sqlite3.connect(folder / "Manifest.db") as database:
        for number, bundle in enumerate(data_of):
            database.execute("INSERT INTO Files VALUES (?, ?, ?, 1, NULL)",
                             (f"{number:040x}", f"AppDomain-{bundle}", "Library/Preferences/x.plist"))
    database.close()
    return folder
