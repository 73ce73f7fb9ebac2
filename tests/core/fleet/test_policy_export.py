"""`appwarden policy export`: the Fleet files read back with a YAML library field by field, the
osquery pack as osquery's pack format, the phones' lists as CSV; every query runs in SQLite
against osquery's own tables."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

import yaml

from appwarden.core.fleet import queries
from appwarden.core.fleet.tables import OSQUERY_PLATFORMS
from appwarden.core.policy.loader import load_policies
from tests.conftest import FIXTURES, run_cli
from tests.core.fleet.osquery_schema import osquery_database, read_specs

POLICIES = load_policies([], include_default=True)
PLATFORM_OF = {v: k for k, v in OSQUERY_PLATFORMS.items()}


def export(capsys, tmp_path, format, *more):
    folder = tmp_path / format
    code, out, err = run_cli(capsys, "policy", "export", "--format", format, "--output", folder, *more)
    assert (code, err) == (0, ""), err
    return folder, out


def test_fleet_policies_read_back_field_by_field(capsys, tmp_path):
    folder, out = export(capsys, tmp_path, "fleet")
    text = (folder / "appwarden.policies.yml").read_text(encoding="utf-8")
    assert "$" not in text  # fleetctl would read it as an environment variable
    policies = yaml.safe_load(text)
    expected = [(rule, platform) for rule in POLICIES.rules for platform in ("linux", "macos", "windows")
                if queries.policy_query(rule, platform)]
    assert len(policies) == len(expected) == 9
    for policy, (rule, platform) in zip(policies, expected):
        assert list(policy) == ["name", "description", "resolution", "query", "platform", "critical"]
        assert policy["query"] == queries.policy_query(rule, platform)
        assert policy["platform"] == OSQUERY_PLATFORMS[platform]
        assert policy["name"].endswith(f"[appwarden:{rule.id}]")
        directive = POLICIES.directive(rule.directive_id)
        for part in (directive.title.get("en"), directive.authority.get("en"), directive.scope.description.get("en"), directive.url.get("en")):
            assert part in policy["description"]
        assert rule.removal[platform].get("en").strip() in policy["resolution"]
        assert f"appwarden remove {rule.id}" in policy["resolution"]
        # The directives cover mobile devices only: on computers removal is recommended, not critical.
        assert policy["critical"] is False
    assert len({p["name"] for p in policies}) == len(policies)
    assert "9 Fleet policies, 29 Fleet reports" in out
    assert "wechat: flatpak (osquery has no Flatpak table): com.tencent.WeChat" in out
    assert "Not in this export, because osquery cannot show them:" in text  # the header says it too


def test_fleet_texts_follow_lang(capsys, tmp_path):
    folder, _ = export(capsys, tmp_path, "fleet", "--lang", "fr")
    policies = yaml.safe_load((folder / "appwarden.policies.yml").read_text(encoding="utf-8"))
    wechat = next(p for p in policies if p["name"].endswith("[appwarden:wechat]") and p["platform"] == "windows")
    assert POLICIES.rule("wechat").removal["windows"].get("fr").strip() in wechat["resolution"]
    assert "appwarden remove wechat" in wechat["resolution"]
    assert wechat["name"] == "Aucune installation de WeChat (Weixin) (Windows) [appwarden:wechat]"


def test_fleet_reports_run_in_sqlite_with_the_columns_the_import_reads(capsys, tmp_path):
    folder, _ = export(capsys, tmp_path, "fleet")
    reports = yaml.safe_load((folder / "appwarden.reports.yml").read_text(encoding="utf-8"))
    specs = read_specs()
    assert len({r["name"] for r in reports}) == len(reports) == 29
    for report in reports:
        assert list(report) == ["name", "description", "query", "interval", "platform", "logging"]
        assert (report["interval"], report["logging"]) == (3600, "snapshot")
        connection = osquery_database(specs, PLATFORM_OF[report["platform"]])
        cursor = connection.execute(report["query"])
        names = tuple(c[0] for c in cursor.description)
        assert names == (queries.CENSUS_COLUMNS if report["name"].endswith("_tables") else queries.INVENTORY_COLUMNS)


def test_osquery_pack_is_osquerys_pack_format(capsys, tmp_path):
    folder, _ = export(capsys, tmp_path, "osquery")
    pack = json.loads((folder / "appwarden.pack.conf").read_text(encoding="utf-8"))
    assert list(pack) == ["queries"]
    specs = read_specs()
    for name, query in pack["queries"].items():
        assert set(query) == {"query", "interval", "platform", "snapshot", "description"}
        assert isinstance(query["interval"], int) and 0 < query["interval"] <= 604800
        assert query["platform"] in ("linux", "darwin", "windows") and query["snapshot"] is True
        osquery_database(specs, PLATFORM_OF[query["platform"]]).execute(query["query"]).fetchall()
    assert len(pack["queries"]) == 29
    notes = (folder / "EXPORT-NOTES.txt").read_text(encoding="utf-8")
    assert "wechat: snap (osquery has no Snap table): wechat" in notes


def read_csv(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def test_mdm_lists_every_phone_identifier_with_its_directive(capsys, tmp_path):
    folder, out = export(capsys, tmp_path, "mdm")
    android = read_csv(folder / "android-blocked-apps.csv")
    ios = read_csv(folder / "ios-blocked-apps.csv")
    assert [r["identifier"] for r in android] == [i for rule in POLICIES.rules for i in rule.identifiers.get("android_package", ())]
    assert [r["identifier"] for r in ios] == [i for rule in POLICIES.rules for i in rule.identifiers.get("ios_bundle_id", ())]
    wechat = next(r for r in android if r["identifier"] == "com.tencent.mm")
    assert wechat == {
        "identifier": "com.tencent.mm", "platform": "android", "rule": "wechat", "app": "WeChat (Weixin)", "vendor": "Tencent",
        "directive": "ca-tbs-2023-wechat-kaspersky",
        "directive_title": "Minister Anand announces a ban on the use of WeChat and Kaspersky suite of applications on government mobile devices",
        "authority": "Treasury Board of Canada Secretariat (statement by the President of the Treasury Board, Anita Anand)",
        "effective": "2023-10-30", "on_issued_phones": "required", "source": f"ca-gc {POLICIES.packs[0].version} (canada.toml)",
    }
    assert "13 Android app ids, 5 iPhone and iPad app ids" in out


HOSTILE = """schema = 1
[pack]
id = "hostile"
version = "1"
name = { en = "=cmd|' /C calc'!A0", fr = "x" }
[[directives]]
id = "d"
authority = { en = "@SUM(1+1)", fr = "x" }
title = { en = "+Title", fr = "x" }
document_date = 2023-01-01
effective = 2023-01-02
url = "https://example.org/"
finding = { en = "f", fr = "f" }
scope = { device_classes = ["mobile"], description = { en = "phones", fr = "téléphones" } }
[[rules]]
id = "evil"
name = { en = "=HYPERLINK(\\"http://evil\\")", fr = "x" }
vendor = "-Vendor"
directive = "d"
rationale = { en = "r", fr = "r" }
identifiers = { ios_bundle_id = ["com.example.ok"], deb = ["x'; DROP TABLE deb_packages; --", "$HOME"] }
removal = { linux = { en = "Remove $PATH ${HOME}.", fr = "x" } }
"""


def test_a_hostile_pack_cannot_reach_a_spreadsheet_or_a_query(capsys, tmp_path):
    pack = tmp_path / "hostile.toml"
    pack.write_text(HOSTILE, encoding="utf-8")
    folder, out = export(capsys, tmp_path, "mdm", "--no-default-policy", "--policy", pack)
    rows = read_csv(folder / "ios-blocked-apps.csv")
    assert [r["identifier"] for r in rows] == ["com.example.ok"]
    assert (rows[0]["app"], rows[0]["vendor"], rows[0]["directive_title"], rows[0]["authority"]) == (
        "'=HYPERLINK(\"http://evil\")", "'-Vendor", "'+Title", "'@SUM(1+1)")
    # An identifier shaped like a formula never gets this far: the loader takes exact ids only.
    pack.write_text(HOSTILE.replace('["com.example.ok"]', '["=HYPERLINK(1)"]'), encoding="utf-8")
    code, _, err = run_cli(capsys, "policy", "export", "--format", "mdm", "--output", tmp_path / "refused", "--no-default-policy", "--policy", pack)
    assert code == 2 and "must be one exact bundle id" in err and not (tmp_path / "refused").exists()
    pack.write_text(HOSTILE, encoding="utf-8")
    folder, _ = export(capsys, tmp_path, "fleet", "--no-default-policy", "--policy", pack)
    text = (folder / "appwarden.policies.yml").read_text(encoding="utf-8")
    assert "$" not in text
    policy = next(p for p in yaml.safe_load(text) if p["platform"] == "linux")
    assert "Remove $PATH ${HOME}." in policy["resolution"]
    connection = osquery_database(read_specs(), "linux")
    assert connection.execute(policy["query"]).fetchall() == [(1,)]
    connection.execute("INSERT INTO deb_packages (name) VALUES (?)", ("x'; DROP TABLE deb_packages; --",))
    assert connection.execute(policy["query"]).fetchall() == []
    connection.execute("DELETE FROM deb_packages")
    connection.execute("INSERT INTO deb_packages (name) VALUES ('$home')")
    assert connection.execute(policy["query"]).fetchall() == []


def test_an_export_into_a_file_is_refused_with_a_sentence(capsys, tmp_path):
    target = tmp_path / "not-a-folder"
    target.write_text("keep me\n")
    code, out, err = run_cli(capsys, "policy", "export", "--format", "osquery", "--output", target)
    assert code == 2 and "Traceback" not in err
    assert err.strip().startswith(f"Cannot make the folder {target}")
    assert target.read_text() == "keep me\n"


def test_minimal_pack_exports_what_it_can(capsys, tmp_path):
    folder, out = export(capsys, tmp_path, "osquery", "--no-default-policy", "--policy", FIXTURES / "policies" / "minimal.toml")
    pack = json.loads((folder / "appwarden.pack.conf").read_text(encoding="utf-8"))
    assert sorted(pack["queries"]) == ["appwarden_darwin_processes", "appwarden_darwin_tables", "appwarden_linux_deb_packages",
                                       "appwarden_linux_processes", "appwarden_linux_tables", "appwarden_windows_processes",
                                       "appwarden_windows_tables"]


def _pack_of_many(rules: int, names: int) -> str:
    """A pack of `rules` rules, each with an uninstall key and `names` display names."""
    head = HOSTILE.split("[[rules]]")[0].replace('id = "hostile"', 'id = "many"')
    body = []
    for number in range(rules):
        listed = ", ".join(f'"App{number} Edition{n}"' for n in range(names))
        body.append(f"""[[rules]]
id = "app{number}"
name = {{ en = "App {number}", fr = "Appli {number}" }}
vendor = "Vendor"
directive = "d"
rationale = {{ en = "r", fr = "r" }}
identifiers = {{ windows_uninstall_key = ["App{number}"], deb = ["app{number}"] }}
display_names = {{ names = [{listed}], publishers = ["Vendor"] }}
removal = {{ windows = {{ en = "Remove it.", fr = "Retirez-la." }} }}
""")
    return head + "\n".join(body)


@pytest.mark.parametrize("rules, names", [(200, 1), (1, 600)])
def test_a_large_pack_exports_queries_sqlite_runs(capsys, tmp_path, rules, names):
    """SQLite takes 500 terms in a UNION ALL and expressions 1,000 deep: a large pack stays within."""
    pack = tmp_path / "many.toml"
    pack.write_text(_pack_of_many(rules, names), encoding="utf-8")
    folder, _ = export(capsys, tmp_path, "fleet", "--no-default-policy", "--policy", pack)
    specs = read_specs()
    entries = [*yaml.safe_load((folder / "appwarden.policies.yml").read_text(encoding="utf-8")),
               *yaml.safe_load((folder / "appwarden.reports.yml").read_text(encoding="utf-8"))]
    for entry in entries:
        connection = osquery_database(specs, PLATFORM_OF[entry["platform"]])
        if entry["platform"] == "windows":
            connection.execute("INSERT INTO programs (name, publisher) VALUES (?, ?)", (f"App{rules - 1} Edition{names - 1}", "Vendor"))
        found = connection.execute(entry["query"]).fetchall()
        if entry["name"].endswith(f"[appwarden:app{rules - 1}]") and entry["platform"] == "windows":
            assert found == []  # the last rule's last name is found
        if entry["name"] == "appwarden_windows_programs":
            assert [row[4] for row in found] == [f"app{rules - 1}"]


def test_a_nul_in_a_pack_value_is_one_sentence(capsys, tmp_path):
    pack = tmp_path / "nul.toml"
    pack.write_text(HOSTILE.replace('deb = ["x', 'deb = ["a\\u0000b", "x'), encoding="utf-8")
    code, out, err = run_cli(capsys, "policy", "export", "--format", "osquery", "--output", tmp_path / "x", "--no-default-policy", "--policy", pack)
    assert (code, out) == (2, "")
    assert err.strip() == "A pack's value 'a\\x00b' holds a NUL character, which osquery's SQL cannot carry: nothing was exported."
    assert not (tmp_path / "x").exists()


def test_an_osquery_without_a_column_the_inventory_reads_fails_the_census():
    """programs.package_family_name is recent in osquery: an agent without it must not look clean."""
    specs = read_specs()
    connection = osquery_database(specs, "windows")
    connection.execute("DROP TABLE programs")
    connection.execute("CREATE TABLE programs (name TEXT, version TEXT, publisher TEXT, identifying_number TEXT, install_location TEXT)")
    tables = queries.tables_for(POLICIES.rules, "windows")
    with pytest.raises(sqlite3.OperationalError, match="package_family_name"):
        connection.execute(queries.census_query("windows", tables))
