"""One verdict everywhere: a package removed with only its settings left is gone, in the scan, its
reports, the removal plan and history alike; and a report with one finding stays short."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import PROJECT, cli_environment

SETTINGS_LEFT = "Package: wechat\nStatus: deinstall ok config-files\nVersion: 4.0.1.11\nArchitecture: amd64\n\n"
INSTALLED = "Package: wechat\nStatus: install ok installed\nVersion: 4.0.1.11\nArchitecture: amd64\nMaintainer: Tencent\n\n"


def disk(root, status: str):
    (root / "etc").mkdir(parents=True)
    (root / "etc/os-release").write_text("ID=debian\n")
    (root / "etc/hostname").write_text("desk-12\n")
    (root / "var/lib/dpkg").mkdir(parents=True)
    (root / "var/lib/dpkg/status").write_text(status)
    return root


def appwarden(tmp_path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "appwarden.core", *argv], capture_output=True, text=True, cwd=PROJECT, env=cli_environment(tmp_path)
    )


def test_settings_left_behind_are_not_an_installed_app(tmp_path):
    root = disk(tmp_path / "disk", SETTINGS_LEFT)
    scan = appwarden(tmp_path, "scan", "--root", str(root))
    assert scan.returncode == 0, scan.stdout + scan.stderr
    assert "No prohibited application is installed, but an app that was uninstalled left files behind (see below): WeChat (Weixin)." in scan.stdout
    assert "WeChat (Weixin) is no longer installed: only files it left behind were found." in scan.stdout
    assert "1. Remove the settings the wechat package left behind: sudo dpkg --purge wechat" in scan.stdout
    assert "apt remove" not in scan.stdout and "apt-get remove" not in scan.stdout and "Close WeChat" not in scan.stdout

    report = json.loads(appwarden(tmp_path, "scan", "--root", str(root), "--format", "json").stdout)
    assert report["compliant"] is True
    assert [(f["rule"], f["app_present"]) for f in report["findings"]] == [("wechat", False)]

    plan = appwarden(tmp_path, "remove", "wechat", "--root", str(root), "--dry-run")
    assert plan.returncode == 0
    assert "[1/2] Remove the settings the wechat package left behind" in plan.stdout  # then verify; no chat folder, no chat step
    assert "apt-get remove" not in plan.stdout

    history = appwarden(tmp_path, "history")
    assert history.stdout.rstrip().endswith("nothing found"), history.stdout


def test_fail_on_counts_only_apps_that_are_present(tmp_path):
    root = disk(tmp_path / "disk", SETTINGS_LEFT)
    assert appwarden(tmp_path, "scan", "--root", str(root), "--no-history", "--fail-on", "recommended").returncode == 0
    installed = disk(tmp_path / "other", INSTALLED)
    assert appwarden(tmp_path, "scan", "--root", str(installed), "--no-history").returncode == 1


def test_a_report_with_one_finding_fits_in_300_words(tmp_path):
    root = disk(tmp_path / "disk", INSTALLED)
    (root / "opt/wechat").mkdir(parents=True)
    scan = appwarden(tmp_path, "scan", "--root", str(root), "--no-history")
    assert scan.returncode == 1
    assert len(scan.stdout.split()) <= 300, scan.stdout
    # Only this evidence's installer: a .deb gets apt, not the pack's other package formats.
    assert "sudo apt-get remove wechat" in scan.stdout
    assert not any(word in scan.stdout for word in ("dnf", "flatpak uninstall", "snap remove", "zypper"))


def test_a_disk_that_does_not_name_its_computer_is_named_by_its_folder(tmp_path):
    root = disk(tmp_path / "disk", INSTALLED)
    (root / "etc/hostname").unlink()
    for lang, start in (
        ("en", f"AppWarden {__import__('appwarden.core.version', fromlist=['x']).__version__}: check of the disk mounted at {root} (Linux) on "),
        ("fr", f"AppWarden {__import__('appwarden.core.version', fromlist=['x']).__version__} : vérification du disque monté dans {root} (Linux) le "),
    ):
        scan = appwarden(tmp_path, "--lang", lang, "scan", "--root", str(root), "--no-history")
        assert scan.stdout.splitlines()[0].startswith(start), scan.stdout
        assert "unknown name" not in scan.stdout and "nom inconnu" not in scan.stdout
