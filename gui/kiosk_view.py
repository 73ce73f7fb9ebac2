"""The kiosk's layout: one full-screen, frameless window with no menus, large type and large buttons,
the organisation and the language switch always at the top, and one page per stage of a person's
session. KioskController drives it; nothing here calls the core."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from appwarden.core.i18n import Translator
from appwarden.gui.removal_view import StepLayout

# Type is the system font scaled by ratios, never fixed pixels: a person reads it standing a metre away.
TYPE_SCALE = 1.6  # the kiosk's body text, against the window's (at least 1.5)
HEADING_SCALE = 1.7  # headings, against the kiosk's body text
CODE_SCALE = 1.6  # the reference code
STYLE = """
QWidget#kiosk { background: palette(window); }
QFrame#topBar { border-bottom: 2px solid palette(mid); }
QLabel#heading { font-weight: 700; }
QLabel#organisation { font-weight: 600; }
QLabel#staffNote { color: palette(window-text); border: 1px dashed palette(mid); padding: 0.3em; }
QLabel#notice { border: 2px solid #1f5fbf; border-radius: 8px; padding: 0.5em; }
QFrame#card { border: 2px solid palette(mid); border-radius: 10px; background: palette(base); }
QFrame#card QLabel { color: palette(text); }
QFrame#verdict { border: 3px solid palette(mid); border-radius: 10px; background: palette(base); }
QFrame#verdict[state="found"] { border-color: #d93025; }
QFrame#verdict[state="ok"] { border-color: #2e7d4a; }
QFrame#verdict[state="incomplete"], QFrame#verdict[state="leftovers"] { border-color: #b06000; }
QFrame#verdict QLabel { color: palette(text); }
QLabel#code { font-weight: 700; }
QLabel#outcome { font-weight: 600; padding: 0.5em; border-radius: 8px; border: 3px solid palette(mid); }
QLabel#outcome[state="ok"] { border-color: #2e7d4a; }
QLabel#outcome[state="problem"] { border-color: #d93025; }
QLabel#outcome[state="info"] { border-color: #1f5fbf; }
QFrame#countdown { border: 3px solid #b06000; border-radius: 10px; background: palette(base); }
QFrame#countdown QLabel { color: palette(text); font-weight: 600; }
QPushButton { padding: 0.5em 1.2em; min-height: 2.2em; border-radius: 8px; border: 2px solid palette(mid);
    background: palette(button); color: palette(button-text); }
QPushButton:focus { border: 3px solid palette(highlight); }
QPushButton[role="primary"] { background: palette(highlight); color: palette(highlighted-text); font-weight: 700;
    border: 3px solid palette(highlight); min-width: 9em; }
QPushButton[role="primary"]:focus { border-color: palette(text); }
QPushButton[role="primary"]:disabled { background: palette(mid); border-color: palette(mid); }
QPushButton[role="language"]:checked { font-weight: 700; border: 3px solid palette(highlight); }
QPushButton#moreAbout { border: none; background: transparent; color: palette(link); text-decoration: underline;
    padding: 0.2em 0; min-height: 1.5em; text-align: left; }
"""


def kiosk_font(ratio: float = 1.0, bold: bool = False, fixed: bool = False) -> QFont:
    """The window's font (the system's) times TYPE_SCALE times `ratio`: every text sets its own, so none
    is left at the window's size by a widget made before it was placed."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont) if fixed else QFont(QApplication.font())
    font.setPointSizeF(QApplication.font().pointSizeF() * TYPE_SCALE * ratio)
    font.setBold(bold)
    return font


def _scaled(widget: QWidget, ratio: float, bold: bool = False) -> None:
    widget.setFont(kiosk_font(ratio, bold))


def _label(name: str, scale: float = 1.0, selectable: bool = False, bold: bool = False) -> QLabel:
    label = QLabel(objectName=name, wordWrap=True)
    label.setTextFormat(Qt.TextFormat.PlainText)  # a phone and a configuration name themselves: never markup
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    _scaled(label, scale, bold)
    return label


def _button(name: str, primary: bool = False) -> QPushButton:
    button = QPushButton(objectName=name)
    button.setFont(kiosk_font(1.0, bold=primary))
    if primary:
        button.setProperty("role", "primary")
    button.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
    return button


