"""The one flow every front end uses: preview a script, ask for approval, apply, journal; undo.

The CLI, the window and automations all call this module; none of them
touches the sandbox, the capabilities or the journal directly. Approval is a
callback (``approve(preview) -> bool``): the CLI answers with a prompt, the
window with a dialog, tests with a lambda. Progress and printed lines arrive
through plain callbacks, so this module knows nothing of Qt.

Preview runs the script once in the sandbox (reads real, writes simulated);
apply carries out exactly that preview's plan without running the script
again.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from capabilities.apply import apply_plan
from capabilities.base import Capability, Grant, RunContext
from capabilities.dispatch import Dispatcher
from capabilities.errors import ErrandError
from capabilities.journal import Journal
from capabilities.plan import Action, ActionPlan
from capabilities.recovery import RecoveryReport, recover
from capabilities.registry import instantiate
from capabilities.undo import RetentionReport, UndoReport, capabilities_for_run, prune_holding, undo_run
from desktop import paths
from desktop.grants import describe
from desktop.report import RunReport
from desktop.services import default_services
from sandbox import Limits, RunOutcome, Sandbox

__all__ = ["Assistant", "Preview"]

Approve = Callable[["Preview"], bool]
Progress = Callable[[int, int], None]


@dataclass
class Preview:
    """A script's preview: what it would change, what it printed and returned, or its error."""

    script: str
    grants: list[Grant]
    plan: ActionPlan
    outcome: RunOutcome
    capabilities: dict[str, Capability]
    request: str = ""
    summary: str = ""
    planner: str = "script"
    model: str | None = None
    exchanges: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome.ok

    def grant_texts(self) -> list[str]:
        return [describe(g) for g in self.grants]


