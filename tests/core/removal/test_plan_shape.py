"""The shape of a removal plan built from a real scan: one app, one uninstall step, however many
places the evidence comes from.

The Windows disks are laid out as Windows lays them out, with the real hives from ../shared
(edited with hivexsh): TikTok from the Microsoft Store is found in Program Files\\WindowsApps, in
each user's Packages folder and in each user's registrations (UsrClass.dat).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from appwarden.core.policy.loader import load_policies
from appwarden.core.removal.builder import Host, build_plan
from appwarden.core.removal.model import Actor, RemovalPlan, StepKind
from appwarden.core.scan import run_scan
from appwarden.core.target import make_target
from tests.core.sources.conftest import windows_hives  # noqa: F401 (the fixture: hives built once with hivexsh)
from tests.core.sources.windows.windows_disk import TIKTOK_FAMILY, TIKTOK_FULL, BuiltHives, layout_windows_disk

REMOVE_TIKTOK = ("powershell", "-NoProfile", "-Command", "Remove-AppxPackage", "-Package", TIKTOK_FULL)
SETTINGS = (  # these plans are of a mounted disk: the person does it on that computer
    "Do this on the computer this disk belongs to. "
    "Open Settings > Apps > Installed apps (ms-settings:appsfeatures), find TikTok and choose Uninstall. If Uninstall is "
    "greyed out, ask your help desk; IT staff can use the command shown."
)


def tiktok_plan(root: Path, tmp_path: Path) -> RemovalPlan:
    target = make_target(root)
    policies = load_policies()
    tiktok = next(finding for finding in run_scan(target, policies).findings if finding.rule.id == "tiktok")
    return build_plan(tiktok, target, policies, Host(False, lambda name: False, tmp_path / "home"))


def uninstall_steps(plan: RemovalPlan) -> list[tuple]:
    return [
        (step.id, step.title.render(), step.explanation.render(), step.actor, [command.argv for command in step.commands])
        for step in plan.steps
        if step.kind == StepKind.UNINSTALL
    ]


def add_user_with_tiktok(root: Path, hives: BuiltHives, user: str) -> None:
    """Another account that registered TikTok and has its data folder, as `ana` has."""
    classes = root / "Users" / user / "AppData/Local/Microsoft/Windows/UsrClass.dat"
    classes.parent.mkdir(parents=True)
    shutil.copyfile(hives.ntuser, root / "Users" / user / "NTUSER.DAT")
    shutil.copyfile(hives.usrclass, classes)
    (root / "Users" / user / "AppData/Local/Packages" / TIKTOK_FAMILY / "LocalState").mkdir(parents=True)


@pytest.mark.parametrize("lowercase", [False, True], ids=["as Windows names them", "mounted in lower case"])
def test_a_store_app_found_in_windowsapps_and_in_a_users_folders_gets_one_uninstall_step(windows_hives, tmp_path, lowercase):
    """Mounted in lower case, the disk names WindowsApps' package in lower case and the user's
    registration (in her hive) as Windows does: still one app, one step, named as Windows names it."""
    plan = tiktok_plan(layout_windows_disk(tmp_path / "disk", windows_hives, lowercase=lowercase), tmp_path)
    assert uninstall_steps(plan) == [(
        "uninstall:windows_store:BytedancePte.Ltd.TikTok:ana",
        "Uninstall the Microsoft Store app TikTok",
        SETTINGS,
        Actor.PERSON,
        [REMOVE_TIKTOK],
    )]
    assert (plan.steps[0].kind, plan.steps[-1].kind) == (StepKind.UNINSTALL, StepKind.VERIFY)


def test_every_account_that_has_the_store_app_is_named_in_its_one_step(windows_hives, tmp_path):
    root = layout_windows_disk(tmp_path / "disk", windows_hives)
    add_user_with_tiktok(root, windows_hives, "bob")
    plan = tiktok_plan(root, tmp_path)
    assert uninstall_steps(plan) == [(
        "uninstall:windows_store:BytedancePte.Ltd.TikTok:ana,bob",
        "Uninstall the Microsoft Store app TikTok",
        SETTINGS + " TikTok is installed in 2 accounts (ana, bob): uninstall it in each of them.",
        Actor.PERSON,
        [REMOVE_TIKTOK],
    )]


def test_a_reason_or_the_need_for_an_administrator_said_deep_in_an_explanation_counts_as_said():
    """A disk's step wraps the step's own explanation; front ends still do not repeat what it says."""
    from appwarden.core.messages import Message
    from appwarden.core.removal.model import Actor, RemovalStep, StepKind

    reason = Message.of("{path} is reached through a link", path="/home/bob/Documents")
    inner = Message.of("AppWarden will not delete it: {reason}.", reason=reason)
    wrapped = Message.of("Do this on the computer this disk belongs to. {explanation}", explanation=inner)
    step = RemovalStep("leftover:x", StepKind.LEFTOVERS, Message.of("Delete x"), wrapped, Actor.PERSON, Message.of("x is gone."), refused=reason)
    assert step.explains_refusal and not step.explains_admin_rights
    admin = Message.of("{explanation} It needs administrator rights; you may be asked for your password.", explanation="apt-get removes it.")
    step = RemovalStep("uninstall:x", StepKind.UNINSTALL, Message.of("Uninstall"), Message.of("On that computer: {e}", e=admin),
                       Actor.PERSON, Message.of("gone"), needs_admin=True)
    assert step.explains_admin_rights and not step.explains_refusal
