"""Crash recovery: find runs cut short mid-apply or mid-undo and roll them back or finish them.

Apply writes each batch's intents (``started``) before its effects, and undo
its intents (``undoing``); a crash leaves those behind, on a run whose owner
process is gone. For each such action the capability's ``probe`` says
whether the effect is on disk, and may give back the outcome ``perform``
would have returned (lost with the crash) so that undo has what it needs.
Then the run is rolled back (the default: every done action undone, last
first) or, with ``finish=True``, the rest of the plan is carried out. A run
cut short mid-undo is always taken to the end of its undo.

An action whose probe cannot tell is tried for undo on rollback (undo
refuses, with its reason, if the effect is not there) and stops a finish,
since doing it twice could lose data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from capabilities.base import Capability, Grant
from capabilities.engine.apply import perform_actions
from capabilities.engine.undo import UndoReport, undo_actions
from capabilities.errors import ErrandError
from capabilities.journal import Journal, now
from capabilities.journal.owner import is_alive, owner_token
from capabilities.plan import Action
from capabilities.status import ActionStatus, RunStatus

__all__ = ["RecoveryReport", "interrupted_runs", "recover"]

BuildCapabilities = Callable[[Sequence[Grant]], Mapping[str, Capability]]


@dataclass
class RecoveryReport:
    """What recovery did to one interrupted run."""

    run_id: int
    action: str  # "rolled_back" | "finished" | "undo_finished" | "none" (could not start: see error)
    status: str  # the run's status afterwards
    undone: int = 0
    done: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)  # actions whose probe could not tell
    error: ErrandError | None = None


def interrupted_runs(journal: Journal) -> list[dict[str, Any]]:
    """Runs left mid-apply or mid-undo by a process that is gone (what the app checks at start)."""
    return [r for r in journal.unfinished_runs() if not is_alive(r["owner"])]


def recover(journal: Journal, build_capabilities: BuildCapabilities, *,
            finish: bool = False) -> list[RecoveryReport]:
    """Roll back (or with ``finish`` complete) every interrupted run; one report per run."""
    reports = []
    for run in interrupted_runs(journal):
        grants = [Grant.from_json(g) for g in run["grants"] or []]
        try:
            caps = build_capabilities(grants)
        except ErrandError as exc:  # e.g. a calendar whose password is gone: the other runs go on
            reports.append(RecoveryReport(int(run["id"]), "none", run["status"], error=exc))
            continue
        reports.append(_recover_run(journal, run, caps, finish))
    return reports


def _recover_run(journal: Journal, run: Mapping[str, Any], caps: Mapping[str, Capability],
                 finish: bool) -> RecoveryReport:
    run_id = int(run["id"])
    mid_undo = run["status"] == "undoing" or bool(journal.action_counts(run_id).get("undoing"))
    journal.claim_run(run_id, owner_token(),
                      RunStatus.UNDOING if (mid_undo or not finish) else RunStatus.APPLYING)
    unknown = _resolve(journal, run_id, caps, finish and not mid_undo)
    if finish and not mid_undo:
        return _finish(journal, run_id, caps, unknown)
    journal.move_actions(run_id, (ActionStatus.PLANNED,), ActionStatus.SKIPPED)
    undo = UndoReport(run_id)
    undo_actions(journal, run_id, caps, undo)
    status = RunStatus.UNDONE if mid_undo else RunStatus.ROLLED_BACK
    if undo.refused:
        status = RunStatus.PARTLY_UNDONE
    journal.finish_run(run_id, status, error=run["error"])
    journal.add_log(run_id, f"Recovered after an interruption: {undo.undone} action(s) undone"
                            f"{f', {len(undo.refused)} refused' if undo.refused else ''}.")
    return RecoveryReport(run_id, "undo_finished" if mid_undo else "rolled_back", status,
                          undone=undo.undone, refused=undo.refused, unknown=unknown)


def _resolve(journal: Journal, run_id: int, caps: Mapping[str, Capability], finishing: bool) -> list[int]:
    """Ask ``probe`` about every action caught mid-way; journal the answers. Returns the unknown ones."""
    outcomes: list[tuple[int, str, Any, Any, str]] = []
    unknown: list[int] = []
    for row in journal.actions(run_id, statuses=(ActionStatus.STARTED, ActionStatus.UNDOING)):
        cap = caps.get(row["capability"])
        answer = None if cap is None else cap.probe(Action.from_json(row))
        # A probe may answer with the outcome perform would have returned (it was lost in the crash).
        happened, found = (True, dict(answer)) if isinstance(answer, Mapping) else (answer, None)
        if happened is None:
            unknown.append(int(row["seq"]))
            if finishing:  # doing it again could do it twice: stop the finish here
                outcomes.append((row["seq"], ActionStatus.FAILED, None, _unknown_error(row), now()))
                continue
            happened = True  # on rollback, let undo check and refuse if it is not there
        if row["status"] == ActionStatus.STARTED:
            status = ActionStatus.DONE if happened else ActionStatus.PLANNED
            outcomes.append((row["seq"], status, row["outcome"] or found or {}, None, now()))
        else:
            # its apply's outcome and time stay as they were
            status = ActionStatus.DONE if happened else ActionStatus.UNDONE
            outcomes.append((row["seq"], status, row["outcome"], None, row["finished"]))
    journal.record_outcomes(run_id, outcomes)
    undone = [(seq, "undone", None, at) for seq, st, _, _, at in outcomes if st == ActionStatus.UNDONE]
    if undone:
        journal.record_undos(run_id, undone)
    return unknown


def _finish(journal: Journal, run_id: int, caps: Mapping[str, Capability],
            unknown: list[int]) -> RecoveryReport:
    done = journal.action_counts(run_id).get(ActionStatus.DONE, 0)
    if unknown:
        error = ErrandError(f"Could not tell whether action {unknown[0]} happened before the interruption.",
                            "Check the files it names, then undo this run or finish it by hand.")
        journal.move_actions(run_id, (ActionStatus.PLANNED,), ActionStatus.SKIPPED)
        journal.finish_run(run_id, RunStatus.FAILED, error=error)
        return RecoveryReport(run_id, "finished", "failed", done=done, unknown=unknown, error=error)
    todo = [Action.from_json(r) for r in journal.actions(run_id, statuses=(ActionStatus.PLANNED,))]
    report = perform_actions(journal, run_id, todo, caps, already_done=done)
    journal.finish_run(run_id, report.status, error=report.error)
    journal.add_log(run_id, f"Finished after an interruption: {len(todo)} remaining action(s) carried out"
                            if report.ok else f"Finishing after an interruption stopped: {report.error}")
    return RecoveryReport(run_id, "finished", report.status, done=report.done, error=report.error)


def _unknown_error(row: Mapping[str, Any]) -> dict[str, str]:
    return {"type": "Unknown", "message": f"Could not tell whether “{row['summary'] or row['op']}” happened.",
            "hint": "Check the files it names."}
