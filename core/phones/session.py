"""Finding the phones connected to this computer, and one phone's session.

A `PhoneFinder` knows where to look (USB, and the loopback addresses given with --connect) and which
key to offer. `list()` names every phone with its state; `open()` connects to one and returns a
`PhoneSession`, which is what a check's sources and a removal's steps run their commands through.
Every failure is a sentence that says what to do on the phone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Callable

from appwarden.core.errors import TargetError
from appwarden.core.messages import Message
from appwarden.core.phones import link as links
from appwarden.core.phones.commands import PhoneCommand, PhoneGone
from appwarden.core.phones.keys import KeySource
from appwarden.core.sources.android.device import DeviceProperties, shortened

# How long a check waits for the person to tap Allow on the phone.
DEFAULT_ALLOW_WAIT_S = 60.0
# Listing phones only asks: a phone that has not allowed AppWarden yet is "unauthorised".
LISTING_ALLOW_WAIT_S = 2.0
AUTO = "auto"
PRESENCE_TIMEOUT_S = 5.0

TURN_ON_USB_DEBUGGING = Message.of(
    "Turn on USB debugging on the phone: open Settings > About phone and tap Build number seven times "
    "(on a Samsung: Settings > About phone > Software information > Build number), then open Settings > System > "
    "Developer options (on a Samsung: Settings > Developer options) and turn on USB debugging. Plug the phone in "
    "with its cable and unlock it."
)


TURN_OFF_USB_DEBUGGING = Message.of(
    "When you have finished with the phone, turn USB debugging off again: open Settings > System > Developer options "
    "(on a Samsung: Settings > Developer options), turn off USB debugging, and tap Revoke USB debugging authorisations. "
    "Then unplug the phone."
)


class PhoneState(StrEnum):
    READY = "ready"
    UNAUTHORISED = "unauthorised"  # an Android phone nobody has allowed AppWarden's key on
    OFFLINE = "offline"
    LOCKED = "locked"  # an iPhone or iPad locked with its passcode
    NOT_TRUSTED = "not trusted"  # an iPhone or iPad that does not trust this computer (yet)


class PhoneError(TargetError):
    """A phone cannot be listed, reached or used as asked."""


class PhoneNotAllowed(PhoneError):
    """Nobody tapped Allow on the phone in time."""


class PhoneNotAnswering(PhoneError):
    """The phone does not answer (offline, locked, or gone)."""


@dataclass(frozen=True)
class ListedPhone:
    serial: str  # in full: `appwarden phones` shows it and keeps it nowhere
    transport: str  # "usb" or "tcp"
    state: PhoneState
    device: DeviceProperties = DeviceProperties()
    reason: Message | None = None  # why an offline phone does not answer, or what to do on it
    system: str = "Android"
    version: str = ""  # an iPhone's iOS version (an Android phone's is in `device`)

    @property
    def system_version(self) -> str:
        version = self.version or self.device.android_version
        return f"{self.system} {version}" if version else self.system


@dataclass(frozen=True)
class PhoneListing:
    phones: tuple[ListedPhone, ...]
    notes: tuple[Message, ...] = ()  # what could not be looked at (USB on this computer)


def allow_prompt(fingerprint: str) -> Message:
    return Message.of(
        "On the phone, a window asks \"Allow USB debugging?\" and shows the computer's RSA key fingerprint. "
        "Check that it is AppWarden's, {fingerprint}, then tap Allow. On a shared computer, do not tick "
        "\"Always allow from this computer\".", fingerprint=fingerprint)


class PhoneSession:
    """A phone connected now, authorised for AppWarden's key."""

    def __init__(self, link, device: DeviceProperties, transport: str, reconnect: Callable[[], object] | None = None) -> None:
        self._link = link
        self.serial = link.serial  # never shown or kept in full: see `shown_serial`
        self.device = device
        self.transport = transport
        self._reconnect = reconnect  # a new link to the same phone, once it is plugged in again
        self._reading: tuple[object, object] | None = None

    @property
    def shown_serial(self) -> str:
        """The phone's own serial (as getprop gives it, already shortened), else its link's: a loopback
        address as it is, a USB serial shortened."""
        return self.device.serial or _named(self.serial, self.transport)

    @property
    def model(self) -> str:
        """The maker and model as the phone says them ("samsung SM-A405FN"), or "" when it does not."""
        return " ".join(part for part in (self.device.manufacturer, self.device.model) if part)

    @property
    def name(self) -> str:
        """The maker and model, and the serial shortened: how reports and the window name the phone."""
        model = self.model or "Android phone"
        return f"{model} ({self.shown_serial})" if self.shown_serial else model

    def run(self, command: PhoneCommand) -> str:
        """What the phone printed for one command; PhoneGone once the phone stops answering."""
        return self._link.shell(command.line)

    def answers(self, timeout_s: float = PRESENCE_TIMEOUT_S) -> bool:
        """Whether the phone is still connected and answering (a kiosk asks between steps)."""
        from appwarden.core.phones import commands

        try:
            self._link.shell(commands.still_there().line, timeout_s)
        except PhoneGone:
            return False
        return True

    def reconnect_if_gone(self) -> None:
        """Before a new check: a phone unplugged and plugged in again is connected to again (it may
        ask to allow USB debugging again); PhoneGone when it is still not there."""
        if not getattr(self._link, "closed", False) or self._reconnect is None:
            return
        try:
            self._link = self._reconnect()
        except links.PhoneNotAuthorised:
            raise PhoneGone(Message.of("it was plugged in again but USB debugging was not allowed on it")) from None
        except links.PhoneUnreachable:
            raise PhoneGone(links.CONNECTION_BROKE) from None

    def reading(self, request):
        """What the phone holds, read once per check (the ReadRequest of that check)."""
        from appwarden.core.sources.android.connected import read_connected_phone

        if self._reading is None or self._reading[0] is not request:
            try:
                self.reconnect_if_gone()
            except PhoneGone:
                pass  # the reading says, as its first problem, that the phone does not answer
            self._reading = (request, read_connected_phone(self.run, request.sought_packages, request.cancelled))
        return self._reading[1]

    def close(self) -> None:
        self._link.close()


