"""Each built-in recipe, end to end on real files: request → match → parameters → preview → apply → undo.

The files are made by the tests (JPEGs with EXIF dates and GPS, fake PDFs,
duplicates, screenshots with old dates, a CSV, a local .ics calendar);
captions come from the local OpenAI-compatible server. After apply the
tests look at the disk; after undo the tree is byte-for-byte (and mtime)
what it was.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from capabilities.registry import all_capabilities
from desktop.core import llm
from desktop.core.assistant import Assistant, Preview
from desktop.core.grants import parse_grants
from desktop.core.recipes import Recipe, best_fit, fill_params, fits, load_recipes
from desktop.core.scriptcheck import check_script
from sandbox import Sandbox
from tests.fake_openai import FakeOpenAI
from tests.files_support import snapshot
from tests.imagefactory import make_photo, make_trip

RECIPES: dict[str, Recipe] = {r.name: r for r in load_recipes()}
EMPTY_CALENDAR = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Empty//EN\r\nEND:VCALENDAR\r\n"


def _epoch(day: str) -> int:
    return int(datetime.fromisoformat(day + "T12:00:00+00:00").timestamp())


def _touch(path: Path, data: bytes = b"x", day: str = "2024-01-10") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (_epoch(day), _epoch(day)))
    return path


def _names(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def cook(sandbox: Sandbox, request: str, specs: list[str], expected: str, *,
         services: Mapping[str, Any] | None = None) -> tuple[Assistant, Preview]:
    """What the offline planner does: match the request, fill the parameters, preview the script."""
    assistant = Assistant(sandbox=sandbox, services=services)
    grants = parse_grants(specs)
    fit = best_fit(request, grants)
    assert fit is not None and fit.recipe.name == expected, fits(request, grants)[0]
    recipe = fit.recipe
    assert recipe.lacking(grants) == []
    inputs, missing = fill_params(recipe, request, grants)
    assert missing == [], [p.question for p in missing]
    preview = assistant.preview(recipe.script, grants, inputs=inputs, request=request, planner=recipe.planner)
    assert preview.ok, preview.outcome.error
    return assistant, preview


def apply_then_undo(assistant: Assistant, preview: Preview, root: Path, check: Any) -> None:
    """Apply (checking the disk with ``check``), then undo back to exactly the tree before."""
    before = snapshot(root)
    report = assistant.apply(preview, approve=lambda p: True)
    assert report.status == "applied", report.error
    assert report.planner.startswith("recipe:")
    check()
    undone = assistant.undo(report.run_id)
    assert undone.refused == []
    assert snapshot(root) == before


# ---- 1. rename photos by date and place -------------------------------------------------------

def test_rename_photos_by_date_and_place(sandbox: Sandbox, tmp_path: Path) -> None:
    trip = tmp_path / "Trip"
    make_trip(trip)  # Paris ×2 on the 14th, London, New York, one without GPS
    make_photo(trip / "scan.jpg")  # no date: keeps its name
    make_photo(trip / "2024-07-16 London 001.jpg")  # a name already taken by a file that does not move
    assistant, preview = cook(sandbox, "rename my holiday photos by date and place", [f"files={trip}",
                              "photos", "places"], "photos_by_date_place")
    assert "Left as it is (no date recorded): Trip/scan.jpg" in preview.outcome.log
    originals = {p.name: p.read_bytes() for p in trip.iterdir()}

    def check() -> None:
        assert _names(trip) == {"2024-07-14 Paris 001.jpg", "2024-07-14 Paris 002.jpg",
                                "2024-07-16 London 001.jpg", "2024-07-16 London 002.jpg",
                                "2024-07-19 New York City 001.jpg", "2024-07-20 001.jpg", "scan.jpg"}
        # Morning before evening: the numbers follow the time taken.
        assert (trip / "2024-07-14 Paris 001.jpg").read_bytes() == originals["IMG_0001.jpg"]
        assert (trip / "2024-07-14 Paris 002.jpg").read_bytes() == originals["IMG_0002.jpg"]
        assert (trip / "2024-07-16 London 002.jpg").read_bytes() == originals["IMG_0003.jpg"]
        # Run again: the names are stable, nothing to do.
        again = Assistant(sandbox=sandbox).preview(preview.script, preview.grants, inputs={"folder": "Trip"})
        assert again.ok and len(again.plan) == 0

    apply_then_undo(assistant, preview, trip, check)


def test_photos_named_this_way_keep_their_names(sandbox: Sandbox, tmp_path: Path) -> None:
    trip = tmp_path / "Trip"
    eiffel = (48.8584, 2.2945)
    make_photo(trip / "2024-07-14 Paris 001.jpg", taken="2024-07-14 10:00:00", gps=eiffel)
    make_photo(trip / "IMG_0100.jpg", taken="2024-07-14 09:00:00", gps=eiffel)  # earlier, added later
    make_photo(trip / "IMG_0101.jpg", taken="2024-07-14 11:00:00", gps=eiffel)
    assistant, preview = cook(sandbox, "name the photos after the day and town they were taken in",
                              [f"files={trip}", "photos", "places"], "photos_by_date_place")
    assert [(a.args["src"], a.args["dst"]) for a in preview.plan] == [
        ("Trip/IMG_0100.jpg", "Trip/2024-07-14 Paris 002.jpg"),
        ("Trip/IMG_0101.jpg", "Trip/2024-07-14 Paris 003.jpg")]

    def check() -> None:
        assert _names(trip) == {"2024-07-14 Paris 001.jpg", "2024-07-14 Paris 002.jpg",
                                "2024-07-14 Paris 003.jpg"}

    apply_then_undo(assistant, preview, trip, check)


# ---- 2. sort a folder by kind -----------------------------------------------------------------

def test_sort_downloads_into_folders_by_kind(sandbox: Sandbox, tmp_path: Path) -> None:
    downloads = tmp_path / "Downloads"
    _touch(downloads / "invoice.pdf", b"%PDF-1.4 fake invoice")
    _touch(downloads / "notes.TXT", b"notes")
    _touch(downloads / "song.mp3", b"ID3 music")
    _touch(downloads / "clip.mp4", b"video")
    make_photo(downloads / "beach.jpg", taken="2024-07-14 10:00:00")
    _touch(downloads / "backup.zip", b"PK zip")
    _touch(downloads / "setup.exe", b"MZ program")
    _touch(downloads / "README", b"no extension")
    _touch(downloads / "Documents" / "invoice.pdf", b"%PDF-1.4 an older invoice")  # a clash
    _touch(downloads / "Projects" / "plan.odt", b"a folder stays as it is")
    _touch(downloads / "film.mkv.crdownload", b"still arriving")  # an unfinished download stays
    _touch(downloads / ".hidden", b"hidden")
    assistant, preview = cook(sandbox, "put my downloads in folders by type", [f"files={downloads}"],
                              "sort_by_kind")

    def check() -> None:
        assert _names(downloads) == {
            "Documents/invoice.pdf", "Documents/invoice (2).pdf", "Documents/notes.TXT", "Music/song.mp3",
            "Videos/clip.mp4", "Pictures/beach.jpg", "Archives/backup.zip", "Other/setup.exe", "Other/README",
            "Projects/plan.odt", "film.mkv.crdownload", ".hidden"}
        assert (downloads / "Documents" / "invoice (2).pdf").read_bytes() == b"%PDF-1.4 fake invoice"

    apply_then_undo(assistant, preview, downloads, check)
    assert not (downloads / "Music").exists()  # folders the run made are gone again


# ---- 3. duplicates ----------------------------------------------------------------------------

def test_duplicates_go_to_the_holding_area_and_come_back(sandbox: Sandbox, tmp_path: Path,
                                                         errand_home: Path) -> None:
    pictures = tmp_path / "Pictures"
    make_photo(pictures / "beach.jpg", taken="2024-07-14 10:00:00")
    os.utime(pictures / "beach.jpg", (_epoch("2024-07-14"), _epoch("2024-07-14")))
    _touch(pictures / "sent" / "beach copy.jpg", (pictures / "beach.jpg").read_bytes(), "2024-08-01")
    _touch(pictures / "Beach (1).jpg", (pictures / "beach.jpg").read_bytes(), "2024-09-01")
    _touch(pictures / "a.txt", b"same words", "2024-01-01")
    _touch(pictures / "b.txt", b"same words", "2023-01-01")  # older: b.txt is the one kept
    _touch(pictures / "c.txt", b"diff words", "2022-01-01")  # same size, other content
    _touch(pictures / "empty1.txt", b"")
    _touch(pictures / "empty2.txt", b"")  # empty files are left alone
    assistant, preview = cook(sandbox, "get rid of duplicate photos", [f"files={pictures}"], "duplicates")
    assert preview.outcome.result["removed"] == ["Pictures/sent/beach copy.jpg", "Pictures/Beach (1).jpg",
                                                 "Pictures/a.txt"]
    assert "Keeping Pictures/beach.jpg" in preview.outcome.log

    def check() -> None:
        assert _names(pictures) == {"beach.jpg", "b.txt", "c.txt", "empty1.txt", "empty2.txt"}
        held = [p for p in (errand_home).rglob("*") if p.is_file() and p.read_bytes() == b"same words"]
        assert held, "the extra copy is kept in the holding area"

    apply_then_undo(assistant, preview, pictures, check)


# ---- 4. resized copies for e-mail -------------------------------------------------------------

def test_resized_copies_for_email(sandbox: Sandbox, tmp_path: Path) -> None:
    trip = tmp_path / "Trip"
    make_photo(trip / "wide.jpg", size=(3000, 2000), taken="2024-07-14 10:00:00", gps=(48.85, 2.29))
    make_photo(trip / "turned.jpg", size=(2000, 1500), orientation=6)
    make_photo(trip / "small.png", size=(400, 300))
    make_photo(trip / "small.jpg", size=(300, 200))  # same stem as small.png
    assistant, preview = cook(sandbox, "shrink these pictures to 800 pixels so I can email them",
                              [f"files={trip}", "photos"], "resize_for_email")
    originals = {p.name: p.read_bytes() for p in trip.iterdir()}

    def check() -> None:
        copies = trip / "For email"
        assert sorted(p.name for p in copies.iterdir()) == ["small (2).jpg", "small.jpg", "turned.jpg",
                                                            "wide.jpg"]
        with Image.open(copies / "wide.jpg") as im:
            assert im.format == "JPEG" and im.size == (800, 533)
        with Image.open(copies / "turned.jpg") as im:
            assert max(im.size) == 800 and im.size[1] > im.size[0]  # stood upright
        with Image.open(copies / "small.jpg") as im:
            assert im.size == (300, 200)  # never enlarged
        assert {p.name: p.read_bytes() for p in trip.iterdir() if p.is_file()} == originals

    apply_then_undo(assistant, preview, trip, check)


# ---- 5. old screenshots into monthly archive folders -----------------------------------------

def test_old_screenshots_are_filed_by_month(sandbox: Sandbox, tmp_path: Path) -> None:
    shots = tmp_path / "Screenshots"
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    _touch(shots / "Screenshot 2024-07-03 at 10.15.22.png", day="2024-07-03")  # macOS
    _touch(shots / "Screenshot from 2024-08-01 09-30-15.png", day="2024-08-01")  # GNOME
    _touch(shots / "Screenshot_20240715_101010.png", day="2024-07-15")  # KDE / Android
    _touch(shots / "Screenshot (12).png", day="2024-06-10")  # Windows: no date in the name
    _touch(shots / "Bildschirmfoto 2024-05-02 um 08.00.00.png", day="2024-05-02")  # German macOS
    _touch(shots / f"Screenshot {today} at 09.00.00.png", day=today)  # too recent
    _touch(shots / "holiday.png", day="2020-01-01")  # not a screenshot
    _touch(shots / "Screenshot 2024-02-30 at 10.00.00.png", day="2024-03-02")  # no such day: its mtime
    _touch(shots / "Screenshot 2024-01-05.png", day="2024-01-05")
    _touch(shots / "Archive" / "2024-01" / "Screenshot 2024-01-05.png", b"filed before")  # a clash
    assistant, preview = cook(sandbox, "move screenshots older than 30 days into an archive",
                              [f"files={shots}"], "screenshots_archive")
    assert preview.outcome.result == 6
    assert ("Left Screenshots/Screenshot 2024-01-05.png: Screenshots/Archive/2024-01 already has a file of "
            "that name.") in preview.outcome.log

    def check() -> None:
        assert _names(shots) == {
            "Archive/2024-07/Screenshot 2024-07-03 at 10.15.22.png",
            "Archive/2024-07/Screenshot_20240715_101010.png",
            "Archive/2024-08/Screenshot from 2024-08-01 09-30-15.png",
            "Archive/2024-06/Screenshot (12).png",
            "Archive/2024-05/Bildschirmfoto 2024-05-02 um 08.00.00.png",
            "Archive/2024-03/Screenshot 2024-02-30 at 10.00.00.png",
            "Archive/2024-01/Screenshot 2024-01-05.png",
            "Screenshot 2024-01-05.png", f"Screenshot {today} at 09.00.00.png", "holiday.png"}

    apply_then_undo(assistant, preview, shots, check)


# ---- 6. rename by a pattern with numbers ------------------------------------------------------

def test_rename_by_pattern_sorted_by_date(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = tmp_path / "Party"
    _touch(folder / "zebra.txt", b"first", "2024-01-01")
    _touch(folder / "apple.jpg", b"second", "2024-02-01")
    _touch(folder / "Holiday 001.txt", b"third", "2024-03-01")  # its name is the next one's new name
    _touch(folder / "README", b"fourth", "2024-04-01")
    assistant, preview = cook(sandbox, "rename the files as 'Holiday {n:03}' sorted by date",
                              [f"files={folder}"], "rename_pattern")

    def check() -> None:
        contents = {p.name: p.read_bytes() for p in folder.iterdir()}
        assert contents == {"Holiday 001.txt": b"first", "Holiday 002.jpg": b"second",
                            "Holiday 003.txt": b"third", "Holiday 004": b"fourth"}

    apply_then_undo(assistant, preview, folder, check)


def test_rename_by_pattern_through_a_cycle(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = tmp_path / "Cycle"
    _touch(folder / "b.txt", b"was b")
    _touch(folder / "a.txt", b"was a")
    assistant = Assistant(sandbox=sandbox)
    recipe = RECIPES["rename_pattern"]
    # Sorted by name with the pattern "{n}" reversed by start=… is not possible; swap by pattern instead.
    preview = assistant.preview(recipe.script, parse_grants([f"files={folder}"]),
                                inputs={"folder": "Cycle", "pattern": "{n}", "order": "name", "start": 1})
    assert preview.ok, preview.outcome.error
    report = assistant.apply(preview, approve=lambda p: True)
    assert report.status == "applied"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == {"1.txt": b"was a", "2.txt": b"was b"}


# ---- 7. calendar events from a CSV ------------------------------------------------------------

CSV_TEXT = """Title,Start,End,Location
Dentist,2024-07-14 09:30,2024-07-14 10:15,Main Street 4
Team trip,2024-07-20,2024-07-21,Lake
Broken,2024-13-45 10:00,,Nowhere
Backwards,2024-07-15 12:00,2024-07-15 11:00,
,2024-07-16 12:00,,
Lunch with Ana,2024-07-16 12:30,,Café
"""


def test_calendar_events_from_a_csv(sandbox: Sandbox, tmp_path: Path) -> None:
    docs = tmp_path / "Documents"
    docs.mkdir()
    (docs / "events.csv").write_text(CSV_TEXT, encoding="utf-8")
    ics = tmp_path / "calendar.ics"
    ics.write_text(EMPTY_CALENDAR, encoding="utf-8")
    assistant, preview = cook(sandbox, "add the events in events.csv to my calendar",
                              [f"files={docs}:ro", f"calendar=ics:{ics}"], "calendar_from_csv")
    assert preview.outcome.result["added"] == ["Dentist", "Team trip", "Lunch with Ana"]
    # Each bad row gets one line saying which line of the file and what is wrong with it.
    assert preview.outcome.log == [
        "Skipped line 4: the start '2024-13-45 10:00' is not a date like 2024-07-14 or 2024-07-14 09:30",
        "Skipped line 5: the end '2024-07-15 11:00' is before the start '2024-07-15 12:00'",
        "Skipped line 6: the title is empty",
    ]
    assert ics.read_bytes() == EMPTY_CALENDAR.encode()  # the preview wrote nothing

    def check() -> None:
        text = ics.read_text(encoding="utf-8")
        assert text.count("BEGIN:VEVENT") == 3
        assert "SUMMARY:Dentist" in text and "LOCATION:Main Street 4" in text
        assert "DTSTART;VALUE=DATE:20240720" in text  # a date-only row is an all-day event
        assert "SUMMARY:Lunch with Ana" in text and "Broken" not in text

    apply_then_undo(assistant, preview, docs, check)
    assert "BEGIN:VEVENT" not in ics.read_text(encoding="utf-8")  # undo took the three events out


def test_a_csv_without_good_rows_stops_with_a_clear_message(sandbox: Sandbox, tmp_path: Path) -> None:
    docs = tmp_path / "Documents"
    docs.mkdir()
    (docs / "plan.csv").write_text("what,when\nParty,tomorrow\n", encoding="utf-8")
    (docs / "bad.csv").write_text("title,start\nParty,next friday\n", encoding="utf-8")
    ics = tmp_path / "calendar.ics"
    ics.write_text(EMPTY_CALENDAR, encoding="utf-8")
    assistant = Assistant(sandbox=sandbox)
    recipe = RECIPES["calendar_from_csv"]
    grants = parse_grants([f"files={docs}:ro", f"calendar=ics:{ics}"])
    wrong_columns = assistant.preview(recipe.script, grants, inputs={"file": "Documents/plan.csv"})
    assert not wrong_columns.ok and wrong_columns.outcome.error is not None
    assert wrong_columns.outcome.error.message == (
        "Documents/plan.csv needs a first line naming the columns title and start (and end, location); "
        "it has: what, when.")
    bad_rows = assistant.preview(recipe.script, grants, inputs={"file": "Documents/bad.csv"})
    assert bad_rows.outcome.error is not None
    assert bad_rows.outcome.error.message == ("No event could be added: line 2: the start 'next friday' is "
                                              "not a date like 2024-07-14 or 2024-07-14 09:30")


# ---- 8. captions into a CSV -------------------------------------------------------------------

def test_photos_are_captioned_into_a_csv(sandbox: Sandbox, tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    trip = tmp_path / "Trip"
    make_photo(trip / "beach.jpg", size=(1200, 800), taken="2024-07-14 10:00:00")
    make_photo(trip / "tower.png", size=(300, 600))
    _touch(trip / "notes.txt", b"not a picture")
    fake_openai.reply(json.dumps({"caption": "A sandy beach, with a comma.", "tags": ["beach", "sea"]}))
    fake_openai.reply('{"caption": "The Eiffel Tower at dusk.", "tags": ["paris", "tower"]}')
    settings = llm.ModelSettings(model=fake_openai.model, api_base=fake_openai.url, api_key="sk-test",
                                 vision_model=fake_openai.model, timeout=30.0)
    services = {"caption": llm.caption_service(settings)}
    assistant, preview = cook(sandbox, "describe each picture and save it to a spreadsheet",
                              [f"files={trip}", f"vision={fake_openai.model}"], "caption_photos",
                              services=services)
    assert len(fake_openai.requests) == 2 and all(r.images() for r in fake_openai.requests)

    def check() -> None:
        rows = list(csv.reader(io.StringIO((trip / "captions.csv").read_text(encoding="utf-8"))))
        assert rows == [["file", "caption", "tags"],
                        ["beach.jpg", "A sandy beach, with a comma.", "beach, sea"],
                        ["tower.png", "The Eiffel Tower at dusk.", "paris, tower"]]

    apply_then_undo(assistant, preview, trip, check)
    assert fake_openai.pending == 0 and len(fake_openai.requests) == 2  # apply did not ask again


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_recipe_passes_the_static_check_and_declares_what_it_uses(name: str, tmp_path: Path) -> None:
    """The planner's check accepts each script (models see them as examples), with the grants it declares."""
    recipe = RECIPES[name]
    specs = {"files": f"files={tmp_path}" + (":ro" if recipe.capabilities.get("files") == "ro" else ""),
             "calendar": f"calendar=ics:{tmp_path / 'never-read.ics'}", "vision": "vision=openai/x"}
    grants = parse_grants([specs.get(cap, cap) for cap in recipe.capabilities])
    checked = check_script(recipe.script, all_capabilities(), grants)
    assert checked.ok, checked.problems
    assert checked.needed == set(recipe.capabilities)
    assert checked.writes <= set(recipe.capabilities)
    assert ("files" in checked.writes) == (recipe.capabilities["files"] == "rw")
