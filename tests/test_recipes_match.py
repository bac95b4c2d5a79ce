"""The built-in recipes' declarations, and parameters filled from a request.

Which recipe a request gets is measured on the labelled table in
``tests/matching_table.py`` (``tests/test_matching_table.py``); the tables
that used to live here were moved there and relabelled by its rules.
"""

from __future__ import annotations

import pytest

from capabilities.base import Grant
from desktop.core.recipes import Recipe, fill_params, load_recipes, read_params


@pytest.fixture(scope="module")
def recipes() -> dict[str, Recipe]:
    return {r.name: r for r in load_recipes()}


def test_eight_recipes_load_with_their_parameters(recipes: dict[str, Recipe]) -> None:
    assert set(recipes) == {"sort_by_kind", "duplicates", "resize_for_email", "screenshots_archive",
                            "rename_pattern", "photos_by_date_place", "calendar_from_csv", "caption_photos"}
    for recipe in recipes.values():
        assert recipe.title and recipe.description.endswith(".") and len(recipe.phrases) >= 5
        assert recipe.capabilities.get("files") in ("ro", "rw")
        for param in recipe.params:
            assert param.question.endswith("?"), param
            # Every declared parameter is read by the script, as inputs["name"].
            assert f'inputs["{param.name}"]' in recipe.script, (recipe.name, param.name)


# ---- parameters from the request ---------------------------------------------------------------

def test_numbers_with_units_and_prefixes_fill_int_params(recipes: dict[str, Recipe]) -> None:
    shots = recipes["screenshots_archive"]
    assert fill_params(shots, "archive screenshots older than 45 days", ["Desktop"])[0]["days"] == 45
    assert fill_params(shots, "file screenshots older than two weeks", ["Desktop"])[0]["days"] == 14
    assert fill_params(shots, "screenshots from over a month ago", ["Desktop"])[0]["days"] == 30
    assert fill_params(shots, "archive old screenshots", ["Desktop"])[0] == {
        "folder": "Desktop", "days": 30, "archive": "Archive"}  # defaults
    resize = recipes["resize_for_email"]
    assert fill_params(resize, "shrink to 1024 pixels", ["Trip"])[0]["max_side"] == 1024
    assert fill_params(resize, "resize to 800px for mail", ["Trip"])[0]["max_side"] == 800
    assert fill_params(resize, "photos at most 1200 wide", ["Trip"])[0]["max_side"] == 1200
    assert fill_params(resize, "resize for email", ["Trip"])[0]["max_side"] == 1600
    assert fill_params(resize, "shrink them to 1,280 pixels", ["Trip"])[0]["max_side"] == 1280
    assert fill_params(resize, "shrink the pictures to 900", ["Trip"])[0]["max_side"] == 900
    assert fill_params(resize, "shrink the pictures to 50%", ["Trip"])[0]["max_side"] == 1600  # not a size


def test_the_granted_folder_fills_a_folder_param(recipes: dict[str, Recipe]) -> None:
    tidy = recipes["sort_by_kind"]
    assert fill_params(tidy, "tidy up", ["Downloads"]) == ({"folder": "Downloads"}, [])
    # Several folders: the one the request names; none named: ask.
    assert fill_params(tidy, "tidy up my downloads", ["Pictures", "Downloads"])[0] == {"folder": "Downloads"}
    values, missing = fill_params(tidy, "tidy up", ["Pictures", "Downloads"])
    assert values == {} and [p.name for p in missing] == ["folder"]
    assert missing[0].question == "Which folder should be sorted (for example Downloads)?"
    # Grants work too (only files grants are folders).
    grants = [Grant("files", "/home/me/Downloads", "rw", "Downloads"), Grant("photos")]
    assert fill_params(tidy, "tidy", grants)[0] == {"folder": "Downloads"}
    assert fill_params(tidy, "tidy", [])[1] == list(tidy.params)


def test_a_quoted_pattern_and_an_order_fill_text_params(recipes: dict[str, Recipe]) -> None:
    rename = recipes["rename_pattern"]
    values, missing = fill_params(rename, "rename the files as 'Holiday {n:03}' sorted by date", ["Trip"])
    assert missing == []
    assert values == {"folder": "Trip", "pattern": "Holiday {n:03}", "order": "date", "start": 1}
    assert fill_params(rename, "rename them to “Wedding 001”", ["Trip"])[0]["pattern"] == "Wedding {n:03}"
    assert fill_params(rename, "rename files to Holiday 001, Holiday 002", ["Trip"])[0]["pattern"] == \
        "Holiday {n:03}"
    assert fill_params(rename, "call them 'Scan 1' starting at 5", ["Trip"])[0] == {
        "folder": "Trip", "pattern": "Scan {n}", "order": "name", "start": 5}
    values, missing = fill_params(rename, "number these files", ["Trip"])
    assert [p.name for p in missing] == ["pattern"] and "{n}" in missing[0].question


def test_a_file_named_in_the_request_fills_a_file_param(recipes: dict[str, Recipe]) -> None:
    csv_recipe = recipes["calendar_from_csv"]
    assert fill_params(csv_recipe, "add the events in events.csv to my calendar", ["Documents"])[0] == {
        "file": "Documents/events.csv"}
    assert fill_params(csv_recipe, "import 'my trips.csv' into the calendar", ["Documents"])[0] == {
        "file": "Documents/my trips.csv"}
    assert fill_params(csv_recipe, "import Work/plan.csv", ["Home", "Work"])[0] == {"file": "Work/plan.csv"}
    values, missing = fill_params(csv_recipe, "add events from a spreadsheet", ["Documents"])
    assert values == {} and missing[0].question.startswith("Which CSV file")
    captions = recipes["caption_photos"]
    assert fill_params(captions, "caption the photos into trip.csv", ["Trip"])[0] == {
        "folder": "Trip", "output": "trip.csv"}


def test_the_text_a_parameter_was_read_from_is_reported(recipes: dict[str, Recipe]) -> None:
    request = "move screenshots older than two weeks into an archive"
    reading = read_params(recipes["screenshots_archive"], request, ["Desktop"])
    assert reading.filled == ["days"]  # the only folder is not something the request said
    assert [request[a:b] for a, b in reading.spans] == ["older than two weeks"]
    rename = recipes["rename_pattern"]
    request = "rename the photos in order: Birthday 01, Birthday 02"
    reading = read_params(rename, request, ["Trip"])
    assert reading.values["pattern"] == "Birthday {n:02}"
    assert [request[a:b] for a, b in reading.spans] == ["Birthday 01, Birthday 02"]


def test_every_example_phrase_is_covered_by_its_own_recipe(recipes: dict[str, Recipe]) -> None:
    """The phrases are what the Ask page offers to click and what the prompt shows: each must plan."""
    from desktop.core.recipes import best_fit

    for recipe in recipes.values():
        for phrase in recipe.phrases:
            fit = best_fit(phrase, ["Downloads"])
            assert fit is not None and fit.recipe is recipe, (recipe.name, phrase)
