"""The preview as a review tool, on the real window: leave changes out, search, filter, sort.

A real window offscreen with the real core (sandbox, journal, files on disk);
rows are unticked with the keyboard as a person would (Space on the row).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests import test_ui_flow
from tests.test_ui_flow import click, tree, wait_page, wait_preview, wait_run

pytestmark = pytest.mark.timeout(600)
window = test_ui_flow.window  # the same real window fixture

SORT_SCRIPT = """
files.mkdir("Trip/Sorted")
files.rename("Trip/a.txt", "Trip/Sorted/a.txt")
files.rename("Trip/b.txt", "Trip/b2.txt")
files.rename("Trip/b2.txt", "Trip/b3.txt")
files.delete("Trip/c.txt")
files.write_text("Trip/notes.txt", "hello")
"""


def preview_script(qtbot: Any, win: Any, folder: Path, script: str) -> Any:
    flow = win.flow
    flow.ask.add_folder(str(folder))
    flow.use_script(script, flow.ask.folders, request="tidy the trip")
    wait_page(qtbot, win, 1)
    click(qtbot, flow.plan.preview_button)
    wait_preview(qtbot, win)
    return flow.preview_view


def toggle(qtbot: Any, view: Any, summary_start: str) -> None:
    """Select the row whose summary starts so, and press Space on its tick box."""
    shown = view.shown
    row = next(i for i in range(shown.rowCount()) if shown.row_at(i).summary.startswith(summary_start))
    view.table.setCurrentIndex(shown.index(row, 0))
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Space)


def seq_of(view: Any, summary_start: str) -> int:
    return next(r.seq for r in view.model.rows if r.summary.startswith(summary_start))


def test_left_out_rows_are_not_applied_journaled_or_undone_and_needed_ones_refused(
        qtbot: Any, window: Any, tmp_path: Path) -> None:
    trip = tmp_path / "Trip"
    trip.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (trip / name).write_text(name)
    before = tree(trip)
    view = preview_script(qtbot, window, trip, SORT_SCRIPT)
    assert len(view.model.rows) == 6 and view.approve.text() == "Apply 6 changes"

    # The folder a later move goes into: refused, with the reason, until it is ticked again.
    toggle(qtbot, view, "Create folder Trip/Sorted")
    assert view.left_out() == {seq_of(view, "Create folder")}
    assert not view.approve.isEnabled()
    reason = view.left_out_text.text()
    assert view.left_out_text.isVisible()
    assert "Move Trip/a.txt" in reason and "Create folder Trip/Sorted" in reason
    window.flow.next_step()  # Ctrl+Enter must not get round the refusal
    assert window.flow.stack.currentIndex() == 2
    toggle(qtbot, view, "Create folder Trip/Sorted")
    assert view.left_out() == set() and view.approve.isEnabled()

    # A rename whose result a later rename uses.
    toggle(qtbot, view, "Rename Trip/b.txt")
    assert not view.approve.isEnabled() and "Rename Trip/b2.txt" in view.left_out_text.text()
    toggle(qtbot, view, "Rename Trip/b.txt")

    # Leave out the move, the delete and the write; apply the rest.
    for start in ("Move Trip/a.txt", "Delete Trip/c.txt", "Create Trip/notes.txt"):
        toggle(qtbot, view, start)
    kept = {r.seq for r in view.model.rows} - view.left_out()
    assert view.approve.isEnabled() and view.approve.text() == "Apply 3 of 6 changes"
    assert "3 changes left out" in view.left_out_text.text()
    click(qtbot, view.approve)
    report = wait_run(qtbot, window)
    assert report.status == "applied" and report.counts() == {"done": 3}
    assert sorted(p.relative_to(trip).as_posix() for p in trip.rglob("*")) == ["Sorted", "a.txt", "b3.txt",
                                                                                "c.txt"]
    journal = window.flow.assistant.journal
    rows = journal.actions(report.run_id)
    assert {r["seq"] for r in rows} == kept and all(r["status"] == "done" for r in rows)
    assert [r["summary"] for r in rows] == ["Create folder Trip/Sorted", "Rename Trip/b.txt → Trip/b2.txt",
                                            "Rename Trip/b2.txt → Trip/b3.txt"]
    assert any(d.step == "review" and "left out 3 changes" in d.text for d in window.flow.chore.decisions)

    click(qtbot, window.flow.run.undo)
    qtbot.waitUntil(lambda: window.flow.undo_report is not None and not window.flow.busy,
                    timeout=test_ui_flow.WAIT)
    assert window.flow.undo_report.undone == 3 and not window.flow.undo_report.refused
    assert tree(trip) == before and not (trip / "Sorted").exists()
