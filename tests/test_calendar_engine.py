"""Calendar actions through the generic apply/undo engine and a real journal, against Radicale."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import icalendar

from capabilities.api.calendar import Calendar
from capabilities.base import Grant, RunContext
from capabilities.engine.apply import apply_plan
from capabilities.engine.recovery import recover
from capabilities.engine.undo import undo_run
from capabilities.journal import Journal
from tests.calendar_support import SEED, calendar_run
from tests.radicale_server import RadicaleServer, radicale  # noqa: F401  (a fixture)

WEEK = ("2026-11-23T00:00:00+01:00", "2026-11-30T00:00:00+01:00")


def test_apply_and_undo_through_the_journal(radicale: RadicaleServer, journal: Journal) -> None:  # noqa: F811
    source = radicale.make_calendar("work", "Work")
    grants = [Grant("calendar", source, "rw", "Work")]
    services = {"calendar_password": radicale.password, "timezone": "Europe/Berlin"}
    with calendar_run(grants, services) as run:
        first = run("create", "Dentist", "2026-11-24T15:00", "2026-11-24T16:00")
        run("update", first, description="Bring the card")
        run("create", "Lunch", "2026-11-25T12:30", "2026-11-25T13:30")
    run_id = journal.start_run("put my appointments in the calendar", "…", grants)
    journal.save_plan(run_id, run.plan)

    with calendar_run(grants, services) as applying:
        report = apply_plan(journal, run_id, run.plan, {"calendar": applying.calendar})
    assert (report.status, report.done) == ("applied", 3)
    assert len(radicale.items("work")) == 2
    assert all(a["status"] == "done" for a in journal.actions(run_id))

    with calendar_run(grants, services) as undoing:  # a fresh object, as after a restart
        undone = undo_run(journal, run_id, {"calendar": undoing.calendar})
    assert (undone.undone, undone.refused) == (3, [])
    assert radicale.items("work") == {}
    assert journal.run(run_id)["status"] == "undone"
    with calendar_run(grants, services) as after:
        assert after("events", *WEEK) == []


def test_a_crash_mid_apply_is_rolled_back_with_the_probes(tmp_path: Path, journal: Journal) -> None:
    ics = tmp_path / "work.ics"
    ics.write_bytes(SEED.replace("\n", "\r\n").encode())
    grants = [Grant("calendar", f"ics:{ics}", "rw", "Work")]
    with calendar_run(grants) as run:
        run("create", "Lunch", "2026-11-25T12:30Z", "2026-11-25T13:30Z")
        run("update", "dentist-1", title="Dentist (moved)")
        run("delete", "standup-1")
    run_id = journal.start_run("tidy my week", "…", grants)
    journal.save_plan(run_id, run.plan)
    # A process that died mid-batch: its intents are journaled, two effects happened, no outcomes.
    journal.claim_run(run_id, f"{socket.gethostname()}:{os.getpid()}:not-this-process", "applying")
    journal.mark_actions(run_id, [1, 2, 3], "started")
    for action in run.plan.actions[:2]:
        run.calendar.perform(action)

    reports = recover(journal, lambda g: {"calendar": Calendar(g, RunContext())})
    assert [(r.action, r.status, r.undone, r.refused, r.unknown) for r in reports] == \
        [("rolled_back", "rolled_back", 2, [], [])]
    with calendar_run(grants) as after:
        assert [e["title"] for e in after("events", *WEEK)] == ["Standup", "Dentist"]
    held = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert sorted(str(e["UID"]) for e in held) == ["dentist-1", "standup-1"]


def test_recovery_with_the_calendar_out_of_reach_reports_instead_of_failing(tmp_path: Path,
                                                                           journal: Journal) -> None:
    ics = tmp_path / "work.ics"
    ics.write_bytes(SEED.encode())
    grants = [Grant("calendar", f"ics:{ics}", "rw", "Work")]
    with calendar_run(grants) as run:
        run("create", "Lunch", "2026-11-25T12:30Z", "2026-11-25T13:30Z")
    run_id = journal.start_run("lunch", "…", grants)
    journal.save_plan(run_id, run.plan)
    journal.claim_run(run_id, f"{socket.gethostname()}:{os.getpid()}:not-this-process", "applying")
    journal.mark_actions(run_id, [1], "started")
    ics.rename(tmp_path / "moved.ics")  # the calendar is gone when Errand starts again

    [report] = recover(journal, lambda g: {"calendar": Calendar(g, RunContext())})
    assert (report.unknown, report.status) == ([1], "partly_undone")
    assert "does not exist" in report.refused[0][1]  # the reason, kept for the person
