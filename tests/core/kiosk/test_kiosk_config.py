"""The kiosk's configuration (checked like a policy pack: one line per problem, exit 2) and its
staff PIN (a PBKDF2 hash; three wrong PINs lock the prompt for a minute)."""

from __future__ import annotations

import getpass
import struct
import sys
import zlib

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from appwarden.core.kiosk.config import KioskConfig, read_config, with_pin_hash
from appwarden.core.kiosk.pin import Attempt, PinGate, hash_pin, pin_matches
from tests.conftest import run_cli


def png(path):
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))  # noqa: E731
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))
    return path


def test_a_whole_configuration_reads_as_written(tmp_path):
    png(tmp_path / "logo.png")
    (tmp_path / "extra.toml").write_text("")
    (tmp_path / "kiosk.toml").write_text(f'''
[kiosk]
organisation = {{ en = "Treasury Board Secretariat", fr = "Secrétariat du Conseil du Trésor" }}
logo = "logo.png"
help_contact = "Help desk, room 101"
languages = ["fr", "en"]
packs = ["extra.toml"]
default_pack = false
idle_timeout_s = 90
keep_daily_counts = true
state_folder = "/var/lib/appwarden-kiosk"
pin_hash = "{hash_pin("2468", iterations=100_000)}"
''')
    reading = read_config(tmp_path / "kiosk.toml")
    assert reading.problems == ()
    config = reading.config
    assert config.organisation.get("fr") == "Secrétariat du Conseil du Trésor" and config.help_contact.get("fr") == "Help desk, room 101"
    assert config.logo == tmp_path / "logo.png" and config.packs == (tmp_path / "extra.toml",)
    assert (config.languages, config.idle_timeout_s, config.default_pack, config.keep_daily_counts) == (("fr", "en"), 90, False, True)


@pytest.mark.parametrize("line, says", [
    ("idle_timeout_s = 10", "from 30 to 3600"),
    ("idle_timeout_s = true", "from 30 to 3600"),
    ('languages = ["de"]', "languages must list some of en, fr"),
    ('organisation = { en = "A" }', "English (en) and a French (fr)"),
    ('organisation = "A\\u202eB"', "no control or invisible characters"),
    ('logo = "logo.gif"', "PNG or JPEG"),
    ('logo = "missing.png"', "cannot be read"),
    ('packs = ["nowhere.toml"]', "is not a file"),
    ('pin_hash = "1234"', "what appwarden kiosk --set-pin writes"),
    ("keep_daily_counts = 1", "true or false"),
    ("colour = 3", "unknown key 'colour'"),
])
def test_each_problem_is_one_line_and_the_rest_still_applies(tmp_path, line, says):
    (tmp_path / "kiosk.toml").write_text(f"[kiosk]\nidle_timeout_s = 60\n{line}\n" if "idle" not in line else f"[kiosk]\n{line}\n")
    reading = read_config(tmp_path / "kiosk.toml")
    assert len(reading.problems) == 1 and says in reading.problems[0] and str(tmp_path) in reading.problems[0]


def test_a_missing_or_broken_file_leaves_the_defaults(tmp_path):
    assert read_config(tmp_path / "none.toml").config == KioskConfig()
    (tmp_path / "broken.toml").write_text("[kiosk\n")
    reading = read_config(tmp_path / "broken.toml")
    assert reading.config == KioskConfig() and "not valid TOML" in reading.problems[0]


def test_check_config_is_one_line_per_problem_and_exit_2(tmp_path, capsys):
    (tmp_path / "kiosk.toml").write_text('[kiosk]\nidle_timeout_s = 5\nlanguages = ["xx"]\n')
    code, out, err = run_cli(capsys, "kiosk", "--check-config", tmp_path / "kiosk.toml")
    assert code == 2 and out == "" and len(err.splitlines()) == 2
    (tmp_path / "good.toml").write_text("[kiosk]\nidle_timeout_s = 60\n")
    code, out, _ = run_cli(capsys, "kiosk", "--check-config", tmp_path / "good.toml")
    assert code == 0 and out.endswith("good.toml: valid\n")


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_text_as_a_configuration_is_values_or_lines(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("kiosk") / "kiosk.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass") if "\ud800" not in text else path.write_text("")
    reading = read_config(path)
    assert isinstance(reading.config, KioskConfig) and all(isinstance(p, str) and "\n" not in p for p in reading.problems)


