"""A step is read again just before it is shown: what is already gone is skipped with a line.
Everything here reads throwaway trees and a child process of the test; nothing is deleted."""

from __future__ import annotations

import io
from dataclasses import replace
import subprocess
import sys
from contextlib import redirect_stdout

from appwarden.core.cli.removal import PlanWalk
from appwarden.core.findings import Evidence, Finding
from appwarden.core.history import HistoryStore
from appwarden.core.i18n import Translator
from appwarden.core.policy.loader import load_policies
from appwarden.core.policy.model import Enforcement
from appwarden.core.removal.builder import Host, build_plan
from appwarden.core.removal.recheck import already_done
from appwarden.core.removal.model import StepKind
from appwarden.core.sources.base import LINUX, EvidenceKind, ScanTarget

POLICIES = load_policies()
INSTALLED = "Package: wechat\nStatus: install ok installed\nVersion: 4.0.1.11\nArchitecture: amd64\n\n"
SETTINGS_LEFT = "Package: wechat\nStatus: deinstall ok config-files\nVersion: 4.0.1.11\nArchitecture: amd64\n\n"


def live_tree(tmp_path, status: str = INSTALLED) -> ScanTarget:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/os-release").write_text("ID=debian\n")
    (root / "var/lib/dpkg").mkdir(parents=True)
    (root / "var/lib/dpkg/status").write_text(status)
    (root / "opt/wechat").mkdir(parents=True)
    return ScanTarget(root, LINUX, live=True)


def wechat_plan(target: ScanTarget, tmp_path, *extra: Evidence):
    deb = Evidence("dpkg", EvidenceKind.INSTALLED, "deb", "wechat", "/var/lib/dpkg/status (wechat)", "4.0.1.11", "wechat")
    rule = POLICIES.rule("wechat")
    finding = Finding(rule, POLICIES.directive(rule.directive_id), Enforcement.RECOMMENDED, (deb, *extra))
    host = Host(True, lambda name: name == "apt-get", tmp_path / "home", simulate=lambda argv: "Remv wechat [4.0.1.11]\n")
    return build_plan(finding, target, POLICIES, host)


def step_of(plan, kind: StepKind):
    return next(step for step in plan.steps if step.kind == kind)


def test_a_leftover_already_deleted_is_skipped(tmp_path):
    target = live_tree(tmp_path)
    plan = wechat_plan(target, tmp_path)
    leftover = step_of(plan, StepKind.LEFTOVERS)
    assert already_done(plan, leftover) is None
    (target.root / "opt/wechat").rmdir()
    assert already_done(plan, leftover).render() == "Already gone: /opt/wechat."


def test_a_package_is_gone_once_dpkg_no_longer_lists_it_installed(tmp_path):
    target = live_tree(tmp_path)
    plan = wechat_plan(target, tmp_path)
    uninstall = step_of(plan, StepKind.UNINSTALL)
    assert uninstall.removes_evidence == (("dpkg", "wechat", "installed"),)
    assert already_done(plan, uninstall) is None
    # apt-get remove leaves the settings: the uninstall is done (purging them is another step).
    (target.root / "var/lib/dpkg/status").write_text(SETTINGS_LEFT)
    assert already_done(plan, uninstall).render() == "Already gone: wechat."


def test_a_package_is_not_called_gone_when_dpkg_could_not_be_read(tmp_path):
    target = live_tree(tmp_path)
    plan = wechat_plan(target, tmp_path)
    (target.root / "var/lib/dpkg/status").unlink()
    (target.root / "var/lib/dpkg/status").mkdir()  # unreadable as a file: the source reports a failure
    assert already_done(plan, step_of(plan, StepKind.UNINSTALL)) is None


def test_programs_that_already_quit_are_not_asked_again(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        running = Evidence("processes", EvidenceKind.RUNNING, "process", "wechat", sys.executable, name="python",
                           details=(("pid", str(child.pid)),))
        plan = wechat_plan(live_tree(tmp_path), tmp_path, running)
        quit_step = step_of(plan, StepKind.QUIT)
        quit_step = replace(quit_step, process_names=(_name(child.pid),))
        assert already_done(plan, quit_step) is None
    finally:
        child.kill()
        child.wait()
    assert already_done(plan, quit_step).render() == "None of its programs is running any more."


def _name(pid: int) -> str:
    import psutil

    return psutil.Process(pid).name()


def test_the_terminal_walk_skips_what_is_gone_with_one_line_and_records_it(tmp_path):
    target = live_tree(tmp_path)
    plan = wechat_plan(target, tmp_path)
    (target.root / "opt/wechat").rmdir()
    history = HistoryStore(tmp_path / "history.db")
    out = io.StringIO()
    with redirect_stdout(out):
        PlanWalk(plan, Translator("en"), lambda question: False, False, history, False).run()
    numbered = [line for line in out.getvalue().splitlines() if line.startswith("[")]
    leftover_line = next(line for line in numbered if "/opt/wechat" in line)
    assert leftover_line.endswith("Delete /opt/wechat: Already gone: /opt/wechat.")
    assert ("leftover:/opt/wechat", "finished", "skipped") in {(a.step, a.phase, a.outcome) for a in history.actions("wechat")}
