"""The window, for real (offscreen): ask → plan → preview → apply → history → undo, checking the disk.

Every step goes through the same widgets a person clicks; the core is real
(the session's wasm sandbox, the journal in this test's ERRAND_HOME, real
JPEGs) and only the paid model is swapped for the local OpenAI-compatible
server (``fake_openai``).
"""

from __future__ import annotations

import gc
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop.core import settings as settings_store
from desktop.core.samples import sample_files

pytestmark = pytest.mark.timeout(600)  # the first test may build the sandbox component (~1 min)
WAIT = 240_000  # ms: room for a busy shared machine; no test asserts how long anything took


def tree(folder: Path) -> dict[str, str]:
    """name → sha256 of every file under ``folder``."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


_heap_frozen = False


def freeze_the_heap_once() -> None:
    """Move what lives before the first window (the imported modules, litellm's tables, Qt's type
    wrappers: never garbage) out of the collector's sight, once, so each window's teardown
    collection below scans only what tests made since (milliseconds, not ~0.4 s a test)."""
    global _heap_frozen
    if not _heap_frozen:
        gc.collect()
        gc.freeze()
        _heap_frozen = True


@pytest.fixture
def window(qtbot: Any, sandbox: Any, tmp_path: Path) -> Iterator[Any]:
    from PySide6.QtWidgets import QApplication

    from desktop.core.assistant import Assistant
    from desktop.ui.theme import apply_theme
    from desktop.ui.window import MainWindow

    freeze_the_heap_once()
    apply_theme(QApplication.instance())  # type: ignore[arg-type]
    win = MainWindow(Assistant(sandbox=sandbox), samples_parent=tmp_path / "Pictures")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    # Collect this test's Python-side cycles now, while their Qt objects still exist: left for later,
    # the collector runs inside another test's event loop and can reach a Qt object already deleted
    # (seen as a segfault during a large preview in a full CI run).
    gc.collect()


def click(qtbot: Any, button: Any) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def wait_page(qtbot: Any, win: Any, page: int) -> None:
    qtbot.waitUntil(lambda: win.flow.stack.currentIndex() == page and not win.flow.busy, timeout=WAIT)


def wait_preview(qtbot: Any, win: Any) -> None:
    view = win.flow.preview_view
    qtbot.waitUntil(lambda: not win.flow.busy and not view.busy.isVisible()
                    and (view.approve.isVisible() or view.problem.isVisible()), timeout=WAIT)


def wait_run(qtbot: Any, win: Any) -> Any:
    qtbot.waitUntil(lambda: win.flow.run.report is not None and not win.flow.busy, timeout=WAIT)
    return win.flow.run.report


def wait_history(qtbot: Any, win: Any, run_id: int) -> Any:
    qtbot.waitUntil(lambda: win.history.current is not None and win.history.current.run_id == run_id
                    and not win.history.busy, timeout=WAIT)
    return win.history.current


# ---- the recipe path: first launch, no model ----------------------------------------------------

def test_sample_photos_recipe_plan_preview_apply_history_undo(qtbot: Any, window: Any,
                                                               tmp_path: Path) -> None:
    flow = window.flow
    assert flow.ask.banner.isVisible()  # no model: recipes offered, with the samples and a way to a model
    click(qtbot, flow.ask.samples_button)
    wait_page(qtbot, window, 1)

    folder = Path(flow.ask.folders[0])
    assert folder.parent == tmp_path / "Pictures"
    before = tree(folder)
    assert sorted(before) == sorted(p.name for p in sample_files())

    plan = flow.plan
    assert "date" in plan.summary.text() and plan.source.text().startswith("From the built-in recipe")
    texts = [line.text.text() for line in plan.lines]
    assert any(folder.name in t for t in texts) and len(texts) == 3  # the folder, photos, places
    assert not any(line.leaves_machine for line in plan.lines)
    assert not plan.script.isVisible()
    click(qtbot, plan.fold)
    assert plan.script.isVisible() and "files.rename_many" in plan.script.toPlainText()

    click(qtbot, plan.preview_button)
    wait_preview(qtbot, window)
    preview = flow.preview_view
    assert tree(folder) == before  # the preview changed nothing
    rows = preview.model.rows
    assert len(rows) == 6 and preview.counts.text() == "Renames 6 files."
    assert preview.approve.text() == "Apply 6 changes"
    assert all(r.picture and Path(r.picture).is_file() for r in rows)  # thumbnails from the real photos
    qtbot.waitUntil(lambda: all(preview.thumbnails.get(r.picture) is not None for r in rows), timeout=WAIT)

    click(qtbot, preview.approve)
    report = wait_run(qtbot, window)
    assert report.status == "applied" and report.counts() == {"done": 6}
    after = tree(folder)
    assert sorted(after.values()) == sorted(before.values())  # same pictures, new names
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}( [^/]+)? \d{3}\.jpg", name) for name in after), after
    assert "2024-05-08 001.jpg" in after  # the photo without GPS is named by its date alone
    assert flow.run.status.text() == "Done." and flow.run.undo.isVisible()
    assert flow.run.bar.value() == 6

    click(qtbot, flow.run.history)
    current = wait_history(qtbot, window, report.run_id)
    assert current.status == "applied" and len(current.actions) == 6
    assert window.history.table.rowCount() == 1
    assert window.history.table.item(0, 2).text() == "6"
    assert window.history.table.item(0, 4).text() == "recipe"

    click(qtbot, window.history.undo_run_button)
    qtbot.waitUntil(lambda: tree(folder) == before, timeout=WAIT)
    qtbot.waitUntil(lambda: {a["status"] for a in window.history.current.actions} == {"undone"}, timeout=WAIT)
    assert not window.history.undo_run_button.isEnabled()


def test_undo_one_action_from_the_timeline(qtbot: Any, window: Any) -> None:
    flow = window.flow
    click(qtbot, flow.ask.samples_button)
    wait_page(qtbot, window, 1)
    folder = Path(flow.ask.folders[0])
    before = tree(folder)
    click(qtbot, flow.plan.preview_button)
    wait_preview(qtbot, window)
    click(qtbot, flow.preview_view.approve)
    report = wait_run(qtbot, window)
    click(qtbot, flow.run.history)
    wait_history(qtbot, window, report.run_id)

    history = window.history
    assert not history.undo_action_button.isEnabled()  # nothing selected yet
    history.timeline.selectRow(2)
    row = history.model.rows[2]
    click(qtbot, history.undo_action_button)
    qtbot.waitUntil(lambda: (folder / row.before.split("/", 1)[1]).exists(), timeout=WAIT)
    qtbot.waitUntil(lambda: "undone" in [a["status"] for a in window.history.current.actions], timeout=WAIT)
    statuses = [a["status"] for a in window.history.current.actions]
    assert statuses.count("undone") == 1 and statuses[2] == "undone"
    now = tree(folder)
    assert row.before.split("/", 1)[1] in now and row.after.split("/", 1)[1] not in now
    assert sorted(now.values()) == sorted(before.values())


def test_a_recipe_asks_for_what_the_request_did_not_say(qtbot: Any, window: Any, tmp_path: Path) -> None:
    trip = tmp_path / "Trip"
    trip.mkdir()
    for name in ("b.txt", "a.txt", "c.txt"):
        (trip / name).write_text(name)
    flow = window.flow
    flow.ask.add_folder(str(trip))
    flow.ask.set_request("number the files in this folder")
    click(qtbot, flow.ask.plan_button)
    wait_page(qtbot, window, 1)
    plan = flow.plan
    assert plan.params_card.isVisible() and list(plan.param_edits) == ["pattern"]
    click(qtbot, plan.preview_button)  # left empty: the question comes back, nothing runs
    assert plan.problem.isVisible() and "What should the names look like" in plan.problem.message.text()
    assert flow.stack.currentIndex() == 1
    plan.param_edits["pattern"][1].setText("Holiday {n:03}")
    click(qtbot, plan.preview_button)
    wait_preview(qtbot, window)
    assert flow.preview_view.counts.text() == "Renames 3 files."
    click(qtbot, flow.preview_view.approve)
    assert wait_run(qtbot, window).status == "applied"
    assert tree(trip) == {f"Holiday {i:03}.txt": hashlib.sha256(n.encode()).hexdigest()
                          for i, n in enumerate(("a.txt", "b.txt", "c.txt"), 1)}


@pytest.mark.parametrize(("chore", "with_folder", "hint"), [
    ("sort my downloads into folders by type", False,
     "This chore works on files, and no folder is chosen. Add one on the Ask page (Add folder…)."),
    ("add the events in my csv file to the calendar", True,
     "This chore uses a calendar, and none is set up. Set one up in Settings → Calendar."),
    ("caption my photos into a spreadsheet", True,
     "This chore sends your pictures to a vision model to describe them, and none is set up. "
     "Set one up in Settings → Vision model."),
])
def test_what_the_chore_still_needs_is_said_with_the_windows_own_controls(
        qtbot: Any, window: Any, tmp_path: Path, chore: str, with_folder: bool, hint: str) -> None:
    flow = window.flow
    if with_folder:
        flow.ask.add_folder(str(tmp_path))
    flow.ask.set_request(chore)
    click(qtbot, flow.ask.plan_button)
    wait_page(qtbot, window, 1)
    box = flow.plan.problem
    assert box.isVisible()
    assert box.message.text() == "Errand needs a little more before it can preview this chore."
    assert box.hint.text() == hint
    assert not flow.plan.preview_button.isEnabled()  # nothing runs until it is set up


# ---- the model path ------------------------------------------------------------------------------

MODEL_ANSWER = '''Summary: Writes a list of the files in Trip into a new file, list.txt.

```python
names = sorted(files.list("Trip"))
files.write_text("Trip/list.txt", "\\n".join(names) + "\\n")
result = names
```
'''


def test_model_plan_preview_apply_history_undo(qtbot: Any, window: Any, tmp_path: Path, fake_openai: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_store.load()
    settings.model, settings.api_base = fake_openai.model, fake_openai.url
    settings_store.save(settings)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    window.flow.settings_changed()
    fake_openai.reply(MODEL_ANSWER, prompt_tokens=300, completion_tokens=50)
    trip = tmp_path / "Trip"
    trip.mkdir()
    (trip / "a.txt").write_text("a")
    (trip / "b.txt").write_text("b")

    flow = window.flow
    assert not flow.ask.banner.isVisible()
    assert flow.ask.add_folder(str(trip))
    flow.ask.request.setFocus()
    qtbot.keyClicks(flow.ask.request, "write the names of my files into list.txt")
    qtbot.keyClick(flow.ask.request, Qt.Key.Key_Return)  # Enter plans
    wait_page(qtbot, window, 1)
    assert "fake-model" in flow.plan.source.text()
    assert flow.plan.summary.text().startswith("The model's summary: Writes a list of the files")
    assert "write the names of my files" in fake_openai.requests[0].text()
    assert fake_openai.requests[0].api_key == "sk-test"
    assert not (trip / "list.txt").exists()

    click(qtbot, flow.plan.preview_button)
    wait_preview(qtbot, window)
    assert not (trip / "list.txt").exists()
    assert flow.preview_view.counts.text() == "Writes 1 file."
    assert flow.preview_view.result is not None  # the returned list is shown
    click(qtbot, flow.preview_view.approve)
    report = wait_run(qtbot, window)
    assert report.status == "applied"
    assert (trip / "list.txt").read_text() == "Trip/a.txt\nTrip/b.txt\n"
    assert flow.run.result.count() == 2  # a list: shown as a list widget

    click(qtbot, flow.run.history)
    current = wait_history(qtbot, window, report.run_id)
    assert current.model == fake_openai.model
    assert window.history.table.item(0, 5).text() == "350"  # tokens in + out, from the exchange
    assert "fake-model" in window.history.usage.text()
    click(qtbot, window.history.undo_run_button)
    qtbot.waitUntil(lambda: not (trip / "list.txt").exists(), timeout=WAIT)
    digest = {name: hashlib.sha256(name[0].encode()).hexdigest() for name in ("a.txt", "b.txt")}
    assert tree(trip) == digest


BROKEN = """Summary: Renames the report.

