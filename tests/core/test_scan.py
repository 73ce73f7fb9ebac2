"""A whole scan: sources that do not apply are skipped, a broken source is failed coverage, findings gather evidence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from appwarden.core.messages import Message
from appwarden.core.policy.loader import load_policies
from appwarden.core.policy.model import Enforcement
from appwarden.core.scan import Progress, run_scan
from appwarden.core.sources import ALL_SOURCES
from appwarden.core.sources.base import (
    LINUX,
    CoverageLog,
    CoverageStatus,
    EvidenceKind,
    InventoryItem,
    InventorySource,
    ReadRequest,
    SourceResult,
    SourceSpec,
)
from tests.conftest import FIXTURES

MINIMAL = FIXTURES / "policies" / "minimal.toml"


class FixedItems(InventorySource):
    spec = SourceSpec("fixed", "Fixed items", frozenset({LINUX}), ("nothing",), ("deb",), EvidenceKind.INSTALLED)

    def __init__(self, *items: InventoryItem) -> None:
        self.items = items

    def read(self, request: ReadRequest) -> SourceResult:
        log = CoverageLog(self.spec.name)
        log.read_one()
        return log.result(self.items)


class Broken(InventorySource):
    spec = SourceSpec("broken", "Broken", frozenset({LINUX}), ("nothing",), ("deb",), EvidenceKind.INSTALLED)

    def read(self, request: ReadRequest) -> SourceResult:
        raise RuntimeError("bug in a source")


def linux_disk(tmp_path: Path):
    from appwarden.core.target import make_target

    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/os-release").write_text("ID=debian\n")
    (tmp_path / "etc/hostname").write_text("kiosk-7\n")
    return make_target(tmp_path)


def item(name: str, version: str = "", kind=EvidenceKind.INSTALLED) -> InventoryItem:
    return InventoryItem("fixed", kind, (("deb", name),), name=name, version=version, location=f"/x/{name}")


def test_broken_source_is_failed_coverage_and_others_still_count(tmp_path):
    policies = load_policies([MINIMAL], include_default=False)
    result = run_scan(linux_disk(tmp_path), policies, sources=(Broken(), FixedItems(item("fakeapp", "2.0"))))
    assert [f.rule.id for f in result.findings] == ["fakeapp"]
    broken = result.coverage[0]
    assert broken.status == CoverageStatus.FAILED
    assert str(broken.detail) == "internal error: RuntimeError: bug in a source"
    assert not result.complete and not result.compliant


def test_finding_holds_rule_directive_enforcement_and_all_evidence(tmp_path):
    policies = load_policies([MINIMAL], include_default=False)
    (tmp_path / "home/ana/.fakeapp").mkdir(parents=True)
    sources = (FixedItems(item("fakeapp", "1.0"), item("other")), *[s for s in ALL_SOURCES if s.spec.name == "leftovers"])
    result = run_scan(linux_disk(tmp_path), policies, sources=sources)
    (finding,) = result.findings
    assert finding.directive.id == "test-directive"
    assert finding.enforcement == Enforcement.RECOMMENDED  # the directive covers mobile devices only
    assert [(e.source, e.kind, e.identifier, e.location) for e in finding.evidence] == [
        ("fixed", EvidenceKind.INSTALLED, "fakeapp", "/x/fakeapp"),
        ("leftovers", EvidenceKind.LEFTOVER, "fakeapp:{home}/.fakeapp", "/home/ana/.fakeapp"),
    ]
    assert result.target.hostname == "kiosk-7"
    assert result.items_read == 3


def test_sources_for_other_platforms_and_live_only_are_skipped(tmp_path):
    policies = load_policies([MINIMAL], include_default=False)
    result = run_scan(linux_disk(tmp_path), policies)
    statuses = {c.source: (c.status, str(c.detail)) for c in result.coverage}
    assert statuses["processes"] == (CoverageStatus.SKIPPED, "only read on the running device")
    assert statuses["dpkg"] == (CoverageStatus.SKIPPED, "no dpkg database")
    assert result.compliant and result.complete


def test_progress_and_cancel(tmp_path):
    policies = load_policies([MINIMAL], include_default=False)
    seen: list[Progress] = []
    result = run_scan(
        linux_disk(tmp_path), policies, sources=ALL_SOURCES, progress=seen.append, cancelled=lambda: len(seen) >= 2
    )
    assert [p.index for p in seen] == [0, 1]
    assert seen[0].total == len(ALL_SOURCES)
    assert result.cancelled and not result.complete
    assert len(result.coverage) == 2


def test_version_constraints_use_lenient_versions(tmp_path):
    from appwarden.core.policy.versions import lenient_version, version_allowed
    from packaging.specifiers import SpecifierSet

    assert str(lenient_version("3.9.8.25")) == "3.9.8.25"
    assert str(lenient_version("8.0 (build 1234)")) == "8.0"
    assert str(lenient_version("1:2.3.4-1ubuntu1")) == "2.3.4"
    assert lenient_version("unknown") is None
    assert version_allowed(SpecifierSet(">=4"), "4.0.1.11")
    assert not version_allowed(SpecifierSet(">=4"), "3.9.12.51")
    assert version_allowed(SpecifierSet(">=4"), "n/a")  # cannot compare: still flagged


def test_enforcement_starts_on_the_effective_date(tmp_path):
    policies = load_policies([MINIMAL], include_default=False)
    directive = policies.directive("test-directive")
    assert policies.enforcement(directive, "mobile", dt.date(2023, 1, 1))[0] == Enforcement.RECOMMENDED
    assert policies.enforcement(directive, "mobile", dt.date(2023, 1, 2))[0] == Enforcement.REQUIRED


def test_message_renders_values():
    assert Message.of("{n} things", n=3).render() == "3 things"


def _debian_disk(tmp_path, status: str):
    disk = tmp_path / "disk"
    (disk / "var/lib/dpkg").mkdir(parents=True)
    (disk / "etc").mkdir()
    (disk / "etc/os-release").write_text("ID=debian\n")
    (disk / "var/lib/dpkg/status").write_text(status)
    return disk


def test_a_streamed_source_is_matched_item_by_item_and_keeps_nothing(tmp_path):
    """dpkg's packages reach matching as they are read (issue 15): the scan never holds them all."""
    import gc
    import weakref

    from appwarden.core.policy.loader import load_policies
    from appwarden.core.scan import run_scan
    from appwarden.core.sources.base import ScanTarget
    from appwarden.core.sources.linux.dpkg import DpkgPackages

    stanzas = [f"Package: filler{i}\nStatus: install ok installed\nVersion: 1\n" for i in range(500)]
    stanzas.insert(250, "Package: wechat\nStatus: install ok installed\nVersion: 4.0\n")
    disk = _debian_disk(tmp_path, "\n".join(stanzas))
    alive: list[weakref.ref] = []

    class Watching(DpkgPackages):
        def read(self, request):
            result = super().read(request)
            stream = result.stream

            def watched():
                for item in stream():
                    alive.append(weakref.ref(item))
                    yield item
            result.stream = watched
            return result

    result = run_scan(ScanTarget(disk, "linux", live=False), load_policies(), sources=[Watching()])
    assert [f.rule.id for f in result.findings] == ["wechat"]
    assert result.items_read == 501
    assert result.coverage[0].status.value == "ok" and str(result.coverage[0].detail) == "501 items read"
    gc.collect()
    assert len(alive) == 501 and all(ref() is None for ref in alive)  # no item outlives its matching


