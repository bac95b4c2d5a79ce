"""Apply: carry out exactly a previewed plan, journaling intent before effect and outcome after.

The script does not run again: apply walks the plan's actions in order and,
for each, asks its capability to ``verify`` (the source is as the preview saw
it) and then ``perform`` it. A ``SourceChanged`` (or any known error) stops the
apply cleanly: actions already done stay journaled and undoable, the rest are
marked ``skipped``. A set ``cancel`` event stops it between two actions the
same way (status ``cancelled``).

Journaling in batches: the intents of a batch (status ``started``) are
committed *before* any of its effects, and the batch's outcomes (``done`` +
what undoes each) after them — in the same transaction as the next batch's
intents, so each batch costs one commit (one fsync). A crash in between
leaves ``started`` actions, which ``recovery`` resolves with each
capability's ``probe``. Batches grow 1, 2, 4 … up to ``max_batch``, so a
three-action plan journals almost per action while a 10,000-action plan pays
for ~15 commits, not 20,000.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from capabilities.base import Capability
from capabilities.errors import BackendError, ErrandError, GrantError
from capabilities.journal import Journal, JournalError, now
from capabilities.journal.batches import MAX_BATCH, growing_batches
from capabilities.journal.owner import owner_token
from capabilities.plan import Action, ActionPlan
from capabilities.status import ActionStatus, RunStatus

__all__ = ["ApplyReport", "Cancel", "apply_plan", "perform_actions"]

Progress = Callable[[int, int], None]


class Cancel(Protocol):
    """Anything with ``is_set()`` — a ``threading.Event`` is the usual one."""

    def is_set(self) -> bool: ...


@dataclass
class ApplyReport:
    """How an apply ended: ``status`` is ``applied``, ``failed`` or ``cancelled``."""

    run_id: int
    status: str
    done: int
    total: int
    stopped_at: int | None = None  # seq of the action that could not be carried out
    error: ErrandError | None = None

    @property
    def ok(self) -> bool:
        return self.status == RunStatus.APPLIED


def apply_plan(journal: Journal, run_id: int, plan: ActionPlan | Sequence[Action],
               capabilities: Mapping[str, Capability], *, on_progress: Progress | None = None,
               cancel: Cancel | None = None, max_batch: int = MAX_BATCH) -> ApplyReport:
    """Carry out ``plan`` for run ``run_id`` and finish the run (saves the plan if the preview did not)."""
    actions = list(plan)
    journal.run(run_id)  # a clear error if there is no such run
    counts = journal.action_counts(run_id)
    stored = sum(counts.values())
    if stored == 0 and actions:
        journal.save_plan(run_id, actions)
    elif stored != len(actions):
        raise ErrandError(f"Run {run_id} has {stored} planned actions in the journal, not {len(actions)}.",
                          "Preview the chore again and apply that preview.")
    elif counts.get(ActionStatus.PLANNED, 0) != stored:
        raise ErrandError(f"Run {run_id} has already been applied; applying it again could do things twice.",
                          "Preview the chore again to start a new run.")
    journal.claim_run(run_id, owner_token(), RunStatus.APPLYING)
    try:
        report = perform_actions(journal, run_id, actions, capabilities, on_progress=on_progress,
                                 cancel=cancel, max_batch=max_batch)
    except Exception as exc:
        # A bug in a capability, or a journal the disk refuses: the run ends failed; an action
        # caught mid-way stays "started", so recovery probes it on the next start.
        try:
            journal.finish_run(run_id, RunStatus.FAILED, error=exc)
        except JournalError:
            pass  # the journal cannot be written either: the run stays "applying" for recovery
        raise
    journal.finish_run(run_id, report.status, error=report.error)
    return report


def perform_actions(journal: Journal, run_id: int, actions: Sequence[Action],
                    capabilities: Mapping[str, Capability], *, on_progress: Progress | None = None,
                    cancel: Cancel | None = None, max_batch: int = MAX_BATCH, already_done: int = 0
                    ) -> ApplyReport:
    """Perform ``actions`` (all ``planned``) in journaled batches; does not finish the run.

    Also used by recovery to finish an interrupted plan (``already_done``
    counts the actions done before the crash, for progress).
    """
    total = already_done + len(actions)
    report = ApplyReport(run_id, RunStatus.APPLIED, already_done, total)
    batches = growing_batches(actions, max_batch)
    if not batches:
        return report
    if cancel is not None and cancel.is_set():
        report.status = RunStatus.CANCELLED
    else:
        # intents, before any effect
        journal.mark_actions(run_id, [a.seq for a in batches[0]], ActionStatus.STARTED)
    for k, batch in enumerate(batches):
        if report.status != RunStatus.APPLIED:
            break
        results: list[tuple[int, str, Any, Any, str]] = []
        following: list[int] = []
        try:
            _perform_batch(batch, capabilities, report, results, on_progress, cancel)
            going_on = report.status == RunStatus.APPLIED and k + 1 < len(batches)
            if going_on and not (cancel is not None and cancel.is_set()):
                following = [a.seq for a in batches[k + 1]]
            elif going_on:
                report.status = RunStatus.CANCELLED
        finally:
            # One commit: this batch's outcomes and the next batch's intents (still before its
            # effects). On an interrupt, what was done is written before it propagates.
            journal.record_outcomes(run_id, results, start_next=following)
    if report.status != RunStatus.APPLIED:
        journal.move_actions(run_id, (ActionStatus.PLANNED, ActionStatus.STARTED), ActionStatus.SKIPPED)
    return report


def _perform_batch(batch: Iterable[Action], capabilities: Mapping[str, Capability], report: ApplyReport,
                   results: list[tuple[int, str, Any, Any, str]], on_progress: Progress | None,
                   cancel: Cancel | None) -> None:
    """Perform one batch, appending outcome rows; stops (setting ``report``) at the first error."""
    for action in batch:
        if cancel is not None and cancel.is_set():
            report.status = RunStatus.CANCELLED
            return
        cap = capabilities.get(action.capability)
        try:
            if cap is None:
                raise GrantError(f"The plan needs {action.capability!r}, which this run was not granted.",
                                 "Preview the chore again with that grant.")
            cap.verify(action)
        except ErrandError as exc:  # never started: the action is skipped, with the reason
            results.append((action.seq, ActionStatus.SKIPPED, None, exc, now()))
            _stop(report, action, exc)
            return
        try:
            outcome = cap.perform(action)
        except ErrandError as exc:
            results.append((action.seq, ActionStatus.FAILED, None, exc, now()))
            _stop(report, action, exc)
            return
        except OSError as exc:
            error = BackendError(f"{action.summary or action.op}: {exc.strerror or exc}.",
                                 "Check the disk and permissions; what was done so far can be undone.")
            results.append((action.seq, ActionStatus.FAILED, None, error, now()))
            _stop(report, action, error)
            return
        results.append((action.seq, ActionStatus.DONE, outcome, None, now()))
        report.done += 1
        if on_progress is not None:
            on_progress(report.done, report.total)


def _stop(report: ApplyReport, action: Action, error: ErrandError) -> None:
    report.status = RunStatus.FAILED
    report.stopped_at = action.seq
    report.error = error
