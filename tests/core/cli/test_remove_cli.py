"""`appwarden remove` in the terminal: a dry run lists the plan once and exits 0, and the steps
shown are numbered one after the other, whichever are skipped."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

from appwarden.core.cli.main import main
from appwarden.core.cli.removal import PlanWalk
from appwarden.core.findings import Evidence, Finding
from appwarden.core.i18n import Translator
from appwarden.core.messages import Message
from appwarden.core.policy.loader import load_policies
from appwarden.core.policy.model import Enforcement
from appwarden.core.removal.builder import Host, build_plan, verify_step
from appwarden.core.removal.model import Actor, Command, RemovalPlan, RemovalStep, StepKind
from appwarden.core.sources.base import LINUX, WINDOWS, EvidenceKind, ScanTarget
from tests.conftest import FIXTURES
from tests.core.sources.conftest import windows_hives  # noqa: F401 (the fixture: hives built once with hivexsh)
from tests.core.sources.windows.windows_disk import layout_windows_disk

POLICIES = load_policies([FIXTURES / "policies/minimal.toml"])
RULE = POLICIES.rule("fakeapp")
ENTRY = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\FakeApp"
UNINSTALL_ENTRY = Evidence(
    "windows_uninstall", EvidenceKind.INSTALLED, "windows_uninstall_name", "Fake App", ENTRY, "1.0", "Fake App",
    (
        ("scope", "machine"),
        ("install_location", r"C:\Program Files\FakeApp"),
        ("quiet_uninstall_string", r'"C:\Program Files\FakeApp\unins000.exe" /SILENT'),
    ),
)
RUNNING = tuple(
    Evidence("processes", EvidenceKind.RUNNING, "process", "fakeapp", r"C:\Program Files\FakeApp\FakeApp.exe", "", "FakeApp.exe",
             (("pid", str(pid)),))
    for pid in (4242, 4243)
)
PACKAGE = Evidence("dpkg", EvidenceKind.INSTALLED, "deb", "fakeapp", "/var/lib/dpkg/status (fakeapp)", "1.0", "fakeapp")
DRY_RUN_END = "\nDry run: nothing was changed. Run without --dry-run to take these steps.\n"


def plan_of(evidence: tuple[Evidence, ...], target: ScanTarget, host: Host) -> RemovalPlan:
    finding = Finding(RULE, POLICIES.directive(RULE.directive_id), Enforcement.RECOMMENDED, evidence)
    return build_plan(finding, target, POLICIES, host)


def walk(plan: RemovalPlan, dry_run: bool, lang: str = "en", answer: bool = False) -> tuple[int, str]:
    """The walk's exit code and what it printed, every question answered with `answer`."""
    out = io.StringIO()
    with redirect_stdout(out):
        code = PlanWalk(plan, Translator(lang), lambda question: answer, dry_run, None, False).run()
    return code, out.getvalue()


def windows_plan(tmp_path: Path, live: bool) -> RemovalPlan:
    """Quit (on the running computer only), the entry's own uninstaller, the restart it may ask for, verify."""
    host = Host(False, lambda name: False, tmp_path / "home")
    evidence = (UNINSTALL_ENTRY, *RUNNING) if live else (UNINSTALL_ENTRY,)
    (tmp_path / "disk").mkdir()
    plan = plan_of(evidence, ScanTarget(tmp_path / "disk", WINDOWS, live=live), host)
    assert [step.kind for step in plan.steps][-2:] == [StepKind.RESTART, StepKind.VERIFY]
    return plan


def test_a_dry_run_lists_the_plan_once_without_the_restart_no_uninstaller_asked_for_and_exits_0(tmp_path):
    code, out = walk(windows_plan(tmp_path, live=True), dry_run=True)
    assert out == (
        "Removal plan for Fake App: 3 steps.\n"
        "\n[1/3] Quit the app\n"
        "  2 of its programs are running (FakeApp.exe). AppWarden asks them to close, waits 5 seconds, then stops any that"
        " are still running. Save your work in the app first.\n"
        "    ask programs 4242 4243 to close, and stop those still running after 5 seconds\n"
        "\n[2/3] Uninstall Fake App with its own uninstaller\n"
        "  AppWarden starts the uninstaller that Fake App registered with Windows. Follow its windows until it says it is done.\n"
        "  Needs administrator rights.\n"
        "    $ 'C:\\Program Files\\FakeApp\\unins000.exe' /SILENT\n"
        "\n[3/3] Check that the app is gone\n"
        "  AppWarden reads the places where it found the app again: Running programs, Windows installed programs.\n"
        + DRY_RUN_END
    )
    assert code == 0


def test_a_dry_run_ends_with_its_sentence_in_french(tmp_path):
    code, out = walk(windows_plan(tmp_path, live=True), dry_run=True, lang="fr")
    assert out.startswith("Plan de retrait de Fausse appli : 3 étapes.\n\n[1/3] Quitter l’application\n")
    assert out.endswith("\nEssai à blanc : rien n’a été modifié. Relancez sans --dry-run pour effectuer ces étapes.\n")
    assert code == 0


