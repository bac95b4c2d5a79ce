"""`errand ask`: a recipe offline, or a model over real HTTP; grants asked for, not assumed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from capabilities.journal import Journal
from desktop.cli.main import main
from desktop.core import paths
from tests.fake_openai import FakeOpenAI

Capsys = pytest.CaptureFixture[str]

MODEL_SCRIPT = """Here is the script.
```python
count = 0
for path in files.list("Notes", "*.txt"):
    files.rename(path, path[:-4] + ".md")
    count += 1
return count
```
Summary: Changes every .txt note into a .md note.
"""
BROKEN_SCRIPT = """```python
for path in files.list("Notes", "*.txt"):
    files.rename(path, files.stat(path)["no such field"])
```
Summary: Renames the notes.
"""


def ask(capsys: Capsys, *args: str) -> tuple[int, dict]:
    code = main(["ask", *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "Downloads"
    folder.mkdir()
    for name in ("invoice.pdf", "beach.jpg", "song.mp3", "backup.zip"):
        (folder / name).write_bytes(name.encode())
    return folder


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    folder = tmp_path / "Notes"
    folder.mkdir()
    (folder / "a.txt").write_text("alpha")
    (folder / "b.txt").write_text("bravo")
    return folder


def test_a_recipe_does_the_chore_with_no_model(downloads: Path, capsys: Capsys) -> None:
    code, out = ask(capsys, "put my downloads in folders by type", "--folder", str(downloads), "--yes")
    assert code == 0, out
    assert out["status"] == "applied"
    assert out["planner"] == "recipe:sort_by_kind"
    assert (downloads / "Documents" / "invoice.pdf").read_bytes() == b"invoice.pdf"
    assert (downloads / "Pictures" / "beach.jpg").exists()
    assert main(["undo", str(out["run_id"]), "--json"]) == 0
    capsys.readouterr()
    names = sorted(p.name for p in downloads.iterdir())
    assert names == ["backup.zip", "beach.jpg", "invoice.pdf", "song.mp3"]


def test_no_recipe_and_no_model_says_what_to_do(downloads: Path, capsys: Capsys) -> None:
    code, out = ask(capsys, "what is the weather tomorrow", "--folder", str(downloads))
    assert code == 2
    assert out["error"]["type"] == "NoRecipeFits"
    assert out["error"]["message"].startswith("I can't do that without a language model")
    assert "errand settings set model" in out["error"]["hint"]


def test_offline_a_near_miss_is_declined_and_the_closest_recipe_only_offered(downloads: Path,
                                                                             capsys: Capsys) -> None:
    (downloads / "copy of invoice.pdf").write_bytes(b"invoice.pdf")
    code, out = ask(capsys, "find duplicate files", "--folder", str(downloads), "--yes")
    assert code == 2
    assert out["error"]["message"] == ("I can't do that without a language model; here is what I can do "
                                       "offline.")
    hint = out["error"]["hint"]
    assert "1. Remove duplicate files" in hint and "it deletes files (kept aside for undo)" in hint
    assert "--recipe NAME" in hint and "duplicates" in hint
    assert (downloads / "copy of invoice.pdf").exists()  # nothing was run
    assert Journal(paths.database_path()).runs() == []


class _Terminal(io.StringIO):
    """What the person types at a terminal prompt (stdin is the true edge of the CLI)."""

    def isatty(self) -> bool:
        return True


def test_in_a_terminal_the_person_picks_an_offered_recipe_or_none(downloads: Path, capsys: Capsys,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (downloads / "copy of invoice.pdf").write_bytes(b"invoice.pdf")
    monkeypatch.setattr("sys.stdin", _Terminal("\n"))
    assert main(["ask", "find duplicate files", "--folder", str(downloads), "--yes"]) == 2
    shown = capsys.readouterr()
    assert "1. Remove duplicate files" in shown.out and "Nothing was run." in shown.err
    assert (downloads / "copy of invoice.pdf").exists()
    monkeypatch.setattr("sys.stdin", _Terminal("1\n"))
    assert main(["ask", "find duplicate files", "--folder", str(downloads), "--yes"]) == 0
    shown = " ".join(capsys.readouterr().out.split())  # rich wraps long lines
    assert "What it will do: Deletes 1 file (kept aside for undo)." in shown
    assert "Careful: This plan deletes 1 item, and your request did not ask to delete anything." in shown
    left = sorted(p.name for p in downloads.iterdir())
    assert left == ["backup.zip", "beach.jpg", "invoice.pdf", "song.mp3"]


def test_a_model_writes_the_script_over_http(notes: Path, capsys: Capsys, fake_openai: FakeOpenAI,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    fake_openai.reply(MODEL_SCRIPT)
    code, out = ask(capsys, "turn my text notes into markdown files", "--folder", str(notes), "--yes",
                    "--planner", "model", "--model", fake_openai.model, "--api-base", fake_openai.url)
    assert code == 0, out
    assert out["planner"] == "model" and out["result"] == 2
    assert out["summary"] == "Changes every .txt note into a .md note."
    assert sorted(p.name for p in notes.iterdir()) == ["a.md", "b.md"]
    assert fake_openai.requests[0].headers["authorization"] == "Bearer sk-from-the-environment"
    with Journal(paths.database_path()) as journal:
        exchanges = journal.exchanges(out["run_id"])
    assert len(exchanges) == 1 and "sk-from-the-environment" not in json.dumps(exchanges)


def test_with_a_model_a_near_miss_goes_to_the_model_with_the_closest_recipe_as_an_example(
        notes: Path, capsys: Capsys, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    model = ["--model", fake_openai.model, "--api-base", fake_openai.url]
    code, out = ask(capsys, "tidy up my notes", "--folder", str(notes), "--preview-only", *model)
    assert code == 0 and out["planner"] == "recipe:sort_by_kind"  # covered: the recipe, no model call
    assert fake_openai.requests == []
    fake_openai.reply(MODEL_SCRIPT)
    code, out = ask(capsys, "turn my text notes into markdown files", "--folder", str(notes), "--yes", *model)
    assert code == 0 and out["planner"] == "model", out  # auto: no recipe covers it
    system = fake_openai.requests[0].messages[0]["content"]
    assert "Worked examples: the built-in recipes closest to this chore" in system
    assert "write the script for the chore\nas asked, not for the example" in system


def test_a_script_failing_its_preview_gets_one_repair(notes: Path, capsys: Capsys, fake_openai: FakeOpenAI,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    fake_openai.reply(BROKEN_SCRIPT)
    fake_openai.reply(MODEL_SCRIPT)
    code, out = ask(capsys, "rename my notes", "--folder", str(notes), "--yes", "--planner", "model",
                    "--model", fake_openai.model, "--api-base", fake_openai.url)
    assert code == 0, out
    assert len(fake_openai.requests) == 2
    repair = fake_openai.requests[1].messages[-1]["content"]
    assert "KeyError on line 2" in repair and "no such field" in repair  # the model's own failing line
    assert "key not found" not in repair  # the error's text stays here (file names were not allowed)
    assert sorted(p.name for p in notes.iterdir()) == ["a.md", "b.md"]


def test_a_wrong_key_is_a_clear_message(notes: Path, capsys: Capsys, fake_openai: FakeOpenAI,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong")
    fake_openai.fail(401, "Incorrect API key provided")
    code, out = ask(capsys, "rename my notes", "--folder", str(notes), "--planner", "model",
                    "--model", fake_openai.model, "--api-base", fake_openai.url)
    assert code == 2
    assert out["error"]["type"] == "ModelAuthError"
    assert "key" in out["error"]["hint"].lower()
    assert sorted(p.name for p in notes.iterdir()) == ["a.txt", "b.txt"]


def test_pictures_leave_the_machine_only_when_allowed(tmp_path: Path, capsys: Capsys,
                                                      fake_openai: FakeOpenAI) -> None:
    photos = tmp_path / "Photos"
    photos.mkdir()
    from tests.imagefactory import make_photo

    make_photo(photos / "a.jpg")
    code, out = ask(capsys, "caption my photos into a spreadsheet", "--folder", str(photos),
                    "--model", fake_openai.model, "--api-base", fake_openai.url, "--yes")
    assert code == 2
    assert out["error"]["message"] == "Errand needs your permission before it can preview this chore."
    assert out["error"]["hint"] == (f"This chore sends your pictures to {fake_openai.model} "
                                    "to describe them. Allow it with --allow-vision.")
    assert fake_openai.requests == []
    assert sorted(p.name for p in photos.iterdir()) == ["a.jpg"]


@pytest.mark.parametrize(("chore", "options", "hint"), [
    ("add the events in my csv file to the calendar", ["--folder", "{tmp}", "--param", "file=events.csv"],
     "This chore uses a calendar, and none is set up. Pass --calendar ics:/path/cal.ics, "
     "or set one for every chore with errand settings set calendar ics:/path/cal.ics."),
    ("put my downloads in folders by type", ["--param", "folder=Downloads"],
     "This chore works on files, and no folder is chosen. Choose one with --folder DIR."),
])
def test_what_the_chore_still_needs_is_asked_for_with_the_cli_flags(
        tmp_path: Path, capsys: Capsys, chore: str, options: list[str], hint: str) -> None:
    code, out = ask(capsys, chore, *(o.format(tmp=tmp_path) for o in options))
    assert code == 2
    assert out["error"]["message"] == "This chore needs more from you before Errand can preview it."
    assert out["error"]["hint"] == hint


def test_a_parameter_given_by_the_person_wins(tmp_path: Path, capsys: Capsys) -> None:
    from PIL import Image

    from tests.imagefactory import make_photo

    pictures = tmp_path / "Pictures"
    pictures.mkdir()
    make_photo(pictures / "big.jpg", size=(2000, 1000))
    code, out = ask(capsys, "make smaller copies of these pictures for email", "--folder", str(pictures),
                    "--yes", "--param", "max_side=400")
    assert code == 0, out
    assert out["planner"] == "recipe:resize_for_email"
    copies = [p for p in pictures.rglob("*.jpg") if p.name != "big.jpg" or p.parent != pictures]
    assert len(copies) == 1
    with Image.open(copies[0]) as image:
        assert max(image.size) == 400


def test_a_missing_parameter_without_a_terminal_is_explained(tmp_path: Path, capsys: Capsys) -> None:
    code, out = ask(capsys, "add the events in my csv file to the calendar",
                    "--calendar", f"ics:{tmp_path / 'cal.ics'}", "--folder", str(tmp_path))
    assert code == 2
    assert out["error"]["message"] == "Which CSV file holds the events (for example Documents/events.csv)?"
    assert "terminal" in out["error"]["hint"] and "--param" not in out["error"]["hint"]


def test_try_renames_a_copy_of_the_sample_photos_by_date_and_place(tmp_path: Path, capsys: Capsys) -> None:
    from desktop.core.samples import sample_files as sample_photos

    code = main(["try", "--yes", "--json", "--to", str(tmp_path / "Samples")])
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    assert out["planner"] == "recipe:photos_by_date_place"
    names = sorted(p.name for p in (tmp_path / "Samples").iterdir())
    assert len(names) == len(sample_photos()) > 0
    assert all(name[:4].isdigit() and name.endswith(".jpg") for name in names)
    assert any("Paris" in name for name in names)
    assert all(p.exists() for p in sample_photos())  # the shipped originals are untouched


def test_a_chore_the_model_says_cannot_be_done_ends_not_done(notes: Path, capsys: Capsys,
                                                              fake_openai: FakeOpenAI,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    fake_openai.reply('```python\nraise NotImplementedError("Errand cannot send e-mail")\n```\n'
                      "Summary: this cannot be done.")
    code, out = ask(capsys, "email these notes to my sister", "--folder", str(notes), "--yes",
                    "--planner", "model", "--model", fake_openai.model, "--api-base", fake_openai.url)
    assert code == 1 and out["status"] == "not_done"
    assert "cannot send e-mail" in out["error"]["message"]
    assert len(fake_openai.requests) == 1  # "cannot be done" is not sent back for a rewrite
    assert sorted(p.name for p in notes.iterdir()) == ["a.txt", "b.txt"]
    assert "NotImplementedError" in fake_openai.requests[0].messages[0]["content"]  # the prompt says how
