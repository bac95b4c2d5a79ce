"""Apply: carry out exactly a previewed plan, journaling intent before effect and outcome after.

The script does not run again: apply walks the plan's actions in order and,
for each, asks its capability to ``verify`` (the source is as the preview saw
it) and then ``perform`` it. A ``SourceChanged`` (or any known error) stops the
apply cleanly: actions already done stay journaled and undoable, the rest are
marked ``skipped``. A set ``cancel`` event stops it between two actions the
same way (status ``cancelled``).

A change that could make a program run (``capabilities.risk``: a shell
start-up file, an autostart item, a script) is carried out only if the
person approved it explicitly, on top of the plan: its ``seq`` must be in
``allow_flagged``. Otherwise nothing at all is done and the run ends
``refused`` with a ``NeedsApproval`` naming each such change. This is checked
here, in the one path every front end's apply goes through.

Journaling in batches: the intents of a batch (status ``started``) are
committed *before* any of its effects, and the batch's outcomes (``done`` +
what undoes each) after them — in the same transaction as the next batch's
intents, so each batch costs one commit (one fsync). A crash in between
leaves ``started`` actions, which ``recovery`` resolves with each
capability's ``probe``. Batches grow 1, 2, 4 … up to ``max_batch``, so a
three-action plan journals almost per action while a 10,000-action plan pays
for 14 commits, not 20,000 (``capabilities.journal.batches``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import PurePosixPath
from typing import Any, Protocol

from capabilities.base import Capability
from capabilities.engine.collector import plan_frozen
from capabilities.errors import BackendError, ErrandError, GrantError, NeedsApproval, SourceChanged
from capabilities.folders.holding import Holding
from capabilities.journal import Journal, JournalError, now
from capabilities.journal.batches import MAX_BATCH, growing_batches
from capabilities.journal.owner import owner_token
from capabilities.plan import Action, ActionPlan
from capabilities.risk import flagged
from capabilities.status import ActionStatus, RunStatus

__all__ = ["ApplyReport", "Cancel", "apply_plan", "perform_actions", "spool_content", "unapproved",
           "within_preview"]

Progress = Callable[[int, int], None]


class Cancel(Protocol):
    """Anything with ``is_set()`` — a ``threading.Event`` is the usual one."""

    def is_set(self) -> bool: ...


@dataclass
class ApplyReport:
    """How an apply ended: ``status`` is ``applied``, ``failed``, ``cancelled`` or ``refused``."""

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
               cancel: Cancel | None = None, max_batch: int = MAX_BATCH,
               allow_flagged: Collection[int] = ()) -> ApplyReport:
    """Carry out ``plan`` for run ``run_id`` and finish the run (saves the plan if the preview did not).

    ``allow_flagged``: the seqs of flagged changes the person approved explicitly.
    """
    actions = list(plan)
    journal.run(run_id)  # a clear error if there is no such run
    counts = journal.action_counts(run_id)
    stored = sum(counts.values())
    if stored == 0 and actions:
        spool_content(actions, capabilities)
        journal.save_plan(run_id, actions)
    elif stored != len(actions):
        raise ErrandError(f"Run {run_id} has {stored} planned actions in the journal, not {len(actions)}.",
                          "Preview the chore again and apply that preview.")
    elif counts.get(ActionStatus.PLANNED, 0) != stored:
        raise ErrandError(f"Run {run_id} has already been applied; applying it again could do things twice.",
                          "Preview the chore again to start a new run.")
    refused = unapproved(actions, allow_flagged)
    if refused is not None:
        journal.finish_run(run_id, RunStatus.REFUSED, error=refused)
        return ApplyReport(run_id, RunStatus.REFUSED, 0, len(actions), error=refused)
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


def spool_content(actions: Iterable[Action], capabilities: Mapping[str, Capability]) -> None:
    """Before a plan is journaled: its planned content goes to the run's holding area, by reference."""
    by_holding: dict[Any, list[dict[str, Any]]] = {}
    for action in actions:
        cap = capabilities.get(action.capability)
        if isinstance(action.detail.get("data"), bytes) and cap is not None and cap.context.holding:
            by_holding.setdefault(cap.context.holding, []).append(action.detail)
    for holding, details in by_holding.items():
        Holding(holding).spool(details)  # all at once: identical content is kept once


def unapproved(actions: Sequence[Action], allow_flagged: Collection[int]) -> NeedsApproval | None:
    """The refusal for flagged changes not in ``allow_flagged``, or None when all were approved."""
    missing = {seq: why for seq, why in flagged(actions).items() if seq not in allow_flagged}
    if not missing:
        return None
    by_seq = {a.seq: a for a in actions}
    listed = "; ".join(f"#{seq} {by_seq[seq].summary} ({why})" for seq, why in list(missing.items())[:5])
    more = f"; and {len(missing) - 5} more" if len(missing) > 5 else ""
    n = len(missing)
    return NeedsApproval(
        f"Nothing was changed: {n} change{'s' if n != 1 else ''} could make a program run and "
        f"{'were' if n != 1 else 'was'} not approved on {'their' if n != 1 else 'its'} own: {listed}{more}.",
        "Look at those changes closely. Apply them only if you expected them, by approving them "
        "explicitly as well as the plan.")


