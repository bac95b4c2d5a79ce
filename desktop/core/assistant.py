"""The facade every front end uses: chores (plan, preview, finish), history, undo, automations.

The CLI, the window and automations all call this module's named methods;
none of them touches the sandbox, the capabilities or the journal directly.
A chore moves through ``plan_chore``/``script_chore`` → ``preview_chore`` →
``finish_chore`` (the policies live in ``desktop.core.chore``). Approval is a
callback (``approve(preview) -> bool``): the CLI answers with a prompt, the
window with its Approve button, an automation with its standing approval.
Progress and printed lines arrive through plain callbacks, so this module
knows nothing of Qt; whoever watches folders in this process registers its
own-writes guard (``watch_own_writes``), so nothing here looks a module up.

Preview runs the script once in the sandbox (reads real, writes simulated);
apply carries out exactly that preview's plan without running the script
again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from typing import TYPE_CHECKING, Any, cast

from capabilities.base import Grant, RunContext
from capabilities.budget import Budget, BudgetExceeded, Budgets
from capabilities.dispatch import Dispatcher
from capabilities.engine.apply import Cancel, apply_plan, spool_content
from capabilities.engine.recovery import RecoveryReport, recover
from capabilities.engine.undo import (
    RetentionReport,
    UndoReport,
    action_of,
    capabilities_for_run,
    prune_holding,
    undo_run,
    undoable_batches,
)
from capabilities.errors import ErrandError
from capabilities.folders.holding import Holding
from capabilities.folders.overlay import FolderView
from capabilities.journal import Journal
from capabilities.plan import Action
from capabilities.registry import instantiate
from capabilities.status import RunStatus
from desktop.core import chore as chores
from desktop.core import paths
from desktop.core import saved_automations as automations
from desktop.core.chore import Approve, Chore
from desktop.core.grants import describe
from desktop.core.preview import Preview
from desktop.core.records import AutomationOverview, AutomationRow, Json, RunRow, Trigger
from desktop.core.report import JournalActions, RunReport
from desktop.core.services import default_services
from sandbox import Limits, Sandbox, ScriptError
from sandbox.build import Progress as BuildProgress

if TYPE_CHECKING:  # planning is imported only when a chore is planned
    from desktop.core.planning import Mode
    from desktop.core.settings import Settings

__all__ = ["Assistant", "Preview"]

Progress = Callable[[int, int], None]
# Wraps an apply or undo: "these changes are Errand's own" for the folder watchers of this process.
OwnWritesGuard = Callable[[Iterable[Action]], AbstractContextManager[None]]
_FREE_WAIT_SECONDS = 1.0  # for the sandbox to free a finished run's instance (it takes milliseconds)


class Assistant:
    """Owns the journal and the sandbox of one Errand process."""

    def __init__(self, journal: Journal | None = None, sandbox: Sandbox | None = None, *,
                 services: Mapping[str, Any] | None = None, limits: Limits | None = None,
                 progress: BuildProgress | None = None, keep_warm: bool = False,
                 budgets: Budgets | None = None, own_writes: list[OwnWritesGuard] | None = None) -> None:
        self._journal = journal
        self._sandbox = sandbox
        self._progress = progress
        self._keep_warm = keep_warm  # the app prepares each next sandbox instance ahead of need
        self.services = dict(services) if services is not None else default_services(lambda: self.journal)
        self.limits = limits or Limits()
        self.budgets = budgets or Budgets()  # what a run may make the host grow (capabilities.budget)
        self._lock = threading.Lock()
        self._own_writes = own_writes if own_writes is not None else []  # shared with companions

    def companion(self) -> Assistant:
        """An assistant for another thread of work (the automations behind the window): its own
        sandbox runs, the same journal, services and own-writes guards."""
        return Assistant(journal=self.journal, sandbox=self._sandbox, services=self.services,
                         limits=self.limits, budgets=self.budgets, own_writes=self._own_writes)

    def watch_own_writes(self, guard: OwnWritesGuard) -> None:
        """Register a guard every apply and undo runs inside (a folder watcher's own-writes record)."""
        if guard not in self._own_writes:
            self._own_writes.append(guard)

    @contextmanager
    def _guarded(self, actions: Iterable[Action]) -> Iterator[None]:
        with ExitStack() as stack:
            for guard in list(self._own_writes):
                stack.enter_context(guard(actions))
            yield

    def reload_settings(self) -> None:
        """New model or calendar in Settings: the next run's services (captions, passwords) use them."""
        self.services = default_services(lambda: self.journal)

    def record_exchange(self, exchange: Mapping[str, Any]) -> int:
        """Journal one exchange with a model (keys are ``Journal.add_exchange``'s); its id."""
        return self.journal.add_exchange(**exchange)

    # ---- chores: the one flow of every front end (policies in desktop.core.chore) ---------------

    def plan_chore(self, request: str, grants: Sequence[Grant], settings: Settings, *, mode: Mode = "auto",
                   allow_vision: bool = False, allow_file_names: bool = False,
                   recipe: str | None = None, cancel: Cancel | None = None) -> Chore:
        """A recipe (``recipe``: the one the person picked) or the model writes the chore's script; the
        grants it needs are completed."""
        return chores.plan(self, request, grants, settings, mode=mode, allow_vision=allow_vision,
                           allow_file_names=allow_file_names, recipe=recipe, cancel=cancel)

    def script_chore(self, script: str, grants: Sequence[Grant], *, request: str = "", summary: str = "",
                     planner: str = "script", inputs: Mapping[str, Json] | None = None) -> Chore:
        """A chore for a script given as is (``errand run``, a file opened in the window, an automation)."""
        return chores.from_script(script, grants, request=request, summary=summary, planner=planner,
                                  inputs=inputs)

    def preview_chore(self, chore: Chore, *, on_log: Callable[[str], None] | None = None,
                      cancel: Cancel | None = None) -> Preview:
        """Preview the chore (writes simulated); a model's failed script may get a repair round."""
        return chores.preview(self, chore, on_log=on_log, cancel=cancel)

    def rename_change(self, chore: Chore, seq: int, name: str,
                      relies: Mapping[int, set[int]] | None = None) -> Action:
        """Give change ``seq`` of the previewed chore the person's new ``name`` (refused with the reason
        when the name is not allowed, clashes, or a later change needs the old one); the edited change.
        ``relies``: the plan's ``capabilities.engine.subset.needs``, when the caller keeps it already."""
        return chores.rename_change(chore, seq, name, relies)

    def finish_chore(self, chore: Chore, *, approve: Approve | None, preview_only: bool = False,
                     on_progress: Progress | None = None, cancel: Cancel | None = None,
                     trigger: Trigger | None = None, leave_out: Collection[int] = ()) -> RunReport:
        """Journal the previewed chore, ask ``approve``, apply, then the after-apply steps
        (``leave_out``: the seqs of changes the person unticked; the rest is the run)."""
        return chores.finish(self, chore, approve=approve, preview_only=preview_only,
                             on_progress=on_progress, cancel=cancel, trigger=trigger, leave_out=leave_out)

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
                          protected=paths.protected_dirs(), budget=Budget(self.budgets))

    # ---- preview → approve → apply -------------------------------------------------------

    def preview(self, script: str, grants: Sequence[Grant], *, request: str = "", summary: str = "",
                planner: str = "script", model: str | None = None, inputs: Mapping[str, Any] | None = None,
                on_log: Callable[[str], None] | None = None, cancel: Cancel | None = None,
                exchanges: Sequence[int] = ()) -> Preview:
        """Run ``script`` with writes simulated; return the plan it produced."""
        import time

        context = self.new_context()
        context.deadline = time.monotonic() + self.limits.wall_seconds
        caps = instantiate(grants, context)
        dispatcher = Dispatcher(caps)
        freed = threading.Event()
        outcome = self.sandbox.run(script, dispatcher, manifest=dispatcher.manifest(),
                                   inputs=dict(inputs or {}), limits=self.limits, on_log=on_log,
                                   cancel=cancel, freed=freed)
        context.budget.end()  # a host call still working for this run stops at its next check
        _end_planning(context, freed if outcome.ok else None)
        if outcome.ok and outcome.result is not None:
            _charge_result(context, outcome.result)  # the journal keeps what the script returned
        spent = context.budget.spent
        if spent is not None and outcome.ok:  # swallowed on the way (a batch call keeps going)
            outcome.error = ScriptError("LimitExceeded", spent[0], hint=spent[1], limit=spent[2])
        if outcome.ok:
            outcome.log.extend(context.plan.left_alone_lines())  # shown and journaled with the preview
        return Preview(script, list(grants), context.plan, outcome, caps, request, summary, planner, model,
                       list(exchanges))

    def apply(self, preview: Preview, *, approve: Approve | None = None, preview_only: bool = False,
              on_progress: Progress | None = None, cancel: Cancel | None = None,
              trigger: str | Mapping[str, Any] | None = None) -> RunReport:
        """Journal the preview as a run; unless refused or preview-only, carry out its plan."""
        journal = self.journal
        run_id = journal.start_run(preview.request, preview.script, preview.grants, summary=preview.summary,
                                   model=preview.model, planner=preview.planner, trigger=trigger)
        try:
            return self._apply(run_id, preview, approve, preview_only, on_progress, cancel)
        except BaseException as exc:  # never leave the run "previewing": close it, then say which run
            if journal.run(run_id)["status"] == RunStatus.PREVIEWING:
                journal.finish_run(run_id, RunStatus.CANCELLED if isinstance(exc, KeyboardInterrupt)
                                   else RunStatus.FAILED,
                                   error=exc)
            exc.run_id = run_id  # type: ignore[attr-defined]
            raise

    def _apply(self, run_id: int, preview: Preview, approve: Approve | None, preview_only: bool,
               on_progress: Progress | None, cancel: Any) -> RunReport:
        journal = self.journal
        if preview.exchanges:
            journal.attach_exchanges(preview.exchanges, run_id)
        journal.add_log(run_id, preview.outcome.log)
        if preview.ok and preview.plan.left_alone:  # a partial run says so in its row, not only its log
            journal.update_run(run_id, left_alone=preview.plan.left_alone)
        if not preview.ok:
            error = preview.outcome.error
            cancelled = error is not None and error.limit == "cancelled"  # the sandbox's limit name
            declined = error is not None and error.type == "NotImplementedError"  # "cannot be done"
            status = (RunStatus.CANCELLED if cancelled else RunStatus.NOT_DONE if declined
                      else RunStatus.FAILED)
            journal.finish_run(run_id, status, error=error.to_json() if error else None)
            return self._report(run_id, preview)
        spool_content(preview.plan, preview.capabilities)  # the journal keeps references, not content
        journal.save_plan(run_id, preview.plan)
        if preview_only:
            journal.finish_run(run_id, RunStatus.PREVIEWED, result=preview.outcome.result)
            _drop_planned(preview.plan)
            return self._report(run_id, preview)
        if len(preview.plan) and approve is not None and not approve(preview):
            journal.finish_run(run_id, RunStatus.REFUSED, result=preview.outcome.result)
            _drop_planned(preview.plan)
            return self._report(run_id, preview)
        for cap in preview.capabilities.values():
            # The preview's deadline has passed while the person read the plan; apply's network
            # calls get their own per-call budget (RunContext.remaining's default).
            cap.context.deadline = None
        journal.update_run(run_id, result=preview.outcome.result)  # apply_plan's close keeps it
        with self._guarded(preview.plan):
            apply_plan(journal, run_id, preview.plan, preview.capabilities, on_progress=on_progress,
                       cancel=cancel, allow_flagged=preview.allowed_flagged)
        _drop_planned(preview.plan)
        return self._report(run_id, preview)

    def _report(self, run_id: int, preview: Preview) -> RunReport:
        return RunReport.from_journal(self.journal.run(run_id), self._shown_actions(run_id),
                                      preview.outcome.log, grant_texts=preview.grant_texts())

    def _shown_actions(self, run_id: int) -> JournalActions:
        """A run's actions as its report shows them, read a page at a time when gone through (a run of
        100,000 actions read whole would cost hundreds of MB for a report that shows 200 rows)."""
        journal = self.journal

        def page(after: int, limit: int) -> list[dict[str, Any]]:
            return journal.report_actions(run_id, after=after, limit=limit)

        return JournalActions(page, journal.action_counts(run_id))

    # ---- automations (the store is desktop.core.saved_automations; the runner takes a companion) --

    def automations(self) -> list[AutomationOverview]:
        """Every saved automation with its status and last run (``automations.overview``)."""
        return automations.overview(self.journal)

    def has_automations(self) -> bool:
        return bool(self.journal.automations())

    def save_automation(self, name: str, watch_dir: str, *, from_run: int | None = None, script: str = "",
                        grants: Sequence[Grant] = (), request: str = "", pattern: str = "*",
                        events: Iterable[str] = ("created",), include_existing: bool = False
                        ) -> AutomationOverview:
        """Save an automation from an applied run (``from_run``: its request, script and grants) or a
        script; its overview row."""
        if from_run is not None:
            saved = automations.add_from_run(self.journal, name, from_run, watch_dir, pattern=pattern,
                                             events=events, include_existing=include_existing)
        else:
            saved = automations.add(self.journal, name, watch_dir, script, grants, request=request,
                                    pattern=pattern, events=events, include_existing=include_existing)
        return next(r for r in automations.overview(self.journal) if r["id"] == saved["id"])

    def change_automation(self, what: str, name: str | int) -> AutomationRow:
        """``pause``, ``resume`` or ``remove`` one automation (by name or id); its row as it was."""
        change = {"pause": automations.pause, "resume": automations.resume, "remove": automations.remove}
        return change[what](self.journal, name)

    def mark_outputs_seen(self, plan: Iterable[Action], run_id: int) -> None:
        """Record what a run wrote into watched folders as Errand's own (after every apply)."""
        automations.mark_outputs_seen(self.journal, plan, run_id)

    # ---- history, undo, recovery ---------------------------------------------------------

    def history(self, limit: int = 100) -> list[RunRow]:
        return cast("list[RunRow]", self.journal.runs(limit))

    def caption_cache_size(self) -> int:
        """How many picture descriptions from a vision model are kept for reuse."""
        return self.journal.caption_count()

    def clear_caption_cache(self) -> int:
        """Forget the kept picture descriptions (a wrong one would otherwise be reused for good)."""
        return self.journal.clear_captions()

    def run_state(self, run_id: int) -> tuple[str, dict[str, int]]:
        """A run's status and its actions counted by status (an unknown run raises JournalError)."""
        return self.journal.run(run_id)["status"], self.journal.action_counts(run_id)

    def automation_ledger(self) -> Journal:
        """The journal as the automation runner's ledger (automations, seen files, their runs): the
        one part of the core that keeps its own records there, named so no other caller reaches in."""
        return self.journal

    def run_actions(self, run_id: int) -> list[dict[str, Any]]:
        """A run's journaled actions, in order."""
        return self.journal.actions(run_id)

    def all_exchanges(self) -> list[dict[str, Any]]:
        """Every exchange with a model this journal holds, attached to a run or not."""
        return self.journal.all_exchanges()

    def close(self) -> None:
        """Close the journal (the sandbox belongs to whoever passed it in, or lives as long as we do)."""
        with self._lock:
            if self._journal is not None:
                self._journal.close()
                self._journal = None

    def show(self, run_id: int) -> RunReport:
        run = self.journal.run(run_id)
        grants = [Grant.from_json(g) for g in run.get("grants") or []]
        return RunReport.from_journal(run, self._shown_actions(run_id), self.journal.logs(run_id),
                                      grant_texts=[_safe_describe(g) for g in grants])

    def undo(self, run_id: int, action: int | None = None, on_progress: Progress | None = None) -> UndoReport:
        caps = capabilities_for_run(self.journal, run_id, holding=paths.holding_dir(),
                                    protected=paths.protected_dirs())
        for cap in caps.values():
            cap.context.services.update(self.services)
        with self._guarded(_UndoTargets(self.journal, run_id, action)):
            return undo_run(self.journal, run_id, caps, action=action, on_progress=on_progress)

    def interrupted(self) -> list[RunRow]:
        """Runs a crash left half-applied or half-undone (what ``errand recover`` would take up)."""
        from capabilities.engine.recovery import interrupted_runs

        return cast("list[RunRow]", interrupted_runs(self.journal))

    def tidy_holding(self) -> RetentionReport:
        """Apply the holding area's retention rule; never drops what an undo still needs."""
        return prune_holding(self.journal, paths.holding_dir())

    def recover(self, finish: bool = False) -> list[RecoveryReport]:
        """Roll back (or finish) runs a crash left half-applied."""
        return recover(self.journal, lambda grants: instantiate(grants, self.new_context()), finish=finish)


