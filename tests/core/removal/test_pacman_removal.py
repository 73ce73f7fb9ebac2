"""Removing an Arch package: the plan names the package, never the file it matched on, with
`pacman -R`, which removes only that package and refuses while another needs it. The refusal is
shown by the real pacman on a throwaway root (--root), never on this machine."""

from __future__ import annotations

from pathlib import Path

from appwarden.core.findings import Evidence, Finding
from appwarden.core.policy.loader import load_policies
from appwarden.core.policy.model import Enforcement
from appwarden.core.removal.builder import Host, build_plan
from appwarden.core.sources.base import LINUX, EvidenceKind, ScanTarget
from tests.core.sources.linux.pacman_roots import build_package, pacman_in, pacman_install, require_pacman

POLICIES = load_policies()
REPACK = Evidence("pacman", EvidenceKind.INSTALLED, "executable", "/opt/wechat/wechat",
                  "/var/lib/pacman/local/my-weixin-4.0-1 (my-weixin)", "4.0-1", "my-weixin")


def uninstall_argv(host: Host) -> tuple[str, ...]:
    rule = POLICIES.rule("wechat")
    finding = Finding(rule, POLICIES.directive(rule.directive_id), Enforcement.RECOMMENDED, (REPACK,))
    plan = build_plan(finding, ScanTarget(Path("/"), LINUX, live=True), POLICIES, host)
    (step,) = [step for step in plan.steps if step.id.startswith("uninstall:")]
    assert step.id == "uninstall:pacman:my-weixin"
    (command,) = step.commands
    return command.argv


def test_the_package_is_named_not_the_file_it_matched_on(tmp_path):
    assert uninstall_argv(Host(True, lambda name: True, tmp_path)) == ("pacman", "-R", "--noconfirm", "my-weixin")
    assert uninstall_argv(Host(False, lambda name: name == "pkexec", tmp_path)) == ("pkexec", "pacman", "-R", "--noconfirm", "my-weixin")
    assert uninstall_argv(Host(False, lambda name: False, tmp_path)) == ("sudo", "pacman", "-R", "--noconfirm", "my-weixin")


def test_pacman_r_removes_only_its_package_and_refuses_one_another_needs(tmp_path):
    require_pacman()
    root = tmp_path / "root"
    root.mkdir()
    weixin = build_package(tmp_path, "my-weixin", "4.0-1", {"opt/wechat/wechat": b"x"})
    helper = build_package(tmp_path, "weixin-helper", "1.0-1", {"opt/helper/run": b"x"}, depends=("my-weixin",))
    other = build_package(tmp_path, "vim", "9.1-1", {"usr/bin/vim": b"x"})
    pacman_install(root, weixin, helper, other)
    refused = pacman_in(root, "-R", "--noconfirm", "my-weixin")  # the plan's own arguments
    assert refused.returncode != 0 and "required by weixin-helper" in refused.stdout + refused.stderr
    assert (root / "opt/wechat/wechat").exists()
    assert pacman_in(root, "-R", "--noconfirm", "weixin-helper").returncode == 0
    assert pacman_in(root, "-R", "--noconfirm", "my-weixin").returncode == 0
    assert not (root / "opt/wechat/wechat").exists()
    assert (root / "usr/bin/vim").exists()  # what it was not asked to remove stays