@dataclass
class PhoneFinder:
    """Where phones are looked for, and the key offered to them."""

    keys: KeySource
    connect: tuple[links.LoopbackAddress, ...] = ()
    usb: bool = True
    connect_tcp: Callable = field(default=links.connect_tcp, repr=False)
    connect_usb: Callable = field(default=links.connect_usb, repr=False)
    usb_serials: Callable[[], list[str]] = field(default=links.usb_serials, repr=False)

    def candidates(self) -> tuple[list[tuple[str, str]], list[Message]]:
        """(serial, transport) of each phone to try, and what could not be looked at."""
        found: list[tuple[str, str]] = [(address.serial, "tcp") for address in self.connect]
        notes: list[Message] = []
        if self.usb:
            try:
                found += [(serial, "usb") for serial in self.usb_serials() if serial]
            except links.UsbUnavailable as error:
                notes.append(Message.of(
                    "Phones on USB cannot be looked for on this computer ({reason}). On Linux, install the libusb "
                    "library (Debian and Ubuntu: libusb-1.0-0); phones on --connect are still looked for.", reason=error.reason))
        return found, notes

    def plugged_in(self, serial: str, transport: str) -> bool:
        """Whether a phone is still there without talking to it: on USB, its serial is listed; on
        loopback, something accepts a connection at its address (closed at once)."""
        if transport == "tcp":
            import socket

            address = next((a for a in self.connect if a.serial == serial), None)
            try:
                with socket.create_connection((address.host, address.port), timeout=1.0):
                    return True
            except (OSError, AttributeError):
                return False
        try:
            return serial in self.usb_serials()
        except links.UsbUnavailable:
            return False

    def list(self, allow_wait_s: float = LISTING_ALLOW_WAIT_S) -> PhoneListing:
        candidates, notes = self.candidates()
        phones = []
        for serial, transport in candidates:
            try:
                session = self._open(serial, transport, allow_wait_s, None)
            except links.PhoneNotAuthorised:
                phones.append(ListedPhone(serial, transport, PhoneState.UNAUTHORISED))
                continue
            except links.PhoneUnreachable as error:
                phones.append(ListedPhone(serial, transport, PhoneState.OFFLINE, reason=error.reason))
                continue
            phones.append(ListedPhone(serial, transport, PhoneState.READY, session.device))
            session.close()
        return PhoneListing(tuple(phones), tuple(notes))

    def open(self, which: str = AUTO, allow_wait_s: float = DEFAULT_ALLOW_WAIT_S,
             on_prompt: Callable[[str], None] | None = None) -> PhoneSession:
        """The session of the phone with serial `which` (or the only one, for "auto"); a sentence
        saying what to do when there is none, several, or it does not let AppWarden in."""
        candidates, notes = self.candidates()
        if which != AUTO:
            which = _as_listed(which)
            candidates = [c for c in candidates if c[0] == which]
        if not candidates:
            raise PhoneError(_none_found(which, notes))
        if len(candidates) > 1:
            raise PhoneError(Message.of(
                "Several phones are connected: name the one to check with --phone SERIAL (appwarden phones lists them)."))
        serial, transport = candidates[0]
        fingerprint = self.keys.key().fingerprint
        try:
            return self._open(serial, transport, allow_wait_s, (lambda: on_prompt(fingerprint)) if on_prompt else None)
        except links.PhoneNotAuthorised:
            raise PhoneNotAllowed(Message.plural(
                "The phone {serial} did not allow USB debugging within {count} second. {prompt} Then try again.",
                "The phone {serial} did not allow USB debugging within {count} seconds. {prompt} Then try again.",
                serial=_named(serial, transport), count=int(allow_wait_s), prompt=allow_prompt(fingerprint))) from None
        except links.PhoneUnreachable as error:
            raise PhoneNotAnswering(Message.of(
                "The phone {serial} does not answer ({reason}). Unlock it, check that USB debugging is on, then unplug "
                "it and plug it in again.", serial=_named(serial, transport), reason=error.reason)) from None

    def _link(self, serial: str, transport: str, allow_wait_s: float, on_prompt: Callable[[], None] | None):
        key = self.keys.key()
        if transport == "tcp":
            address = next(a for a in self.connect if a.serial == serial)
            return self.connect_tcp(address, key, allow_wait_s, on_prompt)
        return self.connect_usb(serial, key, allow_wait_s, on_prompt)

    def _open(self, serial: str, transport: str, allow_wait_s: float, on_prompt: Callable[[], None] | None) -> PhoneSession:
        link = self._link(serial, transport, allow_wait_s, on_prompt)
        session = PhoneSession(link, DeviceProperties(), transport,
                               reconnect=lambda: self._link(serial, transport, allow_wait_s, on_prompt))
        from appwarden.core.phones import commands
        from appwarden.core.sources.android.device import parse_getprop

        try:
            properties = parse_getprop(session.run(commands.getprop()))
        except PhoneGone as gone:
            raise links.PhoneUnreachable(gone.reason) from None
        session.device = properties
        return session


def _as_listed(which: str) -> str:
    """A serial as the listing names it: `localhost:5555` is `127.0.0.1:5555`."""
    from appwarden.core.errors import UsageError

    try:
        return links.loopback_address(which).serial
    except UsageError:
        return which


def _named(serial: str, transport: str) -> str:
    """A phone in a sentence: on loopback its address (no identifier of the phone), else its serial shortened."""
    return serial if transport == "tcp" else shortened(serial)


def _none_found(which: str, notes: list[Message]) -> Message:
    if which != AUTO:
        return Message.of("No phone with the serial {serial} is connected (appwarden phones lists those that are).", serial=which)
    found = Message.of("No phone is connected. {how} Or give --connect 127.0.0.1:PORT for a phone or emulator on this computer.",
                       how=TURN_ON_USB_DEBUGGING)
    return Message.of("{found} {note}", found=found, note=notes[0]) if notes else found
