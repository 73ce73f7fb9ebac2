"""Deletion never touches what the plan did not show: no link is followed, a swapped folder is
refused, homes and system folders are never deleted, and a tree too deep to walk stops with a
sentence while the plan goes on to verification.

Tests that delete on the running system run in a private mount namespace (tests/sandbox.py):
a tmpfs over /home, everything else read-only.
"""

from __future__ import annotations

import io
import os
import textwrap
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from appwarden.core.findings import Evidence, Finding
from appwarden.core.i18n import Translator
from appwarden.core.policy.loader import load_policies
from appwarden.core.policy.model import Enforcement
from appwarden.core.removal.builder import Host, build_plan
from appwarden.core.removal.deletion import DeletionRefused, Identity, inspect, protected_places
from appwarden.core.removal.executor import OutcomeStatus, delete_path, run_step
from appwarden.core.removal.model import Actor, FileAction, LeftoverPath, StepKind
from appwarden.core.sources.base import LINUX, EvidenceKind, ScanTarget
from tests.conftest import FIXTURES
from tests.sandbox import run_in_sandbox

POLICIES = load_policies()


def wechat_leftover(location: str) -> Finding:
    rule = POLICIES.rule("wechat")
    evidence = Evidence("leftovers", EvidenceKind.LEFTOVER, "leftover", "wechat:{home}/.xwechat", location)
    return Finding(rule, POLICIES.directive(rule.directive_id), Enforcement.RECOMMENDED, (evidence,))


def plan_for(root: Path, finding: Finding):
    host = Host(True, lambda name: False, root / "home/ana")
    return build_plan(finding, ScanTarget(root, LINUX, live=True), POLICIES, host)


def leftover_step(plan, shown: str):
    return next(step for step in plan.steps if step.kind == StepKind.LEFTOVERS and step.paths[0].shown == shown)


def two_users(tmp_path: Path) -> Path:
    root = tmp_path / "disk"
    for user in ("alice", "mallory"):
        chats = root / "home" / user / "Documents/xwechat_files"
        chats.mkdir(parents=True)
        (chats / "chat.db").write_text(f"{user}'s chats")
    return root


def test_a_folder_swapped_for_a_link_after_the_plan_is_not_followed(tmp_path):
    root = two_users(tmp_path)
    plan = plan_for(root, wechat_leftover("/home/mallory/Documents/xwechat_files"))
    step = leftover_step(plan, "/home/mallory/Documents/xwechat_files")
    assert (step.actor, step.file_action, step.paths[0].size_bytes) == (Actor.APPWARDEN, FileAction.DELETE, 15)
    # After the help desk saw the plan, Mallory swaps her Documents for a link to Alice's.
    (root / "home/mallory/Documents").rename(root / "home/mallory/Documents.old")
    (root / "home/mallory/Documents").symlink_to(root / "home/alice/Documents")
    outcome = run_step(plan, step, confirm=lambda s: True)
    assert outcome.status == OutcomeStatus.FAILED
    assert (root / "home/alice/Documents/xwechat_files/chat.db").read_text() == "alice's chats"
    assert "is a link to another place, and AppWarden never deletes through a link" in outcome.next.render()


def test_a_folder_replaced_by_another_after_the_plan_is_refused(tmp_path):
    root = two_users(tmp_path)
    plan = plan_for(root, wechat_leftover("/home/mallory/Documents/xwechat_files"))
    step = leftover_step(plan, "/home/mallory/Documents/xwechat_files")
    folder = root / "home/mallory/Documents/xwechat_files"
    folder.rename(root / "home/mallory/Documents/kept")
    folder.mkdir()
    (folder / "other.txt").write_text("not what the plan showed")
    outcome = run_step(plan, step, confirm=lambda s: True)
    assert outcome.status == OutcomeStatus.FAILED
    assert "it was replaced by something else after the plan was made, so nothing was deleted" in outcome.next.render()
    assert (folder / "other.txt").exists()


