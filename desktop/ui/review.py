"""The preview's review tools: search as you type, a filter by kind, sorting by any column.

``ChangesFilter`` is a sort-and-filter proxy over :class:`~desktop.ui.changes.ChangesModel`
(the rows stay in one list; the table shows a view of it), and ``ReviewBar`` is the row
of controls above the table. Typing is debounced, so a 100,000-row plan is filtered once
the person pauses, not on every key. The kind words are the rows' own (``KINDS``), so
the filter, the rows and the headline say the same thing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QWidget

from desktop.ui.changes import KINDS, ChangeRow, ChangesModel

__all__ = ["ATTENTION", "ChangesFilter", "ReviewBar"]

ATTENTION = "attention"  # the filter group of rows that need a look (they replace, delete or are flagged)
_SEARCH_PAUSE_MS = 150


class ChangesFilter(QSortFilterProxyModel):
    """Rows matching the search words (all of them, anywhere in the row) and the chosen kind."""

    searched = Signal()  # a new search or kind is in place (the rows it shows are settled)

    def __init__(self, source: ChangesModel) -> None:
        super().__init__()
        self.changes = source
        self.words: list[str] = []
        self.kind = ""  # "" is every kind
        self.searching = False
        self.setSourceModel(source)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """The rows are sorted by the model under this filter (``ChangesModel.sort``); the filter keeps
        their order, so a click on a column title costs one sort of the list, not a comparison of
        every pair through ``data``."""
        self.changes.sort(column, order)

    def set_search(self, text: str, kind: str) -> None:
        self.searching = True  # rows leave and arrive one range at a time until ``searched``
        try:
            self.beginFilterChange()
            self.words, self.kind = text.lower().split(), kind
            self.endFilterChange()
        finally:
            self.searching = False
        self.searched.emit()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        return self.accepts(self.changes.rows[source_row])

    def shown_rows(self) -> list[ChangeRow]:
        """The rows shown, in the table's order, without asking Qt row by row: the filter never sorts
        (the model does), so they are the model's rows it accepts, in the model's order."""
        rows = self.changes.rows
        return rows if not (self.words or self.kind) else [r for r in rows if self.accepts(r)]

    def accepts(self, row: ChangeRow) -> bool:
        if self.kind == ATTENTION:
            if not (row.attention or row.flagged):
                return False
        elif self.kind and row.kind != self.kind:
            return False
        if not self.words:
            return True
        text = row.text
        return all(word in text for word in self.words)

    def row_at(self, proxy_row: int) -> ChangeRow | None:
        """The change shown at ``proxy_row`` of the table, or None."""
        source = self.mapToSource(self.index(proxy_row, 0))
        return self.changes.rows[source.row()] if source.isValid() else None


class ReviewBar(QWidget):
    """Search box and kind filter; ``changed`` carries (words, kind) after a pause in typing."""

    changed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit(placeholderText="Search the changes (a name, a folder, a word)")
        self.search.setAccessibleName("Search the changes")
        self.search.setClearButtonEnabled(True)
        self.kind = QComboBox()
        self.kind.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)  # "Calendar changes (12)"
        self.kind.setAccessibleName("Show only one kind of change")
        self.kind.setToolTip("Show only one kind of change.")
        self.group = QCheckBox("Group by folder")
        self.group.setAccessibleName("Group the changes by the folder they go to")
        self.group.setToolTip("Show the changes under the folder each one goes to; untick a folder to leave "
                              "out all its changes.")
        row.addWidget(self.search, 1)
        row.addWidget(self.kind)
        row.addWidget(self.group)
        self._pause = QTimer(self, singleShot=True, interval=_SEARCH_PAUSE_MS)
        self._pause.timeout.connect(self._emit)
        self.search.textChanged.connect(lambda _text: self._pause.start())
        self.kind.currentIndexChanged.connect(lambda _i: self._emit())

    def reset(self, rows: list[ChangeRow]) -> None:
        """A new preview: no search, every kind, and the kinds it has with their counts."""
        self.kind.blockSignals(True)
        self.search.blockSignals(True)
        self.search.clear()
        self.kind.clear()
        self.kind.addItem(f"All changes ({len(rows):,})", "")
        counts = Counter(r.kind for r in rows)
        for group, words in KINDS.items():
            if counts[group]:
                self.kind.addItem(f"{words} ({counts[group]:,})", group)
        looks = sum(bool(r.attention or r.flagged) for r in rows)
        if looks:
            self.kind.addItem(f"Need a look ({looks:,})", ATTENTION)
        self.kind.setCurrentIndex(0)
        self.search.blockSignals(False)
        self.kind.blockSignals(False)
        self._pause.stop()

    def flush(self) -> None:
        """Apply what was typed now (a test, or Enter in the search box)."""
        self._pause.stop()
        self._emit()

    def _emit(self) -> None:
        data: Any = self.kind.currentData()
        self.changed.emit(self.search.text(), str(data or ""))
