"""A check of an Android phone with 400 packages: time waiting on the phone, and AppWarden's own time,
beside `python -S -c pass` in the same run.

No phone exists on this machine. The phone is the stand-in of the tests (tests/phone_standin.py),
which speaks the real ADB protocol on 127.0.0.1 and answers from real phone outputs
(../shared/fixtures/phones/android/). It is a Samsung with two users, the owner (0) and a work
profile (10), and 400 packages: 220 preinstalled (in both users), 177 from the Play Store (one in
eight also in the work profile, one in ten running), WeChat (com.tencent.mm, in both users, running),
Kaspersky (com.kms.free) and WeCom (com.tencent.wework, a look-alike no rule flags); 2 MB of WeChat
files in shared storage. It has already allowed AppWarden's key ("Always allow"), as a phone that
was checked before has. Its threads run in this process.

One check, in this process, with AppWarden imported and the default policy pack loaded before any
timing: `PhoneFinder.open` (TCP connect, ADB handshake and RSA authentication, getprop), `run_scan`
with `phone_target`, `render_report` as text, and closing the link. Then:

- **waiting on the phone**: the wall time spent in the link's connect and authentication, inside
  `PhoneSession.run` (every command the check runs on the phone goes through it; the script wraps
  it while it measures) and in closing the link. It holds the stand-in's own work building its
  answers (in its threads here, on the phone for a real one), the loopback wire, and adb-shell's
  reading of the stream on this side. AppWarden signing the phone's token during authentication is
  taken out of it: that is AppWarden's own work.
- **AppWarden's own**: the whole check minus waiting: signing the token, parsing what the phone
  printed, the sources, matching, the report.

Each round runs one check and one `python -S -c pass` (sys.executable, a fresh process, timed from
just before it starts until it is reaped), then, for information only, the same check as a whole
command in its own process: `python -m appwarden.core scan --phone auto --connect ADDRESS
--no-history --format text` from the project root, with its own XDG folders (its stored key made
there beforehand and allowed by the phone) and its bytecode cached in a temporary folder, as in
scan_vs_reference.py. That figure includes starting Python and every import (issue 15), so it is
not the target. The first round is a warm-up and is discarded; medians are reported.

Target: AppWarden's own time under 5 times `python -S -c pass`, printed as PASS or MISS.

    .venv/bin/python bench/phone_check.py                        # 15 measured rounds (~10 s)
    .venv/bin/python bench/phone_check.py --runs 30 --json bench/results/phone_check.json
    .venv/bin/python bench/phone_check.py --profile              # and where AppWarden's own time goes

No network is used: the phone listens on 127.0.0.1 only. The phone and the temporary folders are
gone at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

import pytest  # noqa: E402  (the stand-in phone skips, as a test does, when ../shared is absent)

from bench.measure import machine  # noqa: E402
from appwarden.core.i18n import Translator  # noqa: E402
from appwarden.core.phones import link as links  # noqa: E402
from appwarden.core.phones.keys import SessionKey, StoredKey  # noqa: E402
from appwarden.core.phones.link import loopback_address  # noqa: E402
from appwarden.core.phones.session import PhoneFinder, PhoneSession  # noqa: E402
from appwarden.core.policy.loader import load_policies  # noqa: E402
from appwarden.core.reports import render_report  # noqa: E402
from appwarden.core.scan import run_scan  # noqa: E402
from appwarden.core.target import phone_target  # noqa: E402
from tests.phone_standin import PhonePackage, StandInPhone  # noqa: E402

RUNS = 15
TARGET_RATIO = 5.0
PROFILED_CHECKS = 20
EXPECTED_FINDINGS = ["wechat", "kaspersky"]
EXPECTED_SUMMARY = "2 prohibited applications found."
#: Exit codes of `appwarden scan` when it worked: 0 nothing found, 1 findings.
APPWARDEN_OK_EXITS = (0, 1)
OWNER, WORK_PROFILE = (0, "Owner", 0xC13), (10, "Work profile", 0x1030)
SYSTEM_PACKAGES, STORE_PACKAGES = 220, 177


# --- the phone ----------------------------------------------------------------------------------

def phone_packages() -> list[PhonePackage]:
    """400 packages: preinstalled ones in both users, Play Store apps, WeChat, Kaspersky and WeCom."""
    packages = [PhonePackage(f"com.android.component{number}", version_name=f"{11 + number % 3}.0.{number}",
                             version_code=30 + number, installer=None, system=True, users={0, 10})
                for number in range(SYSTEM_PACKAGES)]
    packages += [PhonePackage(f"org.example.app{number}", version_name=f"{1 + number % 9}.{number % 17}.{number}",
                              version_code=1000 + number, users={0, 10} if number % 8 == 0 else {0},
                              running=number % 10 == 0)
                 for number in range(STORE_PACKAGES)]
    packages += [PhonePackage("com.tencent.mm", version_name="8.0.49", version_code=2540, users={0, 10}, running=True),
                 PhonePackage("com.kms.free", version_name="11.114.4.10580", version_code=11114),
                 PhonePackage("com.tencent.wework", version_name="4.1.22", version_code=41022)]  # WeCom, a look-alike
    return packages


def stand_in_phone(authorised_keys) -> StandInPhone:
    """The phone, not yet serving; exits with a sentence when the real phone outputs are absent."""
    try:
        return StandInPhone(packages=phone_packages(), users=(OWNER, WORK_PROFILE), authorised_keys=authorised_keys,
                            shared_storage={"/storage/emulated/0/tencent/MicroMsg": 2048})
    except pytest.skip.Exception as skipped:
        sys.exit(f"this benchmark needs the stand-in phone, which cannot be built: {skipped.msg}")


# --- one check in this process ------------------------------------------------------------------

@dataclass
class Check:
    """One check's times in seconds, and what the phone was asked."""

    whole: float = 0.0
    link: float = 0.0  # connect, ADB handshake, authentication; closing the link
    signing: float = 0.0  # inside link: AppWarden signing the phone's token, its own work, not waiting
    commands: list[tuple[str, float]] = field(default_factory=list)  # (line, seconds in PhoneSession.run)
    opened: float = 0.0  # finder.open, from the check's start
    scanned: float = 0.0  # run_scan
    rendered: float = 0.0  # render_report
    closing: float = 0.0  # session.close, also counted in link
    commands_in_open: int = 0
    findings: list[str] = field(default_factory=list)
    received_bytes: int = 0

    @property
    def waiting(self) -> float:
        return self.link - self.signing + sum(seconds for _, seconds in self.commands)

    @property
    def own(self) -> float:
        return self.whole - self.waiting

    def own_parts(self) -> dict[str, float]:
        """AppWarden's own time in the open, run_scan and the report."""
        in_open = sum(seconds for _, seconds in self.commands[:self.commands_in_open])
        in_scan = sum(seconds for _, seconds in self.commands[self.commands_in_open:])
        connect = self.link - self.closing - self.signing
        return {"open": self.opened - connect - in_open, "run_scan": self.scanned - in_scan, "report": self.rendered}


