"""Entry point of the `appwarden` command: parses arguments, runs a command, maps outcomes to exit codes.

Exit codes: 0 compliant, 1 a prohibited app found, 2 usage, policy or scan error.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import traceback
from pathlib import Path

from core.errors import AppWardenError
from core.i18n import SUPPORTED_LANGUAGES, Translator, detect_language
from core.reports import FORMATS
from core.version import __version__

EXIT_COMPLIANT, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="appwarden",
        description="Checks this computer (or a mounted disk) for applications that government directives prohibit.",
    )
    parser.add_argument("--version", action="version", version=f"appwarden {__version__}")
    parser.add_argument("--lang", choices=SUPPORTED_LANGUAGES, help="language of messages and reports")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    scan = commands.add_parser("scan", help="check this device or a mounted disk")
    _policy_options(scan)
    scan.add_argument("--root", metavar="DIR", help="check the disk mounted at DIR instead of this device")
    scan.add_argument("--os", choices=("linux", "windows", "macos"), help="operating system on --root, when it cannot be told")
    scan.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    scan.add_argument("--output", metavar="FILE", help="write the report to FILE instead of the screen")
    scan.add_argument("--no-history", action="store_true", help="do not record this check in the history")
    scan.add_argument(
        "--fail-on",
        choices=("required", "recommended"),
        default="recommended",
        help="exit 1 on findings whose removal is required only, or on any finding (default)",
    )

    explain = commands.add_parser("explain", help="say why an application is prohibited")
    explain.add_argument("rule", metavar="RULE", help="rule id, such as tiktok, wechat or kaspersky")
    _policy_options(explain)

    from core.cli.removal import add_parser as add_remove_parser

    add_remove_parser(commands)

    history = commands.add_parser("history", help="list past checks")
    history.add_argument("--limit", type=int, default=20, help="how many checks to list (default 20)")

    policy = commands.add_parser("policy", help="list, show or check policy packs")
    policy_commands = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    policy_list = policy_commands.add_parser("list", help="list the packs AppWarden ships and those given")
    _policy_options(policy_list)
    show = policy_commands.add_parser("show", help="show a pack's directives and rules")
    show.add_argument("pack", metavar="ID_OR_FILE")
    check = policy_commands.add_parser("check", help="validate policy pack files")
    check.add_argument("files", metavar="FILE", nargs="+")
    check.add_argument("--no-default-policy", action="store_true", help="check the files without the default pack")
    return parser


def _policy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--policy", metavar="FILE", action="append", default=[], help="add a policy pack (repeatable)")
    parser.add_argument("--no-default-policy", action="store_true", help="do not load the default Government of Canada pack")


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    parser = build_parser()
    args = parser.parse_args(argv)
    t = Translator(detect_language(args.lang))
    if args.command is None:
        parser.print_help()
        return EXIT_COMPLIANT
    from core.cli import commands

    try:
        return commands.run(args, t)
    except AppWardenError as error:
        from core.reports.terminal import terminal_output

        print(terminal_output(error.render(t)), file=sys.stderr)  # a sentence may name what a disk holds
        return error.exit_code
    except KeyboardInterrupt:
        print(t("Cancelled."), file=sys.stderr)
        return 130
    except Exception as error:  # the last guard: a person never sees a traceback
        log = _write_crash_log(error)
        print(
            t("AppWarden stopped because of an internal error ({error}). Details were saved in {log}.",
              error=f"{type(error).__name__}: {error}", log=log),
            file=sys.stderr,
        )
        return EXIT_ERROR


def _write_crash_log(error: Exception) -> str:
    try:
        import platformdirs

        folder = platformdirs.user_log_path("appwarden", appauthor=False)
        folder.mkdir(parents=True, exist_ok=True)
        path = Path(folder) / "crash.log"
        # Appended to only when it is a regular file of this account's: never through a link.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0), 0o600)
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode) or (hasattr(os, "geteuid") and status.st_uid != os.geteuid()):
            os.close(fd)
            raise OSError(0, "not a regular file of this account")
        with open(fd, "a", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(error)) + "\n")
        return str(path)
    except (OSError, RuntimeError):  # RuntimeError: platformdirs cannot tell where the home folder is
        return "(nowhere: the log folder cannot be written)"


if __name__ == "__main__":
    sys.exit(main())
