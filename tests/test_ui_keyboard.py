"""The window by keyboard and for assistive technology, on the real window.

Focus starts in the request box; Enter plans; Esc goes back a step (or stops
what is under way); every control Tab reaches on every page has a name that a
screen reader reads (asked through Qt's accessibility interface, as a screen
reader would).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QWidget

from tests import test_ui_flow
from tests.test_ui_flow import click, wait_page, wait_preview, wait_run

pytestmark = pytest.mark.timeout(600)
window = test_ui_flow.window  # the same real window fixture

SCRIPT = 'files.rename("Trip/a.txt", "Trip/b.txt")\nfiles.write_text("Trip/notes.txt", "hi")\n'


def focus_chain(page: QWidget) -> list[QWidget]:
    """The widgets Tab visits on ``page``, in order (those shown and taking focus by Tab)."""
    found: list[QWidget] = []
    widget = page.nextInFocusChain()
    seen: set[int] = set()
    while id(widget) not in seen:
        seen.add(id(widget))
        if (page.isAncestorOf(widget) and widget.isVisibleTo(page) and widget.isEnabled()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus):
            found.append(widget)
        widget = widget.nextInFocusChain()
    return found


def spoken_name(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name).strip() if interface is not None else ""


def unnamed(page: QWidget) -> list[str]:
    chain = focus_chain(page)
    assert chain, f"nothing on {page.objectName() or type(page).__name__} takes the keyboard focus"
    return [f"{type(w).__name__} {w.objectName()!r}" for w in chain if not spoken_name(w)]


def test_focus_starts_in_the_request_box_and_enter_plans(qtbot: Any, window: Any, tmp_path: Path) -> None:
    ask = window.flow.ask
    qtbot.waitUntil(lambda: QApplication.focusWidget() is ask.request, timeout=5000)
    trip = tmp_path / "Trip"
    trip.mkdir()
    ask.add_folder(str(trip))
    qtbot.keyClicks(ask.request, "rename photos by date")  # typed at once: nothing jumps to another page
    assert window.pages.currentIndex() == 0 and ask.request.toPlainText() == "rename photos by date"
    qtbot.keyClick(ask.request, Qt.Key.Key_Return)
    assert window.flow.busy or window.flow.stack.currentIndex() != 0 or ask.problem.isVisible()
    qtbot.waitUntil(lambda: not window.flow.busy, timeout=test_ui_flow.WAIT)


def test_esc_goes_back_a_step_and_every_control_has_a_name(qtbot: Any, window: Any, tmp_path: Path) -> None:
    flow = window.flow
    assert unnamed(flow.ask) == []
    trip = tmp_path / "Trip"
    trip.mkdir()
    (trip / "a.txt").write_text("a")
    flow.ask.add_folder(str(trip))
    flow.use_script(SCRIPT, flow.ask.folders, request="tidy")
    wait_page(qtbot, window, 1)
    assert unnamed(flow.plan) == []
    qtbot.keyClick(flow.plan, Qt.Key.Key_Escape)  # back to the request, which keeps its folders
    assert flow.stack.currentIndex() == 0 and flow.ask.folders == [str(trip)]
    flow.use_script(SCRIPT, flow.ask.folders, request="tidy")
    wait_page(qtbot, window, 1)
    click(qtbot, flow.plan.preview_button)
    wait_preview(qtbot, window)
    view = flow.preview_view
    assert unnamed(view) == []
    view.review.search.setFocus()
    qtbot.keyClicks(view.review.search, "notes")
    qtbot.keyClick(view.review.search, Qt.Key.Key_Escape)  # Esc in the search clears it, and stays
    assert view.review.search.text() == "" and flow.stack.currentIndex() == 2
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Tab)  # Tab leaves the table of changes (arrows move in it)
    assert QApplication.focusWidget() is not view.table and view.isAncestorOf(QApplication.focusWidget())
    qtbot.keyClick(view.table, Qt.Key.Key_Escape)
    assert flow.stack.currentIndex() == 1
    click(qtbot, flow.plan.preview_button)
    wait_preview(qtbot, window)
    click(qtbot, view.approve)
    wait_run(qtbot, window)
    assert unnamed(flow.run) == []
    for page in (1, 2, 3):  # History (with this run loaded), Automations, Settings
        window.show_page(page)
        if page == 1:
            test_ui_flow.wait_history(qtbot, window, flow.run.report.run_id)
        QApplication.processEvents()
        assert unnamed(window.pages.widget(page)) == [], page
    window.show_page(2)
    click(qtbot, window.automations.add_button)  # the form that saves a run as an automation
    qtbot.waitUntil(lambda: window.automations.form.isVisible(), timeout=test_ui_flow.WAIT)
    assert unnamed(window.automations) == []
    assert window.automations.form.save_button in focus_chain(window.automations)
