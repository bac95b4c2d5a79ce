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


MANY_SCRIPT = """
files.mkdir("Trip/Moved")
for n in range(30):
    files.rename(f"Trip/photo-{n:02}.txt", f"Trip/trip-{n:02}.txt")
for n in range(30, 35):
    files.rename(f"Trip/photo-{n:02}.txt", f"Trip/Moved/photo-{n:02}.txt")
files.delete("Trip/old-1.txt")
files.delete("Trip/old-2.txt")
"""


def many_trip(tmp_path: Path) -> Path:
    """The folder ``MANY_SCRIPT`` works on: 35 photos and two old files in ``Trip``."""
    trip = tmp_path / "Trip"
    trip.mkdir()
    for n in range(35):
        (trip / f"photo-{n:02}.txt").write_text(str(n))
    for name in ("old-1.txt", "old-2.txt"):
        (trip / name).write_text(name)
    return trip


def shown_rows(view: Any) -> list[Any]:
    return [view.shown.row_at(i) for i in range(view.shown.rowCount())]


def test_search_filter_and_sort_the_preview_which_opens_at_the_top_in_the_headlines_words(
        qtbot: Any, window: Any, tmp_path: Path) -> None:
    from PySide6.QtCore import QPoint

    trip = many_trip(tmp_path)
    view = preview_script(qtbot, window, trip, MANY_SCRIPT)
    rows = view.model.rows
    assert len(rows) == 38
    headline = view.counts.text().lower()
    assert headline == ("moves 5 files into 1 new folder, renames 30 files, deletes 2 files (kept aside for "
                        "undo).")
    for verb in {r.verb for r in rows}:  # one word per kind: each row's word is the headline's
        assert verb.lower() in headline, verb
    assert {r.verb for r in rows} == {"New folder", "Rename", "Move", "Delete"}
    assert view.table.textElideMode() == Qt.TextElideMode.ElideLeft  # a long path loses its start

    kinds = [view.review.kind.itemText(i) for i in range(view.review.kind.count())]
    assert kinds == ["All changes (38)", "Renames (30)", "Moves (5)", "New folders (1)", "Deletions (2)",
                     "Need a look (2)"]
    view.review.kind.setCurrentIndex(kinds.index("Moves (5)"))
    assert [r.verb for r in shown_rows(view)] == ["Move"] * 5
    view.review.kind.setCurrentIndex(kinds.index("Need a look (2)"))
    assert [r.before for r in shown_rows(view)] == ["Trip/old-1.txt", "Trip/old-2.txt"]
    view.review.kind.setCurrentIndex(0)

    qtbot.keyClicks(view.review.search, "trip-1")  # search as you type, once the typing pauses
    qtbot.waitUntil(lambda: view.shown.rowCount() == 10, timeout=5000)
    assert all(r.after.startswith("Trip/trip-1") for r in shown_rows(view))
    qtbot.keyClicks(view.review.search, "9")
    qtbot.waitUntil(lambda: view.shown.rowCount() == 1, timeout=5000)
    view.review.search.clear()
    qtbot.waitUntil(lambda: view.shown.rowCount() == 38, timeout=5000)

    header = view.table.horizontalHeader()
    after_title = QPoint(header.sectionViewportPosition(2) + 10, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=after_title)
    afters = [r.after for r in shown_rows(view)]
    assert afters == sorted(afters, key=str.lower) and afters[:2] == ["", ""]  # deletes make nothing
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=after_title)
    assert [r.after for r in shown_rows(view)] == afters[::-1]

    view.table.scrollToBottom()
    assert view.table.verticalScrollBar().value() > 0
    qtbot.keyClicks(view.review.search, "photo")
    view.review.flush()
    click(qtbot, view.back)
    click(qtbot, window.flow.plan.preview_button)
    wait_preview(qtbot, window)
    # A new preview: at the top, in the plan's order, every row shown again.
    assert view.table.verticalScrollBar().value() == 0
    assert view.review.search.text() == "" and view.review.kind.currentIndex() == 0
    assert [r.seq for r in shown_rows(view)] == [r.seq for r in view.model.rows]


def test_the_rows_of_a_preview_are_made_off_the_gui_thread(
        qtbot: Any, window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from desktop.ui import flow as flow_module

    made_on: list[threading.Thread] = []
    real = flow_module.review_of

    def recorded(preview: Any) -> Any:
        made_on.append(threading.current_thread())
        return real(preview)

    monkeypatch.setattr(flow_module, "review_of", recorded)
    view = preview_script(qtbot, window, many_trip(tmp_path), MANY_SCRIPT)
    assert len(made_on) == 1 and made_on[0] is not threading.main_thread()  # 100,000 rows: seconds
    assert len(view.model.rows) == 38 and view.counts.text().startswith("Moves 5 files")
