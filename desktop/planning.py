"""From a request to a script: a built-in recipe when one matches well, else the configured model.

``mode="auto"`` (the default) prefers a recipe that matches well — fast, free
and tested — and asks the model otherwise; with no model configured (a fresh
install) it still works from recipes. ``"recipes"`` and ``"model"`` force one
path. The capabilities a script needs are read from the recipe's description
or the model script's code, never from the model's claims; what is needed but
not granted is returned with its plain-language grant text, to be asked of
the person (``complete_grants``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from capabilities.base import Grant
from capabilities.errors import ErrandError
from capabilities.registry import get
from desktop import recipes as recipe_book
from desktop.errors import NoModelConfigured
from desktop.settings import Settings

if TYPE_CHECKING:  # desktop.model_calls loads asyncio: only the model's path pays for it
    from desktop.model_calls import Cancel

__all__ = ["GrantProblem", "Mode", "Plan", "ProblemKind", "complete_grants", "convert_param",
           "plan_request"]

Mode = Literal["auto", "model", "recipes"]
# Why a needed capability cannot be granted with the plan; each front end words the way out.
ProblemKind = Literal["vision-consent", "no-vision-model", "no-calendar", "no-folder", "other"]
RecordExchange = Callable[[dict[str, Any]], Any]

# With no model to fall back on, a weaker recipe match is still offered (the preview shows what it does).
_WEAK_MATCH_SHARE = 0.8
# Capabilities that only read this computer and need no target: granted with the plan itself.
_LOCAL_ONLY = {"photos", "places"}


@dataclass
class Plan:
    """A script ready to preview, and what it still needs from the person."""

    script: str
    summary: str
    planner: str  # "recipe:<name>" or "model"
    needed: set[str]
    inputs: dict[str, Any] = field(default_factory=dict)
    missing_params: list[recipe_book.Param] = field(default_factory=list)
    model: str | None = None
    exchanges: list[int] = field(default_factory=list)
    planned: Any = None  # the planner's PlannedScript, kept for a repair after the preview
    recipe: recipe_book.Recipe | None = None


def plan_request(request: str, grants: Sequence[Grant], settings: Settings, *, mode: Mode = "auto",
                 record_exchange: RecordExchange | None = None, allow_file_names: bool = False,
                 cancel: Cancel | None = None) -> Plan:
    """Turn ``request`` into a ``Plan``; raise an ErrandError that says what to do when it cannot.

    Setting ``cancel`` abandons a pending model request at once (``ModelCancelled``)."""
    if not request.strip():
        raise ErrandError("The request is empty.", "Describe the chore in a sentence, e.g. "
                          "“sort my downloads into folders by type”.")
    ranked = recipe_book.match(request)
    best = ranked[0] if ranked else None
    if best is not None and mode != "model" and (best.good or (
            not settings.has_model and best.score >= recipe_book.GOOD_MATCH * _WEAK_MATCH_SHARE)):
        return _from_recipe(best.recipe, request, grants)
    if mode == "recipes" or not settings.has_model:
        titles = "; ".join(r.title for r in recipe_book.load_recipes())
        raise NoModelConfigured(
            "No built-in recipe fits this request, and no model is set up to write a script for it.",
            f"Try one of the recipes ({titles}), or add a model in Settings → Model "
            "(errand settings set model openai/gpt-4o-mini).")
    return _from_model(request, grants, settings, record_exchange, allow_file_names, cancel)


def _from_recipe(recipe: recipe_book.Recipe, request: str, grants: Sequence[Grant]) -> Plan:
    inputs, missing = recipe_book.fill_params(recipe, request, list(grants))
    summary = f"{recipe.title}: {recipe.description}"
    return Plan(recipe.script, summary, f"recipe:{recipe.name}", set(recipe.capabilities),
                inputs, missing, recipe=recipe)


def _from_model(request: str, grants: Sequence[Grant], settings: Settings,
                record_exchange: RecordExchange | None, allow_file_names: bool,
                cancel: Cancel | None) -> Plan:
    from desktop import llm

    llm.warm()  # litellm loads while the key is looked up and the prompt is built
    from desktop import planner
    from desktop.services import model_settings

    ids: list[int] = []

    def record(exchange: dict[str, Any]) -> None:
        if record_exchange is not None:
            found = record_exchange(exchange)
            if isinstance(found, int):
                ids.append(found)

    planned = planner.plan_with_model(request, grants, model_settings(settings),
                                      allow_file_names=allow_file_names, record_exchange=record,
                                      cancel=cancel)
    return Plan(planned.script, planned.summary, "model", set(planned.needed), model=settings.model,
                exchanges=ids, planned=planned)


def convert_param(param: Any, text: str) -> Any:
    """A recipe parameter's typed value from what the person typed (CLI or window), or an
    ErrandError that repeats the question."""
    text = text.strip()
    if not text:
        raise ErrandError(f"Please answer: {param.question}", "Errand needs this detail to do the chore.")
    if param.type == "int":
        try:
            return int(text)
        except ValueError:
            raise ErrandError(f"“{text}” is not a whole number.", param.question) from None
    return text


@dataclass(frozen=True)
class GrantProblem:
    """A capability the plan needs that cannot be approved with it.

    ``explanation`` says what is wrong, the same everywhere; what to do next
    depends on the front end (the CLI has flags, the window has buttons and
    checkboxes for the same things), so each asks for its own wording.
    """

    capability: str
    kind: ProblemKind
    explanation: str

    def for_cli(self) -> str:
        return self._with(_NEXT_STEPS[self.kind][0])

    def for_window(self) -> str:
        return self._with(_NEXT_STEPS[self.kind][1])

    def _with(self, next_step: str) -> str:
        return f"{self.explanation} {next_step}" if next_step else self.explanation


# What to do next, per kind: (the CLI's wording, the window's wording).
_NEXT_STEPS: dict[ProblemKind, tuple[str, str]] = {
    "vision-consent": ("Allow it with --allow-vision.", "Allow it with its checkbox on this page."),
    "no-vision-model": ("Set one up with errand settings set vision_model openai/gpt-4o-mini, "
                        "then allow it with --allow-vision.",
                        "Set one up in Settings → Vision model."),
    "no-calendar": ("Pass --calendar ics:/path/cal.ics, or set one for every chore with "
                    "errand settings set calendar ics:/path/cal.ics.",
                    "Set one up in Settings → Calendar."),
    "no-folder": ("Choose one with --folder DIR.", "Add one on the Ask page (Add folder…)."),
    "other": ("", ""),  # not one the plan knows how to grant: naming it is all either can say
}


def complete_grants(plan: Plan, grants: Sequence[Grant], settings: Settings, *,
                    allow_vision: bool = False) -> tuple[list[Grant], list[GrantProblem]]:
    """Add the grants a plan needs that the person can approve with the plan; list the rest.

    Offline, read-mostly capabilities without a target (photos, places) are
    added and shown with the plan. Sending pictures to a provider (vision) is
    added only when the person allowed it up front; a calendar comes from
    settings. Returns ``(grants, problems)``: each problem says what is wrong,
    and what to do in the CLI's or the window's words.
    """
    have = {g.capability for g in grants}
    result = list(grants)
    problems: list[GrantProblem] = []
    vision_model = settings.effective_vision_model
    for name in sorted(plan.needed - have):
        if name in _LOCAL_ONLY:
            result.append(Grant(name))
        elif name == "vision" and allow_vision and vision_model:
            result.append(Grant("vision", vision_model, "ro"))
        elif name == "vision" and vision_model:
            problems.append(GrantProblem(name, "vision-consent",
                                         f"This chore sends your pictures to {vision_model} to describe "
                                         "them."))
        elif name == "vision":
            problems.append(GrantProblem(name, "no-vision-model",
                                         "This chore sends your pictures to a vision model to describe "
                                         "them, and none is set up."))
        elif name == "calendar" and settings.calendar:
            result.append(Grant("calendar", settings.calendar, "rw"))
        elif name == "calendar":
            problems.append(GrantProblem(name, "no-calendar",
                                         "This chore uses a calendar, and none is set up."))
        elif name == "files":
            problems.append(GrantProblem(name, "no-folder",
                                         "This chore works on files, and no folder is chosen."))
        else:
            problems.append(GrantProblem(name, "other", f"This chore needs “{get(name).summary}”."))
    return result, problems
