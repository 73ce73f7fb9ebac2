"""A stand-in Android phone for tests: the device side of the real ADB protocol over TCP on 127.0.0.1.

No phone exists on this machine. This stand-in speaks the ADB wire protocol as a phone in wireless
debugging (or `adb tcpip`) mode does, so the real client library, adb-shell, is what the tests
drive: its handshake, RSA authentication, streams and chunking. Only the USB transport adapter stays
untested. What the phone prints is built from real phone outputs (../shared/fixtures/phones/android/,
from MVT's public test data, MVT License 1.1, test data only); a test is skipped, saying why, when
that folder is absent.

    StandInPhone(packages=[PhonePackage("com.tencent.mm", users={0, 10}, running=True)],
                 users=((0, "Owner", 0xc13), (10, "Work profile", 0x1030)), getprop_text=None,
                 model="SM-A405FN", manufacturer="samsung", serial="R58M123456X", authorised_keys=(),
                 allow="tap" or "never", allow_delay=0.0, always_allow=False, refuses_installer_option=False,
                 refused_options=() (pm list packages options an older phone refuses), android_version="11",
                 unlistable_users=(), device_admins=(), restricted=(), shared_storage={"/sdcard/x": KiB},
                 unplug_after=None, offline=False)
    serve() -> "127.0.0.1:PORT" (also `address`); close(); or `with phone:` for both
    prompts: [DebuggingPrompt(fingerprint, public_key, computer)]; commands: every shell command line
    received, in order; writes: (command line, bytes) of every WRTE sent; installed(user) and
    running() (package names); storage() (folder: KiB); kept_data (packages uninstalled with -k)
    android_public_key(key) -> bytes: a cryptography RSA public key as adbkey.pub holds it

Authentication: the phone sends a 20-byte token; a signature by a key it has authorised (the
constructor's `authorised_keys`, or one allowed with "Always allow") connects at once. Otherwise the
client offers its public key, which is the "Allow USB debugging?" prompt, recorded in `prompts`:
with `allow="tap"` the person taps Allow after `allow_delay` seconds (the key is remembered only
with `always_allow=True`); with `allow="never"` nobody does and the phone says nothing more.

Trouble: `unplug_after=N` drops every connection without a CLSE when the N-th shell command of the
phone's life is opened (after its OKAY; the command is recorded, not run), and stops listening: the
phone is gone. `offline=True` accepts the connection and never answers it. Services other than
`shell:` are refused with a CLSE, as adbd refuses services it does not know.

Shell commands understood (split as the phone's shell splits them; an unquoted `*` is expanded
against shared storage):
    getprop | getprop NAME
    pm list users
    pm list packages [-f] [-i] [-U] [-s] [-3] [-l] [--show-versioncode] [--user N] [FILTER]
    pm uninstall [-k] [--user N] PACKAGE
    am force-stop [--user N|all|current] PACKAGE
    dumpsys package [PACKAGE]
    ps -A
    du -s -k [--] PATH... (or -sk)   rm -r -f [--] PATH... (or -rf)   ls -d [--] PATH...
Anything else answers as Android does: `/system/bin/sh: X: inaccessible or not found`, `Unknown
command: X`, `Error: Unknown option: -x`, `Can't find service: X`.
"""

from __future__ import annotations

import base64
import hashlib
import os
import posixpath
import re
import select
import shlex
import socket
import struct
import threading
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Iterable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from tests.conftest import shared_phone_output

# --- the wire protocol ----------------------------------------------------------------------------

CNXN, AUTH, OPEN, OKAY, WRTE, CLSE = b"CNXN", b"AUTH", b"OPEN", b"OKAY", b"WRTE", b"CLSE"
AUTH_TOKEN, AUTH_SIGNATURE, AUTH_RSAPUBLICKEY = 1, 2, 3
VERSION = 0x01000000
# What a phone speaking protocol version 0x01000000 sends in one WRTE at most.
MAX_PAYLOAD = 4096
# What the phone accepts from the client in one message (adbd's MAX_PAYLOAD).
MAX_RECEIVED_PAYLOAD = 1024 * 1024
TOKEN_BYTES = 20
# Linux's TCP_QUICKACK; without it each message adb-shell sends waits out a 40 ms delayed ACK (Nagle).
_QUICKACK = getattr(socket, "TCP_QUICKACK", None)
_HEADER = struct.Struct("<6I")


class _Dropped(Exception):
    """The connection ended: the client closed it, the phone was unplugged or closed."""


@dataclass(frozen=True)
class _Message:
    command: bytes
    arg0: int
    arg1: int
    data: bytes = b""


