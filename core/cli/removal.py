"""`appwarden remove RULE`: walks a finding's removal plan in the terminal, asking at each step."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from appwarden.core.errors import UsageError
from appwarden.core.i18n import Translator
from appwarden.core.messages import Message
from appwarden.core.reports.terminal import escape_controls, for_terminal, print_to_terminal
from appwarden.core.sources import source_title

if TYPE_CHECKING:
    from appwarden.core.removal.model import RemovalPlan, RemovalStep

# The parser is built for every command: the plan's and the policies' code loads when `remove` runs.

EXIT_GONE, EXIT_STILL_PRESENT, EXIT_ERROR = 0, 1, 2
NO_TERMINAL = Message.of(
    "AppWarden asks before each step, but there is no terminal to ask in. Run it in a terminal, or add --yes to take every step."
)


def add_parser(commands: argparse._SubParsersAction, t: Translator) -> argparse.ArgumentParser:
    """The `remove` command's parser, in the person's language (the caller adds the policy options)."""
    remove = commands.add_parser("remove", help=t("walk through removing a prohibited app, step by step"))
    remove.add_argument("rule", metavar="RULE", help=t("rule id, such as tiktok, wechat or kaspersky"))
    remove.add_argument("--dry-run", action="store_true", help=t("show every exact command and change nothing"))
    remove.add_argument("--yes", action="store_true", help=t("take every step without asking (leftover files included)"))
    remove.add_argument("--root", metavar="DIR", help=t("a disk mounted at DIR: only explain the steps, then verify"))
    remove.add_argument("--os", choices=("linux", "windows", "macos"), help=t("operating system on --root"))
    remove.add_argument("--personal", action="store_true", help=t("the device is personal, not issued by your organisation: its findings are recommended, not required"))
    from appwarden.core.cli.phones import add_phone_options

    add_phone_options(remove, t)
    return remove


def remove(args: argparse.Namespace, t: Translator) -> int:
    from appwarden.core.policy.loader import load_policies
    from appwarden.core.target import make_target

    policies = load_policies([Path(p) for p in args.policy], include_default=not args.no_default_policy)
    rule = policies.rule(args.rule)
    if rule is None:
        known = ", ".join(r.id for r in policies.rules)
        raise UsageError(Message.of("No rule named '{rule}'. Known rules: {known}.", rule=args.rule, known=known))
    interactive = sys.stdin.isatty()
    if not (args.yes or args.dry_run or interactive):
        raise UsageError(NO_TERMINAL)
    if args.phone and (args.root or args.os):
        raise UsageError(Message.of("--phone removes from a phone connected to this computer: it cannot be used with --root or --os."))
    if args.connect and not args.phone:
        raise UsageError(Message.of("--connect says where to look for a phone: give --phone too (--phone auto for the only one)."))
    if not args.phone:
        return _remove_from(make_target(args.root, args.os, organisation_issued=not args.personal), policies, rule, args, t, interactive)
    from appwarden.core.cli.phones import open_phone
    from appwarden.core.target import phone_target

    session = open_phone(args, t)
    try:
        return _remove_from(phone_target(session, organisation_issued=not args.personal), policies, rule, args, t, interactive)
    finally:
        session.close()


def _remove_from(target, policies, rule, args: argparse.Namespace, t: Translator, interactive: bool) -> int:
    from appwarden.core.history import HistoryStore
    from appwarden.core.removal.builder import build_plan
    from appwarden.core.scan import run_scan

    result = run_scan(target, policies)
    finding = next((f for f in result.findings if f.rule.id == rule.id), None)
    if finding is None and not result.complete_for_its_scope:
        from appwarden.core.reports.wording import result_details

        print_to_terminal(t("AppWarden could not read everything, so it cannot tell whether {rule} is there: {why}",
                            rule=rule.id, why=result_details(result, t)))
        return EXIT_ERROR
    if finding is None:
        if target.is_connected_phone:
            print_to_terminal(t("{rule} was not found on the phone {phone}.", rule=rule.id, phone=target.hostname))
        elif target.live:
            print_to_terminal(t("{rule} was not found on this device.", rule=rule.id))
        else:
            print_to_terminal(t("{rule} was not found on the disk mounted at {root}.", rule=rule.id, root=target.root))
        return EXIT_GONE
    plan = build_plan(finding, target, policies)
    history = None if args.dry_run else HistoryStore()
    ask_alone = (lambda question: _ask(question)) if interactive else (lambda question: False)
    ask = (lambda question: True) if args.yes else ask_alone
    return PlanWalk(plan, t, ask, args.dry_run, history, interactive and not args.yes, ask_alone).run()


def _ask(question: str) -> bool:
    try:
        return input(question).strip().lower() in ("y", "yes", "o", "oui")
    except EOFError:
        return False


class PlanWalk:
    """Takes the person through the plan's steps in order, then reports the verification; a dry
    run only lists the steps."""

    def __init__(
        self, plan: RemovalPlan, t: Translator, ask: Callable[[str], bool], dry_run: bool, history, ask_person: bool,
        ask_alone: Callable[[str], bool] | None = None,
    ) -> None:
        from appwarden.core.removal.model import StepKind

        # Steps that --yes does not cover (leftovers named by a pack AppWarden does not ship) are
        # asked with `ask_alone`: in a terminal, one by one; without one, not taken.
        self.ask_alone = ask_alone or ask
        # Through for_terminal, the packages, paths and outputs a device gave are shown escaped.
        self.plan, self.t, self.ask, self.dry_run, self.history, self.ask_person = plan, for_terminal(t), ask, dry_run, history, ask_person
        # The steps shown and numbered: a dry run runs no uninstaller, so none can ask for the restart.
        self.steps = tuple(step for step in plan.steps if not (dry_run and step.kind == StepKind.RESTART))
        self.restart_requested = False
        self.stopped = False

    def run(self) -> int:
        from appwarden.core.removal.model import StepKind

        t = self.t
        print_to_terminal(t.plural("Removal plan for {app}: {count} step.", "Removal plan for {app}: {count} steps.", app=t.text(self.plan.app_name), count=len(self.steps)))
        if self.dry_run:
            return self._list()
        from appwarden.core.removal.executor import record_already_done, resume_point
        from appwarden.core.removal.recheck import already_done

        done = resume_point(self.plan, self.history).done if self.history is not None else frozenset()
        exit_code = EXIT_ERROR
        for number, step in enumerate(self.steps, start=1):
            place = self._place(number, step)
            if step.kind == StepKind.VERIFY:
                exit_code = self._verify(number, step)
            elif step.id in done:
                print_to_terminal("\n" + t("[{number}/{count}] {title}: already done earlier.", **place))
            elif self.stopped:
                print_to_terminal("\n" + t("[{number}/{count}] {title}: not taken, because an earlier step did not work.", **place))
            elif step.kind == StepKind.RESTART and not self.restart_requested:
                print_to_terminal("\n" + t("[{number}/{count}] {title}: not needed, no uninstaller asked for it.", **place))
            elif (gone := already_done(self.plan, step)) is not None:
                print_to_terminal("\n" + t("[{number}/{count}] {title}: {reason}", reason=gone.render(t), **place))
                record_already_done(self.plan, step, gone, self.history)
            else:
                self._take(number, step)
        return exit_code

    def _list(self) -> int:
        """A dry run: the plan once, every exact command, nothing run, not even the verification."""
        for number, step in enumerate(self.steps, start=1):
            self._show(number, step)
        print_to_terminal("\n" + self.t("Dry run: nothing was changed. Run without --dry-run to take these steps."))
        return EXIT_GONE

    def _place(self, number: int, step: RemovalStep) -> dict[str, object]:
        """What a step's heading says: where it is among the steps shown, and its title."""
        from appwarden.core.removal.model import shown

        return {"number": number, "count": len(self.steps), "title": shown(step.title, self.t)}

    def _show(self, number: int, step: RemovalStep) -> None:
        from appwarden.core.removal.executor import step_actions
        from appwarden.core.removal.model import shown

        t = self.t
        print_to_terminal("\n" + t("[{number}/{count}] {title}", **self._place(number, step)))
        print_to_terminal("  " + shown(step.explanation, t).replace("\n", "\n  "))
        if step.needs_admin and not step.explains_admin_rights:
            print_to_terminal("  " + t("Needs administrator rights."))
        for line in map(escape_controls, step_actions(step, t)):
            print_to_terminal("    $ " + line if step.commands else "    " + line)

    def _take(self, number: int, step: RemovalStep) -> None:
        from appwarden.core.removal.executor import OutcomeStatus, record_person_answer, run_step
        from appwarden.core.removal.model import StepKind

        t = self.t
        self._show(number, step)
        if step.confirm_alone and self.ask_alone is not self.ask:
            if self.plan.target is not None and self.plan.target.is_connected_phone and step.kind == StepKind.LEFTOVERS:
                print("  " + t("--yes does not cover this step: these are your own files on the phone. Confirm it on its own."))
            else:
                print("  " + t("--yes does not cover this step: it comes from a policy pack that AppWarden does not ship. Confirm it on its own."))
        outcome = run_step(self.plan, step, lambda s: (self.ask_alone if s.confirm_alone else self.ask)(t("Do this step? [y/N] ")), False, self.history,
                           restart_requested=self.restart_requested)
        self.restart_requested = self.restart_requested or outcome.restart_requested
        if outcome.output and outcome.status != OutcomeStatus.PERSON:
            print_to_terminal("  " + "\n  ".join(map(escape_controls, outcome.output.strip().replace("\r\n", "\n").split("\n"))))
        print_to_terminal("  " + t("Result: {status}", status=STATUS_TEXT[outcome.status].render(t)))
        print_to_terminal("  " + outcome.next.render(t))
        if outcome.status == OutcomeStatus.PERSON and self.ask_person:
            record_person_answer(self.plan, step, self.ask(t("Done? [y/N] ")), self.history)
        if outcome.status == OutcomeStatus.FAILED:
            self.stopped = True

    def _verify(self, number: int, step: RemovalStep) -> int:
        from appwarden.core.removal.executor import run_step
        from appwarden.core.removal.verification import VerificationStatus

        t = self.t
        self._show(number, step)
        outcome = run_step(self.plan, step, lambda s: True, False, self.history)
        verification = outcome.verification
        print_to_terminal("  " + t("Result: {status}", status=VERIFICATION_TEXT[verification.status].render(t)))
        for evidence in verification.remaining:
            print_to_terminal("    " + t("still there: {location} ({source})", location=evidence.location, source=t(source_title(evidence.source))))
        print_to_terminal("  " + outcome.next.render(t))
        if verification.app_gone:
            return EXIT_GONE
        return EXIT_STILL_PRESENT if verification.status == VerificationStatus.STILL_PRESENT else EXIT_ERROR


# Keyed by the outcome and verification values (StrEnums), so the parser loads no scanning code.
STATUS_TEXT = {
    "done": Message.of("done"),
    "failed": Message.of("failed"),
    "skipped": Message.of("skipped"),
    "cancelled": Message.of("not taken"),
    "person": Message.of("for you to do"),
}
VERIFICATION_TEXT = {
    "resolved": Message.of("resolved"),
    "leftovers_remain": Message.of("resolved; leftover files kept"),
    "still_present": Message.of("still present"),
    "cannot_verify": Message.of("cannot verify"),
}
