"""The Check a phone dialog's layout: what to do now on the phone (in plain words), the phones seen,
whether the organisation issued the phone, and the one action. PhoneController drives it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from appwarden.core.i18n import Translator
from appwarden.gui.removal_view import STYLE, TITLE_SCALE


def show_ownership_question(t: Translator, question, issued, personal) -> None:
    """The question asked of every phone, in this dialog and at the kiosk alike, and its two answers."""
    question.setText(t("Was this phone issued by your organisation?"))
    issued.setText(t("Yes, my organisation issued it"))
    personal.setText(t("No, it is my own"))


class PhoneDialog(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("phoneDialog")
        self.setStyleSheet(STYLE)
        self.resize(720, 520)
        page = QVBoxLayout(self)
        page.setContentsMargins(24, 20, 24, 20)
        page.setSpacing(12)
        self.heading = QLabel(objectName="stepTitle", wordWrap=True)
        font = QFont(self.heading.font())
        font.setPointSizeF(font.pointSizeF() * TITLE_SCALE)
        self.heading.setFont(font)
        self.instructions = QLabel(objectName="instructions", wordWrap=True)
        self.instructions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.waiting = QProgressBar(textVisible=False)
        self.waiting.setRange(0, 0)
        self.phones = QLabel(objectName="phones", wordWrap=True)
        self.note = QLabel(objectName="note", wordWrap=True)
        for label in (self.heading, self.instructions, self.phones, self.note):
            label.setTextFormat(Qt.TextFormat.PlainText)  # a phone names itself: never read as markup
        self.ownership = QLabel(objectName="ownershipQuestion", wordWrap=True)
        self.issued = QRadioButton(objectName="issuedByOrganisation")
        self.personal = QRadioButton(objectName="personalPhone")
        self.ownership_choice = QButtonGroup(self)
        self.ownership_choice.addButton(self.issued)
        self.ownership_choice.addButton(self.personal)
        choices = QHBoxLayout()
        choices.addWidget(self.issued)
        choices.addWidget(self.personal)
        choices.addStretch(1)
        self.check_button = QPushButton(objectName="primary")
        self.check_button.setDefault(True)
        self.retry_button = QPushButton(objectName="retryButton")
        self.close_button = QPushButton(objectName="closeButton")
        buttons = QHBoxLayout()
        buttons.addWidget(self.retry_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.check_button)
        page.addWidget(self.heading)
        page.addWidget(self.instructions)
        page.addWidget(self.waiting)
        page.addWidget(self.phones)
        page.addStretch(1)
        page.addWidget(self.ownership)
        page.addLayout(choices)
        page.addWidget(self.note)
        page.addLayout(buttons)

    def set_texts(self, t: Translator) -> None:
        self.setWindowTitle(t("Check a phone"))
        show_ownership_question(t, self.ownership, self.issued, self.personal)
        self.check_button.setText(t("Check this phone"))
        self.retry_button.setText(t("Try again"))
        self.close_button.setText(t("Close"))
        self.waiting.setAccessibleName(t("Waiting for the phone"))
        self.check_button.setAccessibleName(t("Check this phone"))

    def show_state(self, heading: str, instructions: str, waiting: bool, phones: str = "", note: str = "") -> None:
        self.heading.setText(heading)
        self.instructions.setText(instructions)
        self.waiting.setVisible(waiting)
        self.phones.setText(phones)
        self.phones.setVisible(bool(phones))
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.setAccessibleDescription(f"{heading} {instructions}")
