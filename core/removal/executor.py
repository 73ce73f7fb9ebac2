"""Running a removal plan one step at a time, only after the person confirms that step.

No command goes through a shell. Each action is written to the history before it starts and
after it ends, each in its own transaction, so a plan interrupted anywhere can be resumed.
"""

from __future__ import annotations

import shlex
import subprocess
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Callable

from appwarden.core.errors import HOME_FOLDER_UNKNOWN
from appwarden.core.history import ActionRecord, HistoryStore
from appwarden.core.i18n import Translator
from appwarden.core.messages import Message
from appwarden.core.removal import deletion
from appwarden.core.removal.builder import QUIT_TIMEOUT_S, apt_removals, run_simulation
from appwarden.core.removal.model import Actor, Command, FileAction, LeftoverPath, RemovalPlan, RemovalStep, StepKind
from appwarden.core.removal.verification import Verification, VerificationStatus, verify_removal
from appwarden.core.sources import source_titles
from appwarden.core.sources.base import ScanTarget, display_path

RESTART_EXIT_CODES = frozenset({3010, 1641})  # Windows Installer: success, restart required / started
USER_CANCELLED_EXIT_CODE = 1602  # Windows Installer: the person cancelled the uninstaller
MAX_OUTPUT_CHARS = 20_000
# Recorded as the verify step's exit code: the same values `appwarden remove` exits with.
VERIFICATION_EXIT_CODES = {
    VerificationStatus.RESOLVED: 0,
    VerificationStatus.LEFTOVERS_REMAIN: 0,
    VerificationStatus.STILL_PRESENT: 1,
    VerificationStatus.CANNOT_VERIFY: 2,
}
MAX_HISTORY_DETAIL_CHARS = 4_000


class OutcomeStatus(StrEnum):
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    DRY_RUN = "dry_run"
    PERSON = "person"


@dataclass(frozen=True)
class StepOutcome:
    status: OutcomeStatus
    exit_code: int | None
    duration_s: float
    output: str
    next: Message
    restart_requested: bool = False
    verification: Verification | None = None


@dataclass(frozen=True)
class ActionResult:
    """What one action did, before it becomes an outcome."""

    status: OutcomeStatus
    exit_code: int | None
    output: str
    problem: Message | None = None
    restart_requested: bool = False


def command_line(argv: tuple[str, ...]) -> str:
    """A command as shown to the person: exactly the arguments that run, quoted for reading."""
    return shlex.join(argv)


def step_actions(step: RemovalStep, t: Translator | None = None) -> list[str]:
    """Every exact thing the step would do, as lines a person can read (for --dry-run), in the
    language of `t` (English without one, as history keeps them); commands stay as they run."""
    lines = [command_line(command.argv) if not command.phone_line else
             Message.of("on the phone: {command}", command=command_line(command.argv)).render(t) for command in step.commands]
    if step.kind == StepKind.QUIT and step.pids:
        wait = Message.plural("{count} second", "{count} seconds", count=int(QUIT_TIMEOUT_S))
        lines.append(Message.plural(
            "ask program {pids} to close, and stop it after {wait} if it is still running",
            "ask programs {pids} to close, and stop those still running after {wait}",
            count=len(step.pids), pids=" ".join(map(str, step.pids)), wait=wait,
        ).render(t))
    actions = {
        FileAction.DELETE: lambda path: Message.of("delete {path}", path=path),
        FileAction.TRASH: lambda path: Message.of("move {path} to the Trash", path=path),
    }
    if step.file_action in actions:
        lines += [actions[step.file_action](path.shown).render(t) for path in step.paths]
    return lines


