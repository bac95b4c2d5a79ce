"""Hostile input: runs that try to make the host grow without end, and text that tries to pass
for markup or drive the terminal. Each test asserts the safe outcome: the run ends with a
message naming the budget (the script cannot catch it), nothing outside changed, nothing is
left over in the journal or the holding area, one clean JSON answer, text shown as text.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from capabilities.base import Grant
from capabilities.budget import BudgetExceeded, Budgets
from capabilities.dispatch import Dispatcher
from capabilities.folders.holding import Holding
from desktop.cli.main import main
from desktop.core import paths
from desktop.core.assistant import Assistant
from tests import test_ui_flow
from tests.files_support import make_tree, snapshot

Capsys = pytest.CaptureFixture[str]
KiB = 1024
window = test_ui_flow.window  # the real window fixture


@pytest.fixture
def trip(tmp_path: Path) -> Path:
    make_tree(tmp_path / "Trip", {f"p{i:03d}.txt": "x" * 100 for i in range(300)})
    return tmp_path / "Trip"


def grants(folder: Path) -> list[Grant]:
    return [Grant("files", str(folder), "rw", folder.name)]


def ends_with_budget(preview: Any, which: str, words: str) -> None:
    error = preview.outcome.error
    assert error is not None and error.limit == which, error
    assert words in error.message
    assert not any("caught" in line for line in preview.outcome.log)  # the script could not catch it


# ---- each budget ends the run, naming it --------------------------------------------------------

CATCHING = """
try:
    {body}
except Exception as exc:
    print("caught", exc)
