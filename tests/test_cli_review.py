"""The terminal reviews a preview like the window: leave changes out by number, rename one, see it again.

Driven through the real ``errand run`` (its ``main``, a person's answers on a stdin that is a
terminal, or the ``--leave-out`` / ``--rename`` options), with real files and the real journal:
the run ``errand show`` reports, the disk after it and the disk after ``errand undo`` hold exactly
the kept changes under the edited name; a subset the core's rule refuses changes and journals
nothing, and says why in the window's words.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from desktop.cli.main import main

Capsys = pytest.CaptureFixture[str]

# 1 makes Sub, 2 moves a.txt into it (needs 1), 3 and 4 rename b.txt and c.txt.
SCRIPT = """\
files.mkdir("Trip/Sub")
files.rename("Trip/a.txt", "Trip/Sub/a.txt")
files.rename("Trip/b.txt", "Trip/b2.txt")
files.rename("Trip/c.txt", "Trip/c2.txt")
"""
ORIGINAL = {"a.txt": "a", "b.txt": "b", "c.txt": "c"}
REVIEWED = {"Sub/a.txt": "a", "b.txt": "b", "Renamed.txt": "c"}  # 3 left out, 4 renamed


class Terminal(io.StringIO):
    """A person's answers, typed at a terminal."""

    def isatty(self) -> bool:
        return True


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def chore(tmp_path: Path) -> tuple[Path, Path]:
    trip = tmp_path / "Trip"
    trip.mkdir()
    for name, text in ORIGINAL.items():
        (trip / name).write_text(text)
    script = tmp_path / "chore.py"
    script.write_text(SCRIPT)
    return script, trip


def errand(capsys: Capsys, *args: str) -> tuple[int, Any]:
    code = main(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out) if "--json" in args else out


def the_run_and_its_undo_hold_exactly_the_reviewed_plan(capsys: Capsys, trip: Path) -> None:
    assert tree(trip) == REVIEWED
    code, history = errand(capsys, "history", "--json")
    assert code == 0 and len(history["runs"]) == 1
    run_id = history["runs"][0]["run_id"]
    code, shown = errand(capsys, "show", str(run_id), "--json")
    assert code == 0 and shown["status"] == "applied"
    assert [(a["seq"], a["status"]) for a in shown["actions"]] == [(1, "done"), (2, "done"), (4, "done")]
    assert "Renamed.txt" in shown["actions"][2]["summary"]
    code, undone = errand(capsys, "undo", str(run_id), "--json")
    assert (code, undone["undone"], undone["refused"]) == (0, 3, [])
    assert tree(trip) == ORIGINAL and not (trip / "Sub").exists()


def test_at_the_prompt_the_person_leaves_out_renames_and_sees_the_preview_again(
        chore: tuple[Path, Path], capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    script, trip = chore
    answers = ["leave 1",  # refused: change 2 moves into the folder change 1 makes
               "leave 3", "rename 4 Renamed.txt", "rename 9 X.txt", "y"]
    monkeypatch.setattr("sys.stdin", Terminal("\n".join(answers) + "\n"))
    code = main(["run", str(script), "--grant", f"files={trip}"])
    shown = capsys.readouterr()
    said = " ".join((shown.out + shown.err).split())  # the terminal wraps long lines
    assert code == 0, said
    assert "“Move Trip/a.txt → Trip/Sub/a.txt” needs “Create folder Trip/Sub”" in said
    assert "The preview has no change 9" in said
    assert said.count("Preview — 4 changes") == 3  # shown, then again after each of the two edits
    assert "Preview — 4 changes, 1 left out" in said and "left out" in said
    assert "Apply these 3 changes?" in said and "Applied 3 changes" in said
    the_run_and_its_undo_hold_exactly_the_reviewed_plan(capsys, trip)


def test_a_script_says_the_same_with_leave_out_and_rename(chore: tuple[Path, Path], capsys: Capsys) -> None:
    script, trip = chore
    code, report = errand(capsys, "run", str(script), "--grant", f"files={trip}", "--leave-out", "3",
                          "--rename", "4=Renamed.txt", "--yes", "--json")
    assert code == 0 and report["status"] == "applied", report
    the_run_and_its_undo_hold_exactly_the_reviewed_plan(capsys, trip)


@pytest.mark.parametrize(("options", "said"), [
    (("--leave-out", "1"), "“Move Trip/a.txt → Trip/Sub/a.txt” needs “Create folder Trip/Sub”, which you "
                           "left out."),
    (("--leave-out", "3,5-7"), "The preview has no change 5."),
    (("--leave-out", "2-x"), "“2-x” is not a change number or a range of them."),
    (("--leave-out", "1-4"), "Every change is left out"),
    (("--rename", "2=../out.txt"), ""),  # the name check's own words (a name, not a path)
    (("--rename", "1=Other"), "makes no new file or folder, so it keeps its name"),
])
def test_a_refused_review_changes_nothing_and_journals_nothing(
        chore: tuple[Path, Path], capsys: Capsys, options: tuple[str, ...], said: str) -> None:
    script, trip = chore
    code, answer = errand(capsys, "run", str(script), "--grant", f"files={trip}", *options, "--yes", "--json")
    assert code == 2 and answer["status"] == "invalid", answer
    assert said in answer["error"]["message"] and answer["error"]["hint"]
    assert tree(trip) == ORIGINAL
    assert errand(capsys, "history", "--json")[1]["runs"] == []


def test_no_at_the_prompt_applies_nothing_whatever_was_edited(
        chore: tuple[Path, Path], capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    script, trip = chore
    monkeypatch.setattr("sys.stdin", Terminal("leave 4\nn\n"))
    code, _ = errand(capsys, "run", str(script), "--grant", f"files={trip}")
    assert code == 3 and tree(trip) == ORIGINAL
    run = errand(capsys, "history", "--json")[1]["runs"][0]
    assert run["status"] == "refused"


def test_a_flagged_change_left_out_needs_no_second_question(
        chore: tuple[Path, Path], capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """A change that could make a program run asks its own 'yes' only while it is in the plan."""
    script, trip = chore
    script.write_text(SCRIPT + 'files.write_text("Trip/go.sh", "echo hi")\n')  # 5: a script, flagged
    monkeypatch.setattr("sys.stdin", Terminal("leave 5\ny\n"))  # no answer left for a second question
    assert main(["run", str(script), "--grant", f"files={trip}"]) == 0
    shown = capsys.readouterr()
    assert "could make a program run" in shown.out and "could make a program run" not in shown.err
    assert not (trip / "go.sh").exists() and (trip / "c2.txt").exists()