class _Wire:
    """ADB messages over one TCP connection: a 24-byte header (command, arg0, arg1, data length,
    data checksum, command ^ 0xFFFFFFFF), then the data."""

    def __init__(self, sock: socket.socket) -> None:
        self._socket = sock
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as adbd does on its TCP transport

    def receive(self) -> _Message:
        command, arg0, arg1, length, checksum, magic = _HEADER.unpack(self._exactly(_HEADER.size))
        if magic != command ^ 0xFFFFFFFF or length > MAX_RECEIVED_PAYLOAD:
            raise _Dropped("not an ADB message")
        data = self._exactly(length)
        if sum(data) & 0xFFFFFFFF != checksum:
            raise _Dropped("bad checksum")
        return _Message(struct.pack("<I", command), arg0, arg1, data)

    def send(self, command: bytes, arg0: int, arg1: int, data: bytes = b"") -> None:
        (wire_command,) = struct.unpack("<I", command)
        header = _HEADER.pack(wire_command, arg0, arg1, len(data), sum(data) & 0xFFFFFFFF, wire_command ^ 0xFFFFFFFF)
        self._socket.sendall(header + data)

    def drop(self) -> None:
        """Pulls the cable: no CLSE; the peer sees the connection end."""
        try:
            self._socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def close(self) -> None:
        self.drop()
        self._socket.close()

    def _exactly(self, count: int) -> bytes:
        data = bytearray()
        while len(data) < count:
            if _QUICKACK is not None:  # adb-shell writes a header and its data apart: acknowledge at once
                self._socket.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
            chunk = self._socket.recv(count - len(data))
            if not chunk:
                raise _Dropped("connection closed")
            data += chunk
        return bytes(data)


# --- keys: Android's RSAPublicKey structure -------------------------------------------------------

_MODULUS_WORDS = 64  # a 2048-bit modulus in 32-bit words, the only size adbd accepts
_MODULUS_BYTES = _MODULUS_WORDS * 4
_ANDROID_KEY = struct.Struct(f"<II{_MODULUS_BYTES}s{_MODULUS_BYTES}sI")


def android_public_key(public_key: rsa.RSAPublicKey) -> bytes:
    """`public_key` as adb keeps it in adbkey.pub (without the name after it): base64 of Android's
    RSAPublicKey structure (size in words, n0inv, modulus, R^2 mod n, exponent, little-endian)."""
    numbers = public_key.public_numbers()
    n0inv = (-pow(numbers.n, -1, 1 << 32)) % (1 << 32)
    rr = pow(1 << (_MODULUS_BYTES * 8), 2, numbers.n)
    structure = _ANDROID_KEY.pack(_MODULUS_WORDS, n0inv, numbers.n.to_bytes(_MODULUS_BYTES, "little"),
                                  rr.to_bytes(_MODULUS_BYTES, "little"), numbers.e)
    return base64.b64encode(structure)


def _decoded_key(offered: bytes) -> tuple[rsa.RSAPublicKey, str] | None:
    """The key a client offers (`<base64> user@host`) and its fingerprint, or None if it is no key."""
    words = offered.replace(b"\0", b" ").split()
    try:
        structure = base64.b64decode(words[0], validate=True) if words else b""
    except ValueError:
        return None
    if len(structure) != _ANDROID_KEY.size:
        return None
    size_words, _n0inv, modulus, _rr, exponent = _ANDROID_KEY.unpack(structure)
    if size_words != _MODULUS_WORDS:
        return None
    key = rsa.RSAPublicNumbers(exponent, int.from_bytes(modulus, "little")).public_key()
    return key, _fingerprint(structure)


def _fingerprint(structure: bytes) -> str:
    """As Android's UsbDebuggingManager shows it: the MD5 of the key structure, `AB:CD:...`."""
    return ":".join(f"{byte:02X}" for byte in hashlib.md5(structure).digest())


def _public_key(key: rsa.RSAPublicKey | rsa.RSAPrivateKey | bytes | str) -> rsa.RSAPublicKey:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return key
    encoded = key.encode() if isinstance(key, str) else bytes(key)
    if len(encoded) == _ANDROID_KEY.size:
        encoded = base64.b64encode(encoded)
    decoded = _decoded_key(encoded)
    if decoded is None:
        raise ValueError("not an Android ADB public key")
    return decoded[0]


def _signed_by(key: rsa.RSAPublicKey, token: bytes, signature: bytes) -> bool:
    try:
        key.verify(signature, token, padding.PKCS1v15(), utils.Prehashed(hashes.SHA1()))
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class DebuggingPrompt:
    """One "Allow USB debugging?" prompt: the computer's key and the fingerprint the phone shows."""

    fingerprint: str
    public_key: rsa.RSAPublicKey
    computer: str  # what the client wrote after the key (`user@host`)


