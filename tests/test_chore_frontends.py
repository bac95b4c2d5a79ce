"""One chore through all three front ends: the CLI, the window and the automations runner.

The same model-planned chore (its first script fails in the preview, one
repair round fixes it) goes through ``errand ask`` (``main``), the real
window (offscreen, clicked) and, saved from the CLI's run, the automations
runner on a real watchdog event. The journal must hold the same exchanges
with the model (CLI and window; an automation never calls a model), the same
actions and the same outcome. The repair request carries the error's type and
line and Errand's words, never the text the script chose (here a note's
content), unless the person allowed file names to be sent.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from capabilities.journal import Journal
from desktop.automations.runner import AutomationRunner
from desktop.cli.main import main
from desktop.core import paths
from desktop.core import settings as settings_store
from desktop.core.assistant import Assistant
from tests.fake_openai import FakeOpenAI
from tests.test_ui_flow import click, wait_page, wait_preview, wait_run, window  # noqa: F401  (window: a fixture)

pytestmark = pytest.mark.timeout(600)
Capsys = pytest.CaptureFixture[str]

REQUEST = "turn my text notes into markdown notes"
SECRET = "secret-contents-7f3a"  # what the note holds: it must not reach the model without consent
# Fails in the preview with KeyError whose message is the note's content (text the script chose).
BROKEN = """Summary: Renames each note after a field of its details.

```python
for path in files.list("Notes", "*.txt"):
    files.rename(path, files.stat(path)[files.read_text(path).strip()])
```
"""
FIXED = """Summary: Changes every .txt note into a .md note.

```python
count = 0
for path in files.list("Notes", "*.txt"):
    files.rename(path, path[:-4] + ".md")
    count += 1
return count
```
"""


def notes_in(parent: Path) -> Path:
    folder = parent / "Notes"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text(SECRET)
    return folder


@pytest.fixture
def model(fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> FakeOpenAI:
    """The fake model set up in Settings (both the CLI and the window read them)."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    settings = settings_store.load()
    settings.model, settings.api_base = fake_openai.model, fake_openai.url
    settings_store.save(settings)
    return fake_openai


def journaled(run_id: int) -> dict[str, Any]:
    """What the journal holds of a run, without what differs by nature (ids, times, folders)."""
    with Journal(paths.database_path()) as journal:
        run = journal.run(run_id)
        actions = [(a["capability"], a["op"], a["args"], a["status"], a["summary"])
                   for a in journal.actions(run_id)]
        exchanges = [(e["kind"], e["prompt"], e["answer"], e["error"]) for e in journal.exchanges(run_id)]
    return {"status": run["status"], "result": run["result"], "actions": actions, "exchanges": exchanges}


def cli_run(notes: Path) -> int:
    """``errand ask`` in this process; the run's id."""
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["ask", REQUEST, "--folder", str(notes), "--planner", "model", "--yes", "--json"])
    answer = json.loads(out.getvalue())
    assert code == 0, answer
    return int(answer["run_id"])


def window_run(qtbot: Any, win: Any, notes: Path) -> int:
    flow = win.flow
    flow.ask.add_folder(str(notes))
    flow.ask.set_request(REQUEST)
    click(qtbot, flow.ask.plan_button)
    wait_page(qtbot, win, 1)
    click(qtbot, flow.plan.preview_button)
    wait_preview(qtbot, win)
    click(qtbot, flow.preview_view.approve)
    return int(wait_run(qtbot, win).run_id)


def automation_run(sandbox: Any, notes: Path, **saved_from: Any) -> int:
    """An automation on ``notes`` saved from a run or a script; a note arrives; the run it made."""
    assistant = Assistant(journal=Journal(paths.database_path()), sandbox=sandbox)
    saved = assistant.save_automation("notes to markdown", str(notes), pattern="*.txt", **saved_from)
    runner = AutomationRunner(assistant, quiet_seconds=0.2, reload_seconds=None, rescan_seconds=None)
    try:
        runner.start()
        (notes / "a.md").unlink(missing_ok=True)  # the folder as before the CLI's run, by a real arrival
        (notes / "a.txt").write_text(SECRET)
        end = time.monotonic() + 120
        while not [r for r in assistant.history(10) if isinstance(r.get("trigger"), dict)]:
            assert time.monotonic() < end, "the automation never ran"
            time.sleep(0.05)
        triggered = next(r for r in assistant.history(10) if isinstance(r.get("trigger"), dict))
        assert triggered["trigger"]["automation_id"] == saved["id"]
        while triggered["status"] in ("previewing", "applying"):
            time.sleep(0.05)
            triggered = next(r for r in assistant.history(10) if r["id"] == triggered["id"])
    finally:
        runner.stop()
        assistant.journal.close()
    return int(triggered["id"])


