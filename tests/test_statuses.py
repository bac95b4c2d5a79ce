"""Run and action statuses are one vocabulary: every status the journal holds is a member of the enums.

Runs of every kind are made through ``errand run`` (previewed, refused, failed,
applied, then undone and partly undone); the journal's rows are then read
back raw, so a status word written anywhere that the enums do not name fails
here, and the exit codes scripts rely on still follow the statuses. What a person reads for
each status is one table next to the enums, which the terminal and the window both use.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from capabilities.status import ACTION_WORDS, RUN_WORDS, ActionStatus, RunStatus, action_words, run_words
from desktop.cli.main import main
from desktop.core import paths

RENAME = 'files.rename("Trip/a.txt", "Trip/b.txt")\nfiles.rename("Trip/c.txt", "Trip/d.txt")\n'


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], script: str, *options: str) -> tuple[int, str]:
    path = tmp_path / "chore.py"
    path.write_text(script)
    code = main(["run", str(path), "--grant", f"files={tmp_path / 'Trip'}", "--json", *options])
    return code, json.loads(capsys.readouterr().out)["status"]


def test_every_status_in_the_journal_is_one_of_the_enums(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    trip = tmp_path / "Trip"
    trip.mkdir()
    for name in ("a.txt", "c.txt"):
        (trip / name).write_text(name)
    assert run(tmp_path, capsys, RENAME, "--preview-only") == (0, RunStatus.PREVIEWED)
    assert run(tmp_path, capsys, RENAME) == (3, RunStatus.REFUSED)  # nobody at a terminal to approve
    assert run(tmp_path, capsys, "raise ValueError('no')\n", "--yes") == (1, RunStatus.FAILED)
    assert run(tmp_path, capsys, "raise NotImplementedError('no way')\n", "--yes") == (1, RunStatus.NOT_DONE)
    assert run(tmp_path, capsys, RENAME, "--yes") == (0, RunStatus.APPLIED)
    applied = main(["history", "--json"]) == 0 and json.loads(capsys.readouterr().out)["runs"][0]["run_id"]
    (trip / "d.txt").write_text("changed since")  # so that one action cannot be undone
    assert main(["undo", str(applied), "--json"]) == 1
    capsys.readouterr()

    db = sqlite3.connect(paths.database_path())
    runs = {s for (s,) in db.execute("SELECT status FROM runs")}
    actions = {s for (s,) in db.execute("SELECT status FROM actions")}
    db.close()
    assert runs == {RunStatus.PREVIEWED, RunStatus.REFUSED, RunStatus.FAILED, RunStatus.NOT_DONE,
                    RunStatus.PARTLY_UNDONE}
    assert actions <= set(ActionStatus) and {ActionStatus.UNDONE, ActionStatus.UNDO_REFUSED} <= actions


def test_every_status_has_its_words_in_the_one_table() -> None:
    assert set(RUN_WORDS) == set(RunStatus) and set(ACTION_WORDS) == set(ActionStatus)
    words = [*RUN_WORDS.values(), *ACTION_WORDS.values()]
    assert all(w[:1].isupper() and "_" not in w for w in words), words
    assert (run_words("refused"), action_words("undo_refused")) == ("Not applied", "Could not undo")
    assert run_words("a status from a newer Errand") == "a status from a newer Errand"


def test_the_terminal_says_a_runs_status_in_the_windows_words(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    trip = tmp_path / "Trip"
    trip.mkdir()
    for name in ("a.txt", "c.txt"):
        (trip / name).write_text(name)
    assert run(tmp_path, capsys, RENAME) == (3, RunStatus.REFUSED)  # nobody at a terminal to approve
    runs = json.loads(capsys.readouterr().out if main(["history", "--json"]) == 0 else "")["runs"]
    assert main(["show", str(runs[0]["run_id"])]) == 0
    shown = capsys.readouterr().out
    assert f"Run {runs[0]['run_id']} — Not applied — " in shown and "refused" not in shown
    assert "Planned" in shown and "planned" not in shown  # the timeline: each action's status in words
