"""Undo: reverse a run's actions (or one of them), journaling each undo; holding-area retention.

All undo logic lives here. ``undo_run`` walks the run's done actions in
reverse order and calls each capability's ``undo`` with the outcome apply
stored. An action whose result changed since (``UndoRefused``) is recorded
with its reason and the rest proceeds; it can be tried again later. Like
apply, intents (``undoing``) are committed before the effects, per batch, so
recovery can finish an undo cut short by a crash.

Undo after a restart works from the journal alone: ``capabilities_for_run``
rebuilds the capabilities from the grants the run stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from capabilities.base import Capability, Grant, RunContext
from capabilities.bytesize import size_text
from capabilities.engine.collector import plan_frozen
from capabilities.errors import ErrandError, UndoRefused, error_text
from capabilities.journal import Journal, JournalError, loads, now
from capabilities.journal.batches import MAX_BATCH, batch_sizes
from capabilities.journal.owner import is_alive, owner_token
from capabilities.plan import Action
from capabilities.status import ActionStatus, RunStatus

__all__ = ["RetentionReport", "UndoReport", "action_of", "capabilities_for_run", "prune_holding",
           "undo_actions", "undo_run", "undoable_batches"]

UNDOABLE = (ActionStatus.DONE, ActionStatus.UNDO_REFUSED)


@dataclass
class UndoReport:
    """``undone``: how many actions were reversed; ``refused``: ``(seq, reason)`` for the others."""

    run_id: int
    undone: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)


def capabilities_for_run(journal: Journal, run_id: int, *, holding: Path | None = None,
                         protected: tuple[Path, ...] = ()) -> dict[str, Capability]:
    """The capabilities of a past run, rebuilt from its stored grants (undo after a restart)."""
    from capabilities.registry import instantiate

    grants = [Grant.from_json(g) for g in journal.run(run_id)["grants"] or []]
    return instantiate(grants, RunContext(holding=holding, protected=protected))


def undo_run(journal: Journal, run_id: int, capabilities: Mapping[str, Capability], *,
             action: int | None = None, on_progress: Callable[[int, int], None] | None = None) -> UndoReport:
    """Undo run ``run_id`` (every done action, last first) or just its action ``action``."""
    run = journal.run(run_id)
    if run["status"] in (RunStatus.APPLYING, RunStatus.UNDOING) and is_alive(run["owner"]):
        doing = RunStatus.APPLIED if run["status"] == RunStatus.APPLYING else RunStatus.UNDONE
        raise ErrandError(f"Run {run_id} is being {doing} right now (by another window or an automation).",
                          "Wait for it to finish, then undo it.")
    counts = journal.action_counts(run_id)
    if counts.get(ActionStatus.STARTED) or counts.get(ActionStatus.UNDOING):
        raise ErrandError(f"Run {run_id} was interrupted part-way; some of its actions may or may not "
                          "have happened.",
                          "Run `errand recover` first: it checks each one and rolls the run back "
                          "(or `errand recover --finish` to complete it).")
    if action is not None and journal.action_status(run_id, action) not in UNDOABLE:
        raise _not_undoable(journal, run_id, action)
    journal.claim_run(run_id, owner_token(), RunStatus.UNDOING)
    report = UndoReport(run_id)
    try:
        undo_actions(journal, run_id, capabilities, report, only=action, on_progress=on_progress)
    finally:
        journal.finish_run(run_id, _status_after(journal, run_id, run["status"]), error=run["error"])
    return report


def undoable_batches(journal: Journal, run_id: int, *, only: int | None = None,
                     max_batch: int = MAX_BATCH) -> Iterator[list[dict[str, Any]]]:
    """A run's undoable actions (done, or undo refused before; rows: ``action_of`` makes each an
    ``Action``), last first, read from the journal in
    batches of 1, 2, 4 … ``max_batch`` (or just action ``only``): a 100,000-action run is never all
    in memory, and each action is read once.

    Each read starts below the previous batch's last ``seq``, so the statuses undo writes between
    two reads (``undoing``, ``undone``) do not move what the next read finds.
    """
    if only is not None:
        found = journal.actions_last_first(run_id, UNDOABLE, seq=only)
        if found:
            yield found
        return
    below: int | None = None
    for size in batch_sizes(max_batch):
        found = journal.actions_last_first(run_id, UNDOABLE, below=below, limit=size)
        if not found:
            return
        yield found
        below = int(found[-1]["seq"])


def action_of(row: Mapping[str, Any]) -> Action:
    """The action of a row ``undoable_batches`` gave (its ``args`` still JSON text)."""
    return Action.from_json({**row, "args": loads(row["args"])})


def undo_actions(journal: Journal, run_id: int, capabilities: Mapping[str, Capability], report: UndoReport,
                 *, only: int | None = None, on_progress: Callable[[int, int], None] | None = None) -> None:
    """Undo a run's undoable actions, last first (or just action ``only``), in journaled batches.

    Each batch's intents (``undoing``) are committed before its effects; its results are
    committed with the next batch's intents, in one transaction (one fsync per batch).
    """
    with plan_frozen():
        _undo_all(journal, run_id, capabilities, report, only, on_progress)


def _undo_all(journal: Journal, run_id: int, capabilities: Mapping[str, Capability], report: UndoReport,
              only: int | None, on_progress: Callable[[int, int], None] | None) -> None:
    total = 1 if only is not None else sum(journal.action_counts(run_id).get(s, 0) for s in UNDOABLE)
    batches = undoable_batches(journal, run_id, only=only)
    batch = next(batches, None)
    if batch:
        journal.mark_actions(run_id, [r["seq"] for r in batch], ActionStatus.UNDOING, column="undone_at")
    done = 0
    while batch:
        results: list[tuple[int, str, str | None, str]] = []
        following: list[dict[str, Any]] | None = None
        never_ran: list[int] = []
        started_end = 0  # past the last action whose undo may have begun
        try:
            i = 0
            while i < len(batch):
                cap = capabilities.get(batch[i]["capability"])
                started_end = len(batch)  # a call to C may begin any of the rest
                # Many at once where the capability can (a large rename), checked the same way.
                n = cap.reverse_leading(batch, i) if cap is not None else 0
                if n:
                    stamp = now()
                    results.extend((int(r["seq"]), ActionStatus.UNDONE, None, stamp) for r in batch[i:i + n])
                    report.undone += n
                else:
                    started_end, n = i + 1, 1
                    results.append(_undo_one(batch[i], capabilities, report))
                i += n
                done += n
                if on_progress is not None:
                    on_progress(done, total)
            following = next(batches, None)  # read before this batch's results are written
        except BaseException:
            # Interrupted: the undos under way stay "undoing" for recovery to probe; the ones
            # after them never started and are simply done again.
            never_ran = [r["seq"] for r in batch[started_end:]]
            raise
        finally:  # one commit: these results and the next batch's intents
            journal.record_undos(run_id, results, start_next=[r["seq"] for r in following or ()],
                                 never_ran=never_ran)
        batch = following


def _undo_one(row: Mapping[str, Any], capabilities: Mapping[str, Capability],
              report: UndoReport) -> tuple[int, str, str | None, str]:
    seq = int(row["seq"])
    cap = capabilities.get(row["capability"])
    try:
        if cap is None:
            raise UndoRefused(f"{row['capability']} is not available to undo this action.",
                              "Undo with the grants the run had.")
        cap.undo(action_of(row), row["outcome"] or {})
    except UndoRefused as exc:
        reason = error_text(exc)
    except (ErrandError, OSError) as exc:
        reason = f"{row['summary'] or row['op']}: {exc}"
    else:
        report.undone += 1
        return seq, "undone", None, now()
    report.refused.append((seq, reason))
    return seq, "refused", reason, now()


def _status_after(journal: Journal, run_id: int, previous: str) -> str:
    counts = journal.action_counts(run_id)
    if not counts.get("undone"):
        return previous if previous not in (RunStatus.UNDOING, RunStatus.APPLYING) else RunStatus.APPLIED
    return RunStatus.PARTLY_UNDONE if any(counts.get(s) for s in UNDOABLE) else RunStatus.UNDONE


def _not_undoable(journal: Journal, run_id: int, seq: int) -> JournalError:
    status = journal.action_status(run_id, seq)
    if status is None:
        return JournalError(f"Run {run_id} has no action {seq}.",
                            f"See `errand show {run_id}` for its actions.")
    return JournalError(f"Action {seq} of run {run_id} is {status}, so there is nothing to undo.",
                        "Only actions that were carried out can be undone.")


@dataclass
class RetentionReport:
    """What a clean-up of the holding area did, and what the person should be told."""

    dropped: list[str]  # ids removed (old or over the size limit, no undo needs them)
    kept_for_undo: int  # items still needed by an undo
    bytes_held: int  # size of the holding area afterwards
    max_bytes: int

    @property
    def over_limit(self) -> bool:
        return self.bytes_held > self.max_bytes

    def message(self) -> str:
        """Plain words for the person ("" when there is nothing to say)."""
        parts = []
        if self.dropped:
            parts.append(f"Removed {len(self.dropped)} old kept file(s) that no undo needs any more.")
        if self.over_limit:
            parts.append(f"The holding area uses {size_text(self.bytes_held)}, over its "
                         f"{size_text(self.max_bytes)} limit, because {self.kept_for_undo} kept item(s) "
                         "are needed to undo past runs; "
                         "they are kept until those runs can no longer be undone.")
        return " ".join(parts)


def prune_holding(journal: Journal, holding_dir: Path, *, max_bytes: int = 2 * 1024**3,
                  max_age_days: float = 30.0) -> RetentionReport:
    """Apply the holding area's retention rule (size and age), keeping every item an undo still needs.

    Items an undoable action points to are never dropped, however old or
    large; the report says so when they keep the area over its limit.
    """
    from capabilities.folders.holding import Holding

    holding = Holding(holding_dir)
    needed = journal.holding_ids_needed()
    dropped = holding.prune(max_bytes, max_age_days, needed)
    kept = sum(1 for hold_id in holding.ids() if hold_id in needed)
    return RetentionReport(dropped, kept, holding.size(), max_bytes)
