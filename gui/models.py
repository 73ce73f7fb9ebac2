"""Qt item models over the core's own dataclasses: findings for the list, coverage for help desks."""

from __future__ import annotations

import re

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle

from appwarden.core.findings import Finding
from appwarden.core.i18n import Translator
from appwarden.core.policy.model import Enforcement
from appwarden.core.reports import wording
from appwarden.core.sources import source_title
from appwarden.core.sources.base import Coverage, CoverageStatus, EvidenceKind

FINDING_ROLE = Qt.ItemDataRole.UserRole + 1


def where_found(finding: Finding, t: Translator) -> str:
    """"installed, running" — the kinds of evidence, in a fixed order a person can scan."""
    order = (EvidenceKind.INSTALLED, EvidenceKind.RUNNING, EvidenceKind.SERVICE, EvidenceKind.LEFTOVER)
    return ", ".join(t(wording.KIND_LABELS[kind]) for kind in order if kind in finding.kinds)


# An icon name from a device is looked up in this computer's icon theme only; Qt takes a name
# with a path in it as a file to open, which could be this machine's FIFO or device.
THEME_ICON_NAME = re.compile(r"[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,127}")


def finding_icon(finding: Finding) -> QIcon:
    """The app's own icon when the device names one the platform can show, else a warning sign (an
    information sign when only what the app left behind was found)."""
    for evidence in finding.evidence:
        name = dict(evidence.details).get("icon", "")
        if THEME_ICON_NAME.fullmatch(name) and QIcon.hasThemeIcon(name):
            return QIcon.fromTheme(name)
    mark = QStyle.StandardPixmap.SP_MessageBoxWarning if finding.app_present else QStyle.StandardPixmap.SP_MessageBoxInformation
    return QApplication.style().standardIcon(mark)


class FindingsModel(QAbstractListModel):
    def __init__(self, translate: Translator) -> None:
        super().__init__()
        self.translate = translate
        self.findings: tuple[Finding, ...] = ()

    def show(self, findings: tuple[Finding, ...]) -> None:
        self.beginResetModel()
        self.findings = findings
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.findings)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        finding = self.findings[index.row()]
        t = self.translate
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{t.text(finding.rule.name)}\n{self.summary(finding)}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{t.text(finding.rule.name)}. {self.summary(finding)}"
        if role == Qt.ItemDataRole.DecorationRole:
            return finding_icon(finding)
        if role == FINDING_ROLE:
            return finding
        return None

    def summary(self, finding: Finding) -> str:
        t = self.translate
        if not finding.app_present:  # the app is gone; what is listed is what it left behind
            return f"{finding.rule.vendor} · {where_found(finding, t)} · {t('no longer installed')}"
        removal = t("removal required") if finding.enforcement == Enforcement.REQUIRED else t("removal recommended")
        return f"{finding.rule.vendor} · {where_found(finding, t)} · {removal}"


class CoverageModel(QAbstractTableModel):
    """One row per source: what it is, whether it could be read, and why not."""

    def __init__(self, translate: Translator) -> None:
        super().__init__()
        self.translate = translate
        self.coverage: tuple[Coverage, ...] = ()

    def show(self, coverage: tuple[Coverage, ...], every_source: bool = False) -> None:
        """The sources that apply to the device; with `every_source`, also those that do not."""
        self.beginResetModel()
        self.coverage = coverage if every_source else tuple(c for c in coverage if c.status != CoverageStatus.SKIPPED)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.coverage)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 3

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        return (self.translate("Source"), self.translate("Status"), self.translate("Detail"))[section]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        coverage = self.coverage[index.row()]
        t = self.translate
        status = t(wording.STATUS_LABELS[coverage.status])
        if coverage.status in (CoverageStatus.PARTIAL, CoverageStatus.FAILED):
            status = "\u26a0 " + status
        return (t(source_title(coverage.source)), status, coverage.detail.render(t))[index.column()]