# --- the phone's apps, users and shared storage ----------------------------------------------------

FIRST_APP_ID = 10100
UIDS_PER_USER = 100_000


@dataclass
class PhonePackage:
    name: str
    version_name: str = "1.0"
    version_code: int = 1
    installer: str | None = "com.android.vending"
    system: bool = False  # preinstalled on the system partition
    users: set[int] = field(default_factory=lambda: {0})
    running: bool = False  # running for each of its users when the phone starts
    app_id: int | None = None  # None: the phone gives the next free one from 10100

    def uid(self, user: int) -> int:
        return user * UIDS_PER_USER + (self.app_id or 0)

    def code_path(self) -> str:
        if self.system:
            return f"/system/app/{_label(self.name)}"
        token = base64.urlsafe_b64encode(hashlib.md5(self.name.encode()).digest()).decode()
        return f"/data/app/{self.name}-{token}"

    def apk_path(self) -> str:
        return f"{self.code_path()}/{_label(self.name)}.apk" if self.system else f"{self.code_path()}/base.apk"


def _label(name: str) -> str:
    return name.rsplit(".", 1)[-1].capitalize()


def _object_id(*parts: object) -> str:
    """A stable stand-in for Java's identity hash in `Package [name] (d64f8e0)`."""
    return hashlib.md5(repr(parts).encode()).hexdigest()[:7]


_PRIMARY_STORAGE = "/storage/emulated/0"
_PRIMARY_ALIASES = ("/sdcard", "/storage/self/primary")


def _storage_path(path: str) -> str:
    """The one name of a place in storage: /sdcard/x and /storage/emulated/0/x are the same."""
    path = posixpath.normpath(path) if path else path
    for alias in _PRIMARY_ALIASES:
        if path == alias or path.startswith(alias + "/"):
            return _PRIMARY_STORAGE + path[len(alias):]
    return path


def _named_like(path: str, word: str) -> str:
    """`path` written with the same prefix as `word` used (/sdcard stays /sdcard)."""
    for alias in _PRIMARY_ALIASES:
        if (word == alias or word.startswith(alias + "/")) and path.startswith(_PRIMARY_STORAGE):
            return alias + path[len(_PRIMARY_STORAGE):]
    return path


class _SharedStorage:
    """Folders of shared storage and their own sizes in KiB; a folder's size counts those below it."""

    def __init__(self, folders: dict[str, int]) -> None:
        self._sizes = {_storage_path(path): kib for path, kib in folders.items()}

    def folders(self) -> dict[str, int]:
        return dict(self._sizes)

    def exists(self, path: str) -> bool:
        return _storage_path(path) in self._existing()

    def kib(self, path: str) -> int:
        place = _storage_path(path)
        return sum(kib for folder, kib in self._sizes.items() if _at_or_below(folder, place))

    def remove(self, path: str) -> None:
        place = _storage_path(path)
        self._sizes = {folder: kib for folder, kib in self._sizes.items() if not _at_or_below(folder, place)}

    def expand(self, pattern: str) -> list[str]:
        """What the phone's shell makes of a word with unquoted `*`s (given as _GLOB): the paths that
        match, sorted, or the word itself when none does."""
        regex = re.compile("[^/]*".join(re.escape(part) for part in _storage_path(pattern).split(_GLOB)))
        matches = sorted(_named_like(path, pattern) for path in self._existing() if regex.fullmatch(path))
        return matches or [pattern.replace(_GLOB, "*")]

    def _existing(self) -> set[str]:
        places = set()
        for folder in (*self._sizes, _PRIMARY_STORAGE):
            while folder not in ("/", ""):
                places.add(folder)
                folder = posixpath.dirname(folder)
        return places


def _at_or_below(folder: str, place: str) -> bool:
    return folder == place or folder.startswith(place.rstrip("/") + "/")


# --- the phone's shell ----------------------------------------------------------------------------

