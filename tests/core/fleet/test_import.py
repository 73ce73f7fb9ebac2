"""`appwarden scan --from-osquery` and `--from-reports`: fleet results read back as findings per host
with a summary across hosts, in every shape osquery and Fleet write them; damaged lines become
coverage; one history entry per import."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appwarden.core.errors import ReportFileError
from appwarden.core.fleet.results import read_results
from appwarden.core.fleet.summary import fleet_from_osquery
from appwarden.core.policy.loader import load_policies
from tests.conftest import FIXTURES, run_cli
from tests.core.fleet import fleet_data
from tests.core.fleet.osquery_schema import read_specs

POLICIES = load_policies([], include_default=True)
MINIMAL = FIXTURES / "policies" / "minimal.toml"


@pytest.fixture(scope="module")
def three_hosts():
    """pc-1 (Windows) has WeChat, pc-2 (Linux) has Kaspersky's kesl, mac-3 has WeCom only, a look-alike."""
    specs = read_specs()
    return [
        ("pc-1", fleet_data.host_rows(specs, POLICIES, "pc-1", "windows", [
            ("programs", {"name": "WeChat", "publisher": "Tencent", "version": "3.9.12"}),
            ("processes", {"name": "WeChat.exe", "path": "C:\\Program Files\\Tencent\\WeChat\\WeChat.exe"})])),
        ("pc-2", fleet_data.host_rows(specs, POLICIES, "pc-2", "linux", [("deb_packages", {"name": "kesl", "version": "12.1"})])),
        ("mac-3", fleet_data.host_rows(specs, POLICIES, "mac-3", "macos", [
            ("apps", {"name": "WeCom", "bundle_identifier": "com.tencent.WeWorkMac", "path": "/Applications/企业微信.app"})])),
    ]


SHAPES = {
    "osqueryi-json": lambda hosts: fleet_data.as_osqueryi_json([results for _, results in hosts]),
    "result-log": fleet_data.as_result_log,
    "fleet-csv": fleet_data.as_fleet_csv,
    "fleet-report-api": fleet_data.as_fleet_report_api,
    "fleetctl-query": lambda hosts: "".join(json.dumps({"host": name, "rows": rows}) + "\n"
                                            for name, results in hosts for rows in results.values()),
}


def summary(capsys, *argv):
    code, out, err = run_cli(capsys, "scan", *argv, "--format", "json", "--no-history")
    return code, json.loads(out), err


@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_gives_findings_per_host(capsys, tmp_path, three_hosts, shape):
    path = tmp_path / "results"
    path.write_text(SHAPES[shape](three_hosts), encoding="utf-8")
    code, report, err = summary(capsys, "--from-osquery", path)
    assert (code, err) == (1, "")
    assert (report["kind"], report["origin"], report["host_count"], report["hosts_with_findings"]) == ("fleet_summary", "osquery", 3, 2)
    assert [(r["rule"], r["hosts"]) for r in report["rules"]] == [("kaspersky", ["pc-2"]), ("wechat", ["pc-1"])]
    hosts = {h["host"]: h for h in report["hosts"]}
    assert [h for h in hosts] == ["mac-3", "pc-1", "pc-2"]
    assert hosts["mac-3"]["compliant"] and hosts["mac-3"]["findings"] == []  # WeCom is a look-alike
    (wechat,) = hosts["pc-1"]["findings"]
    assert wechat["rule"] == "wechat" and wechat["enforcement"] == "recommended"
    assert {(e["source"], e["kind"], e["namespace"], e["identifier"]) for e in wechat["evidence"]} == {
        ("osquery:programs", "installed", "display_name", "WeChat"),
        ("osquery:processes", "running", "process", "WeChat.exe"),
    }
    assert "Settings > Apps > Installed apps" in wechat["removal"]
    wechat_rule = next(r for r in report["rules"] if r["rule"] == "wechat")
    assert wechat_rule["directive"]["title"].startswith("Minister Anand announces a ban")
    assert all(h["complete"] for h in report["hosts"])


