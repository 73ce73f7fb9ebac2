"""Checking every account: the same read-only check, run again as a separate AppWarden with
administrator rights (Linux pkexec, Windows UAC), which writes its JSON report into a file prepared
for it in a folder only this account can read. macOS offers no elevation without a shell.

Both sides are here: the asking side (`prepare_report_file`, `elevation_for`, `run_elevated_check`)
and the elevated side (`write_into_prepared_file`, behind `appwarden scan --write-into FILE`).
"""

from __future__ import annotations

import abc
import contextlib
import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from appwarden import core
from appwarden.core.errors import AppWardenError, UsageError
from appwarden.core.files import KIND_REASONS
from appwarden.core.findings import ScanResult
from appwarden.core.messages import Message
from appwarden.core.policy.model import PolicySet
from appwarden.core.sources.base import LINUX, MACOS, WINDOWS

PKEXEC_REFUSED = frozenset({126, 127})  # pkexec: the person dismissed the prompt, or was not authorised
ERROR_CANCELLED = 1223  # Windows: the person answered No to the UAC prompt
MAX_REPORT_BYTES = 64 * 1024 * 1024
REPORT_NAME = "report.json"


class ElevatedCheckError(AppWardenError):
    """The check with administrator rights ran but gave no report."""


@dataclass(frozen=True)
class PreparedReport:
    """An empty file in a private folder, which only the elevated AppWarden fills."""

    folder: Path
    file: Path

    def read(self) -> dict:
        """The JSON report the elevated check wrote; ElevatedCheckError when there is none."""
        try:
            fd = os.open(self.file, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
            with open(fd, "rb") as stream:
                data = stream.read(MAX_REPORT_BYTES + 1)
        except OSError as error:
            raise _no_report(error.strerror or str(error)) from None
        if not data or len(data) > MAX_REPORT_BYTES:
            raise _no_report("empty" if not data else "too large")
        try:
            report = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise _no_report("not JSON") from None
        if not isinstance(report, dict):
            raise _no_report("not a report")
        return report

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            shutil.rmtree(self.folder)


def _no_report(detail: str) -> ElevatedCheckError:
    return ElevatedCheckError(Message.of("The check with administrator rights gave no report."), detail=detail)


def prepare_report_file() -> PreparedReport:
    """A new folder only this account can open (mkdtemp makes it 0700), holding a new empty file."""
    try:
        folder = Path(tempfile.mkdtemp(prefix="appwarden-all-accounts-"))
        file = folder / REPORT_NAME
        os.close(os.open(file, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), 0o600))
    except OSError as error:
        raise ElevatedCheckError(
            Message.of("No private folder could be made for the report of the check with administrator rights: {error}.",
                       error=error.strerror or error)
        ) from None
    return PreparedReport(folder, file)


def write_into_prepared_file(path: Path, text: str) -> None:
    """The elevated side: write into the empty file the asking AppWarden prepared, and nowhere else.

    Nothing is created and nothing replaced: a link, anything but an empty regular file with one
    name, or a file of another account than the one who asked is refused with a sentence.
    """
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as error:
        reason = KIND_REASONS[stat.S_IFLNK] if error.errno == errno.ELOOP else Message(error.strerror or str(error))
        raise _refused(path, reason) from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode) or status.st_size != 0 or status.st_nlink != 1:
            raise _refused(path, Message.of("it is not an empty file prepared for the report"))
        if hasattr(os, "geteuid") and status.st_uid != asking_account():
            raise _refused(path, Message.of("it belongs to another account than the one that asked for the check"))
        with open(fd, "w", encoding="utf-8", closefd=False) as stream:
            stream.write(text)
    finally:
        os.close(fd)


def asking_account() -> int:
    """The account that asked for this elevated check: pkexec and sudo name it; else this one."""
    for variable in ("PKEXEC_UID", "SUDO_UID"):
        value = os.environ.get(variable, "")
        if value.isdigit():
            return int(value)
    return os.geteuid()


def _refused(path: Path, reason: Message) -> UsageError:
    return UsageError(Message.of("The report was not written into {path}: {reason}.", path=path, reason=reason))


def appwarden_command() -> list[str]:
    """How to start AppWarden's command line again: the bundle's own program, else this Python."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).with_name("appwarden.exe" if os.name == "nt" else "appwarden"))]
    return [sys.executable, "-m", core.__name__]


def elevated_scan_arguments(report: PreparedReport, policies: tuple[str, ...], no_default_policy: bool) -> list[str]:
    """The same check of this device, in English (as history keeps it), recorded by the asking side only."""
    arguments = ["scan", "--format", "json", "--no-history", "--lang", "en", "--write-into", str(report.file)]
    for policy in policies:
        arguments += ["--policy", str(Path(policy).resolve())]
    return arguments + (["--no-default-policy"] if no_default_policy else [])


@dataclass(frozen=True)
class ElevatedRun:
    """How the elevated AppWarden ended: `cancelled` when the person declined the prompt."""

    exit_code: int
    cancelled: bool = False
    output: str = ""  # what it said on stderr, when the elevation keeps it


class Elevation(abc.ABC):
    """One system's way to start a program with administrator rights, without a shell."""

    @abc.abstractmethod
    def run(self, argv: list[str]) -> ElevatedRun:
        """Run argv elevated and wait for it to end."""