def test_a_leftover_reached_through_a_link_on_the_running_system_is_refused_at_plan_time():
    """Mallory makes ~mallory/Documents -> /home/alice/Documents; the help desk confirms only
    Mallory's xwechat_files. Run for real on the running system, inside the sandbox."""
    done = run_in_sandbox(textwrap.dedent(
        """
        import os, json
        from pathlib import Path
        os.makedirs("/home/alice/Documents/xwechat_files")
        Path("/home/alice/Documents/xwechat_files/chat.db").write_text("alice's chats")
        os.makedirs("/home/mallory/.xwechat")
        os.symlink("/home/alice/Documents", "/home/mallory/Documents")
        from appwarden.core.policy.loader import load_policies
        from appwarden.core.removal.builder import build_plan
        from appwarden.core.removal.executor import run_step
        from appwarden.core.scan import run_scan
        from appwarden.core.target import make_target
        target = make_target(None)
        policies = load_policies()
        finding = next(f for f in run_scan(target, policies).findings if f.rule.id == "wechat")
        plan = build_plan(finding, target, policies)
        steps = {}
        for step in plan.steps:
            if step.kind == "leftovers":
                shown = step.paths[0].shown
                confirm = shown.startswith("/home/mallory/")
                outcome = run_step(plan, step, confirm=lambda s, c=confirm: c)
                steps[shown] = [str(step.actor), str(outcome.status), step.refused.render() if step.refused else ""]
        print(json.dumps({"steps": steps, "alice": os.path.exists("/home/alice/Documents/xwechat_files/chat.db"),
                          "mallory": os.path.exists("/home/mallory/.xwechat")}))
        """
    ))
    assert done.returncode == 0, done.stderr
    result = __import__("json").loads(done.stdout.strip().splitlines()[-1])
    assert result["alice"] is True and result["mallory"] is False
    mallory_documents = result["steps"]["/home/mallory/Documents/xwechat_files"]
    assert mallory_documents[:2] == ["person", "person"]
    assert mallory_documents[2].startswith("/home/mallory/Documents is a link to another place, and AppWarden never deletes through a link")
    assert result["steps"]["/home/mallory/.xwechat"][:2] == ["appwarden", "done"]


