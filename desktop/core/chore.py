"""One chore from request to outcome, with every policy of the way in one place.

A :class:`Chore` is what a person asked for and everything that happened to
it: the request, who wrote the script (a recipe, the model, a file, a saved
automation), the script, the grants, the preview, the exchanges with the
model, the decisions Errand took and the outcome. Every front end moves it
through the same steps of :class:`~desktop.core.assistant.Assistant`, which calls
this module:

1. ``plan`` — a recipe or the model writes the script (``desktop.core.planning``;
   the model's static-check repairs happen there), and the grants it needs
   are completed; or ``from_script`` for a script given as is.
2. ``preview`` — the script runs with writes simulated. When a model's script
   fails, one repair round may follow (``repair_refusal`` says when not), and
   it sends only what ``desktop.core.repair_words`` allows.
   Before approving, the person may give a change another name (``rename_change``,
   checked by ``capabilities.engine.edit``): the edited plan is the one that follows.
3. ``finish`` — the run is journaled; the person is asked through the
   ``approve`` callback the front end supplies (a prompt, a click, a saved
   automation's standing approval); the plan is applied; then the steps after
   every apply run: the holding area's retention rule, and what the run wrote
   into watched folders is recorded as Errand's own (``outputs seen``; the
   in-process watchers are told through the hook they registered with the
   assistant, see ``Assistant.watch_own_writes``).

Where the front ends used to disagree, this module decides once: a script
refused for reaching outside its grant is *not* sent back for a rewrite (the
person sees the refusal), a failed repair keeps the first preview's error,
and retention runs after every applied run, automations included.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from capabilities.base import Grant
from capabilities.errors import ErrandError
from capabilities.status import ActionStatus, RunStatus
from desktop.core.preview import Preview, Previewer
from desktop.core.repair_words import repair_text

if TYPE_CHECKING:  # planning (recipes, the model) is imported only by a chore that is planned
    from capabilities.engine.apply import Cancel
    from capabilities.engine.undo import RetentionReport
    from capabilities.plan import Action
    from desktop.core.planner import PlannedScript
    from desktop.core.planning import GrantProblem, Mode
    from desktop.core.recipes import Param, Recipe
    from desktop.core.records import Json, Trigger
    from desktop.core.report import RunReport
    from desktop.core.settings import Settings

__all__ = ["MAX_PREVIEW_REPAIRS", "Approve", "Chore", "ChoreHost", "Decision", "always", "rename_change",
           "repair_refusal"]

MAX_PREVIEW_REPAIRS = 1  # model rounds after a failed preview (the static check's own are in the planner)
Approve = Callable[["Preview"], bool]

# Errors a rewrite must not paper over: the script reached outside its grant or for what the person
# withheld (the host reports those as PermissionError), or the sandbox was busy.
_NOT_FOR_REPAIR = {"PermissionError", "SandboxBusy", "NotImplementedError"}  # the last: "cannot be done"


class ChoreHost(Previewer, Protocol):
    """What the chore's way needs of the facade that moves it (``Assistant``): preview, journal the
    model's exchanges, apply, and the two steps after an apply."""

    def record_exchange(self, exchange: Mapping[str, Any]) -> int: ...

    def apply(self, preview: Preview, *, approve: Approve | None = None, preview_only: bool = False,
              on_progress: Callable[[int, int], None] | None = None, cancel: Cancel | None = None,
              trigger: str | Mapping[str, Any] | None = None) -> RunReport: ...

    def mark_outputs_seen(self, plan: Iterable[Action], run_id: int) -> None: ...

    def tidy_holding(self) -> RetentionReport: ...


def always(_preview: Preview) -> bool:
    """The approval of a front end that asked already (``--yes``, the Approve button, an automation).

    It approves the plan, never a flagged change (one that could make a program run): apply refuses
    those unless they were approved on their own (``Preview.allow_flagged``). For a run nobody
    watched, ``held_for_approval`` says what then follows.
    """
    return True


