"""Plain words: every string the window shows, on every page in several states, is checked
against a glossary of internal terms a person should never meet.

Collected from the real window (offscreen, real core): label, button, checkbox and
tab texts, tooltips, placeholder texts, accessible names, combo-box items, table
headers and cells, and the text of read-only boxes that are not the script or its
own output. The glossary is kept here; a new internal word that leaks in fails it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from tests import test_ui_flow
from tests.test_ui_flow import click, wait_page, wait_preview, wait_run

pytestmark = pytest.mark.timeout(600)
window = test_ui_flow.window  # the same real window fixture

# Internal terms (regular expressions, case-insensitive), each with why a person would not follow it.
GLOSSARY = {
    r"\brolled_back\b|\bundo_refused\b|\bpreviewed\b": "a status as the journal stores it",
    r"\bgranted\b|\bgrants?\b": "the sandbox's word for what a chore may use",
    r"scripts call it": "talks about the script's code",
    r"line \d+ of the script": "a line number in a script the person never wrote",
    r"\btokens?\b": "a model provider's billing unit",
    r"\*\.\w+;": "a file-type pattern",
    r"\bcapabilit(y|ies)\b": "an internal part's name",
    r"\bsandbox\b": "an internal part's name",
    r"\bjson\b": "a data format",
    r"\brun_id\b|\bfreed_bytes\b": "a raw key",
    r"\btraceback\b|\bstderr\b|\bstdout\b|\bexception\b": "a programmer's word",
    r"\bset key\b|\bapi base\b": "a control that does not exist (it is Save key, Server address)",
    r"`errand |\berrand --": "a terminal command in the window",
    r"\b[a-z]+_[a-z]+(_[a-z]+)*\b": "a snake_case name from the code",
    r"\bNone\b|\bnull\b|\bTrue\b|\bFalse\b": "a programming value",
}
_CASED = {r"\bNone\b|\bnull\b|\bTrue\b|\bFalse\b"}  # "none" and "true" are plain words in lower case
_OWN_TEXT = {"script", "log", "problemDetail"}  # the script itself, what it printed, the details on demand


def visible_strings(root: QWidget) -> list[tuple[str, str]]:
    """``(where, text)`` for every string shown on ``root`` as it is now."""
    found: list[tuple[str, str]] = []

    def add(widget: QWidget, text: str) -> None:
        if text and text.strip():
            found.append((f"{type(widget).__name__} {widget.objectName()!r}", text))

    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisibleTo(root) and widget is not root:
            continue
        add(widget, widget.toolTip())
        add(widget, widget.accessibleName())
        if isinstance(widget, QLabel | QAbstractButton):
            add(widget, widget.text())
        elif isinstance(widget, QLineEdit):
            add(widget, widget.placeholderText())
        elif isinstance(widget, QPlainTextEdit):
            add(widget, widget.placeholderText())
            if widget.objectName() not in _OWN_TEXT:
                add(widget, widget.toPlainText())
        elif isinstance(widget, QComboBox):
            for i in range(widget.count()):
                add(widget, widget.itemText(i))
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            for column in range(model.columnCount()):
                add(widget, str(model.headerData(column, Qt.Orientation.Horizontal) or ""))
            for row in range(min(model.rowCount(), 200)):
                for column in range(model.columnCount()):
                    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                        value = model.data(model.index(row, column), role)
                        if isinstance(value, str):
                            add(widget, value)
    return found


def internal_terms(root: QWidget) -> list[str]:
    return sorted({f"{where}: {why} in {text!r}" for where, text in visible_strings(root)
                   for pattern, why in GLOSSARY.items()
                   if re.search(pattern, text, 0 if pattern in _CASED else re.IGNORECASE)})


def check_all_pages(win: Any) -> list[str]:
    QApplication.processEvents()
    return internal_terms(win.flow.stack.currentWidget()) + internal_terms(win.flow.steps)


SCRIPT = ('files.mkdir("Trip/Sorted")\nfiles.rename("Trip/a.txt", "Trip/Sorted/a.txt")\n'
          'files.delete("Trip/b.txt")\nfiles.write_text("Trip/notes.txt", "hello")\n'
          'result = {"moved": ["Trip/a.txt"], "freed_bytes": 3700}\n')
BROKEN = "x = 1\n" * 38 + 'files.rename("Trip/nope.txt", "Trip/b.txt")\n'


def test_every_page_speaks_plain_words(qtbot: Any, window: Any, tmp_path: Path) -> None:
    flow = window.flow
    trip = tmp_path / "Trip"
    trip.mkdir()
    (trip / "a.txt").write_text("a")
    (trip / "b.txt").write_text("b")
    problems: dict[str, list[str]] = {}
    problems["ask"] = check_all_pages(window)
    flow.ask.add_folder(str(trip))
    flow.use_script(BROKEN, flow.ask.folders, request="tidy")
    wait_page(qtbot, window, 1)
    problems["plan"] = check_all_pages(window)
    click(qtbot, flow.plan.preview_button)
    wait_preview(qtbot, window)
    qtbot.waitUntil(lambda: not flow.busy, timeout=test_ui_flow.WAIT)
    problems["failed preview"] = check_all_pages(window)

    flow.use_script(SCRIPT, flow.ask.folders, request="tidy")
    wait_page(qtbot, window, 1)
    click(qtbot, flow.plan.preview_button)
    wait_preview(qtbot, window)
    problems["preview"] = check_all_pages(window)
    shown = {text for _where, text in visible_strings(flow.preview_view)}
    assert {"Apply 4 changes", "Search the changes", "Moved", "Trip/a.txt", "Freed bytes", "3.6 KB"} <= shown
    click(qtbot, flow.preview_view.approve)
    report = wait_run(qtbot, window)
    problems["run"] = check_all_pages(window)
    click(qtbot, flow.run.undo)
    qtbot.waitUntil(lambda: flow.undo_report is not None and not flow.busy, timeout=test_ui_flow.WAIT)
    problems["undone"] = check_all_pages(window)
    for page, name in ((1, "history"), (2, "automations"), (3, "settings")):
        window.show_page(page)
        if page == 1:
            test_ui_flow.wait_history(qtbot, window, report.run_id)
        QApplication.processEvents()
        problems[name] = internal_terms(window.pages.widget(page))
    problems = {state: found for state, found in problems.items() if found}
    assert problems == {}, "\n".join(f"{state}:\n  " + "\n  ".join(found)
                                      for state, found in problems.items())
