"""The main window's layout: header, the one primary action, progress, result banner, findings and
their details, help-desk details. Layout only: MainController reacts to the person.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence, QPalette, QTextOption
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QMainWindow,
    QProgressBar,
    QSizePolicy,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from appwarden.core.i18n import Translator

# Colours come from the system's palette and sizes from its font (scaled in `_scale_fonts`), so a
# larger system font and a dark or high-contrast theme are followed. Only the banner's meaning
# colours are fixed, in a light and a dark variant; a mark and the text always carry the meaning too.
STYLE = """
QLabel.muted, QLabel#packs, QLabel#lastChecked { color: palette(window-text); }
QPushButton[role="primary"] { background: palette(highlight); color: palette(highlighted-text); font-weight: 600;
    padding: 0.5em 1.3em; border-radius: 6px; border: 3px solid palette(highlight); min-width: 10em; }
QPushButton[role="primary"]:focus { border-color: palette(text); }
QPushButton[role="primary"]:disabled { background: palette(mid); border-color: palette(mid); }
QPushButton { padding: 0.4em 0.9em; }
QPushButton:focus { border: 2px solid palette(highlight); border-radius: 4px; }
QFrame#banner { border-radius: 8px; border: 2px solid palette(mid); background: palette(base); }
QLabel#bannerText { font-weight: 600; color: palette(text); }
QLabel#bannerDetail { color: palette(text); }
QListView, QTextBrowser, QTableView { background: palette(base); color: palette(text);
    border: 2px solid palette(mid); border-radius: 6px; }
