"""Reading the captures people send: a bugreport zip or its dumpstate text, `dumpsys package` and
`pm list packages` outputs, and an AndroidQF folder, each recognised by `read_capture`.

No phone exists on this machine. The inputs are real captures from MVT's public test data
(../shared/fixtures/phones/android/, MVT License 1.1, test data only), copied into temporary
folders and edited there in the same format to add the apps under test; hostile captures (zip
bombs, names with `..`, links, FIFOs, cut-short files) are built from them.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appwarden.core.messages import Message
from appwarden.core.sources.android import captures
from appwarden.core.sources.android.captures import (
    AndroidCapture,
    CaptureKind,
    UnreadableCapture,
    parse_androidqf_packages,
    read_bugreport_zip,
    read_capture,
)
from appwarden.core.sources.android.device import DeviceProperties
from appwarden.core.sources.android.packages import AndroidPackage
from tests.conftest import FIXTURES, SHARED, shared_phone_output

PHONES = SHARED / "fixtures" / "phones" / "android"
DUMPSTATE = shared_phone_output("android_data_bugreport_dumpstate.txt").read_text(encoding="utf-8")  # or the module is skipped
INSTAGRAM = AndroidPackage("com.instagram.android", "com.android.vending", "241.1.0.18.114", "364105349", (10164,), (0,),
                           "/data/app/com.instagram.android-0mrt4tCf3oHIUTc_FFSStA==", False, "2020-06-12 00:41:34")
FILTER_PROVIDER = AndroidPackage("com.samsung.android.provider.filterprovider", None, "5.0.07", "500700000", (1000,), (0,),
                                 "/system/app/FilterProvider", True, "2008-12-31 16:00:00")


def wechat_block() -> str:
    """The dumpstate's real Instagram block, copied as WeChat (an edited copy in the same format)."""
    start = DUMPSTATE.index("  Package [com.instagram.android]")
    end = DUMPSTATE.index("--------- 0.053s was the duration of dumpsys appops", start)
    return DUMPSTATE[start:end].replace("com.instagram.android", "com.tencent.mm")


def with_wechat(dumpstate: str) -> str:
    end = dumpstate.index("--------- 0.053s was the duration of dumpsys appops", dumpstate.index("DUMP OF SERVICE package:"))
    return dumpstate[:end] + wechat_block() + dumpstate[end:]


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def rendered(capture: AndroidCapture) -> list[tuple[str, str]]:
    return [(problem.location, problem.reason.render()) for problem in capture.problems]


# --- bugreport ---------------------------------------------------------------------------------


def test_a_real_dumpstate_text_is_a_bugreport_and_its_package_section_is_read():
    capture = read_capture(PHONES / "android_data_bugreport_dumpstate.txt")
    assert capture == AndroidCapture(CaptureKind.BUGREPORT, (FILTER_PROVIDER, INSTAGRAM), DeviceProperties(), (), ())


def test_a_bugreport_zip_with_wechat_added(tmp_path):
    path = tmp_path / "bugreport-panther-UQ1A.240205.004-2024-03-01-10-00-00.zip"
    name = "bugreport-panther-UQ1A.240205.004-2024-03-01-10-00-00.txt"
    path.write_bytes(zipped({"version.txt": b"2.0", name: with_wechat(DUMPSTATE).encode(), "FS/data/misc/dumpstate.txt": b"nested"}))
    capture = read_capture(path)
    assert capture.kind is CaptureKind.BUGREPORT
    assert [package.name for package in capture.packages] == ["com.samsung.android.provider.filterprovider", "com.instagram.android", "com.tencent.mm"]
    assert capture.problems == ()


def test_a_zip_names_that_leave_its_folder_are_not_read_and_said():
    data = zipped({"../../etc/bugreport-x.txt": b"x", "/abs/dumpstate.txt": b"x", "dumpstate.txt": DUMPSTATE.encode()})
    capture = read_bugreport_zip(io.BytesIO(data), "report.zip")
    assert [package.name for package in capture.packages] == ["com.samsung.android.provider.filterprovider", "com.instagram.android"]
    reason = "this name leaves the zip's folder, so it was not read"
    assert rendered(capture) == [("report.zip/../../etc/bugreport-x.txt", reason), ("report.zip//abs/dumpstate.txt", reason)]


def test_a_zip_bomb_is_read_only_as_far_as_the_bound(monkeypatch):
    monkeypatch.setattr(captures, "TEXT_LIMIT", 1024 * 1024)
    bomb = zipped({"dumpstate.txt": DUMPSTATE.encode() + b"\0" * (64 * 1024 * 1024)})
    assert len(bomb) < 200 * 1024
    capture = read_bugreport_zip(io.BytesIO(bomb), "bomb.zip")
    assert [package.name for package in capture.packages] == ["com.samsung.android.provider.filterprovider", "com.instagram.android"]
    assert rendered(capture) == [("bomb.zip/dumpstate.txt", "it is larger than AppWarden reads (1 MiB): only its beginning was read")]


