"""A package removal shows every package it removes, and removes no other.

Real packages on this machine: two throwaway .debs, one depending on the other, installed with
dpkg, removed by AppWarden through the real apt-get, and purged afterwards whatever happens.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.findings import Evidence, Finding
from appwarden.core.messages import Message
from appwarden.core.policy.loader import load_policies
from appwarden.core.policy.model import Enforcement
from appwarden.core.removal.builder import APT_OPTIONS, Host, apt_removals, build_plan
from appwarden.core.removal.executor import OutcomeStatus, run_step
from appwarden.core.sources.base import LINUX, EvidenceKind, ScanTarget
from tests.conftest import FIXTURES

BASE, NEEDS_BASE = "appwarden-test-base", "appwarden-test-needs-base"
REAL_APT = pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(tool) for tool in ("dpkg", "dpkg-deb", "apt-get")),
    reason="installing and removing real .deb packages needs root, dpkg and apt-get",
)


def build_deb(tmp_path: Path, name: str, depends: str = "") -> Path:
    package = tmp_path / name
    (package / "DEBIAN").mkdir(parents=True)
    (package / f"opt/{name}").mkdir(parents=True)
    (package / f"opt/{name}/README").write_text("AppWarden test package; safe to remove.\n")
    control = f"Package: {name}\nVersion: 1.0\nArchitecture: all\nMaintainer: AppWarden tests <tests@appwarden.invalid>\n"
    control += f"Depends: {depends}\n" if depends else ""
    (package / "DEBIAN/control").write_text(control + "Description: throwaway package for AppWarden's tests\n")
    deb = tmp_path / f"{name}.deb"
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(package), str(deb)], check=True, capture_output=True)
    return deb


def installed(name: str) -> bool:
    done = subprocess.run(["dpkg-query", "-W", "-f", "${db:Status-Status}", name], capture_output=True, text=True)
    return done.returncode == 0 and done.stdout == "installed"


@pytest.fixture
def throwaway_packages(tmp_path):
    if installed(BASE) or installed(NEEDS_BASE):
        pytest.skip("the throwaway packages are already installed here; the test will not touch them")
    debs = {BASE: build_deb(tmp_path, BASE), NEEDS_BASE: build_deb(tmp_path, NEEDS_BASE, depends=BASE)}
    yield lambda name: subprocess.run(["dpkg", "-i", str(debs[name])], check=True, capture_output=True)
    subprocess.run(["dpkg", "--purge", NEEDS_BASE, BASE], capture_output=True)


def base_package_plan():
    policies = load_policies([FIXTURES / "policies/minimal.toml"])
    rule = policies.rule("fakeapp")
    evidence = Evidence("dpkg", EvidenceKind.INSTALLED, "deb", BASE, f"/var/lib/dpkg/status ({BASE})", "1.0", BASE)
    finding = Finding(rule, policies.directive(rule.directive_id), Enforcement.RECOMMENDED, (evidence,))
    return build_plan(finding, ScanTarget(Path("/"), LINUX, live=True), policies, Host.this_computer())


@REAL_APT
def test_a_package_others_need_shows_them_and_removes_exactly_those(throwaway_packages):
    throwaway_packages(BASE)
    throwaway_packages(NEEDS_BASE)
    plan = base_package_plan()
    step = plan.step(f"uninstall:dpkg:{BASE}")
    assert [c.argv for c in step.commands] == [("apt-get", "remove", "-y", *APT_OPTIONS, BASE, NEEDS_BASE)]
    assert step.explanation.render().endswith(
        f"Other packages need {BASE}, so apt-get removes them too: {NEEDS_BASE}. Confirm only if none of them is needed."
    )
    outcome = run_step(plan, step, confirm=lambda s: True)
    assert outcome.status == OutcomeStatus.DONE, outcome.output
    assert not installed(BASE) and not installed(NEEDS_BASE)


@REAL_APT
def test_a_package_that_came_to_need_it_after_the_plan_stops_the_step(throwaway_packages):
    throwaway_packages(BASE)
    plan = base_package_plan()
    step = plan.step(f"uninstall:dpkg:{BASE}")
    assert [c.argv for c in step.commands] == [("apt-get", "remove", "-y", *APT_OPTIONS, BASE)]
    throwaway_packages(NEEDS_BASE)  # installed after the person saw the plan
    outcome = run_step(plan, step, confirm=lambda s: True)
    assert outcome.status == OutcomeStatus.FAILED
    assert (
        f"the package manager would now remove {BASE}, {NEEDS_BASE}, not what the plan showed ({BASE}); nothing was removed"
        in outcome.next.render()
    )
    assert installed(BASE) and installed(NEEDS_BASE)


def test_apt_simulation_lines_give_the_asked_package_first():
    simulated = "NOTE: This is only a simulation!\nRemv wechat-plugin [1.0]\nRemv wechat:amd64 [4.0]\n"
    assert apt_removals(simulated, "wechat") == ("wechat", "wechat-plugin")
    assert apt_removals(None, "wechat") == Message.of("apt-get could not say which packages it would remove")


def test_a_simulation_that_does_not_remove_the_asked_package_is_refused():
    # With APT::Get::AutomaticRemove=true and wechat already gone, apt-get lists only what it
    # would clean up: running that would remove a package the step is not about.
    assert apt_removals("Remv libleft [1.0]\n", "wechat") == Message.of(
        "apt-get would not remove {package}; the package may already be gone", package="wechat"
    )


def test_a_simulation_that_would_install_something_is_refused():
    simulated = "Remv wechat [4.0]\nInst wechat-replacement (1.0 Debian:12/stable [all])\n"
    assert apt_removals(simulated, "wechat") == Message.of("apt-get would also install {packages}", packages="wechat-replacement")


@given(st.text(), st.text(min_size=1, max_size=20))
def test_any_simulation_output_gives_package_names_or_a_reason(output, asked):
    result = apt_removals(output, asked)
    if isinstance(result, Message):
        return
    assert result[0] == asked
    assert len(set(result)) == len(result)
    lines = [line.split()[1].split(":", 1)[0] for line in output.splitlines() if line.startswith("Remv ") and len(line.split()) > 1]
    assert set(result) <= set(lines)
    assert not any(line.startswith("Inst ") for line in output.splitlines())
