"""Reading back a JSON report someone sent: the same check comes back, and anything else is one sentence."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from appwarden.core.errors import ReportFileError
from appwarden.core.i18n import Translator
from appwarden.core.policy.loader import load_policies
from appwarden.core.reports.json_reader import (
    MAX_REPORT_BYTES,
    parse_report,
    read_report_file,
    received_from_history,
    with_packs_of_this_computer,
)
from appwarden.core.reports.json_report import render_json, report_dict
from appwarden.core.reports.text_report import render_text
from appwarden.core.scan import run_scan
from appwarden.core.target import make_target
from tests.gui.window_fixtures import linux_disk


@pytest.fixture(scope="module")
def policies():
    return load_policies([], include_default=True)


@pytest.fixture(scope="module")
def checked(tmp_path_factory, policies):
    """A real check of a disk with WeChat installed and Kaspersky's settings left behind."""
    return run_scan(make_target(linux_disk(tmp_path_factory.mktemp("sent") / "disk")), policies)


def written(tmp_path, text: str, name: str = "report.json"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_report_comes_back_as_the_same_check(tmp_path, checked):
    received = read_report_file(written(tmp_path, render_json(checked, Translator("en"))))
    result = received.result
    assert (received.language, received.tool_version) == ("en", json.loads(render_json(checked, Translator("en")))["tool"]["version"])
    assert result.target == checked.target
    assert (result.started_at, result.finished_at) == (checked.started_at.replace(microsecond=0), checked.finished_at.replace(microsecond=0))
    assert result.reference == checked.reference
    assert [f.rule.id for f in result.findings] == ["wechat", "kaspersky"]
    assert [f.enforcement for f in result.findings] == [f.enforcement for f in checked.findings]
    assert [f.evidence for f in result.findings] == [f.evidence for f in checked.findings]
    assert [(c.source, c.status, c.detail.render(), c.problems and c.problems[0].location) for c in result.coverage] == [
        (c.source, c.status, c.detail.render(), c.problems and c.problems[0].location) for c in checked.coverage
    ]
    assert (result.items_read, result.cancelled, result.compliant, result.complete) == (
        checked.items_read, checked.cancelled, checked.compliant, checked.complete)


def test_with_this_computers_own_packs_the_report_reads_as_it_did_there(tmp_path, checked, policies):
    received = with_packs_of_this_computer(read_report_file(written(tmp_path, render_json(checked, Translator("en")))), policies)
    assert [f.rule for f in received.result.findings] == [f.rule for f in checked.findings]
    assert [f.directive for f in received.result.findings] == [f.directive for f in checked.findings]
    assert received.result.packs == checked.packs
    # Same pack, so the same report, removal steps included.
    same_times = replace(checked, started_at=received.result.started_at, finished_at=received.result.finished_at)
    assert render_text(received.result, Translator("en")) == render_text(same_times, Translator("en"))
    # In French, the pack's texts are the pack's French; the coverage details stay as the report wrote them.
    french = render_text(received.result, Translator("fr"))
    wechat = checked.findings[0].rule
    assert wechat.rationale.get("fr") in french
    assert "lue : 3 items read" in french


def test_a_pack_this_computer_does_not_have_stays_as_the_report_says(tmp_path, checked, policies):
    report = report_dict(checked, Translator("fr"))
    report["policies"][0]["sha256"] = "0" * 64  # the sender's copy of the pack differs from ours
    received = with_packs_of_this_computer(parse_report(json.dumps(report).encode(), tmp_path / "r.json"), policies)
    wechat = received.result.findings[0]
    assert wechat.rule.name.get("en") == wechat.rule.name.get("fr") == "WeChat (Weixin)"
    assert wechat.rule.rationale.get("en") == report["findings"][0]["rationale"]  # the French text, as sent
    assert wechat.rule.removal == {}
    assert received.language == "fr"


def test_the_history_keeps_a_report_the_reader_reads(checked):
    assert received_from_history(report_dict(checked, Translator("en"))).result.reference == checked.reference
    with pytest.raises(ReportFileError) as caught:
        received_from_history(None)
    assert caught.value.message == "The report recorded with this check cannot be read; it was left as it is."


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: r.update(schema=2), "schema is not as AppWarden writes it"),
        (lambda r: r["tool"].update(name="other"), "tool.name is not as AppWarden writes it"),
        (lambda r: r.update(items_read=True), "items_read is not as AppWarden writes it"),
        (lambda r: r.update(items_read=-1), "items_read is not as AppWarden writes it"),
        (lambda r: r.update(scanned_at="2026-12-01T10:00:00"), "scanned_at is not as AppWarden writes it"),
        (lambda r: r.update(reference="AW-0000-0000"), "reference is not as AppWarden writes it"),
        (lambda r: r["target"].update(os="plan9"), "target.os is not as AppWarden writes it"),
        (lambda r: r["findings"][0].update(enforcement="maybe"), "enforcement is not as AppWarden writes it"),
        (lambda r: r["findings"][0]["evidence"][0].update(kind="rumour"), "kind is not as AppWarden writes it"),
        (lambda r: r["findings"][0].update(name="x" * 70_000), "name is not as AppWarden writes it"),
        (lambda r: r["coverage"][0].update(problems=[{"location": "x", "reason": "y", "elevation_helps": False}] * 10_001),
         "problems is not as AppWarden writes it"),
        (lambda r: r.update(coverage="all"), "coverage is not as AppWarden writes it"),
    ],
)
def test_a_report_that_is_not_as_appwarden_writes_it_is_one_sentence(tmp_path, checked, change, reason):
    report = report_dict(checked, Translator("en"))
    change(report)
    path = written(tmp_path, json.dumps(report))
    with pytest.raises(ReportFileError) as caught:
        read_report_file(path)
    assert caught.value.message == f"{path} cannot be opened as an AppWarden report: {reason}."