HELD = "held: "  # how an automation's paused_reason starts when one of its runs waits for the person


def held_for_approval(report: RunReport) -> str | None:
    """Why a run nobody watched (an automation's) must wait for the person, or None when it need not.

    Its plan held changes that could make a program run, and a standing approval does not cover them,
    so apply changed nothing. The automation is to pause at once with these words and tell the person
    (not count a failure and try the next file: a script could keep trying until one got through).
    """
    error = report.error
    if report.status != RunStatus.REFUSED or error is None or error.get("type") != "NeedsApproval":
        return None
    return (f"{HELD}run {report.run_id} needs your approval. {error.get('message', '')} Look at that run in "
            "History; if you expected those changes, run the chore yourself and approve them on their "
            "own, then resume the automation.")


@dataclass(frozen=True)
class Decision:
    """One thing Errand decided on the chore's way, in plain words (``step``: plan, repair, review,
    approval, retention, outputs)."""

    step: str
    text: str


@dataclass
class Chore:
    """A chore and everything that happened to it so far."""

    request: str
    script: str
    grants: list[Grant]
    summary: str = ""
    planner: str = "script"  # "recipe:<name>", "model", "script" (a file) or "automation"
    model: str | None = None
    settings: Settings | None = None  # the model settings it was planned with (a repair uses them)
    needed: set[str] = field(default_factory=set)  # capabilities the script uses (empty: unknown)
    problems: list[GrantProblem] = field(default_factory=list)  # what still stands in the way
    inputs: dict[str, Json] = field(default_factory=dict)
    missing: list[Param] = field(default_factory=list)  # recipe parameters still to ask for
    recipe: Recipe | None = None  # the recipe that wrote the script
    share_details: bool = False  # the person allowed file names (and error texts) to go to the model
    planned: PlannedScript | None = None  # the model's answer, kept for a repair after the preview
    exchanges: list[int] = field(default_factory=list)  # journaled exchanges with the model, in order
    preview: Preview | None = None
    repairs: int = 0
    decisions: list[Decision] = field(default_factory=list)
    report: RunReport | None = None
    retention: RetentionReport | None = None

    @property
    def title(self) -> str:
        return self.recipe.title if self.recipe else ""

    @property
    def ready(self) -> bool:
        """Nothing stands between the chore and its preview."""
        return bool(self.script) and not self.missing and not self.problems

    def decide(self, step: str, text: str) -> None:
        self.decisions.append(Decision(step, text))


# ---- 1. plan -------------------------------------------------------------------------------------

def plan(assistant: ChoreHost, request: str, grants: Sequence[Grant], settings: Settings, *,
         mode: Mode = "auto", allow_vision: bool = False, allow_file_names: bool = False,
         recipe: str | None = None, cancel: Cancel | None = None) -> Chore:
    """Plan ``request``: a recipe that matches well, else the model; the grants it needs completed."""
    from desktop.core import planning

    share = allow_file_names or settings.allow_file_names
    looked: list[str] = []

    def explore() -> str:
        from desktop.core.exploration import folder_summary

        looked.append(folder_summary(assistant, grants))
        return looked[-1]

    found = planning.plan_request(request, list(grants), settings, mode=mode,
                                  record_exchange=assistant.record_exchange, allow_file_names=share,
                                  recipe=recipe, explore=explore, cancel=cancel)
    approved, problems = planning.complete_grants(found, grants, settings, allow_vision=allow_vision)
    chore = Chore(request, found.script, list(approved), summary=found.summary, planner=found.planner,
                  model=found.model, settings=settings, needed=set(found.needed), problems=problems,
                  inputs=dict(found.inputs), missing=list(found.missing_params),
                  recipe=found.recipe, share_details=share,
                  planned=found.planned, exchanges=list(found.exchanges))
    if looked and looked[-1]:
        chore.decide("explore", "told the model what the folders hold, in numbers (no names): "
                     + looked[-1].replace("\n", " "))
    chore.decide("plan", f"written by {'the model' if found.planner == 'model' else found.planner}")
    return chore


