"""A read-only table model over plain rows, for the small lists in the settings dialog."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from counter_app.core.i18n import t

Index = QModelIndex | QPersistentModelIndex
KEY_ROLE = Qt.ItemDataRole.UserRole + 1


class RowsModel(QAbstractTableModel):
    """`header_keys` are message keys; `cells(item)` gives the texts of one item's row."""

    def __init__(
        self,
        header_keys: Sequence[str],
        cells: Callable[[Any], Sequence[str]],
        key: Callable[[Any], str],
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.header_keys = list(header_keys)
        self.cells = cells
        self.key = key
        self.items: list[Any] = []
        self._texts: list[Sequence[str]] = []
        self.muted: Callable[[Any], bool] = lambda item: False

    def set_items(self, items: Sequence[Any]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self._texts = [self.cells(i) for i in self.items]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.header_keys)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return t(self.header_keys[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[index.row()][index.column()]
        if role == KEY_ROLE:
            return self.key(self.items[index.row()])
        if role == Qt.ItemDataRole.ForegroundRole and self.muted(self.items[index.row()]):
            from PySide6.QtGui import QColor

            return QColor("#9aa5b1")
        return None

    def retranslate(self) -> None:
        self.set_items(self.items)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.header_keys) - 1)

    def row_of(self, key: str) -> int:
        for i, item in enumerate(self.items):
            if self.key(item) == key:
                return i
        return -1
