"""A kiosk's daily counts: checks and findings per rule per day, nothing about any device."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from appwarden.core.kiosk.counts import CountsUnusable, count_check, read_counts

DAY = dt.date(2026, 12, 2)


def test_a_check_adds_one_check_and_one_finding_per_rule_found(tmp_path):
    path = tmp_path / "state" / "daily-counts.json"
    count_check(path, ["wechat", "tiktok", "wechat"], DAY)
    count_check(path, [], DAY)
    count_check(path, ["wechat"], DAY + dt.timedelta(days=1))
    assert json.loads(path.read_text()) == {
        "2026-12-02": {"checks": 2, "findings": {"tiktok": 1, "wechat": 1}},
        "2026-12-03": {"checks": 1, "findings": {"wechat": 1}},
    }


def test_nothing_but_counts_is_written(tmp_path):
    path = tmp_path / "daily-counts.json"
    count_check(path, ["wechat", "R58M123456X", "Ana’s iPhone"], DAY)  # only rule ids are counted
    assert json.loads(path.read_text()) == {"2026-12-02": {"checks": 1, "findings": {"wechat": 1}}}


@pytest.mark.parametrize("content", ["not json", "[]", '{"x": 1}', '{"2026-12-02": {"checks": -1}}', '{"2026-12-02": {"who": "ana"}}'])
def test_a_file_that_is_not_counts_is_left_as_it_is(tmp_path, content):
    path = tmp_path / "daily-counts.json"
    path.write_text(content)
    with pytest.raises(CountsUnusable):
        count_check(path, ["wechat"], DAY)
    assert path.read_text() == content


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_any_file_reads_as_counts_or_is_refused(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("counts") / "daily-counts.json"
    path.write_text(text, encoding="utf-8", errors="replace")
    try:
        counts = read_counts(path)
    except CountsUnusable:
        return
    assert isinstance(counts, dict)