@contextlib.contextmanager
def phone_commands_timed(check_of):
    """PhoneSession.run wrapped while measuring: each command's wall time goes to check_of()."""
    original = PhoneSession.run

    def run(session, command):
        started = time.perf_counter()
        try:
            return original(session, command)
        finally:
            check_of().commands.append((command.line, time.perf_counter() - started))

    PhoneSession.run = run
    try:
        yield
    finally:
        PhoneSession.run = original


class SigningTimed:
    """The session's key, its signing of the phone's token timed as AppWarden's own work."""

    def __init__(self, key, check: Check) -> None:
        self._key, self._check = key, check
        self.android_public_key = key.android_public_key

    def sign(self, token: bytes) -> bytes:
        started = time.perf_counter()
        try:
            return self._key.sign(token)
        finally:
            self._check.signing += time.perf_counter() - started


def one_check(phone: StandInPhone, keys: SessionKey, policies, checks: list[Check]) -> tuple[Check, str]:
    check = Check()
    checks.append(check)
    writes_before = len(phone.writes)

    def connect_tcp(address, key, *args, **options):
        started = time.perf_counter()
        try:
            return links.connect_tcp(address, SigningTimed(key, check), *args, **options)
        finally:
            check.link += time.perf_counter() - started

    started = time.perf_counter()
    finder = PhoneFinder(keys, (loopback_address(phone.address),), usb=False, connect_tcp=connect_tcp)
    session = finder.open(phone.address, allow_wait_s=10)
    opened = time.perf_counter()
    check.commands_in_open = len(check.commands)
    result = run_scan(phone_target(session), policies)
    scanned = time.perf_counter()
    report = render_report(result, "text", Translator("en"))
    rendered = time.perf_counter()
    session.close()
    closed = time.perf_counter()
    check.whole = closed - started
    check.closing = closed - rendered
    check.link += check.closing
    check.opened, check.scanned, check.rendered = opened - started, scanned - opened, rendered - scanned
    check.findings = [finding.rule.id for finding in result.findings]
    check.received_bytes = sum(size for _, size in phone.writes[writes_before:])
    if check.findings != EXPECTED_FINDINGS or EXPECTED_SUMMARY not in report:
        sys.exit(f"the check of the stand-in phone found {check.findings}, not {EXPECTED_FINDINGS}")
    return check, report


