"""The table of changes (before → after) shared by Preview and History, as a Qt model.

Rows come from a preview's ``Action`` objects or from the journal's action
dicts. A model (not a widget per row) keeps a 10,000-change plan cheap to
show; thumbnails of pictures load lazily for the rows on screen. Changes
that replace or delete something are highlighted as needing attention (the
words are ``display.change_marks``, as in the CLI); changes that could make a
program run are marked apart (``flagged``). Every name is escaped with
``safe_text``, and tooltips are plain text (``plain_tip``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from desktop.display import change_marks, safe_text
from desktop.ui.theme import accents
from desktop.ui.thumbnails import Thumbnails, is_picture
from desktop.ui.widgets import plain_tip

__all__ = ["ChangeRow", "ChangesModel", "attention_text", "change_rows"]

_VERBS = {"rename": "Rename", "delete": "Delete", "write_text": "Write", "mkdir": "New folder",
          "copy": "Copy", "resize": "Resized copy", "create": "New event", "update": "Change event",
          "move": "Move event", "extract": "Extract", "make_zip": "New zip", "merge_pdfs": "Merged PDF",
          "set_tags": "Change tags", "convert": "Converted copy",
          "strip_location": "Remove location", "contact_sheet": "Contact sheet"}
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
    flagged: str = ""  # why it could make a program run, or ""
    keeps: bool = False  # it replaces or deletes something (kept aside for undo)


def change_rows(actions: Iterable[Any], flagged: Mapping[int, str] | None = None) -> list[ChangeRow]:
    """Rows for ``Action`` objects (a preview) or action dicts (the journal); ``flagged`` maps a
    seq to why that change needs the person's explicit extra approval."""
    flagged = flagged or {}
    rows = []
    for a in actions:
        get = a.get if isinstance(a, Mapping) else (lambda k, d=None, a=a: getattr(a, k, d))
        op, summary = str(get("op", "")), str(get("summary", "") or "")
        detail = get("detail") or {}
        verb = _VERBS.get(op, op.replace("_", " ").capitalize())
        if op == "rename" and summary.startswith("Move"):
            verb = "Move"
        seq = int(get("seq", 0))
        noted = detail.get("risk") if isinstance(detail, Mapping) else None  # journal rows carry their flag
        why = flagged.get(seq, "") or str(noted or "")
        marks = change_marks(op, summary, detail, why)
        if op == "write_text" and isinstance(detail, Mapping) and detail.get("replaces"):
            verb = "Replace"
        if op == "delete":
            marks.append("deletes it; it is kept aside so undo can bring it back")
        keeps = op == "delete" or len(marks) > (1 if why else 0)
        attention = "; ".join(marks)
        attention = attention[:1].upper() + attention[1:] + "." if attention else ""
        src = detail.get("src") if isinstance(detail, Mapping) else None
        picture = src if isinstance(src, str) and is_picture(src) else ""
        error = get("error")
        rows.append(ChangeRow(seq, str(get("capability", "")), op, verb + (" ⚠" if why else ""),
                              safe_text(get("before") or ""), safe_text(get("after") or _gone(op, marks)),
                              safe_text(summary),
                              picture, attention, str(get("status", "") or ""),
                              safe_text(_error_text(error)) if error else "", safe_text(why), keeps))
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
            return plain_tip("\n".join(t for t in tips if t))  # a file name is never markup
        if role == Qt.ItemDataRole.BackgroundRole and (row.attention or row.error) and col < 3:
            colours = accents()
            return QBrush(QColor(colours.bad_bg if row.error or row.flagged else colours.warn_bg))
        if role == Qt.ItemDataRole.ForegroundRole and col == 3 and row.status in ("failed", "undo_refused"):
            return QBrush(QColor(accents().bad))
        return None

    def _thumbnail_ready(self, path: str) -> None:
        i = self._row_of_picture.get(path)
        if i is not None:
            index = self.index(i, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
