"""The window's behaviour around the main flow: cancel, errors, names, settings, launching.

A real window offscreen with the real core; the model server is the local
fake; the keyring is a real in-memory backend (a ``keyring`` backend class,
as the keyring docs suggest for tests), never a mock.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC
from pathlib import Path
from typing import Any

import keyring
import pytest
from PySide6.QtCore import Qt, QTimer

from desktop.core import settings as settings_store
from tests import test_ui_flow
from tests.keyring_support import MemoryKeyring
from tests.test_ui_flow import WAIT, click, tree, wait_page, wait_preview, wait_run

pytestmark = pytest.mark.timeout(600)  # the first test may build the sandbox component
ROOT = Path(__file__).resolve().parents[1]
window = test_ui_flow.window  # the same real window fixture

N_FILES = 3_000  # enough that a cancel at the first progress report lands mid-way
RENAME_ALL = """
names = files.list("Many")
files.rename_many([[n, n[:-4] + ".done"] for n in names])
result = len(names)
"""


def test_cancel_mid_run_keeps_what_was_done_undoable_and_the_window_responsive(
        qtbot: Any, window: Any, tmp_path: Path) -> None:
    many = tmp_path / "Many"
    many.mkdir()
    for i in range(N_FILES):
        (many / f"f{i:05d}.txt").write_text(str(i))
    before = tree(many)
    flow = window.flow
    flow.ask.add_folder(str(many))
    flow.use_script(RENAME_ALL, flow.ask.folders, request="rename them all")
    wait_page(qtbot, window, 1)
    click(qtbot, flow.plan.preview_button)
    wait_preview(qtbot, window)
    assert flow.preview_view.counts.text() == f"Renames {N_FILES:,} files."

    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(flow.run.bar.value()) if flow.busy else None)
    timer.start(5)
    # Cancel as soon as the first change is reported done: the apply is then surely mid-way.
    flow.run.bar.valueChanged.connect(
        lambda v: v > 0 and flow.run.cancel.isEnabled() and flow.run.cancel.click())
    click(qtbot, flow.preview_view.approve)
    report = wait_run(qtbot, window)
    timer.stop()

    assert report.status == "cancelled"
    done = report.counts().get("done", 0)
    assert 0 < done < N_FILES and report.counts().get("skipped", 0) == N_FILES - done
    renamed = [n for n in tree(many) if n.endswith(".done")]
    assert len(renamed) == done  # exactly what the journal says was done, on disk
    assert ticks, "the GUI thread ran its timers while the apply was running"
    assert "Stopped" in flow.run.status.text() and flow.run.undo.isVisible()

    click(qtbot, flow.run.undo)
    qtbot.waitUntil(lambda: tree(many) == before, timeout=WAIT)
    qtbot.waitUntil(lambda: flow.run.status.text().startswith("Put back "), timeout=WAIT)


def test_a_script_error_is_shown_in_words_with_details_and_changes_nothing(
        qtbot: Any, window: Any, tmp_path: Path) -> None:
    trip = tmp_path / "Trip"
    trip.mkdir()
    (trip / "a.jpg").write_bytes(b"not really")
    before = tree(trip)
    flow = window.flow
    flow.ask.add_folder(str(trip))
    script = 'files.rename("Trip/a.jpg", "Trip/b.jpg")\nfiles.rename("Trip/missing.jpg", "Trip/c.jpg")\n'
    flow.use_script(script, flow.ask.folders)
    wait_page(qtbot, window, 1)
    click(qtbot, flow.plan.preview_button)
    wait_preview(qtbot, window)
    box = flow.preview_view.problem
    assert box.isVisible() and not flow.preview_view.approve.isVisible()
    assert box.message.text().startswith("The chore stopped: ")  # the line is in the details
    assert "Script line: 2" in box.detail.toPlainText()
    assert "missing.jpg" in box.message.text() and box.hint.text()
    assert not box.detail.isVisible()
    click(qtbot, box.toggle)
    assert box.detail.isVisible() and "Script line: 2" in box.detail.toPlainText()
    assert tree(trip) == before
    # the failed attempt is journaled, so History shows it with its reason
    window.show_page(1)
    qtbot.waitUntil(lambda: window.history.current is not None, timeout=WAIT)
    assert window.history.current.status == "failed" and window.history.message.isVisible()


def test_a_file_changed_after_the_preview_stops_the_run_with_the_reason(
        qtbot: Any, window: Any, tmp_path: Path) -> None:
    trip = tmp_path / "Trip"
    trip.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (trip / name).write_text(name)
    flow = window.flow
    flow.ask.add_folder(str(trip))
    flow.use_script('for n in sorted(files.list("Trip")):\n    files.rename(n, n[:-4] + ".md")\n',
                    flow.ask.folders)
    wait_page(qtbot, window, 1)
    click(qtbot, flow.plan.preview_button)
    wait_preview(qtbot, window)
    (trip / "b.txt").write_text("edited after the preview")  # the person keeps working meanwhile
    click(qtbot, flow.preview_view.approve)
    report = wait_run(qtbot, window)
    assert report.status == "failed" and report.counts() == {"done": 1, "skipped": 2}
    assert sorted(tree(trip)) == ["a.md", "b.txt", "c.txt"]
    assert (trip / "b.txt").read_text() == "edited after the preview"  # never overwritten
    box = flow.run.problem
    assert box.isVisible() and "b.txt" in box.message.text() and "changed" in box.message.text()
    assert box.hint.text()
    click(qtbot, flow.run.undo)  # what was done can be undone
    qtbot.waitUntil(lambda: sorted(tree(trip)) == ["a.txt", "b.txt", "c.txt"], timeout=WAIT)


def test_history_times_are_local_and_friendly() -> None:
    from datetime import date, datetime

    from desktop.ui.history_view import when_text

    stamp = datetime(2026, 3, 4, 12, 30, tzinfo=UTC)
    local = stamp.astimezone()
    assert when_text(stamp.isoformat(), local.date()) == f"Today {local:%H:%M}"
    assert when_text(stamp.isoformat(), date(2030, 1, 1)) == f"{local:%Y-%m-%d %H:%M}"
    assert when_text(None) == ""


def test_no_recipe_and_no_model_says_what_to_do(qtbot: Any, window: Any) -> None:
    flow = window.flow
    flow.ask.set_request("compose a symphony about my tax return")
    click(qtbot, flow.ask.plan_button)
    qtbot.waitUntil(lambda: flow.ask.problem.isVisible(), timeout=WAIT)
    assert flow.stack.currentIndex() == 0 and not flow.busy
    assert "without a language model" in flow.ask.problem.message.text()
    assert "errand recipes" in flow.ask.problem.hint.text()
    assert not flow.ask.offers.isVisible()  # nothing alike: nothing offered
    assert flow.ask.plan_button.isEnabled()  # the person can rephrase and try again


def test_offline_the_closest_recipe_is_offered_and_runs_only_when_picked(qtbot: Any, window: Any,
                                                                         tmp_path: Path) -> None:
    folder = tmp_path / "Papers"
    folder.mkdir()
    for name in ("a.txt", "copy of a.txt"):
        (folder / name).write_text("same")
    flow = window.flow
    flow.ask.add_folder(str(folder))
    flow.ask.set_request("find duplicate files")
    click(qtbot, flow.ask.plan_button)
    qtbot.waitUntil(lambda: flow.ask.offers.isVisible(), timeout=WAIT)
    assert flow.ask.problem.message.text() == ("I can't do that without a language model; here is what I "
                                               "can do offline.")
    assert flow.stack.currentIndex() == 0 and "Settings → Model" in flow.ask.problem.hint.text()
    assert sorted(p.name for p in folder.iterdir()) == ["a.txt", "copy of a.txt"]
    click(qtbot, flow.ask.offers.buttons["duplicates"])
    wait_page(qtbot, window, 1)
    assert flow.chore is not None and flow.chore.planner == "recipe:duplicates"
    click(qtbot, flow.plan.preview_button)
    wait_preview(qtbot, window)
    view = flow.preview_view
    assert view.counts.text() == "Deletes 1 file (kept aside for undo)."
    assert view.attention.text() == ("This plan deletes 1 item, and your request did not ask to delete "
                                     "anything.")
    assert sorted(p.name for p in folder.iterdir()) == ["a.txt", "copy of a.txt"]  # only previewed


def test_a_disguised_file_name_is_shown_escaped(qtbot: Any, window: Any, tmp_path: Path) -> None:
    trip = tmp_path / "Trip"
    trip.mkdir()
    (trip / "invoice\u202efdp.exe").write_text("x")
    flow = window.flow
    flow.ask.add_folder(str(trip))
    flow.use_script('for n in files.list("Trip"):\n    files.rename(n, "Trip/plain.txt")\n', flow.ask.folders)
    wait_page(qtbot, window, 1)
    click(qtbot, flow.plan.preview_button)
    wait_preview(qtbot, window)
    view = flow.preview_view
    assert not view.problem.isVisible()
    shown = view.model.data(view.model.index(0, 1))
    assert shown == "Trip/invoice\\u202efdp.exe"
    assert "\u202e" not in shown and "\\u202e" in shown


def test_model_failure_shows_the_providers_problem(qtbot: Any, window: Any, fake_openai: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_store.load()
    settings.model, settings.api_base = fake_openai.model, fake_openai.url
    settings_store.save(settings)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong")
    fake_openai.fail(401, "Incorrect API key provided")
    flow = window.flow
    flow.ask.set_request("write a poem into poem.txt about each file")
    click(qtbot, flow.ask.plan_button)
    qtbot.waitUntil(lambda: flow.ask.problem.isVisible(), timeout=WAIT)
    text = flow.ask.problem.message.text() + " " + flow.ask.problem.hint.text()
    detail = flow.ask.problem.detail.toPlainText()
    assert "key" in text.lower(), detail
    assert "sk-wrong" not in text + detail and "Traceback" not in text


# ---- settings and the keyring --------------------------------------------------------------------

def test_settings_store_the_key_in_the_keyring_masked_and_test_the_connection(
        qtbot: Any, window: Any, memory_keyring: MemoryKeyring, fake_openai: Any) -> None:
    window.show_page(3)
    page = window.settings
    page.model.setCurrentText(fake_openai.model)
    page.api_base.setText(fake_openai.url)
    page.key.setText("sk-secret-test-123456")
    captions_before = window.assistant.services["caption"]
    click(qtbot, page.save)
    assert window.assistant.services["caption"] is not captions_before  # the next run uses the new model
    qtbot.waitUntil(lambda: "stored in the keyring" in page.key_state.text(), timeout=WAIT)
    assert memory_keyring.store == {("Errand", "openai"): "sk-secret-test-123456"}
    assert page.key_state.text().endswith("••••••••3456") and "sk-secret" not in page.key_state.text()
    saved = (Path(os.environ["ERRAND_HOME"]) / "settings.json").read_text()
    assert "sk-secret" not in saved and fake_openai.model in saved
    assert not window.flow.ask.banner.isVisible()  # a model is set up: the first-launch banner goes

    fake_openai.reply("ready")
    click(qtbot, page.test)
    qtbot.waitUntil(lambda: page.test_result.text().startswith("Connected"), timeout=WAIT)
    assert fake_openai.requests[-1].api_key == "sk-secret-test-123456"


def test_settings_forget_the_saved_picture_descriptions(qtbot: Any, window: Any) -> None:
    journal = window.assistant.journal
    journal.store_caption("abc123", "openai/gpt-4o-mini", {"caption": "not a caption at all", "tags": []})
    journal.store_caption("def456", "openai/gpt-4o-mini", {"caption": "a beach", "tags": ["sea"]})
    window.show_page(3)
    click(qtbot, window.settings.forget_captions)
    qtbot.waitUntil(lambda: window.settings.captions_state.text().startswith("Forgot 2"), timeout=WAIT)
    assert journal.cached_caption("abc123", "openai/gpt-4o-mini") is None
    assert window.assistant.caption_cache_size() == 0


def test_settings_say_plainly_when_no_keyring_is_usable(qtbot: Any, window: Any) -> None:
    from keyring.backends.fail import Keyring as NoKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        window.show_page(3)
        window.settings.model.setCurrentText("openai/gpt-4o-mini")
        qtbot.waitUntil(lambda: "cannot be saved" in window.settings.keyring_note.text(), timeout=WAIT)
        assert not window.settings.save_key.isEnabled()
        assert "OPENAI_API_KEY" in window.settings.keyring_note.text()
    finally:
        keyring.set_keyring(previous)


# ---- remembering, shapes, launching --------------------------------------------------------------

def test_window_remembers_its_size_and_recent_folders(qtbot: Any, sandbox: Any, tmp_path: Path) -> None:
    from desktop.core.assistant import Assistant
    from desktop.ui.window import MainWindow

    first = MainWindow(Assistant(sandbox=sandbox))
    qtbot.addWidget(first)
    first.show()
    first.resize(900, 640)
    folder = tmp_path / "Somewhere"
    folder.mkdir()
    first.flow.ask.add_folder(str(folder))
    first.flow.start_planning("rename my photos by date and place", first.flow.ask.folders)
    qtbot.waitUntil(lambda: not first.flow.busy, timeout=WAIT)
    first.close()
    second = MainWindow(Assistant(sandbox=sandbox))
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (900, 640)
    assert second.flow.ask.recent == [str(folder)]
    second.close()


def test_result_shapes() -> None:
    from PySide6.QtWidgets import QLabel, QListWidget, QTableWidget

    from desktop.ui.result_view import result_shape, result_widget

    assert [result_shape(v) for v in (None, [], "hi", 3, [1, 2], {"a": 1}, [{"a": 1}, {"b": 2}])] == [
        "none", "none", "text", "text", "list", "pairs", "table"]
    table = result_widget([{"name": "a\u202e.jpg", "size": 3}, {"name": "b", "kind": "x"}])
    assert isinstance(table, QTableWidget) and table.columnCount() == 3 and table.rowCount() == 2
    assert table.item(0, 0).text() == "a\\u202e.jpg"
    assert isinstance(result_widget(["x", "y"]), QListWidget)
    assert isinstance(result_widget("done"), QLabel)


def test_second_launch_brings_the_first_to_the_front(qtbot: Any) -> None:
    from desktop.ui.instance import SingleInstance

    first = SingleInstance()
    assert first.claim()
    try:
        second = SingleInstance()
        with qtbot.waitSignal(first.activated, timeout=WAIT):
            assert not second.claim()
    finally:
        first.close()


def test_no_display_says_so_in_one_line_and_points_to_the_cli() -> None:
    from desktop.ui.app import display_problem

    assert display_problem({}, "linux") is not None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "win32") is None
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "desktop.cli", "app"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "errand --help" in lines[0] and "display" in lines[0]
    bare = subprocess.run([sys.executable, "-m", "desktop.cli"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert bare.returncode == 1 and bare.stderr == done.stderr


def test_undo_refused_for_an_edited_file_says_why_and_undoes_the_rest(
        qtbot: Any, window: Any, tmp_path: Path) -> None:
    trip = tmp_path / "Trip"
    trip.mkdir()
    for name in ("a.txt", "b.txt"):
        (trip / name).write_text(name)
    (trip / "notes.txt").write_text("old notes")
    flow = window.flow
    flow.ask.add_folder(str(trip))
    flow.use_script('files.rename("Trip/a.txt", "Trip/a.md")\nfiles.rename("Trip/b.txt", "Trip/b.md")\n'
                    'files.write_text("Trip/notes.txt", "new notes")\n', flow.ask.folders)
    wait_page(qtbot, window, 1)
    click(qtbot, flow.plan.preview_button)
    wait_preview(qtbot, window)
    view = flow.preview_view
    assert view.attention.isVisible() and view.attention.text().startswith("1 of them replace")
    replaced = view.model.index(2, 0)
    assert view.model.data(replaced, Qt.ItemDataRole.BackgroundRole) is not None  # highlighted
    assert "kept" in view.model.data(replaced, Qt.ItemDataRole.ToolTipRole)
    assert view.model.data(view.model.index(0, 0), Qt.ItemDataRole.BackgroundRole) is None
    click(qtbot, view.approve)
    report = wait_run(qtbot, window)
    (trip / "b.md").write_text("edited since")  # the person changed a result afterwards

    click(qtbot, flow.run.history)
    qtbot.waitUntil(lambda: window.history.current is not None
                    and window.history.current.run_id == report.run_id, timeout=WAIT)
    click(qtbot, window.history.undo_run_button)
    box = window.history.message
    qtbot.waitUntil(box.isVisible, timeout=WAIT)
    assert box.message.text() == "1 change could not be undone (2 undone)."
    assert "nothing you did since is lost" in box.hint.text()
    assert "Change 2:" in box.detail.toPlainText() and "b.md" in box.detail.toPlainText()
    assert sorted(tree(trip)) == ["a.txt", "b.md", "notes.txt"]
    assert (trip / "notes.txt").read_text() == "old notes" and (trip / "b.md").read_text() == "edited since"
    qtbot.waitUntil(lambda: [a["status"] for a in window.history.current.actions]
                    == ["undone", "undo_refused", "undone"], timeout=WAIT)
    assert window.history.model.data(window.history.model.index(1, 3)) == "Could not undo"


def test_calendar_password_goes_to_the_keyring(qtbot: Any, window: Any,
                                                memory_keyring: MemoryKeyring) -> None:
    window.show_page(3)
    page = window.settings
    page.calendar.setText("caldav:https://me@cal.example/dav/")
    page.calendar_password.setText("hunter2")
    click(qtbot, page.save)
    qtbot.waitUntil(lambda: "stored in the keyring" in page.calendar_state.text(), timeout=WAIT)
    assert memory_keyring.store == {("Errand", "calendar:caldav:https://me@cal.example/dav/"): "hunter2"}
    assert "hunter2" not in (Path(os.environ["ERRAND_HOME"]) / "settings.json").read_text()


def test_a_run_cut_short_by_a_crash_is_offered_back_at_start(qtbot: Any, sandbox: Any,
                                                             tmp_path: Path) -> None:
    import socket

    from desktop.core import paths
    from desktop.core.assistant import Assistant
    from desktop.core.grants import parse_grants
    from desktop.ui.window import MainWindow

    trip = tmp_path / "Trip"
    trip.mkdir()
    (trip / "a.txt").write_text("a")
    (trip / "b.txt").write_text("b")
    # A run that a crashed process left mid-way: action 1 happened, action 2 did not.
    assistant = Assistant(sandbox=sandbox)
    grants = parse_grants([f"files={trip}"], paths.protected_dirs())
    script = 'files.rename("Trip/a.txt", "Trip/a.md")\nfiles.rename("Trip/b.txt", "Trip/b.md")\n'
    preview = assistant.preview(script, grants, request="rename the notes")
    journal = assistant.journal
    run_id = journal.start_run(preview.request, preview.script, preview.grants)
    journal.save_plan(run_id, preview.plan)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True)
    journal.claim_run(run_id, f"{socket.gethostname()}:{gone.stdout.strip()}:0", "applying")
    journal.mark_actions(run_id, [1], "started")
    (trip / "a.txt").rename(trip / "a.md")

    win = MainWindow(assistant)
    qtbot.addWidget(win)
    win.show()
    banner = win.recovery
    qtbot.waitUntil(banner.isVisible, timeout=WAIT)
    assert "rename the notes" in banner.text.text()
    click(qtbot, banner.back)
    qtbot.waitUntil(lambda: banner.close_button.isVisible(), timeout=WAIT)
    assert banner.text.text().startswith(f"Done: run {run_id} put back")
    assert sorted(tree(trip)) == ["a.txt", "b.txt"]
    win.close()


def test_connection_test_with_a_refused_key_says_what_to_do(qtbot: Any, window: Any, fake_openai: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key")
    fake_openai.fail(401, "Incorrect API key provided")
    window.show_page(3)
    page = window.settings
    page.model.setCurrentText(fake_openai.model)
    page.api_base.setText(fake_openai.url)
    click(qtbot, page.test)
    qtbot.waitUntil(page.problem.isVisible, timeout=WAIT)
    assert page.test_result.text() == "The connection test failed."
    assert "key" in page.problem.message.text().lower() and page.problem.hint.text()
    assert "sk-env-key" not in page.problem.detail.toPlainText()
    assert page.test.isEnabled()


def test_a_script_of_ones_own_from_a_file(qtbot: Any, window: Any, tmp_path: Path) -> None:
    trip = tmp_path / "Trip"
    trip.mkdir()
    (trip / "a.txt").write_text("a")
    script = tmp_path / "tidy.py"
    script.write_text('files.rename("Trip/a.txt", "Trip/b.txt")\n')
    window.flow.ask.add_folder(str(trip))
    assert window.flow.ask.script_button.isVisible()
    window.use_script_file(script)  # what "Open a script…" does once a file is chosen
    wait_page(qtbot, window, 1)
    assert window.flow.plan.source.text() == "From a script you opened."
    click(qtbot, window.flow.plan.preview_button)
    wait_preview(qtbot, window)
    click(qtbot, window.flow.preview_view.approve)
    assert wait_run(qtbot, window).request == "tidy.py"
    assert sorted(tree(trip)) == ["b.txt"]


def test_cancel_while_previewing_stops_the_script_calmly(qtbot: Any, window: Any, tmp_path: Path) -> None:
    trip = tmp_path / "Trip"
    trip.mkdir()
    flow = window.flow
    flow.ask.add_folder(str(trip))
    flow.use_script("n = 0\nwhile True:\n    n += 1\n", flow.ask.folders, request="count forever")
    wait_page(qtbot, window, 1)
    click(qtbot, flow.plan.preview_button)
    view = flow.preview_view
    qtbot.waitUntil(lambda: flow.busy and view.cancel.isVisible(), timeout=WAIT)
    click(qtbot, view.cancel)
    wait_preview(qtbot, window)
    assert view.problem.isVisible() and view.problem.property("kind") == "cancelled"
    assert view.problem.message.text() == "The run was cancelled."
    assert view.back.isEnabled() and not view.approve.isVisible()


def test_stop_waiting_for_a_slow_model(qtbot: Any, window: Any, tmp_path: Path, fake_openai: Any,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_store.load()
    settings.model, settings.api_base = fake_openai.model, fake_openai.url
    settings_store.save(settings)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    fake_openai.hang()
    flow = window.flow
    flow.ask.set_request("write a haiku about each file into haiku.txt")
    click(qtbot, flow.ask.plan_button)
    qtbot.waitUntil(lambda: len(fake_openai.requests) == 1, timeout=WAIT)
    assert flow.busy and flow.ask.stop_button.isVisible() and not flow.ask.plan_button.isEnabled()
    click(qtbot, flow.ask.stop_button)
    assert not flow.busy and flow.ask.plan_button.isEnabled() and not flow.ask.stop_button.isVisible()
    # the request is abandoned, not left waiting for its timeout: its connection is closed
    qtbot.waitUntil(fake_openai.closed.is_set, timeout=WAIT)
    # the person goes on at once with something else: a recipe on a folder
    trip = tmp_path / "Trip"
    trip.mkdir()
    (trip / "a.txt").write_text("a")
    flow.ask.add_folder(str(trip))
    flow.start_planning("number the files in this folder as 'Page {n}'", flow.ask.folders)
    wait_page(qtbot, window, 1)
    assert flow.chore is not None and flow.chore.planner == "recipe:rename_pattern"



# The real window in its own process: plan with a model that never answers, press Stop, then Quit.
STOP_THEN_QUIT = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop.core.assistant import Assistant
from desktop.ui.window import MainWindow
window = MainWindow(Assistant())
window.show()
window.flow.ask.set_request("write a haiku about each file into haiku.txt")
window.flow.ask.plan_button.click()
go = Path(sys.argv[1])
def poll():
    if not go.exists():
        QTimer.singleShot(20, poll)
        return
    window.flow.ask.stop_button.click()
    window.quit()
QTimer.singleShot(20, poll)
app.exec()
print("closed", flush=True)
"""


