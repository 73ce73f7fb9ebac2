"""A check that could not see every account says so: every home that could not be read is a
coverage problem, whichever source meets it."""

from __future__ import annotations

from appwarden.core.policy.loader import load_policies
from appwarden.core.scan import run_scan
from appwarden.core.sources.base import ScanTarget

PER_USER_SOURCES = ("flatpak", "desktop_entries", "appimage", "leftovers")


def disk_with_a_hidden_appimage(tmp_path):
    root = tmp_path / "disk"
    (root / "etc").mkdir(parents=True)
    (root / "etc/os-release").write_text("ID=debian\n")
    (root / "home/alice/Applications").mkdir(parents=True)
    (root / "home/alice/Applications/WeChatLinux_x86_64.AppImage").write_bytes(b"\x7fELF")
    return root


def test_a_users_folder_that_cannot_be_listed_makes_the_check_incomplete(tmp_path, deny_reading):
    root = disk_with_a_hidden_appimage(tmp_path)
    seen_by_root = run_scan(ScanTarget(root, "linux", live=False), load_policies())
    assert [f.rule.id for f in seen_by_root.findings] == ["wechat"]
    deny_reading(root / "home")
    result = run_scan(ScanTarget(root, "linux", live=False), load_policies())
    assert result.findings == () and not result.complete
    problems = {c.source: [(p.location, str(p.reason), p.elevation_helps) for p in c.problems] for c in result.coverage}
    for source in PER_USER_SOURCES:
        assert ("/home", "permission denied", True) in problems[source], source


def test_homes_that_can_be_listed_but_not_looked_at_are_problems_too(tmp_path, deny_reading):
    root = disk_with_a_hidden_appimage(tmp_path)
    (root / "home").chmod(0o744)  # names can be listed, but nothing in it can be opened
    (root / "unused").mkdir()
    deny_reading(root / "unused")  # only to read as an ordinary user from here on
    result = run_scan(ScanTarget(root, "linux", live=False), load_policies())
    assert result.findings == () and not result.complete
    appimage = next(c for c in result.coverage if c.source == "appimage")
    assert ("/home/alice", "permission denied", True) in [(p.location, str(p.reason), p.elevation_helps) for p in appimage.problems]
