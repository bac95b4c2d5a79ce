"""Long operations on the real window: a large run opens in History without the previous run's
details on screen, and an undo shows its progress and what it put back; tray messages are escaped.

Everything runs on the real core (a real 600-file run in a real journal); the window's work is on
the thread pool, so the GUI thread is free while it is read or undone — checked by the state the
window shows *before* the event loop delivers the worker's answer.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from desktop.ui.background import notification_text
from desktop.ui.errors import Problem
from tests import test_ui_flow
from tests.test_ui_flow import click, wait_history, wait_page, wait_preview, wait_run

pytestmark = pytest.mark.timeout(900)
window = test_ui_flow.window  # the same real window fixture

COUNT = 600  # the size is not the point: the answer arrives through the event loop at any size
BIG = """names = files.list("Scans")
files.rename_many([[n, n.replace("scan-", "Scan ")] for n in names])
result = len(names)
"""


def run_script(qtbot: Any, win: Any, folder: Path, script: str) -> Any:
    flow = win.flow
    flow.new_errand()
    flow.ask.clear_folders()
    flow.ask.add_folder(str(folder))
    flow.use_script(script, flow.ask.folders, request=f"Rename in {folder.name}")
    wait_page(qtbot, win, 1)
    click(qtbot, flow.plan.preview_button)
    wait_preview(qtbot, win)
    click(qtbot, flow.preview_view.approve)
    return wait_run(qtbot, win)


def test_a_large_run_opens_with_loading_shown_and_its_undo_reports_progress(
        qtbot: Any, window: Any, tmp_path: Path) -> None:
    scans, small = tmp_path / "Scans", tmp_path / "Small"
    scans.mkdir()
    small.mkdir()
    for i in range(COUNT):
        (scans / f"scan-{i:05d}.txt").write_text(str(i))
    (small / "scan-1.txt").write_text("1")
    big = run_script(qtbot, window, scans, BIG)
    little = run_script(qtbot, window, small, BIG.replace("Scans", "Small"))
    assert len(big.actions) == COUNT

    history = window.history
    window.show_page(1)
    history.refresh(little.run_id)
    wait_history(qtbot, window, little.run_id)
    assert history.model.rowCount() == 1
    history.load(big.run_id)  # the answer arrives through the event loop, not before this returns
    assert history.title.text() == f"Loading run {big.run_id}…"
    assert history.model.rowCount() == 0 and history.summary.text() == "" and history.current is None
    assert not history.undo_run_button.isVisible()  # nothing of the small run can be undone from here
    wait_history(qtbot, window, big.run_id)
    assert history.model.rowCount() == COUNT and history.title.text().startswith(f"Run {big.run_id}:")

    seen: list[str] = []
    history.undo_note.setText("")
    click(qtbot, history.undo_run_button)
    assert history.busy and history.undo_note.text() == "Putting back…"  # at once, on the GUI thread
    qtbot.waitUntil(lambda: (seen.append(history.undo_note.text()) or True) and not history.busy
                    and history.current is not None and history.current.status != "applied",
                    timeout=test_ui_flow.WAIT)
    assert any(text.startswith("Putting back ") and text.endswith(f" of {COUNT:,} changes…") for text in seen)
    assert history.undo_note.text() == f"Put back {COUNT:,} changes."
    assert sorted(p.name for p in scans.iterdir())[:2] == ["scan-00000.txt", "scan-00001.txt"]
    history.load(little.run_id)  # another run's details never show this result
    wait_history(qtbot, window, little.run_id)
    assert history.undo_note.text() == ""


def test_undo_from_the_run_page_shows_progress_and_what_it_put_back(
        qtbot: Any, window: Any, tmp_path: Path) -> None:
    scans = tmp_path / "Scans"
    scans.mkdir()
    for i in range(300):
        (scans / f"scan-{i:03d}.txt").write_text(str(i))
    run_script(qtbot, window, scans, BIG)
    page = window.flow.run
    click(qtbot, page.undo)
    assert page.status.text() == "Putting back what the chore changed…"
    qtbot.waitUntil(lambda: window.flow.undo_report is not None and not window.flow.busy,
                    timeout=test_ui_flow.WAIT)
    assert page.status.text() == "Put back 300 changes." and page.bar.value() == page.bar.maximum()
    assert page.bar.text() == "Putting back 300 of 300 changes…"
    assert len(list(scans.glob("scan-*.txt"))) == 300


@pytest.mark.parametrize("name", ["<b>Bold</b>", "<!-- hidden", "a & <i>b</i>"])
def test_tray_messages_are_escaped_and_labels_are_plain(qtbot: Any, window: Any, name: str) -> None:
    title, body = notification_text("failed", name, f"{name} could not be read")
    assert name in title  # the title is plain text on every platform
    assert "<" not in body and body == f"{html.escape(name, quote=False)} could not be read"
    window.flow.ask.problem.show_problem(Problem(f"{name} stopped", f"Rename {name} and try again."))
    QApplication.processEvents()
    assert window.flow.ask.problem.message.text() == f"{name} stopped"
    rich = [f"{w.objectName()!r}: {w.text()!r}" for w in window.findChildren(QLabel)
            if "<" in w.text() and w.textFormat() != Qt.TextFormat.PlainText]
    assert rich == []  # a label showing markup shows it as it is, never renders it