def test_text_and_html_summaries(capsys, tmp_path, three_hosts):
    path = tmp_path / "results.json"
    path.write_text(SHAPES["osqueryi-json"](three_hosts), encoding="utf-8")
    code, text, _ = run_cli(capsys, "scan", "--from-osquery", path, "--no-history")
    assert code == 1
    assert "2 of 3 hosts have a prohibited app." in text
    assert "  WeChat (Weixin) (Tencent) [wechat]: 1 host" in text
    assert "    Hosts: pc-1" in text
    code, html, _ = run_cli(capsys, "scan", "--from-osquery", path, "--no-history", "--format", "html")
    assert html.index("Apps found, by rule") < html.index("<h2>Hosts</h2>") < html.index('<section class="host">')
    assert "<td>mac-3</td><td>macOS</td><td>–</td><td>complete</td>" in html
    code, french, _ = run_cli(capsys, "scan", "--from-osquery", path, "--no-history", "--lang", "fr")
    assert "2 des 3 hôtes ont une application interdite." in french


def test_a_clean_fleet_exits_0(capsys, tmp_path, three_hosts):
    path = tmp_path / "results.json"
    path.write_text(SHAPES["osqueryi-json"]([three_hosts[2]]), encoding="utf-8")
    code, report, _ = summary(capsys, "--from-osquery", path)
    assert (code, report["host_count"], report["hosts_with_findings"]) == (0, 1, 0)


def test_damaged_lines_become_coverage_and_the_rest_is_read(capsys, tmp_path, three_hosts):
    lines = SHAPES["result-log"](three_hosts).splitlines()
    lines.insert(2, "{not json")
    lines.insert(5, json.dumps({"snapshot": [{"osquery_table": "programs", "rule": []}], "name": "x", "hostIdentifier": "pc-9"}))
    lines.insert(7, json.dumps(["a", 1]))
    path = tmp_path / "osqueryd.results.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, report, _ = summary(capsys, "--from-osquery", path)
    assert (code, report["host_count"], report["hosts_with_findings"]) == (1, 3, 2)
    (damaged,) = [c for c in report["coverage"] if c["source"] == "results"]
    assert damaged["status"] == "partial" and damaged["detail"] == "3 damaged lines or rows were passed over"
    assert [p["location"] for p in damaged["problems"]] == [f"{path}:3", f"{path}:6: snapshot[0]", f"{path}:8"]


def test_removed_rows_and_later_snapshots_replace_earlier_ones(tmp_path, three_hosts):
    name, results = three_hosts[0]
    query = "appwarden_windows_programs"
    row = results[query][0]
    log = [
        {"name": query, "hostIdentifier": name, "columns": row, "action": "added"},
        {"name": query, "hostIdentifier": name, "columns": row, "action": "removed"},
        {"name": "appwarden_windows_processes", "hostIdentifier": name, "snapshot": results["appwarden_windows_processes"], "action": "snapshot"},
        {"name": "appwarden_windows_processes", "hostIdentifier": name, "snapshot": [], "action": "snapshot"},
    ]
    path = tmp_path / "log"
    path.write_text("\n".join(map(json.dumps, log)) + "\n", encoding="utf-8")
    rows = read_results([path])
    assert [h.items for h in rows.hosts.values()] == [{}]


def test_a_host_without_a_table_count_is_incomplete(capsys, tmp_path, three_hosts):
    name, results = three_hosts[1]
    census = [r for r in results["appwarden_linux_tables"] if r["osquery_table"] != "deb_packages"]
    trimmed = {**results, "appwarden_linux_tables": census}
    path = tmp_path / "results.json"
    path.write_text(fleet_data.as_osqueryi_json([trimmed]), encoding="utf-8")
    _, report, _ = summary(capsys, "--from-osquery", path)
    (host,) = report["hosts"]
    assert host["complete"] is False
    gap = next(c for c in host["coverage"] if c["source"] == "osquery:deb_packages")
    assert gap["status"] == "partial" and gap["detail"].startswith("no row count from this host")
    rpm = next(c for c in host["coverage"] if c["source"] == "osquery:rpm_packages")
    assert (rpm["status"], rpm["detail"]) == ("skipped", "the table returned nothing on this host: it shows nothing of this kind there")


def test_an_import_is_one_history_entry_with_its_host_count(capsys, tmp_path, three_hosts):
    path = tmp_path / "results.json"
    path.write_text(SHAPES["osqueryi-json"](three_hosts), encoding="utf-8")
    code, _, _ = run_cli(capsys, "scan", "--from-osquery", path, "--format", "json")
    assert code == 1
    code, out, _ = run_cli(capsys, "history")
    assert "Fleet imports:" in out
    (line,) = [line for line in out.splitlines() if "osquery" in line and "3 hosts" in line]
    assert "2 with prohibited apps" in line and "kaspersky 1, wechat 1" in line
    from appwarden.core.history import HistoryStore

    (record,) = HistoryStore().fleet_imports()
    assert (record.origin, record.hosts, record.hosts_with_findings, dict(record.rules)) == ("osquery", 3, 2, {"kaspersky": 1, "wechat": 1})
    assert HistoryStore().scans() == []  # not a check of this device


