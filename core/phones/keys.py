"""AppWarden's own ADB key: the RSA key a phone is asked to trust ("Allow USB debugging?").

The phone shows the key's fingerprint in its prompt; AppWarden shows the same fingerprint, so the
person can see that the prompt is AppWarden's. Where the key comes from is pluggable:

- `StoredKey` keeps it in AppWarden's data folder (platformdirs), readable by this account only, so
  a phone that was allowed once ("Always allow from this computer") is not asked again;
- `SessionKey` makes one for a session and keeps it only in memory: once the session ends, the
  authorisation the phone stored is worthless (the kiosk uses it).
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from appwarden.core.errors import HOME_FOLDER_UNKNOWN, AppWardenError
from appwarden.core.messages import Message

KEY_FILE = "adbkey"
KEY_BITS = 2048
# Android's RSAPublicKey structure holds a 2048-bit modulus as 64 words of 32 bits.
MODULUS_WORDS = KEY_BITS // 32
# What the phone lists in "USB debugging authorisations" beside the key.
KEY_COMMENT = b"AppWarden"
MAX_KEY_FILE_BYTES = 16 * 1024
# DER of DigestInfo for SHA-1, before the 20 digest bytes (RFC 8017, 9.2, note 1).
SHA1_DIGEST_INFO = bytes.fromhex("3021300906052b0e03021a05000414")
TOKEN_BYTES = 20  # what a phone sends to be signed: it is taken as a SHA-1 digest


class PhoneKeyError(AppWardenError):
    """AppWarden's ADB key cannot be read or kept."""


@dataclass(frozen=True)
class AdbKey:
    """An RSA key as ADB uses it: it signs the phone's token, and its public half in Android's format."""

    private_key: object  # the `rsa` package's PrivateKey

    def sign(self, token: bytes) -> bytes:
        """The phone's 20-byte token signed as ADB does: PKCS#1 v1.5 (RFC 8017, 9.2), the token taken
        as a SHA-1 digest. The same as rsa.pkcs1.sign_hash, through the key's blinded CRT operation,
        which takes a third of the time of the one sign_hash uses."""
        if len(token) != TOKEN_BYTES:  # anything else would make this a raw private-key operation for the asker
            raise ValueError(f"an ADB token is {TOKEN_BYTES} bytes, not {len(token)}")
        key = self.private_key
        length = (key.n.bit_length() + 7) // 8
        digest_info = SHA1_DIGEST_INFO + bytes(token)
        padded = b"\x00\x01" + b"\xff" * (length - len(digest_info) - 3) + b"\x00" + digest_info
        return key.blinded_decrypt(int.from_bytes(padded, "big")).to_bytes(length, "big")

    @property
    def android_public_key(self) -> bytes:
        """The public key as the phone receives it: base64 of Android's RSAPublicKey structure, a comment."""
        return base64.b64encode(android_key_structure(self.private_key.n, self.private_key.e)) + b" " + KEY_COMMENT

    @property
    def fingerprint(self) -> str:
        """As the phone's prompt shows it: the MD5 of the key structure, in colon-joined hex pairs."""
        return fingerprint_of(android_key_structure(self.private_key.n, self.private_key.e))


def android_key_structure(modulus: int, exponent: int) -> bytes:
    """Android's RSAPublicKey (little-endian): word count, n0inv, modulus, R² mod n, exponent."""
    r_squared = pow(2, KEY_BITS * 2, modulus)
    n0inv = (-pow(modulus, -1, 2**32)) % 2**32
    return b"".join((
        MODULUS_WORDS.to_bytes(4, "little"),
        n0inv.to_bytes(4, "little"),
        modulus.to_bytes(KEY_BITS // 8, "little"),
        r_squared.to_bytes(KEY_BITS // 8, "little"),
        exponent.to_bytes(4, "little"),
    ))


def fingerprint_of(structure: bytes) -> str:
    return ":".join(f"{byte:02X}" for byte in hashlib.md5(structure).digest())


def new_key() -> AdbKey:
    """A new 2048-bit key (pure Python: a few seconds, once per computer or kiosk session)."""
    import rsa

    return AdbKey(rsa.newkeys(KEY_BITS, exponent=65537)[1])


class KeySource(Protocol):
    """Where AppWarden's ADB key comes from."""

    def key(self) -> AdbKey: ...


class SessionKey:
    """A key made when first asked for and kept only in memory, for as long as this object lives."""

    def __init__(self) -> None:
        self._key: AdbKey | None = None
        self._making = threading.Lock()  # made once even when asked from two threads at once (a kiosk makes it ahead)

    def key(self) -> AdbKey:
        with self._making:
            if self._key is None:
                self._key = new_key()
            return self._key


class StoredKey:
    """The key kept in `folder` (AppWarden's data folder by default): made on first use, readable by
    this account only. A file there that is not such a key is never overwritten: it is a sentence."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder
        self._key: AdbKey | None = None

    @property
    def path(self) -> Path:
        return (self._folder or default_key_folder()) / KEY_FILE

    def key(self) -> AdbKey:
        if self._key is None:
            self._key = self._read() or self._make()
        return self._key

    def _read(self) -> AdbKey | None:
        import rsa

        path = self.path
        try:
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except FileNotFoundError:
            return None
        except OSError as error:
            raise self._error(Message.of("it cannot be read: {error}", error=error.strerror or type(error).__name__)) from None
        with open(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise self._error(Message.of("it is not a regular file"))
            data = handle.read(MAX_KEY_FILE_BYTES + 1)
        try:
            private_key = rsa.PrivateKey.load_pkcs1(data, format="PEM")
        except Exception:  # rsa and pyasn1 raise several kinds for a file that is not a key
            raise self._error(Message.of("it is not an ADB key")) from None
        if private_key.n.bit_length() != KEY_BITS:
            raise self._error(Message.of("it is not a 2048-bit RSA key, which phones expect"))
        return AdbKey(private_key)

    def _make(self) -> AdbKey:
        made = new_key()
        pem = made.private_key.save_pkcs1(format="PEM")
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # O_EXCL: a file or link that appeared meanwhile is never written through.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with open(descriptor, "wb") as handle:
                handle.write(pem)
        except FileExistsError:
            return self._read() or made
        except OSError as error:
            raise self._error(Message.of("it cannot be written: {error}", error=error.strerror or type(error).__name__)) from None
        return made

    def _error(self, reason: Message) -> PhoneKeyError:
        return PhoneKeyError(Message.of(
            "AppWarden's key for phones, {path}, cannot be used: {reason}. Move the file away and try again; "
            "the phone will then ask once more to allow USB debugging.", path=self.path, reason=reason))


def default_key_folder() -> Path:
    import platformdirs

    try:
        return platformdirs.user_data_path("appwarden", appauthor=False)
    except RuntimeError as error:
        raise PhoneKeyError(Message.of("AppWarden has no key for phones, because {reason}.", reason=HOME_FOLDER_UNKNOWN),
                            detail=repr(error)) from None
