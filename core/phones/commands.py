"""The commands AppWarden runs on a phone, each built from validated values only.

A phone runs what ADB's shell service receives through its own shell, so nothing from the phone or
a pack reaches it unchecked: package names must be Android package names, user ids digits, and a
shared-storage path one that `core/sources/android/storage.py` accepts. Each argument is then quoted
by AppWarden itself; the one exception is the `*` of a storage pattern, left for the phone to expand.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from appwarden.core.messages import Message
from appwarden.core.sources.android.parsed import PACKAGE_NAME

_PACKAGE_CHARACTERS = re.compile(r"[A-Za-z0-9_.]+")
MAX_USER_ID = 10**9


class UnsafePhoneValue(ValueError):
    """A value that must not go into a command on the phone."""


@dataclass(frozen=True)
class PhoneCommand:
    """One command line for the phone: `argv` as people read it, `line` as the phone receives it."""

    argv: tuple[str, ...]
    line: str

    def __str__(self) -> str:
        return self.line


def _plain(*argv: str) -> PhoneCommand:
    return PhoneCommand(tuple(argv), " ".join(shlex.quote(arg) for arg in argv))


def package(name: str) -> str:
    if not (isinstance(name, str) and _PACKAGE_CHARACTERS.fullmatch(name) and PACKAGE_NAME.fullmatch(name)):
        raise UnsafePhoneValue(f"not an Android package name: {name!r}")
    return name


def user(number: int) -> str:
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < MAX_USER_ID:
        raise UnsafePhoneValue(f"not an Android user id: {number!r}")
    return str(number)


def getprop() -> PhoneCommand:
    return _plain("getprop")


def still_there() -> PhoneCommand:
    """A command that changes nothing and prints one line: whether the phone still answers."""
    return _plain("getprop", "ro.build.version.sdk")


def list_users() -> PhoneCommand:
    return _plain("pm", "list", "users")


# pm list packages options, most to least: a phone that refuses one is asked again without it
# (`-i` on some makers' phones; --show-versioncode before Android 9; `-U` before Android 8).
LIST_OPTIONS = ("-f", "-i", "-U", "--show-versioncode")


def list_packages(user_id: int, with_installer: bool = True, options: tuple[str, ...] = LIST_OPTIONS) -> PhoneCommand:
    """Every package of one user, with its APK path, installer, uid and version code, as far as the
    phone takes the options."""
    chosen = tuple(option for option in options if option in LIST_OPTIONS and (with_installer or option != "-i"))
    return _plain("pm", "list", "packages", *chosen, "--user", user(user_id))


def package_details(name: str) -> PhoneCommand:
    return _plain("dumpsys", "package", package(name))


def processes() -> PhoneCommand:
    return _plain("ps", "-A")


def force_stop(name: str, user_id: int) -> PhoneCommand:
    return _plain("am", "force-stop", "--user", user(user_id), package(name))


def uninstall(name: str, user_id: int) -> PhoneCommand:
    """Removes the app and its data for that user (never `-k`, which would keep the data)."""
    return _plain("pm", "uninstall", "--user", user(user_id), package(name))


def storage_path(path: str) -> str:
    from appwarden.core.sources.android.storage import phone_path_problem

    problem = phone_path_problem(path)
    if problem is not None:
        raise UnsafePhoneValue(problem)
    return path


def _pattern_word(path: str) -> str:
    """A shell word that the phone expands to the paths matching `path`'s `*`, and to nothing else."""
    return "*".join(shlex.quote(part) if part else "" for part in storage_path(path).split("*")) or "''"


def storage_listing(pattern: str) -> PhoneCommand:
    """The paths that match `pattern` (a storage path, perhaps with `*`), one a line, and their sizes."""
    word = _pattern_word(pattern)
    return PhoneCommand(("du", "-s", "-k", pattern), f"du -s -k -- {word}")


def delete_storage(path: str) -> PhoneCommand:
    """Deletes one file or folder of shared storage, named in full (no `*`)."""
    if "*" in path:
        raise UnsafePhoneValue(f"a path to delete must be named in full: {path!r}")
    return _plain("rm", "-r", "-f", "--", storage_path(path))


class PhoneGone(Exception):
    """The phone stopped answering: unplugged, locked out of USB debugging, or its link broke.
    `reason` says which, as a sentence a person can read (never the library's own words, which may
    hold the phone's serial)."""

    def __init__(self, reason: Message) -> None:
        super().__init__(reason.render())
        self.reason = reason