_GLOB = "\0"  # an unquoted `*` of a command line, through shlex.split
_PROPERTY = re.compile(r"^\[([^\]]*)\]: \[(.*)\]\s*$")
_USER_LINE = "    User {user}: ceDataInode={inode} installed={installed} hidden=false suspended=false stopped=false notLaunched=false enabled=0 instant=false virtual=false"
# The shape of a real `Package [...]` block of dumpsys package (MVT's Samsung capture).
_PACKAGE_BLOCK = """\
  Package [{name}] ({object_id}):
    userId={app_id}
    pkg=Package{{{pkg_id} {name}}}
    codePath={code_path}
    resourcePath={code_path}
    legacyNativeLibraryDir={code_path}/lib
    primaryCpuAbi=armeabi-v7a
    secondaryCpuAbi=null
    versionCode={version_code} minSdk=21 targetSdk=29
    versionName={version_name}
    splits=[base]
    apkSigningVersion=2
    applicationInfo=ApplicationInfo{{{info_id} {name}}}
    flags=[ {flags} ]
    privateFlags=[ PRIVATE_FLAG_ACTIVITIES_RESIZE_MODE_RESIZEABLE_VIA_SDK_VERSION ]
    dataDir=/data/user/0/{name}
    supportsScreens=[small, medium, large, xlarge, resizeable, anyDensity]
    timeStamp={installed_at}
    firstInstallTime={installed_at}
    lastUpdateTime={installed_at}
{installer_line}    signatures=PackageSignatures{{{signatures_id} version:2, signatures:[{certificate_id}], past signatures:[]}}
    installPermissionsFixed=true
    pkgFlags=[ {flags} ]
"""
_SYSTEM_INSTALL_TIME = "2008-12-31 16:00:00"
_USER_INSTALL_TIME = "2021-03-04 10:15:00"


class _ShellError(Exception):
    """What the phone prints instead of doing a command."""


def _words(line: str) -> list[str]:
    """The words of a command line as the phone's shell splits them, an unquoted `*` kept as _GLOB."""
    marked, quote, escaped = [], None, False
    for char in line:
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "*":
            char = _GLOB
        marked.append(char)
    return shlex.split("".join(marked))


