"""Reference codes: a hash of the check's report that is short to read out, and typed back in any form."""

from __future__ import annotations

import datetime as dt
import json
import re

from hypothesis import given, strategies as st

from appwarden.core.i18n import Translator
from appwarden.core.policy.loader import load_policies
from appwarden.core.reports.json_report import render_json
from appwarden.core.reports.reference import ALPHABET, normalised_code, reference_code, spoken, unbroken
from appwarden.core.scan import run_scan
from appwarden.core.target import make_target
from tests.gui.window_fixtures import linux_disk

CODE = re.compile(rf"AW-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}")


def test_the_alphabet_has_no_look_alikes():
    assert ALPHABET == "23456789ACEFGHKMNPRTWXY"
    assert not set("01OQDILJSZBUV") & set(ALPHABET)


def test_a_code_is_the_hash_of_the_report_without_its_own_code():
    # Pinned: a change of the hash would make the codes people read out find nothing in their history.
    assert reference_code({"schema": 1}) == "AW-99TE-RN3G"
    assert reference_code({"schema": 1, "reference": "AW-99TE-RN3G"}) == "AW-99TE-RN3G"
    assert reference_code({"schema": 2}) != "AW-99TE-RN3G"


def test_two_disks_and_two_moments_get_different_codes(tmp_path):
    policies = load_policies([], include_default=True)
    first = linux_disk(tmp_path / "first")
    second = linux_disk(tmp_path / "second")
    (second / "etc/hostname").write_text("desk-13\n")
    new_year = dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)
    results = [run_scan(make_target(first), policies), run_scan(make_target(second), policies),
               run_scan(make_target(first), policies, now=lambda: new_year)]
    codes = [result.reference for result in results]
    assert all(CODE.fullmatch(code) for code in codes)
    assert len(set(codes)) == 3


def test_the_code_is_the_same_in_every_language_and_is_in_the_json_report(tmp_path):
    result = run_scan(make_target(linux_disk(tmp_path / "disk")), load_policies([], include_default=True))
    english = json.loads(render_json(result, Translator("en")))
    french = json.loads(render_json(result, Translator("fr")))
    assert english["reference"] == french["reference"] == result.reference
    assert reference_code(english) == result.reference  # anyone can check a report's code from the report


def test_what_a_person_types_is_read_back():
    for typed in ("AW-7R4K-92XC", "aw-7r4k-92xc", "aw 7r4k 92xc", "7R4K92XC", "7r4k-92xc", "AW\u20117R4K\u201192XC",
                  " AW_7R4K.92XC "):
        assert normalised_code(typed) == "AW-7R4K-92XC", typed
    # The symbols left out because they look like digits are read as those digits.
    assert normalised_code("AW-7R4K-SZBC") == "AW-7R4K-528C"
    for typed in ("", "AW", "AW-7R4K-92X", "AW-7R4K-92XCC", "AW-7R4K-92X0", "AW-OOOO-OOOO", "hello world"):
        assert normalised_code(typed) is None, typed


def test_a_code_is_spelled_for_a_screen_reader_and_never_split_on_screen():
    assert spoken("AW-7R4K-92XC") == "A W, 7 R 4 K, 9 2 X C"
    assert unbroken("AW-7R4K-92XC") == "AW\u20117R4K\u201192XC"
    assert normalised_code(unbroken("AW-7R4K-92XC")) == "AW-7R4K-92XC"


@given(st.text(alphabet=ALPHABET, min_size=8, max_size=8), st.sampled_from(["-", " ", "", "  ", "\u2011"]), st.booleans(),
       st.booleans())
def test_any_code_survives_being_read_out_and_typed_back(symbols, separator, prefixed, lower):
    code = f"AW-{symbols[:4]}-{symbols[4:]}"
    typed = (("AW" + separator) if prefixed else "") + symbols[:4] + separator + symbols[4:]
    assert normalised_code(typed.lower() if lower else typed) == code


@given(st.text(max_size=40))
def test_any_text_is_a_code_or_none(typed):
    code = normalised_code(typed)
    assert code is None or CODE.fullmatch(code)


def test_every_report_gives_the_code(tmp_path):
    from appwarden.core.reports import render_report
    from appwarden.core.reports.diagnostics import diagnostics_text

    result = run_scan(make_target(linux_disk(tmp_path / "disk")), load_policies([], include_default=True))
    line = f"Reference code: {result.reference}"
    assert render_report(result, "text", Translator("en")).splitlines()[1] == line
    assert f'<strong class="reference">{line}</strong>' in render_report(result, "html", Translator("en"))
    assert diagnostics_text(result, Translator("en")).splitlines()[1] == line
    assert render_report(result, "text", Translator("fr")).splitlines()[1] == f"Code de référence : {result.reference}"


def test_two_checks_of_one_disk_in_the_same_second_get_two_codes(tmp_path):
    """Their reports are the same to the second; the check's own random id keeps their codes apart."""
    from dataclasses import replace

    from appwarden.core.policy.loader import load_policies
    from appwarden.core.scan import run_scan, with_reference
    from appwarden.core.sources.base import ScanTarget

    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/os-release").write_text("ID=debian\n")
    first = run_scan(ScanTarget(tmp_path, "linux", live=False), load_policies())
    second = replace(first, check_id="0" * 32, reference="")
    assert len(first.check_id) == 32 and first.check_id != second.check_id
    assert with_reference(second).reference != first.reference
    assert with_reference(replace(first, reference="")).reference == first.reference  # the same check, the same code