def _nest(folder: Path, depth: int) -> None:
    """A chain of `depth` folders, made through descriptors (the whole path is longer than PATH_MAX)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        with open(os.open("deepest.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as handle:
            handle.write("x")
    finally:
        os.close(fd)


def _unnest(folder: Path) -> None:
    """Take a chain made by _nest apart one level at a time, with short paths (pytest's own
    clean-up of old temporary folders would recurse too deep on it)."""
    while (folder / "d").is_dir():
        os.rename(folder / "d", folder / "up")
        for name in os.listdir(folder / "up"):
            os.rename(folder / "up" / name, folder / name)
        os.rmdir(folder / "up")


def test_a_tree_too_deep_to_delete_is_a_sentence_and_the_plan_goes_on_to_verification(tmp_path):
    from appwarden.core.cli.removal import PlanWalk

    root = tmp_path / "disk"
    (root / "home/ana/.xwechat").mkdir(parents=True)
    _nest(root / "home/ana/.xwechat", 2000)
    plan = plan_for(root, wechat_leftover("/home/ana/.xwechat"))
    out = io.StringIO()
    try:
        with redirect_stdout(out):
            code = PlanWalk(plan, Translator("en"), lambda question: True, False, None, False).run()
    finally:
        _unnest(root / "home/ana/.xwechat")
    text = out.getvalue()
    assert "it holds folders nested more than 256 levels deep; AppWarden deleted what it could reach" in text
    assert "Check that the app is gone" in text  # the verification still ran
    assert "still there: /home/ana/.xwechat (Leftover files)" in text
    assert code == 0  # the app itself is gone; its leftover is listed as still there
    assert (root / "home/ana/.xwechat").is_dir()


def test_homes_and_their_parents_are_refused_whatever_the_plan_says(tmp_path):
    root = tmp_path / "disk"
    (root / "home/ana/Documents").mkdir(parents=True)
    (root / "opt/wechat").mkdir(parents=True)
    target = ScanTarget(root, LINUX, live=True)
    protected = protected_places(target)
    for base, real in ((root / "home", root / "home/ana"), (root, root / "home"), (root / "home/ana", root / "home/ana/Documents"), (root, root / "opt")):
        seen = inspect(base, real)
        path = LeftoverPath(str(real), real, 0, base=base, identity=seen.identity)
        with pytest.raises(DeletionRefused):
            delete_path(path, protected)
        assert real.is_dir()
    wechat = LeftoverPath("/opt/wechat", root / "opt/wechat", 0, base=root / "opt", identity=inspect(root / "opt", root / "opt/wechat").identity)
    assert delete_path(wechat, protected) == "/opt/wechat: deleted"


def test_a_path_with_no_base_or_outside_its_base_is_never_deleted(tmp_path):
    (tmp_path / "a").mkdir()
    with pytest.raises(DeletionRefused):
        delete_path(LeftoverPath("/a", tmp_path / "a", 0))
    assert inspect(tmp_path / "b", tmp_path / "a").refusal.template == "{path} is not inside {base}"
    assert (tmp_path / "a").is_dir()


def test_links_inside_a_deleted_folder_are_removed_not_followed(tmp_path):
    root = tmp_path / "disk"
    (root / "home/ana/.xwechat/cache").mkdir(parents=True)
    (root / "keep").mkdir()
    (root / "keep/precious.txt").write_text("keep me")
    (root / "home/ana/.xwechat/cache/link").symlink_to(root / "keep")
    (root / "home/ana/.xwechat/file-link").symlink_to(root / "keep/precious.txt")
    plan = plan_for(root, wechat_leftover("/home/ana/.xwechat"))
    outcome = run_step(plan, leftover_step(plan, "/home/ana/.xwechat"), confirm=lambda s: True)
    assert outcome.status == OutcomeStatus.DONE
    assert not os.path.lexists(root / "home/ana/.xwechat")
    assert (root / "keep/precious.txt").read_text() == "keep me"


def test_identity_is_the_device_and_inode_shown_in_the_plan(tmp_path):
    (tmp_path / "home/ana/.xwechat").mkdir(parents=True)
    info = os.stat(tmp_path / "home/ana/.xwechat")
    assert inspect(tmp_path / "home/ana", tmp_path / "home/ana/.xwechat").identity == Identity(info.st_dev, info.st_ino, True)


HOSTILE = (FIXTURES / "policies/minimal.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("leftovers", [["{home}"], ["{home}/*"], ["etc"], ["*"]])
def test_a_hostile_pack_cannot_make_remove_yes_delete_homes(leftovers):
    """The issue's reproduction, run for real in the sandbox: on the unfixed code it deleted every
    home in the tmpfs (and tried /etc, which is read-only here)."""
    items = ", ".join(f'"{item}"' for item in leftovers)
    pack = HOSTILE.replace('leftovers = { linux = ["{home}/.fakeapp"] }', f"leftovers = {{ linux = [{items}] }}")
    done = run_in_sandbox(textwrap.dedent(
        f"""
        import os, sys
        from pathlib import Path
        for user in ("alice", "mallory"):
            os.makedirs(f"/home/{{user}}/Documents")
            Path(f"/home/{{user}}/Documents/thesis.txt").write_text("years of work")
        Path("/home/hostile.toml").write_text({pack!r})
        from appwarden.core.cli.main import main
        code = main(["remove", "fakeapp", "--yes", "--policy", "/home/hostile.toml"])
        print("exit", code, "alice", os.path.exists("/home/alice/Documents/thesis.txt"),
              "mallory", os.path.exists("/home/mallory/Documents/thesis.txt"))
        """
    ))
    assert done.stdout.strip().splitlines()[-1] == "exit 2 alice True mallory True", done.stdout + done.stderr
    assert "rule 'fakeapp': leftover location" in done.stderr


def test_yes_does_not_cover_leftovers_from_a_pack_appwarden_does_not_ship():
    done = run_in_sandbox(textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        os.makedirs("/home/ana/.fakeapp")
        Path("/home/ana/.fakeapp/data").write_text("data")
        Path("/home/pack.toml").write_text({HOSTILE!r})
        from appwarden.core.cli.main import main
        code = main(["remove", "fakeapp", "--yes", "--policy", "/home/pack.toml"])
        print("exit", code, "kept", os.path.exists("/home/ana/.fakeapp/data"))
        """
    ))
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "exit 0 kept True", done.stdout + done.stderr
    assert "  --yes does not cover this step: it comes from a policy pack that AppWarden does not ship. Confirm it on its own." in lines
    assert "  Result: not taken" in lines