class _AndroidShell:
    """The phone's state and what its shell prints for each command; callers hold the phone's lock."""

    def __init__(self, packages: Iterable[PhonePackage], users, getprop_text: str, storage: dict[str, int],
                 refuses_installer_option: bool, unlistable_users, device_admins, restricted) -> None:
        self.users = {user_id: (name, flags) for user_id, name, flags in users}
        self.packages: dict[str, PhonePackage] = {}
        next_app_id = FIRST_APP_ID
        for package in packages:
            app_id = package.app_id if package.app_id is not None else next_app_id
            next_app_id = max(next_app_id, app_id + 1)
            self.packages[package.name] = replace(package, users=set(package.users), app_id=app_id)
        self.running_for = {name: set(package.users) for name, package in self.packages.items() if package.running}
        self.getprop_text = getprop_text
        # read here, in the test's thread, so that a missing ../shared skips the test
        self.ps_text = shared_phone_output("android_data_ps.txt").read_text(encoding="utf-8")
        self.dumpsys_frame = _dumpsys_frame()
        self.storage = _SharedStorage(storage)
        self.refuses_installer_option = refuses_installer_option
        self.refused_options: set[str] = set()  # pm list packages options an older phone does not know
        self.unlistable_users = set(unlistable_users)
        self.device_admins = set(device_admins)
        self.restricted = set(restricted)
        self.kept_data: list[str] = []

    def run(self, line: str) -> str:
        try:
            words = _words(line)
        except ValueError:
            return "/system/bin/sh: syntax error: unterminated quoted string\n"
        words = [expanded for word in words for expanded in (self.storage.expand(word) if _GLOB in word else [word])]
        if not words:
            return ""
        program = self._programs().get(words[0])
        if program is None:
            return f"/system/bin/sh: {words[0]}: inaccessible or not found\n"
        try:
            return program(words[1:])
        except _ShellError as error:
            return f"{error}\n"

    def _programs(self):
        return {"getprop": self._getprop, "pm": self._pm, "am": self._am, "dumpsys": self._dumpsys,
                "ps": self._ps, "du": self._du, "rm": self._rm, "ls": self._ls}

    def property(self, name: str) -> str:
        return next((found.group(2) for found in map(_PROPERTY.match, self.getprop_text.splitlines())
                     if found and found.group(1) == name), "")

    # getprop, ps

    def _getprop(self, args: list[str]) -> str:
        return self.getprop_text if not args else self.property(args[0]) + "\n"

    def _ps(self, args: list[str]) -> str:
        if args != ["-A"]:
            raise _ShellError(f"ps: Unknown option '{' '.join(args)}'")
        lines = [self.ps_text.rstrip("\n")]
        for name, users in sorted(self.running_for.items()):
            package = self.packages[name]
            for user in sorted(users):
                owner = f"u{user}_a{package.app_id - 10000}" if package.app_id >= 10000 else "system"
                pid = 20000 + 1000 * user + package.app_id % 1000
                lines.append(f"{owner:<12} {pid:>5} {700:>5} {4321987:>7} {98765:>6} {'SyS_epoll_wait':<16} {0:>4} S {name}")
        return "\n".join(lines) + "\n"

    # pm

    def _pm(self, args: list[str]) -> str:
        if args[:2] == ["list", "users"]:
            return "Users:\n" + "".join(f"\tUserInfo{{{user}:{name}:{flags:x}}} running\n"
                                        for user, (name, flags) in sorted(self.users.items()))
        if args[:2] == ["list", "packages"]:
            return self._list_packages(args[2:])
        if args[:1] == ["list"]:
            raise _ShellError(f"Error: unknown list type '{args[1] if len(args) > 1 else ''}'")
        if args[:1] == ["uninstall"]:
            return self._uninstall(args[1:])
        raise _ShellError(f"Unknown command: {args[0] if args else ''}")

    def _list_packages(self, args: list[str]) -> str:
        options, user, filters = set(), 0, []
        remaining = deque(args)
        while remaining:
            arg = remaining.popleft()
            if arg == "--user":
                user = _user_argument(remaining)
            elif (arg in ("-f", "-U", "-s", "-3", "-l", "--show-versioncode") or (arg == "-i" and not self.refuses_installer_option)) \
                    and arg not in self.refused_options:
                options.add(arg)
            elif arg.startswith("-"):
                raise _ShellError(f"Error: Unknown option: {arg}")
            else:
                filters.append(arg)
        self._listable(user)
        return "".join(self._package_line(package, user, options) + "\n" for package in self._listed(user, options, filters))

    def _listable(self, user: int) -> None:
        if user in self.unlistable_users:
            raise _ShellError("Exception occurred while executing 'list':\n"
                              f"java.lang.SecurityException: Shell does not have permission to access user {user}\n"
                              "\tat com.android.server.am.UserController.handleIncomingUser(UserController.java:2534)")
        if user not in self.users:
            raise _ShellError(f"Failure [user {user} doesn't exist]")

    def _listed(self, user: int, options: set[str], filters: list[str]) -> list[PhonePackage]:
        return [package for name, package in sorted(self.packages.items())
                if user in package.users and all(text in name for text in filters)
                and not ("-s" in options and not package.system) and not ("-3" in options and package.system)]

    @staticmethod
    def _package_line(package: PhonePackage, user: int, options: set[str]) -> str:
        line = "package:" + (package.apk_path() + "=" if "-f" in options else "") + package.name
        if "--show-versioncode" in options:
            line += f" versionCode:{package.version_code}"
        if "-i" in options:
            line += f"  installer={package.installer or 'null'}"
        if "-U" in options:
            line += f" uid:{package.uid(user)}"
        return line

    def _uninstall(self, args: list[str]) -> str:
        user, keep_data, name = self._user_and_package(args, extra_flags=("-k",))
        package = self.packages.get(name)
        targets = package.users if package is not None and user is None else {user}
        if package is None or not targets & package.users:
            return f"Failure [not installed for {0 if user is None else user}]\n"
        if name in self.device_admins:
            return "Failure [DELETE_FAILED_DEVICE_POLICY_MANAGER]\n"
        if name in self.restricted:
            return "Failure [DELETE_FAILED_USER_RESTRICTED]\n"
        if package.system and user is None:
            return "Failure [DELETE_FAILED_INTERNAL_ERROR]\n"  # a system app leaves a user, never the phone
        if keep_data:
            self.kept_data.append(name)
        package.users -= targets
        self._stop(name, targets)
        if not package.users and not package.system:
            del self.packages[name]
        return "Success\n"

    # am

    def _am(self, args: list[str]) -> str:
        if args[:1] != ["force-stop"]:
            raise _ShellError(f"Unknown command: {args[0] if args else ''}")
        user, _, name = self._user_and_package(args[1:], users_word=True)
        package = self.packages.get(name)
        if package is not None:
            self._stop(name, set(package.users) if user is None else {user})
        return ""

    def _stop(self, name: str, users: set[int]) -> None:
        running = self.running_for.get(name, set()) - users
        if running:
            self.running_for[name] = running
        else:
            self.running_for.pop(name, None)

    @staticmethod
    def _user_and_package(args: list[str], extra_flags=(), users_word=False) -> tuple[int | None, bool, str]:
        """`[--user N] [flag] PACKAGE` as pm and am read them; N None means every user."""
        user, flagged, remaining = None, False, deque(args)
        while remaining and remaining[0].startswith("-"):
            option = remaining.popleft()
            if option == "--user":
                word = remaining[0] if remaining else ""
                if users_word and word in ("all", "current"):
                    remaining.popleft()
                    user = None if word == "all" else 0
                else:
                    user = _user_argument(remaining)
            elif option in extra_flags:
                flagged = True
            else:
                raise _ShellError(f"Error: Unknown option: {option}")
        if len(remaining) != 1:
            raise _ShellError("Error: package name not specified")
        return user, flagged, remaining[0]

    # dumpsys package

    def _dumpsys(self, args: list[str]) -> str:
        if args[:1] != ["package"]:
            raise _ShellError(f"Can't find service: {args[0] if args else ''}")
        names = args[1:] or sorted(self.packages)
        missing = [name for name in names if name not in self.packages]
        if missing:
            raise _ShellError(f"Unable to find package: {missing[0]}")
        before, after = self.dumpsys_frame
        return before + "Packages:\n" + "".join(self._package_block(self.packages[name]) for name in names) + after

    def _package_block(self, package: PhonePackage) -> str:
        flags = ("SYSTEM " if package.system else "") + "HAS_CODE ALLOW_CLEAR_USER_DATA ALLOW_BACKUP"
        installer_line = f"    installerPackageName={package.installer}\n" if package.installer else ""
        block = _PACKAGE_BLOCK.format(
            name=package.name, object_id=_object_id(package.name), app_id=package.app_id,
            pkg_id=_object_id("pkg", package.name), info_id=_object_id("info", package.name),
            signatures_id=_object_id("signatures", package.name), certificate_id=_object_id("certificate", package.name)[:8],
            code_path=package.code_path(), version_code=package.version_code, version_name=package.version_name,
            flags=flags, installed_at=_SYSTEM_INSTALL_TIME if package.system else _USER_INSTALL_TIME,
            installer_line=installer_line)
        users = "".join(_USER_LINE.format(user=user, inode=-4294835000 - package.app_id - user,
                                          installed=str(user in package.users).lower()) + "\n" for user in sorted(self.users))
        return block + users

    # shared storage: du, rm, ls

    def _du(self, args: list[str]) -> str:
        paths = _operands(args, "du", required={"s", "k"})
        return "".join(f"{self.storage.kib(path)}\t{path}\n" if self.storage.exists(path)
                       else f"du: {path}: No such file or directory\n" for path in paths)

    def _rm(self, args: list[str]) -> str:
        paths = _operands(args, "rm", required={"r", "f"})
        for path in paths:
            self.storage.remove(path)
        return ""

    def _ls(self, args: list[str]) -> str:
        paths = _operands(args, "ls", required={"d"})
        return "".join(f"{path}\n" if self.storage.exists(path) else f"ls: {path}: No such file or directory\n" for path in paths)


