"""Parsing `pm list packages -f -i -U --show-versioncode` and `dumpsys package` output.

No phone exists on this machine: the dumpsys inputs are real outputs from MVT's public test data
(../shared/fixtures/phones/android/, MVT License 1.1, test data only), and copies of them edited in
the same format to add the apps under test; the pm outputs are in tests/fixtures/phones/android/.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from appwarden.core.sources.android.parsed import PACKAGE_NAME
from appwarden.core.sources.android.packages import AndroidPackage, parse_dumpsys_package, parse_pm_list_packages
from tests.conftest import FIXTURES, shared_phone_output

PM_OUTPUTS = FIXTURES / "phones" / "android"


def shared_text(name: str) -> str:
    return shared_phone_output(name).read_text(encoding="utf-8", errors="replace")


def test_pm_list_reads_each_line_from_the_right():
    parsed = parse_pm_list_packages((PM_OUTPUTS / "pm_list_packages.txt").read_text())
    assert parsed.problems == ()
    assert parsed.values == (
        AndroidPackage("com.tencent.mm", "com.android.vending", version_code="2680", uids=(10234, 1010234), users=(0, 10),
                       apk_path="/data/app/~~Xq3v==/com.tencent.mm-k2P_x9==/base.apk"),
        AndroidPackage("com.zhiliaoapp.musically", "com.android.vending", version_code="2023501030", uids=(10301,), users=(0,),
                       apk_path="/data/app/~~a=b==/com.zhiliaoapp.musically-c==/base.apk"),
        AndroidPackage("com.tencent.soter.soterserver", None, version_code="1", uids=(10077,), users=(0,),
                       apk_path="/system/priv-app/SoterService/SoterService.apk"),
        AndroidPackage("com.kms.free", "com.google.android.packageinstaller", version_code="11108012", uids=(1010412,), users=(10,),
                       apk_path="/data/app/~~Yt==/com.kms.free-Zp==/base.apk"),
        AndroidPackage("com.samsung.android.provider.filterprovider", None, version_code="500700000", uids=(1000,), users=(0,),
                       apk_path="/system/app/FilterProvider/FilterProvider.apk"),
    )


def test_pm_list_without_installer_as_a_phone_that_refuses_i_is_asked_again():
    parsed = parse_pm_list_packages((PM_OUTPUTS / "pm_list_packages_without_installer.txt").read_text())
    assert [(p.name, p.installer, p.version_code, p.uids) for p in parsed.values] == [
        ("com.tencent.mm", None, "2680", (10234,)),
        ("com.samsung.android.provider.filterprovider", None, "500700000", (1000,)),
    ]
    assert parsed.problems == ()


def test_pm_list_names_only_and_the_phone_s_refusal():
    parsed = parse_pm_list_packages("package:com.tencent.mm\nError: Unknown option: -i\npackage:not a package\n")
    assert parsed.values == (AndroidPackage("com.tencent.mm"),)
    assert [p.render() for p in parsed.problems] == [
        "the phone refused the command: Error: Unknown option: -i",
        "line 3 of the package list is not a package: package:not a package",
    ]


def test_dumpsys_package_of_a_real_samsung_phone():
    parsed = parse_dumpsys_package(shared_text("android_data_dumpsys_packages.txt"))
    assert parsed.problems == ()
    assert parsed.values == (
        AndroidPackage("com.samsung.android.provider.filterprovider", None, "5.0.07", "500700000", (1000,), (0,),
                       "/system/app/FilterProvider", True, "2008-12-31 16:00:00"),
        AndroidPackage("com.sec.android.app.DataCreate", None, "1.0", "1", (10143,), (0,),
                       "/system/app/AutomationTest_FB", True, "2008-12-31 16:00:00"),
    )


def wechat_block(users: str) -> str:
    """The real Instagram block of the bugreport fixture, edited into WeChat installed as `users` say."""
    text = shared_text("android_data_bugreport_dumpstate.txt")
    start = text.index("  Package [com.instagram.android]")
    end = text.index("      lastDisabledCaller", start)
    block = text[start:end].replace("com.instagram.android", "com.tencent.mm").replace("241.1.0.18.114", "8.0.47").replace("364105349", "2680")
    user_line = next(line for line in block.splitlines() if line.startswith("    User 0:"))
    return block.replace(user_line + "\n", users)


def test_an_edited_copy_with_wechat_for_two_users_one_of_them_uninstalled():
    users = ("    User 0: ceDataInode=-4294835341 installed=true hidden=false suspended=false stopped=false notLaunched=false enabled=0 instant=false virtual=false\n"
             "    User 10: ceDataInode=0 installed=false hidden=false suspended=false stopped=true notLaunched=true enabled=0 instant=false virtual=false\n"
             "    User 11: ceDataInode=12 installed=true hidden=false suspended=false stopped=false notLaunched=false enabled=0 instant=false virtual=false\n")
    text = shared_text("android_data_dumpsys_packages.txt").replace("  Package [com.sec.android.app.DataCreate]", wechat_block(users) + "  Package [com.sec.android.app.DataCreate]")
    (_, wechat, _) = parse_dumpsys_package(text).values
    assert wechat == AndroidPackage("com.tencent.mm", "com.android.vending", "8.0.47", "2680", (10164,), (0, 11),
                                    "/data/app/com.tencent.mm-0mrt4tCf3oHIUTc_FFSStA==", False, "2020-06-12 00:41:34")


def test_per_package_dumpsys_and_a_truncated_one():
    whole = "Packages:\n" + wechat_block("    User 0: installed=true\n")
    assert parse_dumpsys_package(whole).values[0].users == (0,)
    cut = whole[: whole.index("    versionCode=")]
    parsed = parse_dumpsys_package(cut)
    assert parsed.values[0].name == "com.tencent.mm"
    assert [p.render() for p in parsed.problems] == ["the entry of package com.tencent.mm is incomplete (the capture may be cut short)"]


def test_the_section_after_packages_is_not_read_as_packages():
    text = "Packages:\n  Package [com.a.b] (1):\n    versionCode=3 minSdk=1\nHidden system packages:\n  Package [com.c.d] (2):\n    versionCode=4\n"
    assert [p.name for p in parse_dumpsys_package(text).values] == ["com.a.b"]


LINE_PIECES = st.sampled_from(["package:", "=", " ", "  ", "uid:", "10234", ",", "installer=", "null", "versionCode:", "com.tencent.mm", "/data/app/", "\n", "é", "\x00"])


@settings(max_examples=300)
@given(st.lists(LINE_PIECES, max_size=60).map("".join) | st.text(max_size=400))
def test_any_package_list_gives_packages_or_problems(text):
    parsed = parse_pm_list_packages(text)
    for package in parsed.values:
        assert package.name and "=" not in package.name and " " not in package.name
        assert all(uid >= 0 for uid in package.uids)
    assert len(parsed.values) + len(parsed.problems) <= len([line for line in text.splitlines() if line.strip()])


DUMPSYS_PIECES = st.sampled_from(["Packages:\n", "  Package [com.tencent.mm] (a1):\n", "  Package [] (x):\n", "    versionCode=", "12", " minSdk=1\n",
                                  "    flags=[ SYSTEM ]\n", "    User 0: installed=true\n", "    User x: installed=maybe\n", "    userId=", "=", "\n", "Queries:\n", "é"])


@settings(max_examples=300)
@given(st.lists(DUMPSYS_PIECES, max_size=60).map("".join) | st.text(max_size=400))
def test_any_dumpsys_text_gives_packages_or_problems(text):
    parsed = parse_dumpsys_package(text)
    assert len(parsed.values) <= text.count("  Package [")
    for package in parsed.values:
        assert PACKAGE_NAME.fullmatch(package.name)
        assert list(package.users) == sorted(set(package.users))
        assert package.version_code == "" or package.version_code.lstrip("-").isdigit() or "=" in text