files.write_text("Trip/after.txt", "the script went on")
"""


@pytest.mark.parametrize(("budgets", "body", "which", "words"), [
    (Budgets(planned_bytes=1024 * KiB),
     'for i in range(5): files.write_text(f"Trip/big{i}.txt", "x" * 300_000)',
     "planned_bytes", "budget for content to write"),
    (Budgets(journal_bytes=50 * KiB), 'for i in range(2000): files.mkdir(f"Trip/d{i}")',
     "journal_bytes", "record in the journal"),
    (Budgets(holding_bytes=10 * KiB), 'for p in files.list("Trip"): files.delete(p)',
     "holding_bytes", "keeps for undo"),
    (Budgets(walk_entries=100), 'files.list("Trip", recursive=True)', "walk_entries", "looked at"),
    (Budgets(call_cpu_seconds=0.0), 'files.list("Trip", recursive=True)', "call_cpu_seconds",
     "computer time per call"),
])
def test_each_budget_ends_the_run_with_its_name(trip: Path, sandbox: Any, budgets: Budgets, body: str,
                                                which: str, words: str) -> None:
    before = snapshot(trip, folder_times=True)
    assistant = Assistant(sandbox=sandbox, budgets=budgets)
    preview = assistant.preview(CATCHING.format(body=body), grants(trip))
    ends_with_budget(preview, which, words)
    report = assistant.apply(preview, approve=lambda p: True)
    assert report.status == "failed" and report.error and words in report.error["message"]
    assert snapshot(trip, folder_times=True) == before
    assert [p for p in paths.holding_dir().rglob("*") if p.is_file()] == []


def test_a_huge_result_does_not_reach_the_journal(trip: Path, sandbox: Any) -> None:
    assistant = Assistant(sandbox=sandbox, budgets=Budgets(journal_bytes=100 * KiB))
    preview = assistant.preview('result = "x" * 1_000_000\n', grants(trip))
    ends_with_budget(preview, "journal_bytes", "record in the journal")
    assert assistant.apply(preview).status == "failed"
    assert _journal_bytes() < 1024 * KiB


def test_thirty_planned_ten_mb_writes_end_at_the_default_budget(tmp_path: Path, capsys: Capsys) -> None:
    """The case seen: a preview-only run of 30 planned 10 MB writes made a 301 MB journal."""
    (tmp_path / "Trip").mkdir()
    script = tmp_path / "big.py"
    script.write_text('for i in range(30):\n    files.write_text(f"Trip/f{i}.txt", "x" * 10_000_000)\n')
    code = main(["run", str(script), "--grant", f"files={tmp_path / 'Trip'}", "--preview-only", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["status"] == "failed"
    assert "budget for content to write (64 MiB per run)" in out["error"]["message"]
    assert _journal_bytes() < 2 * 1024 * KiB
    assert list((tmp_path / "Trip").iterdir()) == []


def test_planned_text_is_journaled_by_reference_and_dropped_after_the_run(trip: Path, sandbox: Any) -> None:
    script = 'for i in range(30):\n    files.write_text(f"Trip/f{i}.txt", str(i) * 1_000_000)\n'
    assistant = Assistant(sandbox=sandbox)
    preview = assistant.preview(script, grants(trip))
    assert preview.ok, preview.outcome.error
    report = assistant.apply(preview, preview_only=True)
    assert report.status == "previewed" and len(report.actions) == 30
    assert _journal_bytes() < 1024 * KiB  # 30 MB planned; the journal holds references and digests
    assert not any((paths.holding_dir() / ".planned").iterdir())


def test_the_same_text_planned_many_times_is_kept_once(trip: Path, sandbox: Any) -> None:
    assistant = Assistant(sandbox=sandbox)
    preview = assistant.preview('for i in range(5):\n    files.write_text(f"Trip/same{i}.txt", "z" * 1000)\n',
                                grants(trip))
    from capabilities.engine.apply import spool_content

    spool_content(preview.plan, preview.capabilities)
    assert len({a.detail["content"] for a in preview.plan}) == 1
    assert len(list((paths.holding_dir() / ".planned").iterdir())) == 1
    assert assistant.apply(preview, approve=lambda p: True).status == "applied"
    assert [(trip / f"same{i}.txt").read_text() for i in range(5)] == ["z" * 1000] * 5


def test_rewriting_one_file_again_and_again_keeps_one_version(trip: Path, sandbox: Any) -> None:
    """The case seen: 20 overwrites of one file left 191 MB in holding and a 211 MB journal."""
    (trip / "log.txt").write_text("original")
    script = 'for i in range(20):\n    files.write_text("Trip/log.txt", str(i % 10) * 1_000_000)\n'
    assistant = Assistant(sandbox=sandbox)
    preview = assistant.preview(script, grants(trip))
    assert len(preview.plan) == 1 and preview.plan.actions[0].detail["size"] == 1_000_000
    report = assistant.apply(preview)
    assert report.status == "applied"
    assert (trip / "log.txt").read_text() == "9" * 1_000_000
    held = Holding(paths.holding_dir())
    assert len(held.ids()) == 1 and held.size() == len("original")
    assert _journal_bytes() < 1024 * KiB
    assistant.undo(report.run_id)
    assert (trip / "log.txt").read_text() == "original"


def test_a_deep_mkdir_is_refused_at_once(trip: Path, sandbox: Any) -> None:
    deep = "/".join(["d"] * 1000)
    preview = Assistant(sandbox=sandbox).preview(f'files.mkdir("Trip/{deep}")', grants(trip))
    assert preview.outcome.error is not None and "nested 1001 folders deep" in preview.outcome.error.message
    assert len(preview.plan) == 0
    long = "a" * 5000
    preview = Assistant(sandbox=sandbox).preview(f'files.mkdir("Trip/{long}")', grants(trip))
    error = preview.outcome.error
    assert error is not None and "longer than any system allows" in error.message
    ok = Assistant(sandbox=sandbox).preview('files.mkdir("Trip/' + "/".join(["d"] * 100) + '")', grants(trip))
    assert ok.ok and len(ok.plan) == 100


def test_host_work_stops_when_its_run_has_ended(trip: Path, sandbox: Any) -> None:
    preview = Assistant(sandbox=sandbox).preview('files.list("Trip")', grants(trip))
    assert preview.ok
    late = Dispatcher(preview.capabilities)  # a host call arriving for a run that is over
    with pytest.raises(BudgetExceeded, match="run is over"):
        late("files.list", {"args": ["Trip"], "kwargs": {"recursive": True}})
    budget = preview.capabilities["files"].context.budget
    with pytest.raises(BudgetExceeded):
        budget.check()  # what a loop inside a call still running checks


def test_a_calls_reply_is_bounded(trip: Path, sandbox: Any) -> None:
    from sandbox import Limits

    assistant = Assistant(sandbox=sandbox, limits=Limits(call_bytes=2000))
    preview = assistant.preview('print(len(files.list("Trip")))', grants(trip))
    assert preview.outcome.error is not None and preview.outcome.error.limit == "call_bytes"


def _journal_bytes() -> int:
    db = paths.database_path()
    return sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())


# ---- terminal escapes ---------------------------------------------------------------------------

ESCAPES = "\x1b[2J\x1b]0;owned\x07\x1b[31m"


def test_script_output_and_names_cannot_drive_the_terminal(tmp_path: Path, capsys: Capsys,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "Trip"
    folder.mkdir()
    (folder / f"a{ESCAPES}b.txt").write_text("hi")
    script = tmp_path / "s.py"
    script.write_text(f'print({ESCAPES!r} + "fake prompt")\n'
                      'for p in files.list("Trip"):\n'
                      '    print(p)\n'
                      f'    files.write_text("Trip/out.txt", {ESCAPES!r} + p + "\\n")\n'
                      f'result = {ESCAPES!r}\n')
    assert main(["run", str(script), "--grant", f"files={folder}", "--preview-only"]) == 0
    out = capsys.readouterr()
    assert "\x1b" not in out.out + out.err and "\x07" not in out.out + out.err
    assert "\\x1b]0;owned" in out.out
    code = main(["run", str(script), "--grant", f"files={folder}", "--preview-only", "--json"])
    text = capsys.readouterr().out
    assert code == 0 and "\x1b" not in text and json.loads(text)["result"] == ESCAPES


SHOWN = """```python
# \x1b]0;owned\x07\x1b[2J
print("\x1b[31mhello")
```
Summary: Says hello.
"""


def test_show_code_escapes_the_models_script(tmp_path: Path, capsys: Capsys, fake_openai: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key-for-the-fake-server")
    (tmp_path / "Notes").mkdir()
    fake_openai.reply(SHOWN)
    code = main(["ask", "say hello", "--folder", str(tmp_path / "Notes"), "--planner", "model", "--model",
                 fake_openai.model, "--api-base", fake_openai.url, "--show-code", "--yes"])
    out = capsys.readouterr()
    assert code == 0, out
    assert "\x1b" not in out.out + out.err and "\x07" not in out.out + out.err
    assert "\\x1b]0;owned" in out.out


# ---- markup in the window -----------------------------------------------------------------------

def test_a_file_name_cannot_hide_a_rows_warning(qtbot: Any, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QTextDocument

    from desktop.ui.changes import ChangesModel, change_rows
    from tests.files_support import start

    folder = tmp_path / "Trip"
    make_tree(folder, {"<!--a.txt": "x", "<b>bold</b>.txt": "y"})
    run = start(tmp_path, (folder, "rw"))
    run.call("delete", "Trip/<!--a.txt")
    run.call("delete", "Trip/<b>bold</b>.txt")
    model = ChangesModel()
    model.set_rows(change_rows(run.actions))
    for row, name in enumerate(("<!--a.txt", "<b>bold</b>.txt")):
        tip = model.data(model.index(row, 1), Qt.ItemDataRole.ToolTipRole)
        doc = QTextDocument()
        doc.setHtml(tip)  # what Qt's tooltip shows for text it takes as rich text
        shown = doc.toPlainText()
        assert name in shown and "Deletes it" in shown, shown


def test_the_window_needs_the_second_checkbox_for_flagged_changes(qtbot: Any, tmp_path: Path,
                                                                  sandbox: Any) -> None:
    from desktop.ui.preview_view import PreviewView

    folder = tmp_path / "Trip"
    folder.mkdir()
    script = 'files.write_text("Trip/notes.txt", "ok")\nfiles.write_text("Trip/run.sh", "rm -rf ~")\n'
    preview = Assistant(sandbox=sandbox).preview(script, grants(folder))
    view = PreviewView()
    qtbot.addWidget(view)
    asked: list[bool] = []
    view.approve_requested.connect(lambda: asked.append(True))
    view.show_preview(preview)
    assert view.allow_flagged.isVisibleTo(view) and not view.approve.isEnabled()
    assert "rm -rf ~" in view.effect.toPlainText() and "script or program" in view.effect.toPlainText()
    view._approve()  # a shortcut past the disabled button approves nothing
    assert asked == [] and preview.allowed_flagged == set()
    view.allow_flagged.setChecked(True)
    assert view.approve.isEnabled()
    view.approve.click()
    assert asked == [True] and preview.allowed_flagged == {2}
    assert os.listdir(folder) == []


def test_a_budget_swallowed_by_a_batch_call_still_ends_the_run(tmp_path: Path, sandbox: Any) -> None:
    """photos.info_many turns each file's error into a result (one bad item never sinks a batch);
    a used-up budget must not become one of those and let the script go on."""
    make_tree(tmp_path / "Trip", {f"many/p{i:03d}.jpg": "x" for i in range(300)})
    script = 'r = photos.info_many(["Trip/many/p001.jpg"])\nprint("went on", r)\nfiles.list("Trip")\n'
    grants_ = [Grant("photos"), *grants(tmp_path / "Trip")]
    preview = Assistant(sandbox=sandbox, budgets=Budgets(walk_entries=100)).preview(script, grants_)
    error = preview.outcome.error
    assert error is not None and error.limit == "walk_entries", error


MARKUP = "<b>x</b><!--"


def test_markup_from_names_scripts_and_results_is_text_in_every_widget(qtbot: Any, window: Any,
                                                                        tmp_path: Path) -> None:
    """Through the real window: a file name, printed lines and the result all carry markup; every
    label on every page is plain text and every tooltip shows it as written."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QTextDocument
    from PySide6.QtWidgets import QApplication, QLabel

    from tests.test_ui_flow import click, wait_page, wait_preview, wait_run

    folder = tmp_path / "Trip"
    make_tree(folder, {f"{MARKUP}a.txt": "x", "keep.txt": "y"})
    script = ('for p in files.list("Trip"):\n    print(p)\n'
              f'files.delete("Trip/{MARKUP}a.txt")\nresult = {{"note": {MARKUP!r}, "n": 1}}\n')
    win = window
    flow = win.flow
    flow.ask.add_folder(str(folder))
    flow.use_script(script, flow.ask.folders, request=f"tidy {MARKUP}")
    wait_page(qtbot, win, 1)
    click(qtbot, flow.plan.preview_button)
    wait_preview(qtbot, win)
    assert _all_plain(win, QLabel, Qt) > 0  # the request and the result, at least
    model = flow.preview_view.model
    tip = model.data(model.index(0, 1), Qt.ItemDataRole.ToolTipRole)
    doc = QTextDocument()
    doc.setHtml(tip)
    assert MARKUP in doc.toPlainText() and "Deletes it" in doc.toPlainText()
    click(qtbot, flow.preview_view.approve)
    assert wait_run(qtbot, win).status == "applied"
    QApplication.processEvents()
    _all_plain(win, QLabel, Qt)


