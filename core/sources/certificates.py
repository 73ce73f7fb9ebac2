"""Trusted root certificates that a product added to the system and that outlive it: Kaspersky's
traffic-scanning root ("Kaspersky Anti-Virus Personal Root Certificate") lets whoever holds its key
read secure connections. Read from each system's own trust store: on Windows the machine's and each
user's ROOT stores in the registry; on Linux the folders where added roots are placed; on macOS the
system and users' keychains. A certificate is matched on its subject (each installation has its own
key and thumbprint), and is always a leftover: it is not the app.
"""

from __future__ import annotations

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    LINUX,
    MACOS,
    WINDOWS,
    CoverageLog,
    EvidenceKind,
    InventoryItem,
    InventorySource,
    ReadRequest,
    SourceResult,
    SourceSpec,
    display_path,
)
from appwarden.core.sources.files_common import files_in_places, read_file_bytes, system_and_user_places
from appwarden.core.sources.x509 import CertificateNames, carved_certificates, certificate_names, certificates_in_file, windows_blob_certificate

# Where administrators and installers add roots (the compiled bundles are made from these).
LINUX_ANCHORS = (
    "usr/local/share/ca-certificates",  # Debian, Ubuntu (update-ca-certificates)
    "etc/pki/ca-trust/source/anchors",  # Fedora, Red Hat (update-ca-trust)
    "usr/share/pki/ca-trust-source/anchors",
    "etc/ca-certificates/trust-source/anchors",  # Arch Linux (trust)
    "etc/pki/trust/anchors",  # openSUSE
)
MACOS_KEYCHAINS = ("Library/Keychains",)
MACOS_USER_KEYCHAINS = ("Library/Keychains",)
WINDOWS_MACHINE_STORES = (
    r"Microsoft\SystemCertificates\ROOT\Certificates",
    r"Policies\Microsoft\SystemCertificates\Root\Certificates",
    r"Microsoft\EnterpriseCertificates\Root\Certificates",
)
WINDOWS_USER_STORES = (r"Software\Microsoft\SystemCertificates\Root\Certificates",)
CERTIFICATE_SUFFIXES = (".crt", ".pem", ".cer", ".p11-kit")  # p11-kit anchors (Arch, Fedora) hold PEM blocks
MAX_CERTIFICATE_FILE = 1 << 20
MAX_KEYCHAIN = 16 << 20  # a real System.keychain is a few hundred KB
MAX_DEPTH = 3


class TrustedCertificates(InventorySource):
    spec = SourceSpec(
        name="certificates",
        title="Trusted root certificates",
        platforms=frozenset({LINUX, WINDOWS, MACOS}),
        reads=(
            r"Windows: HKLM\SOFTWARE\Microsoft\SystemCertificates\ROOT (and the policy and enterprise roots), each user's Root",
            *(f"Linux: {folder}" for folder in LINUX_ANCHORS),
            "macOS: /Library/Keychains/*.keychain, ~/Library/Keychains/*.keychain-db",
        ),
        yields=("certificate_subject",),
        kind=EvidenceKind.LEFTOVER,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        if target.os == WINDOWS:
            items = _windows_roots(request, log)
        else:
            items = _file_roots(request, log)
        return log.result(items, Message.of("no trusted certificate store on this disk"))


def _item(names: CertificateNames, location: str, details: tuple[tuple[str, str], ...]) -> InventoryItem:
    return InventoryItem(
        source="certificates",
        kind=EvidenceKind.LEFTOVER,
        identifiers=(("certificate_subject", names.subject),),
        name=names.subject_cn or names.subject,
        location=location,
        details=details + (("thumbprint", names.sha1), ("issuer", names.issuer_cn)),
    )


def _file_roots(request: ReadRequest, log: CoverageLog) -> list[InventoryItem]:
    target = request.target
    keychains = target.os == MACOS
    system, per_user = (MACOS_KEYCHAINS, MACOS_USER_KEYCHAINS) if keychains else (LINUX_ANCHORS, ())
    places = system_and_user_places(target, system, per_user, log)
    items = []
    for suffix in ((".keychain", ".keychain-db") if keychains else CERTIFICATE_SUFFIXES):
        for found in files_in_places(request, places, suffix, 0 if keychains else MAX_DEPTH, log):
            data = read_file_bytes(target, found.path, MAX_KEYCHAIN if keychains else MAX_CERTIFICATE_FILE, log)
            if data is None:
                continue
            if keychains:
                certificates, whole = carved_certificates(data)
                if not whole:
                    log.problem(found.path, Message.of("holds too many places that look like certificates; not searched to the end"))
            else:
                certificates = certificates_in_file(data)
            named = [names for der in certificates if (names := certificate_names(der)) is not None]
            if not named and not keychains:
                log.problem(found.path, Message.of("holds no certificate that could be read"))
            items += [_item(names, display_path(target, found.path), found.place.details) for names in named]
    return items


def _windows_roots(request: ReadRequest, log: CoverageLog) -> list[InventoryItem]:
    # Imported here: a check of Linux or macOS never loads the registry readers.
    from appwarden.core.sources.windows.common import (
        RegistryKeyMissing,
        RegistryReadError,
        open_hive,
        software_hives,
        without_current_user_twice,
    )

    machine, users = software_hives(request.target, log)
    stores = ([(machine, WINDOWS_MACHINE_STORES, (("scope", "machine"),))] if machine else [])
    stores += [(hive, WINDOWS_USER_STORES, (("scope", "user"), ("user", hive.user))) for hive in users]
    groups = []
    for hive, keys, details in stores:
        if request.cancelled() or not open_hive(hive, log):
            continue
        log.read_one()
        items: list[InventoryItem] = []
        groups.append((hive, items))
        for key in keys:
            try:
                thumbprints = hive.reader.subkey_names(hive.path(key))
            except RegistryKeyMissing:
                continue
            except RegistryReadError as error:
                log.problem(hive.shown_path(key), error.reason, error.elevation_helps)
                continue
            for thumbprint in thumbprints:
                item = _registry_certificate(hive, f"{key}\\{thumbprint}", details, log)
                if item is not None:
                    items.append(item)
    if request.target.live:
        groups = without_current_user_twice(groups)
    return [item for _, items in groups for item in items]


def _registry_certificate(hive, key: str, details, log: CoverageLog) -> InventoryItem | None:
    from appwarden.core.sources.windows.common import RegistryReadError

    try:
        blob = hive.reader.values(hive.path(key)).text("Blob")
    except RegistryReadError as error:
        log.problem(hive.shown_path(key), error.reason, error.elevation_helps)
        return None
    try:
        der = windows_blob_certificate(bytes.fromhex(blob))  # a binary value reads as its hex digits
    except ValueError:
        der = None
    names = certificate_names(der) if der else None
    if names is None:
        log.problem(hive.shown_path(key), Message.of("holds no certificate that could be read"))
        return None
    return _item(names, hive.shown_path(key), details)