def test_files_that_are_not_reports_are_one_sentence_and_never_waited_on(tmp_path):
    not_json = written(tmp_path, "<html>", "page.json")
    deep = written(tmp_path, "[" * 200_000, "deep.json")
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"name": "caf\xe9"}')
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer
    large = tmp_path / "large.json"
    with open(large, "wb") as handle:
        handle.truncate(MAX_REPORT_BYTES + 1)  # sparse: nothing is written, only its size says it is too large
    cases = {
        not_json: "it is not JSON text", deep: "it is not JSON text", latin: "it is not JSON text",
        fifo: "it is not a regular file", large: "it is larger than 16 MB", tmp_path: "it is not a regular file",
    }
    for path, reason in cases.items():
        with pytest.raises(ReportFileError) as caught:
            read_report_file(path)
        assert caught.value.message == f"{path} cannot be opened as an AppWarden report: {reason}.", path
    with pytest.raises(ReportFileError) as caught:
        read_report_file(tmp_path / "missing.json")
    assert caught.value.message == f"{tmp_path / 'missing.json'} cannot be read: No such file or directory."


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


@given(JSON_VALUES)
def test_any_json_is_a_report_or_one_sentence(value):
    try:
        parse_report(json.dumps(value).encode(), Path("sent.json"))
    except ReportFileError as error:
        assert error.message.startswith("sent.json cannot be opened as an AppWarden report: ")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300)
@given(data=st.data())
def test_a_report_with_any_one_value_changed_is_a_report_or_one_sentence(checked, data):
    report = report_dict(checked, Translator("en"))
    holder, parent, key = report, report, None
    while True:  # walk down to one value of the report, then replace it with any JSON value
        keys = list(holder) if isinstance(holder, dict) else list(range(len(holder)))
        if not keys:
            break
        parent, key = holder, data.draw(st.sampled_from(keys))
        if not isinstance(holder[key], (dict, list)) or data.draw(st.booleans()):
            break
        holder = holder[key]
    if key is not None:
        parent[key] = data.draw(JSON_VALUES)
    try:
        received = parse_report(json.dumps(report).encode(), Path("sent.json"))
    except ReportFileError as error:
        assert error.message.startswith("sent.json cannot be opened as an AppWarden report: ")
        return
    render_text(received.result, Translator("en"))  # whatever was accepted can be shown