def test_a_bind_mount_inside_a_leftover_is_never_entered():
    """A bind mount of the same disk has the same device number; the mount table tells it."""
    done = run_in_sandbox(textwrap.dedent(
        """
        import os, subprocess
        from pathlib import Path
        os.makedirs("/home/ana/.xwechat/linked")
        os.makedirs("/home/keep")
        Path("/home/keep/precious").write_text("keep me")
        subprocess.run(["mount", "--bind", "/home/keep", "/home/ana/.xwechat/linked"], check=True)
        from appwarden.core.removal.deletion import DeletionRefused, inspect
        from appwarden.core.removal.executor import delete_path
        from appwarden.core.removal.model import LeftoverPath
        base, real = Path("/home/ana"), Path("/home/ana/.xwechat")
        path = LeftoverPath("/home/ana/.xwechat", real, 0, base=base, identity=inspect(base, real).identity)
        try:
            delete_path(path)
        except DeletionRefused as refused:
            print("refused:", refused.reason.render())
        print("kept", Path("/home/keep/precious").exists())
        """
    ))
    lines = done.stdout.strip().splitlines()
    assert lines == [
        "refused: another disk is mounted inside it (/home/ana/.xwechat/linked); AppWarden does not delete across disks",
        "kept True",
    ], done.stdout + done.stderr


def test_every_step_of_a_rule_from_a_pack_appwarden_does_not_ship_is_confirmed_alone(tmp_path):
    policies = load_policies([FIXTURES / "policies/minimal.toml"])
    rule = policies.rule("fakeapp")
    evidence = (
        Evidence("processes", EvidenceKind.RUNNING, "process", "fakeapp", "pid 1", name="fakeapp", details=(("pid", "1"),)),
        Evidence("dpkg", EvidenceKind.INSTALLED, "deb", "fakeapp", "/var/lib/dpkg/status (fakeapp)"),
    )
    finding = Finding(rule, policies.directive(rule.directive_id), Enforcement.RECOMMENDED, evidence)
    host = Host(True, lambda name: name == "apt-get", tmp_path, simulate=lambda argv: "Remv fakeapp [1]\n")
    plan = build_plan(finding, ScanTarget(tmp_path, LINUX, live=True), policies, host)
    assert [(s.id, s.confirm_alone) for s in plan.steps] == [
        ("quit", True), ("uninstall:dpkg:fakeapp", True), ("verify", False),
    ]
    shipped = plan_for(tmp_path, wechat_leftover("/home/ana/.xwechat"))
    assert not any(step.confirm_alone for step in shipped.steps)


def test_a_path_that_was_missing_when_the_plan_was_made_is_not_deleted_later(tmp_path):
    root = tmp_path / "disk"
    (root / "home/ana/Applications").mkdir(parents=True)
    rule = POLICIES.rule("wechat")
    evidence = Evidence("appimage", EvidenceKind.INSTALLED, "appimage", "WeChatLinux", "/home/ana/Applications/WeChatLinux.AppImage")
    plan = plan_for(root, Finding(rule, POLICIES.directive(rule.directive_id), Enforcement.RECOMMENDED, (evidence,)))
    step = plan.steps[0]
    assert (step.id, step.paths[0].identity) == ("uninstall:appimage:/home/ana/Applications/WeChatLinux.AppImage", None)
    (root / "home/ana/Applications/WeChatLinux.AppImage/data").mkdir(parents=True)  # appears after the plan
    outcome = run_step(plan, step, confirm=lambda s: True)
    assert outcome.status == OutcomeStatus.FAILED
    assert "it was not there when the plan was made, so nothing was deleted" in outcome.next.render()
    assert (root / "home/ana/Applications/WeChatLinux.AppImage/data").is_dir()


def test_refused_inspections_leave_no_descriptor_open(tmp_path):
    root = two_users(tmp_path)
    (root / "home/mallory/Documents").rename(root / "home/mallory/Documents.old")
    (root / "home/mallory/Documents").symlink_to(root / "home/alice/Documents")
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(200):
        assert inspect(root / "home/mallory", root / "home/mallory/Documents/xwechat_files").refusal is not None
    assert len(os.listdir("/proc/self/fd")) == before


def test_a_plan_lists_the_homes_a_fixed_number_of_times_however_many_there_are(tmp_path, monkeypatch):
    root = tmp_path / "disk"
    for number in range(60):
        (root / f"home/user{number}/.xwechat").mkdir(parents=True)
    calls = []
    listing = ScanTarget.user_homes
    monkeypatch.setattr(ScanTarget, "user_homes", lambda self, log: calls.append(1) or listing(self, log))
    plan = plan_for(root, wechat_leftover("/home/user0/.xwechat"))
    assert sum(step.kind == StepKind.LEFTOVERS for step in plan.steps) == 60
    assert len(calls) <= 12  # once per leftover template and a few for the plan, never once per home
