"""`appwarden phones`, and the --phone/--connect options that `scan` and `remove` share."""

from __future__ import annotations

import argparse
import sys

from appwarden.core.errors import UsageError
from appwarden.core.i18n import Translator
from appwarden.core.messages import Message
from appwarden.core.reports.terminal import print_to_terminal

STATE_WORDS = {"ready": Message.of("ready"), "unauthorised": Message.of("unauthorised"), "offline": Message.of("offline"),
               "locked": Message.of("locked"), "not trusted": Message.of("not trusted")}


def add_phone_options(parser: argparse.ArgumentParser, t: Translator, listing: bool = False) -> None:
    if not listing:
        parser.add_argument("--phone", metavar="SERIAL", help=t(
            "check the Android phone with this serial (appwarden phones lists them), or auto for the only one connected"))
    parser.add_argument("--connect", metavar="127.0.0.1:PORT", action="append", default=[], help=t(
        "also look for a phone or emulator on this computer's loopback address (ADB over TCP); never another address"))
    parser.add_argument("--allow-wait", metavar="SECONDS", type=_seconds(t), default=None, help=t(
        "how long to wait for Allow on the phone, in seconds (60 unless given; 2 when listing)"))


def _seconds(t: Translator):
    def seconds(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not 0 < value <= 3600:  # also refuses nan and inf
            from appwarden.core.cli.main import RefusedValue

            raise RefusedValue(t("--allow-wait must be a number of seconds above 0 and up to 3600, not '{value}'.", value=text))
        return value
    return seconds


def add_parser(commands: argparse._SubParsersAction, t: Translator) -> None:
    phones = commands.add_parser("phones", help=t("list the phones connected to this computer"))
    add_phone_options(phones, t, listing=True)
    phones.add_argument("--unpair", metavar="UDID", help=t(
        "make the iPhone or iPad with this UDID stop trusting this computer (removes AppWarden's pairing)"))


def finder(args: argparse.Namespace):
    from appwarden.core.phones.keys import StoredKey
    from appwarden.core.phones.link import loopback_address
    from appwarden.core.phones.session import PhoneFinder

    addresses = tuple(dict.fromkeys(loopback_address(text) for text in args.connect))  # refused before anything else
    return PhoneFinder(StoredKey(), addresses)


def open_phone(args: argparse.Namespace, t: Translator):
    """The session of the phone --phone names (an Android phone, or an iPhone or iPad by its UDID);
    the person is told what to tap when the phone asks."""
    from appwarden.core.phones.iphone import UDID, IphoneTools, open_iphone
    from appwarden.core.phones.session import AUTO, DEFAULT_ALLOW_WAIT_S, PhoneError, allow_prompt

    def prompt(fingerprint: str) -> None:
        print(allow_prompt(fingerprint).render(t), file=sys.stderr, flush=True)

    def advise(advice: Message) -> None:
        print(advice.render(t), file=sys.stderr, flush=True)

    wait = DEFAULT_ALLOW_WAIT_S if args.allow_wait is None else args.allow_wait
    android, tools = finder(args), IphoneTools()
    if UDID.fullmatch(args.phone):
        return open_iphone(tools, args.phone, wait, advise)
    if args.phone == AUTO and not tools.missing():
        iphones = _iphones(tools)
        if iphones and android.candidates()[0]:
            raise PhoneError(Message.of(
                "Several phones are connected: name the one to check with --phone SERIAL (appwarden phones lists them)."))
        if len(iphones) == 1:
            return open_iphone(tools, iphones[0], wait, advise)
        if len(iphones) > 1:
            raise PhoneError(Message.of(
                "Several phones are connected: name the one to check with --phone SERIAL (appwarden phones lists them)."))
    try:
        return android.open(args.phone, wait, prompt)
    except PhoneError as error:
        if args.phone != AUTO:
            raise
        from appwarden.core.phones.iphone import list_iphones

        _, notes = list_iphones(tools)  # why no iPhone was looked for, if none could be
        if not notes:
            raise
        raise PhoneError(Message.of("{found} {note}", found=error.sentence, note=notes[0])) from None


def _iphones(tools) -> list[str]:
    from appwarden.core.phones.commands import PhoneGone

    try:
        return tools.udids()
    except PhoneGone:
        return []


def phones(args: argparse.Namespace, t: Translator) -> int:
    from appwarden.core.phones.session import LISTING_ALLOW_WAIT_S, PhoneState, TURN_ON_USB_DEBUGGING, allow_prompt

    from appwarden.core.phones.iphone import UDID, IphoneTools, list_iphones

    if args.unpair:
        from appwarden.core.phones.iphone import INSTALL_TOOLS

        if not UDID.fullmatch(args.unpair):
            raise UsageError(Message.of("--unpair takes the UDID of an iPhone or iPad, as appwarden phones lists it."))
        if IphoneTools().missing():
            raise UsageError(Message.of(INSTALL_TOOLS.template, missing=", ".join(IphoneTools().missing())))
        if IphoneTools().unpair(args.unpair):
            print_to_terminal(t("The iPhone or iPad no longer trusts this computer."))
            return 0
        print_to_terminal(t("The iPhone or iPad could not be unpaired: it is not plugged in, or it did not trust this computer."))
        return 2
    phone_finder = finder(args)
    listing = phone_finder.list(LISTING_ALLOW_WAIT_S if args.allow_wait is None else args.allow_wait)
    iphones, iphone_notes = list_iphones(IphoneTools())
    for note in (*listing.notes, *iphone_notes):
        print(note.render(t), file=sys.stderr)
    phones = (*listing.phones, *iphones)
    if not phones:
        print_to_terminal(t("No phone is connected.") + " " + TURN_ON_USB_DEBUGGING.render(t))
        return 0
    rows = [(t("serial"), t("maker and model"), t("system"), t("state"))]
    for phone in phones:
        model = " ".join(part for part in (phone.device.manufacturer, phone.device.model) if part) or "-"
        rows.append((phone.serial, model, phone.system_version, STATE_WORDS[phone.state].render(t)))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = ["  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip() for row in rows]
    if any(phone.state == PhoneState.UNAUTHORISED for phone in listing.phones):
        lines += ["", allow_prompt(phone_finder.keys.key().fingerprint).render(t)]
    for phone in iphones:
        if phone.reason is not None:
            lines += ["", f"{phone.serial}: {phone.reason.render(t)}"]
    for phone in listing.phones:
        if phone.state == PhoneState.OFFLINE:
            lines += ["", Message.of("{serial} does not answer ({reason}). Unlock it, unplug it and plug it in again.",
                                     serial=phone.serial, reason=phone.reason or Message.of("no answer")).render(t)]
    print_to_terminal("\n".join(lines))  # a phone names itself: its words are escaped
    return 0
