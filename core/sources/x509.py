"""The subject and issuer of an X.509 certificate, read from its DER encoding (ITU-T X.690, RFC 5280
§4.1): just the names, which is all a trusted-root check matches on. Every length is checked against
the bytes, so a damaged or hostile certificate gives None, never an exception.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from appwarden.core.digests import sha1

SEQUENCE, SET, OID, CONTEXT_0 = 0x30, 0x31, 0x06, 0xA0
COMMON_NAME, ORGANISATION = bytes.fromhex("550403"), bytes.fromhex("55040a")  # 2.5.4.3, 2.5.4.10
TEXT_TYPES = {0x0C: "utf-8", 0x13: "latin-1", 0x16: "latin-1", 0x14: "latin-1", 0x1E: "utf-16-be", 0x1C: "utf-32-be"}
# The body is base64 only, so a BEGIN line never followed by its END costs no more than its length.
PEM_BLOCK = re.compile(rb"-----BEGIN (?:TRUSTED )?CERTIFICATE-----([A-Za-z0-9+/=\s]*)-----END (?:TRUSTED )?CERTIFICATE-----")


@dataclass(frozen=True)
class CertificateNames:
    subject_cn: str
    subject_o: str
    issuer_cn: str
    sha1: str  # the thumbprint, as Windows names the certificate

    @property
    def subject(self) -> str:
        """The subject as a pack names it: CN=<common name>, O=<organisation>."""
        return ", ".join(part for part in (f"CN={self.subject_cn}" if self.subject_cn else "",
                                           f"O={self.subject_o}" if self.subject_o else "") if part)


def _element(data: bytes, at: int, end: int) -> tuple[int, int, int] | None:
    """(tag, start of contents, end of contents) of the element at `at`, inside `end`."""
    if at + 2 > end:
        return None
    tag, first = data[at], data[at + 1]
    if first < 0x80:
        start, length = at + 2, first
    else:
        count = first & 0x7F
        if not 1 <= count <= 4 or at + 2 + count > end:
            return None
        start, length = at + 2 + count, int.from_bytes(data[at + 2:at + 2 + count], "big")
    return (tag, start, start + length) if start + length <= end else None


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]] | None:
    children, at = [], start
    while at < end:
        element = _element(data, at, end)
        if element is None or len(children) > 64:
            return None
        children.append(element)
        at = element[2]
    return children


def _names(data: bytes, start: int, end: int) -> dict[bytes, str] | None:
    """A Name's attributes by OID (the first of each): SEQUENCE OF SET OF {OID, value}."""
    found: dict[bytes, str] = {}
    for tag, set_start, set_end in _children(data, start, end) or ():
        if tag != SET:
            return None
        for attribute_tag, a_start, a_end in _children(data, set_start, set_end) or ():
            parts = _children(data, a_start, a_end) if attribute_tag == SEQUENCE else None
            if not parts or len(parts) != 2 or parts[0][0] != OID:
                return None
            oid = data[parts[0][1]:parts[0][2]]
            value_tag, v_start, v_end = parts[1]
            if value_tag in TEXT_TYPES:
                found.setdefault(oid, data[v_start:v_end].decode(TEXT_TYPES[value_tag], "replace"))
    return found


def certificate_names(der: bytes, start: int = 0, end: int | None = None) -> CertificateNames | None:
    """The names of the certificate that `der[start:end]` holds exactly (nothing after it), or None.
    Read in place: a keychain is searched for certificates without copying it for each try."""
    end = len(der) if end is None else end
    outer = _element(der, start, end)
    if outer is None or outer[0] != SEQUENCE or outer[2] != end:
        return None
    tbs = _element(der, outer[1], outer[2])
    if tbs is None or tbs[0] != SEQUENCE:
        return None
    fields = _children(der, tbs[1], tbs[2])
    if not fields:
        return None
    if fields[0][0] == CONTEXT_0:  # the version, when it is not v1
        fields = fields[1:]
    if len(fields) < 5 or fields[2][0] != SEQUENCE or fields[4][0] != SEQUENCE:
        return None
    issuer, subject = _names(der, fields[2][1], fields[2][2]), _names(der, fields[4][1], fields[4][2])
    if issuer is None or subject is None:
        return None
    return CertificateNames(
        subject_cn=subject.get(COMMON_NAME, "").strip(),
        subject_o=subject.get(ORGANISATION, "").strip(),
        issuer_cn=issuer.get(COMMON_NAME, "").strip(),
        sha1=sha1(memoryview(der)[start:end]).hexdigest().upper(),
    )


def certificates_in_file(data: bytes) -> list[bytes]:
    """The DER certificates of a certificate file: PEM blocks (one or many), else the whole file."""
    blocks = PEM_BLOCK.findall(data)
    if not blocks:
        return [data]
    found = []
    for block in blocks:
        try:
            der = base64.b64decode(b"".join(block.split()), validate=True)
        except (binascii.Error, ValueError):
            continue
        element = _element(der, 0, len(der))  # OpenSSL's TRUSTED CERTIFICATE adds its trust settings after it
        found.append(der[:element[2]] if element is not None else der)
    return found


# Where a certificate can start: a SEQUENCE with a one- or two-byte long length holding, first,
# the to-be-signed SEQUENCE with its own (a certificate is over 127 bytes). A lookahead, so that
# starts may overlap.
CERTIFICATE_START = re.compile(rb"\x30(?=(\x81.|\x82..)\x30(\x81.|\x82..))", re.DOTALL)
MAX_TRIES = 100_000


def carved_certificates(data: bytes, limit: int = 10_000) -> tuple[list[bytes], bool]:
    """The DER certificates inside a larger binary file (a macOS keychain keeps each one whole in
    its record), and whether the whole file was searched: each place that can start a certificate
    is tried in place, up to MAX_TRIES of them (a real keychain has a few hundred), so a file made
    of false starts cannot take minutes."""
    found: list[bytes] = []
    tries, resume = 0, 0
    for match in CERTIFICATE_START.finditer(data):
        tries += 1
        if tries > MAX_TRIES or len(found) >= limit:
            return found, False
        at = match.start()
        if at < resume:
            continue  # inside a certificate already found
        outer, inner = int.from_bytes(match.group(1)[1:], "big"), int.from_bytes(match.group(2)[1:], "big")
        end = at + 1 + len(match.group(1)) + outer
        if inner + 1 + len(match.group(2)) > outer or end > len(data):
            continue
        if certificate_names(data, at, end) is not None:
            found.append(data[at:end])
            resume = end
    return found, True


def windows_blob_certificate(blob: bytes) -> bytes | None:
    """The DER certificate of a Windows certificate store's Blob value: a run of properties, each
    PropertyID, Reserved and Length (32-bit little-endian) then Length bytes; property 0x20 is the
    certificate ([MS-GPEF] 2.2.1.1.1)."""
    at = 0
    while at + 12 <= len(blob):
        property_id = int.from_bytes(blob[at:at + 4], "little")
        length = int.from_bytes(blob[at + 8:at + 12], "little")
        if at + 12 + length > len(blob):
            return None
        if property_id == 0x20:
            return blob[at + 12:at + 12 + length]
        at += 12 + length
    return None