class Pkexec(Elevation):
    """Linux: polkit's pkexec asks for an administrator's password and runs the program as root."""

    def __init__(self, program: str) -> None:
        self.program = program

    def run(self, argv: list[str]) -> ElevatedRun:
        completed = subprocess.run([self.program, *argv], stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace")
        return ElevatedRun(completed.returncode, completed.returncode in PKEXEC_REFUSED, completed.stderr.strip())


class WindowsUac(Elevation):
    """Windows: ShellExecuteExW with the "runas" verb shows the UAC prompt (no console, no pipe)."""

    def run(self, argv: list[str]) -> ElevatedRun:  # pragma: no cover - needs Windows
        import ctypes
        from ctypes import wintypes

        class ShellExecuteInfo(ctypes.Structure):
            _fields_ = [("cbSize", wintypes.DWORD), ("fMask", ctypes.c_ulong), ("hwnd", wintypes.HWND),
                        ("lpVerb", wintypes.LPCWSTR), ("lpFile", wintypes.LPCWSTR), ("lpParameters", wintypes.LPCWSTR),
                        ("lpDirectory", wintypes.LPCWSTR), ("nShow", ctypes.c_int), ("hInstApp", wintypes.HINSTANCE),
                        ("lpIDList", ctypes.c_void_p), ("lpClass", wintypes.LPCWSTR), ("hkeyClass", wintypes.HKEY),
                        ("dwHotKey", wintypes.DWORD), ("hIcon", wintypes.HANDLE), ("hProcess", wintypes.HANDLE)]

        see_mask_nocloseprocess, sw_hide, infinite = 0x40, 0, 0xFFFFFFFF
        info = ShellExecuteInfo(cbSize=ctypes.sizeof(ShellExecuteInfo), fMask=see_mask_nocloseprocess, lpVerb="runas",
                                lpFile=argv[0], lpParameters=subprocess.list2cmdline(argv[1:]), nShow=sw_hide)
        shell32 = ctypes.WinDLL("shell32", use_last_error=True)
        if not shell32.ShellExecuteExW(ctypes.byref(info)):
            error = ctypes.get_last_error()
            return ElevatedRun(error, error == ERROR_CANCELLED, ctypes.FormatError(error))
        kernel32 = ctypes.windll.kernel32
        kernel32.WaitForSingleObject(info.hProcess, infinite)
        code = wintypes.DWORD()
        kernel32.GetExitCodeProcess(info.hProcess, ctypes.byref(code))
        kernel32.CloseHandle(info.hProcess)
        return ElevatedRun(code.value)


def elevation_for(os_name: str) -> Elevation | None:
    """How this system elevates, or None (macOS; a Linux without pkexec): then only an administrator
    can check every account, as `how_an_administrator_checks` says."""
    if os_name == WINDOWS:
        return WindowsUac()
    if os_name == LINUX and (program := shutil.which("pkexec")) is not None:
        return Pkexec(program)
    return None


def how_an_administrator_checks(os_name: str) -> Message:
    """What to do instead, where AppWarden cannot ask for administrator rights itself."""
    if os_name == WINDOWS:
        return Message.of("To check every account, an administrator opens a command prompt with "
                          "Run as administrator and runs: appwarden scan")
    if os_name == MACOS:
        return Message.of("To check every account, an administrator (or you, from an administrator account) "
                          "opens Terminal and runs: sudo appwarden scan")
    return Message.of("To check every account, run the check with administrator rights: sudo appwarden scan")


def run_elevated_check(elevation: Elevation, arguments: list[str], report: PreparedReport) -> dict | None:
    """The elevated check's JSON report, or None when the person declined the prompt."""
    ended = elevation.run([*appwarden_command(), *arguments])
    if ended.cancelled:
        return None
    if ended.exit_code not in (0, 1):  # 0 and 1 follow the findings; anything else is an error
        raise ElevatedCheckError(
            Message.of("The check with administrator rights stopped (exit code {code}).", code=ended.exit_code),
            detail=ended.output,
        )
    return report.read()


def elevated_result(report: dict, policies: PolicySet) -> ScanResult:
    """The elevated check's result, shown and recorded as a check of this device: with this
    computer's own packs (the elevated check used the same), so its findings can be removed."""
    from appwarden.core.reports.json_reader import received_from_history, with_packs_of_this_computer

    try:
        received = with_packs_of_this_computer(received_from_history(report), policies)
    except AppWardenError as error:
        raise _no_report(str(error)) from None
    if not received.result.target.live:
        raise _no_report("not a check of this device")
    return received.result
