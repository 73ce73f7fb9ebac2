"""The person's language in the window: our own messages and Qt's shipped catalogue for its dialogs
and buttons. Start-up (`gui.app`) and the settings (`gui.controller`) both choose a language here."""

from __future__ import annotations

from typing import Mapping

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from appwarden.core.assets import asset_path
from appwarden.core.i18n import Translator, detect_language


def translator_for(language: str | None) -> Translator:
    """`language` is --lang or the saved setting; empty means the system's language."""
    return Translator(detect_language(language or None))


class QtCatalogueGaps(QTranslator):
    """The strings of Qt's dialogs that Qt's own catalogue lacks (assets/translations/qt_<lang>.toml),
    answered by their English text whatever Qt context asks."""

    def __init__(self, texts: Mapping[str, str], parent: QApplication) -> None:
        super().__init__(parent)
        self.texts = dict(texts)

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str | None:
        # None reaches Qt as a null string, which sends it on to the next catalogue; "" would not.
        return self.texts.get(source)

    def isEmpty(self) -> bool:
        return not self.texts


def qt_catalogue_gaps(lang: str) -> dict[str, str]:
    """Our French for what qtbase_<lang>.qm leaves in English; nothing when there is no such file."""
    try:
        with open(asset_path("translations", f"qt_{lang}.toml"), "rb") as handle:
            text = handle.read()
    except OSError:
        return {}  # English has none; Qt's own catalogue still translates all the rest
    import tomllib  # only when there is a catalogue to read (3 ms), as in core.i18n

    try:
        return dict(tomllib.loads(text.decode("utf-8")).get("dialogs", {}))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


_qt_translators: list[QTranslator] = []


def install_qt_translations(app: QApplication, lang: str) -> None:
    """Qt's own dialogs and buttons (OK, Cancel, file and print dialogs) in the person's language;
    the previous language's catalogues are removed first, so switching back to English works."""
    while _qt_translators:
        app.removeTranslator(_qt_translators.pop())
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    shipped = QTranslator(app)
    if shipped.load(QLocale(lang), "qtbase", "_", folder):
        _install(app, shipped)
    gaps = qt_catalogue_gaps(lang)
    if gaps:
        _install(app, QtCatalogueGaps(gaps, app))  # installed last, so asked first


def _install(app: QApplication, translator: QTranslator) -> None:
    app.installTranslator(translator)
    _qt_translators.append(translator)
