"""Policy packs: valid packs load; every kind of broken pack gets one clear message per problem."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appwarden.core.errors import PolicyError
from appwarden.core.policy.loader import load_pack, load_policies
from appwarden.core.policy.model import Enforcement, PolicySet, StepTiming
from tests.conftest import FIXTURES, PROJECT, cli_environment

MINIMAL = FIXTURES / "policies" / "minimal.toml"


def write(tmp_path: Path, text: str, name: str = "pack.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def minimal_with(replace: str, by: str) -> str:
    text = MINIMAL.read_text(encoding="utf-8")
    assert replace in text
    return text.replace(replace, by)


def problems_of(*paths: Path) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        load_policies(paths, include_default=False)
    return [str(p) for p in caught.value.problems]


def test_minimal_pack_loads_with_every_field():
    policies = load_policies([MINIMAL], include_default=False)
    (rule,) = policies.rules
    assert rule.id == "fakeapp"
    assert rule.identifiers == {"deb": ("fakeapp",), "process": ("fakeapp",)}
    assert rule.leftovers == {"linux": ("{home}/.fakeapp",)}
    directive = policies.directive("test-directive")
    assert directive.scope.device_classes == {"mobile"}
    assert directive.finding.get("fr") == "présentent un risque"
    assert len(policies.packs[0].sha256) == 64


def test_bad_toml_names_the_file_and_the_line(tmp_path):
    path = write(tmp_path, "schema = 1\n[pack\nid = 'x'\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}: not valid TOML:")
    assert "line 2" in problem


def test_unknown_key_is_named_with_its_rule(tmp_path):
    path = write(tmp_path, minimal_with('vendor = "Fake Corp"', 'vendor = "Fake Corp"\ncolour = "red"'))
    assert problems_of(path) == [f"{path}: rule 'fakeapp': unknown key 'colour' in the rule"]


def test_rule_without_directive_citation(tmp_path):
    path = write(tmp_path, minimal_with('directive = "test-directive"\n', ""))
    assert problems_of(path) == [
        f"{path}: rule 'fakeapp': the rule cites no directive (add directive = \"<directive id>\")"
    ]


def test_rule_citing_unknown_directive(tmp_path):
    path = write(tmp_path, minimal_with('directive = "test-directive"', 'directive = "nope"'))
    assert problems_of(path) == [f"{path}: rule 'fakeapp': cites unknown directive 'nope'"]


def test_bad_version_specifier(tmp_path):
    path = write(tmp_path, minimal_with('vendor = "Fake Corp"', 'vendor = "Fake Corp"\nversions = ">>3"'))
    assert problems_of(path) == [
        f"{path}: rule 'fakeapp': versions '>>3' is not a valid PEP 440 specifier (example: \">=3.0, <4\")"
    ]


def test_duplicate_rule_id_in_one_pack(tmp_path):
    text = MINIMAL.read_text(encoding="utf-8")
    rule = text[text.index("[[rules]]"):]
    path = write(tmp_path, text + "\n" + rule)
    assert problems_of(path) == [f"{path}: rule 'fakeapp': duplicate rule id (also in {path})"]


def test_duplicate_ids_across_packs(tmp_path):
    second = write(tmp_path, MINIMAL.read_text(encoding="utf-8").replace('id = "test-minimal"', 'id = "other"'), "b.toml")
    assert problems_of(MINIMAL, second) == [
        f"{second}: directive id 'test-directive' is defined twice (also in {MINIMAL})",
        f"{second}: rule 'fakeapp': duplicate rule id (also in {MINIMAL})",
    ]


def test_several_problems_are_all_reported(tmp_path):
    text = minimal_with('vendor = "Fake Corp"', 'vendor = "Fake Corp"\nversions = "~~1"\nshape = 1')
    text = text.replace('deb = ["fakeapp"]', 'debian = ["fakeapp"]').replace(", fr = \"Parce que.\"", "")
    problems = problems_of(write(tmp_path, text))
    assert len(problems) == 4
    assert any("unknown key 'shape'" in p for p in problems)
    assert any("unknown identifier kind 'debian'" in p for p in problems)
    assert any("rationale needs a text in 'fr'" in p for p in problems)
    assert any("'~~1' is not a valid PEP 440 specifier" in p for p in problems)


def test_display_names_need_a_publisher(tmp_path):
    path = write(tmp_path, minimal_with('vendor = "Fake Corp"', 'vendor = "Fake Corp"\ndisplay_names = { names = ["Fake"] }'))
    assert problems_of(path) == [f"{path}: rule 'fakeapp': display_names needs publishers: a name alone is not trusted"]


def test_not_utf8_and_missing_file(tmp_path):
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"schema = 1\n\xff\xfe")
    missing = tmp_path / "missing.toml"
    assert problems_of(binary, missing) == [
        f"{binary}: the file is not UTF-8 text (byte 11)",
        f"{missing}: cannot read the file: No such file or directory",
    ]


def test_scope_extension_makes_desktop_findings_required(tmp_path):
    extension = write(
        tmp_path,
        """
        schema = 1
        [pack]
        id = "org"
        version = "1"
        name = { en = "Org", fr = "Org" }
        [[scope_extensions]]
        directive = "test-directive"
        device_classes = ["desktop"]
        reason = { en = "our policy", fr = "notre politique" }
        """,
    )
    policies = load_policies([MINIMAL, extension], include_default=False)
    directive = policies.directive("test-directive")
    import datetime as dt

    day = dt.date(2024, 1, 1)
    assert policies.enforcement(directive, "desktop", day)[0] == Enforcement.REQUIRED
    alone = PolicySet.of(policies.packs[:1])
    assert alone.enforcement(directive, "desktop", day) == (Enforcement.RECOMMENDED, ())
    assert alone.enforcement(directive, "mobile", day) == (Enforcement.REQUIRED, ())
    assert alone.enforcement(directive, "mobile", dt.date(2023, 1, 1)) == (Enforcement.RECOMMENDED, ())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_a_pack_or_problems_never_an_exception(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "pack.toml"
    path.write_text(text, encoding="utf-8")
    pack, problems = load_pack(path)
    assert (pack is None) == bool(problems)
    assert all(str(p).startswith(str(path)) for p in problems)


TOML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10) | st.dates(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["id", "en", "fr", "deb", "x"]), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["schema", "pack", "directives", "rules", "scope_extensions", "other"]), TOML_VALUES))
def test_any_toml_structure_gives_problems_never_an_exception(tmp_path_factory, data):
    import tomllib

    from appwarden.core.policy import loader

    checker = loader._Checker("fuzz.toml")
    loader._read_pack(checker, {k: v for k, v in data.items() if v is not None}, Path("fuzz.toml"), "0" * 64)
    assert all(isinstance(p.message, str) for p in checker.problems)
    assert tomllib  # the loader parses TOML first; this test feeds it every shape TOML can produce


def test_cli_policy_check_reports_each_problem_and_exits_2(tmp_path):
    path = write(tmp_path, minimal_with('vendor = "Fake Corp"', 'vendor = "Fake Corp"\ncolour = "red"'))
    done = subprocess.run(
        [sys.executable, "-m", "appwarden.core", "policy", "check", "--no-default-policy", str(path)],
        capture_output=True, text=True, cwd=PROJECT, env=cli_environment(tmp_path),
    )
    assert done.returncode == 2
    assert done.stderr == f"{path}: rule 'fakeapp': unknown key 'colour' in the rule\n"
    assert "Traceback" not in done.stdout + done.stderr


def test_cli_policy_check_accepts_a_valid_pack(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "appwarden.core", "policy", "check", "--no-default-policy", str(MINIMAL)],
        capture_output=True, text=True, cwd=PROJECT, env=cli_environment(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{MINIMAL}: valid (1 directive, 1 rule)\n"


def test_identifiers_that_look_like_options_are_refused(tmp_path):
    path = write(tmp_path, minimal_with('deb = ["fakeapp"]', 'deb = ["--force-all"]'))
    assert problems_of(path) == [f"{path}: rule 'fakeapp': identifiers.deb '--force-all' must not start with '-'"]


# --- schema 2: a page per language, vendor steps before or after the uninstall, the vendor's uninstaller

SCHEMA_2 = FIXTURES / "policies" / "schema2.toml"


def test_schema_1_pack_loads_unchanged_with_one_page_for_both_languages():
    pack, problems = load_pack(MINIMAL)
    assert problems == []
    assert pack.schema == 1
    (directive,) = pack.directives
    assert (directive.url.get("en"), directive.url.get("fr")) == ("https://example.org/directive",) * 2
    (rule,) = pack.rules
    assert (rule.rationale.get("en"), rule.vendor_uninstaller, rule.removal_steps) == ("Because.", {}, ())


def test_schema_2_pack_gives_a_page_per_language_step_timing_and_the_vendor_uninstaller():
    pack, problems = load_pack(SCHEMA_2)
    assert problems == []
    assert pack.schema == 2
    (directive,) = pack.directives
    assert (directive.url.get("en"), directive.url.get("fr")) == ("https://example.org/en/directive", "https://example.org/fr/directive")
    (rule,) = pack.rules
    assert [(s.title.get("en"), s.when) for s in rule.removal_steps] == [
        ("Turn off the guard", StepTiming.BEFORE_UNINSTALL),
        ("Remove the certificate", StepTiming.AFTER_UNINSTALL),
        ("Check again", StepTiming.AFTER_UNINSTALL),  # no `when`: after, as in schema 1
    ]
    assert rule.vendor_uninstaller["macos"].get("fr") == "Ouvrez Fake Uninstaller dans Applications."


def test_schema_1_pack_using_schema_2_keys_is_refused_in_one_sentence(tmp_path):
    text = SCHEMA_2.read_text(encoding="utf-8").replace("schema = 2", "schema = 1")
    path = write(tmp_path, text)
    assert problems_of(path) == [
        f"{path}: the pack says schema = 1 but uses a url per language, 'when' in a removal step and vendor_uninstaller,"
        " which need schema = 2: set schema = 2, or remove them"
    ]


def test_schema_1_pack_using_one_schema_2_key_is_refused_in_one_sentence(tmp_path):
    path = write(tmp_path, minimal_with('url = "https://example.org/directive"', 'url = { en = "https://example.org/en", fr = "https://example.org/fr" }'))
    assert problems_of(path) == [
        f"{path}: the pack says schema = 1 but uses a url per language, which needs schema = 2: set schema = 2, or remove it"
    ]


@pytest.mark.parametrize("schema", ["3", "0", "true", '"2"', "2.0"])
def test_unknown_schema_is_refused(tmp_path, schema):
    path = write(tmp_path, minimal_with("schema = 1", f"schema = {schema}"))
    assert problems_of(path) == [f"{path}: schema must be 1 or 2 (this AppWarden reads schemas 1 and 2)"]


def test_a_page_per_language_needs_https_and_both_languages(tmp_path):
    text = SCHEMA_2.read_text(encoding="utf-8").replace(
        'url = { en = "https://example.org/en/directive", fr = "https://example.org/fr/directive" }',
        'url = { en = "https://example.org/en/directive", fr = "http://example.org/fr/directive" }',
    )
    assert problems_of(write(tmp_path, text)) == [
        f"{tmp_path / 'pack.toml'}: directive 'test-directive-2' url in 'fr' must start with https://"
    ]
    text = text.replace(', fr = "http://example.org/fr/directive"', "")
    assert problems_of(write(tmp_path, text)) == [
        f"{tmp_path / 'pack.toml'}: directive 'test-directive-2' url needs a text in 'fr'"
    ]


def test_unknown_step_timing_is_refused(tmp_path):
    path = write(tmp_path, SCHEMA_2.read_text(encoding="utf-8").replace('when = "after_uninstall"', 'when = "during"'))
    assert problems_of(path) == [
        f"{path}: rule 'fakeapp2': removal step 'when' must be 'before_uninstall' or 'after_uninstall', not 'during'"
    ]


URLS = st.one_of(
    st.text(max_size=30),
    st.dictionaries(st.sampled_from(["en", "fr", "de"]), st.text(max_size=30) | st.integers(), max_size=3),
    st.integers(),
    st.lists(st.text(max_size=5), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(schema=st.sampled_from([1, 2]), url=URLS, when=st.none() | st.text(max_size=20) | st.integers())
def test_any_url_or_step_timing_gives_a_value_or_a_problem_never_an_exception(schema, url, when):
    from appwarden.core.policy import loader

    checker = loader._Checker("fuzz.toml")
    checker.schema = schema
    page = loader._url(checker, url, "directive 'd'")
    timing = loader._step_timing(checker, when)
    checker.schema_2_problem()
    assert isinstance(timing, StepTiming)
    if not checker.problems:  # what loaded is what a report may link to
        assert all(value.startswith("https://") for value in page.texts.values())
        assert schema == 2 or (isinstance(url, str) and when is None)


ABOUT_CHATS = '''
[[rules.removal_steps]]
platform = "macos"
about_leftovers = {about}
title = {{ en = "Decide about the chats", fr = "Décidez du sort des conversations" }}
explanation = {{ en = "They stay after the app.", fr = "Elles restent après l’application." }}
'''


def pack_with_chat_step(tmp_path, about: str, schema: int = 2) -> Path:
    text = SCHEMA_2.read_text(encoding="utf-8").replace("schema = 2", f"schema = {schema}")
    text = text.replace(
        'removal = { linux = { en = "Remove it.", fr = "Supprimez-la." } }',
        'removal = { linux = { en = "Remove it.", fr = "Supprimez-la." } }\n'
        'leftovers = { macos = ["{home}/Library/Containers/com.example.fakeapp"] }',
    )
    return write(tmp_path, text + ABOUT_CHATS.format(about=about))


def test_a_vendor_step_names_the_leftovers_it_is_about(tmp_path):
    from appwarden.core.policy.loader import load_pack

    pack, problems = load_pack(pack_with_chat_step(tmp_path, '["{home}/Library/Containers/com.example.fakeapp"]'))
    assert problems == []
    assert pack.rules[0].removal_steps[-1].about_leftovers == ("{home}/Library/Containers/com.example.fakeapp",)
    assert pack.rules[0].removal_steps[0].about_leftovers == ()


@pytest.mark.parametrize(
    ("about", "problem"),
    [
        ('["{home}/.elsewhere"]', "removal step 'about_leftovers' names '{home}/.elsewhere', which is not one of the rule's macos leftovers"),
        ("true", "removal step 'about_leftovers' must be a list of the rule's leftover locations"),
        ("[]", "removal step 'about_leftovers' must be a list of the rule's leftover locations"),
    ],
)
def test_a_vendor_step_about_leftovers_the_rule_does_not_name_is_refused(tmp_path, about, problem):
    path = pack_with_chat_step(tmp_path, about)
    assert problems_of(path) == [f"{path}: rule 'fakeapp2': {problem}"]


def test_about_leftovers_needs_schema_2(tmp_path):
    path = pack_with_chat_step(tmp_path, '["{home}/Library/Containers/com.example.fakeapp"]', schema=1)
    assert "'about_leftovers' in a removal step" in problems_of(path)[0]
