"""photos over granted folders: info through the planned state, resize planned/applied/undone for real.

Every run here is real: folders on disk, the Dispatcher that validates calls,
the SQLite journal, apply_plan and undo_run, the holding area.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from capabilities.base import Grant, RunContext
from capabilities.decoding.exif import read_info
from capabilities.dispatch import Dispatcher
from capabilities.engine.apply import apply_plan
from capabilities.errors import CallError, GrantError, TargetExists, TargetMissing
from capabilities.folders.granted import folder_grants
from capabilities.journal import Journal
from capabilities.registry import instantiate
from tests.files_support import snapshot
from tests.imagefactory import make_photo, make_trip
from tests.photos_support import Run


@pytest.fixture
def trip(tmp_path: Path) -> Path:
    make_trip(tmp_path / "Trip")
    return tmp_path / "Trip"


# ---- info -------------------------------------------------------------------------------

def test_info_reads_a_granted_photo_by_its_grant_relative_path(tmp_path: Path, trip: Path) -> None:
    run = Run(tmp_path, trip)
    info = run("photos.info", "Trip/IMG_0002.jpg")
    assert info["path"] == "Trip/IMG_0002.jpg"
    assert info["taken"] == "2024-07-14T18:30:05+02:00"
    assert info["gps"]["lat"] == pytest.approx(48.8867, abs=1e-6)
    assert info["orientation"] == 6 and info["camera"]["make"] == "Apple"


def test_info_sees_the_planned_state(tmp_path: Path, trip: Path) -> None:
    run = Run(tmp_path, trip)
    run("files.rename", "Trip/IMG_0001.jpg", "Trip/Eiffel.jpg")
    assert run("photos.info", "Trip/Eiffel.jpg")["taken"] == "2024-07-14T09:15:00+02:00"
    with pytest.raises(TargetMissing):
        run("photos.info", "Trip/IMG_0001.jpg")
    assert (trip / "IMG_0001.jpg").exists()  # the preview changed nothing on disk


def test_info_many_reports_unreadable_files_without_failing_the_batch(tmp_path: Path, trip: Path) -> None:
    (trip / "notes.txt").write_text("not a photo")
    run = Run(tmp_path, trip)
    paths = run("files.list", "Trip")
    found = run("photos.info_many", [*paths, "Trip/gone.jpg"])
    by_path = {f["path"]: f for f in found}
    assert [f["path"] for f in found] == [*paths, "Trip/gone.jpg"]
    assert by_path["Trip/IMG_0005.jpg"]["missing"] == ["gps"]
    assert "not an image" in by_path["Trip/notes.txt"]["error"]
    assert "no 'Trip/gone.jpg'" in by_path["Trip/gone.jpg"]["error"]
    with pytest.raises(GrantError):  # outside the grants is the script's mistake: it stops the run
        run("photos.info_many", ["Elsewhere/a.jpg"])


def test_photos_needs_a_folder_granted_to_files(tmp_path: Path, trip: Path) -> None:
    caps = instantiate([Grant("photos")], RunContext(holding=tmp_path / "holding"))
    with pytest.raises(GrantError) as err:
        Dispatcher(caps)("photos.info", {"args": ["Trip/IMG_0001.jpg"], "kwargs": {}})
    assert "folders granted for files" in err.value.message
    assert "grant the folder" in err.value.hint


def test_paths_that_leave_the_grant_are_refused(tmp_path: Path, trip: Path) -> None:
    make_photo(tmp_path / "secret.jpg", taken="2020-01-01 00:00:00")
    run = Run(tmp_path, trip)
    for bad in ("Trip/../secret.jpg", str(tmp_path / "secret.jpg"), "Other/secret.jpg"):
        with pytest.raises(GrantError):
            run("photos.info", bad)
    os.symlink(tmp_path / "secret.jpg", trip / "link.jpg")
    with pytest.raises(GrantError):
        run("photos.info", "Trip/link.jpg")


def test_grant_text_says_nothing_leaves_the_computer() -> None:
    from capabilities.api.photos import Photos

    assert "nothing leaves the computer" in Photos.describe_grant(Grant("photos"))
    assert Photos.leaves_machine is False


# ---- resize, convert, metadata -----------------------------------------------------------------

def test_copies_drop_the_location_unless_asked_to_keep_it(tmp_path: Path, trip: Path,
                                                          journal: Journal) -> None:
    make_photo(trip / "beach.jpg", size=(80, 60), taken="2024-07-14 12:00:00", gps=(43.7, 7.26),
               make="Apple", model="iPhone 13")
    run = Run(tmp_path, trip)
    run("photos.resize", "Trip/beach.jpg", "Trip/small.jpg", 40)
    run("photos.convert", "Trip/beach.jpg", "Trip/beach.png", metadata="all")
    run("photos.convert", "Trip/beach.jpg", "Trip/bare.webp", metadata="none")
    summaries = [a.summary for a in run.context.plan]
    assert summaries[0].endswith("keeping its date and camera, without its location")
    assert summaries[1].endswith("keeping its date, camera and location")
    assert summaries[2].endswith("without any of its metadata")
    with pytest.raises(CallError, match="metadata"):
        run("photos.convert", "Trip/beach.jpg", "Trip/x.jpg", metadata="some")
    run.apply(journal)
    small, full, bare = (read_info(trip / n) for n in ("small.jpg", "beach.png", "bare.webp"))
    assert small["gps"] is None and small["taken"] == "2024-07-14T12:00:00"
    assert small["camera"]["make"] == "Apple"
    assert full["gps"]["lat"] == pytest.approx(43.7, abs=1e-5) and (full["width"], full["height"]) == (80, 60)
    assert bare["gps"] is None and bare["taken"] is None and bare["camera"] is None


def test_strip_location_in_place_keeps_the_picture_and_undo_puts_it_back(tmp_path: Path, trip: Path,
                                                                        journal: Journal) -> None:
    photo = make_photo(trip / "home.jpg", size=(80, 60), taken="2024-07-14 12:00:00", gps=(51.5, -0.12),
                       make="Canon")
    make_photo(trip / "scan.jpg", size=(40, 30))  # no location: nothing to do
    original = photo.read_bytes()
    before = snapshot(trip)
    run = Run(tmp_path, trip)
    assert run("photos.strip_location", "Trip/home.jpg") is True
    assert run("photos.strip_location", "Trip/scan.jpg") is False
    (action,) = run.context.plan
    assert action.summary == "Remove the location from Trip/home.jpg (the original is kept for undo)"
    rid = run.apply(journal)
    stripped = photo.read_bytes()
    assert read_info(photo)["gps"] is None and read_info(photo)["camera"]["make"] == "Canon"
    scan_start = original.index(b"\xff\xda")
    assert stripped[stripped.index(b"\xff\xda"):] == original[scan_start:]  # the picture itself, untouched
    assert not run.undo(journal, rid).refused
    assert snapshot(trip) == before and photo.read_bytes() == original


def test_a_contact_sheet_of_pictures(tmp_path: Path, trip: Path, journal: Journal) -> None:
    for i in range(5):
        make_photo(trip / f"p{i}.jpg", size=(120, 80), gps=(48.85, 2.35))
    run = Run(tmp_path, trip)
    run("photos.contact_sheet", [f"Trip/p{i}.jpg" for i in range(5)], "Trip/sheet.jpg", 3, 64)
    assert run.context.plan.actions[-1].summary == "Make Trip/sheet.jpg: a contact sheet of 5 pictures (3×2)"
    run.apply(journal)
    sheet = read_info(trip / "sheet.jpg")
    assert (sheet["width"], sheet["height"]) == (192, 128) and sheet["gps"] is None



def test_resize_is_planned_in_preview_then_applied_and_undone(tmp_path: Path, trip: Path,
                                                              journal: Journal) -> None:
    big = make_photo(trip / "big.jpg", size=(800, 600), taken="2024-07-14 12:00:00", offset="+02:00",
                     gps=(48.8584, 2.2945, 35.0), make="Apple", model="iPhone 13", orientation=6)
    before = snapshot(trip)
    run = Run(tmp_path, trip)
    made = run("photos.resize", "Trip/big.jpg", "Trip/big-small.jpg", 200, metadata="all")
    assert made == "Trip/big-small.jpg"

    assert snapshot(trip) == before  # preview: nothing written
    (action,) = run.context.plan
    assert (action.capability, action.op) == ("photos", "resize")
    assert action.detail["size"] == [150, 200]  # orientation 6: the upright copy is portrait
    assert "Trip/big-small.jpg" in run("files.list", "Trip")  # the overlay shows the planned copy
    assert run("files.stat", "Trip/big-small.jpg")["planned"] is True
    with pytest.raises(TargetMissing) as err:
        run("photos.info", "Trip/big-small.jpg")
    assert "made only when the plan is applied" in err.value.message

    rid = run.apply(journal)
    small = trip / "big-small.jpg"
    with Image.open(small) as im:
        assert im.size == (150, 200) and im.format == "JPEG"
    copied = read_info(small)
    assert copied["orientation"] is None  # turned upright, so no rotation is left to apply
    assert copied["taken"] == "2024-07-14T12:00:00+02:00"
    assert copied["gps"]["lat"] == pytest.approx(48.8584, abs=1e-6)
    assert big.read_bytes() == before["big.jpg"][1]  # the source is untouched

    report = run.undo(journal, rid)
    assert (report.undone, report.refused) == (1, [])
    assert snapshot(trip) == before
    kept = list((tmp_path / "holding").rglob("item"))
    assert len(kept) == 1 and kept[0].read_bytes()[:2] == b"\xff\xd8"  # the copy waits in the holding area


def test_resize_converts_by_extension_and_never_enlarges(tmp_path: Path, trip: Path,
                                                         journal: Journal) -> None:
    run = Run(tmp_path, trip)
    run("photos.resize", "Trip/IMG_0003.jpg", "Trip/IMG_0003.png", 1000)
    run("photos.resize", "Trip/IMG_0004.jpg", "Trip/IMG_0004.webp", 32)
    run.apply(journal)
    with Image.open(trip / "IMG_0003.png") as im:
        assert (im.format, im.size) == ("PNG", (64, 48))
    with Image.open(trip / "IMG_0004.webp") as im:
        assert (im.format, im.size) == ("WEBP", (32, 24))
    assert read_info(trip / "IMG_0003.png")["camera"] == {"make": "Canon", "model": "Canon EOS R6"}


def test_resize_to_heic(tmp_path: Path, trip: Path, journal: Journal) -> None:
    pytest.importorskip("pillow_heif", reason="pillow-heif is not installed")
    run = Run(tmp_path, trip)
    run("photos.resize", "Trip/IMG_0001.jpg", "Trip/IMG_0001.heic", 40)
    run.apply(journal)
    info = read_info(trip / "IMG_0001.heic")
    assert (info["format"], info["width"], info["height"]) == ("HEIF", 40, 30)
    assert info["taken"] == "2024-07-14T09:15:00+02:00"


def test_resize_refuses_bad_arguments_with_hints(tmp_path: Path, trip: Path) -> None:
    run = Run(tmp_path, trip)
    with pytest.raises(CallError) as err:
        run("photos.resize", "Trip/IMG_0001.jpg", "Trip/small.jpg", 0)
    assert "1600" in err.value.hint
    with pytest.raises(CallError) as err:
        run("photos.resize", "Trip/IMG_0001.jpg", "Trip/small.doc", 100)
    assert ".jpg" in err.value.hint
    with pytest.raises(TargetExists):
        run("photos.resize", "Trip/IMG_0001.jpg", "Trip/IMG_0002.jpg", 100)
    with pytest.raises(CallError):
        run("photos.resize", "Trip", "Trip/x.jpg", 100)
    with pytest.raises(CallError):  # validated on the host: a string is not a size
        run("photos.resize", "Trip/IMG_0001.jpg", "Trip/x.jpg", "100")
    assert len(run.context.plan) == 0


def test_resize_needs_a_writable_grant(tmp_path: Path, trip: Path) -> None:
    run = Run(tmp_path, trip, mode="ro")
    assert run("photos.info", "Trip/IMG_0001.jpg")["taken"]
    with pytest.raises(GrantError) as err:
        run("photos.resize", "Trip/IMG_0001.jpg", "Trip/small.jpg", 100)
    assert "read-only" in err.value.message


def test_overwrite_keeps_the_replaced_file_and_undo_restores_it(tmp_path: Path, trip: Path,
                                                                journal: Journal) -> None:
    before = snapshot(trip)
    run = Run(tmp_path, trip)
    run("photos.resize", "Trip/IMG_0003.jpg", "Trip/IMG_0004.jpg", 20, overwrite=True)
    rid = run.apply(journal)
    with Image.open(trip / "IMG_0004.jpg") as im:
        assert im.size == (20, 15)
    assert run.undo(journal, rid).undone == 1
    assert snapshot(trip) == before


def test_apply_stops_when_the_source_changed_after_the_preview(tmp_path: Path, trip: Path,
                                                               journal: Journal) -> None:
    run = Run(tmp_path, trip)
    run("photos.resize", "Trip/IMG_0001.jpg", "Trip/small.jpg", 30)
    make_photo(trip / "IMG_0001.jpg", size=(90, 90))  # the person edits the photo meanwhile
    rid = journal.start_run("photos chore", "...", run.grants)
    journal.save_plan(rid, run.context.plan)
    fresh = instantiate(run.grants, RunContext(holding=run.holding))
    report = apply_plan(journal, rid, run.context.plan, fresh)
    assert report.status == "failed"
    assert "changed" in report.error.message and "Preview" in report.error.hint
    assert not (trip / "small.jpg").exists()


def test_undo_refuses_when_the_copy_changed_since(tmp_path: Path, trip: Path, journal: Journal) -> None:
    run = Run(tmp_path, trip)
    run("photos.resize", "Trip/IMG_0001.jpg", "Trip/small.jpg", 30)
    rid = run.apply(journal)
    make_photo(trip / "small.jpg", size=(10, 10))  # the person reworked the copy
    report = run.undo(journal, rid)
    assert report.undone == 0 and len(report.refused) == 1
    assert "small.jpg" in report.refused[0][1]
    with Image.open(trip / "small.jpg") as im:
        assert im.size == (10, 10)  # their work is not lost


def test_grant_order_does_not_matter(tmp_path: Path, trip: Path) -> None:
    # photos may be built before files has added its folders to the run's view.
    grants = [Grant("photos"), *folder_grants([(str(trip), "rw")])]
    caps = instantiate(grants, RunContext(holding=tmp_path / "holding"))
    assert list(caps) == ["photos", "files"]
    info = Dispatcher(caps)("photos.info", {"args": ["Trip/IMG_0003.jpg"], "kwargs": {}})
    assert info["camera"]["model"] == "Canon EOS R6"


def test_resize_after_a_rename_in_the_same_plan(tmp_path: Path, trip: Path, journal: Journal) -> None:
    before = snapshot(trip)
    run = Run(tmp_path, trip)
    run("files.mkdir", "Trip/small")
    run("files.rename", "Trip/IMG_0002.jpg", "Trip/Montmartre.jpg")
    run("photos.resize", "Trip/Montmartre.jpg", "Trip/small/Montmartre.jpg", 16)
    assert run("files.list", "Trip/small") == ["Trip/small/Montmartre.jpg"]
    assert run.context.plan.counts() == {"files.mkdir": 1, "files.rename": 1, "photos.resize": 1}
    rid = run.apply(journal)
    with Image.open(trip / "small" / "Montmartre.jpg") as im:
        assert im.size == (12, 16)  # orientation 6: portrait once upright
    assert not (trip / "IMG_0002.jpg").exists()
    report = run.undo(journal, rid)
    assert (report.undone, report.refused) == (3, [])
    assert snapshot(trip) == before


def test_resize_in_place_and_undo(tmp_path: Path, trip: Path, journal: Journal) -> None:
    before = snapshot(trip)
    run = Run(tmp_path, trip)
    with pytest.raises(TargetExists):
        run("photos.resize", "Trip/IMG_0001.jpg", "Trip/IMG_0001.jpg", 32)
    run("photos.resize", "Trip/IMG_0001.jpg", "Trip/IMG_0001.jpg", 32, overwrite=True)
    rid = run.apply(journal)
    assert read_info(trip / "IMG_0001.jpg")["width"] == 32
    assert run.undo(journal, rid).undone == 1
    assert snapshot(trip) == before


def test_after_a_crash_the_probe_rebuilds_the_outcome_so_undo_works(tmp_path: Path, trip: Path) -> None:
    before = snapshot(trip)
    run = Run(tmp_path, trip)
    run("photos.resize", "Trip/IMG_0003.jpg", "Trip/IMG_0004.jpg", 24, overwrite=True)
    (action,) = run.context.plan
    fresh = instantiate(run.grants, RunContext(holding=run.holding))["photos"]
    assert fresh.probe(action) is False  # not done yet
    fresh.verify(action)
    fresh.perform(action)  # ... and the process dies before the outcome is journaled
    after_restart = instantiate(run.grants, RunContext(holding=run.holding))["photos"]
    found = after_restart.probe(action)
    assert isinstance(found, dict) and found["holding"] == action.detail["hold_id"]
    after_restart.undo(action, found)
    assert snapshot(trip) == before
