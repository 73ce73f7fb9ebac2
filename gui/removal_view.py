"""The guided-removal dialog's layout: one step at a time, what will happen, who acts, the exact
commands, live output, and the verification at the end. RemovalController drives it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from appwarden.core.i18n import Translator

# Colours from the system palette and sizes from the system font, as in the main window; the
# outcome's meaning colours are borders beside its words.
STYLE = """
QLabel#stepTitle { font-weight: 600; }
QLabel#who { font-style: italic; }
QLabel#outcome { font-weight: 600; padding: 0.5em; border-radius: 6px; border: 2px solid palette(mid); }
QLabel#outcome[state="ok"] { border-color: #2e7d4a; }
QLabel#outcome[state="problem"] { border-color: #d93025; }
QLabel#outcome[state="info"] { border-color: #1f5fbf; }
QPushButton#primary { background: palette(highlight); color: palette(highlighted-text); font-weight: 600;
    padding: 0.5em 1.2em; border-radius: 6px; border: 3px solid palette(highlight); }
QPushButton#primary:focus { border-color: palette(text); }
QPushButton#primary:disabled { background: palette(mid); border-color: palette(mid); }
QPushButton { padding: 0.4em 0.9em; }
"""
TITLE_SCALE = 1.3  # the step's title, larger than the system font by a ratio, never by pixels


class StepLayout:
    """What a page of the guided removal shows, for the window's dialog and the kiosk's page alike:
    RemovalController drives either through these and the parts they name (counter, title, who,
    explanation, commands, output, progress, outcome and the step's buttons)."""

    def show_step(self, counter: str, title: str, who: str, explanation: str, commands: str) -> None:
        self.counter.setText(counter)
        self.title.setText(title)
        self.who.setText(who)
        self.explanation.setText(explanation)
        self.commands.setPlainText(commands)
        self.commands.setVisible(bool(commands))
        self.output.clear()
        self.output.hide()
        self.progress.hide()
        self.outcome.hide()

    def show_outcome(self, state: str, text: str) -> None:
        """state: ok, problem or info; the words say it, the colour only helps."""
        self.outcome.setProperty("state", state)
        self.outcome.style().unpolish(self.outcome)
        self.outcome.style().polish(self.outcome)
        self.outcome.setText(text)
        self.outcome.show()

    def show_buttons(self, do: bool, done: bool, skip: bool, next_: bool, skip_by_default: bool = False) -> None:
        """`skip_by_default`: a step that cannot be undone on the person's own files (Enter skips it)."""
        for button, visible in ((self.do_button, do), (self.done_button, done), (self.skip_button, skip), (self.next_button, next_)):
            button.setVisible(visible)
            button.setEnabled(visible)
            button.setDefault(False)
        choices = ((self.skip_button, skip),) if skip_by_default and skip else ()
        choices += ((self.do_button, do), (self.done_button, done), (self.next_button, next_))
        default = next((b for b, v in choices if v), None)
        if default is not None:
            default.setDefault(True)
            default.setFocus()


class RemovalDialog(StepLayout, QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("removalDialog")
        self.setStyleSheet(STYLE)
        self.resize(760, 560)
        page = QVBoxLayout(self)
        page.setContentsMargins(24, 20, 24, 20)
        page.setSpacing(12)
        self.counter = QLabel(objectName="stepCounter")
        self.title = QLabel(objectName="stepTitle", wordWrap=True)
        title_font = QFont(self.title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * TITLE_SCALE)
        self.title.setFont(title_font)
        self.who = QLabel(objectName="who", wordWrap=True)
        self.explanation = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.commands = QPlainTextEdit(readOnly=True, maximumHeight=110)
        self.commands.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.progress = QProgressBar(textVisible=False)
        self.progress.setRange(0, 0)
        self.output = QPlainTextEdit(readOnly=True)
        self.output.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.outcome = QLabel(objectName="outcome", wordWrap=True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for widget in (self.counter, self.title, self.who, self.explanation, self.commands, self.progress, self.output, self.outcome):
            page.addWidget(widget)
        page.addStretch(1)
        page.addLayout(self._buttons())

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.do_button = QPushButton(objectName="primary")
        self.done_button = QPushButton(objectName="primary")
        self.skip_button = QPushButton()
        self.next_button = QPushButton(objectName="primary")
        self.close_button = QPushButton()
        row.addWidget(self.close_button)
        row.addStretch(1)
        for button in (self.skip_button, self.do_button, self.done_button, self.next_button):
            row.addWidget(button)
        return row

    def set_texts(self, t: Translator, app: str) -> None:
        self.setWindowTitle(t("Remove {app}", app=app))
        self.do_button.setText(t("Do it for me"))
        self.done_button.setText(t("I've done it"))
        self.skip_button.setText(t("Skip this step"))
        self.next_button.setText(t("Next step"))
        self.close_button.setText(t("Close"))
        names = {
            self.commands: t("Exact commands of this step"),
            self.output: t("What the step printed"),
            self.progress: t("The step is running"),
            self.outcome: t("Result of this step"),
            self.do_button: t("Let AppWarden do this step"),
            self.done_button: t("I have done this step myself"),
            self.skip_button: t("Skip this step"),
            self.next_button: t("Go to the next step"),
            self.close_button: t("Close the removal guide"),
        }
        for widget, name in names.items():
            widget.setAccessibleName(name)
