"""Starting the kiosk (`appwarden-gui --kiosk`, `appwarden kiosk`): its configuration and state folder,
this process confined to that folder, the full-screen window, and `--kiosk --self-check`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from appwarden.core.i18n import Translator, detect_language
from appwarden.core.kiosk.station import KioskStation, open_station
from appwarden.gui.kiosk_controller import KioskController, load_logo
from appwarden.gui.kiosk_view import KioskWindow

SELF_CHECK_SECONDS = 120


def make_kiosk(options: argparse.Namespace, station: KioskStation, **timing) -> tuple[KioskWindow, KioskController]:
    """The kiosk's window and controller, ready to show (tests use this, with shorter `timing`)."""
    from appwarden.gui.app import application

    application()
    languages = station.config.languages
    asked = detect_language(options.lang) if options.lang else languages[0]
    view = KioskWindow()
    view.set_logo(load_logo(station.config.logo))
    controller = KioskController(view, station, options, Translator(asked if asked in languages else languages[0]), **timing)
    return view, controller


def _open(options: argparse.Namespace) -> tuple[KioskStation, QApplication]:
    from appwarden.gui.app import application

    station = open_station(Path(options.config) if options.config else None)
    station.confine_this_process()  # before Qt starts: its caches and fontconfig's go to the state folder
    return station, application()


def run_kiosk(options: argparse.Namespace) -> int:
    station, app = _open(options)
    view, controller = make_kiosk(options, station)
    controller.left.connect(app.quit)
    view.showFullScreen()
    controller.start()
    code = app.exec()
    controller.shutdown()
    controller.reset()
    controller.background.wait(10000)
    station.close()
    return code


def run_kiosk_self_check(options: argparse.Namespace, seconds: float = SELF_CHECK_SECONDS) -> int:
    """A whole session, unattended, against --phone-capture: the capture stands in for a phone plugged
    in, the ownership question is answered "issued", and the results screen must show the verdict the
    core gives for that capture; then Done must bring back an empty welcome screen. 0 when all of
    it happened, 1 with the reason on stderr."""
    from appwarden.core.errors import AppWardenError
    from appwarden.core.reports import wording
    from appwarden.gui.app import watched_run

    station, app = _open(options)
    view, controller = make_kiosk(options, station)
    t = controller.t
    if not options.phone_capture:
        print(t("Kiosk self-check failed: {reason}", reason=t("name a phone capture with --phone-capture PATH")), file=sys.stderr)
        controller.shutdown()
        station.close()
        return 1
    deadline, outcome, expected = time.monotonic() + seconds, [], []

    def finish(code: int, line: str) -> None:
        if not outcome:
            outcome.append(code)
            print(line, file=sys.stdout if code == 0 else sys.stderr)
            app.exit(code)

    def expected_verdict() -> str:
        from appwarden.core.scan import run_scan
        from appwarden.core.target import capture_target

        if not expected:
            expected.append(wording.verdict(run_scan(capture_target(options.phone_capture), controller.policies), controller.t))
        return expected[0]

    def look() -> None:
        if outcome:
            return
        if controller.startup_problem is not None:
            finish(1, t("Kiosk self-check failed: {reason}", reason=controller.startup_problem.render(t)))
        elif time.monotonic() > deadline:
            finish(1, t("Kiosk self-check failed: {reason}", reason=t("no result in time")))
        elif controller.policies is None:
            return
        elif controller.stage == "welcome" and not expected:
            try:
                expected_verdict()
            except AppWardenError as error:
                finish(1, t("Kiosk self-check failed: {reason}", reason=error.render(t)))
                return
            except OSError as error:
                finish(1, t("Kiosk self-check failed: {reason}", reason=f"{options.phone_capture}: {error.strerror or error}"))
                return
            controller.start_capture()
        elif controller.stage == "phone" and view.issued_button.isVisible():
            view.issued_button.click()
        elif controller.stage == "phone" and (view.retry_button.isVisible() or view.phone_heading.text() == controller.t("The check did not finish")):
            finish(1, t("Kiosk self-check failed: {reason}", reason=view.phone_text.text()))
        elif controller.stage == "results":
            shown = view.verdict_text.text()
            if not shown.startswith(expected[0]):
                finish(1, t("Kiosk self-check failed: {reason}", reason=f"the results screen shows “{shown}”, not “{expected[0]}”"))
                return
            expected.append(shown)
            view.done_button.click()
        elif controller.stage == "welcome" and len(expected) == 2:
            if controller.result is not None or view.verdict_text.text() or view.code.text():
                finish(1, t("Kiosk self-check failed: {reason}", reason=t("Done left the results on screen")))
            else:
                finish(0, t("Kiosk self-check passed: {verdict}", verdict=expected[1]))

    code = watched_run(app, view, look, view.showFullScreen, controller.start)
    controller.shutdown()
    controller.reset()
    controller.background.wait(10000)
    station.close()
    return code if outcome else 1
