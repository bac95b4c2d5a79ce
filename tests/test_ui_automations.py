"""The Automations page and the app's runner, for real (offscreen): save a run, a file arrives, pause,
resume, remove, close.

The window is real, and so are the session's wasm sandbox, the journal in this
test's ERRAND_HOME, watchdog and the files; only the runner's quiet period is
short. Offscreen there is no system tray, so closing the window quits and must
stop the runner (the conftest fails the test on a leaked thread).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from desktop.core.grants import parse_grants

pytestmark = pytest.mark.timeout(600)
WAIT = 120_000  # ms: room for a busy shared machine; no test asserts how long anything took
AUTOMATIONS, HISTORY = 2, 1

FILE_IT = """\
src = inputs["path"]
files.rename(src, "Work/Done/" + inputs["name"])
return src
"""


@pytest.fixture
def window(qtbot: Any, sandbox: Any, tmp_path: Path) -> Iterator[Any]:
    from PySide6.QtWidgets import QApplication

    from desktop.core.assistant import Assistant
    from desktop.ui.theme import apply_theme
    from desktop.ui.window import MainWindow

    apply_theme(QApplication.instance())  # type: ignore[arg-type]
    win = MainWindow(Assistant(sandbox=sandbox), samples_parent=tmp_path / "Pictures",
                     runner_options={"quiet_seconds": 0.2, "reload_seconds": 0.5, "rescan_seconds": None})
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    assert not win.background.runner.running


def click(qtbot: Any, button: Any) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def applied_run(win: Any, work: Path) -> int:
    """A run the person approved: file first.pdf from Inbox into Done (what the automation will repeat)."""
    (work / "Inbox" / "first.pdf").write_text("first")
    assistant = win.assistant
    preview = assistant.preview(FILE_IT, parse_grants([f"files={work}"]), request="File the PDF in Inbox",
                                inputs={"path": "Work/Inbox/first.pdf", "name": "first.pdf"})
    report = assistant.apply(preview, approve=None)
    assert report.status == "applied" and (work / "Done" / "first.pdf").exists()
    return int(report.run_id)


def open_form(qtbot: Any, win: Any, run_id: int) -> Any:
    """History's selected run, then Automations → "Save a run as an automation…": that run is chosen."""
    win.show_page(HISTORY)
    win.history.refresh(run_id)
    qtbot.waitUntil(lambda: win.history.current is not None and win.history.current.run_id == run_id,
                    timeout=WAIT)
    win.show_page(AUTOMATIONS)
    page = win.automations
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT)
    assert page.empty.isVisible() and not page.table.isVisible()
    click(qtbot, page.add_button)
    form = page.form
    qtbot.waitUntil(lambda: form.run.count() == 1, timeout=WAIT)
    assert form.run.currentData() == run_id and f"Run {run_id}" in form.run.currentText()
    return form


def row(win: Any) -> dict[str, Any]:
    [only] = win.automations.rows
    return only


def test_save_a_run_a_file_arrives_pause_resume_remove(qtbot: Any, window: Any, work: Path) -> None:
    run_id = applied_run(window, work)
    page = window.automations
    form = open_form(qtbot, window, run_id)
    form.name.setText("file pdfs")
    form.folder.setText(str(work / "Inbox"))
    form.pattern.setText("pdf")  # a kind of file, in a person's words
    click(qtbot, form.save_button)
    qtbot.waitUntil(lambda: page.table.rowCount() == 1 and not page.busy, timeout=WAIT)
    assert not form.isVisible()
    cells = [page.table.item(0, c).text() for c in range(page.table.columnCount())]
    assert cells[:4] == ["file pdfs", str((work / "Inbox").resolve()), "pdf files", "Watching"]
    assert row(window)["pattern"] == "*.pdf"
    assert cells[4] == "Not yet" and "May: Read and change files in" in page.details.text()
    qtbot.waitUntil(lambda: window.background.watching() == ["file pdfs"], timeout=WAIT)

    # A file arrives: the runner files it, History shows the automatic run, the page its last run.
    (work / "Inbox" / "second.pdf").write_text("second")
    (work / "Inbox" / "notes.txt").write_text("not a pdf")
    qtbot.waitUntil(lambda: (work / "Done" / "second.pdf").exists(), timeout=WAIT)
    qtbot.waitUntil(lambda: row(window)["handled"] == 1 and row(window)["last_status"] == "applied",
                    timeout=WAIT)
    assert not (work / "Inbox" / "second.pdf").exists() and (work / "Inbox" / "notes.txt").exists()
    assert "applied (run" in page.table.item(0, 4).text()
    [triggered] = [r for r in window.assistant.journal.runs(10) if isinstance(r["trigger"], dict)]
    assert triggered["trigger"]["automation"] == "file pdfs"
    assert triggered["trigger"]["path"] == "Work/Inbox/second.pdf" and triggered["status"] == "applied"
    window.show_page(HISTORY)
    qtbot.waitUntil(lambda: any(r["id"] == triggered["id"] for r in window.history.runs), timeout=WAIT)
    index = [r["id"] for r in window.history.runs].index(triggered["id"])
    assert window.history.table.item(index, 1).text().startswith("Automatic: ")

    # Pause: the status says so and the watcher stops; a file arriving now waits.
    window.show_page(AUTOMATIONS)
    qtbot.waitUntil(lambda: not page.busy and page.selected() is not None, timeout=WAIT)
    click(qtbot, page.pause_button)
    qtbot.waitUntil(lambda: row(window)["status"] == "paused" and not page.busy, timeout=WAIT)
    assert page.table.item(0, 3).text() == "Paused" and page.resume_button.isEnabled()
    assert not page.pause_button.isEnabled()
    qtbot.waitUntil(lambda: window.background.watching() == [], timeout=WAIT)
    (work / "Inbox" / "third.pdf").write_text("third")
    qtbot.wait(800)  # more than the quiet period: a watching runner would have taken it
    assert (work / "Inbox" / "third.pdf").exists()

    # Resume: watching again, and the file that arrived meanwhile is caught up.
    click(qtbot, page.resume_button)
    qtbot.waitUntil(lambda: row(window)["status"] == "watching" and not page.busy, timeout=WAIT)
    assert page.table.item(0, 3).text() == "Watching"
    qtbot.waitUntil(lambda: (work / "Done" / "third.pdf").exists(), timeout=WAIT)

    # Remove asks first; Cancel keeps it, Remove removes it (its runs stay in History).
    click(qtbot, page.remove_button)
    box = page.confirm
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(200)
    assert len(page.rows) == 1
    click(qtbot, page.remove_button)
    box = page.confirm
    [remove] = [b for b in box.buttons() if b.text() == "Remove"]
    remove.click()
    qtbot.waitUntil(lambda: page.rows == [] and not page.busy, timeout=WAIT)
    assert page.empty.isVisible() and not page.remove_button.isVisible()
    qtbot.waitUntil(lambda: window.background.watching() == [], timeout=WAIT)
    assert len([r for r in window.assistant.journal.runs(10) if isinstance(r["trigger"], dict)]) == 2


