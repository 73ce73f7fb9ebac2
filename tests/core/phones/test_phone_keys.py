"""AppWarden's ADB key: Android's public-key format, the fingerprint a phone shows, and where it is kept."""

from __future__ import annotations

import base64
import os
import stat

import pytest

from appwarden.core.phones.keys import KEY_FILE, PhoneKeyError, SessionKey, StoredKey, android_key_structure


def test_the_public_key_is_what_adb_shell_itself_would_send(tmp_path, stored_adb_key):
    """adb-shell's own key writer (keygen.write_public_keyfile) gives the same Android structure."""
    from adb_shell.auth import keygen

    (tmp_path / KEY_FILE).write_bytes(stored_adb_key.path.read_bytes())
    key = StoredKey(tmp_path).key()
    keygen.write_public_keyfile(str(tmp_path / KEY_FILE), str(tmp_path / "theirs.pub"))
    theirs = (tmp_path / "theirs.pub").read_bytes().split(b" ")[0]
    assert key.android_public_key.split(b" ")[0] == theirs


def test_the_fingerprint_is_the_md5_of_the_key_structure_in_colon_joined_hex(stored_adb_key):
    import hashlib

    key = stored_adb_key.key()
    structure = base64.b64decode(key.android_public_key.split(b" ")[0])
    assert structure == android_key_structure(key.private_key.n, key.private_key.e)
    expected = ":".join(f"{b:02X}" for b in hashlib.md5(structure).digest())
    assert key.fingerprint == expected and len(key.fingerprint) == 47


def test_a_stored_key_is_made_once_kept_private_and_read_back(tmp_path):
    first = StoredKey(tmp_path / "data").key()
    path = tmp_path / "data" / KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert StoredKey(tmp_path / "data").key().fingerprint == first.fingerprint


def test_a_session_key_is_never_written_and_differs_each_session(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one, two = SessionKey(), SessionKey()
    assert one.key() is one.key()
    assert one.key().fingerprint != two.key().fingerprint
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content", [b"", b"not a key", b"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"])
def test_a_file_that_is_not_a_key_is_a_sentence_and_is_left_as_it_was(tmp_path, content):
    (tmp_path / KEY_FILE).write_bytes(content)
    with pytest.raises(PhoneKeyError) as raised:
        StoredKey(tmp_path).key()
    assert "cannot be used" in raised.value.message and "Move the file away" in raised.value.message
    assert (tmp_path / KEY_FILE).read_bytes() == content


def test_a_link_in_place_of_the_key_is_not_followed(tmp_path):
    (tmp_path / "elsewhere").write_text("x")
    (tmp_path / KEY_FILE).symlink_to(tmp_path / "elsewhere")
    with pytest.raises(PhoneKeyError):
        StoredKey(tmp_path).key()
    assert (tmp_path / "elsewhere").read_text() == "x"


def test_a_key_of_another_size_is_refused(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    (tmp_path / KEY_FILE).write_bytes(small.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
    with pytest.raises(PhoneKeyError, match="2048-bit"):
        StoredKey(tmp_path).key()


def test_a_signature_is_pkcs1_v15_over_the_token_as_a_sha1_digest(stored_adb_key):
    """The same bytes as the rsa package's own sign_hash, and valid for cryptography, as a phone checks it."""
    import rsa
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa as crypto_rsa, utils

    key = stored_adb_key.key()
    token = bytes(range(20))
    signature = key.sign(token)
    assert signature == rsa.pkcs1.sign_hash(token, key.private_key, "SHA-1")
    public = crypto_rsa.RSAPublicNumbers(key.private_key.e, key.private_key.n).public_key()
    public.verify(signature, token, padding.PKCS1v15(), utils.Prehashed(hashes.SHA1()))  # raises if not


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=400), st.text(max_size=300).map(
    lambda body: f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n".encode())))
def test_any_key_file_is_a_key_or_one_sentence(tmp_path_factory, content):
    folder = tmp_path_factory.mktemp("key")
    (folder / KEY_FILE).write_bytes(content)
    try:
        StoredKey(folder).key()
    except PhoneKeyError as error:
        assert "cannot be used" in error.message
    assert (folder / KEY_FILE).read_bytes() == content
