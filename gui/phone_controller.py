"""Check a phone: looks for phones as they are plugged in (through the window's one background
helper, never on the UI thread), says at each stage what to do on the phone, asks once whether
the organisation issued it, and hands the connected phone to the main window to check."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, QTimer

from appwarden.core.errors import AppWardenError
from appwarden.core.messages import Message
from appwarden.core.i18n import Translator
from appwarden.core.phones.session import (
    AUTO,
    DEFAULT_ALLOW_WAIT_S,
    TURN_ON_USB_DEBUGGING,
    PhoneFinder,
    PhoneNotAllowed,
    PhoneSession,
    allow_prompt,
)
from appwarden.gui.background import BackgroundWork
from appwarden.gui.phone_view import PhoneDialog

POLL_INTERVAL_MS = 1500


class PhoneController(QObject):
    def __init__(self, dialog: PhoneDialog, finder: PhoneFinder, translate: Translator,
                 on_ready: Callable[[PhoneSession, bool], None], which: str = AUTO,
                 allow_wait_s: float = DEFAULT_ALLOW_WAIT_S, issued: bool | None = None, check_at_once: bool = False,
                 iphones=None) -> None:
        super().__init__(dialog)
        self.dialog, self.finder, self.t, self.on_ready = dialog, finder, translate, on_ready
        self.iphones = iphones  # core/phones/iphone.py IphoneTools, or None not to look for iPhones
        self.which, self.allow_wait_s, self.check_at_once = which, allow_wait_s, check_at_once
        self.background = BackgroundWork(self)
        self.session: PhoneSession | None = None
        self.state = "looking"
        self.handed_over = False
        self.closed = False
        self.timer = QTimer(self, singleShot=True, interval=POLL_INTERVAL_MS)
        self.timer.timeout.connect(self.poll)
        dialog.set_texts(translate)
        if issued is not None:
            (dialog.issued if issued else dialog.personal).setChecked(True)
        dialog.ownership_choice.buttonToggled.connect(lambda *_: self._enable_check())
        dialog.check_button.clicked.connect(self.check)
        dialog.retry_button.clicked.connect(self.retry)
        dialog.close_button.clicked.connect(dialog.reject)
        dialog.finished.connect(self._closed)
        self._show_looking([])
        self.poll()

    # Looking for phones.
    def poll(self) -> None:
        if self.closed or self.state not in ("looking",):
            return
        from appwarden.core.phones.iphone import phones_plugged_in

        finder, iphones = self.finder, self.iphones
        self.background.run(lambda report, cancelled: phones_plugged_in(finder, iphones), self._seen, self._failed)

    def _seen(self, found) -> None:
        candidates, notes = found
        if self.closed or self.state != "looking":
            return
        if self.which != AUTO:
            candidates = [c for c in candidates if c[0] == self.which]
        notes = [note.render(self.t) for note in notes]
        if len(candidates) == 1:
            self._connect(*candidates[0])
            return
        if len(candidates) > 1:
            self.dialog.show_state(self.t("More than one phone is plugged in"), self.t(
                "Unplug every phone but the one to check; AppWarden goes on by itself."), True, note="\n".join(notes))
        else:
            self._show_looking(notes)
        self.timer.start()

    def _show_looking(self, notes: list[str]) -> None:
        self._buttons(check=False, retry=False)
        self.dialog.show_state(self.t("Plug in the phone"), TURN_ON_USB_DEBUGGING.render(self.t), True,
                               note="\n".join(notes))

    # Connecting: the phone may ask "Allow USB debugging?" first.
    def _connect(self, serial: str, transport: str = "usb") -> None:
        from appwarden.core.phones.iphone import open_iphone

        self.state = "connecting"
        self._buttons(check=False, retry=False)
        self.dialog.show_state(self.t("Connecting to the phone…"), self.t("Keep the phone unlocked."), True)
        finder, iphones, wait = self.finder, self.iphones, self.allow_wait_s
        if transport == "iphone":
            work = lambda report, cancelled: open_iphone(iphones, serial, wait, on_prompt=report)  # noqa: E731
        else:
            work = lambda report, cancelled: finder.open(serial, wait, on_prompt=report)  # noqa: E731
        self.background.run(work, self._connected, self._failed, on_progress=self._asking)

    def _asking(self, asked) -> None:
        """The phone asks: an Android phone for Allow (with AppWarden's fingerprint), an iPhone for Trust."""
        self.state = "asking"
        if isinstance(asked, Message):
            self.dialog.show_state(self.t("Trust this computer on the iPhone or iPad"), asked.render(self.t), True)
            return
        self.dialog.show_state(self.t("Allow USB debugging on the phone"), allow_prompt(asked).render(self.t), True)

    def _connected(self, session: PhoneSession) -> None:
        if self.closed:
            session.close()
            return
        self.session, self.state = session, "ready"
        device = session.device
        version = getattr(device, "android_version", "") or getattr(device, "product_version", "")
        system = "iOS" if hasattr(device, "product_version") else "Android"
        details = f"{system} {version}" if version else ""
        self.dialog.show_state(
            self.t("Ready: {phone}", phone=session.name),
            self.t("Answer the question below, then press Check this phone. Nothing is changed on the phone without asking you."),
            False, phones=details)
        self._enable_check()
        if self.check_at_once and self._ownership() is not None:
            self.check()

    def _failed(self, error: AppWardenError) -> None:
        if self.closed:
            return
        self.state = "failed"
        if isinstance(error, PhoneNotAllowed):
            heading = self.t("The phone did not allow USB debugging")
        else:
            heading = self.t("The phone does not answer")
        self.dialog.show_state(heading, error.render(self.t), False)
        self._buttons(check=False, retry=True)

    def retry(self) -> None:
        self.state = "looking"
        self._show_looking([])
        self.poll()

    # The answer, and the hand-over.
    def _ownership(self) -> bool | None:
        if self.dialog.issued.isChecked():
            return True
        return False if self.dialog.personal.isChecked() else None

    def _enable_check(self) -> None:
        self._buttons(check=self.state == "ready" and self._ownership() is not None, retry=False)

    def _buttons(self, check: bool, retry: bool) -> None:
        self.dialog.check_button.setEnabled(check)
        self.dialog.retry_button.setVisible(retry)

    def check(self) -> None:
        issued = self._ownership()
        if self.session is None or issued is None:
            return
        self.handed_over = True
        self.dialog.accept()
        self.on_ready(self.session, issued)

    def _closed(self, _result: int) -> None:
        self.closed = True
        self.timer.stop()
        if self.session is not None and not self.handed_over:
            self.session.close()