def run_step(
    plan: RemovalPlan,
    step: RemovalStep,
    confirm: Callable[[RemovalStep], bool],
    dry_run: bool = False,
    history: HistoryStore | None = None,
    *,
    restart_requested: bool = False,
    quit_timeout_s: float = QUIT_TIMEOUT_S,
    on_output: Callable[[str], None] | None = None,
) -> StepOutcome:
    if step.kind == StepKind.RESTART and not restart_requested:
        return StepOutcome(OutcomeStatus.SKIPPED, None, 0.0, "", Message.of("No restart is needed."))
    if step.kind == StepKind.VERIFY:
        return _verify(plan, step, history if not dry_run else None)
    if step.actor == Actor.PERSON or not plan.live:
        return StepOutcome(OutcomeStatus.PERSON, None, 0.0, "\n".join(step_actions(step)), _person_next(step))
    if dry_run:
        return StepOutcome(OutcomeStatus.DRY_RUN, None, 0.0, "\n".join(step_actions(step)), Message.of("Nothing was changed (dry run)."))
    if not confirm(step):
        _record(history, plan, step, "finished", outcome=OutcomeStatus.CANCELLED)
        return StepOutcome(OutcomeStatus.CANCELLED, None, 0.0, "", Message.of("Step not taken. You can take it later: the plan resumes here."))
    return _act(plan, step, history, quit_timeout_s, on_output)


def _act(
    plan: RemovalPlan, step: RemovalStep, history: HistoryStore | None, quit_timeout_s: float,
    on_output: Callable[[str], None] | None = None,
) -> StepOutcome:
    argv = _recorded_argv(step)
    _record(history, plan, step, "started", argv=argv)
    started = time.monotonic()
    try:
        result = _perform(plan, step, quit_timeout_s, on_output)
    except BaseException as error:  # even an interruption is recorded before it goes on
        _record(history, plan, step, "finished", argv=argv, outcome=OutcomeStatus.FAILED, detail=repr(error))
        raise
    duration = round(time.monotonic() - started, 3)
    _record(history, plan, step, "finished", argv=argv, outcome=result.status, exit_code=result.exit_code,
            duration_s=duration, detail=result.output[-MAX_HISTORY_DETAIL_CHARS:])
    return StepOutcome(
        result.status, result.exit_code, duration, result.output, _next(plan, step, result), result.restart_requested
    )


def _perform(plan: RemovalPlan, step: RemovalStep, quit_timeout_s: float, on_output: Callable[[str], None] | None = None) -> ActionResult:
    if any(command.phone_line for command in step.commands):
        return _run_on_phone(plan, step)
    if step.kind == StepKind.QUIT:
        return end_processes(step.pids, step.process_names, quit_timeout_s)
    if step.commands:
        return _run_commands(step, on_output)
    if step.file_action == FileAction.DELETE:
        return _each_path(plan, step.paths, delete_path)
    if step.file_action == FileAction.TRASH:
        return _each_path(plan, step.paths, move_to_trash)
    return ActionResult(OutcomeStatus.SKIPPED, None, "")


def _run_on_phone(plan: RemovalPlan, step: RemovalStep) -> ActionResult:
    """Each of the step's commands on the phone, in order; the first the phone refuses ends the step."""
    from appwarden.core.removal.phone import run_on_phone

    outputs = []
    for command in step.commands:
        worked, output, problem = run_on_phone(plan.target.phone, command, plan.app_name)
        outputs.append(f"{command.phone_line}\n{output}".strip())
        if not worked:
            return ActionResult(OutcomeStatus.FAILED, None, "\n".join(outputs), problem)
    return ActionResult(OutcomeStatus.DONE, 0, "\n".join(outputs))


def _run_commands(step: RemovalStep, on_output: Callable[[str], None] | None = None) -> ActionResult:
    outputs, result = [], ActionResult(OutcomeStatus.DONE, 0, "")
    restart = False
    for command in step.commands:
        result = _still_as_planned(command) or run_command(command.argv, command.timeout_s, on_output)
        outputs.append(result.output)
        restart = restart or result.restart_requested
        if result.status != OutcomeStatus.DONE:
            break
    return ActionResult(result.status, result.exit_code, "\n".join(outputs)[-MAX_OUTPUT_CHARS:], result.problem, restart)