def test_a_folder_the_run_could_not_change_is_refused_in_plain_words(qtbot: Any, window: Any, work: Path,
                                                                     tmp_path: Path) -> None:
    run_id = applied_run(window, work)
    elsewhere = tmp_path / "Elsewhere"
    elsewhere.mkdir()
    form = open_form(qtbot, window, run_id)
    form.name.setText("file pdfs")
    form.folder.setText(str(elsewhere))
    click(qtbot, form.save_button)
    qtbot.waitUntil(lambda: form.problem.isVisible() and not form.busy, timeout=WAIT)
    assert "is not inside a folder this automation may change" in form.problem.message.text()
    assert str(work) in form.problem.hint.text()
    assert form.isVisible() and window.automations.rows == []
    form.folder.setText("")
    click(qtbot, form.save_button)
    assert form.problem.message.text() == "Choose the folder to watch."
    assert window.assistant.journal.automations() == []


BROKEN = """\
raise ValueError("this automation is broken on purpose")
"""


def test_with_a_tray_closing_hides_the_window_and_quit_stops_the_runner(
        qtbot: Any, sandbox: Any, work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QApplication

    from desktop.core import saved_automations as automations
    from desktop.core.assistant import Assistant
    from desktop.ui import window as window_module

    monkeypatch.setattr(window_module, "tray_available", lambda: True)  # offscreen has no tray
    quits: list[bool] = []
    monkeypatch.setattr(QApplication, "quit", staticmethod(lambda: quits.append(True)))
    assistant = Assistant(sandbox=sandbox)
    automations.add(assistant.journal, "broken", work / "Inbox", BROKEN, parse_grants([f"files={work}"]))
    win = window_module.MainWindow(assistant, runner_options={"quiet_seconds": 0.2, "reload_seconds": None,
                                                              "rescan_seconds": None, "backoff_base": 0.1})
    qtbot.addWidget(win)
    assert win.tray is not None
    messages: list[tuple[str, str]] = []
    monkeypatch.setattr(win.tray, "notify", lambda kind, name, message: messages.append((kind, name)))
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.background.watching() == ["broken"], timeout=WAIT)

    win.close()  # automations exist and a tray is there: only hidden, still watching
    assert not win.isVisible() and win.background.runner.running and not quits
    (work / "Inbox" / "bill.pdf").write_text("bill")
    qtbot.waitUntil(lambda: ("failed", "broken") in messages, timeout=WAIT)  # said in the tray

    win.tray.open_requested.emit()
    assert win.isVisible()
    win.tray.quit_requested.emit()
    assert quits and not win.isVisible() and not win.background.runner.running


@pytest.mark.parametrize(("typed", "kept", "said"), [
    ("", "*", "any file"), ("every file", "*", "any file"), ("pdf", "*.pdf", "pdf files"),
    ("pdf, jpg", "*.pdf;*.jpg", "pdf or jpg files"), (".PDF or .jpeg", "*.PDF;*.jpeg", "PDF or jpeg files"),
    ("Scan *.pdf", "Scan *.pdf", "Scan *.pdf"), ("notes.txt; jpg", "notes.txt;*.jpg", "notes.txt or *.jpg"),
])
def test_which_files_are_typed_in_plain_words_and_said_back_so(typed: str, kept: str, said: str) -> None:
    from desktop.ui.words import pattern_from_words, pattern_words

    assert pattern_from_words(typed) == kept
    assert pattern_words(kept) == said
