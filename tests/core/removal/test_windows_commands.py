"""Windows uninstall strings become argument lists by CommandLineToArgvW's rules, or are refused."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.removal.windows_commands import Refusal, split_arguments, uninstall_argv

FOLDER = r"C:\Program Files (x86)\Tencent\WeChat"
UNINSTALLER = FOLDER + r"\Uninstall.exe"
KES = "{27534751-4A40-48BD-B393-BC3BF28C876E}"


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        (f'"{UNINSTALLER}"', (UNINSTALLER,)),
        (f"{UNINSTALLER} /S", (UNINSTALLER, "/S")),  # unquoted path with spaces, as Windows finds it
        (f'"{UNINSTALLER}" /S _?={FOLDER}', (UNINSTALLER, "/S", r"_?=C:\Program", "Files", r"(x86)\Tencent\WeChat")),
        (f'"{UNINSTALLER}" "/D=C:\\My Dir\\\\" next', (UNINSTALLER, "/D=C:\\My Dir\\", "next")),
        (f'"{UNINSTALLER}" a\\\\\\"b', (UNINSTALLER, 'a\\"b')),
        (f'"{FOLDER}\\R&D Tools.exe" /S', (FOLDER + r"\R&D Tools.exe", "/S")),  # & inside quotes is a name
        (f"MsiExec.exe /X{KES}", ("msiexec", "/x", KES)),
        (f"MsiExec.exe /I{KES}", ("msiexec", "/x", KES)),
        (f"msiexec /i {KES.lower()} REBOOT=R", ("msiexec", "/x", KES)),
    ],
)
def test_uninstall_strings_become_argument_lists(command, argv):
    assert uninstall_argv(command, FOLDER, (KES,)) == argv


def test_quiet_windows_installer_removal_only_from_the_quiet_string():
    assert uninstall_argv(f"MsiExec.exe /X{KES} /qn", FOLDER, (KES,), quiet=True) == ("msiexec", "/x", KES, "/qn")


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


@given(st.text())
def test_any_string_gives_an_argument_list_or_a_refusal(command):
    result = uninstall_argv(command, FOLDER, (KES,))
    assert isinstance(result, (tuple, Refusal))
    if isinstance(result, tuple):
        assert result and all(isinstance(arg, str) for arg in result)


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
