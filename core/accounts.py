"""Which accounts a check read: the scope of a check made without administrator rights.

Each home folder on the target is one account. An ordinary account cannot open other accounts'
homes (/root is private, and so is another person's C:\\Users folder): such a check is complete
for what it covers, and its scope names the accounts it could not read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Iterable

from appwarden.core.messages import Message
from appwarden.core.sources.base import WINDOWS, Coverage, CoverageLog, ReadProblem, ScanTarget, display_path

USERS_FOLDERS = frozenset({"home", "users"})  # the folders that hold homes, compared without case


@dataclass(frozen=True)
class Account:
    """One account, named after its home folder, with why it was not read when it was not."""

    name: str
    home: str  # as on the device: /home/alice, /root, C:\Users\alice
    reason: Message | None = None
    elevation_helps: bool = False


@dataclass(frozen=True)
class AccountScope:
    """The accounts a check read and those it did not; `unlisted` holds users folders that could not be
    listed, whose accounts are therefore unknown."""

    checked: tuple[Account, ...] = ()
    not_checked: tuple[Account, ...] = ()
    unlisted: tuple[ReadProblem, ...] = ()
    windows: bool = False  # paths compare without case

    @property
    def need_rights(self) -> tuple[Account, ...]:
        """The accounts that administrator rights would let a check read."""
        return tuple(a for a in self.not_checked if a.elevation_helps)

    @property
    def every_account(self) -> bool:
        return not self.not_checked and not self.unlisted

    def explains(self, problem: ReadProblem) -> bool:
        """Whether a source's problem lies in an account that only administrator rights can read."""
        return any(_inside(problem.location, account.home, self.windows) for account in self.need_rights)

    def explains_all(self, coverage: Coverage) -> bool:
        """Whether everything a source could not read lies in such accounts (it read all the rest)."""
        return bool(coverage.problems) and all(self.explains(p) for p in coverage.problems)


def account_scope(target: ScanTarget, coverage: Iterable[Coverage] = ()) -> AccountScope:
    """The target's accounts, each tried the way every per-user source reads it: by listing its home.

    A home that can be listed but holds folders the sources were refused (macOS keeps Library and
    Documents private in an open home) is not checked either, unless it is the running account's
    own: what this account cannot read of its own stays a plain coverage problem.
    """
    log = CoverageLog("accounts", target)
    windows = target.os == WINDOWS
    refused = [p.location for c in coverage for p in c.problems if p.elevation_helps]
    checked, not_checked = [], []
    for home in target.user_homes(log):
        account = _home_account(target, home, refused, log)
        (checked if account.reason is None else not_checked).append(account)
    met_while_listing, unlisted = _listing_problems(log.problems, windows)
    return AccountScope(tuple(checked), tuple(not_checked + met_while_listing), tuple(unlisted), windows)


def _home_account(target: ScanTarget, home: Path, refused: list[str], log: CoverageLog) -> Account:
    shown = display_path(target, home)
    name = _account_name(home.name, shown)
    try:
        target.names_in(home)
    except OSError as error:
        log.os_problem(home, error)
        refusal = log.problems.pop()  # said here, as the account's reason, not as a users folder's
        return Account(name, shown, refusal.reason, refusal.elevation_helps)
    windows, own = target.os == WINDOWS, _own_home(target)
    is_own = own is not None and _inside(own, shown, windows) and _inside(shown, own, windows)
    if not is_own and any(_inside(place, shown, windows) for place in refused):
        return Account(name, shown, Message.of("permission denied for some of its folders"), True)
    return Account(name, shown)


def _listing_problems(problems: list[ReadProblem], windows: bool) -> tuple[list[Account], list[ReadProblem]]:
    """What listing the users folders met: a home that could not be looked at is an account not
    checked; a users folder that could not be listed hides its accounts."""
    accounts, unlisted = [], []
    for problem in problems:
        place = _pure(problem.location, windows)
        if place.parent.name.casefold() in USERS_FOLDERS:
            accounts.append(Account(place.name, problem.location, problem.reason, problem.elevation_helps))
        else:
            unlisted.append(problem)
    return accounts, unlisted


def _account_name(folder_name: str, shown: str) -> str:
    return "root" if shown == "/root" else folder_name


def _own_home(target: ScanTarget) -> str | None:
    """The running account's home as the target shows it, on the running device only."""
    if not target.live:
        return None
    home = os.path.expanduser("~")
    return display_path(target, Path(home)) if os.path.isabs(home) else None


def _pure(location: str, windows: bool) -> PurePosixPath | PureWindowsPath:
    return PureWindowsPath(location) if windows else PurePosixPath(location)


def _inside(location: str, home: str, windows: bool) -> bool:
    place, folder = _pure(location, windows), _pure(home, windows)
    if windows:
        place, folder = PureWindowsPath(str(place).casefold()), PureWindowsPath(str(folder).casefold())
    return place == folder or folder in place.parents



MAX_ACCOUNTS = 10_000
MAX_TEXT = 64 * 1024


def scope_from_report(report: dict) -> AccountScope:
    """The scope a JSON report gives (core.reports.json_report writes it), read strictly: a report
    is someone else's file. A report from before scopes gives the empty scope. Raises ValueError."""
    scope = report.get("scope")
    if scope is None:
        return AccountScope()
    target = report.get("target")
    windows = isinstance(target, dict) and target.get("os") == WINDOWS
    checked = tuple(Account(_text(a, "name"), _text(a, "home")) for a in _entries(scope, "accounts_checked"))
    not_checked = tuple(
        Account(_text(a, "name"), _text(a, "home"), Message(_text(a, "reason")), _flag(a, "elevation_helps"))
        for a in _entries(scope, "accounts_not_checked")
    )
    unlisted = tuple(
        ReadProblem(_text(p, "location"), Message(_text(p, "reason")), _flag(p, "elevation_helps"))
        for p in _entries(scope, "users_folders_not_listed")
    )
    return AccountScope(checked, not_checked, unlisted, windows)


def _entries(scope: object, key: str) -> list[dict]:
    entries = scope.get(key) if isinstance(scope, dict) else None
    if not isinstance(entries, list) or len(entries) > MAX_ACCOUNTS or not all(isinstance(e, dict) for e in entries):
        raise ValueError(f"scope.{key}")
    return entries


def _text(entry: dict, key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ValueError(key)
    return value


def _flag(entry: dict, key: str) -> bool:
    value = entry.get(key)
    if not isinstance(value, bool):
        raise ValueError(key)
    return value
