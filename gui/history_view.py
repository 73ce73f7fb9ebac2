"""The history of checks on this computer: a table model over core.history.ScanRecord and the dialog
that shows it. Reading the store is the caller's job, off the UI thread.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from appwarden.core.history import ActionRecord, ScanRecord, removal_log, step_result, step_title
from appwarden.core.i18n import Translator, readable_local_time
from appwarden.core.sources.base import COMPUTER_PLATFORMS, OS_NAMES

WHEN, DEVICE, WHERE, RESULT, REFERENCE = range(5)
RECORD_ROLE = Qt.ItemDataRole.UserRole + 1
RESULT_ICONS = {
    "found": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "ok": QStyle.StandardPixmap.SP_DialogApplyButton,
    "incomplete": QStyle.StandardPixmap.SP_MessageBoxWarning,
}


def outcome(record: ScanRecord) -> str:
    """found, ok or incomplete: the same three states the report's verdict uses."""
    if record.rules:
        return "found"
    return "ok" if record.complete_for_its_scope else "incomplete"


class HistoryModel(QAbstractTableModel):
    def __init__(self, translate: Translator) -> None:
        super().__init__()
        self.translate = translate
        self.records: tuple[ScanRecord, ...] = ()
        self.rule_names: Mapping[str, str] = {}

    def show(self, records: Sequence[ScanRecord], rule_names: Mapping[str, str] | None = None) -> None:
        """`rule_names` maps rule ids to names in the person's language; an unknown id is shown as is."""
        self.beginResetModel()
        self.records = tuple(records)
        self.rule_names = dict(rule_names or {})
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else REFERENCE + 1

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            t = self.translate
            return (t("When"), t("Device"), t("Where"), t("Result"), t("Reference code"))[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        record = self.records[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.text(record, index.column())
        if role == Qt.ItemDataRole.DecorationRole and index.column() == RESULT:
            return result_icon(record)
        if role == RECORD_ROLE:
            return record
        return None

    def text(self, record: ScanRecord, column: int) -> str:
        t = self.translate
        if column == WHEN:
            return readable_local_time(record.scanned_at, t.lang)
        if column == DEVICE:
            return f"{record.hostname or t('unknown name')} ({OS_NAMES.get(record.os, record.os)})"
        if column == WHERE:
            if record.os not in COMPUTER_PLATFORMS:
                return t("phone plugged in") if record.of_this_device else t("phone captured in {root}", root=record.root)
            if record.of_this_device:
                return t("this device")
            return t("disk mounted at {root}", root=record.root)
        if column == REFERENCE:
            return record.reference or "-"  # checks recorded before codes were given have none
        return self.result_text(record)

    def result_text(self, record: ScanRecord) -> str:
        t = self.translate
        if record.rules:
            names = ", ".join(self.rule_names.get(rule, rule) for rule in record.rules)
            return t("found: {rules}", rules=names)
        return record.nothing_found().render(t)


def result_icon(record: ScanRecord) -> QIcon:
    return QApplication.style().standardIcon(RESULT_ICONS[outcome(record)])


class ActionsModel(QAbstractTableModel):
    """Removal actions as a help desk reads them: when, which app, which step, how it ended (or that it
    was interrupted: started and never finished)."""

    def __init__(self, translate: Translator) -> None:
        super().__init__()
        self.translate = translate
        self.actions: tuple[ActionRecord, ...] = ()
        self.rule_names: Mapping[str, str] = {}

    def show(self, actions: Sequence[ActionRecord], rule_names: Mapping[str, str] | None = None) -> None:
        self.beginResetModel()
        self.actions = tuple(reversed(removal_log(actions)))
        self.rule_names = dict(rule_names or {})
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.actions)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 5

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        t = self.translate
        return (t("When"), t("Application"), t("Step"), t("Result"), t("Command"))[section]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        action = self.actions[index.row()]
        app = self.rule_names.get(action.rule, action.rule)
        cells = (
            readable_local_time(action.recorded_at, self.translate.lang),
            app,
            step_title(action, app).render(self.translate),
            step_result(action).render(self.translate),
            " ".join(action.argv),
        )
        return cells[index.column()]


class HistoryDialog(QDialog):
    """Layout only: the caller reads the history and hands the records to `load`."""

    def __init__(self, translate: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        t = self.translate = translate
        self.setWindowTitle(t("History of checks"))
        self.resize(1040, 520)
        self.notes_label = QLabel(wordWrap=True, objectName="historyNotes")
        self.notes_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes_label.hide()
        self.model = HistoryModel(translate)
        self.table = self._table()
        self.empty_label = QLabel(t("No check has been recorded yet."))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setAccessibleName(t("No check has been recorded yet."))
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty_label)
        self.pages.addWidget(self.table)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName(t("Close the history"))
        self.actions_model = ActionsModel(translate)
        self.actions_label = QLabel(t("Removal actions"))
        self.actions_table = QTableView()
        self.actions_table.setModel(self.actions_model)
        self.actions_table.setAccessibleName(t("Removal actions recorded on this computer, newest first"))
        self.actions_table.verticalHeader().hide()
        self.actions_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.actions_table.setAlternatingRowColors(True)
        self.actions_table.setWordWrap(False)
        self.actions_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.actions_table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notes_label)
        # The steps' sentences need as much room as the checks: an even split.
        layout.addWidget(self.pages, stretch=1)
        layout.addWidget(self.actions_label)
        layout.addWidget(self.actions_table, stretch=1)
        layout.addWidget(self.buttons)

    def _table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setAccessibleName(self.translate("Checks recorded on this computer, newest first"))
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The place can be a long mount path; it gives way so the result always shows in full.
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        return table

    def load(
        self, records: Sequence[ScanRecord], rule_names: Mapping[str, str] | None = None,
        actions: Sequence[ActionRecord] = (), notes: Sequence[str] = (),
    ) -> None:
        """`notes`: sentences on what of the history could not be read, shown above the list."""
        self.notes_label.setText("\n".join(notes))
        self.notes_label.setAccessibleName("\n".join(notes))
        self.notes_label.setVisible(bool(notes))
        t = self.translate
        empty = t("No recorded check can be shown.") if notes else t("No check has been recorded yet.")
        self.empty_label.setText(empty)
        self.empty_label.setAccessibleName(empty)
        self.model.show(records, rule_names)
        self.actions_model.show(actions, rule_names)
        self.actions_label.setVisible(self.actions_model.rowCount() > 0)
        self.actions_table.setVisible(self.actions_model.rowCount() > 0)
        self.pages.setCurrentWidget(self.table if records else self.empty_label)
        (self.table if records else self.close_button).setFocus()
