"""The `appwarden` and `appwarden-gui` commands: the window when asked for (or with no command),
the command line otherwise. Qt is imported only when the window really opens.
"""

from __future__ import annotations

import argparse
import os
import sys

from appwarden.core.i18n import Translator, detect_language
from appwarden.core.version import __version__

EXIT_NO_DISPLAY = 2
COMMAND_LINE_OPTIONS = ("-h", "--help", "--version")  # answered by the command line, with or without a command

# System libraries that Qt's xcb platform plugin (PySide6/Qt/plugins/platforms/libqxcb.so) loads and
# the PySide6 wheel does not bundle: `ldd` of the plugin, less glibc. Without one, Qt aborts (exit
# 134) instead of saying what is missing. Each with its Debian/Ubuntu package and its Fedora package.
XCB_SYSTEM_LIBRARIES = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libXau.so.6": ("libxau6", "libXau"),
    "libXdmcp.so.6": ("libxdmcp6", "libXdmcp"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libGLdispatch.so.0": ("libglvnd0", "libglvnd"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libpng16.so.16": ("libpng16-16", "libpng"),
    "libbrotlidec.so.1": ("libbrotli1", "libbrotli"),
    "libbrotlicommon.so.1": ("libbrotli1", "libbrotli"),
    "libexpat.so.1": ("libexpat1", "expat"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libpcre2-8.so.0": ("libpcre2-8-0", "pcre2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libsystemd.so.0": ("libsystemd0", "systemd-libs"),
    "libcap.so.2": ("libcap2", "libcap"),
    "libgcrypt.so.20": ("libgcrypt20", "libgcrypt"),
    "libgpg-error.so.0": ("libgpg-error0", "libgpg-error"),
    "liblz4.so.1": ("liblz4-1", "lz4-libs"),
    "liblzma.so.5": ("liblzma5", "xz-libs"),
    "libzstd.so.1": ("libzstd1", "libzstd"),
    "libz.so.1": ("zlib1g", "zlib"),
    "libbsd.so.0": ("libbsd0", "libbsd"),
    "libmd.so.0": ("libmd0", "libmd"),
    "libstdc++.so.6": ("libstdc++6", "libstdc++"),
    "libgcc_s.so.1": ("libgcc-s1", "libgcc"),
}


def main(argv: list[str] | None = None) -> int:
    """`appwarden`: the window with no command or `gui`, the command line for anything else."""
    argv = list(sys.argv[1:] if argv is None else argv)
    window_argv = window_request(argv)
    if window_argv is not None:
        return open_window(window_argv)
    from appwarden.core.cli.main import main as command_line

    return command_line(argv)


def console_main() -> int:
    """The `appwarden` program: main(), then out without a last garbage collection."""
    from appwarden.core.cli.main import without_exit_collection

    return without_exit_collection(main())


def main_window() -> int:
    """`appwarden-gui`, for platforms where a console window would be out of place."""
    return open_window(sys.argv[1:])


def window_arguments(argv: list[str]) -> argparse.Namespace:
    """The window's options, parsed as the command line parses its own: in the person's language,
    and a mistake is one sentence and one usage line (exit 2)."""
    from appwarden.core.cli.main import CommandLineParser, requested_language

    t = Translator(detect_language(requested_language(argv)))
    parser = CommandLineParser(t=t, prog="appwarden gui", description=t("Open the AppWarden window."))
    parser.add_argument("--root", metavar="DIR", help=t("check the disk mounted at DIR instead of this device"))
    parser.add_argument("--os", choices=("linux", "windows", "macos"), help=t("operating system on --root"))
    parser.add_argument("--policy", metavar="FILE", action="append", default=[], help=t("add a policy pack (repeatable)"))
    parser.add_argument("--no-default-policy", action="store_true", help=t("do not load the default Government of Canada pack"))
    parser.add_argument("--phone-capture", metavar="PATH", help=t(
        "check what was captured from an Android phone: a dumpsys package output, an adb bugreport zip, "
        "a pm list packages output or an AndroidQF folder"
    ))
    parser.add_argument("--personal", action="store_true",
                        help=t("the device is personal, not issued by your organisation: its findings are recommended, not required"))
    from appwarden.core.cli.phones import add_phone_options

    add_phone_options(parser, t)
    parser.add_argument("--self-check", action="store_true",
                        help=t("open the window, check --root or this device, and exit 0 once the window shows the result"))
    parser.add_argument("--kiosk", action="store_true",
                        help=t("open the walk-up kiosk: full screen, for anyone to check their phone, keeping nothing"))
    parser.add_argument("--config", metavar="FILE", help=t("the kiosk configuration (default: the site-wide one)"))
    parser.add_argument("--version", action="version", version=f"appwarden {__version__}", help=t("show the version and exit"))
    options = parser.parse_args(argv)
    if options.phone_capture and (options.root or options.os or options.phone):
        parser.fail(t("--phone-capture checks what was captured from a phone: it cannot be used with --root, --os or --phone."))
    if options.phone and (options.root or options.os):
        parser.fail(t("--phone checks a phone connected to this computer: it cannot be used with --root or --os."))
    if options.kiosk and (options.root or options.os or options.phone or options.personal):
        parser.fail(t("--kiosk checks the phones people plug in: it cannot be used with --root, --os, --phone or --personal."))
    if options.kiosk and options.phone_capture and not options.self_check:
        parser.fail(t("--kiosk reads a --phone-capture only to test itself: add --self-check."))
    if options.config and not options.kiosk:
        parser.fail(t("--config names the kiosk's configuration: add --kiosk."))
    options.lang = getattr(options, "lang", None)  # the parser leaves it unset when not given
    return options


def window_request(argv: list[str]) -> list[str] | None:
    """The window's arguments when `argv` names no command (nothing, `gui ...`, or options only:
    `appwarden --lang fr`, `appwarden --root DIR`); None when it is for the command line."""
    start = 2 if argv[:1] == ["--lang"] else 1 if argv[:1] and argv[0].startswith("--lang=") else 0
    language, rest = argv[:start], argv[start:]
    if rest[:1] == ["gui"]:
        return language + rest[1:]
    if rest[:1] == ["kiosk"] and not set(rest[1:]) & {"--check-config", "--set-pin", "-h", "--help"} \
            and not any(arg.startswith("--check-config=") for arg in rest[1:]):
        return ["--kiosk", *language, *rest[1:]]  # `appwarden kiosk [--config FILE]` opens the kiosk
    if not rest or (rest[0].startswith("-") and rest[0].split("=", 1)[0] not in COMMAND_LINE_OPTIONS):
        return argv  # before its command, the command line takes only --lang and these
    return None


def display_available() -> bool:
    """Whether a window can be shown: always on Windows and macOS; on Linux a display or a Qt platform."""
    if sys.platform in ("win32", "darwin"):
        return True
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def uses_xcb() -> bool:
    """Whether Qt will load its xcb plugin: Linux with an X display, QT_QPA_PLATFORM unset or xcb, and
    not a Wayland session (where Qt tries Wayland first)."""
    if not sys.platform.startswith("linux") or not os.environ.get("DISPLAY"):
        return False
    platform = os.environ.get("QT_QPA_PLATFORM", "").partition(":")[0]
    if platform:
        return platform == "xcb"
    return not (os.environ.get("XDG_SESSION_TYPE") == "wayland" and os.environ.get("WAYLAND_DISPLAY"))


def missing_xcb_libraries() -> list[str]:
    """The system libraries of `XCB_SYSTEM_LIBRARIES` the loader cannot load, by soname. A library
    that fails because one it needs is missing counts as that one (the loader names it first)."""
    import ctypes  # 5 ms, only where Qt would draw through X11

    bundled = getattr(sys, "_MEIPASS", None)  # a self-contained build ships the smaller ones itself
    missing: list[str] = []
    for name in XCB_SYSTEM_LIBRARIES:
        if bundled and os.path.exists(os.path.join(bundled, name)):
            continue
        try:
            ctypes.CDLL(name)
        except OSError as error:
            culprit = os.path.basename(str(error).split(":", 1)[0])
            culprit = culprit if culprit in XCB_SYSTEM_LIBRARIES else name
            if culprit not in missing:
                missing.append(culprit)
    return missing


def missing_libraries_sentence(missing: list[str], t: Translator) -> str:
    debian = dict.fromkeys(XCB_SYSTEM_LIBRARIES[name][0] for name in missing)
    fedora = dict.fromkeys(XCB_SYSTEM_LIBRARIES[name][1] for name in missing)
    return t("The window cannot open because part of Qt's screen support is missing from this computer "
             "({libraries}): on Debian or Ubuntu run sudo apt-get install {debian}, on Fedora run sudo dnf install {fedora}.",
             libraries=", ".join(missing), debian=" ".join(debian), fedora=" ".join(fedora))


def open_window(argv: list[str]) -> int:
    from appwarden.gui.bundled_qt import prepare_qt

    prepare_qt()  # the bundle's console program starts without Qt's setup: it is done now
    args = window_arguments(argv)
    t = Translator(detect_language(args.lang))
    if not display_available():
        print(t("No display is available, so the window cannot open. To check this device in the terminal, run: appwarden scan"), file=sys.stderr)
        return EXIT_NO_DISPLAY
    missing = missing_xcb_libraries() if uses_xcb() else []
    if missing:
        print(missing_libraries_sentence(missing, t), file=sys.stderr)
        return EXIT_NO_DISPLAY
    if args.kiosk:
        from appwarden.gui.kiosk_app import run_kiosk, run_kiosk_self_check

        return run_kiosk_self_check(args) if args.self_check else run_kiosk(args)
    from appwarden.gui.app import run_self_check, run_window

    return run_self_check(args) if args.self_check else run_window(args)
