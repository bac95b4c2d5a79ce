"""Errors in words a person understands, with the technical detail one click away.

``problem_from(exc, tb)`` turns anything a core call raised (or a script's
error dict from a preview) into a ``Problem``: a sentence saying what
happened, a hint saying what to do, and the technical detail (the type,
the script line, the traceback) for whoever wants it. Known errors
(``ErrandError`` and its family) carry their own message and hint; unknown
ones say so plainly and keep the traceback for a bug report (as Anki does).
``ProblemBox`` shows one inline; ``show_problem`` in a dialog. File names in
messages are escaped (``safe_text``) so they cannot disguise themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from capabilities.errors import ErrandError
from desktop.core.display import safe_text
from desktop.ui.words import window_hint

__all__ = ["Problem", "ProblemBox", "problem_from", "show_problem"]

_SCRIPT_WORDS = {
    "Cancelled": ("The run was cancelled.", "Nothing was changed. Start it again whenever you like."),
    "LimitExceeded": ("The chore took more than Errand allows for one run.",
                      "Try it on fewer files or a smaller folder."),
}


@dataclass
class Problem:
    """What went wrong (``message``), what to do (``hint``) and the detail for the curious."""

    message: str
    hint: str = ""
    detail: str = ""
    kind: str = "error"  # "error", or "cancelled" (shown calmly, not in red)

    def __post_init__(self) -> None:
        self.message, self.hint = safe_text(self.message), safe_text(self.hint)


def problem_from(error: BaseException | Mapping[str, Any] | Any, traceback_text: str = "") -> Problem:
    """A ``Problem`` for an exception, a script error dict, or a sandbox ``ScriptError``."""
    if isinstance(error, ErrandError):
        detail = _detail(type(error).__name__, str(error), traceback_text)
        return Problem(window_hint(error.message), window_hint(error.hint or ""), detail)
    if isinstance(error, Mapping) or (hasattr(error, "to_json") and not isinstance(error, BaseException)):
        data = dict(error) if isinstance(error, Mapping) else error.to_json()
        return _from_script(data)
    if isinstance(error, PermissionError):
        return Problem(f"Errand was not allowed to open a file or folder: {error.filename or error}.",
                       "Check that the folder is yours and not open in another program, then try again.",
                       _detail(type(error).__name__, str(error), traceback_text))
    if isinstance(error, OSError):
        return Problem(f"A file or folder could not be used: {error.strerror or error}.",
                       "Check that the disk is connected and has room, then try again.",
                       _detail(type(error).__name__, str(error), traceback_text))
    return Problem("Something went wrong inside Errand.",
                   "Nothing was changed by this step. Try again; if it happens again, copy the details "
                   "below into a bug report.",
                   _detail(type(error).__name__, str(error), traceback_text))


def _from_script(data: Mapping[str, Any]) -> Problem:
    kind = str(data.get("type") or "Error")
    message = str(data.get("message") or "")
    line = data.get("line")
    if data.get("limit") == "cancelled" or kind == "Cancelled":
        words = _SCRIPT_WORDS["Cancelled"]
        return Problem(words[0], words[1], _detail(kind, message, ""), kind="cancelled")
    if kind in _SCRIPT_WORDS:
        words = _SCRIPT_WORDS[kind]
        return Problem(words[0], str(data.get("hint") or words[1]), _detail(kind, message, ""))
    # The script's own hint speaks to whoever writes scripts ("list the folder with files.list()");
    # the person gets what they can do, and that hint stays in the details.
    script_hint = str(data.get("hint") or "")
    if script_hint and message.endswith(f"({script_hint})"):
        message = message[: -len(script_hint) - 2].rstrip()
    hint = ("Nothing was changed. Check that the files it needs are in the folders you chose, or rephrase "
            "the chore and try again.")
    detail = _detail(kind, message, "", line)
    if script_hint:
        detail += f"\nHint for the script: {script_hint}"
    # The line number is for whoever reads the script: it stays in the details.
    return Problem(f"The chore stopped: {message}", hint, detail)


def _detail(kind: str, message: str, tb: str, line: Any = None) -> str:
    head = f"{kind}: {safe_text(message)}"
    if line:
        head += f"\nScript line: {line}"
    return head + (f"\n\n{tb.strip()}" if tb.strip() else "")


class ProblemBox(QFrame):
    """An inline message: what happened, what to do, and a "Show details" toggle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problem")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout = QVBoxLayout(self)
        self.message = QLabel(wordWrap=True, objectName="problemMessage")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.hint = QLabel(wordWrap=True, objectName="problemHint")
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        row = QHBoxLayout()
        self.toggle = QPushButton("Show details", flat=True, objectName="linkButton")
        self.toggle.setCheckable(True)
        self.copy = QPushButton("Copy details", flat=True, objectName="linkButton")
        row.addWidget(self.toggle)
        row.addWidget(self.copy)
        row.addStretch(1)
        self.detail = QPlainTextEdit(readOnly=True, objectName="problemDetail")
        self.detail.setMaximumHeight(160)
        self.detail.setVisible(False)
        layout.addWidget(self.message)
        layout.addWidget(self.hint)
        layout.addLayout(row)
        layout.addWidget(self.detail)
        self.toggle.toggled.connect(self._toggle)
        self.copy.clicked.connect(lambda: QApplication.clipboard().setText(self.detail.toPlainText()))
        self.problem: Problem | None = None
        self.setVisible(False)

    def show_problem(self, problem: Problem) -> None:
        self.problem = problem
        self.setProperty("kind", problem.kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.message.setText(problem.message)
        self.hint.setText(problem.hint)
        self.hint.setVisible(bool(problem.hint))
        self.detail.setPlainText(problem.detail)
        has_detail = bool(problem.detail)
        self.toggle.setVisible(has_detail)
        self.copy.setVisible(has_detail)
        self.toggle.setChecked(False)
        self.setVisible(True)

    def clear(self) -> None:
        self.problem = None
        self.setVisible(False)

    def _toggle(self, shown: bool) -> None:
        self.detail.setVisible(shown)
        self.toggle.setText("Hide details" if shown else "Show details")


def show_problem(parent: QWidget | None, problem: Problem, title: str = "Errand") -> None:
    """A modal message box with the problem; the technical detail under "Show Details…"."""
    box = QMessageBox(parent)
    box.setWindowTitle(title)
    box.setIcon(QMessageBox.Icon.Information if problem.kind == "cancelled" else QMessageBox.Icon.Warning)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(problem.message)
    box.setInformativeText(problem.hint)
    if problem.detail:
        box.setDetailedText(problem.detail)
    box.open()
