"""The guided removal in the window: one step per page, each run through core.removal on a worker
thread after the person's click (the click is the confirmation), and a verification at the end."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject

from appwarden.core.errors import AppWardenError
from appwarden.core.history import HistoryStore
from appwarden.core.i18n import Translator
from appwarden.core.messages import Message
from appwarden.core.removal.executor import OutcomeStatus, StepOutcome, record_already_done, record_person_answer, run_step, step_actions
from appwarden.core.removal.recheck import already_done
from appwarden.core.removal.model import Actor, RemovalPlan, RemovalStep, StepKind, shown
from appwarden.gui.background import BackgroundWork
from appwarden.gui.removal_view import RemovalDialog

GOOD = {OutcomeStatus.DONE, OutcomeStatus.SKIPPED}


class RemovalController(QObject):
    def __init__(self, dialog: RemovalDialog, plan: RemovalPlan, translate: Translator,
                 history: HistoryStore, on_finished: Callable[[], None]) -> None:
        super().__init__(dialog)
        self.dialog, self.plan, self.t, self.history = dialog, plan, translate, history
        self.background = BackgroundWork(self)
        self.index = 0
        self.restart_requested = False
        self.finished_verification = None
        self.already_done_notes: list[str] = []
        dialog.set_texts(translate, translate.text(plan.app_name))
        dialog.do_button.clicked.connect(self.do_step)
        dialog.done_button.clicked.connect(self.person_did_step)
        dialog.skip_button.clicked.connect(self.next_step)
        dialog.next_button.clicked.connect(self.next_step)
        dialog.close_button.clicked.connect(dialog.reject)
        dialog.finished.connect(lambda _: on_finished())
        self.show_current()

    @property
    def step(self) -> RemovalStep:
        return self.plan.steps[self.index]

    def show_current(self) -> None:
        """The current step, once the device has been read again to see that it still applies."""
        step = self.step
        if step.kind == StepKind.RESTART and not self.restart_requested:
            self.next_step()
            return
        if step.kind == StepKind.VERIFY:
            self._show_step()
            return
        self.dialog.show_buttons(do=False, done=False, skip=False, next_=False)
        plan = self.plan
        self.background.run(lambda report, cancelled: already_done(plan, step), self._skip_or_show, self._step_failed)

    def _skip_or_show(self, gone: Message | None) -> None:
        if gone is None:
            self._show_step()
            return
        title = shown(self.step.title, self.t)
        self.already_done_notes.append(self.t("Skipped “{title}”: {reason}", title=title, reason=gone.render(self.t)))
        record_already_done(self.plan, self.step, gone, self.history)
        self.next_step()

    def _show_step(self) -> None:
        t, step = self.t, self.step
        counter = t("Step {number} of {total}", number=self.index + 1, total=len(self.plan.steps))
        commands = "\n".join(step_actions(step, t))
        explanation = "\n".join(self.already_done_notes + [self._explanation(step)])  # what was skipped on the way here, said once
        self.already_done_notes = []
        self.dialog.show_step(counter, shown(step.title, t), self._who(step), explanation, commands)
        if step.kind == StepKind.VERIFY:
            self.dialog.show_buttons(do=False, done=False, skip=False, next_=False)
            self.run_current()
        elif self._person_acts(step):
            self.dialog.show_buttons(do=False, done=True, skip=True, next_=False)
        else:
            # Deleting the person's own files on a phone cannot be undone: Enter skips it, a click does it.
            own_files = step.kind == StepKind.LEFTOVERS and step.confirm_alone and self.plan.target is not None \
                and self.plan.target.is_connected_phone
            self.dialog.show_buttons(do=True, done=False, skip=True, next_=False, skip_by_default=own_files)

    def _person_acts(self, step: RemovalStep) -> bool:
        return step.actor == Actor.PERSON or not self.plan.live

    def _who(self, step: RemovalStep) -> str:
        t = self.t
        who = t("You do this step; AppWarden explains how.") if self._person_acts(step) else t("AppWarden can do this step for you.")
        if step.needs_admin and not step.explains_admin_rights:
            who += " " + t("It needs administrator rights: you may be asked for a password.")
        return who

    def _explanation(self, step: RemovalStep) -> str:
        text = shown(step.explanation, self.t)
        if step.refused is not None and not step.explains_refusal:
            text += "\n\n" + self.t("AppWarden will not run this itself: {reason}", reason=step.refused.render(self.t))
        text += "\n\n" + self.t("How success is checked: {check}", check=step.check.render(self.t))
        return text

    def do_step(self) -> None:
        self.dialog.show_buttons(do=False, done=False, skip=False, next_=False)
        self.run_current()

    def run_current(self) -> None:
        plan, step = self.plan, self.step
        self.dialog.progress.show()
        self.dialog.output.show()
        restart = self.restart_requested
        self.background.run(
            lambda report, cancelled: run_step(
                plan, step, confirm=lambda _: True, history=self.history, restart_requested=restart, on_output=report
            ),
            self._step_finished, self._step_failed, on_progress=self.dialog.output.appendPlainText,
        )

    def _step_finished(self, outcome: StepOutcome) -> None:
        self.dialog.progress.hide()
        if outcome.output and not self.dialog.output.toPlainText():
            self.dialog.output.setPlainText(outcome.output)
        self.dialog.output.setVisible(bool(self.dialog.output.toPlainText()))
        self.restart_requested = self.restart_requested or outcome.restart_requested
        if outcome.verification is not None:
            self.finished_verification = outcome.verification
            state = "ok" if outcome.verification.app_gone else "problem"
            self.dialog.show_outcome(state, outcome.next.render(self.t))
            self.dialog.show_buttons(do=False, done=False, skip=False, next_=False)
            self.dialog.close_button.setDefault(True)
            self.dialog.close_button.setFocus()
            return
        good = outcome.status in GOOD
        self.dialog.show_outcome("ok" if good else "problem", outcome.next.render(self.t))
        self.dialog.show_buttons(do=not good, done=False, skip=not good, next_=good)

    def _step_failed(self, error: AppWardenError) -> None:
        self.dialog.progress.hide()
        self.dialog.show_outcome("problem", error.render(self.t))
        self.dialog.show_buttons(do=True, done=False, skip=True, next_=False)

    def person_did_step(self) -> None:
        record_person_answer(self.plan, self.step, True, self.history)
        self.next_step()

    def next_step(self) -> None:
        if self.index + 1 < len(self.plan.steps):
            self.index += 1
            self.show_current()
