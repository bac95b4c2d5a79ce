"""From a request to a script: a built-in recipe that covers the whole request, else the model.

``decide`` is the one place that chooses. ``mode="auto"`` (the default) uses a
recipe only when it accounts for every word of the request
(``desktop.core.coverage``) — fast, free and tested — and asks the model otherwise;
offline, a request no recipe covers raises ``NoRecipeFits`` with the closest
recipes as ``Offer``s (what each would do, how it differs), and none is run
unless the person picks it (``plan_request(recipe=...)``). ``"recipes"`` and
``"model"`` force one path. The capabilities a script needs are read from the recipe's description
or the model script's code, never from the model's claims; what is needed but
not granted is returned with its plain-language grant text, to be asked of
the person (``complete_grants``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from capabilities.api.vision_recipient import pictures_in, vision_target
from capabilities.base import Grant
from capabilities.errors import ErrandError
from capabilities.registry import get
from desktop.core import recipes as recipe_book
from desktop.core.errors import NoRecipeFits, Offer
from desktop.core.settings import Settings

if TYPE_CHECKING:  # desktop.core.model_calls loads asyncio: only the model's path pays for it
    from desktop.core.model_calls import Cancel

__all__ = ["Decision", "GrantProblem", "Mode", "Offer", "Plan", "ProblemKind", "complete_grants",
           "convert_param", "decide", "missing_question", "no_recipe_fits", "offers", "plan_request"]

Mode = Literal["auto", "model", "recipes"]
# Why a needed capability cannot be granted with the plan; each front end words the way out.
ProblemKind = Literal["vision-consent", "no-vision-model", "no-calendar", "no-folder", "other"]
RecordExchange = Callable[[dict[str, Any]], Any]

# Capabilities that only read this computer and need no target: granted with the plan itself.
_LOCAL_ONLY = {"archives", "documents", "media", "photos", "places"}


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


@dataclass(frozen=True)
class Decision:
    """Who plans a request: a recipe that covers it, the model, or nobody (then ``offers``)."""

    planner: Literal["recipe", "model", "none"]
    fit: recipe_book.Fit | None = None
    offers: tuple[Offer, ...] = ()


MAX_OFFERS = 3


def decide(request: str, grants: Sequence[Grant], has_model: bool, mode: Mode = "auto") -> Decision:
    """The one decision of who plans: a recipe only when it covers the whole request.

    With a model configured (``auto``) a recipe still plans when it accounts for
    every word of the request (it is fast, free and tested); anything less goes
    to the model, with the closest recipes as worked examples. Offline, a
    request no recipe covers gets no recipe at all: the closest are offered.
    """
    ranked = recipe_book.fits(request, list(grants)) if mode != "model" or not has_model else []
    if mode != "model" and ranked and ranked[0].covered:
        return Decision("recipe", ranked[0])
    if mode != "recipes" and has_model:
        return Decision("model")
    return Decision("none", offers=offers(request, grants, ranked))


def offers(request: str, grants: Sequence[Grant] = (),
           ranked: Sequence[recipe_book.Fit] | None = None) -> tuple[Offer, ...]:
    """The recipes closest to ``request`` (those sharing anything with it), each with how it differs."""
    if ranked is None:
        ranked = recipe_book.fits(request, list(grants))
    close = [f for f in ranked if f.score > 0][:MAX_OFFERS]
    return tuple(Offer(f.recipe.name, f.recipe.title, f.recipe.description, _differs(f.verdict))
                 for f in close)


_EFFECT_WORDS = {"delete": "it deletes files (kept aside for undo), which you did not ask for",
                 "overwrite": "it replaces existing files, which you did not ask for",
                 "send": "it sends data off this computer, which you did not ask for"}


def _differs(verdict: Any) -> str:
    parts = [_EFFECT_WORDS[e] for e in verdict.unasked]
    if verdict.leftover:
        words = ", ".join(f"“{w}”" for w in verdict.leftover[:4])
        parts.append(f"it does nothing about {words}")
    if not parts and verdict.unmet:
        parts.append("it may not be what you meant")
    return "; ".join(parts)


def plan_request(request: str, grants: Sequence[Grant], settings: Settings, *, mode: Mode = "auto",
                 record_exchange: RecordExchange | None = None, allow_file_names: bool = False,
                 recipe: str | None = None, explore: Callable[[], str] | None = None,
                 cancel: Cancel | None = None) -> Plan:
    """Turn ``request`` into a ``Plan``; raise an ErrandError that says what to do when it cannot.

    ``recipe`` names a recipe the person picked (from the offers of a
    ``NoRecipeFits``): it plans whatever the request says. ``explore`` gives the
    lines on what the granted folders hold (``desktop.core.exploration``), asked only
    when the model plans. Setting ``cancel`` abandons a pending model request at once
    (``ModelCancelled``).
    """
    if not request.strip():
        raise ErrandError("The request is empty.", "Describe the chore in a sentence, e.g. "
                          "“sort my downloads into folders by type”.")
    if recipe is not None:
        picked = next((r for r in recipe_book.load_recipes() if r.name == recipe), None)
        if picked is None:
            raise ErrandError(f"There is no built-in recipe called “{recipe}”.",
                              "See the list with errand recipes.")
        return _from_recipe(picked, request, grants)
    decision = decide(request, grants, settings.has_model, mode)
    if decision.fit is not None:
        return _from_recipe(decision.fit.recipe, request, grants)
    if decision.planner == "model":
        return _from_model(request, grants, settings, record_exchange, allow_file_names, explore, cancel)
    raise no_recipe_fits(decision.offers)


def no_recipe_fits(choices: Sequence[Offer]) -> NoRecipeFits:
    """The honest answer offline: what Errand cannot do, and what it can instead."""
    if not choices:
        return NoRecipeFits("I can't do that without a language model, and none of the built-in recipes "
                            "is like it.", "Ask for one of the chores the recipes do (errand recipes lists "
                            "them), or set up a language model.")
    listed = " ".join(f"{n}. {c.title}: {c.does}" + (f" (Unlike your request, {c.differs}.)" if c.differs
                                                      else "")
                      for n, c in enumerate(choices, 1))
    return NoRecipeFits("I can't do that without a language model; here is what I can do offline.",
                        f"{listed} Pick one if it is what you want, or set up a language model.",
                        choices)


def missing_question(missing: Sequence[recipe_book.Param]) -> str:
    """The details a recipe still needs, as one plain question to the person."""
    questions = [p.question for p in missing]
    if len(questions) <= 1:
        return "".join(questions)
    return " ".join(questions[:1] + [f"And: {q[:1].lower()}{q[1:]}" for q in questions[1:]])


def _from_recipe(recipe: recipe_book.Recipe, request: str, grants: Sequence[Grant]) -> Plan:
    inputs, missing = recipe_book.fill_params(recipe, request, list(grants))
    summary = f"{recipe.title}: {recipe.description}"
    return Plan(recipe.script, summary, f"recipe:{recipe.name}", set(recipe.capabilities),
                inputs, missing, recipe=recipe)


def _from_model(request: str, grants: Sequence[Grant], settings: Settings,
                record_exchange: RecordExchange | None, allow_file_names: bool,
                explore: Callable[[], str] | None = None, cancel: Cancel | None = None) -> Plan:
    from desktop.core import llm

    llm.warm()  # litellm loads while the key is looked up and the prompt is built
    from desktop.core import planner
    from desktop.core.services import model_settings

    ids: list[int] = []

    def record(exchange: dict[str, Any]) -> None:
        if record_exchange is not None:
            found = record_exchange(exchange)
            if isinstance(found, int):
                ids.append(found)

    planned = planner.plan_with_model(request, grants, model_settings(settings),
                                      allow_file_names=allow_file_names, record_exchange=record,
                                      folder_summary=explore() if explore is not None else "",
                                      cancel=cancel)
    return Plan(planned.script, planned.summary, "model", set(planned.needed), model=settings.model,
                exchanges=ids, planned=planned)


def convert_param(param: recipe_book.Param, text: str) -> int | str:
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
            # The grant names the real recipient (provider, host) and how many pictures may go.
            target = vision_target(vision_model, settings.api_base or None, pictures_in(grants))
            result.append(Grant("vision", target, "ro"))
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