QListView:focus, QTextBrowser:focus, QTableView:focus { border: 2px solid palette(highlight); }
QTextBrowser { padding: 0.4em; }
QListView::item { padding: 0.6em 0.4em; border-bottom: 1px solid palette(midlight); }
QListView::item:selected { background: palette(highlight); color: palette(highlighted-text); }
"""
BANNER_MARKS = {"idle": "\u2139", "ok": "\u2714", "found": "\u2716", "incomplete": "\u26a0", "leftovers": "\u2139"}
# (on a light palette, on a dark one): the dark variants keep 4.5:1 contrast on a dark base.
BANNER_COLOURS = {
    "idle": ("#4a5663", "#b8c4d0"),
    "ok": ("#2e7d4a", "#7fd49a"),
    "found": ("#b3261e", "#ff8a80"),
    "incomplete": ("#a05a00", "#ffc266"),
    "leftovers": ("#1f5fbf", "#8ab4f8"),
}
# How much larger than the system font each text is drawn.
FONT_SCALES = {"title": 1.6, "bannerText": 1.15, "bannerIcon": 1.8}


class MainWindowView(QMainWindow):
    closing = Signal()  # the window is being closed: a phone checked in it is done with

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setStyleSheet(STYLE)
        self.resize(1100, 760)
        central = QWidget(objectName="central")
        self.setCentralWidget(central)
        page = QVBoxLayout(central)
        page.setContentsMargins(28, 22, 28, 22)
        page.setSpacing(16)
        page.addLayout(self._header())
        page.addLayout(self._action_row())
        page.addWidget(self._received_notice())
        page.addWidget(self._banner())
        page.addWidget(self._results(), stretch=1)
        page.addLayout(self._footer())
        self._menus()
        self._scale_fonts()
        self.set_primary_action(removing=False)
        self.setTabOrder(self.check_button, self.phone_button)
        self.setTabOrder(self.phone_button, self.cancel_button)
        self.setTabOrder(self.cancel_button, self.all_accounts_button)
        self.setTabOrder(self.all_accounts_button, self.findings_list)
        self.setTabOrder(self.findings_list, self.detail)
        self.setTabOrder(self.detail, self.remove_button)
        self.setTabOrder(self.remove_button, self.helpdesk_toggle)
        self.setTabOrder(self.helpdesk_toggle, self.copy_diagnostics_button)
        self.setTabOrder(self.copy_diagnostics_button, self.save_diagnostics_button)
        self.setTabOrder(self.save_diagnostics_button, self.coverage_table)
        self.setTabOrder(self.coverage_table, self.all_sources_toggle)

    def _header(self) -> QVBoxLayout:
        header = QVBoxLayout()
        header.setSpacing(2)
        self.title = QLabel(objectName="title")
        self.target_label = QLabel(objectName="target", wordWrap=True)
        self.packs_label = QLabel(objectName="packs", wordWrap=True)
        self.last_checked_label = QLabel(objectName="lastChecked")
        for label in (self.title, self.target_label, self.packs_label, self.last_checked_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setTextFormat(Qt.TextFormat.PlainText)  # a disk names itself: never read as markup
            header.addWidget(label)
        header.addLayout(self._ownership_row())
        return header

    def _ownership_row(self) -> QHBoxLayout:
        """Whether the organisation issued the device: asked once, it decides required or recommended."""
        row = QHBoxLayout()
        row.setSpacing(12)
        self.ownership_question = QLabel(objectName="ownershipQuestion")
        self.ownership_question.setTextFormat(Qt.TextFormat.PlainText)
        self.issued_choice = QRadioButton(objectName="issuedByOrganisation")
        self.personal_choice = QRadioButton(objectName="personalDevice")
        self.ownership_choice = QButtonGroup(self)
        self.ownership_choice.addButton(self.issued_choice)
        self.ownership_choice.addButton(self.personal_choice)
        row.addWidget(self.ownership_question)
        row.addWidget(self.issued_choice)
        row.addWidget(self.personal_choice)
        row.addStretch(1)
        return row

    def show_ownership(self, issued: bool | None) -> None:
        """The answer given (None: not asked yet, so neither is chosen)."""
        self.ownership_choice.setExclusive(False)
        self.issued_choice.setChecked(issued is True)
        self.personal_choice.setChecked(issued is False)
        self.ownership_choice.setExclusive(True)

    def _action_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(12)
        self.check_button = QPushButton(objectName="checkButton")
        self.check_button.setDefault(True)
        self.check_button.setAutoDefault(True)
        self.progress_bar = QProgressBar(textVisible=False, maximumWidth=260)
        self.progress_label = QLabel(objectName="progress")
        self.cancel_button = QPushButton()
        self.check_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        # Check a phone: beside checking this device, a phone plugged in over USB.
        self.phone_button = QPushButton(objectName="phoneButton")
        row.addWidget(self.check_button)
        row.addWidget(self.phone_button)
        row.addWidget(self.progress_bar)
        row.addWidget(self.progress_label)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        self.show_progress(False)
        return row

    def _received_notice(self) -> QLabel:
        """Shown above the result while a report someone sent is open: whose it is, that it is read-only."""
        self.received_notice = QLabel(objectName="receivedNotice", wordWrap=True)
        self.received_notice.setTextFormat(Qt.TextFormat.PlainText)
        self.received_notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.received_notice.setStyleSheet(
            "QLabel#receivedNotice { border: 2px dashed palette(highlight); border-radius: 8px; padding: 0.6em;"
            " background: palette(alternate-base); color: palette(text); font-weight: 600; }"
        )
        self.received_notice.hide()
        return self.received_notice

    def show_received(self, sentence: str) -> None:
        """The notice of a received report ("" hides it)."""
        self.received_notice.setText(sentence)
        self.received_notice.setAccessibleName(sentence)
        self.received_notice.setVisible(bool(sentence))

    def _banner(self) -> QFrame:
        self.banner = QFrame(objectName="banner")
        layout = QHBoxLayout(self.banner)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(14)
        self.banner_icon = QLabel(objectName="bannerIcon")
        texts = QVBoxLayout()
        self.banner_text = QLabel(objectName="bannerText", wordWrap=True)
        self.banner_detail = QLabel(objectName="bannerDetail", wordWrap=True)
        self.banner_reference = QLabel(objectName="bannerReference")
        self.banner_reference.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner_reference.hide()
        for label in (self.banner_text, self.banner_detail, self.banner_reference):
            label.setTextFormat(Qt.TextFormat.PlainText)
            texts.addWidget(label)
        # Check all accounts: offered beside a result that left accounts out for want of rights.
        self.all_accounts_button = QPushButton(objectName="allAccountsButton")
        self.all_accounts_button.hide()
        self.elevation_note = QLabel(objectName="elevationNote", wordWrap=True)
        self.elevation_note.setTextFormat(Qt.TextFormat.PlainText)
        self.elevation_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.elevation_note.hide()
        texts.addWidget(self.elevation_note)
        layout.addWidget(self.banner_icon, alignment=Qt.AlignmentFlag.AlignTop)
        layout.addLayout(texts, stretch=1)
        layout.addWidget(self.all_accounts_button, alignment=Qt.AlignmentFlag.AlignVCenter)
        return self.banner

    def _scale_fonts(self) -> None:
        """Titles and the banner larger than the system font, by a ratio, never by pixels."""
        for name, scale in FONT_SCALES.items():
            label = self.findChild(QLabel, name)
            font = QFont(label.font())
            font.setPointSizeF(font.pointSizeF() * scale)
            font.setBold(name != "bannerIcon")
            label.setFont(font)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.closing.emit()
        super().closeEvent(event)

    def set_primary_action(self, removing: bool) -> None:
        """Checking is the primary action until there is something to remove; then removing is."""
        for button, primary in ((self.check_button, not removing), (self.remove_button, removing)):
            button.setProperty("role", "primary" if primary else "")
            button.setDefault(primary)
            button.setAutoDefault(primary)
            button.style().unpolish(button)
            button.style().polish(button)

    def _results(self) -> QSplitter:
        """Findings on the left; on the right the selected finding above what was checked, each
        side resizable, so a help desk gives the evidence the room it needs."""
        splitter = QSplitter(Qt.Orientation.Horizontal, objectName="resultsSplitter")
        splitter.setChildrenCollapsible(False)
        self.findings_list = QListView()
        self.findings_list.setWordWrap(True)
        self.findings_list.setUniformItemSizes(False)
        self.findings_list.setResizeMode(QListView.ResizeMode.Adjust)
        self.findings_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.findings_list.setIconSize(QSize(28, 28))
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.detail.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        # Break lines between words only: Qt's default also breaks a word that does not fit,
        # which cut identifiers in two ("com.tencent.we chat.desktop").
        self.detail.setWordWrapMode(QTextOption.WrapMode.WordWrap)
        self.remove_button = QPushButton(objectName="removeButton")
        finding = QWidget()
        finding_layout = QVBoxLayout(finding)
        finding_layout.setContentsMargins(0, 0, 0, 0)
        finding_layout.addWidget(self.detail, stretch=1)
        finding_layout.addWidget(self.remove_button, alignment=Qt.AlignmentFlag.AlignLeft)
        self.coverage_table = QTableView(wordWrap=True)
        self.coverage_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.coverage_table.horizontalHeader().setStretchLastSection(True)
        self.coverage_table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.coverage_table.verticalHeader().hide()
        self.coverage_label = QLabel(objectName="coverageLabel")
        self.all_sources_toggle = QCheckBox()
        self.coverage_panel = QWidget()
        coverage_layout = QVBoxLayout(self.coverage_panel)
        coverage_layout.setContentsMargins(0, 0, 0, 0)
        coverage_heading = QHBoxLayout()
        coverage_heading.addWidget(self.coverage_label)
        coverage_heading.addStretch(1)
        coverage_heading.addWidget(self.all_sources_toggle)
        coverage_layout.addLayout(coverage_heading)
        coverage_layout.addWidget(self.coverage_table, stretch=1)
        self.details_splitter = QSplitter(Qt.Orientation.Vertical, objectName="detailsSplitter")
        self.details_splitter.setChildrenCollapsible(False)
        self.details_splitter.addWidget(finding)
        self.details_splitter.addWidget(self.coverage_panel)
        self.details_splitter.setSizes([420, 220])
        splitter.addWidget(self.findings_list)
        splitter.addWidget(self.details_splitter)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 760])
        return splitter

    def _footer(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.helpdesk_toggle = QCheckBox()
        self.copy_diagnostics_button = QPushButton()
        self.save_diagnostics_button = QPushButton(objectName="saveDiagnostics")
        row.addWidget(self.helpdesk_toggle)
        row.addStretch(1)
        row.addWidget(self.copy_diagnostics_button)
        row.addWidget(self.save_diagnostics_button)
        return row

    def _menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.open_report_action = QAction(self, shortcut=QKeySequence("Ctrl+O"))
        self.close_report_action = QAction(self, shortcut=QKeySequence("Ctrl+W"), enabled=False)
        self.file_menu.addActions([self.open_report_action, self.close_report_action])
        self.file_menu.addSeparator()
        self.export_action = QAction(self, shortcut=QKeySequence("Ctrl+E"))
        self.print_action = QAction(self, shortcut=QKeySequence("Ctrl+P"))
        self.quit_action = QAction(self, shortcut=QKeySequence("Ctrl+Q"))  # StandardKey.Quit is empty on some desktops
        self.file_menu.addActions([self.export_action, self.print_action])
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        self.view_menu = bar.addMenu("")
        self.history_action = QAction(self, shortcut=QKeySequence("Ctrl+H"))
        self.settings_action = QAction(self, shortcut=QKeySequence("Ctrl+,"))
        self.view_menu.addActions([self.history_action, self.settings_action])
        self.help_menu = bar.addMenu("")
        self.about_action = QAction(self)
        self.help_menu.addAction(self.about_action)

    def set_texts(self, t: Translator, target_kind: str) -> None:
        """Every visible string, in the person's language (called again when the language changes).
        `target_kind`: "device" (this one), "disk" (--root), "capture" (--phone-capture) or "phone" (one plugged in)."""
        self.setWindowTitle("AppWarden")
        self.title.setText(t("Prohibited applications check"))
        check = {"device": t("Check this device"), "disk": t("Check this disk"), "capture": t("Check this phone capture"),
                 "phone": t("Check this phone again")}[target_kind]
        self.check_button.setText(check)
        self.check_button.setToolTip(t("Looks for prohibited applications. Nothing is changed on the device."))
        self.phone_button.setText(t("Check a phone…") if target_kind != "phone" else t("Check another phone…"))
        self.phone_button.setToolTip(t("Checks an Android phone plugged in with its USB cable. Nothing is changed on the phone without asking."))
        self.phone_button.setVisible(target_kind in ("device", "phone"))
        self.ownership_question.setText(t("Was this phone issued by your organisation?") if target_kind in ("phone", "capture")
                                        else t("Was this computer issued by your organisation?"))
        self.issued_choice.setText(t("Yes"))
        self.personal_choice.setText(t("No, it is my own"))
        self.cancel_button.setText(t("Cancel"))
        self.remove_button.setText(t("Remove it…"))
        self.all_accounts_button.setText(t("Check all accounts…"))
        self.all_accounts_button.setToolTip(t("Checks again with administrator rights, so every account is read. Nothing is changed."))
        self.helpdesk_toggle.setText(t("Show help-desk details"))
        self.copy_diagnostics_button.setText(t("Copy diagnostics"))
        self.save_diagnostics_button.setText(t("Save diagnostics…"))
        self.open_report_action.setText(t("&Open report…"))
        self.close_report_action.setText(t("&Close report"))
        self.coverage_label.setText(t("What was checked"))
        self.all_sources_toggle.setText(t("Also show sources that do not apply here"))
        self.file_menu.setTitle(t("&File"))
        self.export_action.setText(t("&Export report…"))
        self.print_action.setText(t("&Print…"))
        self.quit_action.setText(t("&Quit"))
        self.view_menu.setTitle(t("&View"))
        self.history_action.setText(t("&History…"))
        self.settings_action.setText(t("&Settings…"))
        self.help_menu.setTitle(t("&Help"))
        self.about_action.setText(t("&About AppWarden"))
        names = {
            self.check_button: check,
            self.cancel_button: t("Cancel the check"),
            self.phone_button: t("Check an Android phone plugged in over USB"),
            self.progress_bar: t("Progress of the check"),
            self.progress_label: t("What is being read"),
            self.banner: t("Result of the check"),  # until show_banner names it by what it says
            self.findings_list: t("Prohibited applications found"),
            self.detail: t("Why the selected application is prohibited"),
            self.remove_button: t("Remove the selected application"),
            self.all_accounts_button: t("Check all accounts with administrator rights"),
            self.helpdesk_toggle: t("Show help-desk details"),
            self.copy_diagnostics_button: t("Copy diagnostics to the clipboard"),
            self.save_diagnostics_button: t("Save diagnostics to a file for a ticket"),
            self.target_label: t("What is checked"),
            self.coverage_table: t("What was checked"),
            self.all_sources_toggle: t("Also show sources that do not apply here"),
            self.packs_label: t("Policy packs in force"),
            self.last_checked_label: t("When this was last checked"),
            self.issued_choice: t("Yes, my organisation issued it"),
            self.personal_choice: t("No, it is my own"),
        }
        for widget, name in names.items():
            widget.setAccessibleName(name)

    def show_progress(self, running: bool) -> None:
        for widget in (self.progress_bar, self.progress_label, self.cancel_button):
            widget.setVisible(running)
        self.check_button.setEnabled(not running)
        self.phone_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def show_banner(self, state: str, text: str, detail: str) -> None:
        """state: idle, ok, found, leftovers or incomplete; the colour never carries the meaning alone (mark + text)."""
        self.banner.setProperty("state", state)
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)
        self.banner_icon.setText(BANNER_MARKS[state])
        light, dark = BANNER_COLOURS[state]
        colour = dark if self.palette().color(QPalette.ColorRole.Base).lightness() < 128 else light
        self.banner_icon.setStyleSheet(f"color: {colour};")
        self.banner.setStyleSheet(f"QFrame#banner {{ border-color: {colour}; }}" if state != "idle" else "")
        self.banner_text.setText(text)
        self.banner_detail.setText(detail)
        self.banner_detail.setVisible(bool(detail))
        # The banner's text is its name, so what a screen reader says is what the window shows.
        self.banner.setAccessibleName(text)
        self.banner.setAccessibleDescription(detail)

    def show_reference(self, sentence: str, spoken: str) -> None:
        """The check's reference code under the result ("" hides it); a screen reader spells it out."""
        self.banner_reference.setText(sentence)
        self.banner_reference.setAccessibleName(spoken)
        self.banner_reference.setVisible(bool(sentence))

    def show_all_accounts_offer(self, offered: bool, note: str = "", detail: str = "") -> None:
        """The Check all accounts button (or, where AppWarden cannot ask for rights, what to do
        instead) and a calm note under the result; "" hides the note, `detail` is its tooltip."""
        self.all_accounts_button.setVisible(offered)
        self.elevation_note.setText(note)
        self.elevation_note.setToolTip(detail)
        self.elevation_note.setAccessibleName(note)
        self.elevation_note.setVisible(bool(note))

    def announce_banner(self) -> None:
        """Tell screen readers the result now, as a live status region: drawing it is not enough."""
        from PySide6.QtGui import QAccessible, QAccessibleEvent  # their types cost 6 ms to build, at the first result instead of at start

        QAccessible.updateAccessibility(QAccessibleEvent(self.banner, QAccessible.Event.Alert))

    def show_guidance(self, heading: str, text: str) -> None:
        """The detail pane when there is nothing to check or show: what the person can do."""
        self.detail.setHtml(f"<h3>{escape(heading)}</h3><p>{escape(text)}</p>")

    def show_findings(self, any_found: bool) -> None:
        """The list and the Remove button only when there is something to list."""
        self.findings_list.setVisible(any_found)
        self.remove_button.setVisible(any_found)

    def show_helpdesk(self, visible: bool) -> None:
        self.coverage_panel.setVisible(visible)
        self.copy_diagnostics_button.setVisible(visible)
        self.save_diagnostics_button.setVisible(visible)