def test_stop_then_quit_ends_the_process_and_hangs_up_on_the_model(
        tmp_path: Path, fake_openai: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERRAND_MODEL", fake_openai.model)
    monkeypatch.setenv("ERRAND_API_BASE", fake_openai.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    fake_openai.hang()
    go = tmp_path / "go"
    app = subprocess.Popen([sys.executable, "-c", STOP_THEN_QUIT, str(go)], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120  # the first launch may import litellm on a busy machine
        while not fake_openai.requests and app.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert fake_openai.requests, "the window never asked the model"
        go.touch()
        out, err = app.communicate(timeout=30)  # generous; the request's own timeout is 60 s
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    assert app.returncode == 0, err
    assert out.strip() == "closed"
    assert fake_openai.closed.wait(10), "the model's connection was left open"


def test_the_worker_throttles_progress_and_routes_failures_back(qtbot: Any) -> None:
    from desktop.ui.worker import run_task, wait_for_tasks

    seen: list[tuple[int, int]] = []
    results: list[Any] = []

    def many(task: Any) -> str:
        for i in range(1, 100_001):
            task.progress(i, 100_000)
        return "done"

    run_task(many, on_done=results.append, on_progress=lambda d, t: seen.append((d, t)))
    qtbot.waitUntil(lambda: results == ["done"], timeout=WAIT)
    assert seen[-1] == (100_000, 100_000) and len(seen) < 1000  # throttled, and the last one always arrives
    assert seen == sorted(seen)

    errors: list[str] = []
    run_task(lambda task: 1 / 0, on_done=results.append, on_error=lambda exc, tb: errors.append(tb))
    qtbot.waitUntil(lambda: bool(errors), timeout=WAIT)
    assert "ZeroDivisionError" in errors[0] and results == ["done"]
    assert wait_for_tasks(5.0)
