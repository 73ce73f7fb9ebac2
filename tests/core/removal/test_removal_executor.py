"""Running removal steps for real: a .deb removed through `appwarden remove`, programs that will
not quit, a crash in the middle of a plan, and a pack that tries to give a command."""

from __future__ import annotations

import os
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from appwarden.core.history import HistoryStore
from appwarden.core.policy.loader import load_pack, load_policies
from appwarden.core.removal.builder import build_plan
from appwarden.core.removal.executor import OutcomeStatus, resume_point, run_step
from appwarden.core.removal.model import Actor, Command, RemovalPlan, RemovalStep, StepKind
from appwarden.core.i18n import LocalText
from appwarden.core.messages import Message
from appwarden.core.scan import run_scan
from appwarden.core.sources.base import LINUX, ScanTarget
from appwarden.core.sources.processes import RunningProcesses
from tests.conftest import PROJECT, cli_environment
from tests.core.sources.linux.test_dpkg import build_deb

AS_ROOT_WITH_DPKG = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("dpkg") is None, reason="installing a .deb needs root and dpkg"
)


def actions_table(database: Path) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT step, phase, argv, outcome, exit_code FROM actions ORDER BY id").fetchall()


@AS_ROOT_WITH_DPKG
def test_real_deb_is_removed_by_appwarden_remove_and_every_step_is_recorded(tmp_path):
    if subprocess.run(["dpkg-query", "-W", "wechat"], capture_output=True).returncode == 0:
        pytest.skip("a real 'wechat' package is installed here; the test will not touch it")
    deb = build_deb(tmp_path, "wechat", "4.0.0.99-appwarden")
    subprocess.run(["dpkg", "-i", str(deb)], check=True, capture_output=True)
    env = cli_environment(tmp_path)
    remove = [sys.executable, "-m", "appwarden.core", "remove", "wechat"]
    try:
        dry = subprocess.run(remove + ["--dry-run"], capture_output=True, text=True, cwd=PROJECT, env=env, stdin=subprocess.DEVNULL)
        still_there = subprocess.run(["dpkg-query", "-W", "wechat"], capture_output=True)
        done = subprocess.run(remove + ["--yes"], capture_output=True, text=True, cwd=PROJECT, env=env, stdin=subprocess.DEVNULL)
    finally:
        subprocess.run(["dpkg", "--purge", "wechat"], capture_output=True)
    tool = "$ apt-get remove -y -o APT::Get::AutomaticRemove=false wechat" if shutil.which("apt-get") else "$ dpkg --remove wechat"
    assert dry.returncode == 0, dry.stderr  # a dry run lists the plan; it gives no verdict
    assert tool in dry.stdout and "Result:" not in dry.stdout
    assert dry.stdout.endswith("\nDry run: nothing was changed. Run without --dry-run to take these steps.\n")
    assert still_there.returncode == 0
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WeChat (Weixin) is gone from this device." in done.stdout
    assert subprocess.run(["dpkg-query", "-W", "wechat"], capture_output=True).returncode != 0
    rows = actions_table(tmp_path / "data/appwarden/history.sqlite3")
    argv = '["apt-get", "remove", "-y", "-o", "APT::Get::AutomaticRemove=false", "wechat"]' if shutil.which("apt-get") else '["dpkg", "--remove", "wechat"]'
    assert rows[:2] == [
        ("uninstall:dpkg:wechat", "started", argv, "", None),
        ("uninstall:dpkg:wechat", "finished", argv, "done", 0),
    ]
    assert rows[-2:] == [("verify", "started", "[]", "", None), ("verify", "finished", "[]", "done", 0)]
    listing = subprocess.run([sys.executable, "-m", "appwarden.core", "history"], capture_output=True, text=True, cwd=PROJECT, env=env)
    assert "Removal actions:" in listing.stdout
    assert any(
        "  wechat  Uninstall the wechat package: Done  " in line and line.endswith(" ".join(json.loads(argv)))
        for line in listing.stdout.splitlines()
    ), listing.stdout


def test_without_a_terminal_and_without_yes_nothing_is_done(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "appwarden.core", "remove", "wechat"], capture_output=True, text=True, cwd=PROJECT,
        env=cli_environment(tmp_path), stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "there is no terminal to ask in" in result.stderr


