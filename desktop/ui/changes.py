"""The table of changes (before → after) shared by Preview and History, as a Qt model.

Rows come from a preview's ``Action`` objects or from the journal's action
dicts. A model (not a widget per row) keeps a 10,000-change plan cheap to
show; thumbnails of pictures load lazily for the rows on screen. Changes
that replace or delete something are highlighted as needing attention (the
words are ``display.change_marks``, as in the CLI); changes that could make a
program run are marked apart (``flagged``). Every name is escaped with
``safe_text``, and tooltips are plain text (``plain_tip``).

Each row has one word for its kind, from the one table the headline and the CLI use
(``desktop.core.effects.change_kind``: a rename into another folder is a "Move" in each), and
a filter group (``KINDS``) the preview's kind filter offers. In the preview
the model is checkable: a row unticked is left out (``left_out``); whether
that may be done is the core's question (``capabilities.engine.subset``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from capabilities.engine.edit import renamable
from capabilities.status import action_words
from desktop.core.display import change_marks, safe_text
from desktop.core.effects import KIND_GROUPS, change_kind, makes
from desktop.ui.theme import accents
from desktop.ui.thumbnails import Thumbnails, is_picture
from desktop.ui.widgets import plain_tip

__all__ = ["KINDS", "SORT_ROLE", "ChangeRow", "ChangesModel", "attention_text", "change_rows"]

SORT_ROLE = Qt.ItemDataRole.UserRole  # what a column sorts by: the text itself ("" for nothing)
KINDS = KIND_GROUPS  # the preview's kind filter: group → the words it offers (in this order)


@dataclass
class ChangeRow:
    seq: int
    capability: str
    op: str
    verb: str
    before: str
    after: str
    summary: str
    picture: str  # an absolute path to show as a thumbnail, or ""
    attention: str  # why this change needs a look, or ""
    status: str = ""
    error: str = ""
    flagged: str = ""  # why it could make a program run, or ""
    keeps: bool = False  # it replaces or deletes something (kept aside for undo)
    kind: str = "other"  # its group in KINDS
    renamable: bool = False  # the person may give its new entry another name (``capabilities.engine.edit``)
    makes: str = ""  # what it produces, in the core's words (``desktop.core.effects.makes``), or ""

    @property
    def text(self) -> str:
        """What search looks in: its word, both names, its summary and what it makes, in lower case."""
        return f"{self.verb}\n{self.before}\n{self.after}\n{self.summary}\n{self.makes}".lower()

    @property
    def folder(self) -> str:
        """The folder the change lands in (for grouping): its new place, else the one it acts on."""
        if self.capability == "calendar":
            return "Calendar"
        place = self.after if self.after and not self.after.startswith("(gone") else self.before
        return place.rpartition("/")[0] or place


def change_rows(actions: Iterable[Any], flagged: Mapping[int, str] | None = None) -> list[ChangeRow]:
    """Rows for ``Action`` objects (a preview) or action dicts (the journal); ``flagged`` maps a
    seq to why that change needs the person's explicit extra approval."""
    flagged = flagged or {}
    rows = []
    for a in actions:
        get = a.get if isinstance(a, Mapping) else (lambda k, d=None, a=a: getattr(a, k, d))
        op, summary = str(get("op", "")), str(get("summary", "") or "")
        detail = get("detail") or {}
        capability = str(get("capability", ""))
        words = change_kind(capability, op, get("args") or {}, detail if isinstance(detail, Mapping) else {})
        verb, kind = words.word, words.group
        seq = int(get("seq", 0))
        noted = detail.get("risk") if isinstance(detail, Mapping) else None  # journal rows carry their flag
        why = flagged.get(seq, "") or str(noted or "")
        marks = change_marks(op, summary, detail, why)
        if op == "delete":
            marks.append("deletes it; it is kept aside so undo can bring it back")
        keeps = op == "delete" or len(marks) > (1 if why else 0)
        attention = "; ".join(marks)
        attention = attention[:1].upper() + attention[1:] + "." if attention else ""
        src = detail.get("src") if isinstance(detail, Mapping) else None
        picture = src if isinstance(src, str) and is_picture(src) else ""
        error = get("error")
        editable = not isinstance(a, Mapping) and renamable(a)
        made = makes(capability, op, detail if isinstance(detail, Mapping) else {})
        rows.append(ChangeRow(seq, capability, op, verb + (" ⚠" if why else ""),
                              safe_text(get("before") or ""), safe_text(get("after") or _gone(op, marks)),
                              safe_text(summary),
                              picture, attention, str(get("status", "") or ""),
                              safe_text(_error_text(error)) if error else "", safe_text(why), keeps, kind,
                              editable, made))
    return rows


