"""The offline matcher on tables of paraphrases, and parameters filled from a request.

How the matcher was measured: requests written the way people type them
(none copied from a recipe's own phrases), each with the recipe it should
pick, and requests no recipe does.

* ``PARAPHRASES`` / ``UNRELATED`` (45 + 10): the development table. The
  synonym table and weights were tuned on it; every row must pass.
* ``LATER`` / ``LATER_UNRELATED`` (41 + 11): written afterwards in two
  batches and scored before any change (first batch: 23/24 top-1, 20/24
  above ``GOOD_MATCH``, no false positive; second: 16/17 and 16/17, one
  false positive of 5). Three synonym groups and a "1, 2" → numbering rule
  were then added; it now stands at 40/41 right and good, with one false
  positive (see ``KNOWN_MISSES``).

``test_report_accuracy`` prints the numbers (run with ``-s``).
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


LATER: list[tuple[str, str]] = [
    ('can you clean my Downloads folder', 'sort_by_kind'),
    ('separate my files into pictures, documents and music', 'sort_by_kind'),
    ('sort files by extension', 'sort_by_kind'),
    ('organize the mess in Downloads into folders', 'sort_by_kind'),
    ('I think I have lots of duplicate songs, clean them up', 'duplicates'),
    ('delete files that appear twice', 'duplicates'),
    ('deduplicate my photo library', 'duplicates'),
    ('find and remove duplicated documents', 'duplicates'),
    ('make my photos small enough to email', 'resize_for_email'),
    ('reduce image size for sending by mail', 'resize_for_email'),
    ('create 1200 px versions of these pictures', 'resize_for_email'),
    ('the photos are too large to attach, fix that', 'resize_for_email'),
    ('archive screenshots from more than a week ago', 'screenshots_archive'),
    ('move old screenshots into folders by month', 'screenshots_archive'),
    ('clean up old screenshots', 'screenshots_archive'),
    ('rename these scans as Scan 1, Scan 2, Scan 3', 'rename_pattern'),
    ('add numbers to the file names', 'rename_pattern'),
    ("rename everything in the folder to 'Invoice {n}'", 'rename_pattern'),
    ('rename pictures with the date and city where they were taken', 'photos_by_date_place'),
    ('use the photo location and date as the file name', 'photos_by_date_place'),
    ('import events.csv into my calendar', 'calendar_from_csv'),
    ('turn this csv of appointments into calendar events', 'calendar_from_csv'),
    ('write a caption for every photo', 'caption_photos'),
    ('describe my pictures in a csv file', 'caption_photos'),
    ('my download folder needs tidying', 'sort_by_kind'),
    ('put each file type in its own folder', 'sort_by_kind'),
    ('file my downloads into Documents, Music and so on', 'sort_by_kind'),
    ('check for duplicate files and throw away the extra ones', 'duplicates'),
    ('I copied my photos twice by mistake, remove the copies', 'duplicates'),
    ('resize all photos to 1600 wide', 'resize_for_email'),
    ('prepare these pictures for emailing', 'resize_for_email'),
    ('tidy up screenshots older than 3 months', 'screenshots_archive'),
    ("move last year's screenshots into an archive folder", 'screenshots_archive'),
    ('rename the photos in order: Birthday 01, Birthday 02', 'rename_pattern'),
    ('give the files numbered names', 'rename_pattern'),
    ('name my vacation pictures by the place and date', 'photos_by_date_place'),
    ('rename photos according to their GPS location', 'photos_by_date_place'),
    ('put the dates in my CSV into the calendar', 'calendar_from_csv'),
    ('create events in my calendar from a spreadsheet file', 'calendar_from_csv'),
    ('let AI describe my photos', 'caption_photos'),
    ('produce a csv with a description of each image', 'caption_photos'),
]

LATER_UNRELATED = [
    'set an alarm for 7am',
    'what time is it in Tokyo',
    'translate hello into French',
    'order pizza',
    'show me my files',
    'print the document',
    "what's on my calendar today",
    'zip this folder',
    'show the biggest files',
    'how do I change my password',
    "email my boss that I'm late",
]

# Kept honest: the matcher gets these wrong. Mixed requests (a duplicate hunt phrased as "clean up")
# and a calendar *question* sharing the word "calendar" with the CSV recipe.
KNOWN_MISSES = {"I think I have lots of duplicate songs, clean them up", "what's on my calendar today"}


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


def _tally(positives: list[tuple[str, str]], negatives: list[str]) -> tuple[int, int, float, float, set[str]]:
    """(right top-1, right and good, lowest right score, highest unrelated score, requests decided wrong)."""
    right = good = 0
    lowest, highest, wrong = 1.0, 0.0, set()
    for text, expected in positives:
        ranked = match(text)
        ok = bool(ranked) and ranked[0].recipe.name == expected
        right += ok
        good += ok and ranked[0].good
        if ok:
            lowest = min(lowest, ranked[0].score)
        if not (ok and ranked[0].good):
            wrong.add(text)
    for text in negatives:
        ranked = match(text)
        highest = max(highest, ranked[0].score if ranked else 0.0)
        if ranked and ranked[0].good:
            wrong.add(text)
    return right, good, lowest, highest, wrong


def test_report_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    """Top-1 accuracy, good-match rate and the scores either side of the threshold, for both tables."""
    dev = _tally(PARAPHRASES, UNRELATED)
    later = _tally(LATER, LATER_UNRELATED)
    with capsys.disabled():
        tables = (("development", dev, len(PARAPHRASES), len(UNRELATED)),
                  ("later", later, len(LATER), len(LATER_UNRELATED)))
        for name, (right, good, lowest, highest, _), n, m in tables:
            print(f"\nrecipe matching, {name} table: {right}/{n} top-1, {good}/{n} above GOOD_MATCH="
                  f"{GOOD_MATCH}; lowest right score {lowest:.2f}; highest of {m} unrelated {highest:.2f}")
    assert dev[0] == dev[1] == len(PARAPHRASES) and dev[3] < GOOD_MATCH <= dev[2]
    assert later[4] == KNOWN_MISSES


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
