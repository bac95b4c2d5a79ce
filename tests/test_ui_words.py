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
    r"\bsandbox\b|guest component|webassembly|\bwasm\b|\bcpython\b|\bcompil": "an internal part's name",
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


# A message names a control by its text ("press Save settings", "Settings → Vision model"); the
# issue found "Set key" for "Save key" and "API base" for "Server address". Each name after
# "Settings →" (each step of a path) or after press/click/tick must be a control of the window.
_SETTINGS_PATH = re.compile(r"Settings((?: → [A-Z][\w…]*(?: [a-z][\w…]*)*)+)")
_PRESSED = re.compile(r"\b(?:[Pp]ress|[Cc]lick|[Tt]ick|[Uu]ntick) (?:the )?“?([A-Z][\w…]*(?: [\w…]+)*)")
_KEYS = {"Enter", "Esc", "Escape", "Tab", "Ctrl", "Space", "Delete", "Backspace",
         *(f"F{n}" for n in range(1, 13))}


def control_names(win: QWidget) -> set[str]:
    """Every name a control goes by in the window, shown or not: texts, accessible names, row labels."""
    names: set[str] = set()
    for widget in [win, *win.findChildren(QWidget)]:
        names.add(widget.accessibleName())
        if isinstance(widget, QAbstractButton | QLabel):
            names.add(widget.text().replace("&", ""))
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            names.update(str(model.index(r, 0).data() or "") for r in range(model.rowCount()))
    return {n.strip() for n in names if n and n.strip() and len(n) < 60}


def named_controls(text: str) -> list[str]:
    """The control names ``text`` refers to, each as the words after the pointer (a prefix is the name)."""
    found = [step.strip() for path in _SETTINGS_PATH.findall(text)
             for step in path.split("→") if step.strip()]
    return found + [name for name in _PRESSED.findall(text) if name.split()[0] not in _KEYS]


def missing_controls(texts: list[str], names: set[str]) -> list[str]:
    """``"…: 'Set key'"`` for each referred-to name of which no prefix is a control in ``names``."""
    missing = []
    for text in texts:
        for words in named_controls(text):
            parts = words.split()
            if not any(" ".join(parts[:n]) in names for n in range(1, len(parts) + 1)):
                missing.append(f"no control {words!r} in {text!r}")
    return sorted(set(missing))


def check_all_pages(win: Any) -> list[str]:
    QApplication.processEvents()
    page, steps = win.flow.stack.currentWidget(), win.flow.steps
    shown = [text for _where, text in visible_strings(page) + visible_strings(steps)]
    return internal_terms(page) + internal_terms(steps) + missing_controls(shown, control_names(win))


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
    window.assistant.save_automation("Tidy the trip", str(trip), from_run=report.run_id, pattern="*.txt;*.md")
    click(qtbot, flow.run.undo)
    qtbot.waitUntil(lambda: flow.undo_report is not None and not flow.busy, timeout=test_ui_flow.WAIT)
    problems["undone"] = check_all_pages(window)
    for page, name in ((1, "history"), (2, "automations"), (3, "settings")):
        window.show_page(page)
        if page == 1:
            test_ui_flow.wait_history(qtbot, window, report.run_id)
        if page == 2:  # an automation selected: its pattern, folder and what it may use, in words
            window.automations.refresh()
            qtbot.waitUntil(lambda: len(window.automations.rows) == 1, timeout=test_ui_flow.WAIT)
            window.automations.table.selectRow(0)
        QApplication.processEvents()
        shown = [text for _where, text in visible_strings(window.pages.widget(page))]
        problems[name] = (internal_terms(window.pages.widget(page))
                          + missing_controls(shown, control_names(window)))
    problems = {state: found for state, found in problems.items() if found}
    assert problems == {}, "\n".join(f"{state}:\n  " + "\n  ".join(found)
                                      for state, found in problems.items())


def source_messages() -> list[str]:
    """Every string constant of the core and the window (f-strings by their fixed parts): the hints
    of core errors reach the window through ``problem_from``, most of them in no test's path."""
    import ast

    root = Path(__file__).resolve().parents[1]
    texts = []
    for path in sorted([*(root / "desktop").rglob("*.py"), *(root / "capabilities").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                texts.append("".join(v.value for v in node.values if isinstance(v, ast.Constant)))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                texts.append(node.value)
    return texts


def test_every_message_names_a_control_that_exists(window: Any) -> None:
    names = control_names(window)
    assert {"Save key", "Server address", "Vision model", "Calendar", "Save settings"} <= names
    assert missing_controls(source_messages(), names) == []


def test_the_check_catches_a_control_that_does_not_exist(window: Any) -> None:
    names = control_names(window)
    assert missing_controls(["Add one with Settings → Model → Set key."], names) == [
        "no control 'Set key' in 'Add one with Settings → Model → Set key.'"]
    assert missing_controls(["Check the API base in Settings → API base."], names) != []
    assert missing_controls(["Then press Fix everything, or press Enter."], names) != []
    assert missing_controls(["Double-click a new name (or press F2) to change it."], names) == []
    assert missing_controls(["Paste it in Settings → API key and press Save key."], names) == []


def test_a_core_hint_reaches_the_window_without_its_terminal_command() -> None:
    from capabilities.errors import ErrandError
    from desktop.core.llm import SETTINGS_HINT
    from desktop.ui.errors import problem_from

    problem = problem_from(ErrandError("The model is not set up.", SETTINGS_HINT))
    assert problem.hint == "Check it in Settings → Model."
    assert problem_from(ErrandError("x", "Pick an applied run from `errand history`.")).hint == \
        "Pick an applied run."
    assert internal_terms_of(problem.hint) == [] and internal_terms_of(SETTINGS_HINT) != []


def internal_terms_of(text: str) -> list[str]:
    return [why for pattern, why in GLOSSARY.items()
            if re.search(pattern, text, 0 if pattern in _CASED else re.IGNORECASE)]