def from_script(script: str, grants: Sequence[Grant], *, request: str = "", summary: str = "",
                planner: str = "script", inputs: Mapping[str, Json] | None = None) -> Chore:
    """A chore for a script given as is (``errand run``, a file opened in the window, an automation)."""
    return Chore(request, script, list(grants), summary=summary, planner=planner, inputs=dict(inputs or {}))


# ---- 2. preview, and repair ----------------------------------------------------------------------

def preview(assistant: ChoreHost, chore: Chore, *, on_log: Callable[[str], None] | None = None,
            cancel: Cancel | None = None) -> Preview:
    """Run the chore's script with writes simulated; repair a model's failed script when allowed."""
    result = _preview_once(assistant, chore, on_log, cancel)
    for _ in range(MAX_PREVIEW_REPAIRS):
        if result.ok:
            break
        refusal = repair_refusal(chore, result, cancel)
        if refusal:
            chore.decide("repair", f"not sent back to the model: {refusal}")
            if chore.planned is not None and on_log is not None:  # the person would wonder why not
                on_log(f"Not asking the model to fix its script: {refusal}.")
            break
        chore.repairs += 1
        if on_log is not None:
            on_log("The model's script stopped; asking the model to fix it (once)…")
        fixed = _repair(assistant, chore, result, cancel)
        if fixed is None:
            if on_log is not None:
                on_log(f"Errand kept the first error: {chore.decisions[-1].text}.")
            break
        result = _preview_once(assistant, chore, on_log, cancel)
    return result


def repair_refusal(chore: Chore, failed: Preview, cancel: Cancel | None = None) -> str:
    """Why the failed preview goes to no repair round ("" when it may)."""
    error = failed.outcome.error
    if chore.planned is None:
        return "no model wrote this script"
    if error is None:
        return "the preview did not fail"
    if (cancel is not None and cancel.is_set()) or error.limit == "cancelled":
        return "the preview was cancelled"
    if error.limit:
        return f"the script hit a limit ({error.limit})"
    if error.type in _NOT_FOR_REPAIR:
        return "it was refused something it was not granted; the person should see that"
    return ""


def _preview_once(assistant: ChoreHost, chore: Chore, on_log: Callable[[str], None] | None,
                  cancel: Cancel | None) -> Preview:
    chore.report, chore.retention = None, None  # a new preview is a new attempt, to journal afresh
    chore.preview = assistant.preview(
        chore.script, chore.grants, request=chore.request, summary=chore.summary, planner=chore.planner,
        model=chore.model, inputs=chore.inputs, on_log=on_log, cancel=cancel, exchanges=chore.exchanges)
    return chore.preview


def _repair(assistant: ChoreHost, chore: Chore, failed: Preview, cancel: Any = None) -> PlannedScript | None:
    """One round with the model; the fixed script (the chore updated), or None with the reason kept."""
    from desktop.core.planner import repair_after_preview
    from desktop.core.services import model_settings

    assert chore.planned is not None and failed.outcome.error is not None
    words = repair_text(failed.outcome.error, chore.script, share_details=chore.share_details)
    ids: list[int] = []

    def record(exchange: dict[str, Any]) -> None:
        ids.append(assistant.record_exchange(exchange))

    try:
        fixed = repair_after_preview(chore.planned, words, chore.grants, model_settings(chore.settings),
                                     record_exchange=record, cancel=cancel)
    except ErrandError as exc:  # the first preview's error says what went wrong in the person's terms
        chore.decide("repair", f"the model could not fix it: {exc.message}")
        return None
    finally:
        chore.exchanges += ids
    chore.decide("repair", "sent the error's type and line to the model"
                 + (" with its text (file names allowed)" if chore.share_details else "") + "; it rewrote it")
    chore.script, chore.summary, chore.planned = fixed.script, fixed.summary, fixed
    return fixed


