"""Windows uninstall strings turned into argument lists without a shell, or refused with a reason.

Splitting follows CommandLineToArgvW, the rules every Windows program uses to read its command
line: the program name ends at its closing quote (no escapes), arguments follow the backslash
and quote rules. Only what an uninstaller needs is accepted; anything meant for a shell is not.
Paths are read as Win32 reads them (`windows_path`) before any comparison, and the program runs
by the path that was checked; an install folder that Windows or every program shares vouches for
nothing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from appwarden.core.messages import Message

SHELL_OPERATORS = frozenset("&|<>^")
VARIABLE = re.compile(r"%[^%\s\"]+%")  # cmd.exe's %NAME% expansion
GUID = re.compile(r"\{[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\}")
PROGRAM_SUFFIX = re.compile(r"\.(exe|com)$", re.IGNORECASE)
FULL_PATH = re.compile(r"^(?:[A-Za-z]:[\\/]|[\\/]{2})")  # from a drive's root, or UNC and device paths
NOT_IN_NAMES = frozenset('<>"|?*').union(map(chr, range(32)))  # Win32 refuses these in a file name
DEVICE_NAMES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{digit}" for port in ("COM", "LPT") for digit in "0123456789\u00b9\u00b2\u00b3"}
)
DEFAULT_WINDOWS_FOLDER = "C:\\Windows"
# Programs that run other commands or arbitrary code: never an uninstaller of its own.
INTERPRETERS = frozenset({
    "cmd", "powershell", "pwsh", "rundll32", "wscript", "cscript", "mshta", "regsvr32", "conhost", "explorer", "start",
    "forfiles", "schtasks", "wmic", "at", "runas", "wsl", "bash", "msbuild", "installutil", "pcalua",
    "python", "pythonw", "py", "node", "dotnet",
})
# Folders (names upper-cased, below a drive's root) that Windows, every program or a whole profile shares.
PROGRAM_FILES = frozenset({"PROGRAM FILES", "PROGRAM FILES (X86)", "PROGRAM FILES (ARM)"})
USERS = frozenset({"USERS", "DOCUMENTS AND SETTINGS"})
SHARED_BY_PROGRAMS = frozenset(
    {("PROGRAMDATA",)} | {(folder,) for folder in PROGRAM_FILES} | {(folder, "COMMON FILES") for folder in PROGRAM_FILES}
)
PROFILE_APPDATA = frozenset({("APPDATA",), ("APPDATA", "LOCAL"), ("APPDATA", "ROAMING"), ("APPDATA", "LOCALLOW")})


@dataclass(frozen=True)
class Refusal:
    reason: Message


@dataclass(frozen=True)
class WindowsPath:
    """A full path on a drive as Win32 reads it: no `/`, `.` or `..`, no name ending in a dot or space."""

    drive: str  # "C:"
    names: tuple[str, ...]

    def __str__(self) -> str:
        return self.drive + "\\" + "\\".join(self.names)

    @property
    def key(self) -> tuple[str, ...]:
        """What Windows compares: the drive and each name, upper-cased one character at a time."""
        return tuple(_upcase(part) for part in (self.drive, *self.names))

    def is_inside(self, folder: "WindowsPath") -> bool:
        """Strictly below `folder`, never `folder` itself."""
        return len(self.key) > len(folder.key) and self.key[: len(folder.key)] == folder.key


def uninstall_argv(
    command: str, install_location: str, product_codes: tuple[str, ...], quiet: bool = False,
    windows_folder: str = DEFAULT_WINDOWS_FOLDER,
) -> tuple[str, ...] | Refusal:
    """The argument list an uninstall string stands for, or why AppWarden will not run it.
    `windows_folder` is the Windows folder of the computer the command is for."""
    try:
        return _checked_argv(command.strip(" \t"), install_location, product_codes, quiet, _system_folder(windows_folder))
    except (ValueError, IndexError) as error:  # a string no rule below foresaw: refused, not raised
        return Refusal(Message.of("the uninstall command cannot be understood ({error})", error=error))


def windows_installer_removal(code: str, windows_folder: str = DEFAULT_WINDOWS_FOLDER, quiet: bool = False) -> tuple[str, ...]:
    """msiexec /x {code}, with msiexec named by its full path so no program of the same name elsewhere runs."""
    msiexec = f"{_system_folder(windows_folder)}\\System32\\msiexec.exe"
    return (msiexec, "/x", code.upper()) + (("/qn",) if quiet else ())


def running_windows_folder() -> str:
    """The Windows folder as the running Windows reports it (GetSystemWindowsDirectoryW, which an
    edited %SystemRoot% does not change); C:\\Windows on any other system."""
    if os.name != "nt":
        return DEFAULT_WINDOWS_FOLDER
    import ctypes

    buffer = ctypes.create_unicode_buffer(261)
    length = ctypes.windll.kernel32.GetSystemWindowsDirectoryW(buffer, len(buffer))
    try:
        return str(_system_folder(buffer.value)) if 0 < length < len(buffer) else DEFAULT_WINDOWS_FOLDER
    except ValueError:
        return DEFAULT_WINDOWS_FOLDER


def _checked_argv(
    command: str, install_location: str, product_codes: tuple[str, ...], quiet: bool, windows: WindowsPath
) -> tuple[str, ...] | Refusal:
    problem = _shell_problem(command)
    if problem is not None:
        return Refusal(problem)
    argv = split_command_line(command)
    if isinstance(argv, Refusal):
        return argv
    program = _program_stem(argv[0])
    if program == "msiexec":
        return _msiexec_argv(argv[1:], product_codes, quiet, windows)
    if program in INTERPRETERS:
        return _runs_commands(argv[0])
    folder = _app_folder(install_location, windows)
    if isinstance(folder, Refusal):
        return folder
    return _inside_app_folder(argv, folder, install_location, windows)


def _runs_commands(program: str) -> Refusal:
    return Refusal(Message.of("the uninstall command starts {program}, which runs other commands, not an uninstaller", program=program))


def _shell_problem(command: str) -> Message | None:
    if not command:
        return Message.of("the uninstall command is empty")
    if any(ch in command for ch in "\0\r\n"):
        return Message.of("the uninstall command spans several lines or holds a null character")
    outside = "".join(_outside_quotes(command))
    operators = sorted(SHELL_OPERATORS.intersection(outside))
    if operators:
        return Message.of("the uninstall command uses {characters}, which only a command shell understands", characters=" ".join(operators))
    if VARIABLE.search(outside):
        return Message.of("the uninstall command uses a %VARIABLE% that only a command shell expands")
    if _quote_count(command) % 2:
        return Message.of("the uninstall command has unbalanced quotation marks")
    return None


def _outside_quotes(command: str):
    """The characters of `command` that are not between quotation marks."""
    quoted, backslashes = False, 0
    for ch in command:
        if ch == '"' and backslashes % 2 == 0:
            quoted = not quoted
        elif not quoted and ch != '"':
            yield ch
        backslashes = backslashes + 1 if ch == "\\" else 0


def _quote_count(command: str) -> int:
    return sum(1 for index, ch in enumerate(command) if ch == '"' and _backslashes_before(command, index) % 2 == 0)


def _backslashes_before(text: str, index: int) -> int:
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "\\":
        count += 1
    return count


def split_command_line(command: str) -> tuple[str, ...] | Refusal:
    """argv as CommandLineToArgvW reads it; an unquoted program path with spaces is taken whole
    up to its .exe, as Windows itself finds C:\\Program Files\\App\\uninst.exe."""
    program, rest = _program_and_rest(command)
    if not program:
        return Refusal(Message.of("the uninstall command names no program"))
    if '"' in program:
        return Refusal(Message.of("the program name of the uninstall command holds a quotation mark"))
    return (program, *split_arguments(rest))


def _program_and_rest(command: str) -> tuple[str, str]:
    command = command.lstrip(" \t")
    if command.startswith('"'):
        end = command.find('"', 1)
        return command[1:end], command[end + 1:]
    candidates = [m.end() for m in re.finditer(r"\.(?:exe|com)(?=[ \t]|$)", command, re.IGNORECASE)]
    looking_like_paths = [end for end in candidates if not re.search(r"[ \t][/-]", command[:end])]
    if looking_like_paths:
        end = max(looking_like_paths)
        return command[:end], command[end:]
    first = re.match(r"[^ \t]*", command).group(0)
    return first, command[len(first):]


def split_arguments(text: str) -> list[str]:
    """Arguments after the program name, by CommandLineToArgvW's rules (as Wine implements them):
    2n backslashes and a quote give n backslashes and toggle quoting; 2n+1 give a literal quote;
    a third consecutive quote inside quotes is a literal one."""
    args: list[str] = []
    current: list[str] = []
    in_arg, quotes, backslashes = False, 0, 0
    index = 0
    while index < len(text):
        ch = text[index]
        if ch in " \t" and quotes == 0:
            if in_arg:
                args.append("".join(current))
                current, in_arg = [], False
            backslashes = 0
            index += 1
            continue
        in_arg = True
        if ch == "\\":
            current.append(ch)
            backslashes += 1
        elif ch == '"':
            if backslashes % 2 == 0:
                del current[len(current) - backslashes // 2:]
                quotes += 1
            else:
                del current[len(current) - backslashes // 2 - 1:]
                current.append('"')
            backslashes = 0
            index += 1
            while index < len(text) and text[index] == '"':
                quotes += 1
                if quotes == 3:
                    current.append('"')
                    quotes = 0
                index += 1
            if quotes == 2:
                quotes = 0
            continue
        else:
            current.append(ch)
            backslashes = 0
        index += 1
    if in_arg:
        args.append("".join(current))
    return args


def _msiexec_argv(
    arguments: tuple[str, ...] | list[str], product_codes: tuple[str, ...], quiet: bool, windows: WindowsPath
) -> tuple[str, ...] | Refusal:
    """Windows Installer's own removal of the product: msiexec /x {code}, quiet only when asked."""
    found = [m.group(0).upper() for m in (GUID.search(arg) for arg in arguments) if m]
    known = {code.upper() for code in product_codes}
    if not found:
        return Refusal(Message.of("the Windows Installer command names no product code"))
    code = found[0]
    if code not in known:
        return Refusal(Message.of("the Windows Installer command names product {code}, which is not this app's", code=code))
    return windows_installer_removal(code, str(windows), quiet)