def test_a_streamed_source_that_breaks_part_way_is_a_failed_source(tmp_path):
    from appwarden.core.policy.loader import load_policies
    from appwarden.core.scan import run_scan
    from appwarden.core.sources.base import ScanTarget
    from appwarden.core.sources.linux.dpkg import DpkgPackages

    disk = _debian_disk(tmp_path, "Package: wechat\nStatus: install ok installed\nVersion: 4.0\n\n")

    class Breaking(DpkgPackages):
        def read(self, request):
            result = super().read(request)
            stream = result.stream

            def broken():
                yield from stream()
                raise RuntimeError("broke after the last package")
            result.stream = broken
            return result

    result = run_scan(ScanTarget(disk, "linux", live=False), load_policies(), sources=[Breaking()])
    assert result.findings == ()  # as if it broke before giving anything: a half-read source is not trusted
    assert result.coverage[0].status.value == "failed"
    assert "RuntimeError: broke after the last package" in str(result.coverage[0].detail)


def test_a_check_id_is_a_random_version_4_uuid():
    import uuid

    from appwarden.core.scan import random_check_id

    ids = {random_check_id() for _ in range(200)}
    assert len(ids) == 200
    for check_id in ids:
        parsed = uuid.UUID(hex=check_id)
        assert parsed.hex == check_id and parsed.version == 4 and parsed.variant == uuid.RFC_4122
