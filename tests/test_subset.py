"""Leaving changes out of a previewed plan (``capabilities.engine.subset``), through the real core.

Plans come from real previews in the sandbox over real folders; the run goes
through ``Assistant.finish_chore`` into a real journal and back with undo.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from capabilities.engine.subset import LeftOutNeeded, needs, refusal
from desktop.core.assistant import Assistant
from desktop.core.chore import always
from desktop.core.grants import parse_grants

SCRIPT = """
files.mkdir("Trip/Sorted/Old")
files.rename("Trip/a.txt", "Trip/Sorted/Old/a.txt")
files.rename("Trip/b.txt", "Trip/c.txt")
files.write_text("Trip/b.txt", "new b")
files.write_text("Trip/other.txt", "x")
files.rename("Trip/other.txt", "Trip/Sorted/other.txt")
files.delete("Trip/d.txt")
"""


@pytest.fixture
def previewed(sandbox: Any, tmp_path: Path) -> tuple[Assistant, Any, Path]:
    trip = tmp_path / "Trip"
    trip.mkdir()
    for name in ("a.txt", "b.txt", "d.txt"):
        (trip / name).write_text(name)
    assistant = Assistant(sandbox=sandbox)
    chore = assistant.script_chore(SCRIPT, parse_grants([f"files={trip}"]), request="tidy")
    preview = assistant.preview_chore(chore)
    assert preview.ok, preview.outcome.error
    return assistant, chore, trip


def by_summary(plan: Any) -> dict[str, int]:
    return {a.summary: a.seq for a in plan}


def test_what_each_change_needs(previewed: tuple[Assistant, Any, Path]) -> None:
    _assistant, chore, _trip = previewed
    seq = by_summary(chore.preview.plan)
    relies = needs(chore.preview.plan.actions)
    sorted_, old = seq["Create folder Trip/Sorted"], seq["Create folder Trip/Sorted/Old"]
    assert relies[old] == {sorted_}  # a folder inside a new folder
    assert relies[seq["Move Trip/a.txt → Trip/Sorted/Old/a.txt"]] == {old}
    assert relies[seq["Create Trip/b.txt"]] == {seq["Rename Trip/b.txt → Trip/c.txt"]}  # the name it freed
    other = seq["Move Trip/other.txt → Trip/Sorted/other.txt"]
    assert relies[other] == {sorted_, seq["Create Trip/other.txt"]}
    assert seq["Delete Trip/d.txt (kept for undo)"] not in relies
    assert seq["Rename Trip/b.txt → Trip/c.txt"] not in relies
    assert refusal(chore.preview.plan.actions, {seq["Delete Trip/d.txt (kept for undo)"]}) == ""
    why = refusal(chore.preview.plan.actions, {sorted_})  # the first kept change that needs it is named
    assert why.startswith("“Create folder Trip/Sorted/Old” needs “Create folder Trip/Sorted”, which you left")
    why = refusal(chore.preview.plan.actions, {sorted_, old})
    assert why.startswith("“Move Trip/a.txt → Trip/Sorted/Old/a.txt” needs “Create folder Trip/Sorted/Old”")


def test_a_refused_subset_journals_nothing_and_changes_nothing(
        previewed: tuple[Assistant, Any, Path]) -> None:
    assistant, chore, trip = previewed
    seq = by_summary(chore.preview.plan)
    runs = len(assistant.history())
    with pytest.raises(LeftOutNeeded) as refused:
        assistant.finish_chore(chore, approve=always, leave_out={seq["Rename Trip/b.txt → Trip/c.txt"]})
    assert "“Create Trip/b.txt” needs “Rename Trip/b.txt → Trip/c.txt”" in refused.value.message
    assert refused.value.hint
    assert len(assistant.history()) == runs and sorted(p.name for p in trip.iterdir()) == ["a.txt", "b.txt",
                                                                                          "d.txt"]


def test_the_applied_subset_is_the_run_and_undo_puts_it_back(previewed: tuple[Assistant, Any, Path]) -> None:
    assistant, chore, trip = previewed
    seq = by_summary(chore.preview.plan)
    leave = {seq["Move Trip/a.txt → Trip/Sorted/Old/a.txt"], seq["Delete Trip/d.txt (kept for undo)"],
             seq["Move Trip/other.txt → Trip/Sorted/other.txt"]}
    report = assistant.finish_chore(chore, approve=always, leave_out=leave)
    assert report.status == "applied"
    journaled = assistant.run_actions(report.run_id)
    assert [r["seq"] for r in journaled] == sorted(set(seq.values()) - leave)
    assert all(r["status"] == "done" for r in journaled)
    assert (trip / "Sorted" / "Old").is_dir() and (trip / "a.txt").read_text() == "a.txt"
    assert (trip / "c.txt").read_text() == "b.txt" and (trip / "b.txt").read_text() == "new b"
    assert (trip / "other.txt").read_text() == "x" and (trip / "d.txt").exists()
    done = assistant.undo(report.run_id)
    assert done.undone == len(journaled) and not done.refused
    assert sorted(p.name for p in trip.iterdir()) == ["a.txt", "b.txt", "d.txt"]
    assert (trip / "b.txt").read_text() == "b.txt"