def _operands(args: list[str], program: str, required: set[str]) -> list[str]:
    """The paths after a toybox program's single-letter options, which must be exactly `required`."""
    letters, remaining = set(), deque(args)
    while remaining and remaining[0].startswith("-") and remaining[0] != "-":
        option = remaining.popleft()
        if option == "--":
            break
        letters |= set(option[1:])
    if letters - required:
        raise _ShellError(f"{program}: Unknown option '{''.join(sorted(letters - required))}' (see \"{program} --help\")")
    if letters != required:
        raise _ShellError(f"{program}: the stand-in phone answers only {program} -{''.join(sorted(required))}")
    return list(remaining)


def _user_argument(remaining: deque[str]) -> int:
    if not remaining:
        raise _ShellError('Error: Argument expected after "--user"')
    word = remaining.popleft()
    if not word.isdigit():
        raise _ShellError(f"Exception occurred while executing:\njava.lang.NumberFormatException: For input string: \"{word}\"")
    return int(word)


def _dumpsys_frame() -> tuple[str, str]:
    """The real capture's lines before its `Packages:` section, and the sections after it."""
    text = shared_phone_output("android_data_dumpsys_packages.txt").read_text(encoding="utf-8")
    before, _, packages = text.partition("Packages:\n")
    after = re.search(r"^\S", packages, re.MULTILINE)
    return before, "\n" + packages[after.start():] if after else "\n"


def _with_properties(text: str, values: dict[str, str]) -> str:
    """getprop's text with these properties set: their lines replaced, or added in sorted place."""
    lines = text.splitlines()
    for name, value in values.items():
        line = f"[{name}]: [{value}]"
        names = [found.group(1) if (found := _PROPERTY.match(existing)) else None for existing in lines]
        if name in names:
            lines[names.index(name)] = line
        else:
            lines.insert(next((index for index, other in enumerate(names) if other and other > name), len(lines)), line)
    return "\n".join(lines) + "\n"


# --- the phone --------------------------------------------------------------------------------------

