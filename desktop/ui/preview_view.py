"""Preview: the exact changes, before → after, from the preview run; Approve applies exactly these.

While the preview runs, the page shows a busy bar, the script's live output
and Cancel. Then: what the plan will really do (``desktop.core.effects``), counted from its
actions, with a warning where it exceeds the request; what needs attention highlighted,
the table of changes (thumbnails for pictures), what the selected change does (the text
a write would write, or its diff against the file it replaces), what the chore reported,
and Approve. Changes that could make a program run (``Preview.flagged``) are marked ⚠ and
need a second, explicit checkbox before Apply is enabled; ticking it is what approves them
(``Preview.allow_flagged``), and apply refuses them otherwise. A preview that failed shows
the problem in plain words instead.

The table is a review tool: search as you type, a filter by kind and sorting by any column
(``desktop.ui.review``); each change has a tick box, and the unticked ones are left out of
the run. Whether leaving them out is safe is the core's rule (``capabilities.engine.subset``): when
a kept change needs one left out, the page says which and Apply waits. A new preview opens
at the top, and names are cut at their start, never in the middle, so the changed file name
shows in full.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from capabilities.engine.subset import needs, refusal
from capabilities.errors import ErrandError
from desktop.core.display import safe_text
from desktop.core.effects import Effects, effects
from desktop.ui.changes import ChangeRow, ChangesModel, attention_text, change_rows
from desktop.ui.errors import Problem, ProblemBox
from desktop.ui.groups import FolderGroups
from desktop.ui.result_view import is_compact, result_shape, result_widget
from desktop.ui.review import ChangesFilter, ReviewBar
from desktop.ui.thumbnails import Thumbnails
from desktop.ui.widgets import heading, label

__all__ = ["PreviewView", "Review", "review_of"]

# Rows are as tall as a thumbnail needs, and no taller without one: six and more fit at 820×560.
_THUMBNAIL = 32
_ROW_PICTURE, _ROW_TEXT = _THUMBNAIL + 6, 30
_EXPANDED = 2000  # grouped, a plan of up to this many changes opens with every folder open


@dataclass(frozen=True)
class Review:
    """What the page shows of a preview, worked out from its plan alone (no Qt), so the flow makes it
    on the thread pool with the preview: at 100,000 changes that is seconds the window stays free."""

    rows: list[ChangeRow]
    relies: dict[int, set[int]]  # what relies on what (``capabilities.engine.subset.needs``)
    found: Effects  # the headline and its warnings


def review_of(preview: Any) -> Review | None:
    """The rows, what relies on what and the headline of a preview that worked; None for one that failed."""
    if not preview.ok:
        return None
    request = preview.request if preview.planner != "script" else ""
    return Review(change_rows(preview.plan, preview.flagged()), needs(preview.plan.actions),
                  effects(preview.plan, request, preview.grants))


class PreviewView(QWidget):
    approve_requested = Signal()
    back_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)
        outer.addWidget(heading("Check the changes", "Nothing has changed yet. Approve to apply exactly "
                                "these changes; you can undo them afterwards from History."))
        # busy state
        self.busy = QWidget()
        busy = QVBoxLayout(self.busy)
        busy.setContentsMargins(0, 0, 0, 0)
        self.busy_text = label("Looking at your files and working out the changes…", "section")
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        busy.addWidget(self.busy_text)
        busy.addWidget(self.busy_bar)
        outer.addWidget(self.busy)

        self.counts = label("", "counts")
        self.attention = label("", "badgeRemote")
        outer.addWidget(self.counts)
        outer.addWidget(self.attention)  # full width: a wrapped badge aligned left gets too little height
        self.problem = ProblemBox()
        outer.addWidget(self.problem)

        self.thumbnails = Thumbnails(_THUMBNAIL, self)
        self.model = ChangesModel(self.thumbnails, checkable=True)
        self.model.left_out_changed.connect(self._review_changed)
        self.shown = ChangesFilter(self.model)
        self.review = ReviewBar()
        self.review.changed.connect(self._filter)
        outer.addWidget(self.review)
        self.table = QTableView()
        self.table.setModel(self.shown)
        self.table.setSortingEnabled(True)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move inside it
        self.table.setAccessibleName("Changes")
        self.table.setToolTip("Untick a change to leave it out; double-click a new name (or press F2) to "
                              "change it; click a column title to sort by it.")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # A new name is edited in place (double-click or F2 on the row); the core checks it (``_rename``).
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.doubleClicked.connect(self._edit_name)
        rename = QShortcut(QKeySequence(Qt.Key.Key_F2), self.table, context=Qt.ShortcutContext.WidgetShortcut)
        rename.activated.connect(lambda: self._edit_name(self.table.currentIndex()))
        self.model.rename_requested.connect(self._rename)
        # The core's rename (the flow sets it): (seq, name, what relies on what) → the edited change.
        self.renamer: Callable[[int, str, dict[int, set[int]]], Any] | None = None
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideLeft)  # the file name, at the end, stays
        self.table.setIconSize(QSize(self.thumbnails.size, self.thumbnails.size))
        self.table.verticalHeader().setDefaultSectionSize(_ROW_PICTURE)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, 170)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        outer.addWidget(self.table, 3)
        # Grouped by folder: the same rows (the filter's) under one collapsible row per folder.
        self.groups = FolderGroups(self.shown)
        self.grouped = QTreeView()
        self.grouped.setModel(self.groups)
        self.grouped.setAccessibleName("Changes by folder")
        self.grouped.setUniformRowHeights(True)  # 100,000 rows: no per-row height to measure
        self.grouped.setAlternatingRowColors(True)
        self.grouped.setTextElideMode(Qt.TextElideMode.ElideLeft)
        self.grouped.setIconSize(QSize(self.thumbnails.size, self.thumbnails.size))
        self.grouped.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                     | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.grouped.setVisible(False)
        self.grouped.selectionModel().currentChanged.connect(
            lambda now, _old: self._show_effect(self.groups.proxy_index(now).row()) if now.parent().isValid()
            else None)
        self.review.group.toggled.connect(self._group)
        rename_here = QShortcut(QKeySequence(Qt.Key.Key_F2), self.grouped,
                                context=Qt.ShortcutContext.WidgetShortcut)
        rename_here.activated.connect(
            lambda: self.grouped.edit(self.grouped.currentIndex().siblingAtColumn(2)))
        outer.addWidget(self.grouped, 3)
        self.effect = QPlainTextEdit(readOnly=True, objectName="effect")  # plain text: a script wrote it
        self.effect.setAccessibleName("What the selected change does")
        self.effect.setMaximumHeight(160)
        self.effect.setVisible(False)
        outer.addWidget(self.effect)
        self.table.selectionModel().currentRowChanged.connect(lambda now, _old: self._show_effect(now.row()))
        self.left_out_text = label("", "badgeRemote")
        self.left_out_text.setVisible(False)
        outer.addWidget(self.left_out_text)
        self.rename_text = label("", "badgeRemote")  # why a name the person typed was refused
        self.rename_text.setVisible(False)
        outer.addWidget(self.rename_text)
        self._relies: dict[int, set[int]] = {}
        self.allow_flagged = QCheckBox()
        self.allow_flagged.setObjectName("allowFlagged")
        self.allow_flagged.toggled.connect(self._flag_ticked)
        self.allow_flagged.setVisible(False)
        outer.addWidget(self.allow_flagged)
        self._preview: Any = None
        self.filler = QWidget()  # takes the room the table would, when there is no table to show
        outer.addWidget(self.filler, 3)

        self.result_title = label("What the chore reported", "section")
        outer.addWidget(self.result_title)
        self.result_holder = QVBoxLayout()
        outer.addLayout(self.result_holder)
        self.result: QWidget | None = None

        self.log = QPlainTextEdit(readOnly=True, objectName="log")
        self.log.setMaximumBlockCount(5000)
        self.log.setMaximumHeight(120)
        self.log.setAccessibleName("What the chore printed")
        outer.addWidget(self.log)

        row = QHBoxLayout()
        self.back = QPushButton("Back")
        self.back.clicked.connect(self.back_requested)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(self.cancel_requested)
        self.approve = QPushButton("Apply", objectName="primary")
        self.approve.clicked.connect(self._approve)
        row.addWidget(self.back)
        row.addStretch(1)
        row.addWidget(self.cancel)
        row.addWidget(self.approve)
        outer.addLayout(row)

    # ---- states ---------------------------------------------------------------------------

    def show_busy(self) -> None:
        self.busy.setVisible(True)
        for widget in (self.counts, self.attention, self.table, self.grouped, self.result_title, self.approve,
                       self.effect, self.allow_flagged, self.review, self.left_out_text, self.rename_text):
            widget.setVisible(False)
        self._preview = None
        self.problem.clear()
        self._set_result(None, visible=False)
        self.model.set_rows([])
        self.filler.setVisible(True)
        self.log.clear()
        self.log.setVisible(True)
        self.cancel.setVisible(True)
        self.cancel.setEnabled(True)
        self.back.setEnabled(False)

    def add_log(self, lines: list[str]) -> None:
        self.log.appendPlainText("\n".join(safe_text(line) for line in lines))

    def show_preview(self, preview: Any, review: Review | None = None) -> None:
        """Fill the page from an ``Assistant.preview`` result (and its ``review_of``, when made already)."""
        self.busy.setVisible(False)
        self.cancel.setVisible(False)
        self.back.setEnabled(True)
        if not self.log.toPlainText():  # what streamed in live (e.g. a repair round) is kept as it came
            self.log.setPlainText("\n".join(safe_text(line) for line in preview.outcome.log))
        self.log.setVisible(bool(self.log.toPlainText()))
        if not preview.ok:
            from desktop.ui.errors import problem_from

            self.problem.show_problem(problem_from(preview.outcome.error))
            self.approve.setVisible(False)
            return
        self._preview = preview
        made = review or review_of(preview)
        assert made is not None  # the preview worked
        rows = made.rows
        self.review.reset(rows)
        self.shown.set_search("", "")
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.shown.sort(-1)  # the plan's own order until the person sorts
        self.model.set_rows(rows)
        pictures = any(r.picture for r in rows)
        self.table.verticalHeader().setDefaultSectionSize(_ROW_PICTURE if pictures else _ROW_TEXT)
        self._relies = made.relies  # once per preview; each untick is checked against it
        self.left_out_text.setVisible(False)
        self.rename_text.setVisible(False)
        # What the plan really does, counted from its actions; warned where it exceeds the request.
        found = made.found
        self.counts.setText(found.text if rows else "Nothing would change.")
        self.counts.setVisible(True)
        warn = " ".join(found.warnings) or attention_text(rows)
        self.attention.setText(warn)
        self.attention.setVisible(bool(warn))
        self._group(self.review.group.isChecked())  # the table, or its rows by folder
        self.review.setVisible(bool(rows))
        self.filler.setVisible(not rows)
        result = preview.outcome.result
        self._set_result(result, visible=result_shape(result) != "none" or not rows)
        self.approve.setVisible(True)
        self.allow_flagged.setChecked(False)
        self._review_changed()
        first = next((i for i, r in enumerate(rows) if r.flagged), None)
        if first is None:
            first = next((i for i, r in enumerate(rows) if r.op == "write_text"), None)
        self.effect.setVisible(False)
        if first is not None:
            self._show_effect(first)  # said below the table; the table itself opens at the top
        self.table.scrollToTop()
        self.approve.setFocus()

    def left_out(self) -> set[int]:
        """The seqs of the changes the person unticked."""
        return set(self.model.left_out)

    def _review_changed(self) -> None:
        """A tick box changed: the Apply button, the flagged checkbox and the core's verdict follow it."""
        preview = self._preview
        if preview is None:
            return
        left = self.model.left_out
        total = len(self.model.rows)
        n = total - len(left)
        why = refusal(preview.plan.actions, left, self._relies)
        flagged = {seq for seq in preview.flagged() if seq not in left}
        if total == 0:
            self.approve.setText("Finish")
            self.approve.setToolTip("Nothing to change: record this run in History.")
        else:
            of = f" of {total:,}" if left else ""
            self.approve.setText(f"Apply {n:,}{of} change{'s' if (total if left else n) != 1 else ''}")
            self.approve.setToolTip("Carry out exactly the ticked changes listed here (Ctrl+Enter).")
        if why:
            self.left_out_text.setText(f"{why} Tick it again, or untick what needs it too.")
        elif left and n == 0:
            self.left_out_text.setText("Every change is unticked: tick the ones you want, or go Back.")
        elif left:
            self.left_out_text.setText(f"{len(left):,} change{'s' if len(left) != 1 else ''} left out: "
                                       "they will not be made, and the run will not list them.")
        self.left_out_text.setVisible(bool(left))
        n_flagged = len(flagged)
        self.allow_flagged.setText(f"Also allow the {n_flagged:,} change{'s' if n_flagged != 1 else ''} "
                                   "marked ⚠: they could make a program run on this computer. Tick this only "
                                   "if you expected them.")
        self.allow_flagged.setVisible(bool(flagged))
        blocked = bool(why) or (total > 0 and n == 0)
        self.approve.setEnabled(not blocked and (not flagged or self.allow_flagged.isChecked()))

    def _show_effect(self, row: int) -> None:
        """Below the table: why the selected change is flagged, and the text it writes (or its diff)."""
        preview = self._preview
        change = self.shown.row_at(row)
        if preview is None or change is None:
            return
        action = next((a for a in preview.plan if a.seq == change.seq), None)
        lines = [f"⚠ {change.flagged}"] if change.flagged else []
        effect = preview.effect(action) if action is not None else None
        if effect is not None:
            lines += [safe_text(effect.title), *(safe_text(x) for x in effect.text.splitlines())]
        self.effect.setPlainText("\n".join(lines))
        self.effect.setVisible(bool(lines))

    def _group(self, on: bool) -> None:
        """Group by folder, or the flat table again; both show the filter's rows."""
        self.groups.set_active(on)
        has_rows = bool(self.model.rows)
        self.grouped.setVisible(on and has_rows)
        self.table.setVisible(not on and has_rows)
        if on:
            header = self.grouped.header()
            header.resizeSection(0, 320)
            if len(self.model.rows) <= _EXPANDED:
                self.grouped.expandAll()
            self.grouped.scrollToTop()

    def _edit_name(self, index: Any) -> None:
        """Double-click or F2 anywhere on a row edits its new name (the After column)."""
        if index.isValid() and self.table.state() != QAbstractItemView.State.EditingState:
            self.table.edit(index.siblingAtColumn(2))

    def _rename(self, seq: int, name: str) -> None:
        """The person typed a new name: the core edits the plan or says why not; the row follows it."""
        preview = self._preview
        if preview is None or self.renamer is None:
            return
        try:
            edited = self.renamer(seq, name, self._relies)  # kept once per preview: not worked out again
        except ErrandError as exc:
            self.rename_text.setText(f"“{safe_text(name)}” cannot be used: {safe_text(exc.message)} "
                                     f"{safe_text(exc.hint)}".rstrip())
            self.rename_text.setVisible(True)
            return
        self.rename_text.setVisible(False)
        self.model.replace_row(change_rows([edited], preview.flagged())[0])
        # What relies on what, and the headline's counts, stay as they were: the new name is in the
        # same folder, the core refused it if a later change needed the old one, and it is free of
        # every other change's names and of the disk's, so nothing comes to rely on it.
        self._review_changed()

    def _flag_ticked(self, _ticked: bool) -> None:
        self._review_changed()

    def _filter(self, text: str, kind: str) -> None:
        self.shown.set_search(text, kind)
        self.table.scrollToTop()
        if self.review.group.isChecked():
            self._group(True)  # the groups of the rows now shown, opened as before

    def _approve(self) -> None:
        preview = self._preview
        if preview is None or not self.approve.isEnabled():
            return  # a shortcut must not get round a disabled button (flagged, or a needed change left out)
        if {seq for seq in preview.flagged() if seq not in self.model.left_out}:
            preview.allow_flagged()  # the second checkbox is the explicit approval apply asks for
        self.approve_requested.emit()

    def show_problem(self, problem: Problem) -> None:
        self.busy.setVisible(False)
        self.cancel.setVisible(False)
        self.back.setEnabled(True)
        self.approve.setVisible(False)
        self.problem.show_problem(problem)

    def _set_result(self, value: Any, visible: bool) -> None:
        if self.result is not None:
            self.result.hide()  # at once; the deletion itself waits for the event loop
            self.result.deleteLater()
            self.result = None
        self.result_title.setVisible(visible)
        if visible:
            self.result = result_widget(value)
            self.result_holder.addWidget(self.result, 0 if is_compact(value) else 1)
