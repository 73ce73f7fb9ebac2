"""A help desk on the phone: the window names what it checks, gives each check a reference code, saves
diagnostics for a ticket, and opens a report someone sent exactly as they saw it, read-only."""

from __future__ import annotations

import os
import stat

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from appwarden.core.i18n import Translator
from appwarden.core.reports.json_report import render_json
from appwarden.gui.detail_html import finding_html
from appwarden.core.i18n import readable_local_time
from tests.gui.window_fixtures import check_and_wait, linux_disk, open_window

CLEAN = "Package: vim\nStatus: install ok installed\nVersion: 2:9.0\nArchitecture: amd64\n\n"


def test_the_header_names_the_disk_and_the_computer_name_it_gives_itself(qtbot, tmp_path):
    disk = linux_disk(tmp_path / "disk")
    view, controller = open_window(qtbot, "--root", str(disk))
    assert view.target_label.text() == f"What is checked: the disk mounted at {disk}, computer desk-12 (Linux)"
    french, _ = open_window(qtbot, "--root", str(disk), "--lang", "fr")
    assert french.target_label.text() == f"Ce qui est vérifié : le disque monté dans {disk}, ordinateur desk-12 (Linux)"


def test_the_header_names_this_device_by_its_name_and_system(qtbot):
    import socket
    import sys

    from appwarden.core.target import computer_name

    view, _ = open_window(qtbot)
    system = {"linux": "Linux", "win32": "Windows", "darwin": "macOS"}[sys.platform]
    assert view.target_label.text() == f"What is checked: this device, {computer_name(socket.gethostname())} ({system})"
    assert view.last_checked_label.text() == "This device has not been checked yet."


def test_a_computer_name_that_looks_like_markup_is_shown_as_written(qtbot, tmp_path):
    disk = linux_disk(tmp_path / "disk")
    (disk / "etc/hostname").write_text("<b>desk</b><img src=x>\x1b[2K\n")
    view, controller = open_window(qtbot, "--root", str(disk))
    assert view.target_label.textFormat() == Qt.TextFormat.PlainText
    assert view.target_label.text().endswith("computer <b>desk</b><img src=x>[2K (Linux)")


def test_a_disk_without_a_name_says_so(qtbot, tmp_path):
    disk = linux_disk(tmp_path / "disk")
    (disk / "etc/hostname").unlink()
    view, _ = open_window(qtbot, "--root", str(disk))
    assert view.target_label.text() == f"What is checked: the disk mounted at {disk} (Linux), whose computer name could not be read"


def test_last_checked_is_of_this_disk_not_of_another(qtbot, tmp_path):
    first, second = linux_disk(tmp_path / "first"), linux_disk(tmp_path / "second", status=CLEAN)
    (second / "etc/hostname").write_text("desk-13\n")
    view, controller = open_window(qtbot, "--root", str(first))
    check_and_wait(qtbot, controller)
    first_check = view.last_checked_label.text()
    assert first_check.startswith("Last checked: ")
    other, _ = open_window(qtbot, "--root", str(second))
    assert other.last_checked_label.text() == "This disk has not been checked yet."
    again, _ = open_window(qtbot, "--root", str(first))
    assert again.last_checked_label.text() == first_check


def test_each_check_shows_its_reference_code_and_spells_it_for_screen_readers(qtbot, tmp_path):
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "disk")))
    assert view.banner_reference.isHidden()
    check_and_wait(qtbot, controller)
    code = controller.result.reference
    assert view.banner_reference.isVisible()
    assert view.banner_reference.text() == "Reference code: " + code.replace("-", "\u2011")
    assert view.banner_reference.accessibleName() == ", ".join(" ".join(group) for group in code.split("-"))


def test_save_diagnostics_writes_what_copy_puts_on_the_clipboard(qtbot, tmp_path):
    from PySide6.QtGui import QGuiApplication

    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "disk")))
    view.helpdesk_toggle.setChecked(True)
    check_and_wait(qtbot, controller)
    assert view.save_diagnostics_button.isVisible() and view.save_diagnostics_button.text() == "Save diagnostics…"
    controller.copy_diagnostics()
    ticket = tmp_path / "ticket.txt"
    controller.save_diagnostics_to(ticket)
    assert ticket.read_text(encoding="utf-8") == QGuiApplication.clipboard().text()
    assert f"Reference code: {controller.result.reference}" in ticket.read_text(encoding="utf-8")
    assert view.statusBar().currentMessage() == f"Diagnostics written to {ticket}."


def test_save_diagnostics_never_writes_into_a_pipe(qtbot, tmp_path):
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "disk")))
    check_and_wait(qtbot, controller)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    controller.save_diagnostics_to(pipe)
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert view.banner_detail.text() == (
        f"Cannot write the diagnostics to {pipe}: it is a named pipe (FIFO), not a regular file."
    )
    qtbot.waitUntil(lambda: view.findChild(QMessageBox, "errorDialog") is not None)


def sent_report(qtbot, tmp_path):
    """A check made on one window, exported as JSON the way the employee would send it."""
    _, sender = open_window(qtbot, "--root", str(linux_disk(tmp_path / "employee")))
    check_and_wait(qtbot, sender)
    report = tmp_path / "sent.json"
    sender.export_to(report, "json")
    return sender, report


