"""Whether a step of a plan still applies, read from the device just before the step is shown: an
earlier step (apt removing /opt/wechat with the package) or the person may already have done it.

Only reads. A step it cannot judge (a vendor step, a command with nothing to look at) applies.
"""

from __future__ import annotations

from appwarden.core.messages import Message
from appwarden.core.removal.model import RemovalPlan, RemovalStep, StepKind

# Sources whose evidence a step's `removes_evidence` names: packages, and a phone's apps and files.
PACKAGE_SOURCES = frozenset({"dpkg", "rpm", "pacman", "flatpak", "snap", "windows_uninstall", "windows_store",
                             "android_packages", "ios_apps", "android_storage"})


def already_done(plan: RemovalPlan, step: RemovalStep) -> Message | None:
    """A sentence saying what is already gone when the step has nothing left to do, else None."""
    if not plan.live or step.kind in (StepKind.VERIFY, StepKind.RESTART):
        return None  # a mounted disk's steps are a list for the person, on a disk that stays as read
    if step.kind == StepKind.QUIT and step.pids:  # a phone's close step has no pids to look at: it applies
        return None if _any_running(step) else Message.of("None of its programs is running any more.")
    if step.paths:
        if any(plan.target.lexists(path.real) for path in step.paths):
            return None
        return Message.of("Already gone: {paths}.", paths=", ".join(path.shown for path in step.paths))
    if step.kind in (StepKind.UNINSTALL, StepKind.LEFTOVERS) and _package_gone(plan, step):
        names = ", ".join(sorted({identifier for _, identifier, _ in step.removes_evidence}))
        return Message.of("Already gone: {what}.", what=names)
    if step.about_leftovers and not _leftovers_remain(plan, step.about_steps):
        return Message.of("Nothing the app left behind remains, so there is nothing to decide.")
    return None


def _any_running(step: RemovalStep) -> bool:
    import psutil

    for pid in step.pids:
        try:
            if psutil.Process(pid).name() in step.process_names or not step.process_names:
                return True
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return False


def _package_gone(plan: RemovalPlan, step: RemovalStep) -> bool:
    """The sources of what the step removes read the device again: it is gone when they could
    read everything and no longer list any of it as it was (installed, or only its settings)."""
    sources = {source for source, _, _ in step.removes_evidence}
    if not sources or not sources <= PACKAGE_SOURCES or plan.policies is None:
        return False
    result = _scan(plan, sources)
    if result is None:
        return False
    remaining = {  # what a step removes is named by its identifier, or by its place (a phone's file)
        (e.source, named.casefold(), e.kind.value)
        for finding in result.findings if finding.rule.id == plan.rule_id for e in finding.evidence
        for named in (e.identifier, e.location)
    }
    return not remaining & {(source, identifier.casefold(), kind) for source, identifier, kind in step.removes_evidence}


def _leftovers_remain(plan: RemovalPlan, step_ids: tuple[str, ...]) -> bool:
    """Any of those leftover steps of the plan still has a path on the device."""
    return any(plan.target.lexists(path.real) for s in plan.steps if s.id in step_ids for path in s.paths)


def _scan(plan: RemovalPlan, source_names: set[str]):
    from appwarden.core.scan import run_scan
    from appwarden.core.sources import source_named
    from appwarden.core.sources.base import CoverageStatus

    result = run_scan(plan.target, plan.policies, [source_named(name) for name in sorted(source_names)])
    if result.cancelled or any(c.status in (CoverageStatus.FAILED, CoverageStatus.PARTIAL) for c in result.coverage):
        return None  # a source that could not read everything cannot say the package is gone
    return result
