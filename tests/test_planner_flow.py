"""End to end with real parts: model (local HTTP) → check → sandbox preview → repair → apply → undo."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from capabilities.base import Grant
from desktop.core import llm, planner
from desktop.core.assistant import Assistant
from tests.fake_openai import FakeOpenAI

# Passes the static check (the calls fit their signatures) but fails when it runs: no such key.
BREAKS_IN_PREVIEW = """```python
for path in files.list("Trip", "*.txt"):
    info = files.stat(path)
    files.rename(path, "Trip/" + info["taken"] + ".txt")
```
Summary: Renames each note by the day it was taken.
"""
WORKS = """```python
done = 0
for path in files.list("Trip", "*.txt"):
    info = files.stat(path)
    files.rename(path, "Trip/" + info["modified"][:4] + "-" + info["name"])
    done += 1
print(f"renamed {done}")
```
Summary: Puts the year each note was last changed in front of its name.
"""


def test_a_request_becomes_an_applied_undoable_run(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    trip = tmp_path / "Trip"
    trip.mkdir()
    (trip / "a.txt").write_text("alpha")
    (trip / "b.txt").write_text("bravo")
    year = str(datetime.datetime.fromtimestamp((trip / "a.txt").stat().st_mtime).year)
    grants = [Grant("files", target=str(trip), mode="rw", label="Trip")]
    settings = llm.ModelSettings(model=fake_openai.model, api_base=fake_openai.url, api_key="sk-flow-1",
                                 timeout=10.0)
    fake_openai.reply(BREAKS_IN_PREVIEW)
    fake_openai.reply(WORKS)
    assistant = Assistant()
    ids: list[int] = []

    def record(exchange: dict[str, Any]) -> None:
        ids.append(assistant.journal.add_exchange(**exchange))

    planned = planner.plan_with_model("put the year in front of my notes", grants, settings,
                                      record_exchange=record)
    first = assistant.preview(planned.script, grants)
    assert not first.ok and first.outcome.error is not None
    assert "taken" in first.outcome.error.message
    assert sorted(p.name for p in trip.iterdir()) == ["a.txt", "b.txt"]  # a preview changes nothing

    fixed = planner.repair_after_preview(planned, first.outcome.error, grants, settings,
                                         record_exchange=record)
    assert "taken" in fake_openai.requests[1].messages[-1]["content"]
    second = assistant.preview(fixed.script, grants, request="put the year in front of my notes",
                               summary=fixed.summary, planner="model", model=settings.model, exchanges=ids)
    assert second.ok, second.outcome.error
    assert len(second.plan) == 2 and second.outcome.log == ["renamed 2"]

    report = assistant.apply(second, approve=lambda preview: True)
    assert sorted(p.name for p in trip.iterdir()) == [f"{year}-a.txt", f"{year}-b.txt"]
    run_id = report.run_id
    assert [e["kind"] for e in assistant.journal.exchanges(run_id)] == ["plan", "preview_repair"]
    assert assistant.journal.run(run_id)["tokens_in"] == 240

    assistant.undo(run_id)
    assert sorted(p.name for p in trip.iterdir()) == ["a.txt", "b.txt"]
    assert (trip / "a.txt").read_text() == "alpha"
    assistant.journal.close()
