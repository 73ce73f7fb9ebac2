"""Entry point of the `appwarden` command: parses arguments, runs a command, maps outcomes to exit codes.

Exit codes: 0 compliant, 1 a prohibited app found, 2 usage, policy or scan error.
"""

from __future__ import annotations

import argparse
import gettext
import os
import stat
import sys
from pathlib import Path
from typing import NoReturn

from appwarden.core.errors import AppWardenError
from appwarden.core.i18n import SUPPORTED_LANGUAGES, Translator, detect_language
from appwarden.core.reports import FORMATS
from appwarden.core.reports.terminal import terminal_output
from appwarden.core.version import __version__

EXIT_COMPLIANT, EXIT_FOUND, EXIT_ERROR = 0, 1, 2
# How argparse begins the one refusal it still words itself (argparse asks gettext, as we do here).
MISSING_ARGUMENTS = gettext.gettext("the following arguments are required: %s").removesuffix("%s")


class RefusedValue(Exception):
    """A value on the command line that cannot be used, with the sentence that says why."""

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence


class CommandLineParser(argparse.ArgumentParser):
    """argparse in the person's language: headings, help and refusals come from the translator, and a
    refusal is one sentence and one usage line. Every parser of the command line takes --lang."""

    def __init__(self, *, t: Translator, **kwargs) -> None:
        self.t = t
        super().__init__(**kwargs, add_help=False, allow_abbrev=False, exit_on_error=False,
                         formatter_class=lambda prog: TranslatedHelpFormatter(prog, t))
        self._positionals.title = _heading(t("positional arguments:"))
        self._optionals.title = _heading(t("options:"))
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=t("show this help message and exit"))
        # Not defaulted here, so that a subcommand's parser does not undo a --lang given before it.
        self.add_argument("--lang", choices=SUPPORTED_LANGUAGES, default=argparse.SUPPRESS, help=t("language of messages and reports"))

    def add_subparsers(self, **kwargs):
        return super().add_subparsers(**kwargs, parser_class=lambda **options: CommandLineParser(t=self.t, **options))

    def parse_args(self, args=None, namespace=None) -> argparse.Namespace:
        namespace, extras = self.parse_known_args(args, namespace)
        if extras:
            chosen = self._chosen(namespace)
            chosen.fail(self.t("{prog} does not take {arguments}.", prog=chosen.prog, arguments=" ".join(extras)))
        return namespace

    def parse_known_args(self, args=None, namespace=None):
        try:
            return super().parse_known_args(args, namespace)
        except RefusedValue as refusal:
            self.fail(refusal.sentence)
        except argparse.ArgumentError as error:
            self.fail(self._sentence(error))

    def error(self, message: str) -> NoReturn:
        self.fail(self._missing(message))

    def fail(self, sentence: str) -> NoReturn:
        self.exit(EXIT_ERROR, terminal_output(f"{sentence}\n{self.usage_line()}\n"))  # the values came from the person

    def usage_line(self) -> str:
        words = [self.prog, "[options]"]
        for action in self._actions:
            if not action.option_strings:
                name = action.metavar or action.dest.upper()
                words.append({argparse.PARSER: f"{name} ...", argparse.ONE_OR_MORE: f"{name} [{name} ...]"}.get(action.nargs, name))
        return self.t("usage: {usage} ({prog} --help says more)", usage=" ".join(words), prog=self.prog)

    def _check_value(self, action: argparse.Action, value: object) -> None:
        if action.choices is None or value in action.choices:
            return
        choices = ", ".join(map(str, action.choices))
        if action.nargs == argparse.PARSER:
            raise RefusedValue(self.t("'{value}' is not a command of {prog}; its commands are {choices}.", value=value, prog=self.prog, choices=choices))
        raise RefusedValue(self.t("{option} must be one of {choices}, not '{value}'.", option=action.option_strings[-1], choices=choices, value=value))

    def _sentence(self, error: argparse.ArgumentError) -> str:
        """argparse's refusal of an option's values, said from what the option takes."""
        action = next((a for a in self._actions if error.argument_name == "/".join(a.option_strings)), None)
        if action is None:
            return self._missing(error.message)
        option = action.option_strings[-1]
        if action.nargs == 0:
            return self.t("{option} takes no value.", option=option)
        value = action.metavar or ("{" + ",".join(map(str, action.choices)) + "}" if action.choices else action.dest.upper())
        return self.t("{option} must be followed by {value}.", option=option, value=value)

    def _missing(self, message: str) -> str:
        missing = message.removeprefix(MISSING_ARGUMENTS)
        return message if missing == message else self.t("{prog} needs {arguments}.", prog=self.prog, arguments=missing)

    def _chosen(self, namespace: argparse.Namespace) -> "CommandLineParser":
        """The parser of the (sub)command the line names, the innermost one."""
        for action in self._actions:
            if action.nargs == argparse.PARSER and getattr(namespace, action.dest, None) in action.choices:
                return action.choices[getattr(namespace, action.dest)]._chosen(namespace)
        return self