def test_an_opened_report_shows_what_the_employee_saw_and_nothing_can_be_done_to_it(qtbot, tmp_path):
    sender, report = sent_report(qtbot, tmp_path)
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "helpdesk", status=CLEAN)))
    controller.open_report_file(report)
    qtbot.waitUntil(lambda: controller.received is not None)
    sent = sender.result
    rows = [controller.findings.index(row).data() for row in range(controller.findings.rowCount())]
    assert rows == [sender.findings.index(row).data() for row in range(sender.findings.rowCount())]
    assert len(rows) == 2
    assert view.banner_text.text() == sender.view.banner_text.text()
    assert view.detail.toHtml() == sender.view.detail.toHtml()  # the first finding, selected in both
    assert [finding_html(f, "linux", Translator("en"), True) for f in controller.result.findings] == [
        finding_html(f, "linux", Translator("en"), True) for f in sent.findings
    ]
    code = sent.reference.replace("-", "\u2011")
    assert view.received_notice.isVisible()
    assert view.received_notice.text() == (
        f"This is a report someone sent: the check of the disk mounted at {sent.target.root}, computer desk-12 (Linux)"
        f" on {readable_local_time(sent.started_at.isoformat(), 'en')}, reference code {code}. It is shown as they saw"
        " it, read-only: nothing can be removed or checked again from here. File > Close report goes back to what this"
        " window checks."
    )
    assert view.target_label.text() == f"What was checked: the disk mounted at {sent.target.root}, computer desk-12 (Linux)"
    assert view.banner_reference.text() == f"Reference code: {code}"
    assert view.remove_button.isHidden() and not view.remove_button.isEnabled()
    assert not view.check_button.isEnabled() and view.close_report_action.isEnabled()
    controller.show_removal()
    assert getattr(controller, "removal", None) is None
    assert view.last_checked_label.text() == ""
    # A ticket made from it says first that it is a report someone sent.
    assert controller.diagnostics().startswith(view.received_notice.text() + "\n\nAppWarden ")


def test_closing_the_report_goes_back_to_this_windows_own_check(qtbot, tmp_path):
    _, report = sent_report(qtbot, tmp_path)
    here = linux_disk(tmp_path / "helpdesk", status=CLEAN)
    view, controller = open_window(qtbot, "--root", str(here))
    check_and_wait(qtbot, controller)
    own = controller.result
    controller.open_report_file(report)
    qtbot.waitUntil(lambda: controller.received is not None)
    view.close_report_action.trigger()
    assert controller.received is None and view.received_notice.isHidden()
    assert controller.result is own and view.banner_text.text() == "No prohibited application found."
    assert view.banner_reference.text() == "Reference code: " + own.reference.replace("-", "\u2011")
    assert view.target_label.text() == f"What is checked: the disk mounted at {here}, computer desk-12 (Linux)"
    assert view.check_button.isEnabled() and not view.close_report_action.isEnabled()
    check_and_wait(qtbot, controller)
    assert controller.result is not own


def test_closing_a_report_opened_before_any_check_shows_the_window_unchecked(qtbot, tmp_path):
    _, report = sent_report(qtbot, tmp_path)
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "helpdesk", status=CLEAN)))
    controller.open_report_file(report)
    qtbot.waitUntil(lambda: controller.received is not None)
    controller.close_report()
    assert controller.result is None and view.banner_text.text() == "Not checked yet."
    assert view.banner_reference.isHidden() and view.last_checked_label.text() == "This disk has not been checked yet."


def test_a_file_that_is_not_a_report_is_one_sentence_and_leaves_the_window_as_it_was(qtbot, tmp_path):
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "disk")))
    check_and_wait(qtbot, controller)
    shown = controller.result
    bad = tmp_path / "notes.json"
    bad.write_text('{"schema": 1, "tool": {"name": "appwarden"}, "findings": "all"}')
    controller.open_report_file(bad)
    qtbot.waitUntil(lambda: view.findChild(QMessageBox, "reportErrorDialog") is not None)
    box = view.findChild(QMessageBox, "reportErrorDialog")
    assert box.text() == f"{bad} cannot be opened as an AppWarden report: language is not as AppWarden writes it."
    assert controller.result is shown and controller.received is None


def test_the_opened_report_in_french(qtbot, tmp_path):
    sender, report = sent_report(qtbot, tmp_path)
    view, controller = open_window(qtbot, "--root", str(linux_disk(tmp_path / "helpdesk", status=CLEAN)), "--lang", "fr")
    controller.open_report_file(report)
    qtbot.waitUntil(lambda: controller.received is not None)
    result = controller.result
    assert view.received_notice.text() == (
        f"Ceci est un rapport qu’on vous a envoyé. Ce qui a été vérifié : le disque monté dans {result.target.root}, "
        f"ordinateur desk-12 (Linux), le {readable_local_time(result.started_at.isoformat(), 'fr')}, code de référence "
        f"{result.reference.replace('-', chr(0x2011))}. Il est affiché tel que la personne l’a vu, en lecture seule : "
        "rien ne peut être retiré ni vérifié de nouveau d’ici. Fichier > Fermer le rapport revient à ce que cette "
        "fenêtre vérifie."
    )
    assert render_json(controller.result, Translator("en"))  # what was received can be exported again
