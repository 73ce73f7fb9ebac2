"""What the main window does when the person acts: every scan, report and history call goes to core,
every long call through the one BackgroundWork helper.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from appwarden.core.errors import AppWardenError, HistoryError, TargetError
from appwarden.core.findings import ScanResult
from appwarden.core.history import HistoryListing, HistoryStore
from appwarden.core.i18n import Translator, readable_local_time
from appwarden.core.policy.loader import load_policies
from appwarden.core.policy.model import PolicySet
from appwarden.core.reports import wording
from appwarden.core.reports.reference import spoken, unbroken
from appwarden.core.scan import Progress, run_scan
from appwarden.core.sources.base import ScanTarget
from appwarden.core.target import capture_target, make_target
from appwarden.core.version import __version__
from appwarden.gui.background import BackgroundWork, Task
from appwarden.gui.detail_html import empty_detail_html, finding_html
from appwarden.gui.main_window import MainWindowView
from appwarden.gui.models import FINDING_ROLE, CoverageModel, FindingsModel
from appwarden.gui.translation import install_qt_translations, translator_for

if TYPE_CHECKING:
    from appwarden.core.reports.json_reader import ReceivedReport

# What only some of the window's actions need (raising a check to administrator rights, the
# diagnostics, reading a received report, the dialogs, and Qt's QFileDialog and QMessageBox, whose
# Python types PySide6 builds on first import) is imported when that action runs: the window shows
# and is ready sooner (bench/window_startup.py).


@dataclass(frozen=True)
class Startup:
    """What the window needs before the person can check: the device, the packs, the last check."""

    target: ScanTarget | None  # None: the folder or device asked for cannot be checked (target_problem says why)
    policies: PolicySet
    last_checked: str
    history_problem: AppWardenError | None = None  # why no history is kept; the window checks all the same
    target_problem: TargetError | None = None


class MainController(QObject):
    def __init__(self, view: MainWindowView, options: argparse.Namespace, translate: Translator,
                 extra_policies: tuple[str, ...] = (), show_helpdesk: bool = False,
                 history: HistoryStore | None = None, this_device_issued: bool | None = None) -> None:
        super().__init__(view)
        self.view, self.options, self.t = view, options, translate
        self.extra_policies = extra_policies
        self.history = history or HistoryStore()
        self.background = BackgroundWork(self)
        self.findings = FindingsModel(translate)
        self.coverage = CoverageModel(translate)
        self.startup: Startup | None = None
        self.startup_error: AppWardenError | None = None  # why no pack could be put in force
        self.result: ScanResult | None = None
        self.received: ReceivedReport | None = None  # set while a report someone sent is shown
        self.local_result: ScanResult | None = None  # this window's own result, while a report is shown
        self.task: Task | None = None
        self.last_error: AppWardenError | None = None
        self.phone = None  # the PhoneSession being checked, once Check a phone has connected one
        # Whether the organisation issued the device checked: --personal, or the person's answer
        # (kept in the settings for this computer); None until they answer, and then it is assumed.
        self.issued: bool | None = False if getattr(options, "personal", False) else (
            this_device_issued if self.options.root is None and not getattr(options, "phone_capture", None) else None)
        view.findings_list.setModel(self.findings)
        view.coverage_table.setModel(self.coverage)
        view.helpdesk_toggle.setChecked(show_helpdesk)
        self._connect()
        self.retranslate(translate)
        self.show_idle()

    def _connect(self) -> None:
        v = self.view
        v.check_button.clicked.connect(self.check)
        v.phone_button.clicked.connect(lambda: self.check_a_phone())
        v.ownership_choice.buttonToggled.connect(self._ownership_answered)
        v.closing.connect(self.forget_phone)
        v.cancel_button.clicked.connect(self.cancel)
        v.findings_list.selectionModel().selectionChanged.connect(self._selection_changed)
        v.helpdesk_toggle.toggled.connect(self._helpdesk_toggled)
        v.all_sources_toggle.toggled.connect(self._show_coverage)
        v.copy_diagnostics_button.clicked.connect(self.copy_diagnostics)
        v.save_diagnostics_button.clicked.connect(self.save_diagnostics)
        v.open_report_action.triggered.connect(self.open_report)
        v.close_report_action.triggered.connect(self.close_report)
        v.remove_button.clicked.connect(self.show_removal)
        v.all_accounts_button.clicked.connect(self.check_all_accounts)
        v.quit_action.triggered.connect(v.close)
        v.export_action.triggered.connect(self.export)
        v.print_action.triggered.connect(self.print_report)
        v.history_action.triggered.connect(self.show_history)
        v.settings_action.triggered.connect(self.show_settings)
        v.about_action.triggered.connect(self.show_about)

    def retranslate(self, translate: Translator) -> None:
        self.t = self.findings.translate = self.coverage.translate = translate
        self.view.set_texts(translate, self.target_kind)
        if self.received is not None:
            self.view.show_received(self._received_sentence())
        self._show_packs()
        self._refresh()
        if self.startup_error is not None:
            self._show_startup_error()

    # Start-up: load the packs and the last check off the UI thread.
    def start(self) -> None:
        self.startup_error = None
        self.view.check_button.setEnabled(False)
        self.background.run(self._load_startup, self._started, self._start_failed)

    def _load_startup(self, report, cancelled) -> Startup:
        policies = load_policies([Path(p) for p in (*self.extra_policies, *self.options.policy)],
                                 include_default=not self.options.no_default_policy)
        try:
            target = self._make_target()
        except TargetError as error:  # the packs are shown all the same, beside why and what to do
            return Startup(None, policies, "", target_problem=error)
        try:
            last = self.history.last_check(target)  # of this target only, not of whatever was checked last
        except HistoryError as error:
            return Startup(target, policies, "", error)
        return Startup(target, policies, last.scanned_at if last else "")

    def _started(self, startup: Startup) -> None:
        self.startup = startup
        self._show_ownership()
        self._show_packs()
        if startup.target_problem is not None:
            self._show_target_problem(startup.target_problem)
            return
        self.view.check_button.setEnabled(True)
        self.view.check_button.setFocus()
        if getattr(self.options, "phone", None) and self.phone is None:
            self.check_a_phone(self.options.phone, check_at_once=True)  # --phone: straight to that phone

    def _start_failed(self, error: AppWardenError) -> None:
        """No pack could be put in force (a broken pack named with --policy or in Settings): the
        window says so where the packs are named and in the banner, and what to do; nothing to check."""
        self.startup_error = error
        self.show_error(error)  # the box, with Copy details for a help desk
        self._show_packs()
        self._show_startup_error()

    def _show_startup_error(self) -> None:
        t = self.t
        self.view.check_button.setEnabled(False)
        self.view.show_banner("incomplete", t("The policy packs could not be loaded, so nothing can be checked."), self.startup_error.render(t))
        self.view.show_guidance(t("What to do"), t(
            "Correct the policy file named above, or stop using it: remove it in View > Settings, or start "
            "AppWarden again without --policy. Then check again."
        ))

    @property
    def target_kind(self) -> str:
        """What the window checks: "device" (this one), "disk" (--root), "capture" (--phone-capture)
        or "phone" (one plugged in, once Check a phone has connected it)."""
        if self.phone is not None:
            return "phone"
        if getattr(self.options, "phone_capture", None):
            return "capture"
        return "device" if self.options.root is None else "disk"

    # Check a phone: the dialog finds and connects the phone; the window then checks it.
    def check_a_phone(self, which: str | None = None, check_at_once: bool = False) -> None:
        from appwarden.core.cli.phones import finder
        from appwarden.core.phones.session import AUTO, DEFAULT_ALLOW_WAIT_S
        from appwarden.gui.phone_controller import PhoneController
        from appwarden.gui.phone_view import PhoneDialog

        if self.startup is None or (self.task is not None and not self.task.done):
            return
        try:
            phones = finder(self.options)
        except AppWardenError as error:  # an address that is not this computer's loopback
            self.show_error(error)
            return
        wait = getattr(self.options, "allow_wait", None)
        from appwarden.core.phones.iphone import IphoneTools

        dialog = PhoneDialog(self.view)
        self.phone_dialog = PhoneController(
            dialog, phones, self.t, self._phone_connected, which=which or AUTO, iphones=IphoneTools(),
            allow_wait_s=DEFAULT_ALLOW_WAIT_S if wait is None else wait,
            issued=False if getattr(self.options, "personal", False) else (True if check_at_once else None),
            check_at_once=check_at_once)
        dialog.open()

    def _phone_connected(self, session, issued: bool) -> None:
        from appwarden.core.target import phone_target

        self.issued = issued
        if self.phone is not None and self.phone is not session:
            self.forget_phone()
        self.phone = session
        target = phone_target(session, organisation_issued=issued)
        self.result, self.received = None, None
        self.startup = replace(self.startup, target=target, last_checked=self._last_check_of(target), target_problem=None)
        self.view.set_texts(self.t, self.target_kind)
        self._show_ownership()
        self._show_packs()
        self.show_idle()
        self.check()

    # Whether the organisation issued the device: asked once, in the header; it decides required or recommended.
    def _show_ownership(self) -> None:
        self._showing_ownership = True
        try:
            self.view.show_ownership(self.issued)
        finally:
            self._showing_ownership = False

    def _ownership_answered(self, button, checked: bool) -> None:
        if not checked or getattr(self, "_showing_ownership", False):
            return
        issued = button is self.view.issued_choice
        if issued == self.issued:
            return
        self.issued = issued
        if self.startup is not None and self.startup.target is not None:
            self.startup = replace(self.startup, target=replace(self.startup.target, organisation_issued=issued))
        if self.target_kind == "device":
            self._remember_ownership(issued)
        if self.result is not None and self.received is None and (self.task is None or self.task.done):
            self.check()  # the findings' enforcement follows the answer

    def _remember_ownership(self, issued: bool) -> None:
        from appwarden.core.settings import SettingsStore

        store = SettingsStore()
        settings, problem = store.load()
        if problem is not None:  # a file AppWarden cannot read is never overwritten
            return
        try:
            store.save(replace(settings, this_device_issued=issued))
        except AppWardenError as error:
            self.view.statusBar().showMessage(error.render(self.t), 8000)

    def forget_phone(self) -> None:
        """The phone checked is done with: its link is closed, and an iPhone or iPad stops trusting
        this computer (AppWarden's pairing is removed), so a shared computer is not left trusted."""
        phone, self.phone = self.phone, None
        if phone is None:
            return
        forget = getattr(phone, "forget", None)
        if forget is not None:
            forget()
        phone.close()

    def _last_check_of(self, target: ScanTarget) -> str:
        try:
            last = self.history.last_check(target)
        except HistoryError:
            return ""
        return last.scanned_at if last else ""

    def _make_target(self) -> ScanTarget:
        issued = self.issued is not False
        if self.target_kind == "capture":
            return capture_target(self.options.phone_capture, organisation_issued=issued)
        return make_target(self.options.root, self.options.os, organisation_issued=issued)

    def _show_target_problem(self, problem: TargetError) -> None:
        """Why the folder (or device) asked for cannot be checked, and what the person can do instead."""
        t = self.t
        if self.target_kind == "capture":
            title = t("This phone capture cannot be checked.")
            advice = t("Choose the file or folder captured from the phone (a dumpsys package output, an adb bugreport zip, "
                       "a pm list packages output or an AndroidQF folder), or start AppWarden without --phone-capture.")
        elif self.options.root is not None:
            title = t("This folder cannot be checked.")
            advice = t("Choose the folder where the other computer's disk is mounted, "
                       "or start AppWarden without --root to check this computer.")
        else:
            title, advice = t("This device cannot be checked."), t("Start AppWarden again without --os to check this device.")
        self.view.show_banner("incomplete", title, problem.render(t))
        self.view.show_guidance(t("What to do"), advice)

    @property
    def shown_target(self) -> ScanTarget | None:
        """The device whose result the window shows: the one it checks, or a received report's."""
        if self.received is not None:
            return self.received.result.target
        return self.startup.target if self.startup is not None else None

    def _target_sentence(self, target: ScanTarget) -> str:
        t = self.t
        if self.received is not None:
            return t("What was checked: {target}", target=wording.target_description(target, t, here=False))
        return t("What is checked: {target}", target=wording.target_description(target, t))

    @property
    def target_problem(self) -> TargetError | None:
        """Why the folder or device asked for cannot be checked; None when it can, or before start-up ends."""
        return self.startup.target_problem if self.startup is not None else None

    def _show_packs(self) -> None:
        t = self.t
        if self.startup is None:
            failed = self.startup_error is not None
            self.view.packs_label.setText(t("No policy pack is in force.") if failed else t("Loading the policy packs…"))
            self.view.last_checked_label.setText("")
            return
        # A received report's packs are those in force where it was made.
        in_force = self.received.result.packs if self.received is not None else self.startup.policies.packs
        packs = "; ".join(
            f"{t.text(p.name)} ({p.id} {p.version}, " + t.plural("{count} directive", "{count} directives", count=len(p.directives)) + ")"
            for p in in_force
        )
        self.view.packs_label.setText(t("Policy packs: {packs}", packs=packs))
        directives = "\n".join(
            f"{t.text(d.title)} ({t.date(d.effective)})" for p in in_force for d in p.directives
        )
        self.view.packs_label.setToolTip(directives)
        self.view.packs_label.setAccessibleDescription(directives)
        shown = self.shown_target
        self.view.target_label.setText(self._target_sentence(shown) if shown is not None else "")
        if self.startup.target_problem is not None and self.received is None:  # the banner says why
            self.view.last_checked_label.setText("")
            return
        if self.received is not None:  # the notice above the result says when that check was made
            self.view.last_checked_label.setText("")
            return
        last, problem = self.startup.last_checked, self.startup.history_problem
        never = (t("This phone has not been checked yet.") if self.startup.target.is_connected_phone
                 else t("This device has not been checked yet.") if self.startup.target.live else t("This disk has not been checked yet."))
        lines = [t("Last checked: {when}", when=readable_local_time(last, t.lang)) if last else never]
        if problem is not None:
            lines.append(t("Note: {message}", message=problem.render(t)))
        self.view.last_checked_label.setText("\n".join(lines))
        self.view.last_checked_label.setWordWrap(problem is not None)

    # The check itself.
    def check(self) -> None:
        if self.startup is None or (self.task is not None and not self.task.done):
            return
        if self.target_problem is not None:  # nothing to check: the banner already says why
            return
        self.view.show_progress(True)
        self.view.progress_bar.setRange(0, 0)
        self.view.progress_label.setText(self.t("Starting the check…"))
        startup = self.startup
        self.task = self.background.run(
            lambda report, cancelled: self._scan(startup, report, cancelled),
            self._checked, self._check_failed, on_progress=self._progress, on_cancelled=self._check_cancelled,
        )

    def _scan(self, startup: Startup, report, cancelled) -> ScanResult:
        result = run_scan(startup.target, startup.policies, progress=report, cancelled=cancelled)
        if not result.cancelled:
            self._record(result)
        return result

    def _record(self, result: ScanResult) -> None:
        try:
            self.history.record_scan(result)
        except AppWardenError as error:  # the check stands; only its record is missing
            self.last_error = error

    def _progress(self, progress: Progress) -> None:
        self.view.progress_bar.setRange(0, progress.total)
        self.view.progress_bar.setValue(progress.index)
        self.view.progress_label.setText(self.t("Reading: {source}", source=self.t(progress.title)))

    def cancel(self) -> None:
        if self.task is not None and not self.task.done:
            self.task.cancel()
            self.view.cancel_button.setEnabled(False)
            self.view.progress_label.setText(self.t("Stopping…"))

    def _checked(self, result: ScanResult) -> None:
        self._stop_progress()
        self.result, self.received = result, None
        self.view.show_received("")
        if self.startup is not None and not result.cancelled:
            # A history that could not record this check is a note beside the result, never in its place.
            when = result.started_at.isoformat(timespec="seconds")
            self.startup = replace(self.startup, last_checked=when, history_problem=self.last_error)
        self.last_error = None
        self._show_packs()
        self._refresh()
        self.view.announce_banner()
        if result.findings:
            self.view.findings_list.setCurrentIndex(self.findings.index(0))

    def _stop_progress(self) -> None:
        self.view.show_progress(False)
        # Nothing to check against without packs, nor anything to check without a readable target.
        self.view.check_button.setEnabled(self.startup is not None and self.target_problem is None and self.received is None)

    def _check_cancelled(self) -> None:
        self._stop_progress()
        self.view.show_banner("incomplete", self.t("The check was cancelled."), self.t("Nothing was changed. Press the button to check again."))
        self.view.announce_banner()
        self.view.check_button.setFocus()

    def _check_failed(self, error: AppWardenError) -> None:
        self._stop_progress()
        self.show_error(error)

    # Showing a result.
    def show_idle(self) -> None:
        self.view.show_banner("idle", self.t("Not checked yet."), "")
        self.view.detail.setHtml(empty_detail_html(None, self.t, self.view.check_button.text(), live=self.target_kind == "device", capture=self.target_kind == "capture"))
        self.view.show_findings(False)
        self.view.show_helpdesk(self.view.helpdesk_toggle.isChecked())

    def _refresh(self) -> None:
        result, t = self.result, self.t
        if result is None:
            return
        state = wording.verdict_state(result)
        detail = " ".join(filter(None, (wording.leftovers_note(result, t), wording.result_details(result, t))))
        self.view.show_banner(state, wording.verdict(result, t), detail)
        self.findings.show(result.findings)
        self._offer_all_accounts(result)
        if result.target.is_connected_phone and self.received is None:  # the last step with a phone
            from appwarden.core.phones.iphone import STOP_TRUSTING
            from appwarden.core.phones.session import TURN_OFF_USB_DEBUGGING

            last = STOP_TRUSTING if result.target.os == "ios" else TURN_OFF_USB_DEBUGGING
            self.view.show_all_accounts_offer(False, last.render(t))
        self.view.show_findings(bool(result.findings))
        self.view.set_primary_action(removing=bool(result.findings))
        self._show_coverage()
        self.view.show_helpdesk(self.view.helpdesk_toggle.isChecked())
        self._show_reference_and_mode(result)
        self._show_selected()

    def _show_reference_and_mode(self, result: ScanResult) -> None:
        # Non-breaking hyphens: a wrapped line never splits the code a person reads out.
        sentence = self.t("Reference code: {code}", code=unbroken(result.reference)) if result.reference else ""
        self.view.show_reference(sentence, spoken(result.reference))
        # Read-only: nothing on a device whose report was received, or whose capture was read, can be removed from here.
        if self.received is not None or self.target_kind == "capture":
            self.view.remove_button.setVisible(False)
            self.view.set_primary_action(removing=False)

    def _show_coverage(self) -> None:
        if self.result is not None:
            self.coverage.show(self.result.coverage, every_source=self.view.all_sources_toggle.isChecked())

    def selected_finding(self):
        index = self.view.findings_list.currentIndex()
        return index.data(FINDING_ROLE) if index.isValid() else None

    def _selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        finding = self.selected_finding()
        self.view.remove_button.setEnabled(finding is not None and self.received is None and self.target_kind != "capture")
        if finding is None and self.target_problem is not None and self.received is None:
            self._show_target_problem(self.target_problem)
            return
        if finding is None:
            self.view.detail.setHtml(empty_detail_html(self.result, self.t, self.view.check_button.text()))
            return
        os_name = self.result.target.os if self.result else ""
        self.view.detail.setHtml(finding_html(finding, os_name, self.t, self.view.helpdesk_toggle.isChecked()))

    def _helpdesk_toggled(self, on: bool) -> None:
        self.view.show_helpdesk(on)
        self._show_selected()

    def copy_diagnostics(self) -> None:
        if self.result is None:
            return
        QGuiApplication.clipboard().setText(self.diagnostics())
        self.view.statusBar().showMessage(self.t("Diagnostics copied to the clipboard."), 5000)

    def diagnostics(self) -> str:
        """The diagnostics of the result shown; a received report's say first that it was received."""
        from appwarden.core.reports.diagnostics import diagnostics_text

        text = diagnostics_text(self.result, self.t)
        return text if self.received is None else f"{self._received_sentence()}\n\n{text}"

    def save_diagnostics(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from appwarden.gui.export import export_folder

        if self.result is None:
            return
        name = f"appwarden-diagnostics-{self.result.reference or 'report'}.txt"
        typed, _ = QFileDialog.getSaveFileName(
            self.view, self.t("Save diagnostics"), str(export_folder.current() / name), self.t("Text file (*.txt)")
        )
        if typed:
            export_folder.remember(Path(typed))
            self.save_diagnostics_to(Path(typed))

    def save_diagnostics_to(self, path: Path) -> None:
        """The same text as Copy diagnostics, written all or nothing over nothing but a file of the person's own."""
        from appwarden.core.errors import UsageError
        from appwarden.core.files import write_text_atomically
        from appwarden.core.messages import Message

        try:
            write_text_atomically(path, self.diagnostics())
        except OSError as error:
            self.show_error(UsageError(Message.of(
                "Cannot write the diagnostics to {path}: {error}.", path=path, error=error.strerror or error
            ), detail=repr(error)))
            return
        self.view.statusBar().showMessage(self.t("Diagnostics written to {path}.", path=path), 8000)

    # A report someone sent: shown as they saw it, read-only.
    def open_report(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from appwarden.gui.export import export_folder

        typed, _ = QFileDialog.getOpenFileName(
            self.view, self.t("Open report"), str(export_folder.current()), self.t("AppWarden JSON report (*.json)")
        )
        if typed:
            self.open_report_file(Path(typed))

    def open_report_file(self, path: Path) -> None:
        from appwarden.core.reports.json_reader import read_report_file, with_packs_of_this_computer

        policies = self.startup.policies if self.startup is not None else None

        def read(report, cancelled) -> ReceivedReport:
            received = read_report_file(path)
            return received if policies is None else with_packs_of_this_computer(received, policies)

        self.background.run(read, self._show_received, self.show_report_error)

    def _show_received(self, received: ReceivedReport) -> None:
        if self.received is None:
            self.local_result = self.result  # shown again when the report is closed
        self.result, self.received = received.result, received
        self.view.show_received(self._received_sentence())
        self._show_report_mode()
        self._show_packs()
        self._refresh()
        self.view.announce_banner()
        if received.result.findings:
            self.view.findings_list.setCurrentIndex(self.findings.index(0))

    def close_report(self) -> None:
        """Back to what this window checks, as it was before the report was opened."""
        if self.received is None:
            return
        self.result, self.received, self.local_result = self.local_result, None, None
        self.view.show_received("")
        self._show_report_mode()
        self._show_packs()
        if self.result is None:
            self.view.show_reference("", "")
            self.show_idle()
        else:
            self._refresh()

    def _show_report_mode(self) -> None:
        """A received report is read-only: no check from here until it is closed."""
        self.view.close_report_action.setEnabled(self.received is not None)
        self._stop_progress()

    def _received_sentence(self) -> str:
        result, t = self.received.result, self.t
        return t(
            "This is a report someone sent: the check of {target} on {when}, reference code {code}. It is shown "
            "as they saw it, read-only: nothing can be removed or checked again from here. File > Close report "
            "goes back to what this window checks.",
            target=wording.target_description(result.target, t, here=False),
            when=readable_local_time(result.started_at.isoformat(), t.lang),
            code=unbroken(result.reference) or "-",
        )

    def show_report_error(self, error: AppWardenError) -> None:
        """A file that is not a report does not disturb what the window shows: one sentence in a box."""
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Warning, "AppWarden", error.render(self.t), QMessageBox.StandardButton.Close, self.view)
        box.setObjectName("reportErrorDialog")
        box.open()

    # Check all accounts: the same check again, in a separate AppWarden with administrator rights.
    def _offer_all_accounts(self, result: ScanResult) -> None:
        """Offered after a check of this device that left accounts out for want of rights; where
        AppWarden cannot ask for them (macOS), the note says how an administrator checks instead."""
        here = (self.startup is not None and self.received is None and result.target.live
                and result.target == self.startup.target)  # not a report someone sent
        if not (here and result.scope.need_rights):
            self.view.show_all_accounts_offer(False)
            return
        from appwarden.core.elevation import elevation_for, how_an_administrator_checks

        if elevation_for(result.target.os) is None:
            self.view.show_all_accounts_offer(False, how_an_administrator_checks(result.target.os).render(self.t))
            return
        self.view.show_all_accounts_offer(True)

    def check_all_accounts(self) -> None:
        if self.startup is None or (self.task is not None and not self.task.done):
            return
        from appwarden.core.elevation import elevated_scan_arguments, elevation_for, prepare_report_file

        elevation = elevation_for(self.startup.target.os)
        if elevation is None:
            return
        try:
            prepared = prepare_report_file()
        except AppWardenError as error:
            self._all_accounts_failed(error)
            return
        policies = (*self.extra_policies, *self.options.policy)
        arguments = elevated_scan_arguments(prepared, policies, self.options.no_default_policy)
        self.view.show_progress(True)
        self.view.cancel_button.setVisible(False)  # the system's prompt, not AppWarden, can cancel it
        self.view.progress_bar.setRange(0, 0)
        self.view.progress_label.setText(self.t("Checking all accounts with administrator rights…"))
        loaded = self.startup.policies
        self.task = self.background.run(
            lambda report, cancelled: self._check_elevated(elevation, arguments, prepared, loaded),
            self._checked_all_accounts, self._all_accounts_failed,
        )

    def _check_elevated(self, elevation, arguments: list[str], prepared, policies: PolicySet) -> ScanResult | None:
        """The elevated check's result, recorded in history; None when the person declined the prompt."""
        from appwarden.core.elevation import elevated_result, run_elevated_check

        try:
            report = run_elevated_check(elevation, arguments, prepared)
        finally:
            prepared.remove()
        if report is None:
            return None
        result = elevated_result(report, policies)
        self._record(result)
        return result

    def _checked_all_accounts(self, result: ScanResult | None) -> None:
        if result is not None:
            self._checked(result)
            return
        self._stop_progress()  # declined: the first result stands, as it was
        note = self.t("No administrator rights were given, so nothing more was checked. The result above still stands.")
        self.view.show_all_accounts_offer(True, note)

    def _all_accounts_failed(self, error: AppWardenError) -> None:
        """The first result stands; the note says what happened, its tooltip what the check said."""
        self._stop_progress()
        self.view.show_all_accounts_offer(True, error.render(self.t), error.detail)

    def show_removal(self) -> None:
        """The guided removal of the selected finding; the list is checked again when it ends."""
        finding = self.selected_finding()
        if finding is None or self.startup is None or self.received is not None:
            return
        from appwarden.core.removal.builder import build_plan

        startup = self.startup
        self.background.run(
            lambda report, cancelled: build_plan(finding, startup.target, startup.policies),
            self._open_removal, self.show_error,
        )

    def _open_removal(self, plan) -> None:
        from appwarden.gui.removal_controller import RemovalController
        from appwarden.gui.removal_view import RemovalDialog

        dialog = RemovalDialog(self.view)
        self.removal = RemovalController(dialog, plan, self.t, self.history, on_finished=self.check)
        dialog.open()

    # Reports, history, settings.
    def export(self) -> None:
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        from appwarden.gui.export import DEFAULT_REPORT_NAME, export_destination, export_folder

        if self.result is None:
            self.view.statusBar().showMessage(self.t("Check the device first; then its report can be exported."), 5000)
            return
        filters = {self.t("Web page (*.html)"): "html", self.t("PDF document (*.pdf)"): "pdf", self.t("JSON data (*.json)"): "json"}
        typed, chosen = QFileDialog.getSaveFileName(
            self.view, self.t("Export report"), str(export_folder.current() / DEFAULT_REPORT_NAME), ";;".join(filters)
        )
        if not typed:
            return
        path, format = export_destination(Path(typed), filters.get(chosen, "html"))
        # The dialog asked about replacing the name as typed, not the one with the extension added.
        if path != Path(typed) and path.exists():
            question = self.t("{name} already exists. Do you want to replace it?", name=path.name)
            if QMessageBox.question(self.view, self.t("Export report"), question) != QMessageBox.StandardButton.Yes:
                return
        export_folder.remember(path)
        self.export_to(path, format)

    def export_to(self, path: Path, format: str) -> None:
        from appwarden.gui.export import export_report

        try:
            export_report(self.result, format, path, self.t)
        except AppWardenError as error:
            self.show_error(error)
            return
        self.view.statusBar().showMessage(self.t("Report written to {path}.", path=path), 8000)

    def print_report(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        from appwarden.gui.export import print_report

        if self.result is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if QPrintDialog(printer, self.view).exec():
            print_report(self.result, printer, self.t)

    def show_history(self) -> None:
        from appwarden.gui.history_view import HistoryDialog

        def read(report, cancelled) -> tuple[HistoryListing, list[str]]:
            try:
                listing = self.history.listing(limit=200)
            except HistoryError as error:  # shown in the dialog, where the person asked for the history
                return HistoryListing(), [error.render(self.t)]
            return listing, [sentence.render(self.t) for sentence in listing.skipped_sentences()]

        def show(listing_and_notes: tuple[HistoryListing, list[str]]) -> None:
            listing, notes = listing_and_notes
            dialog = HistoryDialog(self.t, self.view)
            rules = self.startup.policies.rules if self.startup else ()
            names = {rule.id: self.t.text(rule.name) for rule in rules}
            dialog.load(listing.scans, rule_names=names, actions=listing.removal_steps, notes=notes)
            dialog.setObjectName("historyDialog")
            dialog.open()

        self.background.run(read, show, self.show_error)

    def show_settings(self) -> None:
        from appwarden.core.settings import SettingsStore
        from appwarden.gui.settings_view import SettingsDialog

        store = SettingsStore()
        settings, problem = store.load()
        if problem is not None:
            self.view.statusBar().showMessage(problem.render(self.t), 10000)
        dialog = SettingsDialog(settings, self.t, self.view)
        dialog.setObjectName("settingsDialog")
        dialog.accepted.connect(lambda: self.apply_settings(store, dialog.settings()))
        dialog.open()

    def apply_settings(self, store, chosen) -> None:
        """Save the settings and use them now: language, help-desk default, extra packs."""
        try:
            store.save(chosen)
        except AppWardenError as error:
            self.show_error(error)
            return
        self.extra_policies = chosen.extra_policies
        self.view.helpdesk_toggle.setChecked(chosen.show_helpdesk_details)
        translate = translator_for(self.options.lang or chosen.language)
        install_qt_translations(QApplication.instance(), translate.lang)
        self.retranslate(translate)
        self.start()

    def show_about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(self.view, self.t("About AppWarden"), self.t(
            "AppWarden {version}. Checks this device for applications that government directives prohibit, "
            "explains why, and guides their removal. It works offline and changes nothing without asking.",
            version=__version__,
        ))

    def show_error(self, error: AppWardenError) -> None:
        """A sentence for the person; the technical detail only behind "Copy details"."""
        from PySide6.QtWidgets import QMessageBox

        self._stop_progress()
        self.view.show_banner("incomplete", self.t("Something went wrong."), error.render(self.t))
        box = QMessageBox(QMessageBox.Icon.Warning, "AppWarden", error.render(self.t), QMessageBox.StandardButton.Close, self.view)
        box.setObjectName("errorDialog")
        copy = box.addButton(self.t("Copy details"), QMessageBox.ButtonRole.ActionRole)
        copy.clicked.disconnect()
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(f"{error.render()}\n\n{error.detail}".strip()))
        box.open()
