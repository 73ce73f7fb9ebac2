"""One list of the Debian packages the tests use, `tests/debian-packages.txt`: `.ci/run` installs it and
the README shows it, in the same order."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess

from tests.conftest import PROJECT
from tests.core.test_readme import readme_commands

LIST = PROJECT / "tests/debian-packages.txt"
README_LIST = re.compile(r"listed in `tests/debian-packages\.txt`:((?:\s*`[^`]+`,?)+)")
DEBIAN_NAME = re.compile(r"[a-z0-9][a-z0-9+.-]+")
RECORDING_APT_GET = '#!/bin/sh\nprintf "%s\\n" "$*" >> "$(dirname "$0")/calls"\n'


def listed_packages() -> list[str]:
    return [line for line in LIST.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]


def test_the_list_holds_package_names_each_under_a_comment():
    lines = LIST.read_text(encoding="utf-8").splitlines()
    packages = listed_packages()
    assert packages and len(set(packages)) == len(packages)
    assert [name for name in packages if not DEBIAN_NAME.fullmatch(name)] == []
    starts_of_groups = [n for n, line in enumerate(lines) if line in packages and (n == 0 or lines[n - 1] not in packages)]
    assert [lines[n] for n in starts_of_groups if n == 0 or not lines[n - 1].startswith("# ")] == []


def test_the_readme_lists_the_same_packages_in_the_same_order():
    found = README_LIST.findall((PROJECT / "README.md").read_text(encoding="utf-8"))
    assert len(found) == 1, "README.md: one sentence ending 'listed in `tests/debian-packages.txt`: `rpm`, `...`, ...'"
    assert re.findall(r"`([^`]+)`", found[0]) == listed_packages()


def test_ci_installs_exactly_the_listed_packages(tmp_path):
    """`.ci/run` up to the README's test command, with an `apt-get` that only records how it was called."""
    tests_command = readme_commands()[1]
    script = (PROJECT / ".ci/run").read_text(encoding="utf-8").split(tests_command, 1)[0]
    (tmp_path / ".ci").mkdir()
    (tmp_path / ".ci/run").write_text(script, encoding="utf-8")
    (tmp_path / "tests").mkdir()
    shutil.copy(LIST, tmp_path / "tests/debian-packages.txt")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin/apt-get").write_text(RECORDING_APT_GET, encoding="utf-8")
    (tmp_path / "bin/apt-get").chmod(0o755)
    path = f"{tmp_path / 'bin'}:/usr/bin:/bin"
    subprocess.run(["bash", str(tmp_path / ".ci/run")], env={"PATH": path}, check=True, timeout=60)
    calls = (tmp_path / "bin/calls").read_text(encoding="utf-8").splitlines()
    install = [call.split() for call in calls if call.startswith("install ")]
    assert len(install) == 1
    assert [word for word in install[0][1:] if not word.startswith("-")] == listed_packages()


def test_the_pdf_tests_say_which_package_they_skip_without():
    tree = ast.parse((PROJECT / "tests/gui/test_export.py").read_text(encoding="utf-8"))
    reasons = [keyword.value.value for node in ast.walk(tree) if isinstance(node, ast.Call)
               for keyword in node.keywords if keyword.arg == "reason" and isinstance(keyword.value, ast.Constant)]
    assert reasons == [
        "pdftotext is not installed (Debian package poppler-utils, listed in tests/debian-packages.txt), "
        "so the exported PDF's text cannot be read back"
    ]
    assert "poppler-utils" in listed_packages()
