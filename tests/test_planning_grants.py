"""``planning.complete_grants``: what a plan can be granted with it, and what the person must do
for the rest, in the CLI's words and in the window's (no CLI flag ever reaches the window)."""

from __future__ import annotations

import pytest

from capabilities.base import REGISTRY, Grant
from desktop.core.planning import GrantProblem, Plan, complete_grants
from desktop.core.settings import Settings
from tests.test_journal_toycap import ToyFiles


def plan_needing(*needed: str) -> Plan:
    return Plan(script="result = 1", summary="A chore.", planner="model", needed=set(needed))


def only_problem(needed: str, settings: Settings, *, allow_vision: bool = False) -> GrantProblem:
    grants, problems = complete_grants(plan_needing(needed), [], settings, allow_vision=allow_vision)
    assert grants == [] and len(problems) == 1
    return problems[0]


def test_local_capabilities_vision_and_the_calendar_are_granted_with_the_plan() -> None:
    settings = Settings(model="openai/gpt-4o-mini", calendar="ics:/tmp/cal.ics")
    folder = Grant("files", "/tmp/Trip")
    grants, problems = complete_grants(plan_needing("files", "photos", "places", "vision", "calendar"),
                                       [folder], settings, allow_vision=True)
    assert problems == []
    assert grants == [folder, Grant("calendar", "ics:/tmp/cal.ics", "rw"), Grant("photos"), Grant("places"),
                      Grant("vision", "openai/gpt-4o-mini;host=api.openai.com;pictures=0", "ro")]


@pytest.mark.parametrize(("needed", "settings", "kind", "cli", "window"), [
    ("vision", Settings(model="openai/gpt-4o-mini"), "vision-consent",
     "This chore sends your pictures to openai/gpt-4o-mini to describe them. Allow it with --allow-vision.",
     "This chore sends your pictures to openai/gpt-4o-mini to describe them. "
     "Allow it with its checkbox on this page."),
    ("vision", Settings(), "no-vision-model",
     "This chore sends your pictures to a vision model to describe them, and none is set up. "
     "Set one up with errand settings set vision_model openai/gpt-4o-mini, "
     "then allow it with --allow-vision.",
     "This chore sends your pictures to a vision model to describe them, and none is set up. "
     "Set one up in Settings → Vision model."),
    ("calendar", Settings(), "no-calendar",
     "This chore uses a calendar, and none is set up. Pass --calendar ics:/path/cal.ics, "
     "or set one for every chore with errand settings set calendar ics:/path/cal.ics.",
     "This chore uses a calendar, and none is set up. Set one up in Settings → Calendar."),
    ("files", Settings(), "no-folder",
     "This chore works on files, and no folder is chosen. Choose one with --folder DIR.",
     "This chore works on files, and no folder is chosen. Add one on the Ask page (Add folder…)."),
])
def test_each_problem_says_what_is_wrong_and_what_to_do_in_each_front_ends_words(
        needed: str, settings: Settings, kind: str, cli: str, window: str) -> None:
    problem = only_problem(needed, settings)
    assert (problem.capability, problem.kind) == (needed, kind)
    assert (problem.for_cli(), problem.for_window()) == (cli, window)
    assert "--" not in problem.for_window()


def test_allowing_vision_does_not_help_without_a_vision_model() -> None:
    assert only_problem("vision", Settings(), allow_vision=True).kind == "no-vision-model"


def test_a_capability_planning_cannot_grant_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REGISTRY, ToyFiles.name, ToyFiles)
    problem = only_problem("toyfs", Settings())
    assert problem.kind == "other"
    assert problem.for_cli() == problem.for_window() == f"This chore needs “{ToyFiles.summary}”."
