"""Run: a progress bar with counts, the live log, Cancel; then the outcome and what the chore returned.

Cancel stops between two changes; what was done stays journaled and can be
undone from here ("Undo this run") or from History.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from capabilities.status import ActionStatus, RunStatus
from desktop.core.display import safe_text
from desktop.ui.errors import ProblemBox, problem_from
from desktop.ui.result_view import is_compact, result_widget
from desktop.ui.widgets import heading, label
from desktop.ui.words import putting_back_text

__all__ = ["RunView"]

_STATUS = {
    RunStatus.APPLIED: ("good", "Done."),
    RunStatus.CANCELLED: ("warn", "Stopped. What was done so far is kept and can be undone."),
    RunStatus.FAILED: ("bad", "The chore stopped part-way. What was done so far can be undone."),
    RunStatus.REFUSED: ("warn", "Not applied."),
    RunStatus.NOT_DONE: ("warn", "Not done: Errand cannot do this chore with what it has. Nothing changed."),
}


_MARKS = {ActionStatus.DONE: "✓", ActionStatus.SKIPPED: "–", ActionStatus.FAILED: "✗",
          ActionStatus.UNDONE: "↶"}
MAX_LOG_ACTIONS = 500


def _action_lines(actions: list[dict[str, Any]]) -> list[str]:
    """One line per change, as done (the first ``MAX_LOG_ACTIONS``; then how many more)."""
    lines = [f"{_MARKS.get(a['status'], '·')} {safe_text(a.get('summary') or '')}"
             for a in actions[:MAX_LOG_ACTIONS]]
    if len(actions) > MAX_LOG_ACTIONS:
        lines.append(f"… and {len(actions) - MAX_LOG_ACTIONS:,} more (all of them are in History)")
    return lines


class RunView(QWidget):
    cancel_requested = Signal()
    undo_requested = Signal()
    history_requested = Signal()
    new_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(10)
        self.title = heading("Doing it", " ")
        outer.addWidget(self.title)
        self.status = label("", "status")
        outer.addWidget(self.status)
        self.bar = QProgressBar()
        self.bar.setFormat("%v of %m changes")
        self.bar.setAccessibleName("Progress")
        outer.addWidget(self.bar)
        self.counts = label("", "muted")
        outer.addWidget(self.counts)
        self.problem = ProblemBox()
        outer.addWidget(self.problem)
        self.result_title = label("What the chore reported", "section")
        outer.addWidget(self.result_title)
        self.result_holder = QVBoxLayout()
        outer.addLayout(self.result_holder)
        self.result: QWidget | None = None
        outer.addWidget(label("Log", "section"))
        self.log = QPlainTextEdit(readOnly=True, objectName="log")
        self.log.setMaximumBlockCount(5000)
        self.log.setAccessibleName("Log")
        outer.addWidget(self.log, 1)
        row = QHBoxLayout()
        self.undo = QPushButton("Undo this run")
        self.undo.clicked.connect(self.undo_requested)
        self.history = QPushButton("See it in History")
        self.history.clicked.connect(self.history_requested)
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop after the current change. What was done stays undoable.")
        self.cancel.clicked.connect(self._cancel)
        self.new = QPushButton("New errand", objectName="primary")
        self.new.clicked.connect(self.new_requested)
        row.addWidget(self.undo)
        row.addWidget(self.history)
        row.addStretch(1)
        row.addWidget(self.cancel)
        row.addWidget(self.new)
        outer.addLayout(row)
        self.report: Any = None
        self._logged_tenth = 0

    def start(self, total: int, log: list[str]) -> None:
        self.report = None
        self._set_title("Doing it", "Carrying out the approved changes.")
        self.status.setText("")
        self.status.setVisible(False)
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(0)
        self.bar.setFormat(f"0 of {total:,} changes")
        self._logged_tenth = 0
        self.bar.setVisible(True)
        self.counts.setText(f"0 of {total:,} changes done")
        self.problem.clear()
        self._clear_result()
        self.log.setPlainText("\n".join(safe_text(line) for line in log))
        self.log.appendPlainText(f"Applying {total:,} approved change{'s' if total != 1 else ''}…")
        self.cancel.setVisible(True)
        self.cancel.setEnabled(True)
        self.cancel.setFocus()
        for button in (self.undo, self.history, self.new):
            button.setVisible(False)

    def progress(self, done: int, total: int) -> None:
        self.bar.setMaximum(max(total, 1))
        self.bar.setValue(done)
        self.bar.setFormat(f"{done:,} of {total:,} changes")
        self.counts.setText(f"{done:,} of {total:,} changes done")
        tenth = done * 10 // max(total, 1)
        if total >= 100 and tenth > self._logged_tenth and done < total:
            self._logged_tenth = tenth
            self.log.appendPlainText(f"{tenth * 10}% done ({done:,} of {total:,})…")

    def add_log(self, lines: list[str]) -> None:
        self.log.appendPlainText("\n".join(safe_text(line) for line in lines))

    def finish(self, report: Any) -> None:
        """Show a ``RunReport``: the status, the counts, the error if any, and the result."""
        self.report = report
        kind, words = _STATUS.get(report.status, ("bad", f"Ended: {report.status}."))
        self._set_title("Done" if report.status == RunStatus.APPLIED else "Stopped", report.summary or "")
        self.status.setText(words)
        self.status.setVisible(True)
        self.status.setProperty("kind", kind)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        counts = report.counts()
        done, total = counts.get("done", 0), len(report.actions)
        self.bar.setMaximum(max(total, 1))
        self.bar.setValue(done)
        self.bar.setFormat(f"{done:,} of {total:,} changes")
        skipped = counts.get("skipped", 0)
        more = f", {skipped:,} not done" if skipped else ""
        self.counts.setText(f"{done:,} of {total:,} changes done{more}")
        if report.error and report.status != RunStatus.CANCELLED:
            self.problem.show_problem(problem_from(report.error))
        self.log.appendPlainText("\n".join(_action_lines(report.actions)))
        self.log.appendPlainText(words)
        self._clear_result()
        self.result_title.setVisible(True)
        self.result = result_widget(report.result)
        self.result_holder.addWidget(self.result, 0 if is_compact(report.result) else 1)
        self.cancel.setVisible(False)
        self.undo.setVisible(done > 0)
        self.undo.setEnabled(True)
        self.history.setVisible(True)
        self.new.setVisible(True)
        self.new.setFocus()

    def undoing(self) -> None:
        """An undo started: the bar counts what is put back (it moves in ``undo_progress``)."""
        self.bar.setValue(0)
        self.bar.setFormat("Putting back…")
        self.status.setText("Putting back what the chore changed…")

    def undo_progress(self, done: int, total: int) -> None:
        self.bar.setMaximum(max(total, 1))
        self.bar.setValue(done)
        self.bar.setFormat(putting_back_text(done, total))
        self.counts.setText(putting_back_text(done, total))

    def undone(self, text: str) -> None:
        self.undo.setEnabled(False)
        self.log.appendPlainText(text)
        self.status.setText(text)
        self.counts.setText(text)

    def _cancel(self) -> None:
        self.cancel.setEnabled(False)
        self.counts.setText(self.counts.text() + " · stopping after the current change…")
        self.cancel_requested.emit()

    def _set_title(self, title: str, subtitle: str) -> None:
        labels = self.title.findChildren(type(self.status))
        labels[0].setText(title)
        if len(labels) > 1:
            labels[1].setText(safe_text(subtitle))

    def _clear_result(self) -> None:
        if self.result is not None:
            self.result.hide()  # at once; the deletion itself waits for the event loop
            self.result.deleteLater()
            self.result = None
        self.result_title.setVisible(False)
