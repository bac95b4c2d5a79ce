"""One chore from request to result: Ask → Plan → Preview → Run, with every core call off the GUI thread.

``ChoreFlow`` owns the four pages and shows the core's :class:`~desktop.core.chore.Chore`
as it moves: planning (``Assistant.plan_chore``), the preview with its repair
(``preview_chore``), approval and apply with what follows (``finish_chore``)
are the same calls ``errand ask`` makes; this page only presents them and
answers their questions (the Approve button is the approval). Each step runs
through ``worker.run_task``, so none blocks the window. Cancel sets the task's
event, which the sandbox and apply honour between two steps, so what was done
stays journaled and undoable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from capabilities.base import Grant
from capabilities.errors import ErrandError
from capabilities.registry import get as capability
from desktop.core import llm, paths
from desktop.core import settings as settings_store
from desktop.core.chore import Chore, always
from desktop.core.errors import NoRecipeFits
from desktop.core.grants import describe, parse_grants
from desktop.core.samples import SAMPLE_RECIPE, SAMPLE_REQUEST, copy_samples, default_folder
from desktop.ui.ask_view import AskView
from desktop.ui.errors import Problem, problem_from
from desktop.ui.plan_view import PlanView
from desktop.ui.preview_view import PreviewView, Review, review_of
from desktop.ui.run_view import RunView
from desktop.ui.widgets import StepBar, scrolling
from desktop.ui.words import grant_words, put_back_text
from desktop.ui.worker import Task, run_task

__all__ = ["ChoreFlow"]

ASK, PLAN, PREVIEW, RUN = range(4)
_FOLDER_CAPABILITIES = {"files", "photos", "vision"}


class ChoreFlow(QWidget):
    run_finished = Signal(int)  # a run was journaled (applied, cancelled, failed) or undone
    settings_requested = Signal()
    history_requested = Signal(int)

    def __init__(self, assistant: Any, examples: Sequence[str], *, samples_parent: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.samples_parent = samples_parent
        self.chore: Chore | None = None
        self.grants: list[Grant] = []
        self.preview: Any = None
        self.report: Any = None
        self.task: Task | None = None
        self.undo_report: Any = None
        settings = settings_store.load()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.steps = StepBar(["Ask", "Plan", "Preview", "Run"])
        layout.addWidget(self.steps)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.ask = AskView(examples, settings.recent_folders)
        self.plan = PlanView()
        self.preview_view = PreviewView()
        self.run = RunView()
        # The Ask page scrolls rather than squeezing its buttons to slivers at the window's minimum size.
        for page in (scrolling(self.ask), self.plan, self.preview_view, self.run):
            self.stack.addWidget(page)
        self.ask.set_model_configured(settings.has_model)
        _warm_model(settings)

        self.ask.plan_requested.connect(self.start_planning)
        self.ask.recipe_picked.connect(lambda name, request, folders: self.start_planning(
            request, folders, recipe=name))
        self.ask.stop_requested.connect(self.stop_planning)
        self.ask.samples_requested.connect(self.try_samples)
        self.ask.settings_requested.connect(self.settings_requested)
        self.plan.back_requested.connect(lambda: self.go(ASK))
        self.plan.preview_requested.connect(self.start_preview)
        self.preview_view.back_requested.connect(lambda: self.go(PLAN))
        self.preview_view.cancel_requested.connect(self.cancel)
        self.preview_view.approve_requested.connect(self.approve)
        self.preview_view.renamer = self._rename_change
        self.run.cancel_requested.connect(self.cancel)
        self.run.undo_requested.connect(self.undo_run)
        self.run.new_requested.connect(self.new_errand)
        self.run.history_requested.connect(lambda: self.history_requested.emit(self.report.run_id
                                                                               if self.report else 0))
        go_on = QShortcut(QKeySequence("Ctrl+Return"), self)
        go_on.activated.connect(self.next_step)

    def escape(self) -> None:
        """Esc: stop what is under way; else clear the preview's search, or go back one step."""
        if self.busy:
            self.stop_planning()
            self.cancel()
            return
        page = self.stack.currentIndex()
        search = self.preview_view.review.search
        if page == PREVIEW and search.text():
            search.clear()
        elif page == PREVIEW and self.preview_view.back.isEnabled():
            self.go(PLAN)
            self.plan.preview_button.setFocus()
        elif page == PLAN:
            self.go(ASK)
            self.ask.request.setFocus()

    def next_step(self) -> None:
        """Ctrl+Enter: the current page's main button (plan, preview, apply, new errand), when usable."""
        page = self.stack.currentIndex()
        button = {ASK: self.ask.plan_button, PLAN: self.plan.preview_button,
                  PREVIEW: self.preview_view.approve, RUN: self.run.new}[page]
        if button.isVisibleTo(self) and button.isEnabled():
            button.click()

    # ---- navigation ----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.task is not None

    def go(self, step: int) -> None:
        self.stack.setCurrentIndex(step)
        self.steps.set_current(step)

    def new_errand(self) -> None:
        self.chore, self.preview, self.report = None, None, None
        self.ask.request.clear()
        self.go(ASK)
        self.ask.request.setFocus()

    def settings_changed(self) -> None:
        settings = settings_store.load()
        self.ask.set_model_configured(settings.has_model)
        self.ask.set_recent(settings.recent_folders)
        _warm_model(settings)

    # ---- plan ----------------------------------------------------------------------------

    def start_planning(self, request: str, folders: list[str], mode: str = "auto",
                       recipe: str | None = None) -> None:
        if self.busy:
            return
        try:
            grants = self.planning_grants(folders)
        except Exception as exc:
            self.ask.problem.show_problem(problem_from(exc))
            return
        self._remember(folders)
        self.grants = grants
        self.ask.set_busy("Working out how to do it…")
        assistant = self.assistant
        # Vision is offered (marked as leaving the computer) and approved with its checkbox on the Plan page.
        self._start(lambda task: assistant.plan_chore(request, grants, settings_store.load(), mode=mode,
                                                      allow_vision=True, recipe=recipe, cancel=task.cancel),
                    self._planned, self._planning_failed)

    def use_script(self, script: str, folders: list[str], request: str = "", summary: str = "") -> None:
        """Plan from a script the person opened (like ``errand run``), skipping the planner."""
        try:
            self.grants = self.planning_grants(folders)
        except Exception as exc:
            self.ask.problem.show_problem(problem_from(exc))
            return
        grants = self.grants + parse_grants(["photos", "places"])
        self._planned(self.assistant.script_chore(script, grants, request=request or "A script I opened",
                                                  summary=summary))

    def planning_grants(self, folders: Sequence[str]) -> list[Grant]:
        """The chosen folders as ``files`` grants (planning adds what the script needs besides)."""
        return parse_grants([f"files={f}" for f in folders], paths.protected_dirs())

    def _planned(self, chore: Chore) -> None:
        self.ask.set_busy("")
        self.chore = chore
        self.plan.show_chore(chore, self._grant_lines(chore))
        self.go(PLAN)

    def _planning_failed(self, exc: BaseException, tb: str) -> None:
        self.ask.set_busy("")
        if isinstance(exc, NoRecipeFits) and exc.choices:  # offline: offer the closest, run none unpicked
            self.ask.problem.show_problem(Problem(exc.message, "Pick one below if it is what you want, or "
                                                  "set up a language model in Settings → Model."))
            self.ask.offers.show_offers(exc.choices)
        else:
            self.ask.problem.show_problem(problem_from(exc, tb))
        self.go(ASK)

    def _grant_lines(self, chore: Chore) -> list[tuple[Grant, str, bool]]:
        needed = chore.needed
        lines = []
        for grant in chore.grants:
            name = grant.capability
            wanted = not needed or name in needed or (name == "files" and needed & _FOLDER_CAPABILITIES)
            if wanted:
                lines.append((grant, _describe(grant), bool(capability(name).leaves_machine)))
        return lines

    def try_samples(self) -> None:
        """Copy the sample photos and plan the sample chore on them with the built-in recipes."""
        if self.busy:
            return
        try:
            folder = copy_samples(default_folder(self.samples_parent))
        except (OSError, ErrandError) as exc:
            self.ask.problem.show_problem(problem_from(exc))
            return
        self.ask.clear_folders()
        self.ask.add_folder(str(folder))
        self.ask.set_request(SAMPLE_REQUEST)
        self.start_planning(SAMPLE_REQUEST, [str(folder)], mode="recipes", recipe=SAMPLE_RECIPE)

    # ---- preview -------------------------------------------------------------------------

    def start_preview(self) -> None:
        chore = self.chore
        if chore is None or self.busy:
            return
        try:
            chore.inputs.update(self.plan.params())
        except Exception as exc:
            self.plan.problem.show_problem(problem_from(exc))
            return
        chore.missing = []
        grants = self.plan.allowed_grants()
        withheld = self._withheld(chore, grants)
        if withheld:
            self.plan.problem.show_problem(Problem(
                f"This chore cannot work without: {withheld[0]}",
                "Tick it to go on, or go back and ask for something that does not need it. Nothing has "
                "been sent or changed."))
            return
        self._run_preview(chore, grants)

    def _withheld(self, chore: Chore, grants: list[Grant]) -> list[str]:
        """What the script needs that the person unticked (every grant of a needed capability)."""
        allowed = {g.capability for g in grants}
        return [text for line in self.plan.lines if not line.allowed
                for text in [line.text.text()]
                if line.grant.capability in chore.needed and line.grant.capability not in allowed]

    def _run_preview(self, chore: Chore, grants: list[Grant]) -> None:
        self.go(PREVIEW)
        self.preview_view.show_busy()
        self.preview_view.busy_text.setText("Looking at your files and working out the changes…")
        chore.grants = grants  # what the person left ticked on the Plan page
        assistant = self.assistant

        def work(task: Any) -> tuple[Any, Review | None]:
            preview = assistant.preview_chore(chore, on_log=task.log, cancel=task.cancel)
            return preview, review_of(preview)  # the rows too, here: off the GUI thread

        self._start(work, lambda done: self._previewed(*done), self._preview_failed,
                    on_log=self.preview_view.add_log)

    def _previewed(self, preview: Any, review: Review | None = None) -> None:
        self.preview = preview
        if self.chore is not None and preview.script != self.plan.script.toPlainText():
            # the model repaired its script after the first preview: the Plan page shows the one that ran
            self.plan.script.setPlainText(preview.script)
            self.plan.summary.setText(preview.summary or self.plan.summary.text())
        self.preview_view.show_preview(preview, review)
        error = preview.outcome.error
        if error is not None and getattr(error, "limit", None) != "cancelled":
            # A failed preview is journaled too, so History shows what was tried and why it stopped.
            assistant, chore = self.assistant, self.chore
            if chore is not None:
                self._start(lambda task: assistant.finish_chore(chore, approve=None),
                            self._journaled_failure, self._ignore)

    def _journaled_failure(self, report: Any) -> None:
        self.report = report
        self.run_finished.emit(report.run_id)

    def _preview_failed(self, exc: BaseException, tb: str) -> None:
        self.preview_view.show_problem(problem_from(exc, tb))

    # ---- apply, cancel, undo -------------------------------------------------------------

    def _rename_change(self, seq: int, name: str, relies: Mapping[int, set[int]] | None = None) -> Any:
        """A name the person edited in the preview: a change of the chore's plan, made by the core."""
        if self.chore is None or self.preview is None or self.busy:
            raise ErrandError("This preview is not waiting for approval any more.",
                              "Preview the chore again.")
        return self.assistant.rename_change(self.chore, seq, name, relies)

    def approve(self) -> None:
        preview, chore = self.preview, self.chore
        if preview is None or chore is None or not preview.ok or self.busy:
            return
        left_out = self.preview_view.left_out()  # the unticked rows: the core checks them, then drops them
        self.go(RUN)
        self.run.start(len(preview.plan) - len(left_out), list(preview.outcome.log))
        assistant = self.assistant
        # The click on Approve was the person's answer, so the core's question is answered yes.
        self._start(lambda task: assistant.finish_chore(chore, approve=always, on_progress=task.progress,
                                                        cancel=task.cancel, leave_out=left_out),
                    self._applied, self._apply_failed, on_progress=self.run.progress)
        self.preview = None  # applied once: a second Approve must not apply it again

    def _applied(self, report: Any) -> None:
        self.report = report
        self.run.finish(report)
        tidy = self.chore.retention if self.chore is not None else None
        if tidy is not None and tidy.over_limit:
            hint = ("Undo or remove old runs you no longer need (in History), so Errand can let go of what "
                    "it kept.")
            self.run.problem.show_problem(Problem(tidy.message(), hint, kind="cancelled"))
        self.run_finished.emit(report.run_id)

    def _apply_failed(self, exc: BaseException, tb: str) -> None:
        self.run.problem.show_problem(problem_from(exc, tb))
        self.run.cancel.setVisible(False)
        self.run.new.setVisible(True)
        self.run.history.setVisible(True)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel.set()

    def undo_run(self) -> None:
        report = self.report
        if report is None or self.busy:
            return
        self.run.undo.setEnabled(False)
        assistant = self.assistant
        self.run.undoing()
        self._start(lambda task: assistant.undo(report.run_id, on_progress=task.progress), self._undone,
                    self._undo_failed, on_progress=self.run.undo_progress)

    def _undone(self, done: Any) -> None:
        self.undo_report = done
        text = put_back_text(done.undone)
        if done.refused:
            text += f" {len(done.refused):,} could not be undone: {done.refused[0][1]}"
        self.run.undone(text)
        self.run_finished.emit(done.run_id)

    def _undo_failed(self, exc: BaseException, tb: str) -> None:
        self.run.undo.setEnabled(True)
        self.run.problem.show_problem(problem_from(exc, tb))

    # ---- helpers -------------------------------------------------------------------------

    def _start(self, fn: Any, on_done: Any, on_error: Any, **callbacks: Any) -> None:
        started: list[Task] = []

        def done(result: Any) -> None:
            if self.task is started[0]:  # not abandoned (see stop_planning)
                self.task = None
                on_done(result)

        def failed(exc: BaseException, tb: str) -> None:
            if self.task is started[0]:
                self.task = None
                on_error(exc, tb)

        self.task = run_task(fn, on_done=done, on_error=failed, **callbacks)
        started.append(self.task)

    def stop_planning(self) -> None:
        """Stop waiting for the planner (a slow model): its answer, when it comes, is dropped.

        Only planning is abandoned this way; it changes nothing. A preview or an
        apply is cancelled cooperatively instead, so what it did is journaled.
        """
        if self.task is not None and self.stack.currentIndex() == ASK:
            self.task.cancel.set()
            self.task.abandoned = True
            self.task = None
            self.ask.set_busy("")

    @staticmethod
    def _ignore(exc: BaseException, tb: str) -> None:
        pass

    def _remember(self, folders: Sequence[str]) -> None:
        if not folders:
            return
        settings = settings_store.load()
        for folder in reversed(folders):
            settings.remember_folder(os.path.normpath(folder))
        try:
            settings_store.save(settings)
        except OSError:
            return  # recent folders are a convenience; failing to save them must not stop the chore
        self.ask.set_recent(settings.recent_folders)


def _warm_model(settings: Any) -> None:
    """With a model set up, litellm loads on a daemon thread now, not when the person first asks
    (seconds, and never on the GUI thread); without one the app never loads it."""
    if settings.has_model:
        llm.warm()


def _describe(grant: Grant) -> str:
    try:
        return grant_words(describe(grant))
    except Exception:
        return f"{grant.capability} {grant.target}".strip()
