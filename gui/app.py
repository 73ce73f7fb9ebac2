"""Starting the window: the Qt application, the person's language and settings, and `--self-check`."""

from __future__ import annotations

import argparse
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from appwarden.core.assets import asset_path
from appwarden.core.settings import SettingsStore
from appwarden.gui.controller import MainController
from appwarden.gui.main_window import MainWindowView
from appwarden.gui.translation import install_qt_translations, translator_for

SELF_CHECK_SECONDS = 120


def make_window(options: argparse.Namespace, app: QApplication):
    """The main window and its controller, ready to show (tests use this too)."""
    settings, settings_problem = SettingsStore().load()
    translate = translator_for(options.lang or settings.language)
    install_qt_translations(app, translate.lang)
    app.setWindowIcon(QIcon(str(asset_path("icons", "appwarden.png"))))
    view = MainWindowView()
    controller = MainController(
        view, options, translate,
        extra_policies=settings.extra_policies, show_helpdesk=settings.show_helpdesk_details,
        this_device_issued=settings.this_device_issued,
    )
    if settings_problem is not None:
        view.statusBar().showMessage(settings_problem.render(translate), 10000)
    return view, controller


def application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("AppWarden")
    app.setOrganizationName("AppWarden")
    return app


def run_window(options: argparse.Namespace) -> int:
    app = application()
    view, controller = make_window(options, app)
    view.show()
    controller.start()
    code = app.exec()
    controller.background.wait(5000)
    return code


def watched_run(app: QApplication, view, look, show, start) -> int:
    """A self-check's run: the window shown and started, `look` called every 50 ms until it ends the application."""
    timer = QTimer(view)
    timer.timeout.connect(look)
    timer.start(50)
    show()
    start()
    code = app.exec()
    timer.stop()
    return code


def run_self_check(options: argparse.Namespace, seconds: float = SELF_CHECK_SECONDS) -> int:
    """`--self-check`: open the window, press Check as a person would, and exit 0 once the window
    shows a result; 1 with the reason on stderr when it shows an error or nothing in time.
    Proves a build works end to end (Qt plugins, packs, sources) without anyone at the screen."""
    app = application()
    view, controller = make_window(options, app)
    t, deadline, outcome = controller.t, time.monotonic() + seconds, []

    def finish(code: int, line: str) -> None:
        outcome.append(code)
        print(line, file=sys.stdout if code == 0 else sys.stderr)
        app.exit(code)

    def look() -> None:
        if outcome:
            return
        if controller.target_problem is not None:  # the window says why; nothing can be checked
            finish(1, t("Self-check failed: {reason}", reason=controller.target_problem.render(t)))
        elif controller.startup_error is not None:  # no pack in force: the window says why
            finish(1, t("Self-check failed: {reason}", reason=controller.startup_error.render(t)))
        elif view.banner_text.text() == t("Something went wrong."):
            finish(1, t("Self-check failed: {reason}", reason=view.banner_detail.text()))
        elif controller.task is not None and controller.task.done:
            shown = controller.result is not None and view.banner.property("state") != "idle"
            if shown and not controller.result.cancelled:
                finish(0, t("Self-check passed: {verdict}", verdict=view.banner_text.text()))
            else:
                finish(1, t("Self-check failed: {reason}", reason=t("the check ended without showing a result")))
        elif time.monotonic() > deadline:
            finish(1, t("Self-check failed: {reason}", reason=t.plural("no result after {count} second", "no result after {count} seconds", count=int(seconds))))
        elif controller.startup is not None and controller.task is None:
            controller.check()

    code = watched_run(app, view, look, view.show, controller.start)
    if controller.task is not None and not controller.task.done:
        controller.task.cancel()
    controller.background.wait(5000)
    return code if outcome else 1
