"""Android packages as `pm list packages -f -i -U --show-versioncode` and `dumpsys package` print them."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from appwarden.core.messages import Message
from appwarden.core.sources.android.parsed import PACKAGE_NAME, Parsed, quoted, refusal

# Android gives each user a range of 100,000 uids: uid 1010234 is app 10234 of user 10.
UIDS_PER_USER = 100_000


@dataclass(frozen=True)
class AndroidPackage:
    name: str
    installer: str | None = None  # None when the phone says installer=null or does not say
    version_name: str = ""
    version_code: str = ""
    uids: tuple[int, ...] = ()
    users: tuple[int, ...] = ()  # the users it is installed for, when the output says
    apk_path: str = ""
    system: bool | None = None  # None when the output does not say (pm list packages)
    first_install_time: str = ""


def user_of(uid: int) -> int:
    return uid // UIDS_PER_USER


# --- pm list packages ---------------------------------------------------------------------------

_UID = re.compile(r"uid:(\d+(?:,\d+)*)")
_VERSION_CODE = re.compile(r"versionCode:(-?\d+)")
_INSTALLER = re.compile(r"installer=(\S*)")


def parse_pm_list_packages(text: str) -> Parsed[AndroidPackage]:
    """Each `package:` line, read from the right: the APK path before the name may hold `=`."""
    packages: list[AndroidPackage] = []
    problems: list[Message] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        package = _pm_list_line(line)
        if package is not None:
            packages.append(package)
        else:
            problems.append(refusal(line) or Message.of("line {number} of the package list is not a package: {line}", number=number, line=quoted(line)))
    return Parsed(tuple(packages), tuple(problems))


def _pm_list_line(line: str) -> AndroidPackage | None:
    if not line.startswith("package:"):
        return None
    words = line[len("package:"):].split(" ")
    fields: dict[str, str] = {}
    while words and _trailing_field(words[-1], fields):
        words.pop()
    rest = " ".join(words).rstrip()
    apk_path, _, name = rest.rpartition("=")
    if not PACKAGE_NAME.fullmatch(name):
        return None
    uids = tuple(int(uid) for uid in fields.get("uid", "").split(",") if uid)
    installer = fields.get("installer")
    return AndroidPackage(
        name=name,
        installer=None if installer in (None, "", "null") else installer,
        version_code=fields.get("versionCode", ""),
        uids=uids,
        users=tuple(sorted({user_of(uid) for uid in uids})),
        apk_path=apk_path,
    )


def _trailing_field(word: str, fields: dict[str, str]) -> bool:
    """Take one `uid:`, `versionCode:` or `installer=` word off the end of a line (or a blank)."""
    if word == "":
        return True
    for key, prefix, pattern in _TRAILING_FIELDS:
        if word.startswith(prefix):  # one pattern at most is tried for a word
            found = pattern.fullmatch(word)
            if found and key not in fields:
                fields[key] = found.group(1)
                return True
            return False
    return False


_TRAILING_FIELDS = (("uid", "uid:", _UID), ("versionCode", "versionCode:", _VERSION_CODE), ("installer", "installer=", _INSTALLER))


# --- dumpsys package ----------------------------------------------------------------------------

_PACKAGE_HEADER = re.compile(r"^  Package \[([^\]]*)\]")
_USER_STATE = re.compile(r"^\s+User (\d+):.*\binstalled=(true|false)\b")
_FLAGS = re.compile(r"^\s+(?:pkgFlags|flags)=\[(.*)\]\s*$")
_KEYS = {"versionName": "version_name", "installerPackageName": "installer", "firstInstallTime": "first_install_time", "codePath": "apk_path"}


def parse_dumpsys_package(text: str) -> Parsed[AndroidPackage]:
    """The `Packages:` section of `dumpsys package` (all packages, or `dumpsys package PKG`)."""
    packages: list[AndroidPackage] = []
    problems: list[Message] = []
    block: list[str] | None = None
    in_section = False
    for line in text.splitlines():
        if line.startswith("Packages:"):
            in_section = True
            continue
        if in_section and line.strip() and not line.startswith(" "):
            in_section = False  # the next section (Hidden system packages:, Queries:, ...) begins
        if not in_section:
            continue
        if _PACKAGE_HEADER.match(line):
            _finish(block, packages, problems)
            block = [line]
        elif block is not None:
            block.append(line)
    _finish(block, packages, problems)
    return Parsed(tuple(packages), tuple(problems))


def _finish(block: list[str] | None, packages: list[AndroidPackage], problems: list[Message]) -> None:
    if not block:
        return
    name = _PACKAGE_HEADER.match(block[0]).group(1)
    if not PACKAGE_NAME.fullmatch(name):
        problems.append(Message.of("an entry of the package section names no valid package: {line}", line=quoted(block[0])))
        return
    package = _package_block(name, block[1:])
    if not package.version_code:
        problems.append(Message.of("the entry of package {name} is incomplete (the capture may be cut short)", name=name))
    packages.append(package)


def _package_block(name: str, lines: list[str]) -> AndroidPackage:
    values: dict[str, object] = {}
    installed_for: list[int] = []
    for line in lines:
        stripped = line.strip()
        if (state := _USER_STATE.match(line)) is not None:
            if state.group(2) == "true":
                installed_for.append(int(state.group(1)))
        elif (flags := _FLAGS.match(line)) is not None:
            values["system"] = bool(values.get("system")) or "SYSTEM" in flags.group(1).split()
        elif stripped.startswith("versionCode="):
            values.setdefault("version_code", stripped.split()[0].partition("=")[2])
        elif stripped.startswith("userId="):
            uid = stripped[len("userId="):].split(" ", 1)[0]
            if uid.isdigit() and len(uid) <= 10:
                values.setdefault("uids", (int(uid),))
        else:
            key, equals, value = stripped.partition("=")
            if equals and key in _KEYS:
                values.setdefault(_KEYS[key], value)
    package = AndroidPackage(name=name, **values)  # type: ignore[arg-type]
    installer = package.installer
    return replace(package, installer=None if installer in (None, "", "null") else installer, users=tuple(sorted(set(installed_for))))
