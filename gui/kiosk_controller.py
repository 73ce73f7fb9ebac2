"""What the kiosk does: waits for a phone, connects to it (the phone asks Allow or Trust), asks whether
the organisation issued it, checks it, guides the removal on the phone, checks again, and says how
to end the phone's trust; then forgets everything. Every core call goes through the window's one
background helper; a session that ends (Done, the phone unplugged, nobody touching the screen for
the idle timeout) leaves nothing in memory, on screen, in the clipboard or on disk.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QDialog

from appwarden.core.errors import AppWardenError
from appwarden.core.findings import ScanResult
from appwarden.core.i18n import Translator
from appwarden.core.kiosk.config import COUNTDOWN_S
from appwarden.core.kiosk.pin import Attempt, PinGate
from appwarden.core.kiosk.station import KioskStation
from appwarden.core.messages import Message
from appwarden.core.reports import wording
from appwarden.core.reports.reference import spoken, unbroken
from appwarden.gui.background import BackgroundWork, Task
from appwarden.gui.kiosk_view import FindingCard, KioskRemovalPage, KioskWindow, PinPrompt
from appwarden.gui.phone_view import show_ownership_question
from appwarden.gui.translation import install_qt_translations

POLL_MS = 1500  # how often the kiosk looks for a phone, and whether the one connected is still there
TICK_MS = 250
STAFF_EXIT = "Ctrl+Alt+Shift+E"
ACTIVITY = {QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate,
            QEvent.Type.Wheel, QEvent.Type.TabletPress}

WELCOME = Message.of(
    "This kiosk checks your phone for the apps your organisation prohibits, and helps you remove them. It reads "
    "only the list of apps on your phone. It keeps nothing: when you leave, everything is cleared.")
ANDROID_HOW = Message.of(
    "Turn on USB debugging: open Settings > About phone and tap Build number seven times, then open Settings > "
    "System > Developer options and turn on USB debugging (on a Samsung: Settings > About phone > Software "
    "information > Build number, then Settings > Developer options). Plug the phone in and unlock it.")
IPHONE_HOW = Message.of(
    "Plug the iPhone or iPad in with its cable and unlock it. When it asks whether to trust this computer, tap "
    "Trust and enter your passcode.")
ANDROID_DONE = Message.of(
    "This kiosk's key for your phone was made for your visit only, and it is gone now. {turn_off}")
IPHONE_DONE = Message.of(
    "Your iPhone or iPad no longer trusts this kiosk: its pairing has been removed. You can unplug it now.")
IPHONE_UNPAIRING = Message.of("Removing this kiosk's pairing with your iPhone or iPad… Keep it plugged in for a moment.")
IPHONE_RESET_TRUST = Message.of(
    "To make sure your iPhone or iPad no longer trusts this kiosk, open Settings > General > Transfer or Reset iPhone > "
    "Reset > Reset Location & Privacy on it.")
IPHONE_NOT_UNPAIRED = Message.of("This kiosk could not remove its pairing with your iPhone or iPad. {reset}")


class KioskController(QObject):
    left = Signal()  # the staff exit opened: the kiosk may close

    def __init__(self, view: KioskWindow, station: KioskStation, options: argparse.Namespace, translate: Translator,
                 idle_timeout_s: float | None = None, countdown_s: float = COUNTDOWN_S, poll_ms: int = POLL_MS,
                 iphone_path: str | None = None) -> None:
        super().__init__(view)
        self.view, self.station, self.options, self.t = view, station, options, translate
        self.idle_timeout_s = float(idle_timeout_s if idle_timeout_s is not None else station.config.idle_timeout_s)
        self.countdown_s = countdown_s
        self.iphone_path = iphone_path
        self.background = BackgroundWork(self)
        self.policies = None
        self.stopped = False  # shut down: no key is made ahead any more
        self.startup_problem: AppWardenError | None = None
        self.generation = 0  # a new one at each reset: what the previous session's work brings back is dropped
        self.busy: Task | None = None  # the session's work in flight (connecting, checking, a removal's plans)
        self.looking = self.probing = False
        # Phones of ended sessions, still plugged in: kept as keyed hashes (the key is random and lives
        # only in this process), so no identifier of a phone outlives its session.
        self.ignored: set[str] = set()
        self._ignore_key = os.urandom(16)
        self.pin_gate = PinGate(station.config.pin_hash)
        self.pin_prompt: PinPrompt | None = None
        self.last_touch = time.monotonic()
        self._forget_session()
        self.finder = self._new_finder()
        self.iphones = station.iphone_tools(iphone_path)
        self.iphone_missing = self.iphones.missing()  # libimobiledevice's programs this computer lacks
        self._connect_view()
        self.poll_timer = QTimer(self, interval=poll_ms)
        self.poll_timer.timeout.connect(self.poll)
        self.tick_timer = QTimer(self, interval=TICK_MS)
        self.tick_timer.timeout.connect(self.tick)
        QApplication.instance().installEventFilter(self)
        self.set_language(translate.lang)

    def _forget_session(self) -> None:
        """What one person's session holds, all of it: set empty at the start and at each reset."""
        self.stage = "welcome"
        self.session = None  # the phone connected (a PhoneSession or an IphoneSession)
        self.phone_key: tuple[str, str] | None = None  # (serial, transport) of that phone, to ignore it once done
        self.target = None
        self.issued: bool | None = None
        self.result: ScanResult | None = None
        self.counted = False
        self.removal = None
        self.plans: list = []
        self.phone_page: tuple[Message, Message, str] | None = None  # heading, text, mode (waiting, asking, ready, failed)
        self.unpaired: bool | None = None  # on Before you go: whether an iPhone's pairing was removed (None: not yet known)
        self.gone_notice: Message | None = None

    def _new_finder(self):
        """How the next session looks for Android phones, with its own key, made now off the UI thread
        (2048-bit RSA in pure Python takes seconds) so that nobody waits for it when plugging in."""
        finder = self.station.android_finder(self._connect_addresses())
        # At start once the packs are in (they come first); not for a capture, which needs no key.
        if self.policies is not None and not self.stopped and not getattr(self.options, "phone_capture", None):
            self.background.run(lambda report, cancelled: finder.keys.key(), lambda _: None, lambda _: None)
        return finder

    def _ignored_as(self, key: tuple[str, str]) -> str:
        return hmac.new(self._ignore_key, "\0".join(key).encode(), hashlib.sha256).hexdigest()

    def _connect_addresses(self) -> tuple:
        from appwarden.core.phones.link import loopback_address

        return tuple(dict.fromkeys(loopback_address(text) for text in getattr(self.options, "connect", None) or ()))

    def _connect_view(self) -> None:
        v = self.view
        v.english.clicked.connect(lambda: self.set_language("en"))
        v.french.clicked.connect(lambda: self.set_language("fr"))
        v.issued_button.clicked.connect(lambda: self.answer_ownership(True))
        v.personal_button.clicked.connect(lambda: self.answer_ownership(False))
        v.retry_button.clicked.connect(self.retry)
        v.start_over_button.clicked.connect(lambda: self.reset())
        v.remove_button.clicked.connect(self.remove)
        v.done_button.clicked.connect(self.done)
        v.closing_done.clicked.connect(lambda: self.reset())
        v.stay_button.clicked.connect(self.touched)
        self.staff_exit = QShortcut(QKeySequence(STAFF_EXIT), v)
        self.staff_exit.activated.connect(self.ask_pin)

    # --- starting -----------------------------------------------------------------------------------

    def start(self) -> None:
        config, options = self.station.config, self.options
        packs = [Path(p) for p in (*config.packs, *getattr(options, "policy", []))]
        include_default = config.default_pack and not getattr(options, "no_default_policy", False)

        def load(report, cancelled):
            from appwarden.core.policy.loader import load_policies

            return load_policies(packs, include_default=include_default)

        self.background.run(load, self._loaded, self._not_loaded)
        self.show_welcome()
        self.tick_timer.start()

    def _loaded(self, policies) -> None:
        self.policies = policies
        self.finder = self._new_finder()
        self.show_welcome()
        if not getattr(self.options, "phone_capture", None):
            self.poll_timer.start()
            self.poll()

    def _not_loaded(self, error: AppWardenError) -> None:
        self.startup_problem = error
        self.station.staff_notes.append(error.render(Translator("en")))
        self.show_welcome()

    def _run(self, work, on_done, on_error, on_progress=None, on_stale=None) -> Task:
        """Background work of this session: its answer is dropped once the session has ended (and
        `on_stale` called, for what the work may have left open: a phone connected too late)."""
        generation = self.generation

        def current(callback, ends: bool = True):
            def call(*value):
                if ends and self.busy is task:
                    self.busy = None
                if generation == self.generation and callback is not None:
                    callback(*value)
                elif ends and on_stale is not None and (generation != self.generation or callback is None):
                    on_stale()
            return call

        task = self.background.run(work, current(on_done), current(on_error),
                                   on_progress=current(on_progress, ends=False) if on_progress else None,
                                   on_cancelled=current(None))
        self.busy = task
        return task

    # --- the language, at any time ------------------------------------------------------------------

    def set_language(self, lang: str) -> None:
        if lang not in self.station.config.languages:
            lang = self.station.config.languages[0]
        self.t = Translator(lang)
        install_qt_translations(QApplication.instance(), lang)
        v, t = self.view, self.t
        (v.english if lang == "en" else v.french).setChecked(True)
        shown = len(self.station.config.languages) > 1
        for button in (v.english, v.french):
            button.setVisible(shown and button.property("lang") in self.station.config.languages)
        v.english.setAccessibleName("English: show the kiosk in English")
        v.french.setAccessibleName("Français : afficher la borne en français")
        organisation = self.station.config.organisation
        v.organisation.setText(t.text(organisation) if organisation is not None else "AppWarden")
        v.setWindowTitle(t("AppWarden kiosk"))
        show_ownership_question(t, v.ownership, v.issued_button, v.personal_button)
        buttons = ((v.retry_button, t("Try again")), (v.start_over_button, t("Start over")),
                   (v.remove_button, t("Remove from my phone")), (v.closing_done, t("I'm done")),
                   (v.stay_button, t("I'm still here")))
        for button, text in buttons:
            button.setText(text)
        self._render()

    def _render(self) -> None:
        """The current page again, in the current language."""
        if self.stage == "welcome":
            self.show_welcome()
        elif self.stage == "phone" and self.phone_page is not None:
            self._show_phone(*self.phone_page)
        elif self.stage == "checking":
            self._show_checking()
        elif self.stage == "results" and self.result is not None:
            self._show_result()
        elif self.stage == "removal" and self.removal is not None:
            self.removal.t = self.t
            self.view.removal.set_texts(self.t, self.t.text(self.removal.plan.app_name))
        elif self.stage == "closing":
            self._show_closing()

    # --- welcome, and looking for a phone -----------------------------------------------------------

    def show_welcome(self) -> None:
        v, t = self.view, self.t
        v.welcome_heading.setText(t("Check your phone for prohibited apps"))
        v.welcome_text.setText(WELCOME.render(t))
        v.android_title.setText(t("Android phone"))
        v.android_text.setText(ANDROID_HOW.render(t))
        v.iphone_title.setText(t("iPhone or iPad"))
        tools_missing = self.iphone_missing
        v.iphone_text.setText(t("iPhones and iPads cannot be checked at this kiosk.") if tools_missing else IPHONE_HOW.render(t))
        if self.startup_problem is not None:
            v.plug_in.setText(t("This kiosk cannot check phones at the moment. Please ask the staff."))
        elif self.policies is None:
            v.plug_in.setText(t("Getting ready…"))
        else:
            v.plug_in.setText(t("Plug in your phone to start."))
        v.looking.setVisible(self.policies is not None)
        notice = self.gone_notice.render(t) if self.gone_notice is not None else ""
        v.notice.setText(notice)
        v.notice.setVisible(bool(notice))
        notes = list(self.station.staff_notes)
        if tools_missing:
            from appwarden.core.phones.iphone import INSTALL_TOOLS

            notes.append(Message.of(INSTALL_TOOLS.template, missing=", ".join(tools_missing)).render(Translator("en")))
        v.staff_note.setText(("For the staff: " + "\n".join(notes)) if notes else "")
        v.staff_note.setVisible(bool(notes))
        v.show_page(v.welcome)

    def poll(self) -> None:
        """On the welcome page: is a phone plugged in? Later: is the phone of this session still there?"""
        if self.policies is None:
            return
        # The flags are put down whatever the answer and whenever it comes; the answer itself counts
        # only for the session (generation) that asked.
        generation = self.generation
        if self.stage == "welcome" and not self.looking:
            self.looking = True
            finder, iphones, ignored, hashed = self.finder, self.iphones, set(self.ignored), self._ignored_as
            self.background.run(lambda report, cancelled: _plugged_in(finder, iphones, ignored, hashed),
                                lambda seen: self._seen(seen, generation), lambda error: self._seen(None, generation))
        elif self.phone_key is not None and not self.probing:
            self.probing = True
            finder, iphones, key = self.finder, self.iphones, self.phone_key
            self.background.run(lambda report, cancelled: _still_plugged_in(finder, iphones, key),
                                lambda answers: self._probed(answers, generation), lambda error: self._probed(False, generation))

    def _seen(self, seen, generation: int) -> None:
        self.looking = False
        if seen is None or generation != self.generation:
            return
        candidates, still_there = seen
        self.ignored &= still_there
        if self.stage != "welcome":
            return
        if len(candidates) > 1:
            self.gone_notice = Message.of("More than one phone is plugged in: unplug all but one.")
            self.show_welcome()
        elif candidates:
            self.gone_notice = None
            self.connect(*candidates[0])

    def _probed(self, answers: bool, generation: int) -> None:
        self.probing = False
        if answers or self.phone_key is None or generation != self.generation:
            return
        if self.phone_key[1] == "iphone" and self.stage != "closing":
            # libimobiledevice removes a pairing only from a device plugged in: the person is told how to end it.
            self.reset(Message.of("The phone was unplugged, so the kiosk started again. Nothing was kept. {reset}", reset=IPHONE_RESET_TRUST))
        else:
            self.reset(Message.of("The phone was unplugged, so the kiosk started again. Nothing was kept."))

    # --- connecting ---------------------------------------------------------------------------------

    def connect(self, serial: str, transport: str) -> None:
        from appwarden.core.phones.iphone import open_iphone
        from appwarden.core.phones.session import DEFAULT_ALLOW_WAIT_S

        if self.session is not None:  # Try again after a failed check: the link it had is let go first
            self._release_in_background(self.session)
            self.session = None
        self.stage, self.phone_key = "phone", (serial, transport)
        self._show_phone(Message.of("Connecting to your phone…"), Message.of("Keep the phone unlocked."), "waiting")
        wait = getattr(self.options, "allow_wait", None)
        wait = DEFAULT_ALLOW_WAIT_S if wait is None else wait
        finder, iphones, opened = self.finder, self.iphones, []

        def work(report, cancelled):
            if transport == "iphone":
                try:
                    opened.append(open_iphone(iphones, serial, wait, on_prompt=report))
                except AppWardenError:
                    iphones.unpair(serial)  # Trust may have been tapped before it failed: no pairing is kept
                    raise
            else:
                opened.append(finder.open(serial, wait, on_prompt=report))
            return opened[-1]

        def stale() -> None:  # the session ended while the phone was asking: let go of what it connected
            for session in opened:
                self._release_in_background(session)
            if transport == "iphone" and not opened:
                self.background.run(lambda report, cancelled: iphones.unpair(serial), lambda _: None, lambda _: None)

        self._run(work, self._connected, self._connect_failed, on_progress=self._asking, on_stale=stale)

    def _asking(self, asked) -> None:
        from appwarden.core.phones.session import allow_prompt

        if isinstance(asked, Message):
            self._show_phone(Message.of("Tap Trust on your iPhone or iPad"), asked, "waiting")
        else:
            self._show_phone(Message.of("Tap Allow on your phone"), allow_prompt(asked), "waiting")

    def _connected(self, session) -> None:
        self.session = session
        self._show_phone(Message.of("Your phone is connected"), Message.of(
            "{phone}. Answer the question below to start the check. Nothing is changed on your phone without asking you.",
            phone=_phone_words(session)), "ready")

    def _connect_failed(self, error: AppWardenError) -> None:
        from appwarden.core.phones.session import PhoneNotAllowed

        heading = "The phone did not allow this kiosk in" if isinstance(error, PhoneNotAllowed) else "The phone does not answer"
        self._show_phone(Message.of(heading), error.sentence, "failed")

    def retry(self) -> None:
        if self.phone_key is not None and self.busy is None:
            self.connect(*self.phone_key)

    def start_capture(self) -> None:
        """--phone-capture (the self-check): what was captured from a phone stands in for one plugged in."""
        self.stage, self.phone_key = "phone", None
        self._show_phone(Message.of("Your phone is connected"), Message.of(
            "What was captured from a phone is checked as that phone. Answer the question below to start the check."), "ready")

    def _show_phone(self, heading: Message, text: Message, mode: str) -> None:
        v, t = self.view, self.t
        self.phone_page = (heading, text, mode)
        v.phone_heading.setText(heading.render(t))
        v.phone_text.setText(text.render(t))
        v.phone_waiting.setVisible(mode == "waiting")
        for widget in (v.ownership, v.issued_button, v.personal_button):
            widget.setVisible(mode == "ready")
        v.retry_button.setVisible(mode == "failed" and self.phone_key is not None)
        v.show_page(v.phone)
        if mode == "ready":
            v.issued_button.setFocus()

    # --- the check ----------------------------------------------------------------------------------

    def answer_ownership(self, issued: bool) -> None:
        if self.stage != "phone" or self.busy is not None or (self.session is None and not getattr(self.options, "phone_capture", None)):
            return
        self.issued = issued
        self.check()

    def check(self) -> None:
        from appwarden.core.scan import run_scan
        from appwarden.core.target import capture_target, phone_target

        session, issued, policies, capture = self.session, self.issued is not False, self.policies, getattr(self.options, "phone_capture", None)

        def work(report, cancelled):
            target = phone_target(session, organisation_issued=issued) if session is not None else capture_target(capture, organisation_issued=issued)
            result = run_scan(target, policies, progress=report, cancelled=cancelled)
            gone = session is not None and not session.answers()
            return target, result, gone

        self.stage = "checking"
        self.view.checking_progress.setRange(0, 0)
        self._progress_source = None
        self._show_checking()
        self._run(work, self._checked, self._check_failed, on_progress=self._progress)

    def _show_checking(self) -> None:
        v, t = self.view, self.t
        v.checking_heading.setText(t("Checking your phone…"))
        source = getattr(self, "_progress_source", None)
        v.checking_text.setText(t("Reading: {source}", source=t(source)) if source else t("Keep the phone plugged in and unlocked."))
        v.show_page(v.checking)

    def _progress(self, progress) -> None:
        self.view.checking_progress.setRange(0, progress.total)
        self.view.checking_progress.setValue(progress.index)
        self._progress_source = progress.title
        self._show_checking()

    def _checked(self, checked) -> None:
        target, result, gone = checked
        if gone:
            self.reset(Message.of("The phone was unplugged before the check ended, so the kiosk started again. Nothing was kept."))
            return
        self.target, self.result, self.stage = target, result, "results"
        if not self.counted and not result.cancelled:
            self.counted = True
            problem = self.station.count([f.rule.id for f in result.findings])
            if problem is not None and problem.render() not in self.station.staff_notes:
                self.station.staff_notes.append(problem.render())
        self._show_result()

    def _check_failed(self, error: AppWardenError) -> None:
        self.stage = "phone"
        self._show_phone(Message.of("The check did not finish"), error.sentence, "failed")

    # --- the result ---------------------------------------------------------------------------------

    def _show_result(self) -> None:
        v, t, result = self.view, self.t, self.result
        present = result.apps_present
        state = wording.verdict_state(result)
        headings = {"found": t.plural("A prohibited app is on your phone", "Prohibited apps are on your phone", count=len(present)),
                    "ok": t("All clear"), "leftovers": t("Almost done: files were left behind"),
                    "incomplete": t("The check could not read everything")}
        v.show_verdict(state, headings[state], " ".join(filter(None, (wording.verdict(result, t), wording.leftovers_note(result, t)))))
        v.set_cards([FindingCard(t.text(f.rule.name), wording.short_reason(f, t), self._more_about(f), t("More about this"),
                                 t("Less about this")) for f in result.findings])
        removable = bool(result.findings) and self.session is not None
        v.remove_button.setVisible(removable)
        v.remove_button.setEnabled(removable)
        if removable:
            v.next_text.setText(t("Press Remove from my phone: the kiosk guides you step by step, and asks before each change."))
        elif result.findings:
            v.next_text.setText(t("What was captured cannot be changed from here: remove these apps on the phone itself."))
        else:
            v.next_text.setText(t("Nothing more to do: press I'm done."))
        contact = self.station.config.help_contact
        if contact is not None:
            v.help_contact.setText(t("Questions? {contact}. Show them your reference code.", contact=t.text(contact)))
        else:
            v.help_contact.setText(t("Questions? Ask your organisation's help desk, and show them your reference code."))
        v.done_button.setText(t("I'm done"))
        code = unbroken(result.reference) if result.reference else ""
        v.show_code(t("Your reference code"), code, t("Show this code at the help desk. It says nothing about you or your phone."),
                    result.reference)
        v.code.setAccessibleName(spoken(result.reference) if result.reference else "")
        v.show_page(v.results)
        (v.remove_button if removable else v.done_button).setFocus()

    def _more_about(self, finding) -> str:
        t = self.t
        lines = [wording.enforcement_sentence(finding, t), t.text(finding.rule.rationale), wording.directive_sentence(finding, t),
                 f"“{t.text(finding.directive.finding)}”", *(wording.evidence_sentence(e, t) for e in finding.evidence)]
        return "\n\n".join(line for line in lines if line)

    # --- the removal, on the phone ------------------------------------------------------------------

    def remove(self) -> None:
        from appwarden.core.removal.builder import build_plan

        if self.result is None or self.session is None or self.busy is not None:
            return
        findings, target, policies = self.result.findings, self.target, self.policies
        self.view.remove_button.setEnabled(False)
        self._run(lambda report, cancelled: [build_plan(f, target, policies) for f in findings], self._planned, self._removal_failed)

    def _planned(self, plans) -> None:
        self.plans = list(plans)
        self._next_plan()

    def _next_plan(self) -> None:
        from appwarden.gui.removal_controller import RemovalController

        if not self.plans:
            self.removal = None
            self.check()  # checked again: All clear, or what is left
            return
        plan = self.plans.pop(0)
        self._retire(self.view.new_removal_page())
        page = self.view.removal
        self.stage = "removal"
        self.removal = RemovalController(page, plan, self.t, None, on_finished=self._next_plan)
        self.view.show_page(page)

    def _removal_failed(self, error: AppWardenError) -> None:
        self.stage = "phone"
        self._show_phone(Message.of("The removal could not start"), error.sentence, "failed")

    # --- the end of a session -----------------------------------------------------------------------

    def done(self) -> None:
        if self.session is None:
            self.reset()
            return
        self.generation += 1  # what this session still had running (plans for a removal) is dropped
        if self.busy is not None:
            self.busy.cancel()
        self.busy = None
        self.stage, self.unpaired = "closing", None
        self._end_trust()
        self._show_closing()

    def _show_closing(self) -> None:
        from appwarden.core.phones.session import TURN_OFF_USB_DEBUGGING

        v, t = self.view, self.t
        v.closing_heading.setText(t("Before you go"))
        iphone = self.phone_key is not None and self.phone_key[1] == "iphone"
        if not iphone:
            text = Message.of(ANDROID_DONE.template, turn_off=TURN_OFF_USB_DEBUGGING)
        else:  # said once idevicepair has answered
            text = {None: IPHONE_UNPAIRING, True: IPHONE_DONE}.get(self.unpaired, Message.of(IPHONE_NOT_UNPAIRED.template, reset=IPHONE_RESET_TRUST))
        v.closing_text.setText(text.render(t))
        v.show_page(v.closing)
        v.closing_done.setFocus()

    def _end_trust(self) -> None:
        """The phone is disconnected; an iPhone's pairing is removed (idevicepair unpair); an Android
        phone's authorisation was for this session's key only. Off the UI thread."""
        session, self.session = self.session, None
        if self.phone_key is not None:
            self.ignored.add(self._ignored_as(self.phone_key))
        if session is not None:
            self._release_in_background(session)
        elif self.phone_key is not None and self.phone_key[1] == "iphone":  # connecting, or it failed after Trust
            iphones, udid = self.iphones, self.phone_key[0]
            self.background.run(lambda report, cancelled: iphones.unpair(udid), lambda _: None, lambda _: None)

    def _release_in_background(self, session) -> None:
        generation = self.generation

        def released(unpaired) -> None:
            if generation == self.generation and self.stage == "closing":
                self.unpaired = unpaired is not False
                self._show_closing()

        self.background.run(lambda report, cancelled: _release(session), released, lambda _: released(False))

    def reset(self, notice: Message | None = None) -> None:
        """Back to the welcome page, with nothing of the session left: results, phone, key, pages,
        dialogs, the clipboard and the session's temporary folder."""
        self.generation += 1
        if self.busy is not None:
            self.busy.cancel()
        self.busy = None
        self.looking = self.probing = False
        self._end_trust()
        self._forget_session()
        self.gone_notice = notice
        self._clear_view()
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                widget.reject()
        self.pin_prompt = None
        clipboard = QGuiApplication.clipboard()
        clipboard.clear()
        if clipboard.supportsSelection():  # what was selected with the mouse (X11, Wayland)
            clipboard.clear(clipboard.Mode.Selection)
        self.station.end_session()
        self.finder = self._new_finder()  # a new key for the next person
        self.last_touch = time.monotonic()
        self.set_language(self.station.config.languages[0])
        self.gone_notice = notice
        self.show_welcome()

    def _clear_view(self) -> None:
        v = self.view
        v.set_cards([])
        v.show_verdict("idle", "", "")
        v.show_code("", "", "")
        v.code.setAccessibleName("")
        for label in (v.phone_heading, v.phone_text, v.checking_text, v.next_text, v.help_contact, v.closing_text):
            label.clear()
        self._retire(v.new_removal_page())
        v.show_countdown(None)

    def _retire(self, page: KioskRemovalPage) -> None:
        """A removal page out of the window: deleted once the work its controller started has ended."""
        self.retired = [p for p in getattr(self, "retired", []) if not _delete_if_idle(p)]
        if not _delete_if_idle(page):
            self.retired.append(page)

    # --- nobody touching the screen -----------------------------------------------------------------

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in ACTIVITY:
            self.touched()
        return False

    def touched(self) -> None:
        self.last_touch = time.monotonic()
        if self.view.countdown.isVisible():
            self.view.show_countdown(None)

    def tick(self) -> None:
        now = time.monotonic()
        if getattr(self, "retired", None):
            self.retired = [p for p in self.retired if not _delete_if_idle(p)]
        if self.stage == "welcome" or self.busy is not None or (self.removal is not None and self.removal.background.has_work()):
            self.last_touch = now  # nothing to clear yet, or the phone is being read: not idle
            return
        left = self.idle_timeout_s - (now - self.last_touch)
        if left <= 0:
            self.reset(Message.of("Nobody touched the screen for a while, so the kiosk started again. Nothing was kept."))
        elif left <= self.countdown_s:
            self.view.show_countdown(self.t.plural(
                "Nobody has touched the screen for a while. Starting again in {count} second: everything will be cleared.",
                "Nobody has touched the screen for a while. Starting again in {count} seconds: everything will be cleared.",
                count=int(left + 0.999)))

    # --- the staff exit -----------------------------------------------------------------------------

    def ask_pin(self) -> None:
        if self.pin_prompt is not None:
            return
        prompt = self.pin_prompt = PinPrompt(self.view)
        prompt.set_texts(self.t)
        if self.pin_gate.stored is None:
            prompt.say(self.t("No staff PIN is set in this kiosk's configuration, so it cannot be left from the screen. "
                              "Set one with appwarden kiosk --set-pin."))
            prompt.ok_button.setEnabled(False)
        else:
            prompt.say("")
        prompt.ok_button.clicked.connect(self._try_pin)
        prompt.finished.connect(self._pin_closed)
        prompt.open()
        prompt.pin.setFocus()

    def _try_pin(self) -> None:
        prompt, gate = self.pin_prompt, self.pin_gate
        if prompt is None:
            return
        pin = prompt.pin.text()
        prompt.pin.clear()
        prompt.ok_button.setEnabled(False)
        self.background.run(lambda report, cancelled: gate.attempt(pin), self._pin_answered, lambda _: None)

    def _pin_answered(self, attempt: Attempt) -> None:
        prompt = self.pin_prompt
        if prompt is None:
            return
        if attempt == Attempt.OPEN:
            prompt.accept()
            self.leave()
            return
        prompt.ok_button.setEnabled(True)
        if attempt == Attempt.LOCKED:
            prompt.say(self.t.plural("Too many wrong PINs: try again in {count} second.",
                                     "Too many wrong PINs: try again in {count} seconds.", count=self.pin_gate.seconds_locked()))
        else:
            prompt.say(self.t("That is not the staff PIN."))

    def _pin_closed(self, _result: int) -> None:
        self.pin_prompt = None

    def leave(self) -> None:
        """The right PIN: the session is cleared as at any reset, then the kiosk closes."""
        self.shutdown()
        self.reset()
        self.view.closing_allowed = True
        self.view.close()
        self.left.emit()

    def shutdown(self) -> None:
        self.stopped = True
        self.poll_timer.stop()
        self.tick_timer.stop()
        QApplication.instance().removeEventFilter(self)