def _all_plain(win: Any, label_type: Any, qt: Any) -> int:
    """Every label holding markup shows it as plain text; returns how many hold it."""
    holding = [w for w in win.findChildren(label_type) if "<b>" in w.text()]
    for widget in holding:
        assert widget.textFormat() == qt.TextFormat.PlainText, widget.text()
    return len(holding)


def test_a_call_that_raises_host_memory_past_its_budget_is_stopped(tmp_path: Path) -> None:
    """A call that grows the host's memory by 64 MB against a 16 MB budget stops at its next check
    (in a fresh process, so nothing else in it frees or takes memory meanwhile)."""
    import subprocess
    import sys

    code = ("from capabilities.budget import Budget, Budgets, BudgetExceeded\n"
            "b = Budget(Budgets(call_memory_bytes=16 * 1024 * 1024))\n"
            "b.start_call()\n"
            "b.check()\n"
            "grown = b\"x\" * (64 * 1024 * 1024)  # written, so resident\n"
            "try:\n    b.check()\nexcept BudgetExceeded as exc:\n    print(exc.limit, exc)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.stdout.startswith("call_memory_bytes The chore used up its budget of memory per call"), done


@pytest.mark.parametrize(("budgets", "ends"), [
    (Budgets(call_cpu_seconds=0.0, call_cpu_per_item=1.0), False),  # 300 items earn the call its time
    (Budgets(call_cpu_seconds=0.0, call_cpu_per_item=0.0), True),  # the same call with nothing per item
    (Budgets(call_cpu_seconds=0.0, call_cpu_per_item=1.0, call_cpu_max_seconds=0.0), True),  # the cap
])
def test_a_batch_call_earns_computer_time_per_item_up_to_a_cap(trip: Path, sandbox: Any, budgets: Budgets,
                                                              ends: bool) -> None:
    script = 'files.stat_many([f"Trip/p{i:03d}.txt" for i in range(300)])\n'
    preview = Assistant(sandbox=sandbox, budgets=budgets).preview(script, grants(trip))
    if ends:
        ends_with_budget(preview, "call_cpu_seconds", "computer time per call")
    else:
        assert preview.ok, preview.outcome.error
