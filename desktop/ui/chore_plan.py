"""The window's one way from a request to a script: ``plan_chore`` (and ``repair_preview``).

It calls ``desktop.planning`` (a recipe that matches well, else the
configured model) — the same path as ``errand ask``. Whatever answered, the
window gets a ``PlannedChore``: the script, its summary, which planner wrote
it, the capabilities it needs, the grants to show for approval (``complete_grants``), what still stands in the
way (``problems``), the recipe parameters still to ask for, and the model
exchanges to attach to the run. Runs on a worker thread: it may import
litellm and wait for a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from capabilities.base import Grant
from capabilities.errors import ErrandError
from desktop import planning
from desktop import settings as settings_store
from desktop.planning import GrantProblem, convert_param

__all__ = ["Param", "PlannedChore", "convert_param", "plan_chore", "recipe_examples", "repair_preview"]


@dataclass
class Param:
    """A recipe parameter still to ask the person for."""

    name: str
    question: str
    type: str = "text"


@dataclass
class PlannedChore:
    """A script ready to preview, and how it came to be."""

    request: str
    script: str
    summary: str = ""
    planner: str = "script"  # "model", "recipe:<name>", or "script" (opened from a file)
    model: str | None = None
    needed: set[str] = field(default_factory=set)  # capabilities the script uses (empty: unknown)
    grants: list[Grant] = field(default_factory=list)  # what the person approves on the Plan page
    problems: list[GrantProblem] = field(default_factory=list)  # what still stands in the way
    inputs: dict[str, Any] = field(default_factory=dict)
    missing: list[Param] = field(default_factory=list)
    exchanges: list[int] = field(default_factory=list)
    title: str = ""  # the recipe's title
    planned: Any = None  # the model planner's answer, kept for one repair after a failed preview

    @property
    def ready(self) -> bool:
        return bool(self.script) and not self.missing and not self.problems


def plan_chore(assistant: Any, request: str, grants: Sequence[Grant], *, mode: str = "auto",
               cancel: Any = None) -> PlannedChore:
    """Plan ``request`` with ``mode`` "auto" (a good recipe, else the model), "model" or "recipes".

    Setting ``cancel`` (Stop, Quit) abandons a pending model request at once."""
    settings = settings_store.load()
    plan = planning.plan_request(request, list(grants), settings, mode=mode,  # type: ignore[arg-type]
                                 record_exchange=lambda e: assistant.journal.add_exchange(**e),
                                 allow_file_names=settings.allow_file_names, cancel=cancel)
    # Vision is offered (marked as leaving the computer) and approved with its checkbox on the Plan page.
    approved, problems = planning.complete_grants(plan, grants, settings, allow_vision=True)
    return PlannedChore(
        request=request, script=plan.script, summary=plan.summary, planner=plan.planner, model=plan.model,
        needed=set(plan.needed), grants=list(approved), problems=problems,
        inputs=dict(plan.inputs), missing=_params(plan.missing_params), exchanges=list(plan.exchanges),
        title=plan.recipe.title if plan.recipe else "", planned=plan.planned)


def _params(found: Any) -> list[Param]:
    """Recipe parameters still to ask, from ``Param`` objects, a ``{name: question}`` dict or names."""
    if not found:
        return []
    if isinstance(found, dict):
        return [Param(str(name), str(question)) for name, question in found.items()]
    return [Param(p, p) if isinstance(p, str) else Param(p.name, p.question, getattr(p, "type", "text"))
            for p in found]


# Errors the model cannot fix by rewriting: the person withheld a permission, or an unsafe path was refused.
_NOT_FOR_REPAIR = {"GrantError", "PermissionError", "PathRefused"}


def repair_preview(assistant: Any, chore: PlannedChore, preview: Any, grants: Sequence[Grant],
                   on_log: Any = None, cancel: Any = None) -> Any:
    """One more round with the model when its script failed in the preview; the new preview, or None."""
    if chore.planned is None or preview.outcome.error is None:
        return None
    error = preview.outcome.error
    if getattr(error, "limit", None) or getattr(error, "type", "") in _NOT_FOR_REPAIR:
        return None  # a limit, a cancel, or something the person did not allow: not the script's fault
    from desktop.planner import repair_after_preview
    from desktop.services import model_settings

    ids: list[int] = []

    def record(exchange: dict[str, Any]) -> None:
        ids.append(assistant.journal.add_exchange(**exchange))

    try:
        fixed = repair_after_preview(chore.planned, str(preview.outcome.error), list(grants),
                                     model_settings(settings_store.load()), record_exchange=record,
                                     cancel=cancel)
    except ErrandError:
        return None  # keep the first preview's error: it says what went wrong in the person's terms
    finally:
        chore.exchanges += ids
    chore.script, chore.summary, chore.planned = fixed.script, fixed.summary, fixed
    return assistant.preview(fixed.script, list(grants), request=chore.request, summary=fixed.summary,
                             planner=chore.planner, model=chore.model, inputs=chore.inputs,
                             exchanges=chore.exchanges, on_log=on_log, cancel=cancel)


def recipe_examples(limit: int = 6) -> list[str]:
    """Example chores for the Ask page: the recipes' first example phrases."""
    try:
        from desktop import recipes

        ranked = sorted(recipes.load_recipes(), key=lambda r: (_PREFERRED.get(r.name, 99), r.name))
        found = [(r.phrases[0] if r.phrases else r.title) for r in ranked]
    except Exception:  # a broken recipe file must not stop the window from opening
        found = []
    return [_sentence(t) for t in found][:limit] or list(_FALLBACK)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


_PREFERRED = {"photos_by_date_place": 0, "sort_by_kind": 1, "resize_for_email": 2, "duplicates": 3,
              "screenshots_archive": 4, "rename_pattern": 5}
_FALLBACK = ("Rename these photos by date and place", "Make small copies of these photos for email")


