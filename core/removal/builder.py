"""Building a finding's removal plan: the vendor's steps that come first, quit, uninstall, the
vendor's steps that come after, leftovers, restart, verify.

Every command comes from matched evidence (a package name, an uninstall entry) or is a fixed
package-manager command; a pack only adds steps for the person to read.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from appwarden.core.findings import Evidence, Finding
from appwarden.core.messages import Message
from appwarden.core.policy.model import PolicyPack, PolicySet, Rule, StepTiming
from appwarden.core.removal.deletion import DeletionRefused, Protected, inspect, person_home, protected_places, refuse_protected
from appwarden.core.removal.model import (
    Actor,
    Command,
    FileAction,
    LeftoverPath,
    RemovalPlan,
    RemovalStep,
    StepKind,
)
from appwarden.core.removal.windows_commands import (
    DEFAULT_WINDOWS_FOLDER,
    GUID,
    Refusal,
    running_windows_folder,
    uninstall_argv,
    windows_installer_removal,
)
from appwarden.core.sources import source_titles
from appwarden.core.sources.base import WINDOWS, CoverageLog, EvidenceKind, ScanTarget, byte_count, display_path, within_root_or_as_is
from appwarden.core.sources.leftovers import ExistingLeftover, existing_leftovers, known_base_paths

QUIT_TIMEOUT_S = 5.0
PACKAGE_MANAGER_TIMEOUT_S = 900.0
STORE_PACKAGE = re.compile(r"^[A-Za-z0-9._~-]+$")
NO_RESTART_NEEDED = Message.of("Only needed when an uninstaller asks for it.")


@dataclass(frozen=True)
class Host:
    """What the building computer offers: rights, programs, the person's home (for the Trash), and
    its Windows folder (where msiexec is, and what no uninstall entry may call its own)."""

    is_root: bool
    has_program: Callable[[str], bool]
    home: Path | None  # None: the account has no known home folder (no Trash to move to)
    windows_folder: str = DEFAULT_WINDOWS_FOLDER
    # Runs a package manager's dry run (it changes nothing) and returns what it printed, or None.
    simulate: Callable[[tuple[str, ...]], str | None] = field(default=lambda argv: run_simulation(argv))

    @classmethod
    def this_computer(cls) -> "Host":
        is_root = hasattr(os, "geteuid") and os.geteuid() == 0
        return cls(is_root, lambda name: shutil.which(name) is not None, person_home(), running_windows_folder())


SIMULATION_TIMEOUT_S = 120.0


def run_simulation(argv: tuple[str, ...]) -> str | None:
    """A package manager's dry run, in the C locale so its output can be read; None if it failed."""
    import subprocess

    try:
        done = subprocess.run(
            list(argv), shell=False, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
            timeout=SIMULATION_TIMEOUT_S, env=dict(os.environ, LC_ALL="C", LANG="C"),
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def build_plan(finding: Finding, target: ScanTarget, policies: PolicySet, host: Host | None = None) -> RemovalPlan:
    if target.is_connected_phone:
        from appwarden.core.removal.phone import build_phone_plan

        return build_phone_plan(finding, target, policies)
    host = host or Host.this_computer()
    if not target.live:
        # The steps are for the person at that computer: its own Windows folder, and commands as an
        # ordinary account there types them (with sudo), whoever reads the disk here.
        here = host.has_program
        host = replace(host, windows_folder=DEFAULT_WINDOWS_FOLDER, is_root=False, has_program=lambda name: name != "pkexec" and here(name))
    rule = finding.rule
    # Steps such as turning off self-protection need the app still there and running.
    steps: list[RemovalStep] = vendor_steps(rule, target.os, StepTiming.BEFORE_UNINSTALL)
    if target.live:
        steps += quit_steps(finding.evidence)
    places = Places.of(target)
    uninstalls = uninstall_steps(finding, target, host, places)
    steps += uninstalls
    leftovers = leftover_steps(rule, target, uninstalls, _pack_of(rule, policies), places)
    steps += [_about(s, leftovers) for s in vendor_steps(rule, target.os, StepTiming.AFTER_UNINSTALL)]
    # A step about some of what the app leaves behind (its chat data) only when that is there.
    steps = [s for s in steps if not s.about_leftovers or s.about_steps]
    steps += leftovers
    if target.os == WINDOWS and any(step.commands and step.actor == Actor.APPWARDEN for step in uninstalls):
        steps.append(restart_step())
    if not target.live:
        steps = [_for_offline(step) for step in steps]
    pack = _pack_of(rule, policies)
    if pack is not None and not pack.shipped:
        # A pack from elsewhere chose what this rule matches: --yes confirms none of its steps.
        steps = [replace(step, confirm_alone=True) for step in steps]
    steps.append(verify_step(finding))
    return RemovalPlan(rule.id, rule.name, target.os, tuple(steps), target, policies, places.protected)


def _pack_of(rule: Rule, policies: PolicySet) -> PolicyPack | None:
    return next((pack for pack in policies.packs if pack.id == rule.pack_id), None)


# --- 1. quit -----------------------------------------------------------------------------------


def quit_steps(evidence: Iterable[Evidence]) -> list[RemovalStep]:
    running = [e for e in evidence if e.kind == EvidenceKind.RUNNING and _detail(e, "pid").isdigit()]
    pids = tuple(sorted({int(_detail(e, "pid")) for e in running}))
    if not pids:
        return []
    names = tuple(sorted({e.name for e in running if e.name}))
    return [
        RemovalStep(
            id="quit",
            kind=StepKind.QUIT,
            title=Message.of("Quit the app"),
            explanation=Message.plural(
                "{count} of its programs is running ({names}). AppWarden asks it to close, waits {wait}, then stops it if it is still running. Save your work in the app first.",
                "{count} of its programs are running ({names}). AppWarden asks them to close, waits {wait}, then stops any that are still running. Save your work in the app first.",
                count=len(pids), names=", ".join(names), wait=Message.plural("{count} second", "{count} seconds", count=int(QUIT_TIMEOUT_S)),
            ),
            actor=Actor.APPWARDEN,
            check=Message.of("None of these programs is running any more."),
            pids=pids,
            process_names=names,
        )
    ]


# --- 2. uninstall ------------------------------------------------------------------------------


def uninstall_steps(finding: Finding, target: ScanTarget, host: Host, places: Places | None = None) -> list[RemovalStep]:
    places = places or Places.of(target)
    rule = finding.rule
    evidence = finding.evidence
    steps: list[RemovalStep] = []
    if target.os in rule.vendor_uninstaller:
        # The vendor's uninstaller removes what a bundle in the Trash would leave running.
        bundles = tuple(e.location for e in evidence if e.source == "macos_apps")
        if bundles:
            steps.append(_vendor_uninstaller_step(rule, target.os, bundles))
        evidence = tuple(e for e in evidence if e.source != "macos_apps")
    for group in _evidence_groups(evidence):
        step = _uninstall_step(group, target, host, places)
        if step is not None and step.id not in {s.id for s in steps}:
            removes = tuple((e.source, e.identifier, e.kind.value) for e in group)
            steps.append(replace(step, removes_evidence=removes))
    if not steps and any(e.kind != EvidenceKind.LEFTOVER for e in finding.evidence):
        steps.append(_guidance_step(rule, target.os))
    return steps


def _vendor_uninstaller_step(rule: Rule, platform: str, bundles: tuple[str, ...]) -> RemovalStep:
    """The person runs the vendor's own uninstaller, found where the pack says: AppWarden neither
    moves the app to the Trash nor starts a program a pack named."""
    return RemovalStep(
        id=f"uninstall:vendor_uninstaller:{platform}",
        kind=StepKind.UNINSTALL,
        title=Message.of("Uninstall it with {vendor}'s own uninstaller", vendor=rule.vendor),
        explanation=rule.vendor_uninstaller[platform],
        actor=Actor.PERSON,
        needs_admin=True,
        check=Message.of("AppWarden no longer finds {bundles}.", bundles=", ".join(bundles)),
    )


def _evidence_groups(evidence: Iterable[Evidence]) -> list[tuple[Evidence, ...]]:
    """Evidence of one installed thing together: an uninstall entry matched on several identifiers;
    a Store package found in WindowsApps and in each of its users' folders and registrations."""
    groups: dict[tuple[str, str], list[Evidence]] = {}
    for item in evidence:
        store = item.source == "windows_store"  # Windows reads package names without regard to case
        thing = (_detail(item, "package_family_name") or item.identifier).casefold() if store else item.location
        groups.setdefault((item.source, thing), []).append(item)
    return [tuple(group) for group in groups.values()]


def _uninstall_step(group: tuple[Evidence, ...], target: ScanTarget, host: Host, places: Places) -> RemovalStep | None:
    first = group[0]
    builders = {
        "dpkg": lambda group, host: _deb_step(group, host, target.live), "rpm": _rpm_step,
        "pacman": _pacman_step, "flatpak": lambda group, host: _flatpak_step(group, host, target.live), "snap": _snap_step,
        "windows_uninstall": lambda group, host: _windows_entry_step(group, host, target.live), "windows_store": _store_step,
    }
    if first.source in builders:
        return builders[first.source](group, host)
    if first.source == "appimage":
        return _appimage_step(first, target, places)
    if first.source == "macos_apps":
        return _bundle_step(first, target, host, places)
    return None


def _package_step(
    evidence: Evidence, argv: tuple[str, ...], host: Host, title: Message, explanation: Message, command: Command | None = None
) -> RemovalStep:
    """A package-manager command: through pkexec when AppWarden is not root, or shown with sudo
    for the person when pkexec is missing."""
    actor = Actor.APPWARDEN
    if not host.is_root:
        if host.has_program("pkexec"):
            argv = ("pkexec",) + argv
        else:
            argv, actor = ("sudo",) + argv, Actor.PERSON
    command = replace(command or Command(argv), argv=argv, needs_admin=True, timeout_s=PACKAGE_MANAGER_TIMEOUT_S)
    return RemovalStep(
        id=f"uninstall:{evidence.source}:{evidence.identifier}",
        kind=StepKind.UNINSTALL,
        title=title,
        explanation=explanation,
        actor=actor,
        needs_admin=True,
        commands=(command,),
        check=Message.of("The package {package} is no longer installed.", package=evidence.identifier),
    )


def _deb_step(group: tuple[Evidence, ...], host: Host, live: bool = True) -> RemovalStep:
    package = group[0]
    if package.kind == EvidenceKind.LEFTOVER:
        return _package_step(
            package, ("dpkg", "--purge", package.identifier), host,
            Message.of("Remove the settings the {package} package left behind", package=package.identifier),
            Message.of("The package was uninstalled but its configuration files are still there. dpkg deletes them."),
        )
    if not host.has_program("apt-get"):
        # dpkg removes only the package it is given, and refuses while another needs it.
        return _installed_package_step(package, ("dpkg", "--remove", package.identifier), host)
    if not live or not (host.is_root or host.has_program("pkexec")):
        # The person runs it: without -y, apt-get lists every package it would remove and asks.
        step = _installed_package_step(package, ("apt-get", "remove", package.identifier), host)
        return replace(step, explanation=Message.of(
            "{explanation} apt-get lists every package it would remove and asks first: answer no if the list holds anything but {package}.",
            explanation=step.explanation, package=package.identifier,
        ))
    simulation = ("apt-get", "-s", *APT_OPTIONS, "remove", package.identifier)
    removes = apt_removals(host.simulate(simulation), package.identifier)
    if isinstance(removes, Message):
        step = _installed_package_step(package, ("apt-get", "remove", package.identifier), host)
        return _for_the_person(step, removes, Message.of(
            "AppWarden will not run this command itself: {reason}. Run it yourself after reading the list of packages it removes, or ask your help desk.",
            reason=removes,
        ))
    argv = ("apt-get", "remove", "-y", *APT_OPTIONS, *removes)
    step = _installed_package_step(package, argv, host, Command(argv, simulation=simulation, removes=removes))
    if removes == (package.identifier,):
        return step
    return replace(step, explanation=Message.of(
        "{explanation} Other packages need {package}, so apt-get removes them too: {others}. Confirm only if none of them is needed.",
        explanation=step.explanation, package=package.identifier, others=", ".join(removes[1:]),
    ))


def _rpm_step(group: tuple[Evidence, ...], host: Host) -> RemovalStep:
    # rpm -e removes only the package it is given, and refuses while another needs it; dnf would
    # also remove the packages that need it and the ones nothing needs any more, unasked.
    package = group[0]
    return _installed_package_step(package, ("rpm", "-e", package.identifier), host)


def _pacman_step(group: tuple[Evidence, ...], host: Host) -> RemovalStep:
    # pacman -R removes only the package it is given and refuses while another needs it (-s or -c
    # would take more). The package is named by its name: it may have matched on a file it installed.
    package = group[0]
    name = package.name or package.identifier
    step = _installed_package_step(replace(package, identifier=name), ("pacman", "-R", "--noconfirm", name), host)
    return replace(step, id=f"uninstall:pacman:{name}")


APT_REMOVAL = re.compile(r"^Remv (\S+)", re.MULTILINE)
APT_INSTALL = re.compile(r"^Inst (\S+)", re.MULTILINE)
# apt's own setting can make `remove` take packages nothing needs any more, unasked: never here.
APT_OPTIONS = ("-o", "APT::Get::AutomaticRemove=false")


def apt_removals(simulated: str | None, asked: str) -> tuple[str, ...] | Message:
    """The packages `apt-get -s remove` says it would remove (`asked` first), or why AppWarden
    will not run it: the answer does not remove `asked`, or it would install something instead."""
    if simulated is None:
        return Message.of("apt-get could not say which packages it would remove")
    installs = sorted({name.split(":", 1)[0] for name in APT_INSTALL.findall(simulated)})
    if installs:
        return Message.of("apt-get would also install {packages}", packages=", ".join(installs))
    names = tuple(dict.fromkeys(name.split(":", 1)[0] for name in APT_REMOVAL.findall(simulated)))
    if asked not in names:
        return Message.of("apt-get would not remove {package}; the package may already be gone", package=asked)
    return (asked, *(name for name in names if name != asked))


def _installed_package_step(package: Evidence, argv: tuple[str, ...], host: Host, command: Command | None = None) -> RemovalStep:
    """Uninstalling a deb or rpm package with the package manager that `argv` names."""
    return _package_step(
        package, argv, host,
        Message.of("Uninstall the {package} package", package=package.identifier),
        Message.of("The system's package manager ({tool}) removes the package. It needs administrator rights; you may be asked for your password.", tool=argv[0]),
        command,
    )


def _flatpak_step(group: tuple[Evidence, ...], host: Host, live: bool = True) -> RemovalStep:
    app = group[0]
    system = _detail(app, "scope") != "user"
    argv = ("flatpak", "uninstall", "-y", "--system" if system else "--user", app.identifier)
    explanation = (
        Message.of("Flatpak removes the app installed for every user of the computer. It may ask for an administrator's password.")
        if system else Message.of("Flatpak removes the app installed in your own account.")
        if live else Message.of("Flatpak removes the app installed in the account it was found in.")
    )
    return RemovalStep(
        id=f"uninstall:flatpak:{app.identifier}:{'system' if system else 'user'}",
        kind=StepKind.UNINSTALL,
        title=Message.of("Uninstall the Flatpak app {app}", app=app.identifier),
        explanation=explanation,
        actor=Actor.APPWARDEN,
        needs_admin=system,
        commands=(Command(argv, needs_admin=system, timeout_s=PACKAGE_MANAGER_TIMEOUT_S),),
        check=Message.of("Flatpak no longer lists {app}.", app=app.identifier),
    )


def _snap_step(group: tuple[Evidence, ...], host: Host) -> RemovalStep:
    snap = group[0]
    return RemovalStep(
        id=f"uninstall:snap:{snap.identifier}",
        kind=StepKind.UNINSTALL,
        title=Message.of("Uninstall the snap {snap}", snap=snap.identifier),
        explanation=Message.of("snapd removes the snap and its data. It may ask for an administrator's password."),
        actor=Actor.APPWARDEN,
        needs_admin=True,
        commands=(Command(("snap", "remove", snap.identifier), needs_admin=True, timeout_s=PACKAGE_MANAGER_TIMEOUT_S),),
        check=Message.of("snap no longer lists {snap}.", snap=snap.identifier),
    )


def _appimage_step(file: Evidence, target: ScanTarget, places: Places) -> RemovalStep:
    path, refusal = file_path(target, file.location, target.path(file.location), places)
    step = RemovalStep(
        id=f"uninstall:appimage:{file.location}",
        kind=StepKind.UNINSTALL,
        title=Message.of("Delete the AppImage file {file}", file=file.location),
        explanation=Message.of("An AppImage is a single program file: deleting it removes the app."),
        actor=Actor.APPWARDEN,
        needs_admin=not _writable_parent(path.real),
        paths=(path,),
        file_action=FileAction.DELETE,
        check=Message.of("The file {file} is gone.", file=file.location),
    )
    return _refused_file(step, refusal) if refusal is not None else step


def _bundle_step(bundle: Evidence, target: ScanTarget, host: Host, places: Places) -> RemovalStep:
    path, refusal = file_path(target, bundle.location, target.path(bundle.location), places)
    ours = target.live and host.home is not None and (path.real.is_relative_to(host.home) or _writable_parent(path.real))
    explanation = (
        Message.of("AppWarden moves {bundle} to your Trash. Empty the Trash afterwards to free the space.", bundle=bundle.location)
        if ours else Message.of(
            "Your account cannot move {bundle}. Open Finder, go to the folder, drag the app to the Trash and enter an administrator's password when asked, or ask your help desk.",
            bundle=bundle.location,
        ) if target.live else Message.of(
            "Open Finder, go to the folder that holds {bundle}, drag the app to the Trash and enter an administrator's password when asked, or ask your help desk.",
            bundle=bundle.location,
        )
    )
    step = RemovalStep(
        id=f"uninstall:macos_apps:{bundle.location}",
        kind=StepKind.UNINSTALL,
        title=Message.of("Move {app} to the Trash", app=bundle.location.rsplit("/", 1)[-1]),
        explanation=explanation,
        actor=Actor.APPWARDEN if ours else Actor.PERSON,
        needs_admin=not ours,
        paths=(path,),
        file_action=FileAction.TRASH if ours else FileAction.NONE,
        check=Message.of("{bundle} is no longer in its folder.", bundle=bundle.location),
    )
    return _refused_file(step, refusal) if refusal is not None and ours else step


def _windows_entry_step(group: tuple[Evidence, ...], host: Host, live: bool = True) -> RemovalStep:
    entry = group[0]
    quiet, normal = _detail(entry, "quiet_uninstall_string"), _detail(entry, "uninstall_string")
    codes = _product_codes(group)
    if quiet or normal:
        argv = uninstall_argv(quiet or normal, _detail(entry, "install_location"), codes, bool(quiet), host.windows_folder)
    elif codes:
        argv = windows_installer_removal(codes[0], host.windows_folder)
    else:
        argv = Refusal(Message.of("the entry has no uninstall command"))
    machine = _detail(entry, "scope") != "user"
    name = entry.name or entry.identifier
    base = RemovalStep(
        id=f"uninstall:windows_uninstall:{entry.location}",
        kind=StepKind.UNINSTALL,
        title=Message.of("Uninstall {app} with its own uninstaller", app=name),
        explanation=Message.of(
            "AppWarden starts the uninstaller that {app} registered with Windows. Follow its windows until it says it is done.", app=name
        ) if live else Message.of(
            "The uninstaller that {app} registered with Windows removes it. Follow its windows until it says it is done.", app=name
        ),
        actor=Actor.APPWARDEN,
        needs_admin=machine,
        check=Message.of("Windows no longer lists {app} among installed apps.", app=name),
    )
    if isinstance(argv, Refusal):
        return _refused(base, argv.reason, name)
    return replace(base, commands=(Command(tuple(argv), needs_admin=machine),))


def _product_codes(group: tuple[Evidence, ...]) -> tuple[str, ...]:
    names = [e.identifier for e in group if e.namespace in ("msi_product_code", "windows_uninstall_key")]
    names.append(group[0].location.rsplit("\\", 1)[-1])
    return tuple(dict.fromkeys(n.upper() for n in names if GUID.fullmatch(n)))


def _refused(step: RemovalStep, reason: Message, name: str) -> RemovalStep:
    return _for_the_person(step, reason, Message.of(
        "AppWarden will not run this app's uninstall command: {reason}. Open Settings > Apps > Installed apps, find {app} and choose Uninstall, or ask your help desk.",
        reason=reason, app=name,
    ))


def _for_the_person(step: RemovalStep, reason: Message, explanation: Message) -> RemovalStep:
    """A step AppWarden will not take itself: the person's, with the reason inside its explanation
    (every refusal is made here, so each front end shows the reason once)."""
    return replace(step, actor=Actor.PERSON, file_action=FileAction.NONE, refused=reason, explanation=explanation)


def _store_step(group: tuple[Evidence, ...], host: Host) -> RemovalStep:
    """One step for a Store package however many places showed it. Each user's own evidence comes
    first: a user's registration names the package as Windows does, a mounted disk may not."""
    group = tuple(sorted(group, key=lambda e: not _detail(e, "user")))
    package = group[0]
    name = next((e.name for e in group if e.name), package.identifier)
    users = tuple(sorted({_detail(e, "user") for e in group} - {""}))
    full_names: dict[str, str] = {}  # one command per package, however a disk spells its name
    for full_name in (_detail(e, "package_full_name") for e in group):
        if full_name and STORE_PACKAGE.match(full_name):
            full_names.setdefault(full_name.casefold(), full_name)
    commands = tuple(
        Command(("powershell", "-NoProfile", "-Command", "Remove-AppxPackage", "-Package", full_name))
        for full_name in full_names.values()
    )
    explanation = Message.of(
        "Open Settings > Apps > Installed apps (ms-settings:appsfeatures), find {app} and choose Uninstall. If Uninstall is greyed out, ask your help desk; IT staff can use the command shown.",
        app=name,
    )
    if len(users) > 1:  # Windows uninstalls a Store app for one account at a time
        explanation = Message.plural(
            "{explanation} {app} is installed in {count} account ({users}): uninstall it there.",
            "{explanation} {app} is installed in {count} accounts ({users}): uninstall it in each of them.",
            explanation=explanation, app=name, count=len(users), users=", ".join(users),
        )
    return RemovalStep(
        id=f"uninstall:windows_store:{package.identifier}:{','.join(users)}",
        kind=StepKind.UNINSTALL,
        title=Message.of("Uninstall the Microsoft Store app {app}", app=name),
        explanation=explanation,
        actor=Actor.PERSON,
        commands=commands,
        check=Message.of("Windows no longer lists {app} among installed apps.", app=name),
    )


def _guidance_step(rule: Rule, platform: str) -> RemovalStep:
    """When no evidence says how the app was installed: where the vendor's uninstaller is, else the
    pack's own guidance."""
    guidance = rule.vendor_uninstaller.get(platform) or rule.removal.get(platform) or Message.of("Remove the app with the tool that installed it, or ask your help desk.")
    return RemovalStep(
        id="uninstall:guidance",
        kind=StepKind.UNINSTALL,
        title=Message.of("Uninstall the app"),
        explanation=guidance,
        actor=Actor.PERSON,
        check=Message.of("AppWarden no longer finds the app."),
    )


# --- 3. vendor steps ---------------------------------------------------------------------------


def vendor_steps(rule: Rule, platform: str, when: StepTiming) -> list[RemovalStep]:
    """The pack's steps for this platform that come `when` (before or after the uninstall). Ids
    number every step of the platform in the pack's order, so history and resuming keep them."""
    return [
        RemovalStep(
            id=f"vendor:{index}",
            kind=StepKind.VENDOR,
            title=step.title,
            explanation=step.explanation,
            actor=Actor.PERSON,
            check=Message.of("You confirm that this step is done."),
            about_leftovers=step.about_leftovers,
        )
        for index, step in enumerate((s for s in rule.removal_steps if s.platform == platform), start=1)
        if step.when == when
    ]


# --- 4. leftovers ------------------------------------------------------------------------------


def leftover_steps(
    rule: Rule, target: ScanTarget, uninstalls: list[RemovalStep], pack: PolicyPack | None = None, places: Places | None = None
) -> list[RemovalStep]:
    places = places or Places.of(target)
    handled = {path.real for step in uninstalls for path in step.paths}
    log = CoverageLog("leftovers", target)
    found: dict[Path, tuple[ExistingLeftover, str]] = {}
    for template in rule.leftovers.get(target.os, ()):
        for leftover in existing_leftovers(target, template, log):
            found.setdefault(leftover.path, (leftover, template))
    return [
        replace(_leftover_step(target, leftover, pack, places), template=template)
        for path, (leftover, template) in found.items() if path not in handled
    ]


def _about(step: RemovalStep, leftovers: list[RemovalStep]) -> RemovalStep:
    """A vendor step about some leftover locations, with the ids of the leftover steps it is about."""
    if not step.about_leftovers:
        return step
    return replace(step, about_steps=tuple(s.id for s in leftovers if s.template in step.about_leftovers))


def _leftover_step(target: ScanTarget, leftover: ExistingLeftover, pack: PolicyPack | None, places: Places) -> RemovalStep:
    path, refusal = file_path(target, display_path(target, leftover.path), leftover.path, places, leftover.base)
    foreign = pack is not None and not pack.shipped
    explanation = Message.of(
        "The app left this behind ({size}). It may hold your data: delete it only if you do not need it, following your organisation's rules on keeping records.",
        size=_size_text(path),
    ) if refusal is None else Message.of(
        "The app left this behind. It may hold your data: delete it only if you do not need it, following your organisation's rules on keeping records."
    )
    if foreign:
        explanation = Message.of(
            "{explanation} This place is named by the policy pack {pack} ({file}), which does not come with AppWarden: check that it is the app's before you confirm.",
            explanation=explanation, pack=pack.id, file=pack.path,
        )
    step = RemovalStep(
        id=f"leftover:{path.shown}",
        kind=StepKind.LEFTOVERS,
        title=Message.of("Delete {path}", path=path.shown),
        explanation=explanation,
        actor=Actor.APPWARDEN,
        needs_admin=not _writable_parent(leftover.path),
        paths=(path,),
        file_action=FileAction.DELETE,
        check=Message.of("{path} is gone.", path=path.shown),
        confirm_alone=foreign,
    )
    return _refused_file(step, refusal) if refusal is not None else step


@dataclass(frozen=True)
class Places:
    """Where a plan's files are reached from, and what they must never be: worked out once per
    plan, then looked up by a path's parents (the cost does not grow with the number of homes)."""

    homes: frozenset[Path]
    bases: frozenset[Path]
    protected: Protected

    @classmethod
    def of(cls, target: ScanTarget) -> "Places":
        log = CoverageLog("removal", target)
        homes = frozenset(within_root_or_as_is(target, home) for home in target.user_homes(log))
        bases = frozenset(within_root_or_as_is(target, base) for base in known_base_paths(target, log))
        return cls(homes, bases, protected_places(target))

    def base_of(self, real: Path) -> Path | None:
        """The home a file is in, else the deepest known folder where apps keep files."""
        parents = list(real.parents)
        return next((p for p in parents if p in self.homes), None) or next((p for p in parents if p in self.bases), None)


def file_path(
    target: ScanTarget, shown: str, real: Path, places: Places, base: Path | None = None
) -> tuple[LeftoverPath, Message | None]:
    """The path as the plan shows it (size, identity, the base it is reached from), and why
    AppWarden would not delete it, if it would not."""
    show = lambda place: display_path(target, place)  # noqa: E731
    try:
        refuse_protected(real, places.protected, show)
    except DeletionRefused as refused:
        return LeftoverPath(shown, real, 0, base=base), refused.reason
    base = base or places.base_of(real)
    if base is None:
        return LeftoverPath(shown, real, 0), Message.of("{path} is not inside a folder where apps keep their files", path=shown)
    seen = inspect(base, real, show)
    return LeftoverPath(shown, real, seen.size_bytes, seen.size_capped, base, seen.identity), seen.refusal


def _refused_file(step: RemovalStep, reason: Message) -> RemovalStep:
    return _for_the_person(step, reason, Message.of(
        "{explanation} AppWarden will not delete it itself: {reason}.", explanation=step.explanation, reason=reason
    ))


def _size_text(path: LeftoverPath) -> Message:
    amount = size_words(path.size_bytes)
    return Message.of("at least {amount}", amount=amount) if path.size_capped else amount


# Each unit in whole numbers and with one decimal; written out so the translation test sees them.
SIZE_UNITS = (
    (1_000_000_000_000, Message.of("{whole} TB"), Message.of("{whole}.{tenth} TB")),
    (1_000_000_000, Message.of("{whole} GB"), Message.of("{whole}.{tenth} GB")),
    (1_000_000, Message.of("{whole} MB"), Message.of("{whole}.{tenth} MB")),
    (1_000, Message.of("{whole} kB"), Message.of("{whole}.{tenth} kB")),
)


def size_words(size: int) -> Message:
    """A size as people read it: "empty", "1 byte", "999 bytes", "43.9 kB", "250 MB" (decimal
    units, one decimal below 100). The decimal is its own value, so French writes "43,9 ko"."""
    if size <= 0:
        return Message.of("empty")
    if size < 1000:
        return byte_count(size)
    scale, whole_form, decimal_form = next(unit for unit in SIZE_UNITS if size >= unit[0])
    tenths = round(size * 10 / scale)
    if tenths >= 1000:
        return Message(whole_form.template, (("whole", str(round(size / scale))),))
    return Message(decimal_form.template, (("whole", str(tenths // 10)), ("tenth", str(tenths % 10))))


def _writable_parent(path: Path) -> bool:
    return os.access(path.parent, os.W_OK)


# --- 5. restart, 6. verify ---------------------------------------------------------------------


def restart_step() -> RemovalStep:
    return RemovalStep(
        id="restart",
        kind=StepKind.RESTART,
        title=Message.of("Restart the computer"),
        explanation=Message.of("The uninstaller asked for a restart to finish. Save your work, restart, then run AppWarden again to check."),
        actor=Actor.PERSON,
        check=NO_RESTART_NEEDED,
    )


def verify_step(finding: Finding) -> RemovalStep:
    sources = tuple(sorted({e.source for e in finding.evidence}))
    return RemovalStep(
        id="verify",
        kind=StepKind.VERIFY,
        title=Message.of("Check that the app is gone"),
        explanation=Message.of("AppWarden reads the places where it found the app again: {sources}.", sources=source_titles(sources)),
        actor=Actor.APPWARDEN,
        check=Message.of("None of these places shows the app any more."),
        sources=sources,
    )


def _for_offline(step: RemovalStep) -> RemovalStep:
    """On a disk mounted from another computer AppWarden only explains: it never runs or deletes there.
    Each step first says where it is done, so its "you" is the person at that computer."""
    if step.actor == Actor.PERSON:
        return replace(step, explanation=Message.of(
            "Do this on the computer this disk belongs to. {explanation}", explanation=step.explanation
        ))
    return replace(
        step,
        actor=Actor.PERSON,
        file_action=FileAction.NONE,
        explanation=Message.of(
            "This disk belongs to another computer, so AppWarden does not do this itself: do it on that computer. {explanation}",
            explanation=step.explanation,
        ),
    )


def _detail(evidence: Evidence, name: str) -> str:
    return dict(evidence.details).get(name, "")