def test_a_zip_without_dumpstate_a_damaged_zip_and_a_dumpstate_without_packages(tmp_path):
    assert read_bugreport_zip(io.BytesIO(zipped({"notes.txt": b"hello"})), "a.zip").reason.render() == (
        "the zip holds no dumpstate text (bugreport-*.txt or dumpstate.txt), so it is not a bugreport")
    cut = tmp_path / "cut.zip"
    cut.write_bytes(zipped({"dumpstate.txt": DUMPSTATE.encode()})[:2000])
    unreadable = read_capture(cut)
    assert isinstance(unreadable, UnreadableCapture) and unreadable.path == "cut.zip"
    assert unreadable.reason.render().startswith("the zip is damaged or cut short: ")
    no_packages = read_bugreport_zip(io.BytesIO(zipped({"dumpstate.txt": DUMPSTATE.replace("DUMP OF SERVICE package:", "DUMP OF SERVICE pkg:").encode()})))
    assert no_packages.packages == ()
    assert rendered(no_packages) == [("bugreport.zip/dumpstate.txt", "the dumpstate text has no package section (DUMP OF SERVICE package), so no app could be read")]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600) | st.builds(lambda cut: zipped({"dumpstate.txt": DUMPSTATE.encode()})[:cut], st.integers(0, 6000)))
def test_any_bytes_given_as_a_zip_give_a_capture_or_a_sentence(data):
    result = read_bugreport_zip(io.BytesIO(data))
    assert isinstance(result, (AndroidCapture, UnreadableCapture))
    if isinstance(result, UnreadableCapture):
        assert result.reason.render()


# --- plain outputs -----------------------------------------------------------------------------


def test_plain_dumpsys_and_pm_list_outputs_are_recognised():
    dumpsys = read_capture(PHONES / "android_data_dumpsys_packages.txt")
    assert (dumpsys.kind, [p.name for p in dumpsys.packages]) == (CaptureKind.DUMPSYS_PACKAGE, ["com.samsung.android.provider.filterprovider", "com.sec.android.app.DataCreate"])
    listing = read_capture(FIXTURES / "phones" / "android" / "pm_list_packages.txt")
    assert listing.kind is CaptureKind.PM_LIST_PACKAGES
    assert [p.name for p in listing.packages][:2] == ["com.tencent.mm", "com.zhiliaoapp.musically"]


def test_what_is_not_a_capture_says_so_in_a_sentence(tmp_path):
    unknown = read_capture(PHONES / "android_data_ps.txt")
    assert unknown == UnreadableCapture("android_data_ps.txt", unknown.reason)
    assert unknown.reason.render() == ("it is not a capture AppWarden recognises: give a dumpsys package output, an adb bugreport zip, "
                                       "a pm list packages output or an AndroidQF folder")
    assert read_capture(tmp_path / "missing.txt").reason.render() == "cannot read: No such file or directory"
    os.mkfifo(tmp_path / "pipe")
    assert read_capture(tmp_path / "pipe").reason.render() == "it is not a regular file, so it was not read"


# --- AndroidQF ---------------------------------------------------------------------------------


def androidqf_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "androidqf"
    folder.mkdir()
    shutil.copy(PHONES / "androidqf_packages.json", folder / "packages.json")
    shutil.copy(PHONES / "androidqf_getprop.txt", folder / "getprop.txt")
    shutil.copy(PHONES / "androidqf_dumpsys.txt", folder / "dumpsys.txt")
    return folder


def test_a_real_androidqf_folder(tmp_path):
    capture = read_capture(androidqf_folder(tmp_path))
    assert capture.kind is CaptureKind.ANDROIDQF
    assert capture.problems == ()
    assert [(p.name, p.installer, p.uids, p.system) for p in capture.packages] == [
        ("com.whatsapp", None, (10271,), False),
        ("app.revanced.manager.flutter", "com.google.android.packageinstaller", (10266,), False),
        ("com.google.android.youtube", "com.google.android.packageinstaller", (10194,), True),
        ("org.fdroid.fdroid", "com.google.android.packageinstaller", (10267,), False),
        ("org.nuclearfog.apollo", "org.fdroid.fdroid", (10272,), False),
        ("com.malware.blah", None, (10058,), True),
        ("com.malware.muahaha", None, (10058,), True),
    ]
    assert capture.packages[0].apk_path == "/data/app/~~/com.whatsapp-~~/base.apk"


