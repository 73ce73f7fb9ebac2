"""Removal plans for an Android phone connected now, in the style of the computers' plans.

For each finding: close the app (`am force-stop`), uninstall it for each user that has it
(`pm uninstall --user N PKG`, never `-k`), offer to delete what it left in shared storage (the
person's own files: each path with its size, confirmed on its own), then read the phone again.
What AppWarden must not or cannot do becomes a step for the person with the words to follow: an app
in the work profile (the organisation manages it), and the phone's refusals (an active device
administrator, the organisation's device management) when the uninstall is tried.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from appwarden.core.findings import Evidence, Finding
from appwarden.core.i18n import LocalText
from appwarden.core.messages import Message
from appwarden.core.phones import commands
from appwarden.core.phones.commands import PhoneGone, UnsafePhoneValue
from appwarden.core.policy.model import PolicySet
from appwarden.core.removal.builder import size_words, verify_step
from appwarden.core.removal.model import Actor, Command, RemovalPlan, RemovalStep, StepKind
from appwarden.core.sources.base import IOS, EvidenceKind, ScanTarget

KIB = 1024

def device_admin_refusal(app) -> Message:
    return Message.of(
        "the phone refused, because {app} is a device administrator on it (as anti-theft protection is). On the phone, "
        "open Settings > Security > Device admin apps (on a Samsung: Settings > Biometrics and security > Other security "
        "settings > Device admin apps), turn {app} off, then take this step again", app=app)


def device_management_refusal(app) -> Message:
    return Message.of(
        "the phone refused, because your organisation's device management (MDM, such as Samsung Knox) does not allow "
        "removing {app}. Ask your help desk: tell them that the device management blocks removing {app}", app=app)


def build_iphone_plan(finding: Finding, target: ScanTarget, policies: PolicySet) -> RemovalPlan:
    """An iPhone or iPad: the installation proxy's uninstall of each app found, after the person
    confirms; where the device refuses, the step's outcome says what to do on it. Then a new listing."""
    rule = finding.rule
    bundles = sorted({e.identifier for e in finding.evidence if e.namespace == "ios_bundle_id" and e.kind == EvidenceKind.INSTALLED})
    steps = [RemovalStep(
        id=f"uninstall-{bundle}",
        kind=StepKind.UNINSTALL,
        title=Message.of("Uninstall {app} from the iPhone or iPad", app=rule.name),
        explanation=Message.of(
            "AppWarden asks the iPhone or iPad to uninstall {app} ({bundle}), with its data on the device. If the device "
            "refuses (a device your organisation manages may), you can remove it on the device: touch and hold the app, "
            "then tap Remove App, then Delete App.", app=rule.name, bundle=bundle),
        actor=Actor.APPWARDEN,
        check=Message.of("The iPhone or iPad no longer lists {bundle}.", bundle=bundle),
        commands=(Command(("uninstall", bundle), phone_line=f"ideviceinstaller uninstall {bundle}"),),
        removes_evidence=(("ios_apps", bundle, EvidenceKind.INSTALLED.value),),
    ) for bundle in bundles]
    steps.append(verify_step(finding))
    phone = phone_token(target)
    steps = [replace(step, id=f"phone-{phone}:{step.id}") for step in steps]
    return RemovalPlan(rule.id, rule.name, target.os, tuple(steps), target, policies)


def build_phone_plan(finding: Finding, target: ScanTarget, policies: PolicySet) -> RemovalPlan:
    if target.os == IOS:
        return build_iphone_plan(finding, target, policies)
    rule = finding.rule
    app = rule.name  # in the person's language when shown
    installed = [e for e in finding.evidence if e.kind == EvidenceKind.INSTALLED and e.namespace == "android_package"]
    steps: list[RemovalStep] = []
    packages = _packages(installed)
    if packages:
        steps.append(_close_step(app, packages))
    for package, users, work_users, system in _package_users(installed):
        if users:
            steps.append(_uninstall_step(app, package, users, system))
        if work_users:
            steps.append(_work_profile_step(app, package, work_users))
    steps += [_leftover_step(app, evidence) for evidence in finding.evidence if evidence.source == "android_storage"]
    steps.append(verify_step(finding))
    # Step ids name the phone (a hash of its serial, never the serial), so history resumes a plan on
    # this phone only: another phone's, or a computer's, steps of the same rule are not this one's.
    phone = phone_token(target)
    steps = [replace(step, id=f"phone-{phone}:{step.id}") for step in steps]
    return RemovalPlan(rule.id, rule.name, target.os, tuple(steps), target, policies)


def phone_token(target: ScanTarget) -> str:
    serial = getattr(target.phone, "serial", "") or target.hostname
    return hashlib.sha256(serial.encode("utf-8", "replace")).hexdigest()[:12]


def _packages(installed: list[Evidence]) -> list[tuple[str, tuple[int, ...]]]:
    return [(package, users) for package, users, _, _ in _package_users(installed) if users]


def _package_users(installed: list[Evidence]) -> list[tuple[str, tuple[int, ...], tuple[int, ...], bool]]:
    """Each package: the users AppWarden may remove it for, those in a work profile, whether preinstalled."""
    found = []
    for evidence in installed:
        details = dict(evidence.details)
        users = _numbers(details.get("users", "")) or (0,)
        work = _numbers(details.get("work_profile_users", ""))
        found.append((evidence.identifier, tuple(u for u in users if u not in work), work, details.get("system") == "yes"))
    return found


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.isdigit() and len(part) <= 9)


def _phone_command(command: commands.PhoneCommand) -> Command:
    return Command(command.argv, phone_line=command.line)  # the link's own timeout applies


