"""The main window's layout: header, the one primary action, progress, result banner, findings and
their details, help-desk details. Layout only: MainController reacts to the person.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAccessible, QAccessibleEvent, QAction, QKeySequence
from PySide6.QtWidgets import (
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
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.i18n import Translator

STYLE = """
QMainWindow, QWidget#central { background: #f7f9fb; }
QLabel#title { font-size: 22px; font-weight: 600; color: #1d2733; }
QLabel.muted, QLabel#packs, QLabel#lastChecked { color: #4a5663; }
QPushButton#primary { background: #1f5fbf; color: white; font-size: 15px; font-weight: 600;
    padding: 8px 20px; border-radius: 6px; border: 3px solid #1f5fbf; min-width: 160px; }
QPushButton#primary:hover { background: #184d9c; border-color: #184d9c; }
QPushButton#primary:focus { border-color: #f0b429; }
QPushButton#primary:disabled { background: #9fb4d6; }
QPushButton { padding: 6px 14px; }
QFrame#banner { border-radius: 8px; border: 2px solid #c9d1da; background: white; }
QFrame#banner[state="ok"] { border-color: #2e7d4a; background: #e8f5ec; }
QFrame#banner[state="found"] { border-color: #b3261e; background: #fdecec; }
QFrame#banner[state="incomplete"] { border-color: #a05a00; background: #fff4e0; }
QLabel#bannerIcon { font-size: 26px; }
QLabel#bannerText { font-size: 16px; font-weight: 600; color: #1d2733; }
QLabel#bannerDetail { color: #1d2733; }
QListView { background: white; border: 1px solid #c9d1da; border-radius: 6px; font-size: 14px; }
QListView::item { padding: 10px 6px; border-bottom: 1px solid #eef1f4; }
QListView::item:selected { background: #dce8f8; color: #1d2733; }
QTextBrowser { background: white; border: 1px solid #c9d1da; border-radius: 6px; padding: 8px; font-size: 14px; }
"""
BANNER_MARKS = {"idle": "\u2139", "ok": "\u2714", "found": "\u2716", "incomplete": "\u26a0"}
BANNER_COLOURS = {"idle": "#4a5663", "ok": "#2e7d4a", "found": "#b3261e", "incomplete": "#a05a00"}


class MainWindowView(QMainWindow):
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
        page.addWidget(self._banner())
        page.addWidget(self._results(), stretch=1)
        page.addLayout(self._footer())
        self._menus()
        self.setTabOrder(self.check_button, self.cancel_button)
        self.setTabOrder(self.cancel_button, self.findings_list)
        self.setTabOrder(self.findings_list, self.detail)
        self.setTabOrder(self.detail, self.remove_button)
        self.setTabOrder(self.remove_button, self.helpdesk_toggle)
        self.setTabOrder(self.helpdesk_toggle, self.copy_diagnostics_button)
        self.setTabOrder(self.copy_diagnostics_button, self.coverage_table)

    def _header(self) -> QVBoxLayout:
        header = QVBoxLayout()
        header.setSpacing(2)
        self.title = QLabel(objectName="title")
        self.packs_label = QLabel(objectName="packs", wordWrap=True)
        self.last_checked_label = QLabel(objectName="lastChecked")
        for label in (self.title, self.packs_label, self.last_checked_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            header.addWidget(label)
        return header

    def _action_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(12)
        self.check_button = QPushButton(objectName="primary")
        self.check_button.setDefault(True)
        self.check_button.setAutoDefault(True)
        self.progress_bar = QProgressBar(textVisible=False, maximumWidth=260)
        self.progress_label = QLabel(objectName="progress")
        self.cancel_button = QPushButton()
        self.check_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        row.addWidget(self.check_button)
        row.addWidget(self.progress_bar)
        row.addWidget(self.progress_label)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        self.show_progress(False)
        return row

    def _banner(self) -> QFrame:
        self.banner = QFrame(objectName="banner")
        layout = QHBoxLayout(self.banner)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(14)
        self.banner_icon = QLabel(objectName="bannerIcon")
        texts = QVBoxLayout()
        self.banner_text = QLabel(objectName="bannerText", wordWrap=True)
        self.banner_detail = QLabel(objectName="bannerDetail", wordWrap=True)
        texts.addWidget(self.banner_text)
        texts.addWidget(self.banner_detail)
        layout.addWidget(self.banner_icon, alignment=Qt.AlignmentFlag.AlignTop)
        layout.addLayout(texts, stretch=1)
        return self.banner

    def _results(self) -> QSplitter:
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.findings_list = QListView()
        self.findings_list.setWordWrap(True)
        self.findings_list.setUniformItemSizes(False)
        self.findings_list.setResizeMode(QListView.ResizeMode.Adjust)
        self.findings_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.findings_list.setIconSize(QSize(28, 28))
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.remove_button = QPushButton()
        self.coverage_table = QTableView()
        self.coverage_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.coverage_table.horizontalHeader().setStretchLastSection(True)
        self.coverage_table.verticalHeader().hide()
        self.coverage_label = QLabel(objectName="coverageLabel")
        right_layout.addWidget(self.detail, stretch=3)
        right_layout.addWidget(self.remove_button, alignment=Qt.AlignmentFlag.AlignLeft)
        right_layout.addWidget(self.coverage_label)
        right_layout.addWidget(self.coverage_table, stretch=2)
        splitter.addWidget(self.findings_list)
        splitter.addWidget(right)
        splitter.setSizes([340, 720])
        return splitter

    def _footer(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.helpdesk_toggle = QCheckBox()
        self.copy_diagnostics_button = QPushButton()
        row.addWidget(self.helpdesk_toggle)
        row.addStretch(1)
        row.addWidget(self.copy_diagnostics_button)
        return row

    def _menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
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

    def set_texts(self, t: Translator, target_is_this_device: bool) -> None:
        """Every visible string, in the person's language (called again when the language changes)."""
        self.setWindowTitle("AppWarden")
        self.title.setText(t("Prohibited applications check"))
        check = t("Check this device") if target_is_this_device else t("Check this disk")
        self.check_button.setText(check)
        self.check_button.setToolTip(t("Looks for prohibited applications. Nothing is changed on the device."))
        self.cancel_button.setText(t("Cancel"))
        self.remove_button.setText(t("Remove it…"))
        self.helpdesk_toggle.setText(t("Show help-desk details"))
        self.copy_diagnostics_button.setText(t("Copy diagnostics"))
        self.coverage_label.setText(t("What was checked"))
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
            self.progress_bar: t("Progress of the check"),
            self.progress_label: t("What is being read"),
            self.banner: t("Result of the check"),  # until show_banner names it by what it says
            self.findings_list: t("Prohibited applications found"),
            self.detail: t("Why the selected application is prohibited"),
            self.remove_button: t("Remove the selected application"),
            self.helpdesk_toggle: t("Show help-desk details"),
            self.copy_diagnostics_button: t("Copy diagnostics to the clipboard"),
            self.coverage_table: t("What was checked"),
            self.packs_label: t("Policy packs in force"),
            self.last_checked_label: t("When this device was last checked"),
        }
        for widget, name in names.items():
            widget.setAccessibleName(name)

    def show_progress(self, running: bool) -> None:
        for widget in (self.progress_bar, self.progress_label, self.cancel_button):
            widget.setVisible(running)
        self.check_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def show_banner(self, state: str, text: str, detail: str) -> None:
        """state: idle, ok, found or incomplete; the colour never carries the meaning alone (mark + text)."""
        self.banner.setProperty("state", state)
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)
        self.banner_icon.setText(BANNER_MARKS[state])
        self.banner_icon.setStyleSheet(f"color: {BANNER_COLOURS[state]};")
        self.banner_text.setText(text)
        self.banner_detail.setText(detail)
        self.banner_detail.setVisible(bool(detail))
        # The banner's text is its name, so what a screen reader says is what the window shows.
        self.banner.setAccessibleName(text)
        self.banner.setAccessibleDescription(detail)

    def announce_banner(self) -> None:
        """Tell screen readers the result now, as a live status region: drawing it is not enough."""
        QAccessible.updateAccessibility(QAccessibleEvent(self.banner, QAccessible.Event.Alert))

    def show_guidance(self, heading: str, text: str) -> None:
        """The detail pane when there is nothing to check or show: what the person can do."""
        self.detail.setHtml(f"<h3>{escape(heading)}</h3><p>{escape(text)}</p>")

    def show_findings(self, any_found: bool) -> None:
        """The list and the Remove button only when there is something to list."""
        self.findings_list.setVisible(any_found)
        self.remove_button.setVisible(any_found)

    def show_helpdesk(self, visible: bool) -> None:
        self.coverage_label.setVisible(visible)
        self.coverage_table.setVisible(visible)
        self.copy_diagnostics_button.setVisible(visible)