def perform_actions(journal: Journal, run_id: int, actions: Sequence[Action],
                    capabilities: Mapping[str, Capability], *, on_progress: Progress | None = None,
                    cancel: Cancel | None = None, max_batch: int = MAX_BATCH, already_done: int = 0
                    ) -> ApplyReport:
    """Perform ``actions`` (all ``planned``) in journaled batches; does not finish the run.

    Also used by recovery to finish an interrupted plan (``already_done``
    counts the actions done before the crash, for progress).
    """
    with plan_frozen():
        return _perform_all(journal, run_id, actions, capabilities, on_progress, cancel, max_batch,
                            already_done)


def _perform_all(journal: Journal, run_id: int, actions: Sequence[Action],
                 capabilities: Mapping[str, Capability], on_progress: Progress | None,
                 cancel: Cancel | None, max_batch: int, already_done: int) -> ApplyReport:
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


def _perform_batch(batch: Sequence[Action], capabilities: Mapping[str, Capability], report: ApplyReport,
                   results: list[tuple[int, str, Any, Any, str]], on_progress: Progress | None,
                   cancel: Cancel | None) -> None:
    """Perform one batch, appending outcome rows; stops (setting ``report``) at the first error."""
    i = 0
    while i < len(batch):
        if cancel is not None and cancel.is_set():
            report.status = RunStatus.CANCELLED
            return
        action = batch[i]
        cap = capabilities.get(action.capability)
        if cap is not None:
            # Many at once where the capability can (a large rename), checked the same way.
            outcomes = cap.carry_out_leading(batch, i, partial(within_preview, cap))
            if outcomes:
                stamp = now()
                for done, outcome in zip(batch[i:i + len(outcomes)], outcomes, strict=True):
                    results.append((done.seq, ActionStatus.DONE, outcome, None, stamp))
                i += len(outcomes)
                _count_done(report, len(outcomes), on_progress)
                continue
        if not _perform_one(action, cap, report, results):
            return
        _count_done(report, 1, on_progress)
        i += 1


def _perform_one(action: Action, cap: Capability | None, report: ApplyReport,
                 results: list[tuple[int, str, Any, Any, str]]) -> bool:
    """Verify and perform one action, appending its outcome row; False (``report`` set) if it stopped."""
    try:
        if cap is None:
            raise GrantError(f"The plan needs {action.capability!r}, which this run was not granted.",
                             "Preview the chore again with that grant.")
        cap.verify(action)
        within_preview(cap, action)
    except ErrandError as exc:  # never started: the action is skipped, with the reason
        results.append((action.seq, ActionStatus.SKIPPED, None, exc, now()))
        _stop(report, action, exc)
        return False
    try:
        outcome = cap.perform(action)
    except ErrandError as exc:
        results.append((action.seq, ActionStatus.FAILED, None, exc, now()))
        _stop(report, action, exc)
        return False
    except OSError as exc:
        error = BackendError(f"{action.summary or action.op}: {exc.strerror or exc}.",
                             "Check the disk and permissions; what was done so far can be undone.")
        results.append((action.seq, ActionStatus.FAILED, None, error, now()))
        _stop(report, action, error)
        return False
    results.append((action.seq, ActionStatus.DONE, outcome, None, now()))
    return True


def _count_done(report: ApplyReport, n: int, on_progress: Progress | None) -> None:
    report.done += n
    if on_progress is not None:
        on_progress(report.done, report.total)


def within_preview(cap: Capability, action: Action) -> None:
    """Refuse an action that would touch more than its preview showed the person.

    Two checks, for every capability. A capability with ``reach_<op>``
    counts what performing the action would touch *now* (a calendar: the
    VEVENTs under the event's id), which may not exceed what the preview
    counted (``detail["reach"]``, one thing unless it says otherwise). And
    where the preview showed paths (``before``/``after``), the paths the
    action will use (``detail`` ``src``/``dst``/``path``) must name the same
    files: one target, of the same name.
    """
    count = getattr(cap, f"reach_{action.op}", None)
    detail = action.detail
    shown = int(detail.get("reach", 1))
    if count is not None and (now := int(count(action))) > shown:
        raise SourceChanged(f"“{action.summary}” would now touch {now} items where the preview showed "
                            f"{shown}; Errand did nothing of it.",
                            "Preview the chore again to see what it would change now.")
    for words, keys in ((action.before, _BEFORE_KEYS), (action.after, _AFTER_KEYS)):
        if not isinstance(words, str):
            continue
        target = None
        for key in keys:  # (a loop, not next() over a generator: this runs for every action)
            if key in detail:
                target = detail[key]
                break
        if target is not None and not _same_file(words, target):
            raise SourceChanged(f"“{action.summary}” would act on {target!r}, not on {words!r} as the "
                                "preview showed; Errand did nothing of it.",
                                "Preview the chore again; if this repeats, report it as a bug.")


_BEFORE_KEYS = ("src", "path")
_AFTER_KEYS = ("dst", "path")


def _same_file(shown: str, target: Any) -> bool:
    """Whether the path a preview showed and the one an action holds end in the same name."""
    if not isinstance(target, str):
        return False  # a list or a pattern is many targets, never what one line of a preview showed
    last = shown.rstrip("/").rpartition("/")[2]  # a backslash is part of a POSIX name, not a separator
    if not last or last in (".", ".."):
        return True  # no name to compare with
    if target.rpartition("/")[2] == last:
        return True  # the very same last name (what pathlib would find too): no need to normalize
    return unicodedata.normalize("NFC", PurePosixPath(target).name) == unicodedata.normalize("NFC", last)


def _stop(report: ApplyReport, action: Action, error: ErrandError) -> None:
    report.status = RunStatus.FAILED
    report.stopped_at = action.seq
    report.error = error
