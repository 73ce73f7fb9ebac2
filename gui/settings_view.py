"""The settings dialog: extra policy packs, the window's language, help-desk details. Layout only:
the caller loads and saves core.settings.Settings.
"""

from __future__ import annotations

from typing import Iterable

from PySide6.QtCore import QDir, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from appwarden.core.i18n import Translator
from appwarden.core.settings import FOLLOW_THE_SYSTEM, Settings

# Each language is named in itself, so a person can find theirs whatever the window speaks now.
LANGUAGE_NAMES = (("en", "English"), ("fr", "Français"))
PATH_ROLE = Qt.ItemDataRole.UserRole + 1


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, translate: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.translate = translate
        self.loaded = settings  # what the dialog does not show (whether this device was issued) is kept
        self.setWindowTitle(translate("Settings"))
        self.policies_group = self._policies_group()
        self.language = self._language_choice()
        self.helpdesk_details = QCheckBox(translate("Show help-desk details by default"))
        self.helpdesk_details.setAccessibleName(translate("Show help-desk details by default"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._lay_out()
        self._set_tab_order()
        self.show_settings(settings)

    def _policies_group(self) -> QGroupBox:
        t = self.translate
        group = QGroupBox(t("Extra policy packs"))
        self.policy_list = QListWidget()
        self.policy_list.setAccessibleName(t("Extra policy packs, used besides the default one"))
        self.policy_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.add_button = QPushButton(t("Add…"))
        self.add_button.setAccessibleName(t("Add policy packs"))
        self.remove_button = QPushButton(t("Remove"))
        self.remove_button.setAccessibleName(t("Remove the selected policy packs"))
        self.add_button.clicked.connect(self.choose_policy_files)
        self.remove_button.clicked.connect(self.remove_selected_policies)
        self.policy_list.itemSelectionChanged.connect(self._update_remove_button)
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch()
        row = QHBoxLayout(group)
        row.addWidget(self.policy_list)
        row.addLayout(buttons)
        return group

    def _language_choice(self) -> QComboBox:
        combo = QComboBox()
        combo.addItem(self.translate("Same as the system"), FOLLOW_THE_SYSTEM)
        for code, name in LANGUAGE_NAMES:
            combo.addItem(name, code)
        combo.setAccessibleName(self.translate("Language of the window"))
        return combo

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.addRow(self.translate("&Language:"), self.language)
        form.addRow(self.helpdesk_details)
        layout = QVBoxLayout(self)
        layout.addWidget(self.policies_group)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    def _set_tab_order(self) -> None:
        ok, cancel = (self.buttons.button(b) for b in (QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel))
        chain = (self.policy_list, self.add_button, self.remove_button, self.language, self.helpdesk_details, ok, cancel)
        for before, after in zip(chain, chain[1:]):
            QWidget.setTabOrder(before, after)

    def show_settings(self, settings: Settings) -> None:
        self.policy_list.clear()
        self.add_policy_paths(settings.extra_policies)
        position = self.language.findData(settings.language)
        self.language.setCurrentIndex(max(position, 0))
        self.helpdesk_details.setChecked(settings.show_helpdesk_details)
        self._update_remove_button()

    def settings(self) -> Settings:
        """The settings as the person left them in the dialog."""
        return Settings(
            extra_policies=self.policy_paths(),
            language=self.language.currentData(),
            show_helpdesk_details=self.helpdesk_details.isChecked(),
            this_device_issued=self.loaded.this_device_issued,
        )

    def policy_paths(self) -> tuple[str, ...]:
        return tuple(self.policy_list.item(row).data(PATH_ROLE) for row in range(self.policy_list.count()))

    def add_policy_paths(self, paths: Iterable[str]) -> None:
        """Add paths to the list, each once, in the order given."""
        known = set(self.policy_paths())
        for path in paths:
            if path not in known:
                item = QListWidgetItem(path)
                item.setData(PATH_ROLE, path)
                item.setToolTip(path)
                self.policy_list.addItem(item)
                known.add(path)

    def choose_policy_files(self) -> None:
        t = self.translate
        paths, _ = QFileDialog.getOpenFileNames(self, t("Add policy packs"), "", t("Policy packs (*.toml)"))
        self.add_policy_paths(QDir.toNativeSeparators(path) for path in paths)

    def remove_selected_policies(self) -> None:
        for item in self.policy_list.selectedItems():
            self.policy_list.takeItem(self.policy_list.row(item))

    def _update_remove_button(self) -> None:
        self.remove_button.setEnabled(bool(self.policy_list.selectedItems()))