class StandInPhone:
    """A phone on 127.0.0.1 that adb-shell can connect to; see the module docstring."""

    def __init__(self, packages: Iterable[PhonePackage] = (), users=((0, "Owner", 0xC13),),
                 getprop_text: str | None = None, model: str = "SM-A405FN", manufacturer: str = "samsung",
                 serial: str = "R58M123456X", authorised_keys=(), allow: str = "tap", allow_delay: float = 0.0,
                 always_allow: bool = False, refuses_installer_option: bool = False, unlistable_users=(),
                 device_admins=(), restricted=(), shared_storage: dict[str, int] | None = None,
                 unplug_after: int | None = None, offline: bool = False, refused_options=(), android_version: str = "11") -> None:
        if allow not in ("tap", "never"):
            raise ValueError('allow is "tap" or "never"; a remembered key is one of authorised_keys')
        if getprop_text is None:
            getprop_text = shared_phone_output("android_data_getprop.txt").read_text(encoding="utf-8")
        getprop_text = _with_properties(getprop_text, {"ro.product.model": model, "ro.product.manufacturer": manufacturer,
                                                       "ro.serialno": serial, "ro.build.version.release": android_version})
        self._shell = _AndroidShell(packages, users, getprop_text, shared_storage or {}, refuses_installer_option,
                                    unlistable_users, device_admins, restricted)
        self._shell.refused_options = set(refused_options)
        self._remembered = [_public_key(key) for key in authorised_keys]
        self.allow, self.allow_delay, self.always_allow = allow, allow_delay, always_allow
        self.unplug_after, self.offline = unplug_after, offline
        self.prompts: list[DebuggingPrompt] = []
        self.commands: list[str] = []  # every shell command line received, in order
        self.writes: list[tuple[str, int]] = []  # (command line, data bytes) of every WRTE sent
        self.address = ""
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._gone = False
        self._connections: set[_Wire] = set()
        self._threads: list[threading.Thread] = []
        self._listener: socket.socket | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None
        self._accepting: threading.Thread | None = None

    # what tests read

    def installed(self, user: int) -> set[str]:
        with self._lock:
            return {name for name, package in self._shell.packages.items() if user in package.users}

    def running(self) -> set[str]:
        with self._lock:
            return set(self._shell.running_for)

    def storage(self) -> dict[str, int]:
        """Shared storage now: each folder's own KiB, named below /storage/emulated/0 for user 0."""
        with self._lock:
            return self._shell.storage.folders()

    @property
    def kept_data(self) -> list[str]:
        """The packages uninstalled with `-k` (keeping their data): a check must never do that."""
        return list(self._shell.kept_data)

    # life

    def serve(self) -> str:
        """Starts listening on 127.0.0.1 (daemon threads) and returns "127.0.0.1:PORT"."""
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._wake = socket.socketpair()
        self.address = "127.0.0.1:%d" % self._listener.getsockname()[1]
        self._accepting = threading.Thread(target=self._accept_connections, name="StandInPhone accept", daemon=True)
        self._accepting.start()
        return self.address

    def close(self) -> None:
        """Stops listening, drops every connection and waits for the phone's threads to end."""
        self._closing.set()
        self._stop_listening()
        self._drop_connections()
        for thread in list(self._threads):
            thread.join(timeout=5)
        if self._wake is not None:
            for end in self._wake:
                end.close()

    def __enter__(self) -> StandInPhone:
        self.serve()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _accept_connections(self) -> None:
        with self._listener:
            while True:
                readable, _, _ = select.select([self._listener, self._wake[0]], [], [])
                if self._wake[0] in readable:
                    return
                try:
                    sock, _ = self._listener.accept()
                except OSError:  # the client gave up before it was accepted
                    continue
                self._start_connection(sock)

    def _start_connection(self, sock: socket.socket) -> None:
        wire = _Wire(sock)
        with self._lock:
            if self._gone or self._closing.is_set():
                wire.close()
                return
            thread = threading.Thread(target=self._serve_connection, args=(wire,), name="StandInPhone connection", daemon=True)
            self._connections.add(wire)
            self._threads.append(thread)
        thread.start()

    def _stop_listening(self) -> None:
        if self._accepting is None:
            return
        try:
            self._wake[1].send(b"!")
        except OSError:
            pass
        if threading.current_thread() is not self._accepting:
            self._accepting.join(timeout=5)

    def _drop_connections(self) -> None:
        with self._lock:
            connections = list(self._connections)
        for wire in connections:
            wire.drop()

    def _unplug(self) -> None:
        with self._lock:
            self._gone = True
        self._stop_listening()
        self._drop_connections()

    # one connection

    def _serve_connection(self, wire: _Wire) -> None:
        try:
            connection = _Connection(self, wire)
            if connection.authenticate():
                connection.serve_streams()
        except (_Dropped, OSError, struct.error):
            pass
        finally:
            wire.close()
            with self._lock:
                self._connections.discard(wire)

    def _accepts(self, token: bytes, signature: bytes, allowed: list[rsa.RSAPublicKey]) -> bool:
        with self._lock:
            keys = [*self._remembered, *allowed]
        return any(_signed_by(key, token, signature) for key in keys)

    def _ask_person(self, offered: bytes) -> rsa.RSAPublicKey | None:
        """The "Allow USB debugging?" prompt: the key allowed for this connection, or None."""
        decoded = _decoded_key(offered)
        if decoded is None:
            return None
        key, fingerprint = decoded
        computer = offered.rstrip(b"\0").partition(b" ")[2].decode("utf-8", "replace").strip()
        with self._lock:
            self.prompts.append(DebuggingPrompt(fingerprint, key, computer))
        if self.allow == "never" or self._closing.wait(self.allow_delay):
            return None
        if self.always_allow:
            with self._lock:
                self._remembered.append(key)
        return key

    def _banner(self) -> bytes:
        with self._lock:
            model = self._shell.property("ro.product.model")
            name = self._shell.property("ro.product.name") or model
            device = self._shell.property("ro.product.device") or model
        return f"device::ro.product.name={name};ro.product.model={model};ro.product.device={device};features=shell_v2,cmd\0".encode()

    def _arrives(self, line: str) -> bool:
        """Records a shell command; False when it is the one during which the phone is unplugged."""
        with self._lock:
            self.commands.append(line)
            return self.unplug_after is None or len(self.commands) < self.unplug_after

    def _run(self, line: str) -> str:
        with self._lock:
            return self._shell.run(line)

    def _wrote(self, line: str, size: int) -> None:
        with self._lock:
            self.writes.append((line, size))