def _text_box(height_lines: int) -> QPlainTextEdit:
    box = QPlainTextEdit(readOnly=True)
    box.setFont(kiosk_font(1.0, fixed=True))
    box.setMaximumHeight(box.fontMetrics().lineSpacing() * height_lines + 16)
    return box


def _waiting() -> QProgressBar:
    bar = QProgressBar(textVisible=False)
    bar.setRange(0, 0)
    bar.setMaximumHeight(14)
    return bar


def qr_image(text: str, size: int) -> QImage:
    """The QR code of `text` (segno's matrix, with its quiet zone), drawn black on white in a square
    of about `size` pixels, whole pixels per module so a phone's camera reads it."""
    import segno

    code = segno.make(text, error="m", micro=False)
    rows = [list(row) for row in code.matrix_iter(border=4)]
    modules = len(rows)
    scale = max(1, size // modules)
    image = QImage(modules * scale, modules * scale, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                painter.fillRect(x * scale, y * scale, scale, scale, QColor("black"))
    painter.end()
    return image


class FindingCard(QFrame):
    """One prohibited app on the results page: its name, one short line, and "More about this"."""

    def __init__(self, name: str, reason: str, more: str, more_label: str, less_label: str) -> None:
        super().__init__(objectName="card")
        self.more_label, self.less_label = more_label, less_label
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 12, 18, 12)
        self.name = _label("findingName", 1.25, bold=True)
        self.name.setText(name)
        self.reason = _label("findingReason")
        self.reason.setText(reason)
        self.more = _label("findingMore", selectable=True)
        self.more.setText(more)
        self.more.hide()
        self.toggle = _button("moreAbout")
        self.toggle.setFont(kiosk_font(0.95))
        self.toggle.setCheckable(True)
        self.toggle.toggled.connect(self._toggled)
        self._toggled(False)
        for widget in (self.name, self.reason, self.toggle, self.more):
            layout.addWidget(widget)

    def _toggled(self, on: bool) -> None:
        self.more.setVisible(on)
        self.toggle.setText(self.less_label if on else self.more_label)
        self.toggle.setAccessibleName(self.toggle.text())


class KioskRemovalPage(StepLayout, QWidget):
    """The guided removal as a kiosk page, with the removal dialog's parts and signals, so the window's
    own RemovalController drives it step by step: large buttons, the exact commands, the outcome."""

    finished = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("removal")
        page = QVBoxLayout(self)
        page.setSpacing(14)
        self.counter = _label("stepCounter")
        self.title = _label("heading", HEADING_SCALE, bold=True)
        self.who = _label("who")
        self.explanation = _label("explanation", selectable=True)
        self.commands = _text_box(3)
        self.progress = _waiting()
        self.output = _text_box(4)
        self.outcome = _label("outcome", selectable=True)
        for widget in (self.counter, self.title, self.who, self.explanation, self.commands, self.progress, self.output, self.outcome):
            page.addWidget(widget)
        page.addStretch(1)
        row = QHBoxLayout()
        self.do_button = _button("doStep", primary=True)
        self.done_button = _button("didStep", primary=True)
        self.skip_button = _button("skipStep")
        self.next_button = _button("nextStep", primary=True)
        self.close_button = _button("finishRemoval")
        row.addWidget(self.close_button)
        row.addStretch(1)
        for button in (self.skip_button, self.do_button, self.done_button, self.next_button):
            row.addWidget(button)
        page.addLayout(row)

    def set_texts(self, t: Translator, app: str) -> None:
        self.do_button.setText(t("Do it for me"))
        self.done_button.setText(t("I've done it"))
        self.skip_button.setText(t("Skip this step"))
        self.next_button.setText(t("Next step"))
        self.close_button.setText(t("Check my phone again"))
        self.commands.setAccessibleName(t("Exact commands of this step"))
        self.output.setAccessibleName(t("What the step printed"))
        self.outcome.setAccessibleName(t("Result of this step"))
        self.close_button.setAccessibleName(t("End the removal of {app} and check the phone again", app=app))

    def reject(self) -> None:
        self.finished.emit(0)

    def clear(self) -> None:
        """Nothing of the app or the phone left on the page (it may live on while its last step ends)."""
        self.show_step("", "", "", "", "")
        self.outcome.clear()
        self.close_button.setAccessibleName("")


class PinPrompt(QDialog):
    """The staff exit's PIN, with a keypad for a touch screen. KioskController checks what is typed."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, Qt.WindowType.FramelessWindowHint | Qt.WindowType.Dialog)
        self.setObjectName("pinPrompt")
        self.setModal(True)
        self.setStyleSheet(STYLE + "QDialog#pinPrompt { border: 3px solid palette(highlight); background: palette(window); }")
        page = QVBoxLayout(self)
        page.setContentsMargins(28, 24, 28, 24)
        self.heading = _label("heading", 1.3, bold=True)
        self.pin = QLineEdit(objectName="pin", echoMode=QLineEdit.EchoMode.Password, maxLength=12)
        self.pin.setFont(kiosk_font(1.3))
        self.pin.setInputMask("")
        self.message = _label("pinMessage")
        keys = QGridLayout()
        self.digit_buttons = []
        for index, digit in enumerate("123456789"):
            button = _button(f"digit{digit}")
            button.setText(digit)
            button.clicked.connect(lambda _=False, d=digit: self.pin.insert(d))
            keys.addWidget(button, index // 3, index % 3)
            self.digit_buttons.append(button)
        self.clear_button = _button("clearPin")
        self.clear_button.clicked.connect(self.pin.clear)
        zero = _button("digit0")
        zero.setText("0")
        zero.clicked.connect(lambda: self.pin.insert("0"))
        self.digit_buttons.append(zero)
        self.ok_button = _button("openWithPin", primary=True)
        keys.addWidget(self.clear_button, 3, 0)
        keys.addWidget(zero, 3, 1)
        keys.addWidget(self.ok_button, 3, 2)
        self.cancel_button = _button("cancelPin")
        self.cancel_button.clicked.connect(self.reject)
        page.addWidget(self.heading)
        page.addWidget(self.pin)
        page.addWidget(self.message)
        page.addLayout(keys)
        page.addWidget(self.cancel_button)
        self.pin.returnPressed.connect(self.ok_button.click)

    def set_texts(self, t: Translator) -> None:
        self.heading.setText(t("Staff only: type the kiosk's PIN to leave it"))
        self.pin.setAccessibleName(t("Staff PIN"))
        self.clear_button.setText(t("Clear"))
        self.ok_button.setText(t("Leave the kiosk"))
        self.cancel_button.setText(t("Cancel"))

    def say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))


class KioskWindow(QWidget):
    """The kiosk's one window. It refuses to close (Alt+F4, the window manager's close) until the
    staff exit allows it; `closing_allowed` is set only by the controller after the right PIN."""

    def __init__(self) -> None:
        super().__init__(None, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("kiosk")
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.closing_allowed = False
        self.setFont(kiosk_font())
        self.setStyleSheet(STYLE)
        page = QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        page.setSpacing(0)
        page.addWidget(self._top_bar())
        self.pages = QStackedWidget()
        self.welcome, self.phone, self.checking, self.results, self.closing = (
            QWidget(objectName=name) for name in ("welcome", "phone", "checking", "results", "closing"))
        self.removal = KioskRemovalPage()
        self._welcome_page()
        self._phone_page()
        self._checking_page()
        self._results_page()
        self._closing_page()
        for widget in (self.welcome, self.phone, self.checking, self.results, self.removal, self.closing):
            margins = QVBoxLayout() if widget.layout() is None else None
            if margins is not None:
                widget.setLayout(margins)
            widget.layout().setContentsMargins(48, 28, 48, 28)
            self.pages.addWidget(widget)
        page.addWidget(self.pages, 1)
        page.addWidget(self._countdown_bar())

    # --- the parts -------------------------------------------------------------------------------

    def _top_bar(self) -> QFrame:
        bar = QFrame(objectName="topBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(32, 12, 32, 12)
        self.logo = QLabel(objectName="logo")
        self.organisation = _label("organisation", 1.1, bold=True)
        self.organisation.setWordWrap(False)
        self.english = _button("english")
        self.french = _button("french")
        self.english.setText("English")
        self.french.setText("Français")
        for button, lang in ((self.english, "en"), (self.french, "fr")):
            button.setProperty("role", "language")
            button.setProperty("lang", lang)
            button.setCheckable(True)
            button.setAutoExclusive(True)
            button.setFont(kiosk_font(1.0, bold=True))  # the same width checked or not
            button.setMinimumWidth(button.sizeHint().width() + 24)
        row.addWidget(self.logo)
        row.addWidget(self.organisation, 1)
        row.addWidget(self.english)
        row.addWidget(self.french)
        return bar

    def _welcome_page(self) -> None:
        page = QVBoxLayout(self.welcome)
        self.welcome_heading = _label("heading", HEADING_SCALE, bold=True)
        self.welcome_text = _label("welcomeText")
        self.notice = _label("notice")
        self.notice.hide()
        columns = QHBoxLayout()
        columns.setSpacing(24)
        self.android_card, self.android_title, self.android_text = self._instruction_card("androidCard")
        self.iphone_card, self.iphone_title, self.iphone_text = self._instruction_card("iphoneCard")
        columns.addWidget(self.android_card, 1)
        columns.addWidget(self.iphone_card, 1)
        self.plug_in = _label("plugIn", 1.25, bold=True)
        self.looking = _waiting()
        self.staff_note = _label("staffNote", 1 / TYPE_SCALE, selectable=True)  # for IT: the window's size
        self.staff_note.hide()
        corner = QHBoxLayout()
        corner.addStretch(1)
        corner.addWidget(self.staff_note, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        self.staff_note.setMaximumWidth(720)
        for widget in (self.welcome_heading, self.welcome_text, self.notice):
            page.addWidget(widget)
        page.addSpacing(10)
        page.addLayout(columns)
        page.addSpacing(10)
        page.addWidget(self.plug_in)
        page.addWidget(self.looking)
        page.addStretch(1)
        page.addLayout(corner)

    def _instruction_card(self, name: str) -> tuple[QFrame, QLabel, QLabel]:
        card = QFrame(objectName="card")
        layout = QVBoxLayout(card)
        layout.setContentsMargins(20, 14, 20, 14)
        title = _label("cardTitle", 1.15, bold=True)
        text = _label("cardText")
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addStretch(1)
        card.setObjectName("card")
        card.setAccessibleName(name)
        return card, title, text

    def _phone_page(self) -> None:
        page = QVBoxLayout(self.phone)
        self.phone_heading = _label("heading", HEADING_SCALE, bold=True)
        self.phone_text = _label("phoneText", selectable=True)
        self.phone_waiting = _waiting()
        self.ownership = _label("ownershipQuestion", 1.1, bold=True)
        self.issued_button = _button("issuedByOrganisation", primary=True)
        self.personal_button = _button("personalPhone", primary=True)
        choices = QHBoxLayout()
        choices.setSpacing(20)
        choices.addWidget(self.issued_button, 1)
        choices.addWidget(self.personal_button, 1)
        self.retry_button = _button("retryPhone", primary=True)
        self.start_over_button = _button("startOver")
        row = QHBoxLayout()
        row.addWidget(self.start_over_button)
        row.addStretch(1)
        row.addWidget(self.retry_button)
        for widget in (self.phone_heading, self.phone_text, self.phone_waiting):
            page.addWidget(widget)
        page.addSpacing(16)
        page.addWidget(self.ownership)
        page.addLayout(choices)
        page.addStretch(1)
        page.addLayout(row)

    def _checking_page(self) -> None:
        page = QVBoxLayout(self.checking)
        self.checking_heading = _label("heading", HEADING_SCALE, bold=True)
        self.checking_text = _label("checkingText")
        self.checking_progress = QProgressBar(textVisible=False)
        self.checking_progress.setMaximumHeight(18)
        page.addStretch(1)
        for widget in (self.checking_heading, self.checking_text, self.checking_progress):
            page.addWidget(widget)
        page.addStretch(2)

    def _results_page(self) -> None:
        page = QHBoxLayout(self.results)
        page.setSpacing(32)
        left = QVBoxLayout()
        self.verdict_frame = QFrame(objectName="verdict")
        verdict = QVBoxLayout(self.verdict_frame)
        verdict.setContentsMargins(20, 14, 20, 14)
        self.verdict_heading = _label("heading", HEADING_SCALE, bold=True)
        self.verdict_text = _label("verdictText")
        verdict.addWidget(self.verdict_heading)
        verdict.addWidget(self.verdict_text)
        self.cards = QVBoxLayout()
        self.cards.setSpacing(12)
        holder = QWidget()
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addLayout(self.cards)
        holder_layout.addStretch(1)
        self.findings_area = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        self.findings_area.setWidget(holder)
        self.next_text = _label("nextText")
        self.help_contact = _label("helpContact", bold=True)
        buttons = QHBoxLayout()
        self.remove_button = _button("removeFromPhone", primary=True)
        self.done_button = _button("done", primary=True)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.done_button)
        left.addWidget(self.verdict_frame)
        left.addWidget(self.findings_area, 1)
        left.addWidget(self.next_text)
        left.addWidget(self.help_contact)
        left.addLayout(buttons)
        right = QVBoxLayout()
        self.code_title = _label("codeTitle")
        self.code_title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.code = _label("code", CODE_SCALE, selectable=True, bold=True)
        self.code.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.code.setWordWrap(False)
        self.qr = QLabel(objectName="qr", alignment=Qt.AlignmentFlag.AlignHCenter)
        self.code_note = _label("codeNote")
        self.code_note.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        for widget in (self.code_title, self.code, self.qr, self.code_note):
            right.addWidget(widget)
        right.addStretch(1)
        page.addLayout(left, 3)
        page.addLayout(right, 1)

    def _closing_page(self) -> None:
        page = QVBoxLayout(self.closing)
        self.closing_heading = _label("heading", HEADING_SCALE, bold=True)
        self.closing_text = _label("closingText")
        self.closing_done = _button("closingDone", primary=True)
        page.addWidget(self.closing_heading)
        page.addWidget(self.closing_text)
        page.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.closing_done)
        page.addLayout(row)

    def _countdown_bar(self) -> QFrame:
        self.countdown = QFrame(objectName="countdown")
        row = QHBoxLayout(self.countdown)
        row.setContentsMargins(32, 14, 32, 14)
        self.countdown_text = _label("countdownText", 1.1, bold=True)
        self.stay_button = _button("stay", primary=True)
        row.addWidget(self.countdown_text, 1)
        row.addWidget(self.stay_button)
        self.countdown.hide()
        return self.countdown

    # --- what the controller shows ----------------------------------------------------------------

    def set_logo(self, image: QImage | None) -> None:
        if image is None or image.isNull():
            self.logo.clear()
            self.logo.hide()
            return
        height = int(self.organisation.fontMetrics().height() * 2.2)
        self.logo.setPixmap(QPixmap.fromImage(image).scaledToHeight(height, Qt.TransformationMode.SmoothTransformation))
        self.logo.show()

    def show_page(self, page: QWidget) -> None:
        self.pages.setCurrentWidget(page)
        heading = page.findChild(QLabel, "heading")
        self.setAccessibleDescription(heading.text() if heading is not None else "")

    def new_removal_page(self) -> KioskRemovalPage:
        """A fresh removal page, one per app removed. The previous one leaves the window at once, with
        what it showed; it is returned so that it is deleted only once its controller's work has ended."""
        old, self.removal = self.removal, KioskRemovalPage()
        self.removal.layout().setContentsMargins(48, 28, 48, 28)
        self.pages.insertWidget(self.pages.indexOf(old), self.removal)
        self.pages.removeWidget(old)
        old.setParent(None)
        old.clear()
        return old

    def show_verdict(self, state: str, heading: str, text: str) -> None:
        self.verdict_frame.setProperty("state", state)
        self.verdict_frame.style().unpolish(self.verdict_frame)
        self.verdict_frame.style().polish(self.verdict_frame)
        self.verdict_heading.setText(heading)
        self.verdict_text.setText(text)
        self.verdict_text.setVisible(bool(text))

    def set_cards(self, cards: list[FindingCard]) -> None:
        while self.cards.count():
            widget = self.cards.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)  # out of the window at once, with what it said
                widget.deleteLater()
        for card in cards:
            self.cards.addWidget(card)
        self.findings_area.setVisible(bool(cards))

    def show_code(self, title: str, code: str, note: str, qr_text: str = "") -> None:
        """`code` as people read it (with non-breaking hyphens), `qr_text` as the QR code holds it."""
        self.code_title.setText(title)
        self.code.setText(code)
        self.code_note.setText(note)
        if qr_text:
            side = max(220, min(self.width() // 5, 420))
            self.qr.setPixmap(QPixmap.fromImage(qr_image(qr_text, side)))
        else:
            self.qr.clear()
        self.qr.setAccessibleName(title if code else "")

    def show_countdown(self, text: str | None) -> None:
        self.countdown_text.setText(text or "")
        self.countdown.setVisible(text is not None)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if self.closing_allowed:
            event.accept()
        else:
            event.ignore()

    def sizeHint(self) -> QSize:  # noqa: N802
        screen = QApplication.primaryScreen()
        return screen.size() if screen is not None else QSize(1280, 800)

