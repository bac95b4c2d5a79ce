"""History: every run with its request, time, changes, status and model usage; its timeline; undo.

The list and a run's details load on the thread pool (the journal may be
busy with an apply). "Undo run" reverses every done change, last first;
"Undo this action" just the selected one. When something cannot be undone
(the file changed since), the reason is shown in words.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from capabilities.status import run_words
from desktop.core.display import safe_text, shorten
from desktop.core.report import partial_words
from desktop.ui.changes import ChangesModel, change_rows
from desktop.ui.errors import ProblemBox, problem_from
from desktop.ui.widgets import heading, label, plain_tip, scrolling
from desktop.ui.words import grant_words, put_back_text, putting_back_text
from desktop.ui.worker import run_task

__all__ = ["HistoryView"]

_ABOUT_HEIGHT = 92  # px: what a run was and was allowed, before it scrolls
_ROW_HEIGHT = 30
_NARROW = 760  # px: below this width the list leaves model use and cost to the run's details

COLUMNS = ["When", "Chore", "Changes", "Status", "Model", "Model use", "Cost"]


def when_text(stamp: str | None, today: date | None = None) -> str:
    """The journal's UTC time in the person's zone: "Today 15:04", "Yesterday 09:30" or "2026-11-20 15:04"."""
    if not stamp:
        return ""
    try:
        moment = datetime.fromisoformat(stamp).astimezone()
    except ValueError:
        return stamp.replace("T", " ")[:16]
    today = today or datetime.now().astimezone().date()
    clock = moment.strftime("%H:%M")
    if moment.date() == today:
        return f"Today {clock}"
    if moment.date() == today - timedelta(days=1):
        return f"Yesterday {clock}"
    return moment.strftime("%Y-%m-%d %H:%M")


class HistoryView(QWidget):
    changed = Signal()  # something was undone

    def __init__(self, assistant: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.runs: list[dict[str, Any]] = []
        self.current: Any = None
        self.busy = False
        self._notice: tuple[int, Any] | None = None  # (run id, Problem) from its last undo
        self._undo_result: tuple[int, str] | None = None  # (run id, "Put back N changes.") from its last undo
        self._list_seq = self._load_seq = 0
        self._loading: int | None = None  # the run whose details are being read
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(heading("History", "Every chore Errand ran, what it changed, and a way back."), 1)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setShortcut("F5")
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)

        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Runs")
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrow keys move inside it
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)  # one line per run; the whole request is in the tooltip
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        # A model's name can be long (provider/model-date): at 820 px wide it would leave the chore
        # itself a few letters, so its column has a fixed width and the name shows elided.
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(4, 110)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.itemSelectionChanged.connect(self._selected)
        split.addWidget(self.table)

        details = QWidget()
        d = QVBoxLayout(details)
        d.setContentsMargins(0, 8, 0, 0)
        self.title = label("", "section")
        self.summary = label("", "muted")
        self.grants = label("", "muted")
        self.usage = label("", "muted")
        self.undo_note = label("", "muted")  # an undo under way, then what it put back
        self.undo_note.setObjectName("undoNote")
        self.message = ProblemBox()
        self.model = ChangesModel(with_status=True)
        self.timeline = QTableView()
        self.timeline.setTabKeyNavigation(False)
        self.timeline.setModel(self.model)
        self.timeline.setAccessibleName("What the run changed")
        self.timeline.verticalHeader().setVisible(False)
        self.timeline.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.timeline.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # One line a change, names cut at their start so the file name shows in full (as in the preview);
        # fixed widths, not fitted to every row's text (a 100,000-change run opens without measuring).
        self.timeline.setWordWrap(False)
        self.timeline.setTextElideMode(Qt.TextElideMode.ElideLeft)
        self.timeline.verticalHeader().setDefaultSectionSize(_ROW_HEIGHT)
        th = self.timeline.horizontalHeader()
        th.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        th.resizeSection(0, 96)
        th.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        th.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        th.resizeSection(3, 96)
        self.timeline.selectionModel().selectionChanged.connect(self._update_buttons)
        self.log = QPlainTextEdit(readOnly=True, objectName="log")
        self.log.setMaximumHeight(90)
        self.log.setAccessibleName("Log of the run")
        row = QHBoxLayout()
        self.undo_run_button = QPushButton("Undo run")
        self.undo_run_button.setToolTip("Reverse every change of this run, last first.")
        self.undo_run_button.clicked.connect(lambda: self.undo(None))
        self.undo_action_button = QPushButton("Undo this action")
        self.undo_action_button.setToolTip("Reverse only the change selected above.")
        self.undo_action_button.clicked.connect(self._undo_selected)
        row.addStretch(1)
        row.addWidget(self.undo_action_button)
        row.addWidget(self.undo_run_button)
        # What the run was and was allowed: at 820×560 it scrolls in a few lines, so the changes keep room.
        about = QWidget()
        a = QVBoxLayout(about)
        a.setContentsMargins(0, 0, 0, 0)
        for widget in (self.summary, self.grants, self.usage):
            a.addWidget(widget)
        self.about = scrolling(about)
        self.about.setMaximumHeight(_ABOUT_HEIGHT)
        self.about.setAccessibleName("About this run")
        for widget in (self.title, self.about, self.undo_note, self.message):
            d.addWidget(widget)
        d.addWidget(self.timeline, 1)
        d.addWidget(self.log)
        d.addLayout(row)
        split.addWidget(details)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        split.setSizes([220, 460])
        outer.addWidget(split, 1)
        self._show_details(None)

    def resizeEvent(self, event: Any) -> None:
        """Narrow (the window's 820×560): the chore's words get the room model use and cost took;
        both are still in the selected run's details."""
        narrow = self.width() < _NARROW
        for column in (5, 6):
            self.table.setColumnHidden(column, narrow)
        super().resizeEvent(event)

    # ---- loading -------------------------------------------------------------------------

    def refresh(self, select: int | None = None) -> None:
        keep = select or (self.current.run_id if self.current is not None else self._loading)
        self._list_seq += 1
        seq, asked_at = self._list_seq, self._load_seq
        # Only the latest request's answer is shown: an older one may arrive later (threads race).
        # A run chosen while the list was being read wins over the one chosen when it was asked.
        def arrived(runs: list[dict[str, Any]]) -> None:
            if seq == self._list_seq:
                self._filled(runs, keep if self._load_seq == asked_at else self._chosen_run())

        run_task(lambda task: self.assistant.history(500), on_done=arrived, on_error=self._failed)

    def _chosen_run(self) -> int | None:
        """The run shown, or being loaded, now."""
        return self.current.run_id if self.current is not None else self._loading

    def _filled(self, runs: list[dict[str, Any]], select: int | None) -> None:
        self.runs = runs
        self.table.setRowCount(len(runs))
        for r, run in enumerate(runs):
            tokens = int(run.get("tokens_in") or 0) + int(run.get("tokens_out") or 0)
            cost = float(run.get("cost") or 0.0)
            chore = shorten(run.get("request") or "", 90)
            if run.get("trigger"):
                chore = f"Automatic: {chore}"  # started by an automation, not by the person
            values = [when_text(run.get("started")), chore,
                      f"{int(run.get('action_count') or 0):,}",
                      run_words(run["status"]) + partial_words(run),
                      safe_text(run.get("model") or _planner_word(run.get("planner"))),
                      f"{tokens:,}" if tokens else "—", f"${cost:.4f}" if cost else "—"]
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c == 1:
                    item.setToolTip(plain_tip(safe_text(run.get("request") or "")))
                self.table.setItem(r, c, item)
        row = next((i for i, run in enumerate(runs) if run["id"] == select), 0 if runs else None)
        if row is None:
            self._show_details(None)
            return
        self.table.blockSignals(True)
        self.table.selectRow(row)
        self.table.blockSignals(False)
        self.load(runs[row]["id"])  # also when the row was already selected: its run may have changed

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.load(self.runs[rows[0].row()]["id"])

    def load(self, run_id: int) -> None:
        """Show run ``run_id``'s details and timeline (read on the thread pool)."""
        self._load_seq += 1
        seq = self._load_seq
        if self.current is None or self.current.run_id != run_id:
            self._show_loading(run_id)  # a large run takes a while to read: never the previous run's details
        run_task(lambda task: self.assistant.show(run_id).read_whole(),  # every row, off the GUI thread
                 on_done=lambda report: self._show_details(report) if seq == self._load_seq else None,
                 on_error=self._failed)

    def _show_details(self, report: Any) -> None:
        self.current = report
        has = report is not None
        for widget in (self.timeline, self.log, self.undo_run_button, self.undo_action_button):
            widget.setVisible(has)
        if not has:
            self.title.setText("No runs yet. Chores you run appear here, with a way to undo them.")
            for widget in (self.summary, self.grants, self.usage):
                widget.setText("")
            self.model.set_rows([])
            return
        if self._notice is not None and self._notice[0] == report.run_id:
            self.message.show_problem(self._notice[1])  # what the last undo of this run could not do
        else:
            self._notice = None
            self.message.clear()
        self.title.setText(f"Run {report.run_id}: {shorten(report.request or '', 120)}")
        shown = self._undo_result is not None and self._undo_result[0] == report.run_id and not self.busy
        self.undo_note.setText(self._undo_result[1] if shown and self._undo_result else "")
        self.summary.setText(safe_text(report.summary or ""))
        allowed = "\n".join(f"• {safe_text(grant_words(g))}" for g in report.grants)
        self.grants.setText(f"Allowed:\n{allowed}" if allowed else "")
        run = next((r for r in self.runs if r["id"] == report.run_id), {})
        self.usage.setText(_usage_text(report, run))
        self.model.set_rows(change_rows(report.actions))
        self.log.setPlainText("\n".join(safe_text(line) for line in report.log))
        self.log.setVisible(bool(report.log))
        if report.error and report.status in ("failed",) and self._notice is None:
            self.message.show_problem(problem_from(report.error))
        self._update_buttons()

    def _show_loading(self, run_id: int) -> None:
        self.current = None  # nothing to undo until this run's details are here
        self._loading = run_id
        for widget in (self.timeline, self.log, self.undo_run_button, self.undo_action_button):
            widget.setVisible(False)
        self.title.setText(f"Loading run {run_id}…")
        for widget in (self.summary, self.grants, self.usage, self.undo_note):
            widget.setText("")
        self.message.clear()
        self.model.set_rows([])
        self.log.clear()

    def _failed(self, exc: BaseException, tb: str) -> None:
        self.busy = False
        self.message.show_problem(problem_from(exc, tb))
        self._update_buttons()

    # ---- undo ----------------------------------------------------------------------------

    def selected_action(self) -> int | None:
        rows = self.timeline.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()].seq if rows else None

    def _undo_selected(self) -> None:
        seq = self.selected_action()
        if seq is not None:
            self.undo(seq)

    def undo(self, action: int | None) -> None:
        report = self.current
        if report is None or self.busy:
            return
        self.busy = True
        self._update_buttons()
        run_id = report.run_id
        self.undo_note.setText("Putting back…")
        run_task(lambda task: self.assistant.undo(run_id, action=action, on_progress=task.progress),
                 on_done=self._undone, on_error=self._failed,
                 on_progress=lambda done, total: self.undo_note.setText(putting_back_text(done, total)))

    def _undone(self, done: Any) -> None:
        self.busy = False
        self._undo_result = (done.run_id, put_back_text(done.undone))
        if done.refused:
            reasons = "\n".join(f"Change {seq}: {safe_text(reason)}" for seq, reason in done.refused[:5])
            from desktop.ui.errors import Problem

            problem = Problem(
                f"{len(done.refused):,} change{'s' if len(done.refused) != 1 else ''} could not be undone"
                + (f" ({done.undone:,} undone)." if done.undone else "."),
                "Errand leaves a file alone when it changed after the chore, so nothing you did since is "
                "lost. Put it back as it was, then undo again.", reasons)
            self._notice = (done.run_id, problem)
            self.message.show_problem(problem)
        else:
            self._notice = None
            self.message.clear()
        self.changed.emit()
        self.refresh(done.run_id)

    def _update_buttons(self) -> None:
        report = self.current
        rows = self.model.rows
        undoable = [r for r in rows if r.status in ("done", "undo_refused")]
        self.undo_run_button.setEnabled(bool(undoable) and not self.busy)
        seq = self.selected_action() if report is not None else None
        chosen = next((r for r in rows if r.seq == seq), None)
        self.undo_action_button.setEnabled(chosen is not None and chosen.status in ("done", "undo_refused")
                                           and not self.busy)


def _planner_word(planner: Any) -> str:
    return "recipe" if str(planner or "").startswith("recipe") else "—"


def _usage_text(report: Any, run: dict[str, Any]) -> str:
    parts = [f"{when_text(report.started)}", run_words(report.status)]
    if report.model:
        parts.append(f"model {safe_text(report.model)}")
    elif report.planner.startswith("recipe"):
        parts.append("built-in recipe")
    tokens = int(run.get("tokens_in") or 0) + int(run.get("tokens_out") or 0)
    if tokens:
        parts.append(f"{tokens:,} units of text with the model")
    if run.get("cost"):
        parts.append(f"${float(run['cost']):.4f}")
    return " · ".join(parts)