def test_administrator_rights_are_said_once_when_the_explanation_already_says_so(tmp_path):
    host = Host(False, lambda name: name in ("apt-get", "pkexec"), tmp_path / "home", simulate=lambda argv: "Remv fakeapp [1.0]\n")
    code, out = walk(plan_of((PACKAGE,), ScanTarget(tmp_path / "disk", LINUX, live=True), host), dry_run=True)
    assert out == (
        "Removal plan for Fake App: 2 steps.\n"
        "\n[1/2] Uninstall the fakeapp package\n"
        "  The system's package manager (apt-get) removes the package. It needs administrator rights; you may be asked for"
        " your password.\n"
        "    $ pkexec apt-get remove -y -o APT::Get::AutomaticRemove=false fakeapp\n"
        "\n[2/2] Check that the app is gone\n"
        "  AppWarden reads the places where it found the app again: Debian packages.\n"
        + DRY_RUN_END
    )
    assert code == 0


def test_a_restart_no_uninstaller_asked_for_keeps_its_number_with_a_line(tmp_path):
    """On a mounted disk every step is the person's: nothing runs, so nothing asks for a restart."""
    code, out = walk(windows_plan(tmp_path, live=False), dry_run=False)
    headings = [line for line in out.splitlines() if line.startswith("[")]
    assert headings == [
        "[1/3] Uninstall Fake App with its own uninstaller",
        "[2/3] Restart the computer: not needed, no uninstaller asked for it.",
        "[3/3] Check that the app is gone",
    ]
    assert code == 0  # the empty disk holds no Fake App


def test_the_steps_after_one_that_failed_keep_their_numbers_with_a_line(tmp_path):
    (tmp_path / "disk").mkdir()
    target = ScanTarget(tmp_path / "disk", LINUX, live=True)
    fails = RemovalStep(  # `false` stands for an uninstaller that fails
        "uninstall:test", StepKind.UNINSTALL, Message.of("Uninstall the app"), Message.of("Uninstall the app"),
        Actor.APPWARDEN, Message.of("AppWarden no longer finds the app."), commands=(Command(("false",)),),
    )
    leftover = RemovalStep(
        "leftover:/opt/fakeapp", StepKind.LEFTOVERS, Message.of("Delete {path}", path="/opt/fakeapp"),
        Message.of("Delete {path}", path="/opt/fakeapp"), Actor.PERSON, Message.of("{path} is gone.", path="/opt/fakeapp"),
    )
    check = verify_step(Finding(RULE, POLICIES.directive(RULE.directive_id), Enforcement.RECOMMENDED, (PACKAGE,)))
    plan = RemovalPlan(RULE.id, RULE.name, LINUX, (fails, leftover, check), target, POLICIES)
    code, out = walk(plan, dry_run=False, answer=True)
    headings = [line for line in out.splitlines() if line.startswith("[")]
    assert headings == [
        "[1/3] Uninstall the app",
        "[2/3] Delete /opt/fakeapp: not taken, because an earlier step did not work.",
        "[3/3] Check that the app is gone",
    ]
    assert "  Result: failed\n" in out
    assert code == 0  # the empty disk has no dpkg status that names fakeapp


def test_remove_dry_run_on_a_windows_disk_lists_one_tiktok_uninstall_and_no_verdict(windows_hives, tmp_path, capsys):
    disk = layout_windows_disk(tmp_path / "disk", windows_hives)
    assert main(["remove", "tiktok", "--root", str(disk), "--dry-run"]) == 0
    out = capsys.readouterr().out
    headings = [line for line in out.splitlines() if line.startswith("[")]
    assert headings == [
        "[1/6] Uninstall the Microsoft Store app TikTok",
        r"[2/6] Delete C:\Program Files\WindowsApps\BytedancePte.Ltd.TikTok_37.4.1.0_neutral_split.scale-125_6yccndn6064se",
        r"[3/6] Delete C:\Program Files\WindowsApps\BytedancePte.Ltd.TikTok_37.4.1.0_neutral_~_6yccndn6064se",
        r"[4/6] Delete C:\Program Files\WindowsApps\BytedancePte.Ltd.TikTok_37.4.1.0_x64__6yccndn6064se",
        r"[5/6] Delete C:\Users\ana\AppData\Local\Packages\BytedancePte.Ltd.TikTok_6yccndn6064se",
        "[6/6] Check that the app is gone",
    ]
    assert out.startswith("Removal plan for TikTok: 6 steps.\n")
    assert out.endswith("  AppWarden reads the places where it found the app again: Leftover files, Microsoft Store apps.\n" + DRY_RUN_END)
    assert "Result:" not in out and "still" not in out