@pytest.mark.parametrize("argv, sentence", [
    (["--from-osquery", "X", "--root", "/"], "A fleet summary reads its files only: it cannot be used with --root."),
    (["--from-osquery", "X", "--from-reports", "Y"], "--from-osquery and --from-reports each summarise a fleet: give one of them."),
    (["--from-osquery", "/nonexistent/results.json"], "/nonexistent/results.json cannot be read: No such file or directory."),
])
def test_bad_requests_are_one_sentence(capsys, argv, sentence):
    code, out, err = run_cli(capsys, "scan", *argv, "--no-history")
    assert (code, out, err.strip()) == (2, "", sentence)


def test_results_that_name_no_host_are_one_sentence(capsys, tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps([{"name": "sshd", "pid": "1"}, {"osquery_table": "programs"}, "x"]), encoding="utf-8")
    code, out, err = run_cli(capsys, "scan", "--from-osquery", path, "--no-history")
    assert (code, out) == (2, "")
    assert err.strip() == (f"No host is named in {path}: they hold no row of AppWarden's exported queries "
                           "(2 rows read, 2 lines or rows damaged), so nothing can be said of any host.")


def test_reports_from_many_devices(capsys, tmp_path):
    reports = []
    for number, installed in enumerate(["fakeapp", "", "fakeapp"], start=1):
        disk = tmp_path / f"disk{number}"
        (disk / "etc").mkdir(parents=True)
        (disk / "etc/os-release").write_text("ID=debian\n")
        (disk / "etc/hostname").write_text(f"desk-{number}\n")
        (disk / "var/lib/dpkg").mkdir(parents=True)
        (disk / "var/lib/dpkg/status").write_text(f"Package: {installed}\nStatus: install ok installed\nVersion: 1\n\n" if installed else "")
        report = tmp_path / f"report{number}.json"
        run_cli(capsys, "scan", "--root", disk, "--no-default-policy", "--policy", MINIMAL, "--no-history", "--format", "json", "--output", report)
        reports.append(report)
    broken = tmp_path / "broken.json"
    broken.write_text("{}")
    code, report, _ = summary(capsys, "--from-reports", *reports, broken, "--no-default-policy", "--policy", MINIMAL)
    assert (code, report["origin"], report["host_count"], report["hosts_with_findings"]) == (1, "reports", 3, 2)
    assert [(r["rule"], r["hosts"]) for r in report["rules"]] == [("fakeapp", ["desk-1", "desk-3"])]
    (unreadable,) = report["coverage"]
    assert unreadable["detail"] == "1 report could not be read" and unreadable["problems"][0]["location"] == str(broken)
    assert all(h["reference"].startswith("AW-") for h in report["hosts"])


def _versioned_policies():
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="appwarden-versions-"))
    text = MINIMAL.read_text(encoding="utf-8").replace('vendor = "Fake Corp"', 'vendor = "Fake Corp"\nversions = "<4"')
    (folder / "versioned.toml").write_text(text, encoding="utf-8")
    return load_policies([folder / "versioned.toml"], include_default=False)


VERSIONED = _versioned_policies()
values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.just("9" * 5000)
                      | st.sampled_from(["fakeapp", "deb", "deb_packages", "linux", "h"]),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
                          ["host", "osquery_table", "platform", "rule", "namespace", "identifier", "table_rows", "columns",
                           "snapshot", "rows", "diffResults", "action", "results", "name"]), inner, max_size=5), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(document=values, lines=st.lists(st.text(max_size=30), max_size=5), csv_text=st.text(max_size=120))
def test_any_input_is_read_or_refused_with_a_sentence(tmp_path_factory, document, lines, csv_text):
    folder = tmp_path_factory.mktemp("hostile")
    for name, text in (("a.json", json.dumps(document)), ("b.log", "\n".join(lines)), ("c.csv", "osquery_table,host\n" + csv_text)):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        try:
            rows = read_results([path])
        except ReportFileError as error:
            assert str(path) in error.render()
            continue
        assert rows.rows_read >= rows.other_rows >= 0
        for host in rows.hosts.values():
            assert host.name and host.platform in ("linux", "macos", "windows")
        try:  # and through matching, with a rule whose version range every row's version meets
            fleet_from_osquery([path], VERSIONED, dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc))
        except ReportFileError as error:
            assert "No host is named" in error.render()


