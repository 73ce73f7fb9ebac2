"""How to remove a finding, in a few lines a report can show: drawn from the finding's own
evidence (a .deb gets its apt command, not every package format the pack knows) and the pack's
vendor steps for the platform. Reading a finding only, never the device, so a report opened
elsewhere says the same; `appwarden remove` builds the full plan from the device itself."""

from __future__ import annotations

from typing import Callable

from appwarden.core.findings import Evidence, Finding
from appwarden.core.i18n import Translator
from appwarden.core.messages import Message
from appwarden.core.policy.model import StepTiming
from appwarden.core.sources.base import EvidenceKind


def removal_outline(finding: Finding, platform: str, t: Translator) -> tuple[str, ...]:
    """The steps, in order, in the person's language; the pack's whole guidance text when no
    evidence says how the app was installed; empty when neither says anything for this platform."""
    rule, name = finding.rule, t.text(finding.rule.name)
    # As the removal plan orders them (core.removal.builder): the vendor's steps that come first.
    lines = _vendor_titles(finding, platform, StepTiming.BEFORE_UNINSTALL, t)
    if finding.app_present and any(e.kind == EvidenceKind.RUNNING for e in finding.evidence):
        lines.append(t("Quit {app}.", app=name))
    evidence = finding.evidence
    vendor_uninstaller = rule.vendor_uninstaller.get(platform)
    if vendor_uninstaller is not None and any(e.source == "macos_apps" for e in evidence):
        # The vendor's own uninstaller, never the Trash.
        lines.append(t.text(vendor_uninstaller))
        evidence = tuple(e for e in evidence if e.source != "macos_apps")
    uninstalls = _uninstall_lines(evidence, name)
    if finding.app_present and not uninstalls and len(evidence) == len(finding.evidence):
        guidance = rule.removal.get(platform)
        return (t.text(guidance),) if guidance is not None else ()
    lines += [line.render(t) for line in uninstalls]
    lines += _vendor_titles(finding, platform, StepTiming.AFTER_UNINSTALL, t)
    left = [e.location for e in finding.evidence if e.source in ("leftovers", "android_storage")]
    if left:
        lines.append(t("Delete what it left behind if you do not need it: {paths}.", paths=", ".join(left)))
    lines.append(t("Run AppWarden again to check that it is gone."))
    return tuple(lines)


def _vendor_titles(finding: Finding, platform: str, when: StepTiming, t: Translator) -> list[str]:
    if not finding.app_present:
        return []
    # A step about some of what the app leaves behind (its chat data) only when that was found.
    found = {dict(e.details).get("pattern") for e in finding.evidence if e.source == "leftovers"}
    return [
        t.text(step.title) for step in finding.rule.removal_steps
        if step.platform == platform and step.when == when and (not step.about_leftovers or found & set(step.about_leftovers))
    ]


def _uninstall_lines(evidence: tuple[Evidence, ...], app: str) -> list[Message]:
    lines: list[Message] = []
    for item in evidence:
        describe = _BY_SOURCE.get(item.source)
        line = describe(item) if describe else None
        if item.source == "windows_store":
            # One Store app is found in several places; it is one uninstall, named as people see it.
            line = _windows_program_named(app)
        if line is not None and line not in lines:
            lines.append(line)
    return lines


def _deb(item: Evidence) -> Message:
    if item.kind == EvidenceKind.LEFTOVER:
        return Message.of(
            "Remove the settings the {package} package left behind: {command}",
            package=item.identifier, command=f"sudo dpkg --purge {item.identifier}",
        )
    return Message.of("Uninstall the {package} package: {command}", package=item.identifier, command=f"sudo apt-get remove {item.identifier}")


def _rpm(item: Evidence) -> Message:
    return Message.of("Uninstall the {package} package: {command}", package=item.identifier, command=f"sudo rpm -e {item.identifier}")


def _pacman(item: Evidence) -> Message:
    name = item.name or item.identifier
    return Message.of("Uninstall the {package} package: {command}", package=name, command=f"sudo pacman -R {name}")


def _flatpak(item: Evidence) -> Message:
    scope = "--user" if dict(item.details).get("scope") == "user" else "--system"
    return Message.of("Uninstall the Flatpak app {app}: {command}", app=item.identifier, command=f"flatpak uninstall {scope} {item.identifier}")


def _snap(item: Evidence) -> Message:
    return Message.of("Uninstall the snap {snap}: {command}", snap=item.identifier, command=f"sudo snap remove {item.identifier}")


def _file(item: Evidence) -> Message:
    return Message.of("Delete the program file {path}.", path=item.location)


def _bundle(item: Evidence) -> Message:
    return Message.of("Move {path} to the Trash, then empty the Trash.", path=item.location)


def _windows_program(item: Evidence) -> Message:
    return _windows_program_named(item.name or item.identifier)


