"""The window when the folder given with --root (or the device, with a wrong --os) cannot be checked:
the header shows the packs as usual, the banner says why, the detail pane says what to do instead,
and nothing invites the person to press the disabled button."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from appwarden.core.target import host_os
from tests.conftest import FIXTURES
from tests.gui.window_fixtures import linux_disk, open_window

MINIMAL = ("--no-default-policy", "--policy", str(FIXTURES / "policies" / "minimal.toml"))
ADVICE = {
    "en": "What to do\nChoose the folder where the other computer's disk is mounted, "
          "or start AppWarden without --root to check this computer.",
    "fr": "Que faire\nChoisissez le dossier où le disque de l’autre ordinateur est monté, "
          "ou lancez AppWarden sans --root pour vérifier cet ordinateur.",
}


def packs_shown_for_a_readable_disk(qtbot, tmp_path, lang: str) -> str:
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "good")), "--lang", lang, *MINIMAL)
    return view.packs_label.text()


@pytest.mark.parametrize("lang, pack, title, reason", [
    ("en", "Policy packs: Test pack (test-minimal 1, ", "This folder cannot be checked.",
     "{missing} is not a folder. Give --root the folder where the other disk is mounted."),
    ("fr", "Paquets de politiques : Paquet d’essai (test-minimal 1, ", "Ce dossier ne peut pas être vérifié.",
     "{missing} n’est pas un dossier. Donnez à --root le dossier où l’autre disque est monté."),
])
def test_a_missing_folder_shows_the_packs_why_and_what_to_do(qtbot, tmp_path, lang, pack, title, reason):
    packs = packs_shown_for_a_readable_disk(qtbot, tmp_path, lang)
    missing = tmp_path / "missing"
    view, controller = open_window(qtbot, "--root", str(missing), "--lang", lang, *MINIMAL)
    assert packs.startswith(pack)  # the count's wording is another matter; the header is the same as usual
    assert view.packs_label.text() == packs
    assert view.last_checked_label.text() == ""
    assert (view.banner.property("state"), view.banner_icon.text()) == ("incomplete", "\u26a0")
    assert view.banner_text.text() == title
    assert view.banner_detail.text() == reason.format(missing=missing)
    assert view.detail.toPlainText() == ADVICE[lang]
    assert not view.check_button.isEnabled()
    assert view.findChild(QMessageBox, "errorDialog") is None  # the window says it; no box to dismiss first
    view.helpdesk_toggle.setChecked(True)  # the detail pane is drawn again: it still says what to do
    assert view.detail.toPlainText() == ADVICE[lang]


def test_a_folder_with_no_system_on_it_says_so(qtbot, tmp_path):
    empty = tmp_path / "usb"
    empty.mkdir()
    view, controller = open_window(qtbot, "--root", str(empty), *MINIMAL)
    assert view.banner_text.text() == "This folder cannot be checked."
    assert view.banner_detail.text() == (
        f"Cannot tell which operating system is on {empty}: none of etc/os-release, "
        "System/Library/CoreServices/SystemVersion.plist or Windows/System32/config is there. "
        "Pass --os linux, --os windows or --os macos."
    )
    assert view.detail.toPlainText() == ADVICE["en"]
    assert not view.check_button.isEnabled()


def test_a_wrong_os_for_this_device_says_to_start_without_it(qtbot):
    other = next(name for name in ("windows", "macos", "linux") if name != host_os())
    view, controller = open_window(qtbot, "--os", other, "--lang", "fr", *MINIMAL)
    assert view.banner_text.text() == "Cet appareil ne peut pas être vérifié."
    assert view.banner_detail.text() == (
        f"Cet appareil fonctionne sous {host_os()}; --os {other} ne s’applique qu’avec --root."
    )
    assert view.detail.toPlainText() == "Que faire\nRelancez AppWarden sans --os pour vérifier cet appareil."
    assert not view.check_button.isEnabled()