def _still_as_planned(command: Command) -> ActionResult | None:
    """None when the package manager would still remove exactly what the plan showed; otherwise
    the failure that stops the step before anything is removed."""
    if not command.simulation:
        return None
    now = apt_removals(run_simulation(command.simulation), command.removes[0] if command.removes else "")
    if isinstance(now, Message):
        return ActionResult(OutcomeStatus.FAILED, None, "", now)
    if set(now) != set(command.removes):
        return ActionResult(OutcomeStatus.FAILED, None, "", Message.of(
            "the package manager would now remove {packages}, not what the plan showed ({planned}); nothing was removed. Check again for a new plan",
            packages=", ".join(now), planned=", ".join(command.removes),
        ))
    return None


def run_command(
    argv: tuple[str, ...], timeout_s: float, on_output: Callable[[str], None] | None = None
) -> ActionResult:
    """One program run with its arguments as a list (never a shell); each line of its output goes
    to `on_output` as it comes (the window shows it live) and is kept for the record."""
    try:
        process = subprocess.Popen(
            list(argv), shell=False, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, encoding="utf-8", errors="replace",
        )
    except OSError as error:
        return ActionResult(OutcomeStatus.FAILED, None, "", Message.of("{program} could not be started: {error}", program=argv[0], error=error.strerror or error))
    lines: list[str] = []
    reader = threading.Thread(target=_collect_output, args=(process, lines, on_output), daemon=True)
    reader.start()
    try:
        code = process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        reader.join(5)
        return ActionResult(OutcomeStatus.FAILED, None, "".join(lines)[-MAX_OUTPUT_CHARS:], Message.plural("it did not finish within {count} second", "it did not finish within {count} seconds", count=int(timeout_s)))
    reader.join(5)
    output = _without_progress("".join(lines))[-MAX_OUTPUT_CHARS:]
    if code == 0 or code in RESTART_EXIT_CODES:
        return ActionResult(OutcomeStatus.DONE, code, output, restart_requested=code in RESTART_EXIT_CODES)
    if code == USER_CANCELLED_EXIT_CODE:
        return ActionResult(OutcomeStatus.CANCELLED, code, output, Message.of("the uninstaller was cancelled"))
    return ActionResult(OutcomeStatus.FAILED, code, output, Message.of("{program} ended with exit code {code}", program=argv[0], code=code))


def _collect_output(process: subprocess.Popen, lines: list[str], on_output: Callable[[str], None] | None) -> None:
    for line in process.stdout:
        lines.append(line)
        if on_output is not None:
            on_output(line.rstrip("\n"))


def _without_progress(output: str) -> str:
    """Each line as it was finally shown: progress redrawn with carriage returns keeps its last state."""
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in output.split("\n"))


def end_processes(pids: tuple[int, ...], names: tuple[str, ...], timeout_s: float) -> ActionResult:
    """Ask each process to close, then stop the ones still running after `timeout_s`.
    A pid now running another program (reused) is left alone; one that already exited is fine."""
    import psutil

    processes = [p for p in (_process(pid, names) for pid in pids) if p is not None]
    for process in processes:
        _signal(process.terminate)
    _, alive = psutil.wait_procs(processes, timeout=timeout_s)
    for process in alive:
        _signal(process.kill)
    _, still = psutil.wait_procs(alive, timeout=timeout_s)
    output = f"asked to close: {_pids(processes)}; stopped by force: {_pids(alive)}"
    if still:
        return ActionResult(OutcomeStatus.FAILED, None, output, Message.of("programs {pids} could not be stopped", pids=_pids(still)))
    return ActionResult(OutcomeStatus.DONE, None, output)


def _process(pid: int, names: tuple[str, ...]):
    import psutil

    try:
        process = psutil.Process(pid)
        return process if not names or process.name() in names else None
    except psutil.Error:
        return None


def _signal(send: Callable[[], None]) -> None:
    import psutil

    try:
        send()
    except psutil.NoSuchProcess:
        pass  # it exited meanwhile: that is what was wanted


