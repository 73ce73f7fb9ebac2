"""A pack may name where its app leaves files, never a folder that is not the app's own."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appwarden.core.cli.main import main
from appwarden.core.policy.loader import load_pack, shipped_pack_paths
from appwarden.core.sources.base import COMPUTER_PLATFORMS, LINUX, MACOS, WINDOWS
from appwarden.core.sources.leftovers import LEFTOVER_BASES, template_parts, template_problem
from tests.conftest import FIXTURES, PROJECT

MINIMAL_PACK = (FIXTURES / "policies/minimal.toml").read_text(encoding="utf-8")
MINIMAL_LEFTOVERS = 'leftovers = { linux = ["{home}/.fakeapp"] }'


def pack_file(tmp_path, leftovers: list[str], platform: str = "linux"):
    """The minimal test pack, its rule `fakeapp` naming `leftovers` on `platform`."""
    path = tmp_path / "hostile.toml"
    items = ", ".join('"' + item.replace("\\", "\\\\") + '"' for item in leftovers)
    path.write_text(MINIMAL_PACK.replace(MINIMAL_LEFTOVERS, f"leftovers = {{ {platform} = [{items}] }}"), encoding="utf-8")
    return path


# The reproductions of the issue, each with the exact sentence `policy check` now gives.
@pytest.mark.parametrize(
    ("leftovers", "sentence"),
    [
        (["etc"], "leftover location 'etc' names a whole folder that many apps share; name the app's own folder below it"),
        (["*"], "leftover location '*' must start with a folder where applications keep files"),
        (["{home}"], "leftover location '{home}' names a whole folder that many apps share; name the app's own folder below it"),
        (["{home}/*"], "leftover location '{home}/*' must name the app's own folder or file below {home} (at least 3 plain characters before any '*')"),
        (["/usr"], "leftover location '/usr' must be relative to the disk (opt/app, {home}/.app), not absolute"),
        (["var"], "leftover location 'var' must start with a folder where applications keep files"),
        (["boot"], "leftover location 'boot' must start with a folder where applications keep files"),
        (["opt/../etc"], "leftover location 'opt/../etc' must not contain '.' or '..'"),
        (["etc/passwd"], "leftover location 'etc/passwd' is, or is inside, the system's own etc/passwd"),
        (["{home}/.ssh"], "leftover location '{home}/.ssh' is, or is inside, the system's own {home}/.ssh"),
        (["opt/{home}"], "leftover location 'opt/{home}' may use a placeholder only as its first component"),
        (["{home}/.config"], "leftover location '{home}/.config' names a whole folder that many apps share; name the app's own folder below it"),
    ],
)
def test_policy_check_rejects_a_pack_that_names_more_than_the_apps_own_files(tmp_path, capsys, leftovers, sentence):
    code = main(["policy", "check", "--no-default-policy", str(pack_file(tmp_path, leftovers))])
    err = capsys.readouterr().err
    assert code == 2
    assert f"rule 'fakeapp': {sentence}" in err


def test_the_reproduced_list_of_system_folders_is_rejected_whole(tmp_path, capsys):
    assert main(["policy", "check", "--no-default-policy", str(pack_file(tmp_path, ["/usr", "var", "boot"]))]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 3


def test_windows_drive_paths_and_placeholders_of_other_systems_are_rejected(tmp_path):
    assert template_problem("C:/Windows", WINDOWS).endswith("not absolute")
    assert template_problem("{app_data}/Microsoft", WINDOWS).startswith("leftover location '{app_data}/Microsoft' names a whole folder")
    assert template_problem("{program_files}/Tencent", LINUX) == (
        "leftover location '{program_files}/Tencent' uses the unknown placeholder {program_files} for linux"
    )


@pytest.mark.parametrize("path", shipped_pack_paths(), ids=lambda p: p.name)
def test_every_shipped_leftover_names_the_apps_own_files(path):
    pack, problems = load_pack(path)
    assert problems == [] and pack.shipped
    templates = [(platform, t) for rule in pack.rules for platform, ts in rule.leftovers.items() for t in ts]
    assert templates and all(template_problem(t, platform) is None for platform, t in templates)


def test_a_copy_of_a_shipped_pack_is_not_shipped(tmp_path):
    copy = tmp_path / "canada.toml"
    copy.write_bytes(shipped_pack_paths()[0].read_bytes())
    pack, problems = load_pack(copy)
    assert problems == [] and not pack.shipped


def test_policy_show_lists_every_leftover_template(capsys):
    assert main(["policy", "show", "ca-gc"]) == 0
    out = capsys.readouterr().out
    assert "  Leftover locations:" in out
    assert "    linux: {home}/.xwechat" in out
    assert "    windows: {program_files_x86}/Tencent/WeChat" in out


def test_a_pack_nested_too_deeply_is_a_sentence(tmp_path, capsys):
    nested = tmp_path / "nested.toml"
    nested.write_text("x = " + "[" * 3000 + "]" * 3000 + "\n")
    assert main(["policy", "check", "--no-default-policy", str(nested)]) == 2
    assert capsys.readouterr().err.strip() == f"{nested}: the pack is nested too deeply to read (arrays or tables inside each other)"


def test_a_fifo_given_as_a_pack_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "pack.toml"
    os.mkfifo(fifo)
    # In a child with a time limit: on a FIFO with no writer, a plain open() would wait forever.
    done = subprocess.run(
        [sys.executable, "-m", "appwarden.core", "policy", "check", "--no-default-policy", str(fifo)],
        capture_output=True, text=True, timeout=60, cwd=PROJECT, env=dict(os.environ, PYTHONPATH=str(PROJECT)),
    )
    assert done.returncode == 2
    assert done.stderr.strip() == f"{fifo}: not a regular file (a pack is a .toml file); not read"


components = st.sampled_from(
    ["{home}", "{app_data}", "{program_files}", "opt", "etc", "usr", "share", ".xwechat", "WeChat", "*", ".*", "x*",
     "..", ".", "Documents", ".config", "Library", "Application Support", "Tencent", "kaspersky", "passwd", ".ssh", ""]
)


@given(st.lists(components, max_size=6).map("/".join), st.sampled_from(sorted(COMPUTER_PLATFORMS)))
def test_an_accepted_template_always_names_something_below_a_known_base(template, platform):
    problem = template_problem(template, platform)
    if problem is not None:
        assert problem.startswith(f"leftover location '{template}'")
        return
    parts = template_parts(template)
    bases = [template_parts(b) for b in LEFTOVER_BASES[platform]]
    fold = (lambda s: s) if platform == LINUX else str.casefold
    below = [b for b in bases if len(parts) > len(b) and [fold(p) for p in parts[: len(b)]] == [fold(p) for p in b]]
    assert below, template
    deepest = max(below, key=len)
    first = parts[len(deepest)]
    assert len(first.split("*")[0]) >= 3 and ".." not in parts and "." not in parts
    assert not any(fold(template) == fold(b) for b in LEFTOVER_BASES[platform])


def test_known_bases_are_one_list_for_every_platform():
    assert set(LEFTOVER_BASES) == COMPUTER_PLATFORMS  # a phone's shared storage gets its own rules
    for platform in (LINUX, MACOS, WINDOWS):
        for base in LEFTOVER_BASES[platform]:
            # A base is never itself acceptable as a leftover: it would be deleted whole.
            assert template_problem(base, platform) is not None, base


@pytest.mark.parametrize(
    ("template", "platform", "sentence"),
    [
        ("usr/lib/python3", LINUX, "must start with a folder where applications keep files"),
        ("var/lib/postgresql", LINUX, "must start with a folder where applications keep files"),
        ("etc/netplan", LINUX, "is, or is inside, the system's own etc/netplan"),
        ("{home}/.mozilla", LINUX, "is, or is inside, the system's own {home}/.mozilla"),
        ("{home}/Doc*", LINUX, "could stand for {home}/Documents, a folder that many apps share"),
        ("{home}/Library/Mail", MACOS, "is, or is inside, the system's own {home}/Library/Mail"),
        ("{home}/AppData/Roaming/Microsoft/Windows", WINDOWS, "is, or is inside, the system's own {app_data}/Microsoft/Windows"),
        ("{program_files}/WINDOW~1", WINDOWS, "has a name Windows reads differently"),
        ("{app_data}/Microsoft/Windows.", WINDOWS, "has a name Windows reads differently"),
        ("opt/fake\b\bx", LINUX, "may use '*' as its only wildcard, and no control or invisible characters"),
        ("opt/wechat\u202e", LINUX, "may use '*' as its only wildcard, and no control or invisible characters"),
    ],
)
def test_what_a_review_found_is_refused(template, platform, sentence):
    assert sentence in template_problem(template, platform)


def test_policy_show_escapes_what_a_pack_wrote(tmp_path, capsys):
    pack = pack_file(tmp_path, ["opt/fakeapp-cache"])
    text = pack.read_text(encoding="utf-8").replace('vendor = "Fake Corp"', 'vendor = "Fake\\u001b[2KCorp"')
    pack.write_text(text, encoding="utf-8")
    assert main(["policy", "show", str(pack)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "Fake\\x1b[2KCorp" in out
