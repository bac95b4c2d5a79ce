"""The window at its minimum size (820×560), on the real window: nothing shrinks to a sliver.

Sizes are asserted against each control's own size hint (what it needs to show its
text), so the test holds for any font and style.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from tests import test_ui_flow
from tests.test_ui_review import MANY_SCRIPT, many_trip, preview_script

pytestmark = pytest.mark.timeout(600)
window = test_ui_flow.window  # the same real window fixture


def full_size(widget: QWidget) -> bool:
    hint = widget.sizeHint()
    return widget.width() >= hint.width() and widget.height() >= hint.height()


def test_at_its_minimum_size_the_folder_buttons_and_six_changes_fit(qtbot: Any, window: Any,
                                                                    tmp_path: Path) -> None:
    window.resize(820, 560)
    QApplication.processEvents()
    assert (window.width(), window.height()) == (820, 560)
    ask = window.flow.ask
    for button in (ask.add_button, ask.recent_button, ask.plan_button):
        assert full_size(button), button.text()
    assert ask.request.height() >= ask.request.minimumHeight()
    ask.request.setFocus()
    for _ in range(30):  # reached by Tab, each is scrolled into view
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        if QApplication.focusWidget() is ask.add_button:
            break
    assert QApplication.focusWidget() is ask.add_button
    QApplication.processEvents()
    assert not ask.add_button.visibleRegion().isEmpty() and not ask.recent_button.visibleRegion().isEmpty()

    trip = many_trip(tmp_path)
    view = preview_script(qtbot, window, trip, MANY_SCRIPT)
    QApplication.processEvents()
    table = view.table
    assert table.viewport().height() >= 6 * table.rowHeight(0), table.viewport().height()
    badge = view.attention
    assert badge.isVisible() and badge.height() >= badge.heightForWidth(badge.width())  # not clipped
    assert full_size(view.approve) and full_size(view.back) and full_size(view.review.search)
