"""The README's commands are the ones CI runs."""

from __future__ import annotations

import re

from tests.conftest import PROJECT


def readme_commands() -> list[str]:
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = text.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```\n(.+?)\n```", section)


def test_ci_runs_exactly_the_readme_test_command():
    install_and_run, tests = readme_commands()
    assert "appwarden scan" in install_and_run
    assert "pytest" in tests
    ci_lines = (PROJECT / ".ci/run").read_text(encoding="utf-8").splitlines()
    assert tests in ci_lines