class _UndoTargets:
    """The actions an undo is about to reverse, for the own-writes guards: read from the journal batch
    by batch each time they are iterated (a guard that is never given any reads nothing; a
    100,000-action run is never all in memory)."""

    def __init__(self, journal: Journal, run_id: int, only: int | None) -> None:
        self.journal, self.run_id, self.only = journal, run_id, only

    def __iter__(self) -> Iterator[Action]:
        for batch in undoable_batches(self.journal, self.run_id, only=self.only):
            yield from (action_of(row) for row in batch)


def _charge_result(context: RunContext, result: Any) -> None:
    import json

    with suppress(BudgetExceeded):  # recorded as ``spent``, which ends the preview just below
        context.budget.charge_journal(len(json.dumps(result, default=str)))


def _end_planning(context: RunContext, freed: threading.Event | None) -> None:
    """The script is over: the planned folder tree goes, then the plan's compact changes become its
    actions, once the guest's memory is given back (``freed``), so a plan of 100,000 renames is never
    whole beside the script and the tree that made it (``ActionPlan.defer``). A run that failed
    (``freed`` None: it may have been abandoned, its instance still held) does not wait."""
    found = context.services.get("folders")
    if isinstance(found, FolderView):
        found.end_run()
    if context.plan.deferred:
        if freed is not None:
            freed.wait(_FREE_WAIT_SECONDS)
        context.plan.settle()


def _drop_planned(plan: Iterable[Action]) -> None:
    """The run is over: the text its preview kept for apply is not needed any more."""
    refs = [a.detail["content"] for a in plan if isinstance(a.detail.get("content"), str)]
    if refs:
        Holding(paths.holding_dir()).drop_content(refs)


def _safe_describe(grant: Grant) -> str:
    try:
        return describe(grant)
    except (KeyError, ErrandError):
        return f"{grant.capability} {grant.target}".strip()
