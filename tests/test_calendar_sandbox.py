"""A script in the wasm sandbox uses the calendar: the preview plans, apply does it, undo reverses it."""

from __future__ import annotations

from pathlib import Path

from capabilities.base import Grant
from sandbox import Sandbox
from tests.calendar_support import SEED, apply, calendar_run, undo
from tests.radicale_server import RadicaleServer, radicale  # noqa: F401  (a fixture)

SCRIPT = """
week = calendar.events("2026-11-23", "2026-11-30")
standup = [e for e in week if e["title"] == "Standup"]
calendar.delete(standup[0]["id"])
lunch = calendar.create("Lunch with Ana", "2026-11-25T12:30", "2026-11-25T13:30", location="Café")
return [(e["title"], e["start"]) for e in calendar.events("2026-11-23", "2026-11-30")]
"""


def test_a_sandboxed_script_previews_then_applies_and_undoes(sandbox: Sandbox, tmp_path: Path) -> None:
    ics = tmp_path / "work.ics"
    ics.write_text(SEED, encoding="utf-8")
    before = ics.read_bytes()
    grants = [Grant("calendar", f"ics:{ics}", "rw", "Work")]
    with calendar_run(grants, {"timezone": "Europe/Berlin"}) as run:
        outcome = sandbox.run(SCRIPT, run.dispatch, manifest=run.dispatch.manifest())
    assert outcome.ok, outcome.error
    assert outcome.result == [["Dentist", "2026-11-24T15:00:00+01:00"],
                              ["Lunch with Ana", "2026-11-25T12:30:00+01:00"]]
    assert ics.read_bytes() == before  # the preview changed nothing
    assert [a.op for a in run.plan] == ["delete", "create"]

    outcomes = apply(run)
    text = ics.read_text()
    assert "Lunch with Ana" in text and "Standup" not in text
    undo(run, outcomes)
    assert "Lunch with Ana" not in ics.read_text() and "RRULE:FREQ=WEEKLY;COUNT=3" in ics.read_text()


def test_a_wrong_password_reaches_the_script_as_a_clear_error(sandbox: Sandbox,
                                                             radicale: RadicaleServer) -> None:  # noqa: F811
    grants = [Grant("calendar", radicale.make_calendar("work"), "ro", "Work")]
    with calendar_run(grants, {"calendar_password": "wrong"}) as run:
        outcome = sandbox.run('return calendar.events("2026-11-23", "2026-11-30")', run.dispatch,
                              manifest=run.dispatch.manifest())
    assert outcome.error is not None
    assert outcome.error.type == "PermissionError"
    assert "refused the user name 'alice' or the password" in outcome.error.message
    assert outcome.error.hint == "Check the calendar password in Settings → Calendar."