class Assistant:
    """Owns the journal and the sandbox of one Errand process."""

    def __init__(self, journal: Journal | None = None, sandbox: Sandbox | None = None, *,
                 services: Mapping[str, Any] | None = None, limits: Limits | None = None,
                 progress: Callable[[str], None] | None = None, keep_warm: bool = False) -> None:
        self._journal = journal
        self._sandbox = sandbox
        self._progress = progress
        self._keep_warm = keep_warm  # the app prepares each next sandbox instance ahead of need
        self.services = dict(services) if services is not None else default_services(lambda: self.journal)
        self.limits = limits or Limits()
        self._lock = threading.Lock()

    # ---- lazily opened parts (a command that only lists history needs no sandbox) ----------

    @property
    def journal(self) -> Journal:
        with self._lock:
            if self._journal is None:
                self._journal = Journal(paths.database_path())
            return self._journal

    @property
    def sandbox(self) -> Sandbox:
        with self._lock:
            if self._sandbox is None:
                self._sandbox = Sandbox(paths.cache_dir(), progress=self._progress, keep_warm=self._keep_warm)
            return self._sandbox

    def new_context(self) -> RunContext:
        return RunContext(holding=paths.holding_dir(), services=dict(self.services),
                          protected=paths.protected_dirs())

    # ---- preview → approve → apply -------------------------------------------------------

    def preview(self, script: str, grants: Sequence[Grant], *, request: str = "", summary: str = "",
                planner: str = "script", model: str | None = None, inputs: Mapping[str, Any] | None = None,
                on_log: Callable[[str], None] | None = None, cancel: Any = None,
                exchanges: Sequence[int] = ()) -> Preview:
        """Run ``script`` with writes simulated; return the plan it produced."""
        import time

        context = self.new_context()
        context.deadline = time.monotonic() + self.limits.wall_seconds
        caps = instantiate(grants, context)
        dispatcher = Dispatcher(caps)
        outcome = self.sandbox.run(script, dispatcher, manifest=dispatcher.manifest(),
                                   inputs=dict(inputs or {}), limits=self.limits, on_log=on_log,
                                   cancel=cancel)
        return Preview(script, list(grants), context.plan, outcome, caps, request, summary, planner, model,
                       list(exchanges))

    def apply(self, preview: Preview, *, approve: Approve | None = None, preview_only: bool = False,
              on_progress: Progress | None = None, cancel: Any = None,
              trigger: str | Mapping[str, Any] | None = None) -> RunReport:
        """Journal the preview as a run; unless refused or preview-only, carry out its plan."""
        journal = self.journal
        run_id = journal.start_run(preview.request, preview.script, preview.grants, summary=preview.summary,
                                   model=preview.model, planner=preview.planner, trigger=trigger)
        try:
            return self._apply(run_id, preview, approve, preview_only, on_progress, cancel)
        except BaseException as exc:  # never leave the run "previewing": close it, then say which run
            if journal.run(run_id)["status"] == "previewing":
                journal.finish_run(run_id, "cancelled" if isinstance(exc, KeyboardInterrupt) else "failed",
                                   error=exc)
            exc.run_id = run_id  # type: ignore[attr-defined]
            raise

    def _apply(self, run_id: int, preview: Preview, approve: Approve | None, preview_only: bool,
               on_progress: Progress | None, cancel: Any) -> RunReport:
        journal = self.journal
        if preview.exchanges:
            journal.attach_exchanges(preview.exchanges, run_id)
        journal.add_log(run_id, preview.outcome.log)
        if not preview.ok:
            error = preview.outcome.error
            status = "cancelled" if error is not None and error.limit == "cancelled" else "failed"
            journal.finish_run(run_id, status, error=error.to_json() if error else None)
            return self._report(run_id, preview)
        journal.save_plan(run_id, preview.plan)
        if preview_only:
            journal.finish_run(run_id, "previewed", result=preview.outcome.result)
            return self._report(run_id, preview)
        if len(preview.plan) and approve is not None and not approve(preview):
            journal.finish_run(run_id, "refused", result=preview.outcome.result)
            return self._report(run_id, preview)
        for cap in preview.capabilities.values():
            # The preview's deadline has passed while the person read the plan; apply's network
            # calls get their own per-call budget (RunContext.remaining's default).
            cap.context.deadline = None
        journal.update_run(run_id, result=preview.outcome.result)  # apply_plan's close keeps it
        with _own_changes(preview.plan):
            done = apply_plan(journal, run_id, preview.plan, preview.capabilities, on_progress=on_progress,
                              cancel=cancel)
        if done.done:
            from desktop.automations import mark_outputs_seen  # only once something changed

            mark_outputs_seen(journal, preview.plan, run_id)
        return self._report(run_id, preview)

    def _report(self, run_id: int, preview: Preview) -> RunReport:
        run = self.journal.run(run_id)
        return RunReport.from_journal(run, self.journal.actions(run_id), preview.outcome.log,
                                      grant_texts=preview.grant_texts())

    # ---- history, undo, recovery ---------------------------------------------------------

    def history(self, limit: int = 100) -> list[dict[str, Any]]:
        return self.journal.runs(limit)

    def show(self, run_id: int) -> RunReport:
        run = self.journal.run(run_id)
        grants = [Grant.from_json(g) for g in run.get("grants") or []]
        return RunReport.from_journal(run, self.journal.actions(run_id), self.journal.logs(run_id),
                                      grant_texts=[_safe_describe(g) for g in grants])

    def undo(self, run_id: int, action: int | None = None, on_progress: Progress | None = None) -> UndoReport:
        caps = capabilities_for_run(self.journal, run_id, holding=paths.holding_dir(),
                                    protected=paths.protected_dirs())
        for cap in caps.values():
            cap.context.services.update(self.services)
        actions = [Action.from_json(row) for row in self.journal.actions(run_id)]
        with _own_changes(actions):
            return undo_run(self.journal, run_id, caps, action=action, on_progress=on_progress)

    def interrupted(self) -> list[dict[str, Any]]:
        """Runs a crash left half-applied or half-undone (what ``errand recover`` would take up)."""
        from capabilities.recovery import interrupted_runs

        return interrupted_runs(self.journal)

    def tidy_holding(self) -> RetentionReport:
        """Apply the holding area's retention rule; never drops what an undo still needs."""
        return prune_holding(self.journal, paths.holding_dir())

    def recover(self, finish: bool = False) -> list[RecoveryReport]:
        """Roll back (or finish) runs a crash left half-applied."""
        return recover(self.journal, lambda grants: instantiate(grants, self.new_context()), finish=finish)


def _own_changes(actions: Iterable[Action]) -> AbstractContextManager[None]:
    """Tell this process's folder watchers that these changes are Errand's own, so no
    automation fires on them. Without a watcher in the process there is nothing to tell,
    and watchdog is not imported."""
    filewatch = sys.modules.get("desktop.filewatch")
    return filewatch.own_changes(actions) if filewatch is not None else nullcontext()


def _safe_describe(grant: Grant) -> str:
    try:
        return describe(grant)
    except (KeyError, ErrandError):
        return f"{grant.capability} {grant.target}".strip()
