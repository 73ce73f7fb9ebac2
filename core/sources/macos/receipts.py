"""macOS installer package receipts: /var/db/receipts/<package id>.plist (and its .bom, the list of
what the package installed), written by Installer for every .pkg it installs. Kaspersky Endpoint
Security for Mac installs as packages (com.kaspersky.kav.core...). A receipt records an install and
stays when the app is moved to the Trash, so it is evidence of what was installed (a leftover);
the app itself is found by its bundle, its services and its system extension.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    MACOS,
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
from appwarden.core.sources.files_common import has_utf8_name, list_folder
from appwarden.core.sources.macos.common import plist_text, read_plist

# /Library/Receipts holds the installer's history and pre-10.6 bundle receipts, not package receipts.
RECEIPTS = ("var/db/receipts",)
PLIST, BOM = ".plist", ".bom"


def receipt_details(receipt: dict) -> tuple[tuple[str, str], ...]:
    """What a receipt says besides its id and version, as text (the install date as ISO 8601)."""
    installed = receipt.get("InstallDate")
    details = [
        ("install_prefix", plist_text(receipt, "InstallPrefixPath")),
        ("installed_at", installed.isoformat() if isinstance(installed, dt.datetime) else ""),
        ("installed_by", plist_text(receipt, "InstallProcessName")),
        ("package_file", plist_text(receipt, "PackageFileName")),
    ]
    return tuple((key, value) for key, value in details if value)


class MacPackageReceipts(InventorySource):
    spec = SourceSpec(
        name="macos_receipts",
        title="macOS installer package receipts",
        platforms=frozenset({MACOS}),
        reads=tuple(f"{folder}/*.plist, *.bom" for folder in RECEIPTS),
        yields=("macos_pkg_receipt",),
        kind=EvidenceKind.LEFTOVER,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        items = []
        for folder in RECEIPTS:
            entries = [entry for entry in list_folder(target, target.path(folder), log) if has_utf8_name(entry, log)]
            names = {entry.name for entry in entries}
            for entry in entries:
                if request.cancelled():
                    return log.result(items)
                if entry.name.endswith(PLIST):
                    item = _receipt_item(target, entry, entry.name[: -len(PLIST)] + BOM in names, log)
                elif entry.name.endswith(BOM) and entry.name[: -len(BOM)] + PLIST not in names:
                    item = _bill_only_item(target, entry)
                else:
                    continue
                if item is not None:
                    items.append(item)
        return log.result(items, Message.of("no installer package receipts"))


def _receipt_item(target: ScanTarget, path: Path, has_bom: bool, log: CoverageLog) -> InventoryItem | None:
    receipt = read_plist(target, path, log)
    if receipt is None:
        return None
    package = plist_text(receipt, "PackageIdentifier") or path.name[: -len(PLIST)]
    details = receipt_details(receipt) + ((("bill_of_materials", "yes"),) if has_bom else ())
    return InventoryItem(
        source="macos_receipts",
        kind=EvidenceKind.LEFTOVER,
        identifiers=(("macos_pkg_receipt", package),),
        name=package,
        version=plist_text(receipt, "PackageVersion"),
        location=display_path(target, path),
        details=details,
    )


def _bill_only_item(target: ScanTarget, path: Path) -> InventoryItem:
    """A .bom whose receipt is gone: what is left of a package forgotten by hand."""
    package = path.name[: -len(BOM)]
    return InventoryItem(
        source="macos_receipts",
        kind=EvidenceKind.LEFTOVER,
        identifiers=(("macos_pkg_receipt", package),),
        name=package,
        location=display_path(target, path),
        details=(("receipt", "bill of materials only"),),
    )
