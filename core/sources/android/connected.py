"""Reading a phone connected now: the same parsers as for a capture, fed by commands run on the phone.

What is read: `getprop` (maker, model, Android version), `pm list users`, then for each user
`pm list packages -f -i -U --show-versioncode --user N` (without `-i` where the phone refuses it),
`ps -A`, and `dumpsys package PKG` for each installed package a rule looks for. Whatever the phone
refuses, and a phone unplugged halfway, become problems beside what was read (partial failure is a value).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Iterable

from appwarden.core.messages import Message
from appwarden.core.phones import commands
from appwarden.core.phones.commands import PhoneCommand, PhoneGone
from appwarden.core.sources.android.captures import AndroidCapture, CaptureKind
from appwarden.core.sources.android.device import DeviceProperties, parse_getprop
from appwarden.core.sources.android.packages import AndroidPackage, parse_dumpsys_package, parse_pm_list_packages
from appwarden.core.sources.android.parsed import Parsed, quoted, refusal
from appwarden.core.sources.android.processes import RunningProcess, parse_ps
from appwarden.core.sources.android.users import AndroidUser, parse_pm_list_users
from appwarden.core.sources.base import ReadProblem

Run = Callable[[PhoneCommand], str]
def _refused_option(text: str, options: tuple[str, ...]) -> str | None:
    """The option the phone says it does not know (`Error: Unknown option: -i`), if it is one of ours."""
    if "package:" in text:
        return None
    for line in text.splitlines():
        if "nknown option" in line:
            named = line.rsplit(":", 1)[-1].strip() if ":" in line else line.split()[-1]
            for option in options:
                if named == option or line.rstrip().endswith(" " + option):
                    return option
    return None


class _Reading:
    def __init__(self, run: Run, cancelled: Callable[[], bool] = lambda: False) -> None:
        self.run, self.cancelled = run, cancelled
        self.problems: list[ReadProblem] = []
        self.gone: Message | None = None
        self.listed = False  # some user's package list was read
        self.ps_read = False

    def output(self, command: PhoneCommand) -> str | None:
        """What the phone printed, or None once it has stopped answering (said once, as a problem)."""
        if self.gone is not None:
            return None
        if self.cancelled():
            self.gone = Message.of("the check was cancelled")
            self.problems.append(ReadProblem(command.line, Message.of("the check was cancelled before this was read")))
            return None
        try:
            return self.run(command)
        except PhoneGone as error:
            self.gone = error.reason
            self.problems.append(ReadProblem(command.line, Message.of(
                "the phone stopped answering during the check ({reason}): what comes after was not read; "
                "plug it in again and check again", reason=self.gone)))
            return None

    def note(self, where: str, problems: Iterable[Message]) -> None:
        self.problems += [ReadProblem(where, problem) for problem in problems]


def read_connected_phone(run: Run, sought: frozenset[str] = frozenset(), cancelled: Callable[[], bool] = lambda: False) -> AndroidCapture:
    reading = _Reading(run, cancelled)
    device = parse_getprop(reading.output(commands.getprop()) or "")
    users = _users(reading)
    packages = _packages(reading, users)
    running = _running(reading)
    packages = _with_details(reading, packages, sought)
    return AndroidCapture(CaptureKind.CONNECTED, tuple(packages), device, running, tuple(reading.problems), users,
                          packages_listed=reading.listed, running_listed=reading.ps_read)


def _parsed(reading: _Reading, command: PhoneCommand, parse: Callable[[str], Parsed]) -> Parsed | None:
    """One command's output parsed, its problems noted; None once the phone has stopped answering."""
    text = reading.output(command)
    if text is None:
        return None
    parsed = parse(text)
    reading.note(command.line, parsed.problems)
    return parsed


def _users(reading: _Reading) -> tuple[AndroidUser, ...]:
    parsed = _parsed(reading, commands.list_users(), parse_pm_list_users)
    if parsed is None:
        return ()
    if not parsed.values:
        reading.note(commands.list_users().line, [Message.of("the phone listed no users, so only its main user (0) was read")])
        return (AndroidUser(0, "", 0, True, False),)
    return parsed.values


def _packages(reading: _Reading, users: tuple[AndroidUser, ...]) -> list[AndroidPackage]:
    merged: dict[str, AndroidPackage] = {}
    for user in users or (AndroidUser(0, "", 0, True, False),):
        listed = _user_packages(reading, user.id)
        for package in listed:
            known = merged.get(package.name)
            merged[package.name] = package if known is None else replace(
                known, uids=tuple(sorted({*known.uids, *package.uids})), users=tuple(sorted({*known.users, *package.users})),
                installer=known.installer or package.installer)
    return list(merged.values())


def _user_packages(reading: _Reading, user: int) -> tuple[AndroidPackage, ...]:
    options = commands.LIST_OPTIONS
    command = commands.list_packages(user, options=options)
    text = reading.output(command)
    while text is not None and (refused := _refused_option(text, options)) is not None:
        options = tuple(option for option in options if option != refused)  # asked again without it, as AndroidQF does
        command = commands.list_packages(user, options=options)
        text = reading.output(command)
    if text is None:
        return ()
    failure = next((line for line in text.splitlines() if refusal(line) is not None), None)
    if failure is not None and "package:" not in text:
        reading.note(f"user {user}", [Message.of("the apps of user {user} could not be listed: the phone said {line}", user=user, line=quoted(failure))])
        return ()
    parsed: Parsed[AndroidPackage] = parse_pm_list_packages(text)
    reading.note(command.line, parsed.problems)
    reading.listed = True
    # pm prints the uid of the user asked for; a package listed for this user is installed for it.
    return tuple(package if user in package.users else replace(package, users=tuple(sorted({*package.users, user})))
                 for package in parsed.values)


def _running(reading: _Reading) -> tuple[RunningProcess, ...]:
    parsed = _parsed(reading, commands.processes(), parse_ps)
    reading.ps_read = parsed is not None
    return parsed.values if parsed is not None else ()


def _with_details(reading: _Reading, packages: list[AndroidPackage], sought: frozenset[str]) -> list[AndroidPackage]:
    """Each package a rule looks for, completed from `dumpsys package PKG`: version name, installer,
    first install time, whether it is preinstalled, and the users it is installed for."""
    detailed = []
    for package in packages:
        if package.name in sought:
            command = commands.package_details(package.name)
            text = reading.output(command)
            found = next((p for p in parse_dumpsys_package(text or "").values if p.name == package.name), None)
            if text is not None and found is None:
                reading.note(command.line, [Message.of("the phone gave no details of {name}", name=package.name)])
            if found is not None:
                package = replace(
                    package, version_name=found.version_name, version_code=package.version_code or found.version_code,
                    installer=package.installer or found.installer, system=found.system,
                    first_install_time=found.first_install_time, users=tuple(sorted({*package.users, *found.users})))
        detailed.append(package)
    return detailed
