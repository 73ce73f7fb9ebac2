"""The subject and issuer of an X.509 certificate, read from its DER encoding (ITU-T X.690, RFC 5280
§4.1): just the names, which is all a trusted-root check matches on. Every length is checked against
the bytes, so a damaged or hostile certificate gives None, never an exception.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

SEQUENCE, SET, OID, CONTEXT_0 = 0x30, 0x31, 0x06, 0xA0
COMMON_NAME, ORGANISATION = bytes.fromhex("550403"), bytes.fromhex("55040a")  # 2.5.4.3, 2.5.4.10
TEXT_TYPES = {0x0C: "utf-8", 0x13: "latin-1", 0x16: "latin-1", 0x14: "latin-1", 0x1E: "utf-16-be", 0x1C: "utf-32-be"}
PEM_BLOCK = re.compile(rb"-----BEGIN (?:TRUSTED )?CERTIFICATE-----(.*?)-----END (?:TRUSTED )?CERTIFICATE-----", re.DOTALL)


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


def certificate_names(der: bytes) -> CertificateNames | None:
    """The names of the certificate that `der` holds exactly (nothing after it), or None."""
    outer = _element(der, 0, len(der))
    if outer is None or outer[0] != SEQUENCE or outer[2] != len(der):
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
        sha1=hashlib.sha1(der).hexdigest().upper(),
    )


def certificates_in_file(data: bytes) -> list[bytes]:
    """The DER certificates of a certificate file: PEM blocks (one or many), else the whole file."""
    blocks = PEM_BLOCK.findall(data)
    if not blocks:
        return [data]
    found = []
    for block in blocks:
        try:
            found.append(base64.b64decode(b"".join(block.split()), validate=True))
        except (binascii.Error, ValueError):
            continue
    return found


def carved_certificates(data: bytes, limit: int = 10_000) -> list[bytes]:
    """The DER certificates inside a larger binary file (a macOS keychain keeps each one whole in
    its record): every place a long SEQUENCE starts that parses as a certificate to its end."""
    found, at = [], data.find(b"\x30\x82")
    while at >= 0 and len(found) < limit:
        element = _element(data, at, len(data))
        if element is not None and certificate_names(data[at:element[2]]) is not None:
            found.append(data[at:element[2]])
            at = data.find(b"\x30\x82", element[2])
        else:
            at = data.find(b"\x30\x82", at + 1)
    return found


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