def _app_folder(install_location: str, windows: WindowsPath) -> WindowsPath | Refusal:
    """The entry's InstallLocation, when it is a folder of the app's own that can vouch for its uninstaller."""
    text = install_location.strip().strip('"')
    if not FULL_PATH.match(text):
        return Refusal(Message.of("the entry does not say where the app is installed, so its uninstaller cannot be checked"))
    folder = windows_path(text)
    if isinstance(folder, Message):
        return Refusal(folder)
    shared = _shared_folder(folder, windows)
    if shared is not None:
        return Refusal(Message.of(
            "the entry says the app is installed in {folder}, which is {what}, not an app's own folder, so its uninstaller cannot be checked",
            folder=text, what=shared,
        ))
    return folder


def _shared_folder(folder: WindowsPath, windows: WindowsPath) -> Message | None:
    """What `folder` is when Windows, every program or a whole profile shares it; None for an app's own."""
    names = folder.key[1:]
    if not names:
        return Message.of("the root folder of a drive")
    windows_tree = _windows_tree(folder, windows)
    if windows_tree is not None:
        return windows_tree
    in_profiles, below_profile = names[0] in USERS, names[2:]
    if names in SHARED_BY_PROGRAMS or (in_profiles and below_profile == ("APPDATA", "LOCAL", "PROGRAMS")):
        return Message.of("a folder that all programs share")
    if in_profiles and len(names) == 1:
        return Message.of("the folder that holds every user's profile")
    if in_profiles and len(names) == 2:
        return Message.of("a user's profile folder")
    if in_profiles and below_profile in PROFILE_APPDATA:
        return Message.of("a user's AppData folder")
    return None


