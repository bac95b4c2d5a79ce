"""What a plan really does, counted from a real preview's actions, and warned where it exceeds the request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from capabilities.base import Grant
from desktop.core.assistant import Assistant
from desktop.core.effects import effects
from desktop.core.grants import parse_grants
from desktop.core.recipes import fill_params, load_recipes
from tests.imagefactory import make_photo


def _preview(sandbox: Any, script: str, folder: Path, inputs: dict[str, Any] | None = None) -> Any:
    preview = Assistant(sandbox=sandbox).preview(script, parse_grants([f"files={folder}"]), inputs=inputs)
    assert preview.ok, preview.outcome.error
    return preview


def _recipe_preview(sandbox: Any, name: str, folder: Path) -> Any:
    recipe = next(r for r in load_recipes() if r.name == name)
    inputs, missing = fill_params(recipe, "", [folder.name])
    assert not missing
    return _preview(sandbox, recipe.script, folder, inputs)


def test_moves_into_new_folders_are_counted(sandbox: Any, tmp_path: Path) -> None:
    downloads = tmp_path / "Downloads"
    (downloads / "Pictures").mkdir(parents=True)  # one destination exists already
    for name in ("a.pdf", "b.pdf", "c.jpg", "d.mp3", "e.zip", "f.xyz"):
        (downloads / name).write_bytes(name.encode())
    preview = _recipe_preview(sandbox, "sort_by_kind", downloads)
    found = effects(preview.plan, "tidy up my downloads")
    assert found.text == "Moves 6 files into 5 folders (4 new)."
    assert found.warnings == ()


def test_deleting_without_being_asked_is_warned(sandbox: Any, tmp_path: Path) -> None:
    folder = tmp_path / "Photos"
    folder.mkdir()
    for name in ("one.txt", "two.txt", "three.txt"):
        (folder / name).write_bytes(b"the same bytes")
    preview = _recipe_preview(sandbox, "duplicates", folder)
    asked = effects(preview.plan, "delete the duplicates")
    assert asked.text == "Deletes 2 files (kept aside for undo)." and asked.warnings == ()
    unasked = effects(preview.plan, "tidy up my photos")
    assert unasked.warnings == (
        "This plan deletes 2 items, and your request did not ask to delete anything.",)


def test_replacing_a_file_and_making_copies_are_counted(sandbox: Any, tmp_path: Path) -> None:
    folder = tmp_path / "Trip"
    folder.mkdir()
    (folder / "notes.txt").write_text("old notes")
    make_photo(folder / "beach.jpg", size=(800, 600))
    script = ('files.write_text("Trip/notes.txt", "new notes")\n'
              'files.write_text("Trip/list.txt", "beach")\n'
              'files.mkdir("Trip/Small")\n'
              'photos.resize("Trip/beach.jpg", "Trip/Small/beach.jpg", 100)\n')
    grants = [*parse_grants([f"files={folder}"]), Grant("photos")]
    preview = Assistant(sandbox=sandbox).preview(script, grants)
    assert preview.ok, preview.outcome.error
    found = effects(preview.plan, "make small copies of the photos")
    assert found.text == ("Creates 1 folder, writes 2 files, makes 1 resized copy, replaces 1 existing file "
                          "(kept aside for undo).")
    assert found.warnings == ("This plan replaces 1 existing file, and your request did not ask to replace "
                              "anything.",)


def test_sending_pictures_to_a_vision_model_is_warned_unless_asked() -> None:
    vision = [Grant("vision", "openai/gpt-4o-mini", "ro")]
    assert effects([], "rename my photos", vision).warnings == (
        "This plan sends data to a vision model, and your request did not ask to send anything.",)
    assert effects([], "describe my photos", vision).warnings == ()
    assert effects([], "anything").text == "Changes nothing."


def test_archives_documents_and_music_changes_are_counted(sandbox: Any, tmp_path: Path) -> None:
    import zipfile

    from desktop.evaluation.makefiles import make_mp3, make_pdf

    folder = tmp_path / "Stuff"
    folder.mkdir()
    with zipfile.ZipFile(folder / "trip.zip", "w") as archive:
        archive.writestr("a.txt", "a")
        archive.writestr("b.txt", "b")
    make_pdf(folder / "one.pdf", ["one"])
    make_pdf(folder / "two.pdf", ["two"])
    make_mp3(folder / "song.mp3", artist="Nina Simmone")
    script = ('archives.extract("Stuff/trip.zip", "Stuff/trip")\n'
              'archives.make_zip("Stuff/pdfs.zip", ["Stuff/one.pdf", "Stuff/two.pdf"])\n'
              'documents.merge_pdfs(["Stuff/one.pdf", "Stuff/two.pdf"], "Stuff/both.pdf")\n'
              'media.set_tags("Stuff/song.mp3", artist="Nina Simone")\n')
    grants = [*parse_grants([f"files={folder}"]), Grant("archives"), Grant("documents"), Grant("media")]
    preview = Assistant(sandbox=sandbox).preview(script, grants)
    assert preview.ok, preview.outcome.error
    found = effects(preview.plan, "unzip, zip, merge and fix the artist")
    assert found.text == ("Creates 1 folder, extracts 2 files, makes 1 zip archive, makes 1 merged PDF, "
                          "changes the tags of 1 music file.")
    assert found.warnings == ()  # a retag keeps the old file: it is not "replacing" one


def test_photo_copies_and_location_removal_are_counted(sandbox: Any, tmp_path: Path) -> None:
    folder = tmp_path / "Trip"
    make_photo(folder / "a.jpg", gps=(48.85, 2.35))
    make_photo(folder / "b.jpg", gps=(48.85, 2.35))
    make_photo(folder / "c.jpg")
    script = ('photos.convert("Trip/a.jpg", "Trip/a.png")\nphotos.strip_location("Trip/b.jpg")\n'
              'photos.contact_sheet(["Trip/a.jpg", "Trip/c.jpg"], "Trip/sheet.jpg")\n')
    grants = [*parse_grants([f"files={folder}"]), Grant("photos")]
    preview = Assistant(sandbox=sandbox).preview(script, grants)
    assert preview.ok, preview.outcome.error
    found = effects(preview.plan, "remove the location, convert and make a contact sheet")
    assert found.text == ("Makes 1 converted copy, removes the location from 1 photo, "
                          "makes 1 contact sheet.")
    assert found.warnings == ()


def test_one_word_per_kind_in_the_headline_the_window_rows_and_the_terminal(
        sandbox: Any, tmp_path: Path, capsys: Any) -> None:
    from desktop.cli import console
    from desktop.ui.changes import change_rows

    folder = tmp_path / "Trip"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "notes.txt", "gone.txt"):
        (folder / name).write_text(name)
    script = ('files.mkdir("Trip/Sorted")\n'
              'files.rename("Trip/a.txt", "Trip/Sorted/a.txt")\n'
              'files.rename("Trip/b.txt", "Trip/b2.txt")\n'
              'files.write_text("Trip/notes.txt", "new")\n'
              'files.write_text("Trip/new.txt", "new")\n'
              'files.copy("Trip/b2.txt", "Trip/b-copy.txt")\n'
              'files.delete("Trip/gone.txt")\n')
    preview = _preview(sandbox, script, folder)
    words = [r.verb for r in change_rows(preview.plan)]
    assert words == ["New folder", "Move", "Rename", "Replace", "Write", "Copy", "Delete"]
    console.out.width = 200  # the whole table on one line per change
    console.show_preview(preview)
    printed = capsys.readouterr().out
    lines = [line for line in printed.splitlines() if "Trip/" in line and "│" in line]
    said = [next(w for w in words if f"│ {w.lower()} " in line) for line in lines]
    assert said == words  # the terminal says the row's word: a move is a move there too
    headline = effects(preview.plan).text.lower()
    for word in ("move", "rename", "write", "cop", "delete"):
        assert word in headline