def test_a_line_break_character_inside_a_value_does_not_break_the_line(capsys, tmp_path, three_hosts):
    """JSON may hold U+2028 or U+0085 raw, and osquery writes them so: lines end at \\n only."""
    name, results = three_hosts[0]
    results = {query: [{**row, "location": "C:\\Tencent\u2028\u0085"} if row.get("namespace") else row for row in rows]
               for query, rows in results.items()}
    path = tmp_path / "osqueryd.results.log"
    path.write_text(fleet_data.as_result_log([(name, results)]), encoding="utf-8")
    code, report, _ = summary(capsys, "--from-osquery", path)
    assert (code, report["hosts_with_findings"], report["coverage"][0]["source"]) == (1, 1, "osquery")


def test_snapshots_apply_in_the_order_osquery_wrote_them(tmp_path, three_hosts):
    name, results = three_hosts[0]
    older, newer = json.loads(fleet_data.as_result_log([(name, results)]).splitlines()[0]), None
    older["unixTime"] = 1000
    newer = {**older, "unixTime": 2000, "snapshot": []}
    current, rotated = tmp_path / "osqueryd.results.log", tmp_path / "osqueryd.results.log.1"
    current.write_text(json.dumps(newer) + "\n", encoding="utf-8")
    rotated.write_text(json.dumps(older) + "\n", encoding="utf-8")
    assert older["name"].endswith("appwarden_windows_programs") and older["snapshot"]
    (host,) = read_results([current, rotated]).hosts.values()  # as a shell lists them: the newer first
    assert host.items == {}


def test_hosts_sharing_a_uuid_stay_apart_by_name(capsys, tmp_path, three_hosts):
    rows = [{**row, "host_uuid": "00000000-0000-0000-0000-000000000000"}
            for _, results in three_hosts for query in results.values() for row in query]
    path = tmp_path / "clones.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    _, report, _ = summary(capsys, "--from-osquery", path)
    assert [(h["host"], h["platform"]) for h in report["hosts"]] == [("mac-3", "macos"), ("pc-1", "windows"), ("pc-2", "linux")]


def test_a_clipped_fleet_report_and_a_row_no_query_returns_are_coverage(capsys, tmp_path, three_hosts):
    document = json.loads(SHAPES["fleet-report-api"](three_hosts))
    document["report_clipped"] = True
    forged = {**document["results"][0]["columns"], "osquery_table": "file", "namespace": "android_package", "identifier": "com.tencent.mm"}
    document["results"].append({"host_name": "pc-1", "columns": forged})
    path = tmp_path / "report.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    _, report, _ = summary(capsys, "--from-osquery", path)
    (damaged,) = [c for c in report["coverage"] if c["source"] == "results"]
    assert [p["reason"] for p in damaged["problems"]] == [
        "Fleet stopped storing this report's rows at its limit (query_report_cap): hosts may be missing from it",
        "osquery's file table does not show that kind of identifier (android_package)"]
    assert report["hosts_with_findings"] == 2


def test_a_host_name_cannot_write_lines_of_the_text_report(capsys, tmp_path, three_hosts):
    name, results = three_hosts[0]
    forged = "pc-1\nThe 3 hosts have no prohibited app.\x1b[2J"
    rows = [{**row, "host": forged} for query in results.values() for row in query]
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    code, text, _ = run_cli(capsys, "scan", "--from-osquery", path, "--no-history")
    assert code == 1
    assert "The 3 hosts have no prohibited app." not in text.splitlines()
    assert "\x1b" not in text and "  1. pc-1\\nThe 3 hosts have no prohibited app.\\x1b[2J (Windows)" in text


def test_a_hostile_version_reaches_matching_without_a_crash(tmp_path):
    row = {"host": "h", "host_uuid": "u", "platform": "linux", "osquery_table": "deb_packages", "rule": "fakeapp",
           "namespace": "deb", "identifier": "fakeapp", "name": "fakeapp", "publisher": "", "version": "9" * 5000,
           "location": "dpkg"}
    path = tmp_path / "version.json"
    path.write_text(json.dumps([row]), encoding="utf-8")
    result = fleet_from_osquery([path], VERSIONED, dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc))
    (host,) = result.hosts
    assert [f.rule.id for f in host.findings] == ["fakeapp"]  # a version that cannot be compared: the rule applies
