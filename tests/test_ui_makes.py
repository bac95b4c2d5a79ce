"""What a copy, a converted or resized picture and a contact sheet will make, shown before approving:
on the real window (after the new name, in the row's spoken text, found by search) and in the
terminal's table, in the same words (the core's ``desktop.core.effects.makes``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.core.effects import makes
from tests import test_ui_flow
from tests.imagefactory import make_photo
from tests.test_ui_review import preview_script

pytestmark = pytest.mark.timeout(600)
window = test_ui_flow.window

SCRIPT = """
files.copy("Trip/notes.txt", "Trip/notes-copy.txt")
photos.resize("Trip/a.jpg", "Trip/a-small.jpg", 40)
photos.convert("Trip/b.jpg", "Trip/b.png")
photos.contact_sheet(["Trip/a.jpg", "Trip/b.jpg", "Trip/c.jpg"], "Trip/sheet.jpg", 2, 64)
files.rename("Trip/c.jpg", "Trip/c-renamed.jpg")
"""
MADE = {  # the After column of each change, as the person reads it
    "Trip/notes-copy.txt": "Trip/notes-copy.txt (a copy of 3.0 KB)",
    "Trip/a-small.jpg": "Trip/a-small.jpg (a 40×30 JPEG picture)",
    "Trip/b.png": "Trip/b.png (a 200×150 PNG picture)",
    "Trip/sheet.jpg": "Trip/sheet.jpg (a 128×128 JPEG sheet of 3 pictures, 2 across and 2 down)",
    "Trip/c-renamed.jpg": "Trip/c-renamed.jpg",  # a rename makes nothing new: nothing is added
}


def test_what_copies_pictures_and_sheets_make_is_shown_in_the_window_and_the_terminal_alike(
        qtbot: Any, window: Any, tmp_path: Path, capsys: Any) -> None:
    from desktop.cli import console

    trip = tmp_path / "Trip"
    trip.mkdir()
    (trip / "notes.txt").write_bytes(b"n" * 3072)
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        make_photo(trip / name, size=(200, 150))
    view = preview_script(qtbot, window, trip, SCRIPT)
    model = view.model
    shown = {row.after: model.index(i, 2).data() for i, row in enumerate(model.rows)}
    assert shown == MADE
    spoken = model.index(1, 0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert spoken.endswith("(a 40×30 JPEG picture)")  # a screen reader hears it too
    assert model.index(1, 2).data(Qt.ItemDataRole.EditRole) == "a-small.jpg"  # the name alone is edited

    view.review.search.setText("png picture")  # search finds a change by what it makes
    view.review.flush()
    assert [view.shown.row_at(i).after for i in range(view.shown.rowCount())] == ["Trip/b.png"]

    console.out.width = 250  # the whole table on one line per change
    console.show_preview(window.flow.preview)
    printed = capsys.readouterr().out
    for action in window.flow.preview.plan:
        made = makes(action.capability, action.op, action.detail)
        line = next(line for line in printed.splitlines() if f"│ {action.after} " in line)
        assert (made in line) if made else "(a " not in line, line  # the window's words, in the note