def _plugged_in(finder, iphones, ignored: set[str], hashed):
    """The phones plugged in that no ended session used, and which of the ignored ones (by `hashed`) are still there."""
    from appwarden.core.phones.iphone import phones_plugged_in

    found, _notes = phones_plugged_in(finder, iphones)  # the welcome screen says what is missing, from start-up
    found = list(dict.fromkeys(found))
    present = [key for key in found if key[1] != "tcp" or finder.plugged_in(*key)]
    still_there = {hashed(key) for key in present} & ignored
    return [key for key in present if hashed(key) not in still_there], still_there


def _release(session) -> bool | None:
    """Ends AppWarden's trust on a phone: an iPhone's pairing is removed (whether it was, or None for an
    Android phone), and the link is closed."""
    forget = getattr(session, "forget", None)
    unpaired = forget() if forget is not None else None
    session.close()
    return unpaired


def _delete_if_idle(page: KioskRemovalPage) -> bool:
    from appwarden.gui.removal_controller import RemovalController

    controllers = page.findChildren(RemovalController)
    if any(c.background.has_work() for c in controllers):
        return False
    page.deleteLater()
    return True


def _still_plugged_in(finder, iphones, key: tuple[str, str]) -> bool:
    """Whether the session's phone is still there, asked without its link (which a check or a step may be using)."""
    from appwarden.core.phones.commands import PhoneGone

    serial, transport = key
    if transport != "iphone":
        return finder.plugged_in(serial, transport)
    try:
        return serial in iphones.udids()
    except PhoneGone:
        return False


def _phone_words(session) -> Message | str:
    """The phone as the screen names it: its model, never a serial or the name its owner gave it."""
    from appwarden.core.phones.iphone import IphoneSession

    return session.model or Message.of("iPhone or iPad" if isinstance(session, IphoneSession) else "Android phone")


def load_logo(path: Path | None) -> QImage | None:
    return QImage(str(path)) if path is not None else None