def _close_step(app: LocalText, packages: list[tuple[str, tuple[int, ...]]]) -> RemovalStep:
    return RemovalStep(
        id="quit",
        kind=StepKind.QUIT,
        title=Message.of("Close the app on the phone"),
        explanation=Message.of("AppWarden closes {app} on the phone, so that nothing of it runs while it is removed.", app=app),
        actor=Actor.APPWARDEN,
        check=Message.of("The app no longer runs on the phone."),
        commands=tuple(_phone_command(commands.force_stop(name, user)) for name, users in packages for user in users),
    )


def _uninstall_step(app: LocalText, package: str, users: tuple[int, ...], system: bool) -> RemovalStep:
    if system:
        explanation = Message.plural(
            "{app} ({package}) came preinstalled on this phone. Uninstalling it removes it for the phone's user {users} only: "
            "it stays hidden in the phone's system and comes back after a factory reset. Its data on the phone is deleted.",
            "{app} ({package}) came preinstalled on this phone. Uninstalling it removes it for the phone's users {users} only: "
            "it stays hidden in the phone's system and comes back after a factory reset. Its data on the phone is deleted.",
            count=len(users), app=app, package=package, users=", ".join(map(str, users)))
    else:
        explanation = Message.plural(
            "AppWarden uninstalls {app} ({package}) for the phone's user {users}, with its data on the phone.",
            "AppWarden uninstalls {app} ({package}) for each of the phone's users {users}, with its data on the phone.",
            count=len(users), app=app, package=package, users=", ".join(map(str, users)))
    return RemovalStep(
        id=f"uninstall-{package}",
        kind=StepKind.UNINSTALL,
        title=Message.of("Uninstall {app} from the phone", app=app),
        explanation=explanation,
        actor=Actor.APPWARDEN,
        check=Message.of("The phone no longer lists {package}.", package=package),
        commands=tuple(_phone_command(commands.uninstall(package, user)) for user in users),
        removes_evidence=(("android_packages", package, EvidenceKind.INSTALLED.value),),
    )


def _work_profile_step(app: LocalText, package: str, users: tuple[int, ...]) -> RemovalStep:
    reason = Message.of("{app} is in the phone's work profile, which your organisation manages", app=app)
    return RemovalStep(
        id=f"work-profile-{package}",
        kind=StepKind.UNINSTALL,
        title=Message.of("Ask IT to remove {app} from the work profile", app=app),
        explanation=Message.of(
            "{reason}: AppWarden does not change it. Ask your IT help desk to remove {app} ({package}) from the work "
            "profile; tell them that AppWarden found it there.", reason=reason, app=app, package=package),
        actor=Actor.PERSON,
        check=Message.of("IT removed {package} from the work profile.", package=package),
        refused=reason,
        removes_evidence=(("android_packages", package, EvidenceKind.INSTALLED.value),),
    )


def _leftover_step(app: LocalText, evidence: Evidence) -> RemovalStep:
    path = evidence.location
    size = dict(evidence.details).get("size_kib", "")
    try:
        command = commands.delete_storage(path)
    except UnsafePhoneValue as error:  # the source checked it; a hostile value never reaches the phone
        return RemovalStep(
            id=f"leftover-{path}", kind=StepKind.LEFTOVERS, title=Message.of("Files left on the phone"),
            explanation=Message.of("AppWarden does not delete {path}: {reason}.", path=path, reason=str(error)),
            actor=Actor.PERSON, check=Message.of("Nothing to do."), refused=Message.of("the path is not one AppWarden deletes"))
    amount = size_words(int(size) * KIB) if size.isdigit() else Message.of("size unknown")
    return RemovalStep(
        id=f"leftover-{path}",
        kind=StepKind.LEFTOVERS,
        title=Message.of("Delete {path} from the phone ({size})?", path=path, size=amount),
        explanation=Message.of(
            "These are your own files in the phone's shared storage: photos, videos, voice messages and documents that "
            "{app} saved. Deleting them cannot be undone; keep what you need first (copy it to a computer). AppWarden "
            "asks about them on their own, even when told to take every step.", app=app),
        actor=Actor.APPWARDEN,
        check=Message.of("{path} is no longer on the phone.", path=path),
        commands=(_phone_command(command),),
        confirm_alone=True,
        removes_evidence=(("android_storage", path, EvidenceKind.LEFTOVER.value),),
    )


# --- running a step's commands on the phone ---------------------------------------------------


def run_on_phone(session, command: Command, app) -> tuple[bool, str, Message | None]:
    """(worked, what the phone printed, why not as a sentence) for one command."""
    from appwarden.core.phones.iphone import PhoneRefused

    try:
        session.reconnect_if_gone()  # unplugged and plugged in again since the last step
        output = session.run(commands.PhoneCommand(command.argv, command.phone_line)).strip()
    except PhoneRefused as refused:
        return False, refused.output, refused.reason
    except PhoneGone as gone:
        return False, "", Message.of("the phone stopped answering ({reason}): plug it in again, unlock it, then take this step again", reason=gone.reason)
    if command.argv[:2] == ("pm", "uninstall"):
        return _uninstall_outcome(output, app)
    if command.argv[:1] == ("uninstall",):  # an iPhone's: the session raised if it did not happen
        return True, output, None
    return output == "", output, None if output == "" else Message.of("the phone answered: {output}", output=output[:300])


def _uninstall_outcome(output: str, app) -> tuple[bool, str, Message | None]:
    if output.startswith("Success") or "not installed for" in output:
        return True, output, None
    if "DELETE_FAILED_DEVICE_POLICY_MANAGER" in output:
        return False, output, device_admin_refusal(app)
    if "DELETE_FAILED_USER_RESTRICTED" in output:
        return False, output, device_management_refusal(app)
    return False, output, Message.of("the phone answered: {output}", output=output[:300])
