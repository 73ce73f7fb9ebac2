"""The link to one phone over ADB, through the adb-shell library (the phone's own ADB daemon, no
`adb` server): over USB (libusb), or over TCP to a phone or emulator on this computer's loopback.

This is the thin adapter between AppWarden and adb-shell. The TCP path is tested against a stand-in
phone that speaks the real ADB protocol (tests/phone_standin.py); the USB path cannot be, as no
phone exists on the test machine, so it does no more than find the USB devices and hand them over.
AppWarden never talks to the network: an address other than loopback is refused before any socket.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from typing import Callable

from appwarden.core.errors import UsageError
from appwarden.core.messages import Message
from appwarden.core.phones.commands import PhoneGone
from appwarden.core.phones.keys import AdbKey

# What the phone is told this computer is called (ADB sends the computer's name otherwise).
BANNER = b"appwarden"
TRANSPORT_TIMEOUT_S = 10.0
# How long one command may take: `dumpsys package` of a big phone takes seconds.
COMMAND_TIMEOUT_S = 120.0
LOOPBACK_NAMES = {"localhost": "127.0.0.1"}
# More than any command of a check prints (`dumpsys package PKG` is kilobytes; a package list of
# 2,000 apps about 300 KB): a phone that sends more is not followed.
MAX_OUTPUT_BYTES = 64 * 1024 * 1024


class _TooMuch(Exception):
    pass


CONNECTION_BROKE = Message.of("the connection to it broke: it was unplugged, locked, or USB debugging was turned off")


def gone_reason(error: BaseException, timeout_s: float) -> Message:
    """Why the phone stopped answering, in words of AppWarden's own: the library's messages are
    written for developers and may name the phone's serial, so none of them is kept."""
    if "timeout" in type(error).__name__.lower() or isinstance(error, TimeoutError):
        return Message.plural("it did not answer within {count} second", "it did not answer within {count} seconds", count=int(timeout_s))
    return CONNECTION_BROKE


class PhoneNotAuthorised(Exception):
    """Nobody allowed USB debugging for AppWarden's key on the phone in time."""


class PhoneUnreachable(Exception):
    """The phone did not answer the connection at all (offline), or is not there; `reason` says
    which, as a sentence."""

    def __init__(self, reason: Message) -> None:
        super().__init__(reason.render())
        self.reason = reason


NO_USB_PERMISSION = Message.of(
    "this account may not open it over USB: the udev rules for phones are missing (Debian and Ubuntu: "
    "sudo apt-get install android-sdk-platform-tools-common), then unplug it and plug it in again")


def unreachable_reason(error: BaseException) -> Message:
    """Why a connection to a phone did not come about, in AppWarden's words."""
    name = type(error).__name__
    if isinstance(error, ConnectionRefusedError):
        return Message.of("nothing answers at that address")
    if "Access" in name or "ACCESS" in str(error):  # libusb: LIBUSB_ERROR_ACCESS
        return NO_USB_PERMISSION
    if "Busy" in name or "BUSY" in str(error):
        return Message.of("another program holds it (an adb server: stop it with adb kill-server)")
    return gone_reason(error, TRANSPORT_TIMEOUT_S)