def _gone(op: str, marks: list[str]) -> str:
    """The After column of a delete: what it takes away, when it is a folder."""
    held = next((m for m in marks if m.startswith("a folder holding")), "")
    return f"(gone: {held})" if op == "delete" and held else ""


def _error_text(error: Any) -> str:
    if isinstance(error, Mapping):
        return str(error.get("message") or error)
    return str(error)


def attention_text(rows: Iterable[ChangeRow]) -> str:
    """``"2 of them replace or delete something (…); ⚠ 1 could make a program run …"``, or ""."""
    rows = list(rows)
    keeps = sum(row.keeps for row in rows)
    flagged = sum(bool(row.flagged) for row in rows)
    warns = []
    if keeps:
        warns.append(f"{keeps:,} of them replace or delete something (kept aside, so undo works)")
    if flagged:
        warns.append(f"⚠ {flagged:,} could make a program run and need your explicit approval")
    return "; ".join(warns)


class ChangesModel(QAbstractTableModel):
    """Columns: (thumbnail) Change, Before, After, and optionally Status.

    ``checkable``: each change has a tick box (ticked: apply it); ``left_out`` holds the seqs unticked.
    """

    left_out_changed = Signal()
    rename_requested = Signal(int, str)  # (seq, the name typed): the core decides, then ``replace_row``

    def __init__(self, thumbnails: Thumbnails | None = None, with_status: bool = False,
                 checkable: bool = False) -> None:
        super().__init__()
        self.rows: list[ChangeRow] = []
        self.left_out: set[int] = set()
        self.left_out_version = 0  # counts changes of ``left_out`` (a grouped view keeps counts per version)
        self._row_of_seq: dict[int, int] = {}
        self.checkable = checkable
        self.with_status = with_status
        self.headers = ["Change", "Before", "After"] + (["Status"] if with_status else [])
        self.thumbnails = thumbnails
        self._row_of_picture: dict[str, int] = {}
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnail_ready)

    def set_rows(self, rows: list[ChangeRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.left_out = set()
        self.left_out_version += 1
        self._index_rows()
        self.endResetModel()

    def _index_rows(self) -> None:
        self._row_of_picture = {r.picture: i for i, r in enumerate(self.rows) if r.picture}
        self._row_of_seq = {r.seq: i for i, r in enumerate(self.rows)}

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Put the rows in the order of ``column`` (what ``SORT_ROLE`` gives, case-insensitive, ties
        in the plan's order), or the plan's own order for a column below 0. Sorted here, by Python's
        sort over a key, not by the view asking ``data`` twice per comparison (100,000 rows: 0.1 s
        instead of many seconds)."""
        self.layoutAboutToBeChanged.emit()
        descending = order == Qt.SortOrder.DescendingOrder and 0 <= column < self.columnCount()
        if 0 <= column < self.columnCount():
            def key(row: ChangeRow) -> tuple[str, int]:  # ties in the plan's order, either way round
                return (self._sort_text(row, column).casefold(), -row.seq if descending else row.seq)
        else:
            def key(row: ChangeRow) -> tuple[str, int]:
                return ("", row.seq)
        before = {id(row): i for i, row in enumerate(self.rows)}
        self.rows.sort(key=key, reverse=descending)
        moved = {before[id(row)]: i for i, row in enumerate(self.rows)}
        kept = self.persistentIndexList()
        self.changePersistentIndexList(kept, [self.index(moved[i.row()], i.column()) if i.isValid()
                                              else QModelIndex() for i in kept])
        self._index_rows()
        self.layoutChanged.emit()

    @staticmethod
    def _sort_text(row: ChangeRow, column: int) -> str:
        return (row.verb, row.before, row.after, action_words(row.status))[column]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(self.rows[section].seq)
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return row.verb
            if col == 1:
                return row.before or "—"
            if col == 2:  # what a change makes follows its name: "Trip/c-copy.txt (a copy of 3.7 KB)"
                return (row.after or "—") + (f" ({row.makes})" if row.makes else "")
            return action_words(row.status)
        if role == Qt.ItemDataRole.EditRole and col == 2:
            return row.after.rpartition("/")[2]  # the name alone: the folder stays
        if role == SORT_ROLE:
            return self._sort_text(row, col)
        if role == Qt.ItemDataRole.CheckStateRole and col == 0 and self.checkable:
            return Qt.CheckState.Unchecked if row.seq in self.left_out else Qt.CheckState.Checked
        if role == Qt.ItemDataRole.AccessibleTextRole and col == 0:
            left = " (left out)" if self.checkable and row.seq in self.left_out else ""
            return f"{row.verb}{left}: {row.summary}" + (f" ({row.makes})" if row.makes else "")
        if role == Qt.ItemDataRole.DecorationRole and col == 0 and row.picture and self.thumbnails:
            return self.thumbnails.get(row.picture)
        if role == Qt.ItemDataRole.ToolTipRole:
            tips = [row.summary, row.attention, row.error]
            return plain_tip("\n".join(t for t in tips if t))  # a file name is never markup
        if role == Qt.ItemDataRole.BackgroundRole and (row.attention or row.error) and col < 3:
            colours = accents()
            return QBrush(QColor(colours.bad_bg if row.error or row.flagged else colours.warn_bg))
        if role == Qt.ItemDataRole.ForegroundRole and col == 3 and row.status in ("failed", "undo_refused"):
            return QBrush(QColor(accents().bad))
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if self.checkable and index.isValid() and index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        if self.checkable and index.isValid() and index.column() == 2 and self.rows[index.row()].renamable:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if self.checkable and index.isValid() and index.column() == 2 and role == Qt.ItemDataRole.EditRole:
            row = self.rows[index.row()]
            if row.renamable and str(value) != row.after.rpartition("/")[2]:
                self.rename_requested.emit(row.seq, str(value))  # not changed here: the core answers
            return False
        if not (self.checkable and index.isValid() and index.column() == 0
                and role == Qt.ItemDataRole.CheckStateRole):
            return False
        self.set_left_out([self.rows[index.row()].seq], Qt.CheckState(value) != Qt.CheckState.Checked)
        return True

    def set_left_out(self, seqs: Iterable[int], leave_out: bool = True) -> None:
        """Untick (or tick again) the changes ``seqs``."""
        seqs = set(seqs)
        (self.left_out.update if leave_out else self.left_out.difference_update)(seqs)
        self.left_out_version += 1
        changed = [self._row_of_seq[seq] for seq in seqs if seq in self._row_of_seq]
        if changed:
            self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), 0),
                                  [Qt.ItemDataRole.CheckStateRole])
        self.left_out_changed.emit()

    def replace_row(self, row: ChangeRow) -> None:
        """Show the change ``row.seq`` as the core has it now (a name the person edited)."""
        i = self._row_of_seq.get(row.seq)
        if i is None:
            return
        self.rows[i] = row
        self.dataChanged.emit(self.index(i, 0), self.index(i, self.columnCount() - 1))

    def _thumbnail_ready(self, path: str) -> None:
        i = self._row_of_picture.get(path)
        if i is not None:
            index = self.index(i, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
