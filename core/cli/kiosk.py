"""`appwarden kiosk`: check a kiosk configuration (as `policy check` checks packs) and set its staff PIN.
With neither option, `appwarden kiosk [--config FILE]` opens the kiosk itself (gui.launcher sees to that)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from appwarden.core.errors import UsageError
from appwarden.core.i18n import Translator
from appwarden.core.messages import Message

EXIT_OK, EXIT_PROBLEMS = 0, 2


def add_parser(commands: argparse._SubParsersAction, t: Translator) -> None:
    kiosk = commands.add_parser("kiosk", help=t("open the kiosk, check its configuration, or set its staff PIN"))
    action = kiosk.add_mutually_exclusive_group(required=True)
    action.add_argument("--check-config", metavar="FILE", help=t("validate a kiosk configuration file: one line per problem"))
    action.add_argument("--set-pin", action="store_true", help=t("ask for a new staff PIN and write its hash into the configuration"))
    kiosk.add_argument("--config", metavar="FILE", help=t("the kiosk configuration (default: the site-wide one)"))


def kiosk(args: argparse.Namespace, t: Translator) -> int:
    from appwarden.core.kiosk.config import default_config_path, read_config

    if args.check_config:
        reading = read_config(Path(args.check_config))
        for line in reading.problems:
            print(line, file=sys.stderr)
        if reading.problems:
            return EXIT_PROBLEMS
        print(t("{file}: valid", file=args.check_config))
        return EXIT_OK
    return set_pin(Path(args.config) if args.config else default_config_path(), t)


def set_pin(path: Path, t: Translator) -> int:
    from appwarden.core.files import write_text_atomically
    from appwarden.core.kiosk.config import MAX_CONFIG_BYTES, with_pin_hash
    from appwarden.core.kiosk.pin import hash_pin, pin_problem

    if not sys.stdin.isatty():
        raise UsageError(Message.of("--set-pin asks for the PIN twice, and there is no terminal to ask in. Run it in a terminal."))
    pin = getpass.getpass(t("New staff PIN (4 to 12 digits): "))
    if pin_problem(pin) is not None:
        raise UsageError(Message.of("A staff PIN is 4 to 12 digits. Nothing was changed."))
    if getpass.getpass(t("The same PIN again: ")) != pin:
        raise UsageError(Message.of("The two PINs differ. Nothing was changed."))
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(Message.of("{file} cannot be read: {error}. Nothing was changed.", file=path, error=str(error))) from None
    if len(text.encode("utf-8")) > MAX_CONFIG_BYTES:
        raise UsageError(Message.of("{file} is larger than a kiosk configuration. Nothing was changed.", file=path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(path, with_pin_hash(text, hash_pin(pin)))
    except OSError as error:
        raise UsageError(Message.of("{file} cannot be written: {error}. Nothing was changed.", file=path,
                                    error=error.strerror or str(error))) from None
    print(t("The staff PIN's hash was written to {file}.", file=path))
    return EXIT_OK
