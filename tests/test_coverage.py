"""The coverage check says *why* a recipe declines, and the planner decides once, for every front end."""

from __future__ import annotations

import pytest

from capabilities.base import Grant
from desktop.core import planning
from desktop.core.errors import NoRecipeFits
from desktop.core.recipes import Fit, fits
from desktop.core.settings import Settings


def _fit(request: str, recipe: str, folders: tuple[str, ...] = ("Downloads",)) -> Fit:
    return next(f for f in fits(request, list(folders)) if f.recipe.name == recipe)


@pytest.mark.parametrize(("request_text", "recipe", "leftover"), [
    ("make the photos bigger", "resize_for_email", ("bigger",)),              # an opposite
    ("unzip all the archives", "sort_by_kind", ("unzip", "archives")),       # an unknown operation
    ("delete the empty file", "duplicates", ("empty",)),
    ("remove the location from my pictures", "duplicates", ("location",)),
    ("rename these Wedding 001… in the order they were taken", "rename_pattern", ("taken",)),  # a condition
    ("tidy up my downloads but leave the PDFs where they are", "sort_by_kind", ("leave", "where")),
    ("caption only the photos from Paris", "caption_photos", ("only", "paris")),  # a restriction
    ("show me which photos are duplicates but don't delete anything", "duplicates",
     ("show", "not", "anything")),                                            # a negation
])
def test_what_the_recipe_does_not_account_for_declines_it(request_text: str, recipe: str,
                                                           leftover: tuple[str, ...]) -> None:
    fit = _fit(request_text, recipe)
    assert not fit.covered
    assert fit.verdict.leftover == leftover


def test_a_destructive_recipe_needs_the_word_for_its_effect() -> None:
    found = _fit("find duplicate files", "duplicates")
    assert found.verdict.unasked == ("delete",) and found.verdict.leftover == ()
    assert not found.covered
    for said in ("find and delete duplicate files", "get rid of duplicate files", "deduplicate my files"):
        assert _fit(said, "duplicates").covered, said


def test_an_extra_destination_is_not_covered_by_the_archive_recipe() -> None:
    found = _fit("put the screenshots in a Screenshots folder", "screenshots_archive")
    assert found.verdict.unmet and not found.covered  # says nothing of age or months
    assert _fit("put the old screenshots in an archive", "screenshots_archive").covered


def test_a_granted_folder_named_in_the_request_still_counts_for_what_it_says() -> None:
    fit = _fit("archive the old ones in Screenshots", "screenshots_archive", ("Screenshots",))
    assert fit.covered and fit.reading.values["folder"] == "Screenshots"


# ---- the one decision --------------------------------------------------------------------------

def test_offline_a_request_no_recipe_covers_is_offered_the_closest_never_run() -> None:
    decision = planning.decide("find duplicate files", ["Downloads"], has_model=False)
    assert decision.planner == "none" and decision.fit is None
    first = decision.offers[0]
    assert (first.name, first.title) == ("duplicates", "Remove duplicate files")
    assert first.does.startswith("Finds files with exactly the same content")
    assert first.differs == "it deletes files (kept aside for undo), which you did not ask for"
    with pytest.raises(NoRecipeFits) as caught:
        planning.plan_request("find duplicate files", [], Settings())
    assert caught.value.message == "I can't do that without a language model; here is what I can do offline."
    assert [c.name for c in caught.value.choices][:1] == ["duplicates"]
    assert "1. Remove duplicate files: Finds files" in caught.value.hint


def test_offline_nothing_alike_offers_nothing_and_says_so() -> None:
    with pytest.raises(NoRecipeFits) as caught:
        planning.plan_request("tell me a joke", [], Settings())
    assert caught.value.choices == []
    assert "none of the built-in recipes is like it" in caught.value.message


def test_the_recipe_the_person_picked_plans_whatever_the_request_said() -> None:
    grants = [Grant("files", "/home/me/Downloads", "rw", "Downloads")]
    plan = planning.plan_request("find duplicate files", grants, Settings(), recipe="duplicates")
    assert plan.planner == "recipe:duplicates" and plan.inputs == {"folder": "Downloads"}
    with pytest.raises(planning.ErrandError, match="no built-in recipe called “nope”"):
        planning.plan_request("find duplicate files", grants, Settings(), recipe="nope")


def test_with_a_model_a_covered_request_keeps_its_recipe_and_the_rest_go_to_the_model() -> None:
    assert planning.decide("tidy up my downloads", ["Downloads"], has_model=True).planner == "recipe"
    for request in ("make the photos bigger", "find duplicate files", "tell me a joke"):
        decision = planning.decide(request, ["Downloads"], has_model=True)
        assert decision.planner == "model" and decision.offers == (), request
    assert planning.decide("tidy up my downloads", ["Downloads"], True, mode="model").planner == "model"
    assert planning.decide("make the photos bigger", ["Downloads"], True, mode="recipes").planner == "none"


def test_missing_details_are_one_plain_question() -> None:
    fit = _fit("number these files in order", "rename_pattern", ("Trip", "Home"))
    assert [p.name for p in fit.reading.missing] == ["folder", "pattern"]
    assert planning.missing_question(fit.reading.missing) == (
        "Which folder holds the files to rename? And: what should the names look like (write {n} where "
        "the number goes, e.g. “Holiday {n:03}”)?")


def test_a_huge_or_odd_request_is_declined_not_misread() -> None:
    for request in ("Holiday " * 3000 + "01", "rename " + "x 1, " * 2000, '"' * 3000, "older than " * 2000):
        assert planning.decide(request, ["Downloads"], has_model=False).fit is None, request[:40]
    # Invisible marks separate words; they neither hide a word nor add one.
    fit = planning.decide("delete\u202e duplicates\x00", ["Downloads"], has_model=False).fit
    assert fit is not None and fit.recipe.name == "duplicates"
