"""SHA-256 and SHA-1 for the hashes a check computes (a pack's file, the report's reference code,
a certificate's thumbprint), without loading OpenSSL.

`hashlib` loads OpenSSL's libcrypto, which adds 3.7 MB to the peak memory of every check (a whole
check of this machine peaks at about 25 MB). CPython's own implementations (`_sha256`, `_sha1`,
which `hashlib` falls back on when OpenSSL is missing) give the same digests; they are slower on
large inputs, and a check hashes only small ones (the 85 KB pack is the largest). Where they are
not built in, hashlib is used. The kiosk's PIN hash and the phone's keys still use hashlib.
"""

from __future__ import annotations

try:
    from _sha256 import sha256  # CPython 3.11
except ImportError:
    try:
        from _sha2 import sha256  # type: ignore[no-redef]  # CPython 3.12 and later
    except ImportError:
        from hashlib import sha256  # type: ignore[no-redef,assignment]
try:
    from _sha1 import sha1
except ImportError:
    from hashlib import sha1  # type: ignore[no-redef,assignment]

__all__ = ["sha1", "sha256"]
