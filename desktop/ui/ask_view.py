"""Ask: a large request box, example chores to click, and the folders Errand may use.

Enter plans (Shift+Enter starts a new line). Folders come from a picker,
from the recent list, or from dropping them anywhere on the window (the
window forwards drops to ``add_folder``). With no model set up, a banner
offers the built-in recipes, the sample photos and the way to add a model.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QMenu,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.display import safe_text
from desktop.ui.errors import ProblemBox
from desktop.ui.offers import OffersBox
from desktop.ui.widgets import FlowLayout, card, heading, label, plain_tip

__all__ = ["AskView", "RequestEdit"]


class RequestEdit(QPlainTextEdit):
    """The request box: Enter submits, Shift+Enter is a new line."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class AskView(QWidget):
    """The first page of a chore."""

    plan_requested = Signal(str, list)  # request, folders
    script_requested = Signal()  # "Open a script…": run one's own script, as `errand run` does
    stop_requested = Signal()  # stop waiting for the planner
    samples_requested = Signal()
    settings_requested = Signal()
    recipe_picked = Signal(str, str, list)  # an offered recipe's name, the request, folders

    def __init__(self, examples: Sequence[str], recent: Sequence[str] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folders: list[str] = []
        self._busy = False
        self.recent: list[str] = list(recent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(14)
        outer.addWidget(heading("What should Errand do?",
                                "Describe a chore in your own words. You will see exactly what would change "
                                "before anything happens, and you can undo it afterwards."))
        outer.addWidget(self._banner())

        self.request = RequestEdit(objectName="request")
        self.request.setPlaceholderText("For example: rename these photos by the date and place they were "
                                        "taken")
        self.request.setTabChangesFocus(True)
        self.request.setMinimumHeight(110)
        self.request.setMaximumHeight(170)
        self.request.setAccessibleName("Chore to do")
        self.request.submitted.connect(self._submit)
        outer.addWidget(self.request)

        examples_box = QWidget()
        self.examples_layout = FlowLayout(examples_box)
        try_label = label("Try:", "muted", wrap=False)
        self.examples_layout.addWidget(try_label)
        self.example_buttons: list[QPushButton] = []
        for text in examples:
            button = QPushButton(text, objectName="chip")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _=False, t=text: self.set_request(t))
            self.example_buttons.append(button)
            self.examples_layout.addWidget(button)
        if self.example_buttons:  # line "Try:" up with the middle of the chips
            try_label.setFixedHeight(self.example_buttons[0].sizeHint().height())
            try_label.setAlignment(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
        outer.addWidget(examples_box)

        outer.addWidget(self._folders_card())
        self.problem = ProblemBox()
        outer.addWidget(self.problem)
        self.offers = OffersBox()  # offline, the recipes closest to a request Errand cannot do
        self.offers.picked.connect(lambda name: self.recipe_picked.emit(
            name, self.request.toPlainText().strip(), list(self.folders)))
        outer.addWidget(self.offers)
        row = QHBoxLayout()
        self.busy_text = label("", "muted", wrap=False)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(160)
        self.busy_bar.setVisible(False)
        self.script_button = QPushButton("Open a script…", objectName="linkButton")
        self.script_button.setToolTip("Preview and run a Python script of your own (Ctrl+O), "
                                      "with the same preview and undo.")
        self.script_button.clicked.connect(self.script_requested)
        row.addWidget(self.script_button)
        row.addWidget(self.busy_text)
        row.addWidget(self.busy_bar)
        self.stop_button = QPushButton("Stop", objectName="linkButton")
        self.stop_button.setToolTip("Stop waiting for the plan (Esc). Nothing has been changed.")
        self.stop_button.clicked.connect(self.stop_requested)
        self.stop_button.setVisible(False)
        row.addWidget(self.stop_button)
        row.addStretch(1)
        self.plan_button = QPushButton("Plan it", objectName="primary")
        self.plan_button.setToolTip("Plan the chore (Enter). Nothing is changed yet.")
        self.plan_button.clicked.connect(self._submit)
        row.addWidget(self.plan_button)
        outer.addLayout(row)
        outer.addStretch(1)
        self.request.textChanged.connect(self._update_button)
        self._update_button()

    # ---- parts ---------------------------------------------------------------------------

    def _banner(self) -> QFrame:
        self.banner = QFrame(objectName="banner")
        layout = QHBoxLayout(self.banner)
        layout.setContentsMargins(14, 10, 14, 10)
        text = label("No language model is set up, so Errand uses its built-in recipes. "
                     "They work offline. Try one on a copy of a few sample photos, or add a model "
                     "to ask for anything.")
        layout.addWidget(text, 1)
        self.samples_button = QPushButton("Try it on sample photos")
        self.samples_button.clicked.connect(self.samples_requested)
        self.model_button = QPushButton("Set up a model…")
        self.model_button.clicked.connect(self.settings_requested)
        layout.addWidget(self.samples_button)
        layout.addWidget(self.model_button)
        return self.banner

    def _folders_card(self) -> QFrame:
        title = label("Folders Errand may use", "section")
        hint = label("Errand can only see and change the folders listed here. Add them with the button, "
                     "or drop them on this window.", "muted")
        self.folder_box = QWidget()
        self.folder_layout = FlowLayout(self.folder_box)
        self.no_folders = label("No folders yet.", "muted", wrap=False)
        self.folder_layout.addWidget(self.no_folders)
        buttons = QWidget()
        row = QHBoxLayout(buttons)
        row.setContentsMargins(0, 0, 0, 0)
        self.add_button = QPushButton("Add folder…")
        self.add_button.clicked.connect(self._pick_folder)
        self.recent_button = QToolButton(text="Recent folders", objectName="plain")
        self.recent_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.recent_menu = QMenu(self.recent_button)
        self.recent_button.setMenu(self.recent_menu)
        row.addWidget(self.add_button)
        row.addWidget(self.recent_button)
        row.addStretch(1)
        self._fill_recent()
        return card(title, hint, self.folder_box, buttons)

    # ---- behaviour -----------------------------------------------------------------------

    def set_model_configured(self, configured: bool) -> None:
        self.banner.setVisible(not configured)

    def set_busy(self, text: str) -> None:
        """Show that planning is under way (``text``), or that it ended (``""``)."""
        busy = self._busy = bool(text)
        self.busy_text.setText(text)
        self.busy_bar.setVisible(busy)
        self.stop_button.setVisible(busy)
        self.script_button.setVisible(not busy)
        self.plan_button.setEnabled(not busy and bool(self.request.toPlainText().strip()))
        self.request.setReadOnly(busy)
        if busy:
            self.problem.clear()
            self.offers.clear()

    def set_request(self, text: str) -> None:
        self.request.setPlainText(text)
        self.request.setFocus()
        cursor = self.request.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.request.setTextCursor(cursor)

    def add_folder(self, folder: str) -> bool:
        """Add a folder (from the picker, a drop or the recent list); False if it is not a folder."""
        folder = os.path.normpath(os.path.expanduser(folder))
        if not os.path.isdir(folder):
            return False
        if folder not in self.folders:
            self.folders.append(folder)
            self._add_chip(folder)
        return True

    def clear_folders(self) -> None:
        for folder in list(self.folders):
            self.remove_folder(folder)

    def remove_folder(self, folder: str) -> None:
        if folder in self.folders:
            index = self.folders.index(folder)
            self.folders.pop(index)
            item = self.folder_layout.takeAt(index + 1)  # after the "No folders yet." label
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()
        self.no_folders.setVisible(not self.folders)
        self.folder_box.updateGeometry()

    def set_recent(self, recent: Sequence[str]) -> None:
        self.recent = list(recent)
        self._fill_recent()

    def _add_chip(self, folder: str) -> None:
        chip = QPushButton(f"{safe_text(os.path.basename(folder) or folder)}   ✕", objectName="chip")
        chip.setToolTip(plain_tip(f"{safe_text(folder)}\nClick to remove it from this chore."))
        chip.setAccessibleName(f"Remove folder {safe_text(folder)}")
        chip.clicked.connect(lambda _=False, f=folder: self.remove_folder(f))
        self.folder_layout.addWidget(chip)
        self.no_folders.setVisible(False)
        self.folder_box.updateGeometry()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for folder in self.recent:
            action = self.recent_menu.addAction(safe_text(folder))
            action.triggered.connect(lambda _=False, f=folder: self.add_folder(f))
        self.recent_button.setEnabled(bool(self.recent))

    def _pick_folder(self) -> None:
        home = os.path.expanduser("~")
        start = self.folders[-1] if self.folders else (self.recent[0] if self.recent else home)
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder Errand may use", start)
        if folder:
            self.add_folder(folder)

    def _update_button(self) -> None:
        self.plan_button.setEnabled(bool(self.request.toPlainText().strip()) and not self._busy)

    def _submit(self) -> None:
        text = self.request.toPlainText().strip()
        if text and self.plan_button.isEnabled():
            self.plan_requested.emit(text, list(self.folders))