```python
files.rename("Trip/report.txt", "Trip/Report 2024.txt")
```
"""
FIXED = """Summary: Renames the only text file to Report 2024.txt.

```python
name = files.list("Trip", "*.txt")[0]
files.rename(name, "Trip/Report 2024.txt")
```
"""


def test_a_model_script_that_fails_in_the_preview_gets_one_repair(
        qtbot: Any, window: Any, tmp_path: Path, fake_openai: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_store.load()
    settings.model, settings.api_base = fake_openai.model, fake_openai.url
    settings_store.save(settings)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    fake_openai.reply(BROKEN)
    fake_openai.reply(FIXED)
    trip = tmp_path / "Trip"
    trip.mkdir()
    (trip / "rapport.txt").write_text("r")
    flow = window.flow
    flow.ask.add_folder(str(trip))
    flow.ask.set_request("call the text file Report 2024")
    click(qtbot, flow.ask.plan_button)
    wait_page(qtbot, window, 1)
    click(qtbot, flow.plan.preview_button)
    wait_preview(qtbot, window)
    assert len(fake_openai.requests) == 2 and fake_openai.pending == 0
    assert "report.txt" in fake_openai.requests[1].messages[-1]["content"]  # its failing line went back
    assert not flow.preview_view.problem.isVisible()
    assert flow.preview_view.counts.text() == "Renames 1 file."
    assert "asking the model to fix it" in flow.preview_view.log.toPlainText()
    assert flow.plan.script.toPlainText().startswith('name = files.list("Trip", "*.txt")[0]')
    click(qtbot, flow.preview_view.approve)
    assert wait_run(qtbot, window).status == "applied"
    assert sorted(tree(trip)) == ["Report 2024.txt"]


def test_keyboard_only_and_folders_dropped_on_the_window(qtbot: Any, window: Any, tmp_path: Path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    trip = tmp_path / "Trip"
    trip.mkdir()
    for name in ("b.txt", "a.txt"):
        (trip / name).write_text(name)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(trip)), QUrl.fromLocalFile(str(trip / "a.txt"))])
    drop = QDropEvent(QPointF(300, 300), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    assert window.flow.ask.folders == [str(trip)]  # the folder joins the chore; a file is not a folder

    request = window.flow.ask.request
    request.setFocus()
    qtbot.keyClicks(request, "number the files in this folder as 'Note {n}'")
    qtbot.keyClick(request, Qt.Key.Key_Return)
    wait_page(qtbot, window, 1)
    qtbot.keyClick(window.flow.plan, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_preview(qtbot, window)
    assert sorted(tree(trip)) == ["a.txt", "b.txt"]  # the preview changed nothing
    qtbot.keyClick(window.flow.preview_view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert wait_run(qtbot, window).status == "applied"
    assert sorted(tree(trip)) == ["Note 1.txt", "Note 2.txt"]
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # Ctrl+2: History
    assert window.pages.currentWidget() is window.history


CAPTION_PLAN = '''Summary: Describes each photo and writes the descriptions into captions.txt.

```python
lines = []
for path in sorted(p for p in files.list("Trip") if p.endswith(".jpg")):
    lines.append(path + ": " + vision.caption(path)["caption"])
files.write_text("Trip/captions.txt", "\\n".join(lines) + "\\n")
result = len(lines)
```
'''


@pytest.mark.parametrize("allow_vision", [True, False])
def test_sending_pictures_off_the_computer_is_marked_and_needs_its_checkbox(
        qtbot: Any, window: Any, tmp_path: Path, fake_openai: Any, monkeypatch: pytest.MonkeyPatch,
        allow_vision: bool) -> None:
    from tests.imagefactory import make_photo

    settings = settings_store.load()
    settings.model, settings.api_base = fake_openai.model, fake_openai.url
    settings_store.save(settings)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    trip = tmp_path / "Trip"
    make_photo(trip / "a.jpg", size=(320, 240))
    make_photo(trip / "b.jpg", size=(320, 240))
    fake_openai.reply(CAPTION_PLAN)
    if allow_vision:
        fake_openai.reply('{"caption": "A red square.", "tags": ["red"]}')
        fake_openai.reply('{"caption": "A blue square.", "tags": ["blue"]}')
    flow = window.flow
    flow.ask.add_folder(str(trip))
    flow.ask.set_request("write what is in each picture into a text file")
    click(qtbot, flow.ask.plan_button)
    wait_page(qtbot, window, 1)
    lines = {line.grant.capability: line for line in flow.plan.lines}
    assert lines["vision"].leaves_machine and not lines["files"].leaves_machine
    assert "leave this computer" in lines["vision"].text.text()
    # Consent to send is off until given; what stays on the computer is ticked.
    assert not lines["vision"].check.isChecked() and lines["files"].check.isChecked()
    lines["vision"].check.setChecked(allow_vision)
    click(qtbot, flow.plan.preview_button)
    if allow_vision:
        wait_preview(qtbot, window)
    else:
        box = flow.plan.problem  # said on the Plan page, before anything runs
        assert box.isVisible() and box.message.text().startswith("This chore cannot work without: Send")
        assert flow.stack.currentIndex() == 1 and len(fake_openai.requests) == 1  # nothing left the computer
        assert not (trip / "captions.txt").exists()
        return
    sent = [r.images()[0][:2] for r in fake_openai.requests[1:]]
    assert sent == [b"\xff\xd8", b"\xff\xd8"]  # a JPEG of each picture went out
    click(qtbot, flow.preview_view.approve)
    assert wait_run(qtbot, window).status == "applied"
    assert (trip / "captions.txt").read_text() == "Trip/a.jpg: A red square.\nTrip/b.jpg: A blue square.\n"
