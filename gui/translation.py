"""The person's language in the window: our own messages and Qt's shipped catalogue for its dialogs
and buttons. Start-up (`gui.app`) and the settings (`gui.controller`) both choose a language here."""

from __future__ import annotations

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
