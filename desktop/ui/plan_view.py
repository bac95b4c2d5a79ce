"""Plan: the plain-language summary first, then what the script may use, then (folded) the script.

Each capability the script will use is a line with a checkbox and the grant
text the person approves; those that send data off the computer are marked.
Recipe parameters still missing are asked for in a small form. The script
itself is folded away, syntax-highlighted, for those who want to read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from capabilities.base import Grant
from desktop.core.chore import Chore
from desktop.core.planning import convert_param
from desktop.core.recipes import Param
from desktop.ui.errors import Problem, ProblemBox
from desktop.ui.highlight import PythonHighlighter
from desktop.ui.widgets import card, heading, label, scrolling

__all__ = ["GrantLine", "PlanView"]


class GrantLine(QWidget):
    """One thing the script may use: a checkbox with the grant text, marked if data leaves the computer."""

    def __init__(self, grant: Grant, text: str, leaves_machine: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grant = grant
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        self.check = QCheckBox()
        # Consent to send data off the computer is off until the person gives it (#14): the preview
        # of a chore that needs it stops with the reason instead of sending first.
        self.check.setChecked(not leaves_machine)
        self.check.setAccessibleName(text)
        self.text = label(text)
        self.text.setBuddy(self.check)
        layout.addWidget(self.check, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        self.leaves_machine = leaves_machine
        badge = label("Sends data off this computer" if leaves_machine else "Stays on this computer",
                      "badgeRemote" if leaves_machine else "badgeLocal", wrap=False)
        layout.addWidget(badge, 0, Qt.AlignmentFlag.AlignTop)

    @property
    def allowed(self) -> bool:
        return self.check.isChecked()


class PlanView(QWidget):
    """Shows a ``Chore`` and asks to preview it."""

    preview_requested = Signal()
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Everything above Back / Preview scrolls: at 820×560 with the script shown (or a banner
        # above the page) the summary and grants would otherwise be squeezed to clipped slivers.
        body = QWidget()
        content = QVBoxLayout(body)
        content.setContentsMargins(0, 0, 0, 0)
        content.setSpacing(12)
        content.addWidget(heading("Here is the plan", "Nothing has changed yet. Check what it may use, then "
                                "preview the exact changes."))
        self.summary = label("", "summary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.source = label("", "muted")
        content.addWidget(card(self.summary, self.source))
        self.problem = ProblemBox()
        content.addWidget(self.problem)

        content.addWidget(label("What it may use", "section"))
        self.grants_box = QWidget()
        self.grants_layout = QVBoxLayout(self.grants_box)
        self.grants_layout.setContentsMargins(0, 0, 0, 0)
        content.addWidget(card(self.grants_box, margins=12))
        self.lines: list[GrantLine] = []

        self.params_title = label("A few details", "section")
        self.params_box = QWidget()
        self.params_form = QFormLayout(self.params_box)
        self.params_card = card(self.params_box, margins=12)
        content.addWidget(self.params_title)
        content.addWidget(self.params_card)
        self.param_edits: dict[str, tuple[Param, QLineEdit]] = {}

        self.fold = QToolButton(objectName="fold", text="Show the script")
        self.fold.setCheckable(True)
        self.fold.setArrowType(Qt.ArrowType.RightArrow)
        self.fold.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.fold.toggled.connect(self._fold)
        self.script = QPlainTextEdit(readOnly=True, objectName="script")
        self.script.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.script.setAccessibleName("The script")
        self.highlighter = PythonHighlighter(self.script.document())
        self.script.setVisible(False)
        content.addWidget(self.fold)
        content.addWidget(self.script, 1)
        content.addStretch(0)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(12)
        outer.addWidget(scrolling(body), 1)
        row = QHBoxLayout()
        self.back = QPushButton("Back")
        self.back.clicked.connect(self.back_requested)
        self.preview_button = QPushButton("Preview the changes", objectName="primary")
        self.preview_button.setDefault(True)
        self.preview_button.setToolTip("Run the chore with every change simulated: nothing is changed yet "
                                       "(Ctrl+Enter).")
        self.preview_button.clicked.connect(self.preview_requested)
        row.addWidget(self.back)
        row.addStretch(1)
        row.addWidget(self.preview_button)
        outer.addLayout(row)

    def show_chore(self, chore: Chore, lines: Sequence[tuple[Grant, str, bool]]) -> None:
        """Fill the page: ``lines`` are ``(grant, grant text, leaves the machine)``."""
        summary = chore.summary or ("Errand has a script for this chore; preview it to see what it would "
                                    "change.")
        if chore.planner == "model" and chore.summary:
            summary = f"The model's summary: {chore.summary}"  # its words; the preview counts what is real
        self.summary.setText(summary)
        self.source.setText(_source_text(chore))
        for line in self.lines:
            line.deleteLater()
        self.lines = [GrantLine(g, text, remote) for g, text, remote in lines]
        for line in self.lines:
            self.grants_layout.addWidget(line)
        if not self.lines:
            empty = GrantLine(Grant("none"), "Nothing: this chore touches no folder and no service.", False)
            empty.check.setEnabled(False)
            self.lines.append(empty)
            self.grants_layout.addWidget(empty)
        self._fill_params(chore)
        if chore.problems:
            self.problem.show_problem(Problem("Errand needs a little more before it can preview this chore.",
                                              " ".join(p.for_window() for p in chore.problems)))
        else:
            self.problem.clear()
        self.preview_button.setEnabled(not chore.problems)
        self.script.setPlainText(chore.script)
        self.fold.setChecked(False)
        self.preview_button.setFocus()

    def allowed_grants(self) -> list[Grant]:
        return [line.grant for line in self.lines if line.allowed and line.grant.capability != "none"]

    def params(self) -> dict[str, Any]:
        """The answers to the recipe's questions, typed; an ErrandError names the first one missing."""
        return {param.name: convert_param(param, edit.text()) for param, edit in self.param_edits.values()}

    def _fill_params(self, chore: Chore) -> None:
        while self.params_form.rowCount():
            self.params_form.removeRow(0)
        self.param_edits = {}
        for param in chore.missing:
            edit = QLineEdit()
            edit.setAccessibleName(param.question)
            edit.setText(str(chore.inputs.get(param.name, "")))
            self.params_form.addRow(label(param.question, wrap=True), edit)
            self.param_edits[param.name] = (param, edit)
        shown = bool(self.param_edits)
        self.params_title.setVisible(shown)
        self.params_card.setVisible(shown)

    def _fold(self, shown: bool) -> None:
        self.script.setVisible(shown)
        self.fold.setText("Hide the script" if shown else "Show the script")
        self.fold.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)


def _source_text(chore: Chore) -> str:
    if chore.planner.startswith("recipe"):
        name = chore.title or chore.planner.partition(":")[2]
        return f"From the built-in recipe “{name}” (works offline, nothing is sent anywhere)."
    if chore.planner == "model":
        model = chore.model or "the model"
        return f"Written for you by {model}. The preview checks it before anything changes."
    return "From a script you opened."
