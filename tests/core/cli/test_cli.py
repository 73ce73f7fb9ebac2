"""The `appwarden` command line: exit codes, formats, --output, bad input as one sentence."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from appwarden.core.version import __version__
from tests.conftest import FIXTURES, PROJECT, cli_environment

MINIMAL = FIXTURES / "policies" / "minimal.toml"


def appwarden(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "appwarden.core", *args], capture_output=True, text=True, cwd=PROJECT, env=cli_environment(tmp_path)
    )


@pytest.fixture
def disk(tmp_path):
    root = tmp_path / "disk"
    (root / "etc").mkdir(parents=True)
    (root / "etc/os-release").write_text("ID=debian\n")
    (root / "var/lib/dpkg").mkdir(parents=True)
    (root / "var/lib/dpkg/status").write_text("Package: fakeapp\nStatus: install ok installed\nVersion: 1\n\n")
    return root


def scan_minimal(tmp_path, disk, *more):
    return appwarden(tmp_path, "scan", "--root", str(disk), "--no-default-policy", "--policy", str(MINIMAL), "--no-history", *more)


def test_version(tmp_path):
    done = appwarden(tmp_path, "--version")
    assert done.stdout == f"appwarden {__version__}\n"


def test_finding_exits_1_and_fail_on_required_exits_0(tmp_path, disk):
    assert scan_minimal(tmp_path, disk).returncode == 1
    # The test directive covers mobile devices, so on a computer the finding is only recommended.
    assert scan_minimal(tmp_path, disk, "--fail-on", "required").returncode == 0


def test_compliant_exits_0(tmp_path, disk):
    (disk / "var/lib/dpkg/status").write_text("")
    done = scan_minimal(tmp_path, disk)
    assert done.returncode == 0
    assert "No prohibited application found." in done.stdout


def test_output_file_in_each_format(tmp_path, disk):
    for format in ("text", "json", "html"):
        out = tmp_path / f"report.{format}"
        done = scan_minimal(tmp_path, disk, "--format", format, "--output", str(out))
        assert done.returncode == 1
        assert done.stdout == ""
        assert done.stderr == f"Report written to {out}.\n"
        assert "Fake App" in out.read_text(encoding="utf-8")
    assert json.loads((tmp_path / "report.json").read_text())["findings"][0]["rule"] == "fakeapp"


@pytest.mark.parametrize(
    "args, message",
    [
        (("scan", "--root", "/nonexistent/disk"), "/nonexistent/disk is not a folder."),
        (("scan", "--policy", "/nonexistent.toml"), "/nonexistent.toml: cannot read the file: No such file or directory"),
        (("explain", "nosuchrule"), "No rule named 'nosuchrule'."),
        (("policy", "show", "nosuchpack"), "No policy pack file or shipped pack id 'nosuchpack'."),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(tmp_path, args, message):
    done = appwarden(tmp_path, *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_unwritable_output_is_exit_2(tmp_path, disk):
    done = scan_minimal(tmp_path, disk, "--output", str(tmp_path / "missing-folder/report.txt"))
    assert done.returncode == 2
    assert done.stderr.startswith(f"Cannot write the report to {tmp_path / 'missing-folder/report.txt'}")


def test_usage_error_is_exit_2(tmp_path):
    done = appwarden(tmp_path, "scan", "--format", "pdf")
    assert done.returncode == 2
    assert "--format must be one of text, json, html, not 'pdf'." in done.stderr


def test_unknown_layout_needs_os(tmp_path):
    (tmp_path / "blank").mkdir()
    done = appwarden(tmp_path, "scan", "--root", str(tmp_path / "blank"), "--no-history")
    assert done.returncode == 2
    assert "Pass --os linux, --os windows or --os macos." in done.stderr


def test_policy_list_and_show(tmp_path):
    listing = appwarden(tmp_path, "policy", "list")
    assert listing.returncode == 0
    assert listing.stdout.splitlines()[0].startswith("ca-gc  2026.11.0  Government of Canada directives  [active]  ")
    assert "    rules: tiktok, wechat, kaspersky" in listing.stdout
    shown = appwarden(tmp_path, "policy", "show", "ca-gc")
    assert shown.returncode == 0
    assert "WeChat (Weixin) (Tencent) [wechat]" in shown.stdout
    assert "    msix: BytedancePte.Ltd.TikTok" in shown.stdout


def test_explain_in_french(tmp_path):
    done = appwarden(tmp_path, "--lang", "fr", "explain", "tiktok")
    assert done.returncode == 0
    assert "Pourquoi est-ce interdit?" in done.stdout
    assert "Vise : appareils mobiles fournis par le gouvernement" in done.stdout


def test_running_program_named_like_wechat_is_found_by_a_live_scan(tmp_path):
    import shutil
    import time

    program = tmp_path / "WeChat"
    shutil.copy(shutil.which("sleep"), program)
    process = subprocess.Popen([str(program), "60"])
    try:
        time.sleep(0.1)
        done = appwarden(tmp_path, "scan", "--format", "json", "--no-history")
    finally:
        process.kill()
        process.wait()
    assert done.returncode == 1, done.stderr
    (finding,) = [f for f in json.loads(done.stdout)["findings"] if f["rule"] == "wechat"]
    assert finding["enforcement"] == "recommended"
    running = [e for e in finding["evidence"] if e["kind"] == "running"]
    assert [(e["identifier"], e["location"]) for e in running] == [("WeChat", f"pid {process.pid}")]
    assert running[0]["details"]["executable"] == str(program)


def test_the_crash_log_is_never_written_through_a_link(tmp_path, monkeypatch):
    from appwarden.core.cli.main import _write_crash_log

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    folder = tmp_path / "state/appwarden/log"
    folder.mkdir(parents=True)
    chosen = tmp_path / "someone-elses-file"
    chosen.write_text("kept as it is\n")
    (folder / "crash.log").symlink_to(chosen)
    assert _write_crash_log(ValueError("boom")) == "(nowhere: the log folder cannot be written)"
    assert chosen.read_text() == "kept as it is\n"
    (folder / "crash.log").unlink()
    assert _write_crash_log(ValueError("boom")) == str(folder / "crash.log")
    assert "ValueError: boom" in (folder / "crash.log").read_text()


def test_explain_shows_this_computers_platform_first(monkeypatch):
    from appwarden.core.cli.commands import explanation
    from appwarden.core.i18n import Translator
    from appwarden.core.policy.loader import load_policies

    policies = load_policies()
    for here, name in (("windows", "Windows"), ("macos", "macOS"), ("linux", "Linux")):
        monkeypatch.setattr("appwarden.core.target.host_os", lambda here=here: here)
        text = explanation(policies.rule("wechat"), policies, Translator("en"))
        headings = [line.strip() for line in text.splitlines() if line.strip() in ("[Linux]", "[Windows]", "[macOS]")]
        assert headings[0] == f"[{name}]" and sorted(headings) == ["[Linux]", "[Windows]", "[macOS]"]


def test_explain_gives_appwardens_scope_sentence_with_the_pack_that_extends_the_directive(tmp_path):
    example = PROJECT / "assets/policies/examples/extend-to-computers.toml"
    done = appwarden(tmp_path, "--lang", "fr", "explain", "kaspersky", "--policy", str(example))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[2] == (
        "Retrait obligatoire : la directive vise les appareils mobiles fournis par le gouvernement, et le paquet de"
        " politiques « Organisation exemple : ordinateurs aussi » l’applique aussi aux ordinateurs : notre politique"
        " de sécurité des TI applique cette directive à tous les ordinateurs que nous fournissons."
    )
    assert "recommandé" not in done.stdout
    alone = appwarden(tmp_path, "explain", "kaspersky").stdout.splitlines()
    assert alone[2].startswith("Removal recommended: the directive covers government-issued mobile devices, not computers")


def test_a_reader_that_stops_reading_is_not_an_internal_error(tmp_path):
    """`appwarden explain wechat | head -1`: the pipe closes early; no crash message, no crash log."""
    import subprocess
    import sys

    from tests.conftest import PROJECT, cli_environment

    env = cli_environment(tmp_path)
    child = subprocess.Popen([sys.executable, "-m", "appwarden.core", "explain", "wechat"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             cwd=PROJECT, env=env, bufsize=0)
    child.stdout.close()  # as head does once it has its lines: every write from now on meets a closed pipe
    stderr = child.stderr.read().decode()
    assert child.wait() in (0, 141) and stderr == ""
    assert not list((tmp_path / "state").rglob("crash.log"))
