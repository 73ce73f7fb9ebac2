"""The desktop-entries source: menus written by packages, flatpak and snapd, autostart, and bad files."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.messages import Message
from appwarden.core.sources.base import CoverageStatus, EvidenceKind, InventoryItem, ReadRequest, ScanTarget
from appwarden.core.sources.linux.desktop_entries import (
    DesktopEntries,
    DesktopEntry,
    desktop_file_id,
    exec_identifiers,
    parse_desktop_entry,
)

COMMIT = "5d6e0f5a1b8c0c2a9f3e47b1d2c6a8e90f1b2c3d4e5f60718293a4b5c6d7e8f9"
WECHAT_DEB = """[Desktop Entry]
Name=WeChat
Name[zh_CN]=微信
Comment=WeChat Desktop
Exec=/usr/bin/wechat %U
Terminal=false
Icon=wechat
Type=Application
Categories=Utility;
StartupWMClass=wechat
"""
# As `flatpak build-export` rewrites it.
WECHAT_FLATPAK = """[Desktop Entry]
Name=WeChat
Name[zh_CN]=微信
Exec=/usr/bin/flatpak run --branch=stable --arch=x86_64 --command=wechat --file-forwarding com.tencent.WeChat @@u %U @@
Icon=com.tencent.WeChat
Type=Application
Categories=Network;InstantMessaging;
X-Flatpak-Tags=proprietary;
X-Flatpak=com.tencent.WeChat
"""
# As snapd writes it into /var/lib/snapd/desktop/applications.
FIREFOX_SNAP = """[Desktop Entry]
X-SnapInstanceName=firefox
Version=1.0
Name=Firefox Web Browser
Exec=env BAMF_DESKTOP_FILE_HINT=/var/lib/snapd/desktop/applications/firefox_firefox.desktop /snap/bin/firefox %u
Terminal=false
Type=Application
Icon=/snap/firefox/5361/default256.png
X-SnapAppName=firefox
"""
KWRITE = """[Desktop Entry]
Type=Application
Exec="/opt/kde apps/kwrite" %U
Name=KWrite
NoDisplay=true
"""
WINE_SHORTCUT = r"""[Desktop Entry]
Name=WeChat
Exec=env WINEPREFIX="/home/alice/.wine" wine C:\\\\ProgramData\\\\Microsoft\\\\Windows\\\\Start\\ Menu\\\\Programs\\\\WeChat\\\\WeChat.lnk
Type=Application
StartupNotify=true
"""
AUTOSTART_HIDDEN = """[Desktop Entry]
Type=Application
Name=WeChat
Exec=/usr/bin/wechat --autostart
Hidden=true
"""


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def install_flatpak_export(installation: Path, app_id: str, entry: str) -> None:
    """The deployed .desktop file and the relative link flatpak makes to it in exports/."""
    app = installation / "app" / app_id
    write(app / f"x86_64/stable/{COMMIT}/export/share/applications/{app_id}.desktop", entry)
    (app / "x86_64/stable/active").symlink_to(COMMIT)
    (app / "current").symlink_to("x86_64/stable")
    exports = installation / "exports/share/applications"
    exports.mkdir(parents=True)
    (exports / f"{app_id}.desktop").symlink_to(f"../../../app/{app_id}/current/active/export/share/applications/{app_id}.desktop")


@pytest.fixture
def device(tmp_path: Path) -> Path:
    write(tmp_path / "usr/share/applications/wechat.desktop", WECHAT_DEB)
    write(tmp_path / "usr/share/applications/kde4/kwrite.desktop", KWRITE)
    write(tmp_path / "usr/share/applications/mimeinfo.cache", "[MIME Cache]\n")
    install_flatpak_export(tmp_path / "var/lib/flatpak", "com.tencent.WeChat", WECHAT_FLATPAK)
    write(tmp_path / "var/lib/snapd/desktop/applications/firefox_firefox.desktop", FIREFOX_SNAP)
    write(tmp_path / "home/alice/.local/share/applications/wine/Programs/WeChat.desktop", WINE_SHORTCUT)
    write(tmp_path / "home/alice/.config/autostart/wechat.desktop", AUTOSTART_HIDDEN)
    return tmp_path


def read(root: Path):
    return DesktopEntries().read(ReadRequest(ScanTarget(root, "linux", live=False)))


SYSTEM = (("scope", "system"),)
ALICE = (("scope", "user"), ("user", "alice"), ("home", "/home/alice"))


def entry_item(identifiers, name, location, details) -> InventoryItem:
    return InventoryItem("desktop_entries", EvidenceKind.INSTALLED, identifiers, name, "", "", location, details)


EXPECTED = (
    entry_item(
        (("desktop_file", "kde4-kwrite"), ("executable", "/opt/kde apps/kwrite")),
        "KWrite",
        "/usr/share/applications/kde4/kwrite.desktop",
        SYSTEM + (("type", "Application"), ("exec", '"/opt/kde apps/kwrite" %U'), ("no_display", "true")),
    ),
    entry_item(
        (("desktop_file", "wechat"), ("executable", "/usr/bin/wechat")),
        "WeChat",
        "/usr/share/applications/wechat.desktop",
        SYSTEM + (("type", "Application"), ("exec", "/usr/bin/wechat %U"), ("icon", "wechat")),
    ),
    entry_item(
        (("desktop_file", "com.tencent.WeChat"), ("executable", "/usr/bin/flatpak"), ("flatpak", "com.tencent.WeChat")),
        "WeChat",
        "/var/lib/flatpak/exports/share/applications/com.tencent.WeChat.desktop",
        SYSTEM
        + (
            ("type", "Application"),
            ("exec", "/usr/bin/flatpak run --branch=stable --arch=x86_64 --command=wechat --file-forwarding com.tencent.WeChat @@u %U @@"),
            ("icon", "com.tencent.WeChat"),
        ),
    ),
    entry_item(
        (("desktop_file", "firefox_firefox"), ("executable", "/snap/bin/firefox"), ("snap", "firefox")),
        "Firefox Web Browser",
        "/var/lib/snapd/desktop/applications/firefox_firefox.desktop",
        SYSTEM
        + (
            ("type", "Application"),
            ("exec", "env BAMF_DESKTOP_FILE_HINT=/var/lib/snapd/desktop/applications/firefox_firefox.desktop /snap/bin/firefox %u"),
            ("icon", "/snap/firefox/5361/default256.png"),
        ),
    ),
    entry_item(
        (("desktop_file", "wine-Programs-WeChat"),),
        "WeChat",
        "/home/alice/.local/share/applications/wine/Programs/WeChat.desktop",
        ALICE
        + (
            ("type", "Application"),
            ("exec", 'env WINEPREFIX="/home/alice/.wine" wine C:\\\\ProgramData\\\\Microsoft\\\\Windows\\\\Start\\ Menu\\\\Programs\\\\WeChat\\\\WeChat.lnk'),
        ),
    ),
    entry_item(
        (("desktop_file", "wechat"), ("executable", "/usr/bin/wechat")),
        "WeChat",
        "/home/alice/.config/autostart/wechat.desktop",
        ALICE + (("type", "Application"), ("exec", "/usr/bin/wechat --autostart"), ("autostart", "true"), ("hidden", "true")),
    ),
)


def test_menus_of_packages_flatpak_snap_and_users(device):
    result = read(device)
    assert result.items == EXPECTED
    assert result.coverage.status == CoverageStatus.OK


def test_nothing_there_is_skipped(tmp_path):
    coverage = read(tmp_path).coverage
    assert (coverage.status, str(coverage.detail)) == (
        CoverageStatus.SKIPPED, "no application menu or autostart folders"
    )


def test_symlink_loops_are_problems_and_linked_folders_are_not_followed(device):
    applications = device / "usr/share/applications"
    (applications / "loop.desktop").symlink_to("loop.desktop")
    (applications / "ping.desktop").symlink_to("pong.desktop")
    (applications / "pong.desktop").symlink_to("ping.desktop")
    (applications / "again").symlink_to(".")  # a folder loop: never followed, so never a problem
    (applications / "gone.desktop").symlink_to("/nonexistent/gone.desktop")  # dangling: nothing installed
    result = read(device)
    assert result.items == EXPECTED
    assert result.coverage.status == CoverageStatus.PARTIAL
    loop = "cannot read: Too many levels of symbolic links"
    assert [(p.location, str(p.reason)) for p in result.coverage.problems] == [
        ("/usr/share/applications/loop.desktop", loop),
        ("/usr/share/applications/ping.desktop", loop),
        ("/usr/share/applications/pong.desktop", loop),
    ]


def test_bad_files_are_problems_and_the_rest_is_read(device):
    applications = device / "usr/share/applications"
    write(applications / "latin1.desktop", "[Desktop Entry]\nName=Caf\xe9\n".encode("latin-1"))
    write(applications / "random.desktop", os.urandom(16).replace(b"[", b"") + b"\xff")
    write(applications / "notes.desktop", "just some notes\n")
    write(applications / "huge.desktop", b"[Desktop Entry]\n" + b"#" * (1 << 20))
    os.close(os.open(os.fsencode(applications) + b"/caf\xe9.desktop", os.O_CREAT | os.O_WRONLY))
    result = read(device)
    assert result.items == EXPECTED
    assert result.coverage.status == CoverageStatus.PARTIAL
    assert [(p.location, str(p.reason)) for p in result.coverage.problems] == [
        ("/usr/share/applications/caf\\xe9.desktop", "the name is not valid UTF-8; skipped"),
        ("/usr/share/applications/huge.desktop", "file is larger than 1048576 bytes; not read"),
        ("/usr/share/applications/latin1.desktop", "not UTF-8 text; not read"),
        ("/usr/share/applications/notes.desktop", "has no [Desktop Entry] section"),
        ("/usr/share/applications/random.desktop", "not UTF-8 text; not read"),
    ]


def test_only_folder_unreadable_fails(tmp_path):
    # Tests run as root, which chmod 000 does not stop; a link loop is unreadable for everyone.
    (tmp_path / "usr/share").mkdir(parents=True)
    (tmp_path / "usr/share/applications").symlink_to("applications")
    result = read(tmp_path)
    assert result.coverage.status == CoverageStatus.FAILED
    assert str(result.coverage.detail) == "/usr/share/applications: cannot read: Too many levels of symbolic links"


def test_unreadable_user_folder_asks_for_elevation(device, deny_reading):
    deny_reading(device / "home/alice/.config/autostart")
    result = read(device)
    assert result.items == EXPECTED[:-1]
    assert [(p.location, p.elevation_helps) for p in result.coverage.problems] == [("/home/alice/.config/autostart", True)]


def test_this_machine_has_vim_in_its_menu():
    if not Path("/usr/share/applications/vim.desktop").exists():
        pytest.skip("this machine has no /usr/share/applications/vim.desktop")
    result = DesktopEntries().read(ReadRequest(ScanTarget(Path("/"), "linux", live=True)))
    vim = [item for item in result.items if item.location == "/usr/share/applications/vim.desktop"]
    assert [item.identifiers[0] for item in vim] == [("desktop_file", "vim")]
    assert vim[0].name == "Vim"


@pytest.mark.parametrize(
    "exec_line, expected",
    [
        ("/usr/bin/wechat %U", [("executable", "/usr/bin/wechat")]),
        ('"/opt/Tencent WeChat/wechat" --x', [("executable", "/opt/Tencent WeChat/wechat")]),
        ("env -u SESSION VAR=1 /opt/x/run", [("executable", "/opt/x/run")]),
        ("/usr/bin/env A=1 B=2 /snap/bin/wechat", [("executable", "/snap/bin/wechat")]),
        ("flatpak run com.tencent.WeChat", [("flatpak", "com.tencent.WeChat")]),
        ("flatpak run --command wechat --branch stable com.tencent.WeChat %U", [("flatpak", "com.tencent.WeChat")]),
        ("flatpak run --help", []),
        ("wechat %U", []),
        ('"/opt/unbalanced', []),
        ("", []),
    ],
)
def test_exec_identifiers(exec_line, expected):
    assert exec_identifiers(exec_line) == expected


def test_desktop_file_id_uses_dashes_for_subfolders():
    assert desktop_file_id(PurePosixPath("kde4/apps/kwrite.desktop")) == "kde4-apps-kwrite"


def test_parse_desktop_entry_decodes_key_file_escapes():
    entry = parse_desktop_entry("[Desktop Entry]\nName=A\\sB\nExec=/opt/a\\\\b %f\nName=second\n[Other]\nName=C\n")
    assert entry == DesktopEntry("A B", "/opt/a\\b %f", "", False, False, "", "")


@given(st.text(max_size=400))
def test_parse_desktop_entry_never_raises(text):
    parsed = parse_desktop_entry(text)
    assert isinstance(parsed, (DesktopEntry, Message))
    if isinstance(parsed, DesktopEntry):
        exec_identifiers(parsed.exec_line)


ENTRY_LINES = st.sampled_from(["[Desktop Entry]", "Name=x", "Exec=", 'Exec="', "Hidden=true", "=", "[", "\\", "#"])


@given(st.lists(ENTRY_LINES | st.text(max_size=20)).map("\n".join))
def test_parse_desktop_entry_on_entry_shaped_text(text):
    assert isinstance(parse_desktop_entry(text), (DesktopEntry, Message))


@given(st.text(max_size=200))
def test_exec_identifiers_never_raise(exec_line):
    for namespace, value in exec_identifiers(exec_line):
        assert namespace in ("executable", "flatpak") and value


def test_absolute_link_means_the_mounted_disk_not_this_machine(tmp_path):
    write(tmp_path / "opt/wechat-beta/wechat.desktop", WECHAT_DEB)
    (tmp_path / "usr/share/applications").mkdir(parents=True)
    (tmp_path / "usr/share/applications/wechat.desktop").symlink_to("/opt/wechat-beta/wechat.desktop")
    result = read(tmp_path)
    assert [(item.identifiers[0], item.location) for item in result.items] == [
        (("desktop_file", "wechat"), "/usr/share/applications/wechat.desktop")
    ]


def test_exec_through_a_link_matches_the_program_it_leads_to(tmp_path):
    # Exec=/usr/bin/wechat, a link to /opt/wechat/wechat (as the official .deb and wechat-bin lay it out).
    (tmp_path / "opt/wechat").mkdir(parents=True)
    (tmp_path / "opt/wechat/wechat").write_bytes(b"\x7fELF")
    (tmp_path / "usr/bin").mkdir(parents=True)
    (tmp_path / "usr/bin/wechat").symlink_to("/opt/wechat/wechat")
    (tmp_path / "usr/bin/relative").symlink_to("../../opt/wechat/wechat")
    write(tmp_path / "usr/share/applications/weixin.desktop", "[Desktop Entry]\nName=Weixin\nExec=/usr/bin/wechat %U\nType=Application\n")
    write(tmp_path / "usr/share/applications/other.desktop", "[Desktop Entry]\nName=Other\nExec=/usr/bin/relative\nType=Application\n")
    result = read(tmp_path)
    identifiers = {item.name: item.identifiers for item in result.items}
    assert identifiers["Weixin"] == (("desktop_file", "weixin"), ("executable", "/usr/bin/wechat"), ("executable", "/opt/wechat/wechat"))
    assert ("executable", "/opt/wechat/wechat") in identifiers["Other"]
    from appwarden.core.policy.loader import load_policies
    from appwarden.core.scan import run_scan

    (finding,) = run_scan(ScanTarget(tmp_path, "linux", live=False), load_policies()).findings
    assert {(e.namespace, e.identifier) for e in finding.evidence if e.source == "desktop_entries"} == {
        ("executable", "/opt/wechat/wechat")
    }


def test_a_link_out_of_the_disk_is_resolved_inside_it(tmp_path):
    (tmp_path / "usr/bin").mkdir(parents=True)
    (tmp_path / "usr/bin/escape").symlink_to("../../../../../../etc/passwd")
    write(tmp_path / "usr/share/applications/e.desktop", "[Desktop Entry]\nName=E\nExec=/usr/bin/escape\nType=Application\n")
    (item,) = read(tmp_path).items
    assert item.identifiers == (("desktop_file", "e"), ("executable", "/usr/bin/escape"), ("executable", "/etc/passwd"))