def _pids(processes) -> str:
    return ", ".join(str(p.pid) for p in processes) or "none"


def _each_path(
    plan: RemovalPlan, paths: tuple[LeftoverPath, ...], action: Callable[[LeftoverPath, deletion.Protected, deletion.Show], str]
) -> ActionResult:
    lines = []
    target = plan.target
    protected = plan.protected or (deletion.protected_places(target) if target is not None else deletion.Protected.of(()))
    show = (lambda place: display_path(target, place)) if target is not None else str
    for path in paths:
        try:
            lines.append(action(path, protected, show))
        except deletion.DeletionRefused as refused:
            reason = Message.of("{path} was not changed: {reason}", path=path.shown, reason=refused.reason)
            return ActionResult(OutcomeStatus.FAILED, None, "\n".join(lines), reason)
        except OSError as error:
            reason = Message.of("{path} could not be changed: {error}", path=path.shown, error=error.strerror or error)
            return ActionResult(OutcomeStatus.FAILED, None, "\n".join(lines), reason)
    return ActionResult(OutcomeStatus.DONE, None, "\n".join(lines))


def delete_path(path: LeftoverPath, protected: deletion.Protected | frozenset = frozenset(), show: deletion.Show = str) -> str:
    """Delete a file or a folder tree as the plan showed it; links are removed, never followed."""
    if path.base is None:
        raise deletion.DeletionRefused(Message.of("the plan does not say which folder it is reached from"))
    return deletion.delete(path.base, path.real, path.identity, protected, path.shown, show)


def move_to_trash(path: LeftoverPath, protected: deletion.Protected | frozenset = frozenset(), show: deletion.Show = str) -> str:
    if path.base is None:
        raise deletion.DeletionRefused(Message.of("the plan does not say which folder it is reached from"))
    home = deletion.person_home()
    if home is None:
        raise deletion.DeletionRefused(Message.of("there is no Trash to move it to, because {reason}", reason=HOME_FOLDER_UNKNOWN))
    return deletion.move_to_trash(path.base, path.real, path.identity, protected, home / ".Trash", path.shown, show)


def _verify(plan: RemovalPlan, step: RemovalStep, history: HistoryStore | None) -> StepOutcome:
    _record(history, plan, step, "started")
    started = time.monotonic()
    verification = verify_removal(plan, step)
    duration = round(time.monotonic() - started, 3)
    status = OutcomeStatus.DONE if verification.app_gone else OutcomeStatus.FAILED
    remaining = "\n".join(f"{e.source}: {e.location}" for e in verification.remaining)
    code = VERIFICATION_EXIT_CODES[verification.status]
    _record(history, plan, step, "finished", outcome=status, exit_code=code, duration_s=duration,
            detail=f"{verification.status}\n{remaining}".strip())
    return StepOutcome(status, None, duration, remaining, _verification_next(plan, verification), verification=verification)


def _verification_next(plan: RemovalPlan, verification: Verification) -> Message:
    app = plan.app_name.get("en")
    disk = plan.target if plan.target is not None and not plan.target.live else None
    if disk is not None and verification.status == VerificationStatus.RESOLVED:
        return Message.of("{app} is gone from the disk mounted at {root}.", app=app, root=disk.root)
    if disk is not None and verification.status == VerificationStatus.LEFTOVERS_REMAIN:
        return Message.of("{app} is gone from the disk mounted at {root}; the files listed are still there.", app=app, root=disk.root)
    if disk is not None and verification.status == VerificationStatus.STILL_PRESENT:
        return Message.of(
            "{app} is still on the disk mounted at {root} (see what remains). Take the remaining steps on that computer, or ask your help desk: tell them that {app} is still found after the removal steps.",
            app=app, root=disk.root,
        )
    if plan.target is not None and plan.target.is_connected_phone and verification.status == VerificationStatus.RESOLVED:
        return Message.of("{app} is gone from the phone.", app=app)
    if plan.target is not None and plan.target.is_connected_phone and verification.status == VerificationStatus.STILL_PRESENT:
        return Message.of(
            "{app} is still on the phone (see what remains). Take the remaining steps again, or ask your help desk: tell them that {app} is still found after the removal steps.", app=app)
    return {
        VerificationStatus.RESOLVED: Message.of("{app} is gone from this device.", app=app),
        VerificationStatus.LEFTOVERS_REMAIN: Message.of("{app} is gone; the files listed are still there because you kept them.", app=app),
        VerificationStatus.STILL_PRESENT: Message.of(
            "{app} is still on this device (see what remains). Take the remaining steps again, or ask your help desk: tell them that {app} is still found after the removal steps.", app=app
        ),
        VerificationStatus.CANNOT_VERIFY: Message.of(
            "AppWarden could not read everything it needs to confirm that {app} is gone ({sources}). Ask your help desk to check.",
            app=app, sources=source_titles(verification.unread) if verification.unread else "-",
        ),
    }[verification.status]


