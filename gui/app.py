"""Starting the window: the Qt application, the person's language (ours and Qt's own), the settings."""

from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from core.i18n import Translator, detect_language


def translator_for(language: str | None) -> Translator:
    """`language` is --lang or the saved setting; empty means the system's language."""
    return Translator(detect_language(language or None))


_qt_translators: list[QTranslator] = []


def install_qt_translations(app: QApplication, lang: str) -> None:
    """Qt's own dialogs and buttons (OK, Cancel, file dialogs) in the person's language; the
    previous language's catalogue is removed first, so switching back to English works."""
    while _qt_translators:
        app.removeTranslator(_qt_translators.pop())
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if translator.load(QLocale(lang), "qtbase", "_", folder):
        app.installTranslator(translator)
        _qt_translators.append(translator)


def make_window(options: argparse.Namespace, app: QApplication):
    """The main window and its controller, ready to show (tests use this too)."""
    from core.settings import SettingsStore
    from gui.controller import MainController
    from gui.main_window import MainWindowView

    settings, settings_problem = SettingsStore().load()
    translate = translator_for(options.lang or settings.language)
    install_qt_translations(app, translate.lang)
    view = MainWindowView()
    controller = MainController(
        view, options, translate,
        extra_policies=settings.extra_policies, show_helpdesk=settings.show_helpdesk_details,
    )
    if settings_problem is not None:
        view.statusBar().showMessage(settings_problem.render(translate), 10000)
    return view, controller


def run_window(options: argparse.Namespace) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("AppWarden")
    app.setOrganizationName("AppWarden")
    view, controller = make_window(options, app)
    view.show()
    controller.start()
    code = app.exec()
    controller.background.wait(5000)
    return code
