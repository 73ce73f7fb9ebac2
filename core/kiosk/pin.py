"""The kiosk's staff PIN: kept only as a PBKDF2-SHA256 hash (standard library), checked in constant
time, and three wrong PINs lock the prompt for a minute."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Callable

ITERATIONS = 600_000  # OWASP's figure for PBKDF2-HMAC-SHA256 (2023)
SALT_BYTES = 16
MAX_TRIES = 3
LOCK_S = 60.0
PIN = re.compile(r"[0-9]{4,12}")
HASH = re.compile(r"pbkdf2_sha256\$(\d{5,7})\$([A-Za-z0-9+/=]{8,64})\$([A-Za-z0-9+/=]{40,64})")


def pin_problem(pin: str) -> str | None:
    """Why a PIN may not be used, or None: 4 to 12 digits, so a touch screen's keypad types it."""
    return None if PIN.fullmatch(pin) else "a staff PIN is 4 to 12 digits"


def hash_pin(pin: str, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def hash_problem(text: object) -> str | None:
    if not isinstance(text, str) or not HASH.fullmatch(text):
        return "pin_hash must be what appwarden kiosk --set-pin writes (pbkdf2_sha256$ITERATIONS$SALT$HASH)"
    found = HASH.fullmatch(text)
    if int(found.group(1)) < 100_000:
        return "pin_hash uses too few PBKDF2 iterations (at least 100000)"
    try:
        base64.b64decode(found.group(2), validate=True), base64.b64decode(found.group(3), validate=True)
    except binascii.Error:
        return "pin_hash must be what appwarden kiosk --set-pin writes (its salt and hash are not base64)"
    return None


def pin_matches(pin: str, stored: str) -> bool:
    found = HASH.fullmatch(stored)
    if found is None:
        return False
    try:
        iterations, salt, digest = int(found.group(1)), base64.b64decode(found.group(2)), base64.b64decode(found.group(3))
    except binascii.Error:  # not what --set-pin writes: no PIN opens it
        return False
    return hmac.compare_digest(hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations), digest)


class Attempt(StrEnum):
    OPEN = "open"  # the right PIN: the staff may leave the kiosk
    WRONG = "wrong"
    LOCKED = "locked"  # too many wrong PINs: the prompt refuses for a while


@dataclass
class PinGate:
    """The staff exit's prompt: `attempt(pin)` says whether it opens."""

    stored: str | None  # None: no PIN is configured, so the kiosk cannot be left from the screen
    clock: Callable[[], float] = time.monotonic
    wrong: int = 0
    locked_until: float = field(default=0.0)
    _one_at_a_time: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def attempt(self, pin: str) -> Attempt:
        """One try; tries made at once (each takes a PBKDF2 run) are taken in turn, so none escapes the lock."""
        with self._one_at_a_time:
            return self._attempt(pin)

    def _attempt(self, pin: str) -> Attempt:
        now = self.clock()
        if now < self.locked_until:
            return Attempt.LOCKED
        if self.stored is not None and pin_matches(pin, self.stored):
            self.wrong = 0
            return Attempt.OPEN
        self.wrong += 1
        if self.wrong >= MAX_TRIES:
            self.wrong, self.locked_until = 0, now + LOCK_S
            return Attempt.LOCKED
        return Attempt.WRONG

    def seconds_locked(self) -> int:
        return max(0, int(self.locked_until - self.clock() + 0.999))