# --- processes ----------------------------------------------------------------------------------

def timed_process(argv: list[str], ok_exits=(0,), **options) -> tuple[float, str]:
    """Wall seconds from just before the process starts until it is reaped, and what it printed."""
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, **options)
    elapsed = time.perf_counter() - started
    if done.returncode not in ok_exits:
        sys.exit(f"`{' '.join(argv)}` failed with exit code {done.returncode}: {done.stderr.strip()[-800:]}")
    return elapsed, done.stdout


def command_environment(scratch: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(PROJECT), PYTHONPYCACHEPREFIX=str(scratch / "pycache"), APPWARDEN_LANG="en",
               XDG_DATA_HOME=str(scratch / "data"), XDG_STATE_HOME=str(scratch / "state"),
               XDG_CONFIG_HOME=str(scratch / "config"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the warm-up compiles once; the measured runs use the .pyc files
    return env


# --- measuring ----------------------------------------------------------------------------------

@dataclass
class Samples:
    checks: list[Check] = field(default_factory=list)
    python_s: list[float] = field(default_factory=list)
    command_s: list[float] = field(default_factory=list)


def measure(phone: StandInPhone, keys: SessionKey, policies, runs: int, scratch: Path) -> Samples:
    samples, all_checks = Samples(), []
    command = [sys.executable, "-m", "appwarden.core", "scan", "--phone", "auto", "--connect", phone.address,
               "--no-history", "--format", "text"]
    env = command_environment(scratch)
    with phone_commands_timed(lambda: all_checks[-1]):
        for round_number in range(runs + 1):
            check, _ = one_check(phone, keys, policies, all_checks)
            python_s, _ = timed_process([sys.executable, "-S", "-c", "pass"])
            command_s, printed = timed_process(command, APPWARDEN_OK_EXITS, cwd=PROJECT, env=env)
            if EXPECTED_SUMMARY not in printed:
                sys.exit(f"`{' '.join(command)}` did not say {EXPECTED_SUMMARY!r}:\n{printed[-800:]}")
            if round_number == 0:
                continue  # warm-up round
            samples.checks.append(check)
            samples.python_s.append(python_s)
            samples.command_s.append(command_s)
    return samples


def summarize(samples: Samples) -> dict[str, object]:
    checks = samples.checks
    median = statistics.median
    parts = [check.own_parts() for check in checks]
    python_s = median(samples.python_s)
    own = median(check.own for check in checks)
    return {
        "phone_commands": len(checks[0].commands),
        "received_bytes": checks[0].received_bytes,
        "whole_s": median(check.whole for check in checks),
        "waiting_s": median(check.waiting for check in checks),
        "link_s": median(check.link - check.signing for check in checks),
        "signing_s": median(check.signing for check in checks),
        "commands_s": median(check.waiting - (check.link - check.signing) for check in checks),
        "own_s": own,
        "own_parts_s": {name: median(part[name] for part in parts) for name in parts[0]},
        "python_s": python_s,
        "own_over_python": own / python_s,
        "command_s": median(samples.command_s),
        "command_over_python": median(samples.command_s) / python_s,
        "target_below": TARGET_RATIO,
        "result": "PASS" if own / python_s < TARGET_RATIO else "MISS",
    }


def command_kinds(check: Check) -> str:
    """`getprop 2, pm list users 1, ...`: the check's commands by program and subcommand."""
    def kind(line: str) -> str:
        words = line.split()
        named = words[:1]
        for word in words[1:3]:
            if not re.fullmatch(r"[a-z]+", word):
                break
            named.append(word)
        return " ".join(named)

    counts = Counter(kind(line) for line, _ in check.commands)
    return ", ".join(f"{name} x{count}" if count > 1 else name for name, count in counts.items())


def print_report(summary: dict, samples: Samples, packages: int, runs: int, address: str, setup: dict) -> None:
    ms = 1000
    parts = summary["own_parts_s"]
    print(f"a check of an Android phone with {packages} packages in 2 users (the stand-in phone, tests/phone_standin.py)")
    print(f"phone commands per check: {summary['phone_commands']} ({command_kinds(samples.checks[0])}); "
          f"the phone sent {summary['received_bytes'] / 1024:.0f} KB")
    print(f"median of {runs} measured rounds, interleaved with python -S -c pass (1 warm-up round discarded)")
    print(f"in this process, imported beforehand (imports not counted); before timing, the default pack loaded in "
          f"{setup['policies_s'] * ms:.1f} ms and the session key made in {setup['key_s'] * ms:.1f} ms, once\n")
    rows = [
        ("whole check (open, run_scan, report, close)", summary["whole_s"], ""),
        ("  waiting on the phone", summary["waiting_s"],
         f"connect + auth + close {summary['link_s'] * ms:.1f}, {summary['phone_commands']} commands {summary['commands_s'] * ms:.1f}"),
        ("  AppWarden's own", summary["own_s"],
         f"open {parts['open'] * ms:.1f} (signing the phone's token {summary['signing_s'] * ms:.1f}), "
         f"run_scan {parts['run_scan'] * ms:.1f}, report {parts['report'] * ms:.1f}"),
        ("python -S -c pass (a process)", summary["python_s"], ""),
    ]
    print(f"{'':46} {'median ms':>10}")
    print("-" * 57)
    for label, seconds, note in rows:
        print(f"{label:46} {seconds * ms:10.1f}   {note}".rstrip())
    print("(medians of each part; the parts' medians need not add up to the whole's)\n")
    print(f"AppWarden's own / python -S -c pass: {summary['own_over_python']:.2f}x")
    print(f"target: AppWarden's own time under {TARGET_RATIO:.0f}x python -S -c pass   "
          f"measured {summary['own_over_python']:.2f}x   {summary['result']}")
    print("\nfor information, not the target: the same check as a whole command, in its own process, so with Python's "
          "start and every import (issue 15):")
    print(f"  python -m appwarden.core scan --phone auto --connect {address} --no-history --format text")
    print(f"  median {summary['command_s'] * ms:.1f} ms   {summary['command_over_python']:.1f}x python -S -c pass")


# --- where AppWarden's own time goes --------------------------------------------------------------

def print_profile(phone: StandInPhone, keys: SessionKey, policies) -> None:
    """cProfile over PROFILED_CHECKS checks (this thread only: the phone's threads are not profiled),
    AppWarden's functions by their own time (tottime) and by cumulative time."""
    checks: list[Check] = []
    profile = cProfile.Profile()
    with phone_commands_timed(lambda: checks[-1]):
        profile.enable()
        for _ in range(PROFILED_CHECKS):
            one_check(phone, keys, policies, checks)
        profile.disable()
    for order, title in (("tottime", "own time"), ("cumulative", "cumulative time")):
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats(order).print_stats(r"appwarden|/core/", 18)
        print(f"\nprofile of {PROFILED_CHECKS} checks, AppWarden's functions by {title} (under cProfile, so slower):")
        text = out.getvalue()
        print(text[text.find("   ncalls"):].rstrip() if "   ncalls" in text else text.rstrip())


# --- main ---------------------------------------------------------------------------------------

def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS, help=f"measured rounds (default {RUNS})")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also save every number to FILE")
    parser.add_argument("--profile", action="store_true",
                        help=f"then profile {PROFILED_CHECKS} more checks and show where AppWarden's time goes")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="appwarden-bench-phone-") as folder:
        scratch = Path(folder)
        started = time.perf_counter()
        keys = SessionKey()
        keys.key()
        key_s = time.perf_counter() - started
        command_key = StoredKey(scratch / "data" / "appwarden").key()  # the command's own key, as it will find it
        started = time.perf_counter()
        policies = load_policies([], include_default=True)
        policies_s = time.perf_counter() - started
        phone = stand_in_phone([keys.key().android_public_key, command_key.android_public_key])
        with phone:
            samples = measure(phone, keys, policies, args.runs, scratch)
            summary = summarize(samples)
            packages = len(phone_packages())
            print_report(summary, samples, packages, args.runs, phone.address, {"policies_s": policies_s, "key_s": key_s})
            if args.profile:
                print_profile(phone, keys, policies)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "benchmark": "phone_check",
            "machine": machine(),
            "runs": args.runs,
            "packages": packages,
            "summary": summary,
            "samples": {
                "checks": [{**asdict(check), "waiting": check.waiting, "own": check.own, "own_parts": check.own_parts()}
                           for check in samples.checks],
                "python_s": samples.python_s,
                "command_s": samples.command_s,
            },
        }, indent=2) + "\n", encoding="utf-8")
        print(f"\nnumbers saved to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