# ---- 3. approve, apply, and what follows ---------------------------------------------------------

def finish(assistant: ChoreHost, chore: Chore, *, approve: Approve | None, preview_only: bool = False,
           on_progress: Callable[[int, int], None] | None = None, cancel: Cancel | None = None,
           trigger: Trigger | None = None, leave_out: Collection[int] = ()) -> RunReport:
    """Journal the chore's preview as a run; ask ``approve`` and apply; then tidy up after it.

    ``approve=None`` is for a failed preview only (journaled so History shows what was tried);
    a front end that already asked passes :func:`always`. ``leave_out``: the seqs of changes the
    person unticked; the run's plan, journal and undo hold only the rest, and leaving out a change
    a kept one relies on is refused (``capabilities.engine.subset``) before anything is journaled.
    """
    previewed = chore.preview
    if previewed is None:
        raise ErrandError("This chore has not been previewed yet.", "Preview it first, then approve it.")
    if chore.report is not None:  # a second Approve must not apply (or journal) the same preview again
        raise ErrandError(f"This preview is already run {chore.report.run_id} ({chore.report.status}).",
                          "Preview the chore again to run it once more.")
    if leave_out:
        _leave_out(chore, previewed, leave_out)
    previewed.exchanges = list(chore.exchanges)  # a repair round that failed after it is the run's too
    asked: list[bool] = []

    def ask(shown: Preview) -> bool:
        answer = approve(shown) if approve is not None else False
        asked.append(answer)
        return answer

    chore.report = report = assistant.apply(previewed, approve=ask, preview_only=preview_only,
                                            on_progress=on_progress, cancel=cancel, trigger=trigger)
    if asked:
        chore.decide("approval", "approved" if asked[0] else "refused")
    if report.status == RunStatus.APPLIED or report.counts().get(ActionStatus.DONE):
        _after_apply(assistant, chore, report)
    return report


def _leave_out(chore: Chore, previewed: Preview, leave_out: Collection[int]) -> None:
    """Narrow the preview's plan to the changes the person kept (refused when one needs a left-out one)."""
    from capabilities.engine.subset import keep
    from capabilities.plan import ActionPlan

    kept = keep(previewed.plan.actions, leave_out)
    dropped = len(previewed.plan) - len(kept)
    previewed.plan = ActionPlan(kept)
    chore.decide("review", f"left out {dropped} change{'s' if dropped != 1 else ''} the person unticked")


def rename_change(chore: Chore, seq: int, name: str,
                  relies: Mapping[int, set[int]] | None = None) -> Action:
    """Give change ``seq`` of the chore's preview the person's ``name`` (``capabilities.engine.edit``): the
    plan apply carries out, the journal records and undo restores is the edited one."""
    from capabilities.engine.edit import rename_change as renamed

    previewed = chore.preview
    if previewed is None or chore.report is not None:
        raise ErrandError("This preview is not waiting for approval any more.",
                          "Preview the chore again, then edit the name.")
    before = next((a.summary for a in previewed.plan if a.seq == seq), "")
    previewed.plan.actions = renamed(previewed.plan.actions, seq, name, relies)
    edited = next(a for a in previewed.plan if a.seq == seq)
    if edited.summary != before:
        chore.decide("review", f"the person renamed change {seq}: {edited.summary}")
    return edited


def _after_apply(assistant: ChoreHost, chore: Chore, report: RunReport) -> None:
    """What runs after every apply that changed something: outputs seen, then retention."""
    assert chore.preview is not None
    assistant.mark_outputs_seen(chore.preview.plan, report.run_id)
    chore.decide("outputs", "recorded what it wrote into watched folders as Errand's own")
    try:
        chore.retention = assistant.tidy_holding()
    except (OSError, ErrandError, sqlite3.Error) as exc:  # housekeeping never turns a done run into an error
        chore.decide("retention", f"the holding area could not be tidied: {exc}")
        return
    chore.decide("retention", chore.retention.message() or "the holding area is within its rule")