def test_set_pin_writes_only_the_hash_and_keeps_what_it_wrote_before(tmp_path, capsys, monkeypatch):
    config = tmp_path / "kiosk.toml"
    config.write_text('# by IT\n[kiosk]\nidle_timeout_s = 60\n')
    answers = iter(["2468", "2468"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    code, out, _ = run_cli(capsys, "kiosk", "--set-pin", "--config", config)
    text = config.read_text()
    assert code == 0 and "2468" not in text and text.startswith("# by IT\n[kiosk]\npin_hash = ")
    assert read_config(config).problems == () and pin_matches("2468", read_config(config).config.pin_hash)
    answers = iter(["1357", "1357"])
    run_cli(capsys, "kiosk", "--set-pin", "--config", config)
    assert config.read_text().count("pin_hash") == 1 and pin_matches("1357", read_config(config).config.pin_hash)


@pytest.mark.parametrize("answers, says", [(["12", "12"], "4 to 12 digits"), (["2468", "1357"], "differ")])
def test_set_pin_refuses_a_bad_pin_and_changes_nothing(tmp_path, capsys, monkeypatch, answers, says):
    config = tmp_path / "kiosk.toml"
    config.write_text("[kiosk]\n")
    given_answers = iter(answers)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(given_answers))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    code, _, err = run_cli(capsys, "kiosk", "--set-pin", "--config", config)
    assert code == 2 and says in err and config.read_text() == "[kiosk]\n"


def test_three_wrong_pins_lock_the_prompt_for_a_minute():
    now = [0.0]
    gate = PinGate(hash_pin("2468", iterations=100_000), clock=lambda: now[0])
    assert [gate.attempt("0000"), gate.attempt("1111")] == [Attempt.WRONG, Attempt.WRONG]
    assert gate.attempt("2222") == Attempt.LOCKED and gate.attempt("2468") == Attempt.LOCKED  # even the right one
    assert gate.seconds_locked() == 60
    now[0] = 61.0
    assert gate.attempt("2468") == Attempt.OPEN


def test_without_a_pin_the_kiosk_cannot_be_left_from_the_screen():
    assert PinGate(None).attempt("") == Attempt.WRONG


def test_the_pin_line_is_added_where_it_belongs():
    assert with_pin_hash("", "H") == '[kiosk]\npin_hash = "H"\n'
    assert with_pin_hash("[other]\nx = 1\n", "H") == '[other]\nx = 1\n\n[kiosk]\npin_hash = "H"\n'


def test_pins_tried_at_once_are_taken_in_turn_so_none_escapes_the_lock():
    from concurrent.futures import ThreadPoolExecutor

    gate = PinGate(hash_pin("2468", iterations=100_000))
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(gate.attempt, ["1111"] * 6))
    assert sorted(answers) == sorted([Attempt.WRONG, Attempt.WRONG] + [Attempt.LOCKED] * 4)
    assert gate.attempt("2468") == Attempt.LOCKED


def test_a_hash_whose_salt_is_not_base64_is_a_problem_and_opens_nothing():
    from appwarden.core.kiosk.pin import hash_problem

    broken = "pbkdf2_sha256$600000$AAAAAAAAA$" + "A" * 43  # the right shape, but 9 and 43 are no base64 lengths
    assert hash_problem(broken) == "pin_hash must be what appwarden kiosk --set-pin writes (its salt and hash are not base64)"
    assert pin_matches("2468", broken) is False