class TranslatedHelpFormatter(argparse.HelpFormatter):
    """argparse's help layout, with "usage:" in the person's language."""

    def __init__(self, prog: str, t: Translator) -> None:
        super().__init__(prog, width=help_width())
        self.t = t

    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        super().add_usage(usage, actions, groups, self.t("usage: ") if prefix is None else prefix)


def help_width() -> int:
    """The width argparse would use (the terminal's, or $COLUMNS, less 2), found as
    shutil.get_terminal_size finds it: argparse imports shutil for it in every formatter it makes,
    one per option, and shutil loads the zlib, bz2 and lzma libraries (4 ms, 0.5 MB per check)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns or 80) - 2


def _heading(text: str) -> str:
    """A section title without its colon, which argparse adds (the translation says how it is spaced)."""
    return text.removesuffix(":")


def requested_language(argv: list[str]) -> str | None:
    """--lang's value wherever it is on the line (the last one wins, as in argparse), known before parsing
    so that --help and the refusals of the parser are in that language too."""
    value = None
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and index + 1 < len(argv):
            value = argv[index + 1]
        elif arg.startswith("--lang="):
            value = arg.removeprefix("--lang=")
    return value


def build_parser(t: Translator) -> CommandLineParser:
    parser = CommandLineParser(
        t=t,
        prog="appwarden",
        description=t("Checks this computer (or a mounted disk) for applications that government directives prohibit."),
    )
    parser.add_argument("--version", action="version", version=f"appwarden {__version__}", help=t("show the version and exit"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    scan = commands.add_parser("scan", help=t("check this device or a mounted disk"))
    _policy_options(scan, t)
    scan.add_argument("--root", metavar="DIR", help=t("check the disk mounted at DIR instead of this device"))
    scan.add_argument("--os", choices=("linux", "windows", "macos"), help=t("operating system on --root, when it cannot be told"))
    scan.add_argument("--format", choices=FORMATS, default="text", help=t("report format (default: text)"))
    scan.add_argument("--output", metavar="FILE", help=t("write the report to FILE instead of the screen"))
    scan.add_argument("--no-history", action="store_true", help=t("do not record this check in the history"))
    scan.add_argument("--phone-capture", metavar="PATH", help=t(
        "check what was captured from an Android phone: a dumpsys package output, an adb bugreport zip, "
        "a pm list packages output or an AndroidQF folder"
    ))
    from appwarden.core.cli.phones import add_parser as add_phones_parser, add_phone_options

    add_phone_options(scan, t)
    scan.add_argument("--from-osquery", metavar="FILE", nargs="+", help=t(
        "summarise the results of the exported osquery queries (osqueryi --json, osquery's result log, or a Fleet report "
        "or live query in JSON or CSV), host by host"
    ))
    scan.add_argument("--from-reports", metavar="FILE", nargs="+", help=t("summarise AppWarden JSON reports collected from many devices"))
    scan.add_argument("--personal", action="store_true", help=t("the device is personal, not issued by your organisation: its findings are recommended, not required"))
    scan.add_argument("--write-into", metavar="FILE", help=t(
        "write the report into FILE, an empty file prepared for it (Check all accounts does this); "
        "a link or any other file is refused"
    ))
    scan.add_argument(
        "--fail-on",
        choices=("required", "recommended"),
        default="recommended",
        help=t("exit 1 on findings whose removal is required only, or on any finding (default)"),
    )

    explain = commands.add_parser("explain", help=t("say why an application is prohibited"))
    explain.add_argument("rule", metavar="RULE", help=t("rule id, such as tiktok, wechat or kaspersky"))
    _policy_options(explain, t)

    add_phones_parser(commands, t)
    from appwarden.core.cli.kiosk import add_parser as add_kiosk_parser

    add_kiosk_parser(commands, t)
    from appwarden.core.cli.removal import add_parser as add_remove_parser

    _policy_options(add_remove_parser(commands, t), t)

    history = commands.add_parser("history", help=t("list past checks"))
    history.add_argument("--limit", type=_count(t), default=20, help=t("how many checks to list (default 20)"))
    history.add_argument("--code", metavar="CODE", help=t("show the check with this reference code, and its report"))

    policy = commands.add_parser("policy", help=t("list, show or check policy packs"))
    policy_commands = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    policy_list = policy_commands.add_parser("list", help=t("list the packs AppWarden ships and those given"))
    _policy_options(policy_list, t)
    show = policy_commands.add_parser("show", help=t("show a pack's directives and rules"))
    show.add_argument("pack", metavar="ID_OR_FILE", help=t("the id of a shipped pack, or a pack file"))
    check = policy_commands.add_parser("check", help=t("validate policy pack files"))
    check.add_argument("files", metavar="FILE", nargs="+", help=t("a policy pack file"))
    check.add_argument("--no-default-policy", action="store_true", help=t("check the files without the default pack"))
    export = policy_commands.add_parser("export", help=t("write the packs as Fleet policies, an osquery pack or phones' blocked-app lists"))
    export.add_argument("--format", choices=("fleet", "osquery", "mdm"), required=True, help=t(
        "fleet: Fleet GitOps policies and reports; osquery: an osquery pack; mdm: Android and iPhone app ids for device management"))
    export.add_argument("--output", metavar="DIR", help=t("the folder to write the files into (default: appwarden-FORMAT in this folder)"))
    _policy_options(export, t)
    return parser


def _policy_options(parser: argparse.ArgumentParser, t: Translator) -> None:
    parser.add_argument("--policy", metavar="FILE", action="append", default=[], help=t("add a policy pack (repeatable)"))
    parser.add_argument("--no-default-policy", action="store_true", help=t("do not load the default Government of Canada pack"))


MAX_LIMIT = 2**62  # within SQLite's integers, and more checks than any history can hold


def _count(t: Translator):
    """--limit's type: a whole number of at least 1; more than any history holds lists them all."""
    def count(text: str) -> int:
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            raise RefusedValue(t("--limit must be a whole number of 1 or more, not '{value}'.", value=text))
        return min(int(text), MAX_LIMIT)

    return count


EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a program stopped by a closed pipe


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    argv = list(sys.argv[1:] if argv is None else argv)
    # The parser validates --lang; the language is known before it runs, for --help and its refusals.
    t = Translator(detect_language(requested_language(argv)))
    parser = build_parser(t)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_COMPLIANT
    from appwarden.core.cli import commands

    try:
        return commands.run(args, t)
    except AppWardenError as error:
        print(terminal_output(error.render(t)), file=sys.stderr)  # a sentence may name what a disk holds
        return error.exit_code
    except KeyboardInterrupt:
        print(t("Cancelled."), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader stopped reading (`appwarden policy list | head`): nothing is wrong, and nothing
        # more can be said there. What is still buffered goes nowhere instead of failing at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
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
        import traceback

        with open(fd, "a", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(error)) + "\n")
        return str(path)
    except (OSError, RuntimeError):  # RuntimeError: platformdirs cannot tell where the home folder is
        return "(nowhere: the log folder cannot be written)"


if __name__ == "__main__":
    sys.exit(main())


def without_exit_collection(code: int) -> int:
    """`code`, once every object is set aside from the garbage collector: the interpreter would
    otherwise walk everything a check built once more on its way out (7.5 ms of a 196 ms check
    of this machine, median of 11 runs, 2026-12-02). Only for a process about to exit; never call it from a long-running one."""
    import gc

    gc.freeze()
    return code
