"""The `appwarden` and `appwarden-gui` commands: the window when asked for (or with no arguments),
the command line otherwise. Qt is imported only when the window really opens.
"""

from __future__ import annotations

import argparse
import os
import sys

from core.i18n import SUPPORTED_LANGUAGES, Translator, detect_language
from core.version import __version__

EXIT_NO_DISPLAY = 2


def main(argv: list[str] | None = None) -> int:
    """`appwarden`: the window with no arguments or `gui`, the command line for anything else."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] == "gui":
        return open_window(argv[1:])
    from core.cli.main import main as command_line

    return command_line(argv)


def main_window() -> int:
    """`appwarden-gui`, for platforms where a console window would be out of place."""
    return open_window(sys.argv[1:])


def window_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="appwarden gui", description="Open the AppWarden window.")
    parser.add_argument("--root", metavar="DIR", help="check the disk mounted at DIR instead of this device")
    parser.add_argument("--os", choices=("linux", "windows", "macos"), help="operating system on --root")
    parser.add_argument("--policy", metavar="FILE", action="append", default=[], help="add a policy pack (repeatable)")
    parser.add_argument("--no-default-policy", action="store_true", help="do not load the default pack")
    parser.add_argument("--lang", choices=SUPPORTED_LANGUAGES, help="language of the window")
    parser.add_argument("--self-check", action="store_true",
                        help="open the window, check --root or this device, exit 0 once the window shows the result")
    parser.add_argument("--version", action="version", version=f"appwarden {__version__}")
    return parser.parse_args(argv)


def display_available() -> bool:
    """Whether a window can be shown: always on Windows and macOS; on Linux a display or a Qt platform."""
    if sys.platform in ("win32", "darwin"):
        return True
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def open_window(argv: list[str]) -> int:
    args = window_arguments(argv)
    if not display_available():
        t = Translator(detect_language(args.lang))
        print(t("No display is available, so the window cannot open. To check this device in the terminal, run: appwarden scan"), file=sys.stderr)
        return EXIT_NO_DISPLAY
    from gui.app import run_self_check, run_window

    return run_self_check(args) if args.self_check else run_window(args)