def _windows_tree(path: WindowsPath, windows: WindowsPath) -> Message | None:
    """Whether `path` is in a Windows folder, or in a folder of Windows' own programs outside it
    (Defender, PowerShell, Internet Explorer, the Store's app aliases)."""
    names = path.key[1:]
    top, second = (*names, "", "")[:2]
    if top in ("WINDOWS", "WINDOWS.OLD") or path.key[: len(windows.key)] == windows.key:
        return Message.of("a Windows folder or a folder inside it")
    if (
        (top in PROGRAM_FILES and (second.startswith("WINDOWS") or second == "INTERNET EXPLORER"))
        or (top, second) == ("PROGRAMDATA", "MICROSOFT")
        or (top in USERS and names[2:6] == ("APPDATA", "LOCAL", "MICROSOFT", "WINDOWSAPPS"))
    ):
        return Message.of("a folder of Windows' own programs or a folder inside it")
    return None


def _inside_app_folder(
    argv: tuple[str, ...], folder: WindowsPath, install_location: str, windows: WindowsPath
) -> tuple[str, ...] | Refusal:
    """argv with its program as Windows reads it, when that program is strictly inside the app's folder."""
    program = argv[0]
    path = windows_path(program) if FULL_PATH.match(program) else None
    if isinstance(path, Message):
        return Refusal(path)
    if path is None or not path.names or not PROGRAM_SUFFIX.search(path.names[-1]):
        return Refusal(Message.of("the uninstall command does not name a full program path ({program})", program=program))
    if not path.is_inside(folder):
        return Refusal(
            Message.of("the uninstaller {program} is outside the app's folder {folder}", program=program, folder=install_location)
        )
    if _program_stem(path.names[-1]) in INTERPRETERS:  # C:\App\cmd.exe\. is cmd.exe once read
        return _runs_commands(program)
    if _windows_tree(path, windows) is not None:
        return Refusal(Message.of("the uninstaller {program} is in a folder of Windows' own programs, not the app's", program=program))
    return (str(path), *argv[1:])  # what was checked is what runs: Windows has nothing left to normalise


