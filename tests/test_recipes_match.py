"""The offline matcher on a table of paraphrases, and parameters filled from a request.

``PARAPHRASES`` is the measurement: requests written the way people type
them (none copied from a recipe's own phrases), each with the recipe it
should pick; ``UNRELATED`` are requests no recipe does. The test asserts
every paraphrase's best match is right and good (``GOOD_MATCH``), and no
unrelated request matches well; ``test_report_accuracy`` prints the table.
"""

from __future__ import annotations

import pytest

from capabilities.base import Grant
from desktop.recipes import GOOD_MATCH, Recipe, best_match, fill_params, load_recipes, match

PARAPHRASES: list[tuple[str, str]] = [
    # sort a folder by kind
    ("tidy up my downloads", "sort_by_kind"),
    ("put my downloads in folders by type", "sort_by_kind"),
    ("organise Downloads", "sort_by_kind"),
    ("my downloads folder is a mess, sort it", "sort_by_kind"),
    ("move PDFs, music and videos from Downloads into separate folders", "sort_by_kind"),
    ("clean up the desktop folder by file type", "sort_by_kind"),
    ("declutter my downloads", "sort_by_kind"),
    # duplicates
    ("get rid of duplicate photos", "duplicates"),
    ("find copies of the same file", "duplicates"),
    ("I have the same pictures twice, remove the doubles", "duplicates"),
    ("delete identical files", "duplicates"),
    ("are there any duplicates in my documents?", "duplicates"),
    ("remove dupes from the music folder", "duplicates"),
    # resize for e-mail
    ("shrink pictures so I can email them", "resize_for_email"),
    ("make the photos smaller for e-mail", "resize_for_email"),
    ("resize these images to 1024 pixels", "resize_for_email"),
    ("my pictures are too big to send, make them smaller", "resize_for_email"),
    ("downsize the holiday pics to attach them to a mail", "resize_for_email"),
    ("make small versions of the photos for sharing", "resize_for_email"),
    # screenshots
    ("move screenshots older than two weeks into an archive", "screenshots_archive"),
    ("archive my old screen shots", "screenshots_archive"),
    ("file screenshots by month", "screenshots_archive"),
    ("my desktop is full of screenshots, put the old ones away", "screenshots_archive"),
    ("sort screenshots into monthly folders", "screenshots_archive"),
    # rename by pattern
    ("rename the files to Holiday 001, Holiday 002 …", "rename_pattern"),
    ("number these files in order", "rename_pattern"),
    ("rename all the files in this folder with a sequential number", "rename_pattern"),
    ("give every file the name 'Wedding' followed by a number", "rename_pattern"),
    ("batch rename with a counter, oldest first", "rename_pattern"),
    ("rename files using the template 'Scan {n:03}'", "rename_pattern"),
    # rename photos by date and place
    ("rename my holiday photos by date and place", "photos_by_date_place"),
    ("name the pictures after the city and the day they were taken", "photos_by_date_place"),
    ("rename photos using where and when they were shot", "photos_by_date_place"),
    ("put the date taken and location in the photo names", "photos_by_date_place"),
    ("rename images with the GPS town name and date", "photos_by_date_place"),
    # calendar from CSV
    ("add the events from events.csv to my calendar", "calendar_from_csv"),
    ("import my spreadsheet of appointments into the calendar", "calendar_from_csv"),
    ("create calendar events from a csv", "calendar_from_csv"),
    ("put the meetings in this table into my agenda", "calendar_from_csv"),
    ("load schedule.csv into the calendar", "calendar_from_csv"),
    # captions
    ("caption my photos", "caption_photos"),
    ("describe what is in each picture and save it to a spreadsheet", "caption_photos"),
    ("write descriptions of these images into a csv file", "caption_photos"),
    ("use AI to label my pictures", "caption_photos"),
    ("make alt text for every image in the folder", "caption_photos"),
]

UNRELATED = [
    "what's the weather",
    "what is the weather like tomorrow in Paris",
    "play some music",
    "send a message to my mum",
    "how much is 12 times 7",
    "book a flight to London",
    "turn off the wifi",
    "tell me a joke",
    "open the browser",
    "photos",
]


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


@pytest.mark.parametrize(("request_text", "expected"), PARAPHRASES)
def test_a_paraphrase_picks_its_recipe(request_text: str, expected: str) -> None:
    ranked = match(request_text)
    assert ranked, f"nothing matched {request_text!r}"
    assert ranked[0].recipe.name == expected, [(m.recipe.name, m.score) for m in ranked[:3]]
    assert ranked[0].score >= GOOD_MATCH, ranked[0]
    assert 0.0 <= ranked[0].score <= 1.0


@pytest.mark.parametrize("request_text", UNRELATED)
def test_an_unrelated_request_matches_nothing_well(request_text: str) -> None:
    assert best_match(request_text) is None, match(request_text)[:2]


def test_report_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    """Prints the table (run with -s): top-1 accuracy, good-match rate, and the margin to the threshold."""
    right = good = 0
    lowest_right, highest_unrelated = 1.0, 0.0
    for text, expected in PARAPHRASES:
        top = match(text)[0]
        right += top.recipe.name == expected
        good += top.recipe.name == expected and top.good
        lowest_right = min(lowest_right, top.score)
    for text in UNRELATED:
        ranked = match(text)
        highest_unrelated = max(highest_unrelated, ranked[0].score if ranked else 0.0)
    with capsys.disabled():
        print(f"\nrecipe matching: {right}/{len(PARAPHRASES)} paraphrases top-1, {good} above "
              f"GOOD_MATCH={GOOD_MATCH}; lowest right score {lowest_right:.2f}, "
              f"highest unrelated {highest_unrelated:.2f}")
    assert right == good == len(PARAPHRASES)
    assert highest_unrelated < GOOD_MATCH <= lowest_right


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
