"""The preview grouped by destination folder, on the real window: counts, collapsing, a whole group left out.

The groups are the same rows as the table's (search and the kind filter apply); a group's
tick box leaves out all its changes, and the core refuses it as it refuses one row when a
kept change needs one of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests import test_ui_flow
from tests.test_ui_flow import click, tree, wait_run
from tests.test_ui_review import MANY_SCRIPT, many_trip, preview_script

pytestmark = pytest.mark.timeout(600)
window = test_ui_flow.window


def groups_shown(view: Any) -> list[str]:
    model = view.groups
    return [model.index(i, 0).data() for i in range(model.rowCount())]


def press_space_on_group(qtbot: Any, view: Any, folder: str) -> None:
    model = view.groups
    group = next(i for i in range(model.rowCount()) if model.folders[i] == folder)
    view.grouped.setCurrentIndex(model.index(group, 0))
    view.grouped.setFocus()
    qtbot.keyClick(view.grouped, Qt.Key.Key_Space)


def test_group_by_folder_counts_collapses_filters_and_leaves_out_a_whole_group(
        qtbot: Any, window: Any, tmp_path: Path) -> None:
    trip = many_trip(tmp_path)
    before = tree(trip)
    view = preview_script(qtbot, window, trip, MANY_SCRIPT)
    assert view.table.isVisible() and not view.grouped.isVisible()
    click(qtbot, view.review.group)
    assert view.grouped.isVisible() and not view.table.isVisible()
    assert groups_shown(view) == ["Trip — 33 changes", "Trip/Moved — 5 changes"]
    moved = view.groups.index(1, 0)
    assert view.grouped.isExpanded(moved) and view.groups.rowCount(moved) == 5
    assert {view.groups.index(i, 0, moved).data() for i in range(5)} == {"Move"}
    view.grouped.collapse(moved)  # a group folds away
    assert not view.grouped.isExpanded(moved)

    # The search narrows the groups to what it finds.
    qtbot.keyClicks(view.review.search, "trip-1")
    view.review.flush()
    assert groups_shown(view) == ["Trip — 10 changes"]
    view.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # the groups read the table's rows in its order
    shown = [view.shown.row_at(i).seq for i in range(view.shown.rowCount())]
    assert [r.seq for r in view.shown.shown_rows()] == shown and shown != sorted(shown)
    view.shown.sort(-1)
    view.review.search.clear()
    view.review.flush()
    assert groups_shown(view) == ["Trip — 33 changes", "Trip/Moved — 5 changes"]

    # "Trip" holds the new folder the moves need: leaving it out is refused with the reason.
    press_space_on_group(qtbot, view, "Trip")
    assert len(view.left_out()) == 33 and not view.approve.isEnabled()
    assert "Create folder Trip/Moved" in view.left_out_text.text()
    assert view.groups.index(0, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    press_space_on_group(qtbot, view, "Trip")
    assert view.left_out() == set() and view.approve.isEnabled()

    # One change of a group unticked: the group is partly ticked and says so.
    moved = view.groups.index(1, 0)
    first_move = view.groups.index(0, 0, moved)
    view.grouped.expand(moved)
    view.grouped.setCurrentIndex(first_move)
    qtbot.keyClick(view.grouped, Qt.Key.Key_Space)
    assert len(view.left_out()) == 1
    assert view.groups.index(1, 0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.PartiallyChecked
    assert groups_shown(view)[1] == "Trip/Moved — 5 changes, 1 left out"
    press_space_on_group(qtbot, view, "Trip/Moved")  # partly ticked: all ticked again
    assert view.left_out() == set()
    press_space_on_group(qtbot, view, "Trip/Moved")  # then all five left out
    assert len(view.left_out()) == 5 and view.approve.text() == "Apply 33 of 38 changes"

    click(qtbot, view.approve)
    report = wait_run(qtbot, window)
    assert report.status == "applied" and report.counts() == {"done": 33}
    assert (trip / "Moved").is_dir() and not any((trip / "Moved").iterdir())
    assert all((trip / f"photo-{n}.txt").exists() for n in range(30, 35))
    click(qtbot, window.flow.run.undo)
    qtbot.waitUntil(lambda: window.flow.undo_report is not None and not window.flow.busy,
                    timeout=test_ui_flow.WAIT)
    assert tree(trip) == before and not (trip / "Moved").exists()