def test_an_edited_androidqf_folder_with_wechat_completed_from_its_dumpsys(tmp_path):
    folder = androidqf_folder(tmp_path)
    entries = json.loads((folder / "packages.json").read_text())
    wechat = dict(entries[0], name="com.tencent.mm", installer="com.android.vending", uid=1010234, system=False)
    wechat["files"] = [dict(entries[0]["files"][0], path="/data/app/~~q==/com.tencent.mm-r==/base.apk")]
    (folder / "packages.json").write_text(json.dumps(entries + [wechat]))
    dumpsys = (folder / "dumpsys.txt").read_bytes()
    data_create = b"  Package [com.sec.android.app.DataCreate]"
    (folder / "dumpsys.txt").write_bytes(dumpsys.replace(data_create, wechat_block().encode() + data_create))
    (folder / "getprop.txt").write_text((folder / "getprop.txt").read_text() + "[ro.product.manufacturer]: [samsung]\n[ro.product.model]: [SM-G991B]\n[ro.build.version.release]: [13]\n")
    capture = read_capture(folder)
    assert capture.packages[-1] == AndroidPackage("com.tencent.mm", "com.android.vending", "241.1.0.18.114", "364105349", (1010234,), (0,),
                                                  "/data/app/~~q==/com.tencent.mm-r==/base.apk", False, "2020-06-12 00:41:34")
    assert capture.device == DeviceProperties("samsung", "SM-G991B", "13", "")


def test_a_hostile_androidqf_folder_gives_problems_not_a_hang(tmp_path):
    folder = androidqf_folder(tmp_path)
    (folder / "getprop.txt").unlink()
    os.mkfifo(folder / "getprop.txt")
    (folder / "dumpsys.txt").unlink()
    (folder / "dumpsys.txt").symlink_to("/etc/passwd")
    capture = read_capture(folder)
    assert len(capture.packages) == 7
    assert rendered(capture) == [("getprop.txt", "it is not a regular file, so it was not read"), ("dumpsys.txt", "it is a link, and links in a capture are not followed")]


def test_packages_json_that_is_a_link_cut_short_or_not_a_list(tmp_path):
    folder = androidqf_folder(tmp_path)
    text = (folder / "packages.json").read_text()
    (folder / "packages.json").unlink()
    (folder / "packages.json").symlink_to(PHONES / "androidqf_packages.json")
    assert read_capture(folder) == UnreadableCapture(str(folder / "packages.json"), Message.of("it is a link, and links in a capture are not followed"))
    (folder / "packages.json").unlink()
    (folder / "packages.json").write_text(text[:3000])
    cut = read_capture(folder)
    assert cut.packages == ()
    assert [reason.startswith("packages.json is not valid JSON: ") for _, reason in rendered(cut)] == [True]
    (folder / "packages.json").write_text('{"name": "com.tencent.mm"}')
    assert rendered(read_capture(folder)) == [("packages.json", "packages.json does not hold a list of packages")]
    (folder / "packages.json").write_text('[{"name": "com.tencent.*"}, 3, {"name": "com.tencent.mm", "uid": true}]')
    capture = read_capture(folder)
    assert capture.packages == (AndroidPackage("com.tencent.mm"),)
    assert rendered(capture) == [("packages.json", "entry 1 of packages.json names no valid package"), ("packages.json", "entry 2 of packages.json names no valid package")]


def test_a_folder_without_packages_json_is_not_an_androidqf_folder(tmp_path):
    assert read_capture(tmp_path).reason.render() == "the folder has no packages.json, so it is not an AndroidQF acquisition"


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.sampled_from(["name", "installer", "uid", "system", "files", "path"]), inner, max_size=5),
                           max_leaves=30)


@settings(max_examples=300)
@given(JSON_VALUES.map(json.dumps) | st.text(max_size=200))
def test_any_packages_json_gives_packages_or_problems(text):
    parsed = parse_androidqf_packages(text)
    assert all(package.name.count(".") >= 1 for package in parsed.values)
    assert parsed.values or parsed.problems or json.loads(text) == []


def test_a_bugreport_zip_larger_than_the_bound_is_read_in_place(tmp_path, monkeypatch):
    monkeypatch.setattr(captures, "TEXT_LIMIT", 1024 * 1024)
    path = tmp_path / "bugreport.zip"
    with zipfile.ZipFile(path, "w") as archive:  # stored, so the zip itself is over the bound
        archive.writestr("FS/data/anr/traces.bin", os.urandom(3 * 1024 * 1024))
        archive.writestr("bugreport-x.txt", with_wechat(DUMPSTATE))
    assert path.stat().st_size > 3 * 1024 * 1024
    capture = read_capture(path)
    assert [package.name for package in capture.packages] == ["com.samsung.android.provider.filterprovider", "com.instagram.android", "com.tencent.mm"]
    assert capture.problems == ()