def _next(plan: RemovalPlan, step: RemovalStep, result: ActionResult) -> Message:
    if result.status == OutcomeStatus.DONE:
        if result.restart_requested:
            return Message.of("Done. The uninstaller asks for a restart: the restart step is now needed.")
        return Message.of("Done. Go on with the next step.")
    why = result.problem or Message.of("it did not work")
    if plan.target is not None and plan.target.is_connected_phone and result.problem is not None:
        return Message.of("This step did not work: {why}.", why=why)  # the phone's words say what to do
    return Message.of(
        "This step did not work: {why}. You can try it again: the plan resumes here. If it keeps failing, ask your help desk and tell them that removing {app} failed at the step \"{step}\" ({why}).",
        why=why, app=plan.app_name.get("en"), step=step.title if isinstance(step.title, Message) else step.title.get("en"),
    )


def _person_next(step: RemovalStep) -> Message:
    if step.refused is not None:
        return Message.of("Do this step yourself as explained. If you cannot, ask your help desk.")
    return Message.of("Do this step yourself, then confirm that it is done.")


def record_person_answer(plan: RemovalPlan, step: RemovalStep, done: bool, history: HistoryStore | None) -> None:
    """What the person said about a step only they can do."""
    _record(history, plan, step, "finished", outcome="person_done" if done else "person_not_done")


def record_already_done(plan: RemovalPlan, step: RemovalStep, reason: Message, history: HistoryStore | None) -> None:
    """A step skipped because, read again just before it was shown, it had nothing left to do."""
    _record(history, plan, step, "finished", outcome=OutcomeStatus.SKIPPED, detail=reason.render())


def _recorded_argv(step: RemovalStep) -> tuple[str, ...]:
    if step.commands:
        return tuple(arg for command in step.commands for arg in command.argv)
    return tuple(step_actions(step))


def _record(history: HistoryStore | None, plan: RemovalPlan, step: RemovalStep, phase: str, **values) -> None:
    if history is None:
        return
    values["outcome"] = str(values.get("outcome", ""))
    history.record_action(ActionRecord(plan.rule_id, step.id, str(step.kind), phase, **values))


@dataclass(frozen=True)
class ResumePoint:
    done: frozenset[str]
    next_step: RemovalStep | None


def resume_point(plan: RemovalPlan, history: HistoryStore) -> ResumePoint:
    """Which steps an earlier run finished (since the app was last verified gone), and the first left."""
    actions = history.actions(plan.rule_id)
    verify = next((step.id for step in plan.steps if step.kind == StepKind.VERIFY), "verify")  # a phone's names the phone
    last_resolved = max((i for i, a in enumerate(actions) if a.step == verify and a.phase == "finished" and a.outcome == "done"), default=-1)
    finished = [a for a in actions[last_resolved + 1:] if a.phase == "finished"]
    done = frozenset(a.step for a in finished if a.outcome in ("done", "person_done"))
    remaining = (step for step in plan.steps if step.id not in done)
    return ResumePoint(done, next(remaining, None))
