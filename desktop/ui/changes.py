"""The table of changes (before → after) shared by Preview and History, as a Qt model.

Rows come from a preview's ``Action`` objects or from the journal's action
dicts. A model (not a widget per row) keeps a 10,000-change plan cheap to
show; thumbnails of pictures load lazily for the rows on screen. Changes
that replace or delete something are highlighted as needing attention.
Every name is escaped with ``safe_text``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from desktop.display import safe_text
from desktop.ui.theme import accents
from desktop.ui.thumbnails import Thumbnails, is_picture

__all__ = ["ChangeRow", "ChangesModel", "attention_text", "change_rows"]

_VERBS = {"rename": "Rename", "delete": "Delete", "write_text": "Write", "mkdir": "New folder",
          "copy": "Copy", "resize": "Resized copy", "create": "New event", "update": "Change event",
          "move": "Move event"}
_STATUS_WORDS = {"planned": "Planned", "done": "Done", "skipped": "Not done", "failed": "Failed",
                 "started": "Interrupted", "undone": "Undone", "undo_refused": "Could not undo",
                 "undoing": "Being undone"}


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


def change_rows(actions: Iterable[Any]) -> list[ChangeRow]:
    """Rows for ``Action`` objects (a preview) or action dicts (the journal)."""
    rows = []
    for a in actions:
        get = a.get if isinstance(a, Mapping) else (lambda k, d=None, a=a: getattr(a, k, d))
        op, summary = str(get("op", "")), str(get("summary", "") or "")
        detail = get("detail") or {}
        verb = _VERBS.get(op, op.replace("_", " ").capitalize())
        if op == "rename" and summary.startswith("Move"):
            verb = "Move"
        attention = ""
        if "(replacing it)" in summary or (isinstance(detail, Mapping) and detail.get("replaces")):
            attention = "Replaces an existing file; the old one is kept so undo can bring it back."
        elif op == "delete":
            attention = "Deletes it; it is kept aside so undo can bring it back."
        src = detail.get("src") if isinstance(detail, Mapping) else None
        picture = src if isinstance(src, str) and is_picture(src) else ""
        error = get("error")
        rows.append(ChangeRow(int(get("seq", 0)), str(get("capability", "")), op, verb,
                              safe_text(get("before") or ""), safe_text(get("after") or ""),
                              safe_text(summary),
                              picture, attention, str(get("status", "") or ""),
                              safe_text(_error_text(error)) if error else ""))
    return rows


def _error_text(error: Any) -> str:
    if isinstance(error, Mapping):
        return str(error.get("message") or error)
    return str(error)


def attention_text(rows: Iterable[ChangeRow]) -> str:
    """``"2 of them replace or delete something (…)"``, or "" when none does."""
    attention = sum(bool(row.attention) for row in rows)
    return (f"{attention:,} of them replace or delete something (kept aside, so undo works)"
            if attention else "")


class ChangesModel(QAbstractTableModel):
    """Columns: (thumbnail) Change, Before, After, and optionally Status."""

    def __init__(self, thumbnails: Thumbnails | None = None, with_status: bool = False) -> None:
        super().__init__()
        self.rows: list[ChangeRow] = []
        self.with_status = with_status
        self.headers = ["Change", "Before", "After"] + (["Status"] if with_status else [])
        self.thumbnails = thumbnails
        self._row_of_picture: dict[str, int] = {}
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnail_ready)

    def set_rows(self, rows: list[ChangeRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self._row_of_picture = {r.picture: i for i, r in enumerate(rows) if r.picture}
        self.endResetModel()

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
            if col == 2:
                return row.after or "—"
            return _STATUS_WORDS.get(row.status, row.status)
        if role == Qt.ItemDataRole.DecorationRole and col == 0 and row.picture and self.thumbnails:
            return self.thumbnails.get(row.picture)
        if role == Qt.ItemDataRole.ToolTipRole:
            tips = [row.summary, row.attention, row.error]
            return "\n".join(t for t in tips if t)
        if role == Qt.ItemDataRole.BackgroundRole and (row.attention or row.error) and col < 3:
            colours = accents()
            return QBrush(QColor(colours.bad_bg if row.error else colours.warn_bg))
        if role == Qt.ItemDataRole.ForegroundRole and col == 3 and row.status in ("failed", "undo_refused"):
            return QBrush(QColor(accents().bad))
        return None

    def _thumbnail_ready(self, path: str) -> None:
        i = self._row_of_picture.get(path)
        if i is not None:
            index = self.index(i, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