def windows_path(text: str) -> WindowsPath | Message:
    """`text` as Win32 path normalisation reads it, or why it is not a plain path on a drive.
    Every comparison of a program with a folder goes through here, for both sides."""
    path = text.replace("/", "\\")
    if path.startswith("\\\\"):
        if path[2:3] in ("?", "."):
            return Message.of("the path {path} starts with a Windows device or namespace prefix, which AppWarden cannot check", path=text)
        return Message.of("the path {path} is on a network share, not on a disk of the computer itself", path=text)
    if not FULL_PATH.match(path):
        raise ValueError(f"not a full path from a drive letter: {text!r}")
    problem = _name_problem(path[3:], text)
    if problem is not None:
        return problem
    names = _collapsed(path[3:].split("\\"), text)
    return names if isinstance(names, Message) else WindowsPath(path[:2].upper(), names)


def _collapsed(parts: list[str], text: str) -> tuple[str, ...] | Message:
    """The names left once `.` and `..` are applied and each name loses its trailing dots and spaces."""
    names: list[str] = []
    for part in parts:
        dots = part.rstrip(" ")
        if part == "" or dots == ".":  # repeated separators are one; "." and ". " stay where they are
            continue
        if dots == "..":
            del names[-1:]  # as Windows does, never above the drive's root
            continue
        name = part.rstrip(" .")
        if not name:
            return Message.of("the path {path} has a name made only of dots and spaces, which Windows may read as . or ..", path=text)
        if _upcase(name.split(".")[0].rstrip(" ")) in DEVICE_NAMES:
            return Message.of("the path {path} names a Windows device such as NUL or COM1, not a file", path=text)
        names.append(name)
    return tuple(names)


def _name_problem(names: str, text: str) -> Message | None:
    """What in the part after the drive could make Windows open something other than the path written."""
    if ":" in names:
        return Message.of("the path {path} holds a colon after its drive letter, which names an alternate data stream", path=text)
    if NOT_IN_NAMES.intersection(names):
        return Message.of("the path {path} holds a character that Windows does not allow in file names", path=text)
    if "~" in names:
        return Message.of("the path {path} holds a short name with ~ (like PROGRA~1), which can stand for another folder", path=text)
    return None


def _system_folder(windows_folder: str) -> WindowsPath:
    folder = windows_path(windows_folder) if FULL_PATH.match(windows_folder) else None
    if not isinstance(folder, WindowsPath) or not folder.names:
        raise ValueError(f"not a Windows folder: {windows_folder!r}")
    return folder


def _program_stem(program: str) -> str:
    """The program's name without its folder and .exe or .com, lower case: cmd for C:\\Windows\\System32\\CMD.EXE."""
    name = re.split(r"[\\/]", program)[-1].rstrip(" .")
    return _upcase(PROGRAM_SUFFIX.sub("", name)).lower()


def _upcase(text: str) -> str:
    """Upper case one character at a time, as NTFS compares names: ı is I and ſ is S, but ß stays ß."""
    return "".join(upper if len(upper := ch.upper()) == 1 else ch for ch in text)
