"""Automations: the chores that run by themselves when files arrive in a folder; save, pause, resume, remove.

The list (name, watched folder, which files, status words, last run) and the
selected automation's details (its grants in plain words, why it paused) load
on the thread pool, as every change does, through the assistant's named
methods (``automations``, ``save_automation``, ``change_automation``) only.
"Save a run as an automation…" opens a form: an applied run (the one selected
in History when there is one), a folder to watch, a file pattern.
After each change ``changed`` is emitted; the window then reloads its runner.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from capabilities.errors import ErrandError
from capabilities.status import RunStatus
from desktop.core.display import safe_text, shorten
from desktop.ui.errors import ProblemBox, problem_from
from desktop.ui.history_view import when_text
from desktop.ui.widgets import heading, label, plain_tip
from desktop.ui.words import grant_words, pattern_from_words, pattern_words
from desktop.ui.worker import run_task

__all__ = ["AutomationsView", "create_page"]

COLUMNS = ["Name", "Watched folder", "Files", "Status", "Last run"]
_STATUS = {"watching": "Watching", "paused": "Paused", "paused after failures": "Paused after failures",
           "held for approval": "Held for your approval"}


def last_run_text(row: dict[str, Any]) -> str:
    """"Today 15:04 · applied (run 12)", or "Not yet"."""
    if not row.get("last_run"):
        return "Not yet"
    text = when_text(row["last_run"])
    if row.get("last_status"):
        text += f" · {row['last_status']}"
    if row.get("last_run_id"):
        text += f" (run {row['last_run_id']})"
    return text


class SaveForm(QFrame):
    """"Save a run as an automation": which applied run, the folder to watch, the file pattern."""

    saved = Signal(dict)

    def __init__(self, assistant: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="card")
        self.assistant = assistant
        self.busy = False
        self._wanted_run: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(label("Save a run as an automation", "section"))
        layout.addWidget(label("Its script runs on each file that arrives in the folder, with the folders "
                               "the run was allowed to use; no model is asked again.", "muted"))
        form = QFormLayout()
        self.name = QLineEdit(placeholderText="e.g. file invoices")
        self.run = QComboBox()
        self.run.setAccessibleName("Applied run to save")
        self.folder = QLineEdit(placeholderText="A folder inside one the run could change")
        self.folder.setAccessibleName("Folder to watch")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(choose)
        self.pattern = QLineEdit(placeholderText="Every file, or only some kinds, e.g. pdf, jpg")
        self.pattern.setAccessibleName("Which files")
        self.pattern.setToolTip("Leave it empty for every file, or name the kinds of file to take, e.g. "
                                "“pdf, jpg”, or a name with * for any text, e.g. “Scan *.pdf”.")
        self.existing = QCheckBox("Also run on the matching files already in the folder")
        form.addRow("Name", self.name)
        form.addRow("Run", self.run)
        form.addRow("Watch", folder_row)
        form.addRow("Files", self.pattern)
        form.addRow("", self.existing)
        layout.addLayout(form)
        self.problem = ProblemBox()
        layout.addWidget(self.problem)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.hide)
        self.save_button = QPushButton("Save automation", objectName="primary")
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)

    def open_for(self, run_id: int | None) -> None:
        """Show the form with the recent applied runs, ``run_id`` chosen when it is one of them."""
        self._wanted_run = run_id
        self.problem.clear()
        self.show()
        self.name.setFocus()

        def applied(task: Any) -> list[dict[str, Any]]:
            return [r for r in self.assistant.history(200)
                    if r["status"] == RunStatus.APPLIED and not isinstance(r.get("trigger"), dict)]

        run_task(applied, on_done=self._fill_runs, on_error=self._failed)

    def _fill_runs(self, runs: list[dict[str, Any]]) -> None:
        self.run.clear()
        for r in runs:
            self.run.addItem(f"Run {r['id']} · {when_text(r['started'])} · "
                             f"{shorten(safe_text(r['request'] or r['summary'] or ''), 60)}", r["id"])
        index = self.run.findData(self._wanted_run) if self._wanted_run is not None else -1
        self.run.setCurrentIndex(max(index, 0))
        if not runs:
            self.problem.show_problem(problem_from(ErrandError(
                "There is no applied run to save yet.",
                "Run a chore first (New errand), approve it, then save it here.")))

    def _choose(self) -> None:
        start = self.folder.text() or str(Path.home())
        path = QFileDialog.getExistingDirectory(self, "Folder to watch", start)
        if path:
            self.folder.setText(path)

    def save(self) -> None:
        if self.busy:
            return
        run_id, name, folder = self.run.currentData(), self.name.text().strip(), self.folder.text().strip()
        pattern, existing = pattern_from_words(self.pattern.text()), self.existing.isChecked()
        self.problem.clear()
        if run_id is None:
            self.problem.show_problem(problem_from(ErrandError(
                "Choose the run to save.", "Only a run you approved (applied) can become an automation.")))
            return
        if not folder:
            self.problem.show_problem(problem_from(ErrandError(
                "Choose the folder to watch.", "New files arriving there will run the automation.")))
            return
        self.busy = True
        self.save_button.setEnabled(False)
        run_task(lambda task: self.assistant.save_automation(name, folder, from_run=int(run_id),
                                                             pattern=pattern, include_existing=existing),
                 on_done=self._saved, on_error=self._failed)

    def _saved(self, automation: dict[str, Any]) -> None:
        self.busy = False
        self.save_button.setEnabled(True)
        self.name.clear()
        self.hide()
        self.saved.emit(automation)

    def _failed(self, exc: BaseException, tb: str) -> None:
        self.busy = False
        self.save_button.setEnabled(True)
        self.problem.show_problem(problem_from(exc, tb))


class AutomationsView(QWidget):
    changed = Signal()  # added, paused, resumed or removed: the runner reloads

    def __init__(self, assistant: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.rows: list[dict[str, Any]] = []
        self.busy = False
        self._seq = 0
        self._select: int | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(heading("Automations", "Chores that run by themselves when files arrive in a folder. "
                                             "Every automatic run shows up in History, undoable."), 1)
        self.add_button = QPushButton("Save a run as an automation…", objectName="primary")
        self.add_button.clicked.connect(lambda: self.form.open_for(self.offered_run))
        top.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)
        self.offered_run: int | None = None

        self.form = SaveForm(assistant)
        self.form.hide()
        self.form.saved.connect(self._added)
        outer.addWidget(self.form)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Automations")
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        outer.addWidget(self.table, 2)

        self.empty = label("No automations yet. Run a chore, approve it, then save it here: Errand will run "
                           "it on each new file in the folder you choose.", "muted")
        outer.addWidget(self.empty)
        self.title = label("", "section")
        self.details = label("", "muted")
        self.problem = ProblemBox()
        for widget in (self.title, self.details, self.problem):
            outer.addWidget(widget)
        row = QHBoxLayout()
        row.addStretch(1)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Stop running it until you resume it; it keeps what it may use.")
        self.pause_button.clicked.connect(lambda: self._change("pause"))
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Run it again; files that arrived meanwhile are handled.")
        self.resume_button.clicked.connect(lambda: self._change("resume"))
        self.remove_button = QPushButton("Remove…")
        self.remove_button.setToolTip("Delete it and what it was allowed to use; its runs stay in History, "
                                      "undoable.")
        self.remove_button.clicked.connect(self._confirm_remove)
        for button in (self.pause_button, self.resume_button, self.remove_button):
            row.addWidget(button)
        outer.addLayout(row)
        outer.addStretch(1)
        self._update_buttons()

    # ---- the list ------------------------------------------------------------------------

    def offer_run(self, run_id: int | None) -> None:
        """The run selected in History: the form picks it first."""
        self.offered_run = run_id

    def refresh(self, select: int | None = None) -> None:
        self._seq += 1
        seq = self._seq
        self._select = select if select is not None else self.selected_id()
        self.busy = True
        run_task(lambda task: self.assistant.automations(),
                 on_done=lambda rows: self._filled(rows) if seq == self._seq else None,
                 on_error=self._failed)

    def _filled(self, rows: list[dict[str, Any]]) -> None:
        self.busy = False
        self.rows = rows
        self.table.setRowCount(len(rows))
        chosen = 0
        for i, r in enumerate(rows):
            cells = (r["name"], r["watch_dir"], pattern_words(r["pattern"]),
                     _STATUS.get(r["status"], r["status"]), last_run_text(r))
            for j, text in enumerate(cells):
                item = QTableWidgetItem(safe_text(str(text)))
                item.setToolTip(plain_tip(safe_text(str(text))))
                self.table.setItem(i, j, item)
            if r["id"] == self._select:
                chosen = i
        self.empty.setVisible(not rows)
        self.table.setVisible(bool(rows))
        if rows:
            self.table.selectRow(chosen)
        self._selected()

    def selected_id(self) -> int | None:
        row = self.selected()
        return int(row["id"]) if row else None

    def selected(self) -> dict[str, Any] | None:
        index = self.table.currentRow()
        rows = self.table.selectionModel().selectedRows()
        if not rows or not 0 <= index < len(self.rows):
            return None
        return self.rows[index]

    def _selected(self) -> None:
        r = self.selected()
        if r is None:
            self.title.setText("")
            self.details.setText("")
        else:
            self.title.setText(safe_text(r["name"]))
            watched = f"Watches {r['watch_dir']} for {pattern_words(r['pattern'])}"
            lines = [f"{watched} ({', '.join(r['events'])}).",
                     f"From: {r['request']}" if r["request"] else "",
                     *(f"May: {grant_words(g)}" for g in r["grants"]),
                     f"Handled {r['handled']} file{'s' if r['handled'] != 1 else ''}, {r['failed']} failed; "
                     f"last run: {last_run_text(r)}."]
            if r["paused_reason"]:
                lines.append(f"Paused: {r['paused_reason']}")
            self.details.setText("\n".join(safe_text(line) for line in lines if line))  # one line each
        self._update_buttons()

    def _update_buttons(self) -> None:
        r = self.selected()
        for button in (self.pause_button, self.resume_button, self.remove_button):
            button.setVisible(r is not None)
        self.pause_button.setEnabled(bool(r and r["enabled"]))
        self.resume_button.setEnabled(bool(r and not r["enabled"]))

    # ---- changes -------------------------------------------------------------------------

    def _added(self, automation: dict[str, Any]) -> None:
        self.refresh(select=int(automation["id"]))
        self.changed.emit()

    def _confirm_remove(self) -> None:
        r = self.selected()
        if r is None:
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Remove automation",
                          f"Remove the automation “{safe_text(r['name'])}”?",
                          QMessageBox.StandardButton.Cancel, self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # the name is the person's or a model's words
        box.setInformativeText("It stops running and what it was allowed to use is dropped. Its past runs "
                               "stay in History, and can still be undone.")
        remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.confirm = box  # tests answer it
        box.finished.connect(lambda _code: self._change("remove") if box.clickedButton() is remove else None)
        box.open()

    def _change(self, what: str) -> None:
        r = self.selected()
        if r is None:
            return
        aid = int(r["id"])
        self.problem.clear()
        run_task(lambda task: self.assistant.change_automation(what, aid),
                 on_done=lambda _r: self._changed(aid), on_error=self._failed)

    def _changed(self, aid: int) -> None:
        self.refresh(select=aid)
        self.changed.emit()

    def _failed(self, exc: BaseException, tb: str) -> None:
        self.busy = False
        self.problem.show_problem(problem_from(exc, tb))


def create_page(assistant: Any) -> AutomationsView:
    """The Automations page for the window."""
    return AutomationsView(assistant)
