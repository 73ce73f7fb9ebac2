"""The registry readers and helpers the Windows sources share: values of any type as str/int, hive
files read right (checked against hivexsh), damaged hives as RegistryReadError, never a hang."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appwarden.core.sources.base import CoverageLog, CoverageStatus, ScanTarget
from appwarden.core.sources.windows.common import (
    KEY_WOW64_64KEY,
    HiveFileReader,
    KeyValues,
    LiveRegistryReader,
    RegistryKeyMissing,
    RegistryReadError,
    find_any_case,
    offline_machine_hive,
    open_hive,
    program_path,
    registry_value,
)
from tests.core.sources.windows.windows_disk import (
    HIVE_FIXTURES,
    KES_CODE,
    WECHAT_PUBLISHER,
    layout_windows_disk,
    make_key_its_own_child,
)

REG_NONE, REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_DWORD_BE, REG_MULTI_SZ, REG_QWORD = 0, 1, 2, 3, 4, 5, 7, 11


def utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


@pytest.mark.parametrize(
    ("data", "value_type", "expected"),
    [
        (utf16("腾讯科技(深圳)有限公司\0"), REG_SZ, "腾讯科技(深圳)有限公司"),
        (utf16("WeChat\0garbage after the end"), REG_SZ, "WeChat"),
        (utf16("%SystemRoot%\\x.sys\0"), REG_EXPAND_SZ, "%SystemRoot%\\x.sys"),
        (utf16("abc") + b"\x00", REG_SZ, "abc"),  # odd length: the half character is dropped
        (b"\x00\xd8\x41\x00", REG_SZ, "\ufffdA"),  # a lone surrogate from damaged data
        (utf16("one\0two\0\0three\0\0"), REG_MULTI_SZ, "one; two; three"),
        (b"\x01\x00\x00\x00", REG_DWORD, 1),
        (b"\x01", REG_DWORD, 1),  # short data, as a damaged cell gives
        (b"\x00\x00\x01\x00", REG_DWORD_BE, 256),
        (b"\xff" * 8, REG_QWORD, 2**64 - 1),
        (b"\xde\xad", REG_BINARY, "dead"),
        (b"", REG_NONE, ""),
        (b"\x01\x02", 0xFFFF0012, "0102"),  # a device property type
        ("WeChat\0tail", None, "WeChat"),  # winreg gives str for REG_SZ
        ("\ud800x", None, "\ufffdx"),
        (["a", "", "b"], None, "a; b"),
        (0xFFFFFFFF, None, 0xFFFFFFFF),
        (True, None, 1),
        (None, None, ""),
        (dt.datetime(2024, 5, 1, 12, 0), None, "2024-05-01 12:00:00"),
    ],
)
def test_registry_values_become_text_or_numbers(data, value_type, expected):
    assert registry_value(data, value_type) == expected


registry_data = st.one_of(
    st.binary(max_size=64),
    st.text(max_size=32),
    st.integers(),
    st.none(),
    st.booleans(),
    st.floats(),
    st.lists(st.one_of(st.text(max_size=8), st.binary(max_size=8), st.integers()), max_size=4),
)


@given(registry_data, st.one_of(st.none(), st.integers(min_value=-1, max_value=2**32)))
def test_any_value_of_any_type_is_text_or_a_number(data, value_type):
    value = registry_value(data, value_type)
    assert isinstance(value, (str, int))
    if isinstance(value, str):
        value.encode("utf-8")  # reports can hold it
        assert "\0" not in value


def test_key_values_compare_names_without_case():
    values = KeyValues([("DisplayName", "微信"), ("displayname", "second"), ("WindowsInstaller", "1"), ("Size", 7)])
    assert values.text("DISPLAYNAME") == "微信"
    assert values.number("windowsinstaller") == 1
    assert values.text("Size") == "7"
    assert (values.text("Missing"), values.number("Missing"), values.number("DisplayName")) == ("", None, None)


@pytest.mark.parametrize(
    ("command", "program"),
    [
        (
            r'"C:\Program Files (x86)\Kaspersky Lab\Kaspersky 21.3\avp.exe" -r',
            r"C:\Program Files (x86)\Kaspersky Lab\Kaspersky 21.3\avp.exe",
        ),
        (r"C:\Windows\system32\svchost.exe -k netsvcs -p", r"C:\Windows\system32\svchost.exe"),
        (r"C:\Program Files\Tencent\WeChat\WeChat.exe,0", r"C:\Program Files\Tencent\WeChat\WeChat.exe"),
        (r"\??\C:\Windows\system32\drivers\klhk.sys", r"C:\Windows\system32\drivers\klhk.sys"),
        (r"system32\DRIVERS\klif.sys", ""),  # relative to the Windows folder: not an absolute path
        (r"\SystemRoot\system32\drivers\afd.sys", ""),
        (r"C:\Program Files\TickTick\app.ico", ""),
        (r'"C:\Program Files\x\icon.ico",0', ""),
        ("", ""),
    ],
)
def test_program_path_of_a_command_line(command, program):
    assert program_path(command) == program


@given(st.text(max_size=80))
def test_program_path_never_raises(command):
    assert isinstance(program_path(command), str)


def test_hive_values_in_any_script_and_names_without_case(windows_hives):
    reader = HiveFileReader(windows_hives.software)
    wechat = reader.values(r"wow6432node\MICROSOFT\windows\currentversion\uninstall\wechat")
    assert wechat.text("DisplayName") == "微信"
    assert wechat.text("Publisher") == WECHAT_PUBLISHER
    assert reader.subkey_names(r"WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall") == ["WeChat", "企业微信"]
    kes = reader.values(rf"Microsoft\Windows\CurrentVersion\Uninstall\{KES_CODE.lower()}")
    assert (kes.number("WindowsInstaller"), kes.number("EstimatedSize"), kes.number("SystemComponent")) == (1, 1048576, 0)


def test_hive_reader_agrees_with_hivexsh(windows_hives):
    """hivexsh (libhivex, a separate implementation) lists the same keys and values."""
    if shutil.which("hivexsh") is None:
        pytest.skip("hivexsh is not installed (Debian package libhivex-bin)")
    script = "cd \\ControlSet001\\Services\nls\ncd AFD\nlsval\n"
    done = subprocess.run(["hivexsh", str(windows_hives.system)], input=script, capture_output=True, text=True, check=True)
    listed = done.stdout.splitlines()
    reader = HiveFileReader(windows_hives.system)
    names = reader.subkey_names(r"ControlSet001\Services")
    assert len(names) == 469
    assert sorted(listed[: len(names)]) == sorted(names)  # hivexsh sorts its listing its own way
    assert listed[len(names) :] == [
        '"BootFlags"=dword:00000001',
        '"DisplayName"="@%systemroot%\\\\system32\\\\drivers\\\\afd.sys,-1000"',
        '"Group"="PNP_TDI"',
        '"ImagePath"=str(2):"\\\\SystemRoot\\\\system32\\\\drivers\\\\afd.sys"',
        '"Description"="@%systemroot%\\\\system32\\\\drivers\\\\afd.sys,-1000"',
        '"ErrorControl"=dword:00000001',
        '"Start"=dword:00000001',
        '"Type"=dword:00000001',
    ]
    assert reader.values(r"ControlSet001\Services\AFD") == {
        "bootflags": 1,
        "displayname": r"@%systemroot%\system32\drivers\afd.sys,-1000",
        "group": "PNP_TDI",
        "imagepath": r"\SystemRoot\system32\drivers\afd.sys",
        "description": r"@%systemroot%\system32\drivers\afd.sys,-1000",
        "errorcontrol": 1,
        "start": 1,
        "type": 1,
    }


def test_missing_key_is_its_own_error(windows_hives):
    reader = HiveFileReader(windows_hives.ntuser)
    with pytest.raises(RegistryKeyMissing) as missing:
        reader.subkey_names(r"Software\Nothing Here")
    assert str(missing.value) == r"the key Software\Nothing Here is missing"
    assert isinstance(missing.value, RegistryReadError)


def test_garbage_is_not_a_hive(tmp_path):
    garbage = tmp_path / "SOFTWARE"
    garbage.write_bytes(os.urandom(3) + b"\x00" * 9000)
    reader = HiveFileReader(garbage)
    with pytest.raises(RegistryReadError) as error:
        reader.subkey_names("Microsoft")
    assert str(error.value).startswith("not a registry hive: ")
    with pytest.raises(RegistryReadError):  # the failure is kept, the file is not read again
        reader.values("")
    short = tmp_path / "short"
    short.write_bytes(b"regf")
    with pytest.raises(RegistryReadError, match=r"^not a registry hive: only 4 bytes$"):
        HiveFileReader(short).open()


def test_a_fifo_is_not_opened(tmp_path):
    fifo = tmp_path / "SYSTEM"
    os.mkfifo(fifo)
    with pytest.raises(RegistryReadError, match="^not a regular file; not read$"):
        HiveFileReader(fifo).open()
    with pytest.raises(RegistryReadError, match="^cannot read: No such file or directory$"):
        HiveFileReader(tmp_path / "absent").open()


def walk(reader: HiveFileReader, key: str = "", depth: int = 3) -> int:
    """Every key and value down to `depth` levels, as the sources read them; the number of values."""
    count = len(reader.values(key))
    for name in reader.subkey_names(key)[:40] if depth else ():
        count += walk(reader, f"{key}\\{name}" if key else name, depth - 1)
    return count


@pytest.mark.parametrize("fraction", [0.5, 0.2, 0.05])
def test_truncated_hives_fail_as_read_errors(windows_hives, tmp_path, fraction):
    for hive in (windows_hives.software, windows_hives.system, windows_hives.ntuser):
        data = hive.read_bytes()
        cut = tmp_path / hive.name
        cut.write_bytes(data[: int(len(data) * fraction)])
        try:
            walk(HiveFileReader(cut))
        except RegistryReadError as error:
            assert str(error).startswith(("the registry hive is damaged: ", "not a registry hive: "))


damage_near_the_root = st.lists(
    st.tuples(st.integers(min_value=4096, max_value=40_000), st.binary(min_size=1, max_size=8)), min_size=1, max_size=12
)


@settings(max_examples=60)
@given(damage_near_the_root)
def test_damaged_cells_fail_as_read_errors(tmp_path_factory, damage):
    """Random bytes written over the keys near the root (where the sources read) never escape as
    anything but a RegistryReadError, and never make a read run away."""
    data = bytearray(lzma_ntuser())
    for at, garbage in damage:
        data[at : at + len(garbage)] = garbage
    hive = tmp_path_factory.mktemp("damaged") / "NTUSER.DAT"
    hive.write_bytes(bytes(data))
    try:
        walk(HiveFileReader(hive))
    except RegistryReadError:
        pass


_NTUSER: list[bytes] = []


def lzma_ntuser() -> bytes:
    import lzma

    if not HIVE_FIXTURES.is_dir():
        pytest.skip(f"the shared Windows hive fixtures are not at {HIVE_FIXTURES}")
    if not _NTUSER:
        _NTUSER.append(lzma.decompress((HIVE_FIXTURES / "NTUSER.DAT.xz").read_bytes()))
    return _NTUSER[0]


def test_a_key_that_contains_itself_does_not_trap_a_walk(windows_hives, tmp_path):
    hive = tmp_path / "SOFTWARE"
    shutil.copyfile(windows_hives.software, hive)
    uninstall = r"WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall"
    make_key_its_own_child(hive, uninstall)
    reader = HiveFileReader(hive)
    assert reader.subkey_names(uninstall) == ["Uninstall", "企业微信"]
    deep = "\\".join([uninstall] + ["Uninstall"] * 50)
    assert reader.subkey_names(deep) == ["Uninstall", "企业微信"]
    assert walk(reader, uninstall, depth=6) > 0


def test_a_hive_with_unsaved_transaction_logs_is_read_and_said(windows_hives, tmp_path):
    root = layout_windows_disk(tmp_path / "disk", windows_hives)
    software = root / "Windows/System32/config/SOFTWARE"
    data = bytearray(software.read_bytes())
    data[4:8] = (int.from_bytes(data[4:8], "little") + 1).to_bytes(4, "little")  # primary sequence ahead
    software.write_bytes(bytes(data))
    target = ScanTarget(root, "windows", live=False)
    log = CoverageLog("test", target)
    hive = offline_machine_hive(target, "Windows/System32/config/SOFTWARE", "HKLM\\SOFTWARE")
    assert open_hive(hive, log)
    assert [(p.location, str(p.reason)) for p in log.problems] == [
        (
            r"C:\Windows\System32\config\SOFTWARE",
            "has changes still in its transaction logs (.LOG1, .LOG2); the newest changes may be missing",
        )
    ]


def test_names_are_found_whatever_their_case(windows_hives, tmp_path):
    root = layout_windows_disk(tmp_path / "disk", windows_hives, lowercase=True)
    target = ScanTarget(root, "windows", live=False)
    assert find_any_case(target, "Windows/System32/config/SOFTWARE") == root / "windows/system32/config/software"
    assert find_any_case(target, "Windows/System32/config/SAM") is None
    assert find_any_case(target, "NTUSER.DAT", start=root / "users/ana") == root / "users/ana/ntuser.dat"


def test_unreadable_folder_on_the_way_is_a_problem(tmp_path, deny_reading):
    (tmp_path / "Users/bob").mkdir(parents=True)
    target = ScanTarget(tmp_path, "windows", live=False)
    log = CoverageLog("test", target)
    deny_reading(tmp_path / "Users/bob")
    assert find_any_case(target, "NTUSER.DAT", start=tmp_path / "Users/bob", log=log) is None
    assert [(p.location, str(p.reason), p.elevation_helps) for p in log.problems] == [
        (r"C:\Users\bob", "permission denied", True)
    ]
    assert log.result([]).coverage.status == CoverageStatus.FAILED


@pytest.mark.skipif(sys.platform != "win32", reason="winreg and a live registry exist only on Windows")
def test_live_registry_reader_reads_the_running_windows():
    machine = LiveRegistryReader("HKEY_LOCAL_MACHINE", KEY_WOW64_64KEY)
    assert machine.values(r"SOFTWARE\Microsoft\Windows\CurrentVersion").text("ProgramFilesDir").endswith("Program Files")
    assert "Microsoft" in machine.subkey_names("SOFTWARE")
    with pytest.raises(RegistryKeyMissing):
        machine.subkey_names(r"SOFTWARE\AppWarden test key that does not exist")
