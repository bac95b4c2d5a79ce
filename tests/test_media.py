"""The media capability on real MP3s made here: tags read by the decoder worker; tags changed
through the real journal, and undo puts the file back byte for byte."""

from __future__ import annotations

from pathlib import Path

import mutagen
import pytest

from capabilities.errors import CallError
from capabilities.journal import Journal
from desktop.evaluation.makefiles import make_mp3, write_file
from desktop.evaluation.tree import snapshot, undo_differences
from tests.photos_support import Run


@pytest.fixture
def music(tmp_path: Path) -> Path:
    folder = tmp_path / "Music"
    make_mp3(
        folder / "track01.mp3",
        seconds=3,
        artist="Nina Simone",
        album="Pastel Blues",
        title="Be My Husband",
        tracknumber="1/9",
        date="1965",
        genre="Jazz",
    )
    make_mp3(folder / "untagged.mp3", seconds=1)
    return folder


def media_run(tmp_path: Path, folder: Path) -> Run:
    return Run(tmp_path, folder, also=("media",))


def test_tags_are_read(tmp_path: Path, music: Path) -> None:
    run = media_run(tmp_path, music)
    tags = run("media.tags", "Music/track01.mp3")
    assert {k: tags[k] for k in ("artist", "album", "title", "track", "year", "genre")} == {
        "artist": "Nina Simone",
        "album": "Pastel Blues",
        "title": "Be My Husband",
        "track": 1,
        "year": 1965,
        "genre": "Jazz",
    }
    assert tags["kind"] == "mp3" and 2.9 < tags["duration"] < 3.1
    bare = run("media.tags", "Music/untagged.mp3")
    assert bare["artist"] is None and bare["track"] is None


def test_set_tags_previews_applies_and_undoes_exactly(tmp_path: Path, music: Path, journal: Journal) -> None:
    before = snapshot(music)
    run = media_run(tmp_path, music)
    run("media.set_tags", "Music/untagged.mp3", artist="Miles Davis", album="Kind of Blue", track=2)
    (summary,) = [a.summary for a in run.context.plan]
    assert summary == (
        "Change the tags of Music/untagged.mp3: artist (none) → 'Miles Davis', "
        "album (none) → 'Kind of Blue', track (none) → '2'"
    )
    assert mutagen.File(music / "untagged.mp3", easy=True).tags is None  # the preview only plans
    rid = run.apply(journal)
    written = mutagen.File(music / "untagged.mp3", easy=True)
    assert written["artist"] == ["Miles Davis"] and written["tracknumber"] == ["2"]
    assert (music / "untagged.mp3").stat().st_mtime_ns == before["untagged.mp3"].mtime_ns
    assert not run.undo(journal, rid).refused
    assert undo_differences(before, snapshot(music)) == []


def test_a_file_changed_after_the_preview_is_left_alone(
    tmp_path: Path, music: Path, journal: Journal
) -> None:
    run = media_run(tmp_path, music)
    run("media.set_tags", "Music/track01.mp3", genre="Blues")
    make_mp3(music / "track01.mp3", seconds=2, artist="Someone else")
    with pytest.raises(AssertionError, match="since the preview"):
        run.apply(journal)
    assert mutagen.File(music / "track01.mp3", easy=True)["artist"] == ["Someone else"]


def test_damaged_and_foreign_files_fail_alone(tmp_path: Path, music: Path) -> None:
    write_file(music / "broken.mp3", b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f garbage")
    write_file(music / "cover.jpg", b"\xff\xd8")
    run = media_run(tmp_path, music)
    found = run("media.tags_many", ["Music/broken.mp3", "Music/track01.mp3"])
    assert "error" in found[0] and found[1]["artist"] == "Nina Simone"
    with pytest.raises(CallError, match="not a music file"):
        run("media.tags", "Music/cover.jpg")


def test_bad_tag_values_are_refused_before_planning(tmp_path: Path, music: Path) -> None:
    run = media_run(tmp_path, music)
    with pytest.raises(CallError, match="printable"):
        run("media.set_tags", "Music/track01.mp3", title="two\nlines")
    with pytest.raises(CallError, match="no tag"):
        run("media.set_tags", "Music/track01.mp3")
    assert list(run.context.plan) == []
