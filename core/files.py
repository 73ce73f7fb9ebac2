"""Writing files all or nothing, so a half-written report or settings file never replaces a good one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def replacing_atomically(path: Path) -> Iterator[Path]:
    """A temporary file beside `path` to write; it replaces `path` only if the block succeeds.

    Raises OSError; callers turn it into a sentence that fits what they were writing.
    """
    folder = path.parent if str(path.parent) else Path(".")
    handle, name = tempfile.mkstemp(dir=folder, prefix=".appwarden-", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def write_text_atomically(path: Path, text: str) -> None:
    """Write `text` as UTF-8 in place of `path`, all or nothing."""
    with replacing_atomically(path) as temporary:
        with open(temporary, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