def test_quit_step_ends_a_program_and_forces_one_that_ignores_sigterm(tmp_path):
    programs = []
    for folder in ("polite", "stubborn"):
        (tmp_path / folder).mkdir()
        programs.append(shutil.copy(shutil.which("sleep"), tmp_path / folder / "WeChat"))
    polite = subprocess.Popen([programs[0], "60"])
    stubborn = subprocess.Popen([programs[1], "60"], preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_IGN))
    try:
        time.sleep(0.2)
        target = ScanTarget(Path("/"), LINUX, live=True)
        policies = load_policies()
        (finding,) = [f for f in run_scan(target, policies, [RunningProcesses()]).findings if f.rule.id == "wechat"]
        plan = build_plan(finding, target, policies)
        quit_step = plan.step("quit")
        assert {polite.pid, stubborn.pid} <= set(quit_step.pids)
        outcome = run_step(plan, quit_step, confirm=lambda step: True, quit_timeout_s=1.0)
        assert outcome.status == OutcomeStatus.DONE
        # The step reaped both (they are this process's children), so their ends are read from its output.
        assert polite.poll() is not None and stubborn.poll() is not None
        asked = ", ".join(str(pid) for pid in quit_step.pids)
        assert outcome.output == f"asked to close: {asked}; stopped by force: {stubborn.pid}"
    finally:
        for process in (polite, stubborn):
            if process.poll() is None:
                process.kill()
                process.wait()


def command_plan(argv: tuple[str, ...], history_target: Path = Path("/")) -> RemovalPlan:
    step = RemovalStep(
        "uninstall:test", StepKind.UNINSTALL, Message.of("Uninstall the app"), Message.of("Uninstall the app"),
        Actor.APPWARDEN, Message.of("Uninstall the app"), commands=(Command(argv, timeout_s=60),),
    )
    return RemovalPlan("wechat", LocalText.of(en="WeChat"), LINUX, (step,), ScanTarget(history_target, LINUX, live=True))


def test_nothing_runs_without_confirmation_and_dry_run_changes_nothing(tmp_path):
    marker = tmp_path / "ran"
    plan = command_plan(("touch", str(marker)))
    history = HistoryStore(tmp_path / "history.sqlite3")
    refused = run_step(plan, plan.steps[0], confirm=lambda step: False, history=history)
    dry = run_step(plan, plan.steps[0], confirm=lambda step: True, dry_run=True, history=history)
    assert (refused.status, dry.status, marker.exists()) == (OutcomeStatus.CANCELLED, OutcomeStatus.DRY_RUN, False)
    assert dry.output == f"touch {marker}"
    assert [(a.phase, a.outcome) for a in history.actions()] == [("finished", "cancelled")]


def test_a_failing_command_says_what_to_do_next_and_the_plan_resumes_there(tmp_path):
    history = HistoryStore(tmp_path / "history.sqlite3")
    failing = command_plan(("sh", "-c", "exit 3"))
    outcome = run_step(failing, failing.steps[0], confirm=lambda step: True, history=history)
    assert (outcome.status, outcome.exit_code) == (OutcomeStatus.FAILED, 3)
    assert "ask your help desk and tell them that removing WeChat failed" in outcome.next.render()
    assert resume_point(failing, history).next_step == failing.steps[0]
    working = command_plan(("true",))
    run_step(working, working.steps[0], confirm=lambda step: True, history=history)
    assert resume_point(working, history).done == {"uninstall:test"}


CRASHING_RUN = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, {project!r})
    from tests.core.removal.test_removal_executor import command_plan
    from appwarden.core.history import HistoryStore
    from appwarden.core.removal.executor import run_step
    plan = command_plan(("sleep", "30"))
    run_step(plan, plan.steps[0], confirm=lambda step: True, history=HistoryStore(Path({database!r})))
    """
)


def test_a_crash_in_the_middle_of_a_step_loses_no_entry_already_written(tmp_path):
    database = tmp_path / "history.sqlite3"
    script = CRASHING_RUN.format(project=str(PROJECT), database=str(database))
    child = subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT, env=cli_environment(tmp_path))
    import psutil

    uninstaller = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not uninstaller:
            uninstaller = psutil.Process(child.pid).children()
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        for process in uninstaller:  # the `sleep` the killed run started, by its own id
            process.kill()
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert [(a.step, a.phase, a.argv) for a in HistoryStore(database).actions()] == [("uninstall:test", "started", ("sleep", "30"))]


def test_a_pack_cannot_give_a_command(tmp_path):
    pack = (PROJECT / "assets/policies/canada.toml").read_text(encoding="utf-8")
    pack += '\n[[rules.removal_steps]]\nplatform = "linux"\ncommand = "rm -rf /"\ntitle = { en = "x", fr = "x" }\nexplanation = { en = "x", fr = "x" }\n'
    path = tmp_path / "hostile.toml"
    path.write_text(pack, encoding="utf-8")
    loaded, problems = load_pack(path)
    assert loaded is None
    assert [p.message for p in problems] == [
        "removal step has 'command': a pack cannot ask AppWarden to run a command; describe the step for the person instead"
    ]


def test_command_output_reaches_the_caller_line_by_line_as_it_comes():
    import sys as _sys

    from appwarden.core.removal.executor import OutcomeStatus, run_command

    seen = []
    result = run_command((_sys.executable, "-c", "print('one', flush=True); print('two')"), 30, seen.append)
    assert seen == ["one", "two"]
    assert (result.status, result.exit_code, result.output) == (OutcomeStatus.DONE, 0, "one\ntwo\n")
