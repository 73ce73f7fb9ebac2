"""Qt's own dialogs (export, open, questions, print) speak French when the window does: every
string they ask Qt to translate gets a French answer, from Qt's catalogue or from ours."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMessageBox, QPushButton

from appwarden.gui.translation import install_qt_translations


class UnansweredTexts(QTranslator):
    """Installed before the others, so Qt asks it only what no other catalogue translated."""

    def __init__(self, parent) -> None:
        super().__init__(parent)
        self.asked: set[tuple[str, str]] = set()

    def translate(self, context, source, disambiguation=None, n=-1):
        if context != "QGuiApplication":  # QT_LAYOUT_DIRECTION: a setting, not a text
            self.asked.add((context, source))
        return None

    def isEmpty(self) -> bool:
        return False


def file_dialog(mode: QFileDialog.AcceptMode) -> QFileDialog:
    dialog = QFileDialog(None, "Exporter le rapport", "", "Page Web (*.html)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)  # Qt's own dialog, the one without a platform theme
    dialog.setAcceptMode(mode)
    return dialog


def print_dialog() -> QPrintDialog:
    printer = QPrinter()
    dialog = QPrintDialog(printer)
    dialog.printer_kept_alive = printer  # the dialog only points to it
    dialog.show()
    for button in dialog.findChildren(QPushButton):  # "Options >>" builds the rest of the dialog
        if button.text().startswith("&Options"):
            button.click()
    return dialog


DIALOGS = {
    "save": lambda: file_dialog(QFileDialog.AcceptMode.AcceptSave),
    "open": lambda: file_dialog(QFileDialog.AcceptMode.AcceptOpen),
    "question": lambda: QMessageBox(QMessageBox.Icon.Question, "x", "y", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No),
    "error": lambda: QMessageBox(QMessageBox.Icon.Warning, "x", "y", QMessageBox.StandardButton.Close),
    "print": print_dialog,
}


@pytest.fixture
def unanswered(qapp):
    recorder = UnansweredTexts(qapp)
    qapp.installTranslator(recorder)
    yield recorder
    install_qt_translations(qapp, "en")
    qapp.removeTranslator(recorder)


@pytest.mark.parametrize("name", sorted(DIALOGS))
def test_every_text_of_qt_s_dialogs_has_its_french(qtbot, unanswered, name):
    install_qt_translations(QApplication.instance(), "fr")
    unanswered.asked.clear()  # loading the catalogues asks for file errors no one sees
    dialog = DIALOGS[name]()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.wait(50)
    assert unanswered.asked == set(), "add to assets/translations/qt_fr.toml: " + ", ".join(sorted(repr(s) for _, s in unanswered.asked))


def test_the_file_dialog_s_labels_in_french_then_in_english_again(qtbot, unanswered):
    install_qt_translations(QApplication.instance(), "fr")
    dialog = file_dialog(QFileDialog.AcceptMode.AcceptSave)
    qtbot.addWidget(dialog)
    labels = {label.objectName(): label.text() for label in dialog.findChildren(QLabel)}
    assert labels["lookInLabel"] == "&Voir dans\u00a0:"
    assert labels["fileTypeLabel"] == "Fichiers de &type\u00a0:"
    assert labels["fileNameLabel"] == "&Nom de fichier\u00a0:"  # from Qt's own catalogue
    install_qt_translations(QApplication.instance(), "en")
    assert QCoreApplication.translate("QFileDialog", "&Look in:") == "&Look in:"
