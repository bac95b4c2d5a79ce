"""Editing a new name in the preview, on the real window: the core checks it, apply and undo follow it.

The name is typed into the After cell (F2 or a double-click, as a person would); the
plan, the journal and undo hold the edited name; names a script could not use, and
names that clash with a file or another change, are refused with the reason.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit

from tests import test_ui_flow
from tests.test_ui_flow import click, tree, wait_run
from tests.test_ui_review import preview_script

pytestmark = pytest.mark.timeout(600)
window = test_ui_flow.window

SCRIPT = """
files.mkdir("Trip/Sorted")
files.rename("Trip/a.txt", "Trip/Sorted/a.txt")
files.rename("Trip/b.txt", "Trip/b2.txt")
files.rename("Trip/b2.txt", "Trip/b3.txt")
files.copy("Trip/c.txt", "Trip/c-copy.txt")
files.write_text("Trip/notes.txt", "hello")
files.write_text("Trip/c.txt", "replaced")
"""


def row_of(view: Any, summary_start: str) -> int:
    shown = view.shown
    return next(i for i in range(shown.rowCount()) if shown.row_at(i).summary.startswith(summary_start))


def type_name(qtbot: Any, view: Any, summary_start: str, name: str, key: Any = Qt.Key.Key_F2) -> None:
    """Select the row, press F2, type the name into the editor and press Enter."""
    view.table.setCurrentIndex(view.shown.index(row_of(view, summary_start), 0))
    view.table.setFocus()
    qtbot.keyClick(view.table, key)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit), "F2 opens an editor on the new name"
    editor.selectAll()
    if name.isascii() and name:
        qtbot.keyClicks(editor, name)
    elif name:
        editor.insert(name)  # pasted: the keyboard cannot type a direction override
    else:
        qtbot.keyClick(editor, Qt.Key.Key_Delete)  # the name rubbed out
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits the name on its next turn of the event loop.
    qtbot.waitUntil(lambda: view.table.state() != QAbstractItemView.State.EditingState, timeout=5000)


def test_an_edited_name_is_applied_journaled_and_undone_and_bad_ones_are_refused(
        qtbot: Any, window: Any, tmp_path: Path) -> None:
    trip = tmp_path / "Trip"
    trip.mkdir()
    for name in ("a.txt", "b.txt", "c.txt", "taken.txt"):
        (trip / name).write_bytes(name.encode() + b"\xff\x00 bytes")
    before = tree(trip)
    view = preview_script(qtbot, window, trip, SCRIPT)
    rows = {r.summary: r for r in view.model.rows}
    # New entries can be renamed; a change that replaces a file, or a folder a move needs, cannot.
    assert rows["Move Trip/a.txt → Trip/Sorted/a.txt"].renamable
    assert rows["Copy Trip/c.txt to Trip/c-copy.txt"].renamable
    assert rows["Create Trip/notes.txt"].renamable
    assert not rows["Replace the text of Trip/c.txt"].renamable
    assert not rows["Create folder Trip/Sorted"].renamable

    refusals = {
        "bad:name?.txt": "not allowed in file names",  # the script's own rule (check_new_name)
        "CON.txt": "reserved for a device",
        "evil\u202etxt.exe": "invisible direction",
        "taken.txt": "already exists",  # a file on disk
        "TAKEN.txt": "would be confused with the existing",  # some systems take them for one
        "b3.txt": "already makes",  # another change's new name
        "": "not a usable file name",
    }
    for name, why in refusals.items():
        type_name(qtbot, view, "Copy Trip/c.txt", name)
        said = view.rename_text.text()
        assert view.rename_text.isVisible() and why in said, (name, said)
        assert view.shown.row_at(row_of(view, "Copy Trip/c.txt")).after == "Trip/c-copy.txt"
    # A rename a later rename relies on keeps its name: that one is edited instead.
    type_name(qtbot, view, "Rename Trip/b.txt", "b-first.txt")
    assert "needs the name “b2.txt”" in view.rename_text.text()

    type_name(qtbot, view, "Copy Trip/c.txt", "c for mum.txt")
    assert not view.rename_text.isVisible()
    type_name(qtbot, view, "Move Trip/a.txt", "a from the trip.txt", key=Qt.Key.Key_F2)
    type_name(qtbot, view, "Rename Trip/b2.txt", "b final.txt")
    after = {r.summary for r in view.model.rows}
    assert {"Copy Trip/c.txt to Trip/c for mum.txt", "Move Trip/a.txt → Trip/Sorted/a from the trip.txt",
            "Rename Trip/b2.txt → Trip/b final.txt"} <= after
    # A name that makes it a program is flagged again, like a script's: Apply waits for the checkbox.
    type_name(qtbot, view, "Create Trip/notes.txt", "notes.sh")
    assert view.allow_flagged.isVisible() and not view.approve.isEnabled()
    assert any("notes.sh" in r.summary and r.flagged for r in view.model.rows)
    type_name(qtbot, view, "Create Trip/notes.sh", "notes for later.txt")
    assert not view.allow_flagged.isVisible() and view.approve.isEnabled()
    assert window.flow.preview.plan.actions[5].detail.get("risk") is None

    click(qtbot, view.approve)
    report = wait_run(qtbot, window)
    assert report.status == "applied"
    on_disk = tree(trip)
    assert on_disk["Sorted/a from the trip.txt"] == before["a.txt"]
    assert on_disk["b final.txt"] == before["b.txt"] and on_disk["c for mum.txt"] == before["c.txt"]
    assert on_disk["notes for later.txt"] == hashlib.sha256(b"hello").hexdigest()
    assert not {"Sorted/a.txt", "b3.txt", "c-copy.txt", "notes.txt"} & set(on_disk)
    journaled = [r["summary"] for r in window.flow.assistant.journal.actions(report.run_id)]
    assert "Move Trip/a.txt → Trip/Sorted/a from the trip.txt" in journaled
    assert "Create Trip/notes for later.txt" in journaled and "Create Trip/notes.txt" not in journaled
    assert any(d.step == "review" and "renamed change" in d.text for d in window.flow.chore.decisions)

    click(qtbot, window.flow.run.undo)
    qtbot.waitUntil(lambda: window.flow.undo_report is not None and not window.flow.busy,
                    timeout=test_ui_flow.WAIT)
    assert not window.flow.undo_report.refused
    assert tree(trip) == before and not (trip / "Sorted").exists()
