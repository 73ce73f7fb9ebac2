"""iPhones and iPads plugged in over USB, through libimobiledevice's own programs (`idevice_id`,
`ideviceinfo`, `idevicepair`, `ideviceinstaller`), found on PATH and run as separate processes with
argument lists, never through a shell. They speak to Apple's services on the device through the
usbmux daemon (Linux: Debian's `usbmuxd`; Windows: Apple's device support; macOS: built in).

This is the thin adapter: what each program prints is read as libimobiledevice 1.3.0 and
ideviceinstaller 1.1.1 (Debian 12) print it, and ideviceinstaller's newer `list`/`uninstall` commands
are used where it has them. No phone exists on the test machine: the tests run stand-in programs that
print what the real ones print (tests/iphone_standin.py). Of what the device says, only its model,
iOS version and name are asked for; its serial, IMEI and phone number never are.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from appwarden.core.messages import Message
from appwarden.core.phones.commands import PhoneCommand, PhoneGone
from appwarden.core.sources.ios.backup import BUNDLE_ID, IosApp, IosBackup, IosDevice

# A UDID as usbmuxd gives it: 40 hex digits, or 8 and 16 joined by a dash (newer devices).
UDID = re.compile(r"[0-9A-Fa-f]{40}|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{16}")
PROGRAM_PACKAGES = {"idevice_id": "libimobiledevice-utils", "ideviceinfo": "libimobiledevice-utils",
                    "idevicepair": "libimobiledevice-utils", "ideviceinstaller": "ideviceinstaller"}
TIMEOUT_S = 60.0
OUTPUT_LIMIT = 16 * 1024 * 1024
READY, LOCKED, NOT_TRUSTED = "ready", "locked", "not trusted"

INSTALL_TOOLS = Message.of(
    "iPhones and iPads are looked for with libimobiledevice's programs, which are not all installed ({missing}): "
    "on Debian and Ubuntu, sudo apt-get install libimobiledevice-utils ideviceinstaller usbmuxd; on a Mac, "
    "brew install libimobiledevice ideviceinstaller. An iPhone's backup folder can be checked instead: "
    "appwarden scan --phone-capture FOLDER.")


STOP_TRUSTING = Message.of(
    "When you have finished with the iPhone or iPad, press Check another phone… or close AppWarden: AppWarden then "
    "removes its pairing, so that the device no longer trusts this computer. Then unplug it.")


class PhoneRefused(Exception):
    """The device refused an action; `reason` says what the person can do, as a sentence."""

    def __init__(self, reason: Message, output: str = "") -> None:
        super().__init__(reason.render())
        self.reason, self.output = reason, output


@dataclass(frozen=True)
class Ran:
    code: int | None  # None: it did not finish in time, or could not start
    out: str
    err: str

    @property
    def text(self) -> str:
        return f"{self.out}\n{self.err}"


class IphoneTools:
    """libimobiledevice's programs on PATH (or on `path`, for tests)."""

    def __init__(self, path: str | None = None, environment: dict[str, str] | None = None) -> None:
        self.path = path
        self.environment = environment  # the programs' environment (a kiosk points HOME at its state folder)

    def program(self, name: str) -> str | None:
        return shutil.which(name, path=self.path)

    def missing(self) -> list[str]:
        return [name for name in PROGRAM_PACKAGES if self.program(name) is None]

    def run(self, name: str, *args: str, timeout_s: float = TIMEOUT_S) -> Ran:
        program = self.program(name)
        if program is None:
            return Ran(None, "", f"{name} is not installed")
        try:
            done = subprocess.run([program, *args], capture_output=True, timeout=timeout_s, stdin=subprocess.DEVNULL,
                                  env={**(self.environment or os.environ), "LC_ALL": "C"}, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            return Ran(None, "", type(error).__name__)
        return Ran(done.returncode, done.stdout[:OUTPUT_LIMIT].decode("utf-8", "replace"),
                   done.stderr[:OUTPUT_LIMIT].decode("utf-8", "replace"))

    # --- what the programs say ------------------------------------------------------------------

    def udids(self) -> list[str]:
        """The UDIDs of the devices plugged in over USB; PhoneGone when usbmuxd does not answer."""
        ran = self.run("idevice_id", "-l")
        if ran.code != 0:
            raise PhoneGone(Message.of("the usbmux daemon does not answer (Debian and Ubuntu: sudo apt-get install usbmuxd)"))
        return list(dict.fromkeys(line.strip() for line in ran.out.splitlines() if UDID.fullmatch(line.strip())))

    def state(self, udid: str) -> tuple[str, Message | None]:
        """ready, locked or not trusted, and what to do on the device when it is not ready."""
        ran = self.run("idevicepair", "-u", udid, "validate")
        if ran.code == 0 and "SUCCESS" in ran.out:
            return READY, None
        if ran.code is None or "No device found" in ran.text:
            raise PhoneGone(Message.of("the iPhone or iPad is no longer plugged in") if ran.code is not None
                            else Message.of("idevicepair did not answer"))
        if "passcode is set" in ran.text:
            return LOCKED, Message.of("Unlock the iPhone or iPad with its passcode, then try again.")
        if "denied the trust dialog" in ran.text:
            return NOT_TRUSTED, Message.of("The iPhone or iPad was told not to trust this computer: unplug it, plug it in again, and tap Trust.")
        return NOT_TRUSTED, Message.of(
            "On the iPhone or iPad, tap Trust in \"Trust This Computer?\" and enter its passcode. On a shared computer, "
            "remove this trust when you have finished (AppWarden says how).")

    def device(self, udid: str) -> IosDevice:
        """Model, iOS version and name, each asked for by its key: nothing else is read."""
        def value(key: str) -> str:
            ran = self.run("ideviceinfo", "-u", udid, "-k", key)
            return "".join(c for c in ran.out.strip() if c.isprintable())[:100] if ran.code == 0 else ""
        return IosDevice(product_type=value("ProductType"), product_version=value("ProductVersion"), device_name=value("DeviceName"))

    def _installer_arguments(self, udid: str, action: str, bundle: str = "") -> list[str]:
        """ideviceinstaller 1.1.1's options (-l -o list_user, -U), or 1.2's commands (list --user, uninstall)."""
        legacy = "--list-apps" in self.run("ideviceinstaller", "-h").text
        if action == "list":
            return ["-u", udid, "-l", "-o", "list_user"] if legacy else ["-u", udid, "list", "--user"]
        return ["-u", udid, "-U", bundle] if legacy else ["-u", udid, "uninstall", bundle]

    def user_apps(self, udid: str) -> tuple[list[IosApp], list[Message]]:
        ran = self.run("ideviceinstaller", *self._installer_arguments(udid, "list"))
        if ran.code != 0:
            raise PhoneGone(_installer_reason(ran))
        return parse_app_list(ran.out)

    def uninstall(self, udid: str, bundle: str) -> str:
        if not BUNDLE_ID.fullmatch(bundle) or bundle.startswith("-"):
            raise ValueError(f"not a bundle id: {bundle!r}")
        ran = self.run("ideviceinstaller", *self._installer_arguments(udid, "uninstall", bundle))
        output = ran.text.replace("\r", "\n").strip()
        if ran.code == 0 and "Complete" in ran.out:
            return output
        if ran.code == 128:
            raise PhoneRefused(Message.of(
                "the iPhone or iPad refused ({why}). Remove it on the device: touch and hold the app, then tap Remove App, "
                "then Delete App. If it cannot be removed, the organisation's device management (MDM) keeps it: ask your "
                "help desk, and tell them that the device management blocks removing it", why=_device_error(ran.err)), output)
        raise PhoneGone(_installer_reason(ran))

    def unpair(self, udid: str) -> bool:
        ran = self.run("idevicepair", "-u", udid, "unpair")
        return ran.code == 0 and "SUCCESS" in ran.out


def parse_app_list(text: str) -> tuple[list[IosApp], list[Message]]:
    """ideviceinstaller's listing: a header (CFBundleIdentifier, …), then `id, "version", "name"` a
    line (1.1.1 leaves quotes in names unescaped; 1.2 escapes them; a missing value leaves a field
    out or empty)."""
    apps: list[IosApp] = []
    problems: list[Message] = []
    for line in text.splitlines():
        line = line.rstrip("\r")
        if not line.strip() or line.startswith("CFBundleIdentifier"):
            continue
        bundle, _, rest = line.partition(",")
        bundle = bundle.strip()
        if not BUNDLE_ID.fullmatch(bundle):
            problems.append(Message.of("a line of the app list is not an app: {line}", line=line[:120]))
            continue
        version, name = _version_and_name(rest.strip())
        apps.append(IosApp(bundle, "".join(c for c in name if c.isprintable())[:200], "".join(c for c in version if c.isprintable())[:50]))
    return apps, problems


def _version_and_name(rest: str) -> tuple[str, str]:
    """`"8.0", "Name"`, `, "Name"` (1.2: no version) or `"Name"` (1.1.1: no version); a name may hold
    commas and, in 1.1.1, unescaped quotes."""
    if rest.startswith(","):
        return "", _unquoted(rest[1:].strip()).replace('\\"', '"')
    end = rest.find('", ')
    if rest.startswith('"') and end > 0:
        return rest[1:end], _unquoted(rest[end + 3:].strip()).replace('\\"', '"')
    return "", _unquoted(rest).replace('\\"', '"')


def _unquoted(field: str) -> str:
    """One pair of surrounding quotes off: 1.1.1 leaves quotes inside names as they are."""
    field = field[1:] if field.startswith('"') else field
    return field[:-1] if field.endswith('"') else field


def _device_error(text: str) -> str:
    found = re.search(r'Got error "([^"]{1,80})"', text)
    return found.group(1) if found else "no reason given"


def _installer_reason(ran: Ran) -> Message:
    if "Could not connect to lockdownd" in ran.text:
        return Message.of("the iPhone or iPad did not let AppWarden in: unlock it and tap Trust")
    if "No device found" in ran.text:
        return Message.of("the iPhone or iPad is no longer plugged in")
    return Message.of("ideviceinstaller did not answer as expected")


class IphoneSession:
    """An iPhone or iPad plugged in and trusting this computer: what a check and a removal go through."""

    transport = "usb"

    def __init__(self, tools: IphoneTools, udid: str, device: IosDevice) -> None:
        self.tools, self.serial, self.device = tools, udid, device
        self._reading: tuple[object, IosBackup] | None = None

    @property
    def shown_serial(self) -> str:
        from appwarden.core.sources.android.device import shortened

        return shortened(self.serial)

    @property
    def model(self) -> str:
        """The device's model as it says it ("iPhone14,5"), never the name its owner gave it; "" when unknown."""
        return self.device.product_type

    @property
    def name(self) -> str:
        model = ", ".join(part for part in (self.device.product_type, f"iOS {self.device.product_version}"
                                            if self.device.product_version else "") if part)
        name = self.device.device_name or "iPhone or iPad"
        return f"{name} ({model}; {self.shown_serial})" if model else f"{name} ({self.shown_serial})"

    def reading(self, request) -> IosBackup:
        """The user apps, read once per check; the same shape as a backup's, with no app data list."""
        from appwarden.core.sources.base import ReadProblem

        if self._reading is None or self._reading[0] is not request:
            problems: list[ReadProblem] = []
            try:
                apps, messages = self.tools.user_apps(self.serial)
                problems += [ReadProblem("ideviceinstaller", message) for message in messages]
            except PhoneGone as gone:
                apps = []
                problems.append(ReadProblem("Info.plist", Message.of(
                    "the iPhone or iPad stopped answering during the check ({reason}): plug it in again and check again",
                    reason=gone.reason)))
            backup = IosBackup(tuple(sorted(apps, key=lambda app: app.bundle_id)), (), self.device, False, False, tuple(problems))
            self._reading = (request, backup)
        return self._reading[1]

    def run(self, command: PhoneCommand) -> str:
        """A removal's action: ("uninstall", BUNDLE). PhoneRefused or PhoneGone when it does not happen."""
        if command.argv[:1] == ("uninstall",) and len(command.argv) == 2:
            return self.tools.uninstall(self.serial, command.argv[1])
        raise ValueError(f"not an action for an iPhone: {command.argv!r}")

    def reconnect_if_gone(self) -> None:
        """The programs connect anew each time: nothing to do."""

    def answers(self) -> bool:
        """Whether the iPhone or iPad is still plugged in (usbmuxd lists it)."""
        try:
            return self.serial in self.tools.udids()
        except PhoneGone:
            return False

    def forget(self) -> bool:
        """The device stops trusting this computer: AppWarden's pairing is removed (idevicepair unpair).
        False when that did not happen (the device was unplugged first, say)."""
        return self.tools.unpair(self.serial)

    def close(self) -> None:
        """Nothing stays open between commands."""


def phones_plugged_in(finder, tools: IphoneTools | None) -> tuple[list[tuple[str, str]], list[Message]]:
    """(serial, transport) of each phone to try: Android phones (USB, --connect) from `finder`, and
    iPhones or iPads (transport "iphone") from `tools` unless None; and what could not be looked at."""
    found, notes = finder.candidates()
    if tools is None:
        return found, notes
    missing = tools.missing()
    if missing:
        return found, [*notes, Message.of(INSTALL_TOOLS.template, missing=", ".join(missing))]
    try:
        return [*found, *((udid, "iphone") for udid in tools.udids())], notes
    except PhoneGone as gone:
        return found, [*notes, Message.of("iPhones and iPads cannot be looked for: {reason}.", reason=gone.reason)]


def list_iphones(tools: IphoneTools) -> tuple[list, list[Message]]:
    """Each iPhone or iPad plugged in, with its state; a note when the programs or usbmuxd are missing."""
    from appwarden.core.phones.session import ListedPhone, PhoneState
    from appwarden.core.sources.android.device import DeviceProperties

    missing = tools.missing()
    if missing:
        return [], [Message.of(INSTALL_TOOLS.template, missing=", ".join(missing))]
    try:
        udids = tools.udids()
    except PhoneGone as gone:
        return [], [Message.of("iPhones and iPads cannot be looked for: {reason}.", reason=gone.reason)]
    phones = []
    for udid in udids:
        try:
            state, advice = tools.state(udid)
        except PhoneGone:
            continue  # unplugged while it was listed
        device = tools.device(udid) if state == READY else IosDevice()
        phones.append(ListedPhone(udid, "usb", PhoneState(state), DeviceProperties("Apple", device.product_type),
                                  reason=advice, system="iOS", version=device.product_version))
    return phones, []


def open_iphone(tools: IphoneTools, udid: str, allow_wait_s: float, on_prompt=None, poll_s: float = 1.0) -> IphoneSession:
    """The session of the iPhone or iPad with this UDID, once it trusts this computer (asked for if
    needed, for up to `allow_wait_s`); a sentence saying what to do on the device when it does not."""
    import time

    from appwarden.core.phones.session import PhoneNotAllowed, PhoneNotAnswering
    from appwarden.core.sources.android.device import shortened

    missing = tools.missing()
    if missing:
        raise PhoneNotAnswering(Message.of(INSTALL_TOOLS.template, missing=", ".join(missing)))
    deadline, prompted = time.monotonic() + allow_wait_s, False
    while True:
        try:
            state, advice = tools.state(udid)
        except PhoneGone as gone:
            raise PhoneNotAnswering(Message.of("The iPhone or iPad {udid} cannot be reached: {reason}.",
                                               udid=shortened(udid), reason=gone.reason)) from None
        if state == READY:
            return IphoneSession(tools, udid, tools.device(udid))
        if state == LOCKED:
            raise PhoneNotAnswering(Message.of("The iPhone or iPad {udid} is locked. {advice}", udid=shortened(udid), advice=advice))
        if not prompted and on_prompt is not None:
            on_prompt(advice)
            prompted = True
        if time.monotonic() >= deadline or "denied" in advice.template:
            raise PhoneNotAllowed(Message.of("The iPhone or iPad {udid} does not trust this computer. {advice}",
                                             udid=shortened(udid), advice=advice))
        time.sleep(poll_s)