def test_one_chore_three_front_ends_same_exchanges_actions_outcome(
        qtbot: Any, window: Any, sandbox: Any, tmp_path: Path, model: FakeOpenAI) -> None:  # noqa: F811
    for _ in range(2):
        model.reply(BROKEN)
        model.reply(FIXED)
    cli_notes, window_notes = notes_in(tmp_path / "cli"), notes_in(tmp_path / "window")

    cli_id = cli_run(cli_notes)
    by_cli = journaled(cli_id)
    by_window = journaled(window_run(qtbot, window, window_notes))
    by_automation = journaled(automation_run(sandbox, cli_notes, from_run=cli_id))

    assert by_cli["actions"] == [("files", "rename", {"src": "Notes/a.txt", "dst": "Notes/a.md",
                                                       "overwrite": False}, "done",
                                  "Rename Notes/a.txt → Notes/a.md")]
    assert by_cli == by_window  # exchanges, actions, outcome: the same, word for word
    assert [e[0] for e in by_cli["exchanges"]] == ["plan", "preview_repair"]
    assert by_automation == {**by_cli, "exchanges": []}  # the saved script runs; no model is asked
    assert (by_cli["status"], by_cli["result"]) == ("applied", 1)
    assert sorted(p.name for p in cli_notes.iterdir()) == ["a.md"]
    assert sorted(p.name for p in window_notes.iterdir()) == ["a.md"]

    # The repair rounds: the type, the line, the model's own code and Errand's words; not the note.
    repairs = [model.requests[1], model.requests[3]]
    assert repairs[0].messages == repairs[1].messages
    said = repairs[0].messages[-1]["content"]
    assert "KeyError on line 2" in said and "files.stat(path)[files.read_text(path).strip()]" in said
    assert "not agreed to send" in said
    assert all(SECRET not in request.text() for request in model.requests)


def test_with_file_names_allowed_the_repair_carries_the_error_text(tmp_path: Path, model: FakeOpenAI,
                                                                   capsys: Capsys) -> None:
    model.reply(BROKEN)
    model.reply(FIXED)
    notes = notes_in(tmp_path)
    code = main(["ask", REQUEST, "--folder", str(notes), "--planner", "model", "--yes", "--json",
                 "--allow-file-names"])
    assert code == 0, capsys.readouterr().out
    said = model.requests[1].messages[-1]["content"]
    assert "KeyError on line 2" in said and SECRET in said


def test_a_script_refused_for_leaving_its_folder_is_not_sent_back(tmp_path: Path, model: FakeOpenAI,
                                                                  capsys: Capsys) -> None:
    model.reply('Summary: Reads a note outside.\n\n```python\nfiles.read_text("Notes/../x.txt")\n```\n')
    notes = notes_in(tmp_path)
    code = main(["ask", REQUEST, "--folder", str(notes), "--planner", "model", "--yes", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["status"] == "failed" and out["error"]["type"] == "PermissionError"
    assert len(model.requests) == 1  # the person sees the refusal; no rewrite hides it
    assert sorted(p.name for p in notes.iterdir()) == ["a.txt"]


def test_an_automation_run_keeps_the_holding_area_within_its_rule(sandbox: Any, tmp_path: Path) -> None:
    from capabilities.folders.holding import Holding
    from desktop.core.grants import parse_grants

    holding = Holding(paths.holding_dir())
    old = tmp_path / "old.txt"
    old.write_text("kept long ago")
    hold_id = holding.keep(old, "20000101T000000-000000000000")
    meta = holding.dir / hold_id / "meta.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "kept": time.time() - 40 * 86400}))
    notes = notes_in(tmp_path)
    (notes / "a.txt").unlink()
    script = FIXED.split("```python\n")[1].split("```")[0]
    run_id = automation_run(sandbox, notes, script=script, grants=parse_grants([f"files={notes}"]))
    assert journaled(run_id)["status"] == "applied"
    assert not holding.has(hold_id)  # forty days old and no undo needs it: retention ran after the run


def test_an_exception_class_the_script_made_up_is_not_named(sandbox: Any) -> None:
    from desktop.core.repair_words import repair_text

    made_up = SECRET.replace("-", "_")
    script = f"class {made_up}(Exception):\n    pass\n\nraise {made_up}('x')\n"
    failed = Assistant(sandbox=sandbox).preview(script, [])
    assert failed.outcome.error is not None and failed.outcome.error.line == 4
    said = repair_text(failed.outcome.error, script)
    assert said.startswith("An exception class the script defined on line 4")
    assert made_up in said.splitlines()[1]  # only as the model's own line of code
    assert made_up not in said.splitlines()[0]


def test_a_repair_the_model_cannot_answer_keeps_the_first_error(tmp_path: Path, model: FakeOpenAI,
                                                                capsys: Capsys) -> None:
    model.reply(BROKEN)
    model.fail(500, "the server is down")
    notes = notes_in(tmp_path)
    code = main(["ask", REQUEST, "--folder", str(notes), "--planner", "model", "--yes", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["status"] == "failed" and out["error"]["type"] == "KeyError"
    kinds = [(e[0], bool(e[3])) for e in journaled(out["run_id"])["exchanges"]]
    assert kinds == [("plan", False), ("preview_repair", True)]  # the failed round is journaled too
    assert sorted(p.name for p in notes.iterdir()) == ["a.txt"]
