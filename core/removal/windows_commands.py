"""Windows uninstall strings turned into argument lists without a shell, or refused with a reason.

Splitting follows CommandLineToArgvW, the rules every Windows program uses to read its command
line: the program name ends at its closing quote (no escapes), arguments follow the backslash
and quote rules. Only what an uninstaller needs is accepted; anything meant for a shell is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.messages import Message

SHELL_OPERATORS = frozenset("&|<>^")
VARIABLE = re.compile(r"%[^%\s\"]+%")  # cmd.exe's %NAME% expansion
GUID = re.compile(r"\{[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\}")
PROGRAM_SUFFIX = re.compile(r"\.(exe|com)$", re.IGNORECASE)
ABSOLUTE = re.compile(r"^[A-Za-z]:\\")
MSIEXEC = frozenset({"msiexec", "msiexec.exe"})
# Programs that run other commands or arbitrary code: never an uninstaller of its own.
INTERPRETERS = frozenset({
    "cmd", "cmd.exe", "powershell", "powershell.exe", "pwsh", "pwsh.exe", "rundll32", "rundll32.exe",
    "wscript", "wscript.exe", "cscript", "cscript.exe", "mshta", "mshta.exe", "regsvr32", "regsvr32.exe",
    "conhost", "conhost.exe", "explorer", "explorer.exe", "start",
})


@dataclass(frozen=True)
class Refusal:
    reason: Message


def uninstall_argv(
    command: str, install_location: str, product_codes: tuple[str, ...], quiet: bool = False
) -> tuple[str, ...] | Refusal:
    """The argument list an uninstall string stands for, or why AppWarden will not run it."""
    try:
        return _checked_argv(command.strip(" \t"), install_location, product_codes, quiet)
    except (ValueError, IndexError) as error:  # a string no rule below foresaw: refused, not raised
        return Refusal(Message.of("the uninstall command cannot be understood ({error})", error=error))


def _checked_argv(command: str, install_location: str, product_codes: tuple[str, ...], quiet: bool) -> tuple[str, ...] | Refusal:
    problem = _shell_problem(command)
    if problem is not None:
        return Refusal(problem)
    argv = split_command_line(command)
    if isinstance(argv, Refusal):
        return argv
    program = _base_name(argv[0])
    if program in MSIEXEC:
        return _msiexec_argv(argv[1:], product_codes, quiet)
    if program in INTERPRETERS:
        return Refusal(Message.of("the uninstall command starts {program}, which runs other commands, not an uninstaller", program=argv[0]))
    return _inside_install_location(argv, install_location)


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


def _msiexec_argv(arguments: tuple[str, ...] | list[str], product_codes: tuple[str, ...], quiet: bool) -> tuple[str, ...] | Refusal:
    """Windows Installer's own removal of the product: msiexec /x {code}, quiet only when asked."""
    found = [m.group(0).upper() for m in (GUID.search(arg) for arg in arguments) if m]
    known = {code.upper() for code in product_codes}
    if not found:
        return Refusal(Message.of("the Windows Installer command names no product code"))
    code = found[0]
    if code not in known:
        return Refusal(Message.of("the Windows Installer command names product {code}, which is not this app's", code=code))
    return ("msiexec", "/x", code) + (("/qn",) if quiet else ())


def _inside_install_location(argv: tuple[str, ...], install_location: str) -> tuple[str, ...] | Refusal:
    program = argv[0]
    if not ABSOLUTE.match(program) or not PROGRAM_SUFFIX.search(program):
        return Refusal(Message.of("the uninstall command does not name a full program path ({program})", program=program))
    folder = _normal(install_location.strip().strip('"'))
    if not ABSOLUTE.match(folder):
        return Refusal(Message.of("the entry does not say where the app is installed, so its uninstaller cannot be checked"))
    if ".." in program.split("\\") or not _normal(program).startswith(folder.rstrip("\\") + "\\"):
        return Refusal(
            Message.of("the uninstaller {program} is outside the app's folder {folder}", program=program, folder=install_location)
        )
    return argv


def _normal(path: str) -> str:
    return re.sub(r"[\\/]+", r"\\", path).casefold()


def _base_name(program: str) -> str:
    return re.split(r"[\\/]", program)[-1].casefold()