def _android_package(item: Evidence) -> Message:
    details = dict(item.details)
    if details.get("work_profile_users") and details.get("users") == details.get("work_profile_users"):
        return Message.of("{package} is in the phone's work profile: ask your IT help desk to remove it.", package=item.identifier)
    if details.get("work_profile_users"):
        return Message.of(
            "On the phone, open Settings > Apps, choose {package} and tap Uninstall (or plug the phone in and let AppWarden "
            "do it); the copy in the phone's work profile is for your IT help desk to remove.", package=item.identifier)
    return Message.of(
        "On the phone, open Settings > Apps, choose {package} and tap Uninstall (or plug the phone in and let AppWarden do it).",
        package=item.identifier)


def _ios_app(item: Evidence) -> Message | None:
    if item.kind == EvidenceKind.LEFTOVER:
        return None
    return Message.of("On the iPhone or iPad, touch and hold {app}, then tap Remove App, then Delete App.",
                      app=item.name or item.identifier)


def _windows_program_named(program: str) -> Message:
    return Message.of("Uninstall {program}: Settings > Apps > Installed apps, find it and choose Uninstall.", program=program)


def _deepin_app(item: Evidence) -> Message:
    return Message.of("Uninstall the {package} package (on deepin and UOS: {command})", package=item.identifier,
                      command=f"sudo apt-get remove {item.identifier}")


def _systemd_unit(item: Evidence) -> Message:
    unit = item.location.rsplit("/", 1)[-1]  # it may have matched on the program it starts
    details = dict(item.details)
    if details.get("scope") == "user":
        command = f"systemctl --user disable --now {unit}"
    elif details.get("units") == "user":  # a user unit installed for everyone
        command = f"sudo systemctl --global disable {unit}"
    else:
        command = f"sudo systemctl disable --now {unit}"
    return Message.of("Stop and disable the {unit} service: {command}", unit=unit, command=command)


def _scoop(item: Evidence) -> Message:
    scope = " --global" if dict(item.details).get("scope") == "machine" else ""
    return Message.of("Uninstall the Scoop app {app}: {command}", app=item.name, command=f"scoop uninstall{scope} {item.name}")


def _chocolatey(item: Evidence) -> Message:
    package = dict(item.details).get("package_id") or item.identifier
    return Message.of("Uninstall the Chocolatey package {package}: {command}", package=package, command=f"choco uninstall {package}")


def _shortcut(item: Evidence) -> Message:
    if item.kind == EvidenceKind.LEFTOVER:
        return Message.of("Delete the shortcut {shortcut}: the program it opened is gone.", shortcut=item.location)
    return Message.of(
        "Uninstall {program}, which the shortcut {shortcut} opens; a copy with no uninstaller (portable) is removed by deleting its folder.",
        program=dict(item.details).get("target", item.identifier), shortcut=item.location)


def _registry_key(item: Evidence) -> Message:
    return Message.of("Once the app is uninstalled, ask your help desk to delete the registry key {key}.", key=item.location)


def _certificate(item: Evidence) -> Message:
    return Message.of("Once the app is uninstalled, ask your help desk to remove the root certificate \"{name}\" from the trusted certificates ({place}).",
                      name=item.name, place=item.location)


def _browser_extension(item: Evidence) -> Message:
    details = dict(item.details)
    return Message.of("Remove the extension {extension} from {browser} (profile {profile}).", extension=item.name,
                      browser=details.get("browser", ""), profile=details.get("profile", ""))


def _receipt(item: Evidence) -> Message:
    if item.location.endswith(".bom"):  # its receipt is gone, so pkgutil no longer knows the package
        return Message.of("Once the app is uninstalled, delete what is left of its package receipt: {command}",
                          command=f"sudo rm '{item.location}'")
    return Message.of("Once the app is uninstalled, forget its package receipt: {command}", command=f"sudo pkgutil --forget {item.identifier}")


def _system_extension(item: Evidence) -> Message:
    return Message.of("The app's own uninstaller removes its system extension {extension}; System Settings > General > Login Items & Extensions lists it.",
                      extension=item.identifier)


_BY_SOURCE: dict[str, Callable[[Evidence], Message | None]] = {
    "dpkg": _deb,
    "rpm": _rpm,
    "pacman": _pacman,
    "deepin_apps": _deepin_app,
    "systemd_units": _systemd_unit,
    "scoop": _scoop,
    "chocolatey": _chocolatey,
    "windows_shortcuts": _shortcut,
    "windows_registry_keys": _registry_key,
    "certificates": _certificate,
    "browser_extensions": _browser_extension,
    "macos_receipts": _receipt,
    "macos_system_extensions": _system_extension,
    "flatpak": _flatpak,
    "snap": _snap,
    "appimage": _file,
    "macos_apps": _bundle,
    "windows_uninstall": _windows_program,
    "android_packages": _android_package,
    "ios_apps": _ios_app,
}
