"""Trusted root certificates (made with `cryptography`, and this machine's own public roots) in each
system's store, and browser extensions in Chromium and Firefox profiles: Kaspersky's are found as
leftovers, other roots and extensions are not flagged."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appwarden.core.matching.index import RuleIndex
from appwarden.core.messages import Message
from appwarden.core.policy.loader import load_policies
from appwarden.core.scan import sought_identifiers
from appwarden.core.sources.base import CoverageStatus, EvidenceKind, ReadRequest, ScanTarget
from appwarden.core.sources.browser_extensions import BrowserExtensions, firefox_addons, manifest_name
from appwarden.core.sources.certificates import TrustedCertificates
from appwarden.core.sources.x509 import carved_certificates, certificate_names, certificates_in_file, windows_blob_certificate

x509 = pytest.importorskip("cryptography.x509", reason="cryptography makes the test certificates (pip install -e '.[test]')")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

POLICIES = load_policies()
INDEX = RuleIndex(POLICIES)
KASPERSKY_ROOT = "Kaspersky Anti-Virus Personal Root Certificate"


def certificate(common_name: str, organisation: str = "", country: str = "") -> bytes:
    """A self-signed root as an installer makes one: its own key, so its own thumbprint."""
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    if country:
        attributes.insert(0, x509.NameAttribute(NameOID.COUNTRY_NAME, country))
    name = x509.Name(attributes)
    now = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    built = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
             .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + dt.timedelta(days=4000))
             .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(key, hashes.SHA256()))
    return built.public_bytes(serialization.Encoding.DER)


def pem(der: bytes) -> bytes:
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)


def read(source, root: Path, os_name: str):
    return source.read(ReadRequest(ScanTarget(root, os_name, live=False), sought=sought_identifiers(POLICIES)))


def rules_of(item) -> set[str]:
    return {match.rule.id for match in INDEX.matches(item)}


def test_names_of_a_made_certificate():
    der = certificate(KASPERSKY_ROOT, "AO Kaspersky Lab", "RU")
    names = certificate_names(der)
    assert names.subject == f"CN={KASPERSKY_ROOT}, O=AO Kaspersky Lab"
    assert names.issuer_cn == KASPERSKY_ROOT
    assert names.sha1 == x509.load_der_x509_certificate(der).fingerprint(hashes.SHA1()).hex().upper()
    assert certificate_names(der + b"\0") is None  # nothing may follow the certificate
    assert certificate_names(der[:-1]) is None


def test_every_public_root_of_this_machine_reads_as_cryptography_reads_it():
    folder = Path("/usr/share/ca-certificates/mozilla")
    if not folder.is_dir():
        pytest.skip("this machine has no ca-certificates package (/usr/share/ca-certificates/mozilla)")
    checked = 0
    for path in sorted(folder.glob("*.crt")):
        (der,) = certificates_in_file(path.read_bytes())
        names = certificate_names(der)
        with warnings.catch_warnings():  # some public roots have a negative serial number, which cryptography warns of
            warnings.simplefilter("ignore")
            reference = x509.load_der_x509_certificate(der).subject
        common = reference.get_attributes_for_oid(NameOID.COMMON_NAME)
        organisation = reference.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        assert names.subject_cn == (common[0].value if common else ""), path.name
        assert names.subject_o == (organisation[0].value if organisation else ""), path.name
        checked += 1
    assert checked > 50


def test_linux_anchors_hold_kaspersky_root_as_a_leftover(tmp_path):
    anchors = tmp_path / "usr/local/share/ca-certificates/kaspersky"
    anchors.mkdir(parents=True)
    (anchors / "root.crt").write_bytes(pem(certificate(KASPERSKY_ROOT, "AO Kaspersky Lab", "RU")))
    company = tmp_path / "etc/pki/ca-trust/source/anchors"
    company.mkdir(parents=True)
    (company / "company.pem").write_bytes(pem(certificate("Example Corp Root CA", "Example Corp")) + pem(certificate("Kaspersky Security Center", "AO Kaspersky Lab")))
    (company / "broken.crt").write_bytes(b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    result = read(TrustedCertificates(), tmp_path, "linux")
    by_name = {item.name: item for item in result.items}
    assert sorted(by_name) == ["Example Corp Root CA", KASPERSKY_ROOT, "Kaspersky Security Center"]
    root = by_name[KASPERSKY_ROOT]
    assert root.kind == EvidenceKind.LEFTOVER
    assert root.location == "/usr/local/share/ca-certificates/kaspersky/root.crt"
    assert rules_of(root) == {"kaspersky"}
    # Another Kaspersky certificate is not the traffic-scanning root the rule names.
    assert rules_of(by_name["Kaspersky Security Center"]) == rules_of(by_name["Example Corp Root CA"]) == set()
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert str(result.coverage.detail) == "/etc/pki/ca-trust/source/anchors/broken.crt: holds no certificate that could be read"


def test_macos_keychain_certificates_are_found_inside_the_file(tmp_path):
    # A stand-in for /Library/Keychains/System.keychain: the keychain format ("kych", records
    # holding each certificate's DER whole) cannot be written here; the reader does not depend on
    # the records around the certificates, only on each certificate being there whole.
    keychains = tmp_path / "Library/Keychains"
    keychains.mkdir(parents=True)
    kaspersky, other = certificate(KASPERSKY_ROOT, "AO Kaspersky Lab"), certificate("Apple Root CA", "Apple Inc.")
    (keychains / "System.keychain").write_bytes(b"kych\0\1\0\0" + bytes(200) + kaspersky + b"\x30\x82\xff\xff" + bytes(31) + other + bytes(64))
    result = read(TrustedCertificates(), tmp_path, "macos")
    assert sorted(item.name for item in result.items) == ["Apple Root CA", KASPERSKY_ROOT]
    assert carved_certificates(b"\x30\x82" * 1000) == ([], True)
    # A file made of false starts is searched up to a bound, and says so.
    found, whole = carved_certificates(b"\x30\x82\x01\x00\x30\x82\x00\x10" * 150_000)
    assert (found, whole) == ([], False)


def test_windows_root_store_blob_in_real_hives(windows_disk):
    from tests.core.sources.windows.windows_disk import add_entry, hivex_edit

    der = certificate(KASPERSKY_ROOT, "AO Kaspersky Lab", "RU")
    friendly = "Kaspersky Anti-Virus Personal Root\0".encode("utf-16-le")
    blob = (0x0B).to_bytes(4, "little") + (1).to_bytes(4, "little") + len(friendly).to_bytes(4, "little") + friendly
    blob += (0x20).to_bytes(4, "little") + (1).to_bytes(4, "little") + len(der).to_bytes(4, "little") + der
    thumbprint = certificate_names(der).sha1
    # The real hive's store already holds a real certificate (Local Code Signing, 28CA236A...).
    store = r"\Microsoft\SystemCertificates\Root\Certificates"
    hivex_edit(windows_disk / "Windows/System32/config/SOFTWARE", add_entry(store, thumbprint, {"Blob": blob}))
    result = read(TrustedCertificates(), windows_disk, "windows")
    assert result.coverage.status == CoverageStatus.OK
    by_name = {item.name: item for item in result.items}
    assert sorted(by_name) == [KASPERSKY_ROOT, "Local Code Signing"]
    real = by_name["Local Code Signing"]
    # Windows names each certificate's key by its SHA-1 thumbprint: the real one agrees.
    assert real.location == r"HKLM\SOFTWARE\Microsoft\SystemCertificates\ROOT\Certificates\28CA236A328D9C5240AB1712A1392DAA8B4DD7A0"
    assert dict(real.details)["thumbprint"] == "28CA236A328D9C5240AB1712A1392DAA8B4DD7A0"
    kaspersky = by_name[KASPERSKY_ROOT]
    assert kaspersky.location == rf"HKLM\SOFTWARE\Microsoft\SystemCertificates\ROOT\Certificates\{thumbprint}"
    assert (kaspersky.kind, rules_of(kaspersky), rules_of(real)) == (EvidenceKind.LEFTOVER, {"kaspersky"}, set())
    assert windows_blob_certificate(blob) == der
    assert windows_blob_certificate(blob[:-1]) is None


@settings(max_examples=300)
@given(st.binary(max_size=400))
def test_any_bytes_give_names_or_none(data):
    certificate_names(data)
    assert carved_certificates(data)[1]
    windows_blob_certificate(data)
    certificates_in_file(data)


DER = certificate(KASPERSKY_ROOT, "AO Kaspersky Lab")


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=len(DER) - 1), st.binary(min_size=1, max_size=4))
def test_a_damaged_certificate_gives_names_or_none(at, garbage):
    data = bytearray(DER)
    data[at:at + len(garbage)] = garbage
    names = certificate_names(bytes(data))
    assert names is None or isinstance(names.subject, str)


# --- browser extensions -----------------------------------------------------------------------


def chromium_extension(profile: Path, extension_id: str, name: str, version: str) -> None:
    folder = profile / "Extensions" / extension_id / f"{version}_0"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"manifest_version": 3, "name": name, "version": version}), encoding="utf-8")


def firefox_profile(profile: Path, addons: list[dict]) -> None:
    profile.mkdir(parents=True)
    (profile / "extensions.json").write_text(json.dumps({"schemaVersion": 36, "addons": addons}), encoding="utf-8")


def test_extensions_of_every_browser_and_user(tmp_path):
    chrome = tmp_path / "home/ana/.config/google-chrome"
    chromium_extension(chrome / "Default", "ahkjpbeeocnddjkakilopmfdlnjdpcdm", "Kaspersky Protection", "2.4.33.0")
    chromium_extension(chrome / "Profile 1", "cjpalhdlnbpafiamejdnhcphjbkeiagm", "uBlock Origin", "1.58.0")
    firefox_profile(tmp_path / "home/bo/.mozilla/firefox/abcd.default-release", [
        {"id": "urladvisor@kaspersky.com", "type": "extension", "version": "1.0", "defaultLocale": {"name": "Kaspersky URL Advisor"}},
        {"id": "uBlock0@raymondhill.net", "type": "extension", "version": "1.58.0", "defaultLocale": {"name": "uBlock Origin"}},
        {"id": "fr-FR@dictionaries.addons.mozilla.org", "type": "dictionary"},
    ])
    result = read(BrowserExtensions(), tmp_path, "linux")
    assert result.coverage.status == CoverageStatus.OK
    by_id = {item.identifiers[0][1]: item for item in result.items}
    assert sorted(by_id) == ["ahkjpbeeocnddjkakilopmfdlnjdpcdm", "cjpalhdlnbpafiamejdnhcphjbkeiagm", "uBlock0@raymondhill.net", "urladvisor@kaspersky.com"]
    protection = by_id["ahkjpbeeocnddjkakilopmfdlnjdpcdm"]
    assert (protection.name, protection.version, protection.kind) == ("Kaspersky Protection", "2.4.33.0", EvidenceKind.LEFTOVER)
    assert dict(protection.details) == {"user": "ana", "browser": "Google Chrome", "profile": "Default"}
    assert protection.location == "/home/ana/.config/google-chrome/Default/Extensions/ahkjpbeeocnddjkakilopmfdlnjdpcdm"
    # An extension no rule names is listed by its id: its manifest is not opened.
    assert by_id["cjpalhdlnbpafiamejdnhcphjbkeiagm"].name == "cjpalhdlnbpafiamejdnhcphjbkeiagm"
    assert [rules_of(by_id[i]) for i in sorted(by_id)] == [{"kaspersky"}, set(), set(), {"kaspersky"}]


def test_windows_edge_profile(windows_disk):
    shutil.rmtree(windows_disk / "Program Files/WindowsApps")
    edge = windows_disk / "Users/ana/AppData/Local/Microsoft/Edge/User Data/Default"
    chromium_extension(edge, "ahkjpbeeocnddjkakilopmfdlnjdpcdm", "__MSG_appName__", "2.4.33.0")
    (item,) = read(BrowserExtensions(), windows_disk, "windows").items
    assert (item.name, dict(item.details)["browser"]) == ("ahkjpbeeocnddjkakilopmfdlnjdpcdm", "Microsoft Edge")
    assert item.location == r"C:\Users\ana\AppData\Local\Microsoft\Edge\User Data\Default\Extensions\ahkjpbeeocnddjkakilopmfdlnjdpcdm"


def test_damaged_firefox_list_is_a_problem(tmp_path):
    profile = tmp_path / "home/ana/.mozilla/firefox/x.default"
    profile.mkdir(parents=True)
    (profile / "extensions.json").write_text("{")
    result = read(BrowserExtensions(), tmp_path, "linux")
    assert str(result.coverage.detail) == "/home/ana/.mozilla/firefox/x.default/extensions.json: not valid JSON; not read"


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["addons", "id", "type", "name", "version", "defaultLocale"]), inner, max_size=4),
                    max_leaves=14)


@given(JSON)
def test_any_json_gives_addons_or_a_reason(value):
    data = json.dumps(value).encode()
    addons = firefox_addons(data)
    assert isinstance(addons, Message) or all(isinstance(part, str) for addon in addons for part in addon)
    assert all(isinstance(part, str) for part in manifest_name(data))