class _Connection:
    """The device side of one ADB connection: CNXN and AUTH, then one stream after another."""

    def __init__(self, phone: StandInPhone, wire: _Wire) -> None:
        self._phone = phone
        self._wire = wire
        self._allowed: list[rsa.RSAPublicKey] = []
        self._pending: deque[_Message] = deque()  # OPENs that came while a stream was being written
        self._next_stream = 1
        self._max_payload = MAX_PAYLOAD

    def authenticate(self) -> bool:
        hello = self._next(CNXN)
        if self._phone.offline:
            while True:
                self._wire.receive()
        self._max_payload = min(MAX_PAYLOAD, hello.arg1) or MAX_PAYLOAD
        token = self._send_token()
        while True:
            message = self._next(AUTH)
            if message.arg0 == AUTH_SIGNATURE:
                if self._phone._accepts(token, message.data, self._allowed):
                    return self._connected()
                token = self._send_token()
            elif message.arg0 == AUTH_RSAPUBLICKEY:
                key = self._phone._ask_person(message.data)
                if key is not None:
                    self._allowed.append(key)
                    return self._connected()

    def serve_streams(self) -> None:
        while True:
            message = self._pending.popleft() if self._pending else self._wire.receive()
            if message.command == OPEN:
                self._open(message)
            # OKAY, WRTE and CLSE of streams already closed are passed over, as adbd does

    def _next(self, command: bytes) -> _Message:
        while True:
            message = self._wire.receive()
            if message.command == command:
                return message

    def _send_token(self) -> bytes:
        token = os.urandom(TOKEN_BYTES)
        self._wire.send(AUTH, AUTH_TOKEN, 0, token)
        return token

    def _connected(self) -> bool:
        self._wire.send(CNXN, VERSION, MAX_PAYLOAD, self._phone._banner())
        return True

    def _open(self, message: _Message) -> None:
        service = message.data.rstrip(b"\0").decode("utf-8", "replace")
        client_stream, stream = message.arg0, self._next_stream
        self._next_stream += 1
        if not service.startswith("shell:"):
            self._wire.send(CLSE, 0, client_stream)
            return
        line = service[len("shell:"):]
        self._wire.send(OKAY, stream, client_stream)
        if not self._phone._arrives(line):
            self._phone._unplug()
            raise _Dropped("unplugged")
        output = self._phone._run(line).encode()
        for start in range(0, len(output), self._max_payload):
            chunk = output[start:start + self._max_payload]
            self._wire.send(WRTE, stream, client_stream, chunk)
            self._phone._wrote(line, len(chunk))
            if not self._acknowledged(stream):
                return
        self._wire.send(CLSE, stream, client_stream)

    def _acknowledged(self, stream: int) -> bool:
        """Waits for the client's OKAY of the last WRTE; False when it closed the stream instead."""
        while True:
            message = self._wire.receive()
            if message.command == OPEN:
                self._pending.append(message)
            elif message.arg1 == stream and message.command in (OKAY, CLSE):
                return message.command == OKAY
