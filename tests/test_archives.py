"""The archives capability on real zip files: list, extract into a new folder (every file previewed,
hostile archives refused before anything is planned), make a zip; apply and undo through the real
journal, byte for byte."""

from __future__ import annotations

import stat
import time
import zipfile
from pathlib import Path

import pytest

from capabilities.errors import CallError, ErrandError
from capabilities.journal import Journal
from desktop.evaluation.tree import snapshot, undo_differences
from tests.photos_support import Run


def make_zip(path: Path, members: dict[str, bytes], *, links: dict[str, str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, (2023, 5, 17, 10, 30, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name, (2023, 5, 17, 10, 30, 0))
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "Downloads"
    make_zip(
        folder / "trip.zip",
        {"notes.txt": b"day one\n", "photos/beach.jpg": b"\xff\xd8 beach", "photos/": b""},
    )
    return folder


def archives_run(tmp_path: Path, folder: Path) -> Run:
    return Run(tmp_path, folder, also=("archives",))


def test_list_shows_what_a_zip_holds(tmp_path: Path, downloads: Path) -> None:
    run = archives_run(tmp_path, downloads)
    members = {m["name"]: m for m in run("archives.list", "Downloads/trip.zip")}
    assert members["notes.txt"]["size"] == 8 and not members["notes.txt"]["is_folder"]
    assert members["photos/"]["is_folder"] and members["notes.txt"]["modified"] == "2023-05-17T10:30:00"


def test_extract_previews_every_file_then_applies_and_undoes_exactly(
    tmp_path: Path, downloads: Path, journal: Journal
) -> None:
    before = snapshot(downloads)
    run = archives_run(tmp_path, downloads)
    made = run("archives.extract", "Downloads/trip.zip", "Downloads/trip")
    assert made == ["Downloads/trip/notes.txt", "Downloads/trip/photos/beach.jpg"]
    summaries = [a.summary for a in run.context.plan]
    assert summaries[0] == "Create folder Downloads/trip"
    assert any(
        "Downloads/trip/photos/beach.jpg" in s and "extracted from Downloads/trip.zip" in s for s in summaries
    )
    assert not (downloads / "trip").exists()  # the preview only plans
    assert run("files.list", "Downloads/trip", recursive=True) == [
        "Downloads/trip/notes.txt",
        "Downloads/trip/photos",
        "Downloads/trip/photos/beach.jpg",
    ]
    rid = run.apply(journal)
    assert (downloads / "trip" / "photos" / "beach.jpg").read_bytes() == b"\xff\xd8 beach"
    stamp = time.mktime((2023, 5, 17, 10, 30, 0, 0, 0, -1))
    assert abs((downloads / "trip" / "notes.txt").stat().st_mtime - stamp) < 1
    done = run.undo(journal, rid)
    assert not done.refused
    assert undo_differences(before, snapshot(downloads)) == []


@pytest.mark.parametrize(
    ("members", "links", "words"),
    [
        ({"../evil.txt": b"x"}, None, "outside the folder"),
        ({"a/../../evil.txt": b"x"}, None, "outside the folder"),
        ({"/etc/evil": b"x"}, None, "outside the folder"),
        ({"C:/evil.txt": b"x"}, None, "outside the folder"),
        ({"a\\..\\evil.txt": b"x"}, None, "outside the folder"),
        ({"ok.txt": b"x"}, {"link": "/etc/passwd"}, "a link"),
        ({"zeros.bin": bytes(50 * 1024 * 1024)}, None, "zip bomb"),
        ({"Readme.txt": b"a", "README.TXT": b"b"}, None, "twice"),
        ({"bad\u202etxt.exe": b"x"}, None, ""),
    ],
    ids=[
        "dotdot",
        "nested-dotdot",
        "absolute",
        "drive",
        "backslash",
        "symlink",
        "bomb",
        "case-twins",
        "bidi",
    ],
)
def test_hostile_archives_are_refused_before_anything_is_planned(
    tmp_path: Path, members: dict[str, bytes], links: dict[str, str] | None, words: str
) -> None:
    folder = tmp_path / "Downloads"
    make_zip(folder / "bad.zip", members, links=links)
    run = archives_run(tmp_path, folder)
    with pytest.raises(ErrandError) as refused:
        run("archives.extract", "Downloads/bad.zip", "Downloads/bad")
    assert words in refused.value.message
    assert list(run.context.plan) == []
    assert sorted(p.name for p in folder.iterdir()) == ["bad.zip"]


def test_a_file_that_is_not_a_zip_gets_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "Downloads"
    folder.mkdir()
    (folder / "fake.zip").write_bytes(b"PK\x03\x04 truncated")
    run = archives_run(tmp_path, folder)
    with pytest.raises(CallError, match="not a zip archive"):
        run("archives.list", "Downloads/fake.zip")


def test_extract_refuses_an_existing_folder(tmp_path: Path, downloads: Path) -> None:
    (downloads / "trip").mkdir()
    run = archives_run(tmp_path, downloads)
    with pytest.raises(CallError, match="already exists"):
        run("archives.extract", "Downloads/trip.zip", "Downloads/trip")


def test_an_archive_swapped_after_the_preview_is_refused_at_apply(
    tmp_path: Path, downloads: Path, journal: Journal
) -> None:
    run = archives_run(tmp_path, downloads)
    run("archives.extract", "Downloads/trip.zip", "Downloads/trip")
    make_zip(downloads / "trip.zip", {"notes.txt": b"something else entirely\n"})
    with pytest.raises(AssertionError, match="since the preview"):
        run.apply(journal)
    assert not (downloads / "trip" / "notes.txt").exists()


def test_make_zip_makes_a_zip_of_files_and_undo_removes_it(tmp_path: Path, journal: Journal) -> None:
    folder = tmp_path / "Work"
    folder.mkdir()
    (folder / "plan.txt").write_text("plan\n")
    (folder / "budget.csv").write_text("a,b\n1,2\n")
    before = snapshot(folder)
    run = archives_run(tmp_path, folder)
    run("archives.make_zip", "Work/for email.zip", ["Work/plan.txt", "Work/budget.csv"])
    assert run("files.exists", "Work/for email.zip")
    rid = run.apply(journal)
    with zipfile.ZipFile(folder / "for email.zip") as archive:
        assert archive.read("plan.txt") == b"plan\n" and archive.read("budget.csv") == b"a,b\n1,2\n"
        assert archive.testzip() is None
    assert not run.undo(journal, rid).refused
    assert undo_differences(before, snapshot(folder)) == []


def test_make_zip_refuses_names_that_would_collide(tmp_path: Path) -> None:
    folder = tmp_path / "Work"
    (folder / "a").mkdir(parents=True)
    (folder / "b").mkdir()
    (folder / "a" / "x.txt").write_text("1")
    (folder / "b" / "X.txt").write_text("2")
    run = archives_run(tmp_path, folder)
    with pytest.raises(CallError, match="share one name"):
        run("archives.make_zip", "Work/both.zip", ["Work/a/x.txt", "Work/b/X.txt"])


def test_read_only_folders_cannot_receive_an_extraction(tmp_path: Path, downloads: Path) -> None:
    run = Run(tmp_path, downloads, mode="ro", also=("archives",))
    assert run("archives.list", "Downloads/trip.zip")
    with pytest.raises(ErrandError):
        run("archives.extract", "Downloads/trip.zip", "Downloads/trip")
