"""The scope of a check: which accounts it read. A check by an ordinary account is a complete answer
for what it covers, and names the accounts that need administrator rights."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, strategies as st

from appwarden.core.accounts import Account, AccountScope, account_scope, scope_from_report
from appwarden.core.i18n import Translator
from appwarden.core.messages import Message
from appwarden.core.policy.loader import load_policies
from appwarden.core.reports import render_report, wording
from appwarden.core.reports.json_report import report_dict
from appwarden.core.scan import run_scan
from appwarden.core.sources import ALL_SOURCES
from appwarden.core.sources.base import ReadProblem, ScanTarget
from appwarden.core.target import make_target
from tests.conftest import FIXTURES
from tests.core.history.other_account import run_as, second_account
from tests.core.sources.conftest import deny_reading  # noqa: F401  (a fixture: reads as an ordinary account)

# A pack whose one app is on no machine: what this machine runs or installs meanwhile (other tests
# install a real wechat package) cannot change the verdicts below.
MINIMAL = ("--no-default-policy", "--policy", str(FIXTURES / "policies" / "minimal.toml"))
ONE_OTHER_ACCOUNT = (
    "Your account and the system were checked; 1 other account on this computer was not (it needs administrator rights)."
)


def disk_with_two_accounts(tmp_path):
    root = tmp_path / "disk"
    (root / "etc").mkdir(parents=True)
    (root / "etc/os-release").write_text("ID=debian\n")
    (root / "home/alice/.config").mkdir(parents=True)
    (root / "home/bob/Applications").mkdir(parents=True)
    (root / "home/bob/Applications/WeChatLinux_x86_64.AppImage").write_bytes(b"\x7fELF")
    return root


def test_an_ordinary_account_checks_itself_and_the_system_and_names_the_account_it_could_not_read():
    """The real thing: AppWarden run by the unprivileged account appwarden-test on this machine,
    where /root is private (0700). Its JSON report stays incomplete, names root's account as not
    checked, and exits 0 (nothing found), as the findings alone decide."""
    if not os.path.isdir("/root") or os.stat("/root").st_mode & 0o005:
        pytest.skip("needs a private /root, as on this machine")
    account = second_account()
    ran = run_as(account.uid, account.gid, ["scan", "--format", "json", "--no-history", *MINIMAL], None)
    report = json.loads(ran.stdout)
    assert (ran.returncode, report["complete"], report["compliant"]) == (0, False, True)
    scope = report["scope"]
    assert scope["accounts_not_checked"] == [
        {"name": "root", "home": "/root", "reason": "permission denied", "elevation_helps": True}
    ]
    assert scope["every_account"] is False and scope["users_folders_not_listed"] == []
    assert scope["sentence"] == ONE_OTHER_ACCOUNT
    assert {"name": "root", "home": "/root"} not in scope["accounts_checked"]
    # Coverage keeps the exact facts for the help desk.
    flatpak = next(c for c in report["coverage"] if c["source"] == "flatpak")
    assert {"location": "/root/.local/share/flatpak/app", "reason": "permission denied", "elevation_helps": True} in flatpak["problems"]
    assert ran.stderr == "To check every account, run the check with administrator rights: sudo appwarden scan\n"


def test_the_text_report_of_an_ordinary_account_says_the_scope_and_no_alarm():
    account = second_account()
    ran = run_as(account.uid, account.gid, ["scan", "--no-history", *MINIMAL], None)
    lines = ran.stdout.splitlines()
    verdict = lines.index("No prohibited application found.")
    assert lines[verdict + 1:verdict + 3] == [ONE_OTHER_ACCOUNT, "Accounts not checked: root (/root)."]
    assert lines[-1] == "Every source that applies was read, except in the accounts that were not checked."
    french = run_as(account.uid, account.gid, ["scan", "--no-history", "--lang", "fr", *MINIMAL], None).stdout.splitlines()
    assert "Votre compte et le système ont été vérifiés; 1 autre compte de cet ordinateur ne l’a pas été " \
        "(il faut des droits d’administrateur)." in french


def test_with_administrator_rights_every_account_is_checked():
    """This test process runs as root here: it reads every home, /root included."""
    if os.geteuid() != 0:
        pytest.skip("needs root, which reads every account")
    result = run_scan(make_target(), load_policies())
    assert result.scope.every_account and ("root", "/root") in [(a.name, a.home) for a in result.scope.checked]
    assert wording.accounts_sentence(result, Translator("en")) == "The system and every account on this computer were checked."
    assert wording.accounts_lines(result, Translator("en")) == []


def test_a_disk_whose_other_account_cannot_be_read_is_complete_for_what_it_covers(tmp_path, deny_reading):
    root = disk_with_two_accounts(tmp_path)
    deny_reading(root / "home/bob")
    result = run_scan(ScanTarget(root, "linux", live=False), load_policies())
    assert [(a.name, a.home) for a in result.scope.checked] == [("alice", "/home/alice")]
    assert result.scope.not_checked == (Account("bob", "/home/bob", Message.of("permission denied"), True),)
    assert (result.complete, result.complete_for_its_scope, result.findings) == (False, True, ())
    t = Translator("en")
    assert wording.verdict(result, t) == "No prohibited application found."
    assert wording.result_details(result, t) == (
        "The system and the other accounts on this disk were checked; 1 account was not (it needs administrator rights)."
        "\nAccounts not checked: bob (/home/bob)."
    )
    html = render_report(result, "html", t)
    assert '<p class="verdict ok" role="status">' in html
    assert '<p class="scope">Accounts not checked: bob (/home/bob).</p>' in html
    assert report_dict(result, t)["complete"] is False


def test_a_users_folder_that_cannot_be_listed_stays_a_warning(tmp_path, deny_reading):
    root = disk_with_two_accounts(tmp_path)
    deny_reading(root / "home")
    result = run_scan(ScanTarget(root, "linux", live=False), load_policies())
    assert result.scope.unlisted == (ReadProblem("/home", Message.of("permission denied"), True),)
    assert not result.complete_for_its_scope
    t = Translator("en")
    assert wording.verdict(result, t).startswith("No prohibited application found in what could be checked")
    assert wording.accounts_sentence(result, t) == "The accounts in /home could not be listed, so they were not checked."


def test_other_problems_than_accounts_keep_the_check_incomplete(tmp_path, deny_reading):
    root = disk_with_two_accounts(tmp_path)
    (root / "var/lib/dpkg").mkdir(parents=True)
    (root / "var/lib/dpkg/status").write_text("Package: vim\nStatus: install ok installed\n\n")
    (root / "var/lib/dpkg/status").chmod(0)
    deny_reading(root / "home/bob")
    result = run_scan(ScanTarget(root, "linux", live=False), load_policies())
    assert not result.complete_for_its_scope
    dpkg = next(source.spec.title for source in ALL_SOURCES if source.spec.name == "dpkg")
    assert wording.not_checked_sentence(result, Translator("en")) == f"Could not be checked completely: {dpkg}."  # only dpkg


def test_only_places_inside_an_unread_home_are_explained_by_it():
    scope = AccountScope(not_checked=(Account("root", "/root", Message.of("permission denied"), True),))
    problem = lambda location: ReadProblem(location, Message.of("permission denied"), True)  # noqa: E731
    assert scope.explains(problem("/root")) and scope.explains(problem("/root/.xwechat"))
    assert not scope.explains(problem("/rootless/x")) and not scope.explains(problem("/home/alice"))
    windows = AccountScope(not_checked=(Account("Bob", "C:\\Users\\Bob", None, True),), windows=True)
    assert windows.explains(problem("C:\\users\\bob\\AppData\\Local\\Packages"))
    unreadable_name = AccountScope(not_checked=(Account("x", "/home/x", Message.of("the name is not valid UTF-8; skipped"), False),))
    assert not unreadable_name.explains(problem("/home/x/.config"))  # administrator rights would not help


names = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
accounts = st.builds(Account, names, names)
unread = st.builds(Account, names, names, st.builds(Message, names), st.booleans())


@given(st.lists(accounts, max_size=4), st.lists(unread, max_size=4), st.sampled_from(["linux", "windows"]))
def test_a_reports_scope_reads_back_as_it_was_written(checked, not_checked, os_name):
    scope = AccountScope(tuple(checked), tuple(not_checked), windows=os_name == "windows")
    written = {
        "target": {"os": os_name},
        "scope": {
            "accounts_checked": [{"name": a.name, "home": a.home} for a in checked],
            "accounts_not_checked": [
                {"name": a.name, "home": a.home, "reason": a.reason.template, "elevation_helps": a.elevation_helps}
                for a in not_checked
            ],
            "users_folders_not_listed": [],
        },
    }
    assert scope_from_report(json.loads(json.dumps(written))) == scope


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=25), inner, max_size=4)))
def test_any_scope_value_is_read_or_refused_with_value_error(value):
    report = {"scope": value}
    try:
        scope = scope_from_report(report)
    except ValueError:
        return
    assert isinstance(scope, AccountScope)


def test_a_report_from_before_scopes_has_the_empty_scope():
    assert scope_from_report({"schema": 1}) == AccountScope()


def test_the_accounts_of_a_disk_are_its_homes(tmp_path):
    root = disk_with_two_accounts(tmp_path)
    (root / "root").mkdir()
    scope = account_scope(ScanTarget(root, "linux", live=False))
    assert [(a.name, a.home) for a in scope.checked] == [("alice", "/home/alice"), ("bob", "/home/bob"), ("root", "/root")]
    assert scope.every_account


def test_a_report_read_back_keeps_its_scope(tmp_path, deny_reading):
    """Open report (and Check all accounts, which reads the elevated check's report) see the same
    accounts as the check that wrote it."""
    from pathlib import Path

    from appwarden.core.reports.json_reader import parse_report

    root = disk_with_two_accounts(tmp_path)
    deny_reading(root / "home/bob")
    result = run_scan(ScanTarget(root, "linux", live=False), load_policies())
    read_back = parse_report(render_report(result, "json", Translator("en")).encode(), Path("sent.json")).result
    assert [(a.name, a.home) for a in read_back.scope.checked] == [("alice", "/home/alice")]
    assert [(a.name, a.home, str(a.reason), a.elevation_helps) for a in read_back.scope.not_checked] == [
        ("bob", "/home/bob", "permission denied", True)
    ]
    assert read_back.complete_for_its_scope and not read_back.complete


def test_an_open_home_with_private_folders_is_an_account_not_checked(tmp_path, deny_reading):
    """As on a Mac, where /Users/bob can be listed but its Library and Documents are bob's alone."""
    root = disk_with_two_accounts(tmp_path)
    deny_reading(root / "home/bob/Applications")
    result = run_scan(ScanTarget(root, "linux", live=False), load_policies())
    assert result.scope.not_checked == (
        Account("bob", "/home/bob", Message.of("permission denied for some of its folders"), True),
    )
    assert [a.name for a in result.scope.checked] == ["alice"]
    assert result.complete_for_its_scope and not result.complete


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, to list /root")
def test_what_the_running_account_cannot_read_of_its_own_home_stays_a_coverage_problem(monkeypatch):
    from appwarden.core.sources.base import Coverage, CoverageStatus

    refused = ReadProblem("/root/Downloads", Message.of("permission denied"), True)
    coverage = (Coverage("appimage", CoverageStatus.PARTIAL, Message.of("permission denied"), (refused,)),)
    monkeypatch.setenv("HOME", "/root")
    own = account_scope(make_target(), coverage)
    assert ("root", "/root") in [(a.name, a.home) for a in own.checked] and not own.explains(refused)
    monkeypatch.setenv("HOME", "/nonexistent")  # another account's check, meeting root's private folder
    other = account_scope(make_target(), coverage)
    assert Account("root", "/root", Message.of("permission denied for some of its folders"), True) in other.not_checked
    assert other.explains(refused)


def test_a_disk_none_of_whose_accounts_can_be_read_does_not_say_the_others_were(tmp_path, deny_reading):
    root = disk_with_two_accounts(tmp_path)
    (root / "home/bob").chmod(0)  # before deny_reading, which then acts as an account that is not root
    deny_reading(root / "home/alice")
    result = run_scan(ScanTarget(root, "linux", live=False), load_policies())
    assert result.scope.checked == () and len(result.scope.need_rights) == 2
    assert wording.accounts_sentence(result, Translator("en")) == (
        "The system on this disk was checked, but not its 2 accounts (they need administrator rights)."
    )
    assert wording.accounts_sentence(result, Translator("fr")) == (
        "Le système de ce disque a été vérifié, mais pas ses 2 comptes (il faut des droits d’administrateur)."
    )