@dataclass(frozen=True)
class LoopbackAddress:
    host: str
    port: int

    @property
    def serial(self) -> str:
        """As `adb devices` names a phone reached over TCP."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def loopback_address(text: str) -> LoopbackAddress:
    """`127.0.0.1:5555`, `[::1]:5555` or `localhost:5555`; any other address is refused with a sentence."""
    host, port = _split_address(text.strip())
    name = LOOPBACK_NAMES.get(host.casefold(), host)
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise UsageError(Message.of(
            "--connect {address} is refused: AppWarden connects only to a phone or emulator on this computer's own "
            "loopback address (127.0.0.1 or ::1), never to the network.", address=text))
    if not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536:
        raise UsageError(Message.of("--connect {address}: the port must be a number from 1 to 65535, as in 127.0.0.1:5555.", address=text))
    return LoopbackAddress(str(address), int(port))


def _split_address(text: str) -> tuple[str, str]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, rest.removeprefix(":")
    host, _, port = text.rpartition(":")
    return (host, port) if host else (text, "")


class AdbLink:
    """One authorised ADB connection; `shell` runs one command line and returns what it printed."""

    def __init__(self, device, serial: str) -> None:
        self._device = device
        self.serial = serial
        self.closed = False  # once the phone has gone (or the link was closed), it stays closed

    def shell(self, line: str, timeout_s: float = COMMAND_TIMEOUT_S) -> str:
        if self.closed:
            raise PhoneGone(CONNECTION_BROKE)
        chunks, size, deadline = [], 0, time.monotonic() + timeout_s
        try:
            # Read as it comes, so a phone that floods or trickles is stopped at a bound, not followed.
            for chunk in self._device.streaming_shell(line, read_timeout_s=timeout_s, decode=False):
                size += len(chunk)
                if size > MAX_OUTPUT_BYTES:
                    raise _TooMuch()
                if time.monotonic() > deadline:
                    raise TimeoutError()
                chunks.append(chunk)
        except _TooMuch:
            self.close()
            raise PhoneGone(Message.of("it sent more than AppWarden reads of one command ({amount})",
                                       amount=f"{MAX_OUTPUT_BYTES // (1024 * 1024)} MiB")) from None
        except Exception as error:  # adb-shell raises its own errors, socket and USB errors alike
            self.close()
            raise PhoneGone(gone_reason(error, timeout_s)) from None
        return b"".join(chunks).decode("utf-8", "replace")

    def close(self) -> None:
        self.closed = True
        try:
            self._device.close()
        except Exception:  # already gone
            pass


def connect_tcp(address: LoopbackAddress, key: AdbKey, auth_timeout_s: float, on_prompt: Callable[[], None] | None = None) -> AdbLink:
    from adb_shell.adb_device import AdbDevice

    device = AdbDevice(_loopback_transport(address), default_transport_timeout_s=TRANSPORT_TIMEOUT_S, banner=BANNER)
    return _authorised(device, address.serial, key, auth_timeout_s, on_prompt)


def _loopback_transport(address: LoopbackAddress):
    """adb-shell's TCP transport, kept to loopback and told when the phone has gone: adb-shell reads
    a closed connection as "nothing yet" and spins until its read timeout (two minutes, a whole core)."""
    import socket

    from adb_shell.transport.tcp_transport import TcpTransport

    class LoopbackTransport(TcpTransport):
        def connect(self, transport_timeout_s):
            if not ipaddress.ip_address(address.host).is_loopback:  # never reached: loopback_address refused it
                raise ConnectionRefusedError("not a loopback address")
            super().connect(transport_timeout_s)
            self._connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def bulk_read(self, numbytes, transport_timeout_s):
            data = super().bulk_read(numbytes, transport_timeout_s)
            if not data:
                raise ConnectionResetError("the phone closed the connection")
            return data

        def bulk_write(self, data, transport_timeout_s):
            sent = super().bulk_write(data, transport_timeout_s)
            while sent < len(data):  # send() may take part of it; the rest follows, as sendall would
                sent += super().bulk_write(data[sent:], transport_timeout_s)
            return sent

    return LoopbackTransport(address.host, address.port)


def connect_usb(serial: str, key: AdbKey, auth_timeout_s: float, on_prompt: Callable[[], None] | None = None) -> AdbLink:
    """Untested here (no phone, no USB): adb-shell's own USB transport for the phone with this serial."""
    from adb_shell.adb_device import AdbDeviceUsb

    device = AdbDeviceUsb(serial=serial, default_transport_timeout_s=TRANSPORT_TIMEOUT_S, banner=BANNER)
    return _authorised(device, serial, key, auth_timeout_s, on_prompt)


def usb_serials() -> list[str]:
    """The serial numbers of the USB devices that offer ADB (untested here: no USB phone). Raises
    UsbUnavailable when USB cannot be read on this computer (the libusb library is missing)."""
    try:
        from adb_shell.transport.usb_transport import UsbTransport

        serials, refused = [], 0
        for transport in UsbTransport.find_all_adb_devices():
            try:
                serials.append(transport.serial_number)  # libusb opens the device to read it
            except Exception:  # no permission on this one: the others are still listed
                refused += 1
        if refused and not serials:
            raise UsbUnavailable(NO_USB_PERMISSION)
        return serials
    except UsbUnavailable:
        raise
    except ImportError as error:
        raise UsbUnavailable(Message.of("the USB support is not installed: {error}", error=str(error))) from None
    except OSError as error:  # usb1: cannot find a suitable libusb-1.0
        if "libusb" in str(error):
            raise UsbUnavailable(Message.of("the libusb library is not installed")) from None
        raise UsbUnavailable(unreachable_reason(error)) from None
    except Exception as error:  # libusb's own errors (permissions, a busy bus)
        raise UsbUnavailable(unreachable_reason(error)) from None


class UsbUnavailable(Exception):
    """USB phones cannot be listed on this computer; `reason` says why, as a sentence."""

    def __init__(self, reason: Message) -> None:
        super().__init__(reason.render())
        self.reason = reason


class _Signer:
    """What adb-shell asks of a key: a signature of the phone's token, and the public key to offer."""

    def __init__(self, key: AdbKey) -> None:
        self._key = key

    def Sign(self, data: bytes) -> bytes:  # noqa: N802 (adb-shell's interface)
        return self._key.sign(bytes(data))

    def GetPublicKey(self) -> bytes:  # noqa: N802
        return self._key.android_public_key


def _authorised(device, serial: str, key: AdbKey, auth_timeout_s: float, on_prompt: Callable[[], None] | None) -> AdbLink:
    from adb_shell import exceptions

    prompted = []

    def prompt(_device) -> None:
        prompted.append(True)
        if on_prompt is not None:
            on_prompt()

    try:
        device.connect(rsa_keys=[_Signer(key)], transport_timeout_s=TRANSPORT_TIMEOUT_S, auth_timeout_s=auth_timeout_s,
                       read_timeout_s=TRANSPORT_TIMEOUT_S, auth_callback=prompt)
    except Exception as error:
        try:
            device.close()
        except Exception:
            pass
        if prompted and isinstance(error, (exceptions.TcpTimeoutException, exceptions.AdbTimeoutError, TimeoutError, exceptions.UsbReadFailedError)):
            raise PhoneNotAuthorised() from None
        raise PhoneUnreachable(unreachable_reason(error)) from None
    return AdbLink(device, serial)
