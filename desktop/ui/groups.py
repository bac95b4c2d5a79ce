"""The preview's changes grouped by the folder they land in: one collapsible group per folder.

``FolderGroups`` is a two-level model over the preview's filter (``ChangesFilter``), so
search, the kind filter and sorting apply inside the groups as they do to the flat table.
A group's row says its folder and its counts ("Trip/Sorted — 12 changes, 3 left out") and
has a tick box: unticking it leaves out every change shown in it (and ticking it takes
them back), through the same ``ChangesModel.set_left_out`` a row's tick box uses, so the
core's refusal (``capabilities.engine.subset``) speaks for a group as for a row. A change's own
row shows, edits and ticks exactly as in the table (its data is the filter's).

The groups are worked out only while grouping is on (``active``), once per change of the
filter, in one pass over the rows shown.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt

from desktop.ui.changes import ChangeRow
from desktop.ui.review import ChangesFilter

__all__ = ["FolderGroups"]

Index = QModelIndex | QPersistentModelIndex


class FolderGroups(QAbstractItemModel):
    """Top level: folders, in name order; under each, its changes in the filter's order."""

    def __init__(self, shown: ChangesFilter) -> None:
        super().__init__()
        self.shown = shown
        self.active = False
        self.folders: list[str] = []
        self.members: list[list[int]] = []  # per group: the filter's row numbers
        self.seqs: list[set[int]] = []  # per group: its changes' seqs
        self._left: list[int] = []  # per group: how many of them are left out, as of ``_left_version``
        self._left_version = -1
        self._place: list[tuple[int, int]] = []  # per filter row: (its group, its row in the group)
        for signal in (shown.modelReset, shown.layoutChanged, shown.rowsInserted, shown.rowsRemoved,
                       shown.searched):
            signal.connect(self.rebuild)
        shown.dataChanged.connect(self._changed)

    def set_active(self, active: bool) -> None:
        self.active = active
        self.rebuild()

    def rebuild(self, *_args: Any) -> None:
        if self.shown.searching:
            return  # half-way through a new search: once it is in place (``searched``)
        self.beginResetModel()
        found: dict[str, tuple[list[int], set[int]]] = {}
        if self.active:
            for row, change in enumerate(self._shown_rows()):
                members, seqs = found.setdefault(change.folder, ([], set()))
                members.append(row)
                seqs.add(change.seq)
        self.folders = sorted(found, key=str.lower)
        self.members = [found[f][0] for f in self.folders]
        self.seqs = [found[f][1] for f in self.folders]
        self._left_version = -1
        self._place = [(0, 0)] * self.shown.rowCount()
        for group, members in enumerate(self.members):
            for i, row in enumerate(members):
                self._place[row] = (group, i)
        self.endResetModel()

    def _shown_rows(self) -> list[ChangeRow]:
        """The filter's rows in its order: taken whole when it is settled, else asked row by row (it
        is taking out, or putting back, a row whose new name stopped, or started, matching)."""
        rows = self.shown.shown_rows()
        if len(rows) == self.shown.rowCount():
            return rows
        found = (self.shown.row_at(row) for row in range(self.shown.rowCount()))
        return [change for change in found if change is not None]

    def left_in(self, group: int) -> int:
        """How many changes of ``group`` are left out: counted for every group once per change of
        the tick boxes, not on each paint of a group's row (a 100,000-change plan in few folders)."""
        changes = self.shown.changes
        if self._left_version != changes.left_out_version:
            left = changes.left_out
            self._left = [len(seqs & left) if left else 0 for seqs in self.seqs]
            self._left_version = changes.left_out_version
        return self._left[group]

    def proxy_index(self, index: Index) -> QModelIndex:
        """The filter's index of a change's row (invalid for a group's row)."""
        if not index.isValid() or not index.internalId():
            return QModelIndex()
        return self.shown.index(self.members[index.internalId() - 1][index.row()], index.column())

    # ---- the tree -----------------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not parent.isValid():
            return self.createIndex(row, column, 0) if 0 <= row < len(self.folders) else QModelIndex()
        if parent.internalId():
            return QModelIndex()
        members = self.members[parent.row()]
        return self.createIndex(row, column, parent.row() + 1) if 0 <= row < len(members) else QModelIndex()

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or not index.internalId():
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self.folders)
        return 0 if parent.internalId() or parent.column() else len(self.members[parent.row()])

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return self.shown.columnCount()

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return self.shown.headerData(section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId():
            return self.proxy_index(index).data(role)
        group = index.row()
        if index.column() != 0:
            return None
        seqs = self.seqs[group]
        left = self.left_in(group)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole,
                    Qt.ItemDataRole.ToolTipRole):
            n = len(seqs)
            text = f"{self.folders[group] or '(no folder)'} — {n:,} change{'s' if n != 1 else ''}"
            return text + (f", {left:,} left out" if left else "")
        if role == Qt.ItemDataRole.CheckStateRole and self.shown.changes.checkable:
            return (Qt.CheckState.Checked if not left else Qt.CheckState.Unchecked if left == len(seqs)
                    else Qt.CheckState.PartiallyChecked)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.internalId():
            return self.shown.flags(self.proxy_index(index))
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 0 and self.shown.changes.checkable:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid():
            return False
        if index.internalId():
            return self.shown.setData(self.proxy_index(index), value, role)
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != 0:
            return False
        seqs = self.seqs[index.row()]
        # A partly ticked group ticks all again first; a fully ticked one leaves all out.
        leave = not (seqs & self.shown.changes.left_out)
        self.shown.changes.set_left_out(seqs, leave)
        return True

    def _changed(self, top: QModelIndex, bottom: QModelIndex, roles: Any = ()) -> None:
        """A change's row changed in the filter (a tick, a new name): its row and its group's follow."""
        if not self.active or not self.folders:
            return
        last = self.columnCount() - 1
        self.dataChanged.emit(self.index(0, 0), self.index(len(self.folders) - 1, 0))  # the counts
        for row in range(top.row(), min(bottom.row() + 1, len(self._place))):
            group, i = self._place[row]
            parent = self.index(group, 0)
            self.dataChanged.emit(self.index(i, 0, parent), self.index(i, last, parent))
