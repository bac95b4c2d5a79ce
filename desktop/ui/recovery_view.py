"""After a crash: a banner saying a run was interrupted mid-way, with "Put things back" and "Finish it".

At start the window asks the journal (on the thread pool) for runs a process
that is gone left half-applied or half-undone (``Assistant.interrupted``).
If there are any, this banner explains it in words and offers both ways out
(``Assistant.recover``, the same as ``errand recover [--finish]``); the
result is reported in the banner and the runs appear in History as usual.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QWidget

from desktop.core.display import shorten
from desktop.ui.errors import problem_from
from desktop.ui.widgets import label
from desktop.ui.worker import run_task

__all__ = ["RecoveryBanner"]


class RecoveryBanner(QFrame):
    recovered = Signal()

    def __init__(self, assistant: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.setObjectName("banner")
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 10, 14, 10)
        self.text = label("")
        row.addWidget(self.text, 1)
        self.back = QPushButton("Put things back")
        self.back.setToolTip("Undo what the interrupted run had already done.")
        self.back.clicked.connect(lambda: self.recover(finish=False))
        self.finish = QPushButton("Finish it")
        self.finish.setToolTip("Carry out the rest of the approved changes.")
        self.finish.clicked.connect(lambda: self.recover(finish=True))
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.hide)
        for button in (self.back, self.finish, self.close_button):
            row.addWidget(button)
        self.runs: list[dict[str, Any]] = []
        self.setVisible(False)

    def check(self) -> None:
        """Look for interrupted runs (on the thread pool); show the banner if there are any."""
        run_task(lambda task: self.assistant.interrupted(), on_done=self._found,
                 on_error=lambda exc, tb: None)  # a journal that cannot be read shows its error elsewhere

    def _found(self, runs: list[dict[str, Any]]) -> None:
        self.runs = runs
        if not runs:
            return
        first = shorten(runs[0].get("request") or "a chore", 60)
        more = f" and {len(runs) - 1} more" if len(runs) > 1 else ""
        self.text.setText(f"Errand was interrupted while carrying out “{first}”{more}. Some changes were "
                          "made and some were not. Put things back as they were, or finish the approved "
                          "changes?")
        for button in (self.back, self.finish):
            button.setVisible(True)
            button.setEnabled(True)
        self.close_button.setVisible(False)
        self.setVisible(True)

    def recover(self, finish: bool) -> None:
        for button in (self.back, self.finish):
            button.setEnabled(False)
        self.text.setText("Finishing the interrupted changes…" if finish else "Putting things back…")
        run_task(lambda task: self.assistant.recover(finish=finish), on_done=self._done,
                 on_error=self._failed)

    def _done(self, reports: list[Any]) -> None:
        refused = sum(len(r.refused) for r in reports)
        unknown = sum(len(r.unknown) for r in reports)
        errors = [r.error for r in reports if r.error is not None]
        words = {"rolled_back": "put back", "finished": "finished", "undo_finished": "undone"}
        done = ", ".join(f"run {r.run_id} {words.get(r.action, 'left as it is')}" for r in reports)
        text = f"Done: {done}." if done else "Nothing needed doing."
        if refused or unknown:
            text += (f" {refused + unknown} change(s) could not be sorted out automatically; History shows "
                     "which, with the reason.")
        if errors:
            text += f" {problem_from(errors[0]).message}"
        self.text.setText(text)
        for button in (self.back, self.finish):
            button.setVisible(False)
        self.close_button.setVisible(True)
        self.recovered.emit()

    def _failed(self, exc: BaseException, tb: str) -> None:
        problem = problem_from(exc, tb)
        self.text.setText(f"{problem.message} {problem.hint}")
        for button in (self.back, self.finish):
            button.setEnabled(True)
