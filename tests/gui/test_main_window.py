"""The window over real scans of fixture disks: banner, list, detail, help-desk details, cancel,
errors as sentences, keyboard and accessibility, French."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from appwarden.core.sources import ALL_SOURCES
from tests.conftest import PROJECT
from tests.gui.window_fixtures import check_and_wait, linux_disk, open_window

pytest.importorskip("PySide6", reason="the window needs PySide6-Essentials (pip install -e '.[test]')")

from PySide6.QtCore import QCoreApplication, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QMessageBox, QTextBrowser  # noqa: E402


@pytest.fixture
def disk(tmp_path):
    return linux_disk(tmp_path / "disk")


def test_check_shows_banner_list_and_detail(qtbot, disk):
    view, controller = open_window(qtbot, "--root", str(disk))
    assert view.check_button.text() == "Check this disk"
    assert view.banner_text.text() == "Not checked yet."
    assert view.packs_label.text() == "Policy packs: Government of Canada directives (ca-gc 2026.11.0, 2 directives)"
    assert view.last_checked_label.text() == "This disk has not been checked yet."
    check_and_wait(qtbot, controller)
    assert view.banner_text.text() == "1 prohibited application found."
    # Kaspersky's package was removed and left only its settings: the app is gone, as after a removal.
    assert view.banner_detail.text() == "Also found: what an app that was uninstalled left behind: Kaspersky suite of applications."
    assert view.banner.property("state") == "found"
    assert view.banner_icon.text() == "\u2716"  # a mark beside the colour
    rows = [controller.findings.index(r).data() for r in range(controller.findings.rowCount())]
    assert rows == [
        "WeChat (Weixin)\nTencent · installed · removal recommended",
        "Kaspersky suite of applications\nAO Kaspersky Lab · left behind · no longer installed",
    ]
    text = view.detail.toPlainText()
    assert "Why is this prohibited?" in text
    assert "Removal recommended: the directive covers government-issued mobile devices" in text
    assert "https://www.canada.ca/en/treasury-board-secretariat/news/2023/10/minister-anand-announces" in text
    assert "installed: wechat 4.0.1.11, /var/lib/dpkg/status (wechat) [Debian packages]" in text
    assert view.remove_button.isEnabled()
    assert view.last_checked_label.text().startswith("Last checked: ")


def test_helpdesk_details_show_evidence_and_coverage(qtbot, disk):
    view, controller = open_window(qtbot, "--root", str(disk))
    check_and_wait(qtbot, controller)
    assert not view.coverage_table.isVisibleTo(view)
    qtbot.mouseClick(view.helpdesk_toggle, Qt.MouseButton.LeftButton)
    assert view.coverage_table.isVisibleTo(view)
    text = view.detail.toPlainText()
    assert "Technical evidence" in text and "deb: wechat" in text
    # Only the sources that apply to this disk; the others on request.
    sources = [coverage.source for coverage in controller.coverage.coverage]  # the rows, by source id
    assert sources == ["dpkg", "leftovers"] and controller.coverage.rowCount() == 2
    view.all_sources_toggle.click()
    sources = [coverage.source for coverage in controller.coverage.coverage]
    assert sources[:2] == ["dpkg", "rpm"] and "processes" in sources and len(sources) == len(ALL_SOURCES)
    controller.copy_diagnostics()
    from PySide6.QtGui import QGuiApplication

    copied = QGuiApplication.clipboard().text()
    assert "[wechat] dpkg deb:wechat @ /var/lib/dpkg/status (wechat) version=4.0.1.11" in copied


def test_a_source_that_fails_makes_the_banner_amber_and_says_what(qtbot, tmp_path):
    root = linux_disk(tmp_path / "disk", status="")
    (root / "var/lib/dpkg/status").unlink()
    (root / "var/lib/dpkg/status").mkdir()  # unreadable as a file: the dpkg source fails for real
    view, controller = open_window(qtbot, "--root", str(root))
    check_and_wait(qtbot, controller)
    assert view.banner.property("state") == "incomplete"
    assert view.banner_icon.text() == "\u26a0"
    assert view.banner_text.text().startswith("No prohibited application found in what could be checked")
    assert view.banner_detail.text() == "Could not be checked completely: Debian packages."


def test_broken_policy_pack_is_a_sentence_not_a_traceback(qtbot, tmp_path, disk):
    broken = tmp_path / "broken.toml"
    broken.write_text("schema = 1\n[pack\n")
    view, controller = open_window(qtbot, "--root", str(disk), "--policy", str(broken))
    qtbot.waitUntil(lambda: view.findChild(QMessageBox, "errorDialog") is not None)
    dialog = view.findChild(QMessageBox, "errorDialog")
    assert dialog.text().startswith(f"{broken}: not valid TOML:")
    assert "Traceback" not in dialog.text() + dialog.detailedText()
    assert [b.text() for b in dialog.buttons() if b.text() == "Copy details"] == ["Copy details"]
    assert not view.check_button.isEnabled()  # nothing to check against
    # The window itself says why and what to do, where a person looks: not "Loading…", not "Press Check".
    assert view.packs_label.text() == "No policy pack is in force."
    assert view.banner_text.text() == "The policy packs could not be loaded, so nothing can be checked."
    assert view.banner_detail.text().startswith(f"{broken}: not valid TOML:")
    assert view.detail.toPlainText().startswith("What to do\nCorrect the policy file named above")


def test_broken_policy_pack_is_said_in_french(qtbot, tmp_path, disk):
    broken = tmp_path / "broken.toml"
    broken.write_text("schema = 1\n[pack\n")
    view, controller = open_window(qtbot, "--root", str(disk), "--policy", str(broken), "--lang", "fr")
    qtbot.waitUntil(lambda: controller.startup_error is not None)
    assert view.packs_label.text() == "Aucun paquet de politiques n’est en vigueur."
    assert view.banner_text.text() == "Les paquets de politiques n’ont pas pu être chargés : rien ne peut donc être vérifié."
    assert "Appuyez" not in view.detail.toPlainText()


def test_cancel_stops_the_check_promptly(qtbot, tmp_path):
    root = linux_disk(tmp_path / "disk", packages=150_000)
    view, controller = open_window(qtbot, "--root", str(root))
    qtbot.mouseClick(view.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.cancel_button.isVisible())
    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.task.done, timeout=10000)
    assert view.banner_text.text() == "The check was cancelled."
    assert view.check_button.isEnabled()
    assert controller.history.scans() == []  # a cancelled check is not recorded as a result


def test_ui_thread_handles_events_while_a_large_check_runs(qtbot, tmp_path):
    root = linux_disk(tmp_path / "disk", packages=200_000)
    view, controller = open_window(qtbot, "--root", str(root))
    ticks = []
    timer = QTimer(interval=5)
    timer.timeout.connect(lambda: ticks.append(controller.task is not None and not controller.task.done))
    timer.start()
    check_and_wait(qtbot, controller)
    timer.stop()
    # The UI thread kept running its own timer while the check ran on the worker thread.
    assert sum(ticks) >= 5
    assert controller.result.items_read >= 200_000


def test_exported_json_is_the_report_of_the_check(qtbot, tmp_path, disk):
    view, controller = open_window(qtbot, "--root", str(disk))
    check_and_wait(qtbot, controller)
    controller.export_to(tmp_path / "report.json", "json")
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert [f["rule"] for f in report["findings"]] == ["wechat", "kaspersky"]
    assert view.statusBar().currentMessage() == f"Report written to {tmp_path / 'report.json'}."


def test_every_control_has_an_accessible_name_and_actions_have_shortcuts(qtbot, disk):
    view, controller = open_window(qtbot, "--root", str(disk))
    controls = view.findChildren(QAbstractButton) + view.findChildren(QAbstractItemView) + view.findChildren(QTextBrowser)
    def name(control) -> str:
        # A button's own text is its accessible name when none is set.
        return control.accessibleName() or (control.text() if isinstance(control, QAbstractButton) else "")

    unnamed = [c for c in controls if c.isVisibleTo(view) and not name(c)]
    assert unnamed == []
    for action in (view.export_action, view.print_action, view.quit_action, view.history_action, view.settings_action):
        assert not action.shortcut().isEmpty(), action.text()
    assert view.check_button.isDefault()
    assert view.check_button.hasFocus() or view.focusWidget() is view.check_button


def test_keyboard_alone_runs_a_check_and_reads_the_result(qtbot, disk):
    view, controller = open_window(qtbot, "--root", str(disk))
    view.check_button.setFocus()
    qtbot.keyClick(view.check_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: controller.task is not None and controller.task.done, timeout=60000)
    view.findings_list.setFocus()
    qtbot.keyClick(view.findings_list, Qt.Key.Key_Down)
    assert "Kaspersky suite of applications" in view.detail.toPlainText()


def test_french_window_and_qt_own_texts(qtbot, disk):
    view, controller = open_window(qtbot, "--root", str(disk), "--lang", "fr")
    assert view.check_button.text() == "Vérifier ce disque"
    assert view.banner_text.text() == "Pas encore vérifié."
    # Qt's own buttons come from Qt's shipped French catalogue.
    assert QCoreApplication.translate("QPlatformTheme", "Close") == "Fermer"
    check_and_wait(qtbot, controller)
    assert view.banner_text.text() == "1 application interdite trouvée."
    assert "Pourquoi est-ce interdit?" in view.detail.toPlainText()
    assert "Le dirigeant principal de l’information du Canada" in view.detail.toPlainText()


def test_without_a_display_the_command_says_so_in_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(PYTHONPATH=str(PROJECT), APPWARDEN_LANG="en")
    done = subprocess.run([sys.executable, "-c", "from appwarden.gui.launcher import main; raise SystemExit(main([]))"],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "No display is available, so the window cannot open. To check this device in the terminal, run: appwarden scan\n"
    )
    assert "PySide6" not in done.stdout


def test_command_line_commands_still_go_to_the_command_line(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(PROJECT))
    done = subprocess.run([sys.executable, "-c", "from appwarden.gui.launcher import main; raise SystemExit(main(['--version']))"],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0 and done.stdout.startswith("appwarden ")


def test_the_qt_binding_keeps_none_alive():
    # PySide6-Essentials 6.12.0 on Python 3.11 decrements None's reference count on every call that
    # returns nothing, which crashes the window within seconds; pyproject.toml keeps it below 6.12.
    script = (
        "import os; os.environ['QT_QPA_PLATFORM']='offscreen'\n"
        "from PySide6.QtWidgets import QApplication, QLabel\n"
        "app = QApplication([]); label = QLabel()\n"
        "for _ in range(200_000): label.setText('x')\n"
        "print('alive')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout == "alive\n", done.stderr[-500:]


def test_history_lists_the_checks_of_this_window(qtbot, disk):
    from appwarden.gui.history_view import HistoryDialog

    view, controller = open_window(qtbot, "--root", str(disk))
    check_and_wait(qtbot, controller)
    check_and_wait(qtbot, controller)
    controller.show_history()
    qtbot.waitUntil(lambda: view.findChild(HistoryDialog, "historyDialog") is not None)
    dialog = view.findChild(HistoryDialog, "historyDialog")
    history = dialog.model
    assert history.rowCount() == 2
    row = " | ".join(str(history.index(0, column).data()) for column in range(history.columnCount()))
    assert "WeChat (Weixin)" in row and "desk-12" in row


def test_settings_change_the_language_now(qtbot, disk):
    from appwarden.gui.settings_view import SettingsDialog
    from appwarden.core.settings import Settings, SettingsStore

    view, controller = open_window(qtbot, "--root", str(disk))
    controller.show_settings()
    qtbot.waitUntil(lambda: view.findChild(SettingsDialog, "settingsDialog") is not None)
    view.findChild(SettingsDialog, "settingsDialog").reject()
    controller.apply_settings(SettingsStore(), Settings(language="fr", show_helpdesk_details=True))
    assert view.check_button.text() == "Vérifier ce disque"
    assert view.helpdesk_toggle.isChecked()
    assert SettingsStore().load() == (Settings(language="fr", show_helpdesk_details=True), None)
    qtbot.waitUntil(lambda: controller.startup is not None and view.check_button.isEnabled())
    controller.apply_settings(SettingsStore(), Settings(language="en"))
    assert view.check_button.text() == "Check this disk"
    assert QCoreApplication.translate("QPlatformTheme", "Close") == "Close"


def test_header_names_each_directive_of_the_packs(qtbot, disk):
    view, controller = open_window(qtbot, "--root", str(disk))
    assert view.packs_label.toolTip().splitlines() == [
        "Statement by Minister Fortier announcing a ban on the use of TikTok on government mobile devices (February 28, 2023)",
        "Minister Anand announces a ban on the use of WeChat and Kaspersky suite of applications on government mobile devices (October 30, 2023)",
    ]


def test_the_apps_own_icon_is_used_when_the_desktop_names_one(qtbot, tmp_path):
    from PySide6.QtGui import QIcon

    from appwarden.core.findings import Evidence, Finding
    from appwarden.core.sources.base import EvidenceKind
    from appwarden.gui.models import finding_icon

    themes = tmp_path / "icons/hicolor/48x48/apps"
    themes.mkdir(parents=True)
    (tmp_path / "icons/hicolor/index.theme").write_text(
        "[Icon Theme]\nName=Hicolor\nDirectories=48x48/apps\n\n[48x48/apps]\nSize=48\nType=Fixed\n"
    )
    from PySide6.QtGui import QImage

    image = QImage(48, 48, QImage.Format.Format_ARGB32)
    image.fill(0xFF2E7D4A)
    image.save(str(themes / "wechat.png"))
    QIcon.setThemeSearchPaths([str(tmp_path / "icons")])
    QIcon.setThemeName("hicolor")
    evidence = Evidence("desktop_entries", EvidenceKind.INSTALLED, "desktop_file", "wechat", "/x", details=(("icon", "wechat"),))
    finding = Finding(rule=None, directive=None, enforcement=None, evidence=(evidence,))
    assert finding_icon(finding).name() == "wechat"
    plain = Finding(rule=None, directive=None, enforcement=None, evidence=(Evidence("dpkg", EvidenceKind.INSTALLED, "deb", "x", "/y"),))
    assert finding_icon(plain).name() != "wechat"


def test_an_icon_named_by_a_path_is_never_opened(qtbot, tmp_path):
    """A disk's desktop entry may say Icon=/some/fifo: Qt would open that file of this machine
    (and wait on it forever). Only plain theme names are looked up."""
    import threading

    from appwarden.core.findings import Evidence, Finding
    from appwarden.core.sources.base import EvidenceKind
    from appwarden.gui.models import finding_icon

    fifo = tmp_path / "hang.png"
    os.mkfifo(fifo)
    opened = threading.Event()

    def writer():
        fd = os.open(fifo, os.O_WRONLY)  # goes on only if someone opens the FIFO to read
        opened.set()
        os.close(fd)

    threading.Thread(target=writer, daemon=True).start()
    for name in (str(fifo), str(fifo.with_suffix("")), "../" + fifo.name):
        evidence = Evidence("desktop_entries", EvidenceKind.INSTALLED, "desktop_file", "wechat", "/x", details=(("icon", name),))
        finding_icon(Finding(rule=None, directive=None, enforcement=None, evidence=(evidence,)))
    assert not opened.wait(0.5)
    os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))


def test_a_mistake_in_the_windows_options_is_one_sentence_in_the_persons_language(capsys):
    from appwarden.gui.launcher import window_arguments

    for argv, sentence in (
        (["--bogus"], "appwarden gui does not take --bogus."),
        (["--root"], "--root must be followed by DIR."),
        (["--lang", "de"], "--lang must be one of en, fr, not 'de'."),
        (["--lang", "fr", "--bogus"], "appwarden gui n’accepte pas --bogus."),
    ):
        with pytest.raises(SystemExit) as stopped:
            window_arguments(argv)
        err = capsys.readouterr().err
        assert stopped.value.code == 2 and err.splitlines()[0] == sentence and len(err.splitlines()) == 2
    assert window_arguments(["--lang", "fr", "--root", "/mnt"]).lang == "fr"
    assert window_arguments([]).lang is None
