"""Calendars as they come from the wild (issue 17), on real .ics files: each fixture here is our own.

Events without a UID, or two sharing one; a GEO property and an alarm at a
fixed time; one malformed event among good ones; a bare VEVENT file;
X-WR-TIMEZONE; and undo that gives back the very bytes of the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from capabilities.errors import BackendError, CallError, SourceChanged, TargetMissing
from desktop.core.assistant import Assistant
from desktop.core.report import status_words
from sandbox import Sandbox
from tests.calendar_support import apply, calendar_run, ics_grant, undo, vcalendar

NOV = ("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")
UTC = {"timezone": "UTC"}

A = "BEGIN:VEVENT\nDTSTART:20261124T150000Z\nDTEND:20261124T160000Z\nSUMMARY:Alpha\nEND:VEVENT"
B = "BEGIN:VEVENT\nDTSTART:20261125T150000Z\nDTEND:20261125T160000Z\nSUMMARY:Beta\nEND:VEVENT"
DAILY = ("BEGIN:VEVENT\nDTSTART:20261126T080000Z\nDTEND:20261126T083000Z\nSUMMARY:Podcast\n"
         "RRULE:FREQ=DAILY;COUNT=3\nEND:VEVENT")
# As a blog export writes it: a position and an alarm at a fixed time (not "15 minutes before").
GEO = ("BEGIN:VEVENT\nUID:meetup-7@blog.example\nDTSTART:20261127T180000Z\nDTEND:20261127T200000Z\n"
       "SUMMARY:Meetup\nGEO:37.386013;-122.082932\nBEGIN:VALARM\nACTION:DISPLAY\nDESCRIPTION:Meetup\n"
       "TRIGGER;VALUE=DATE-TIME:20261127T170000Z\nEND:VALARM\nEND:VEVENT")


def write(tmp_path: Path, text: str, name: str = "wild.ics") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def titles(found: list[dict]) -> list[str]:
    return [e["title"] for e in found]


def test_events_without_a_uid_each_have_an_id_and_deleting_one_deletes_one(tmp_path: Path) -> None:
    path = write(tmp_path, vcalendar(A, B, A.replace("Alpha", "Gamma")))
    original = path.read_bytes()
    with calendar_run(ics_grant(path), UTC) as run:
        found = run("events", *NOV)
        assert titles(found) == ["Alpha", "Gamma", "Beta"]  # by start, then title
        ids = [e["id"] for e in found]
        assert len(set(ids)) == 3 and all(ids)
        run("delete", ids[2])
        assert titles(run("events", *NOV)) == ["Alpha", "Gamma"]  # the preview, too, lost only one
        assert "Delete “Beta”" in run.plan.actions[0].summary
        outcomes = apply(run)
    assert path.read_bytes() == vcalendar(A, A.replace("Alpha", "Gamma")).encode()
    undo(run, outcomes)
    assert path.read_bytes() == original


def test_an_id_without_a_uid_holds_while_other_events_change(tmp_path: Path) -> None:
    path = write(tmp_path, vcalendar(A, B, A))  # an exact copy too: numbered in file order
    with calendar_run(ics_grant(path), UTC) as run:
        before = {(e["title"], e["start"], e["id"]) for e in run("events", *NOV)}
    assert len({i for _, _, i in before}) == 3
    path.write_bytes(vcalendar(A, B.replace("Beta", "Beta!"), A).encode())  # another app edits Beta
    with calendar_run(ics_grant(path), UTC) as run:
        after = {(e["title"], e["start"], e["id"]) for e in run("events", *NOV)}
    assert {x for x in after if x[0] == "Alpha"} == {x for x in before if x[0] == "Alpha"}


def test_a_repeating_event_without_a_uid_is_listed_once_per_occurrence(tmp_path: Path) -> None:
    path = write(tmp_path, vcalendar(DAILY, A))
    with calendar_run(ics_grant(path), UTC) as run:
        found = run("events", *NOV)
        podcast = [e for e in found if e["title"] == "Podcast"]
        assert [e["start"] for e in podcast] == [f"2026-11-{d}T08:00:00+00:00" for d in (26, 27, 28)]
        assert all(e["recurring"] for e in podcast) and len({e["id"] for e in podcast}) == 1
        assert not next(e for e in found if e["title"] == "Alpha")["recurring"]


def test_an_event_with_geo_and_a_timed_alarm_changes_deletes_and_comes_back(tmp_path: Path) -> None:
    path = write(tmp_path, vcalendar(A, GEO, B))
    original = path.read_bytes()
    with calendar_run(ics_grant(path), UTC) as run:
        run("update", "meetup-7@blog.example", title="Meetup (moved room)")
        outcomes = apply(run)
    text = path.read_text()
    assert "Meetup (moved room)" in text and "GEO:37.386013;-122.082932" in text
    assert "TRIGGER;VALUE=DATE-TIME:20261127T170000Z" in text  # the alarm stays with its event
    assert text.index("Alpha") < text.index("moved room") < text.index("Beta")  # where it stood
    undo(run, outcomes)
    assert path.read_bytes() == original
    with calendar_run(ics_grant(path), UTC) as run:
        run("delete", "meetup-7@blog.example")
        outcomes = apply(run)
    assert "Meetup" not in path.read_text()
    undo(run, outcomes)
    assert path.read_bytes() == original


def test_one_bad_line_in_one_event_leaves_the_others_readable(tmp_path: Path) -> None:
    broken = B.replace("SUMMARY:Beta", "SUMMARY:Beta\nthis line is not iCalendar")
    no_start = "BEGIN:VEVENT\nUID:nostart\nSUMMARY:Floating idea\nEND:VEVENT"
    path = write(tmp_path, vcalendar(A, broken, DAILY, no_start))
    with calendar_run(ics_grant(path), UTC) as run:
        found = run("events", *NOV)
        assert titles(found) == ["Alpha", "Podcast", "Podcast", "Podcast"]
        skipped = run("skipped")
        assert len(skipped) == 2
        assert "“Beta” (line 9) was left out" in skipped[0] and "this line is not iCalendar" in skipped[0]
        assert "“Floating idea”" in skipped[1] and "no start time" in skipped[1]
        with pytest.raises(TargetMissing):
            run("delete", "nostart")  # what could not be read cannot be changed either
        alpha = found[0]["id"]
        run("update", alpha, title="Alpha 2")  # the readable ones can
        outcomes = apply(run)
    assert "this line is not iCalendar" in path.read_text()  # the bad event is left as it was
    undo(run, outcomes)
    assert path.read_bytes() == vcalendar(A, broken, DAILY, no_start).encode()


def test_every_event_read_means_nothing_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, vcalendar(A, B))
    with calendar_run(ics_grant(path), UTC) as run:
        run("events", *NOV)
        assert run("skipped") == []


def test_a_bare_vevent_file_is_read_and_never_written(tmp_path: Path) -> None:
    path = write(tmp_path, GEO.replace("\n", "\r\n") + "\r\n", "single.ics")
    original = path.read_bytes()
    with calendar_run(ics_grant(path), UTC) as run:
        [event] = run("events", *NOV)
        assert (event["title"], event["id"]) == ("Meetup", "meetup-7@blog.example")
        for call in (lambda: run("delete", event["id"]),
                     lambda: run("update", event["id"], title="x"),
                     lambda: run("create", "x", "2026-11-25T10:00Z", "2026-11-25T11:00Z")):
            with pytest.raises(BackendError, match="without a calendar around it") as caught:
                call()
            assert "Import it into your calendar app" in caught.value.hint
        assert len(run.plan) == 0
    assert path.read_bytes() == original


def test_x_wr_timezone_places_floating_times(tmp_path: Path) -> None:
    floating = ("BEGIN:VEVENT\nUID:f1\nDTSTART:20261124T090000\nDTEND:20261124T100000\nSUMMARY:Local\n"
                "END:VEVENT")
    path = write(tmp_path, vcalendar(floating, head="X-WR-TIMEZONE:America/New_York\n"))
    with calendar_run(ics_grant(path), UTC) as run:
        [event] = run("events", *NOV)
        run("delete", "f1")  # and the preview says the same time
        assert "Tue 24 Nov 2026 14:00–15:00 (+0000)" in run.plan.actions[0].summary
        outcomes = apply(run)
    assert (event["start"], event["end"]) == ("2026-11-24T14:00:00+00:00", "2026-11-24T15:00:00+00:00")
    undo(run, outcomes)
    assert path.read_bytes() == vcalendar(floating, head="X-WR-TIMEZONE:America/New_York\n").encode()
    plain = write(tmp_path, vcalendar(floating), "plain.ics")  # without it: the person's own zone
    with calendar_run(ics_grant(plain), UTC) as run:
        [event] = run("events", *NOV)
    assert event["start"] == "2026-11-24T09:00:00+00:00"


def test_undo_takes_out_the_time_zone_it_added_and_restores_every_byte(tmp_path: Path) -> None:
    # LF line endings and no VTIMEZONE: a create in Berlin time adds one; undo must take it out.
    path = write(tmp_path, vcalendar(A, B, newline="\n"))
    original = path.read_bytes()
    with calendar_run(ics_grant(path), {"timezone": "Europe/Berlin"}) as run:
        made = run("create", "Dentist", "2026-11-24T15:00", "2026-11-24T16:00")
        run("update", made, location="Main Street 1")
        run("update", run("events", *NOV)[0]["id"], title="Alpha, later")
        outcomes = apply(run)
    text = path.read_text()
    assert "TZID:Europe/Berlin" in text and "\r\n" not in text  # the file's own line endings
    assert text.index("BEGIN:VTIMEZONE") < text.index("BEGIN:VEVENT")
    undo(run, outcomes)
    assert path.read_bytes() == original


def test_undo_after_another_app_changed_the_file_restores_the_event_and_keeps_their_change(
        tmp_path: Path) -> None:
    path = write(tmp_path, vcalendar(GEO, B))
    with calendar_run(ics_grant(path), UTC) as run:
        run("update", "meetup-7@blog.example", title="Renamed")
        outcomes = apply(run)
    path.write_bytes(path.read_bytes().replace(b"SUMMARY:Beta", b"SUMMARY:Beta (their edit)"))
    undo(run, outcomes)
    assert path.read_bytes() == vcalendar(GEO, B.replace("Beta", "Beta (their edit)")).encode()


def test_two_events_sharing_a_uid_are_listed_apart_and_left_alone(tmp_path: Path) -> None:
    one = A.replace("BEGIN:VEVENT", "BEGIN:VEVENT\nUID:same@export")
    two = B.replace("BEGIN:VEVENT", "BEGIN:VEVENT\nUID:same@export")
    path = write(tmp_path, vcalendar(one, two))
    with calendar_run(ics_grant(path), UTC) as run:
        found = run("events", *NOV)
        assert titles(found) == ["Alpha", "Beta"] and found[0]["id"] != found[1]["id"]
        with pytest.raises(CallError, match="shares its UID"):
            run("delete", found[0]["id"])
        with pytest.raises(TargetMissing):
            run("delete", "same@export")


def test_apply_refuses_an_event_that_now_holds_more_than_the_preview_showed(tmp_path: Path) -> None:
    series = DAILY.replace("BEGIN:VEVENT", "BEGIN:VEVENT\nUID:series-1")
    path = write(tmp_path, vcalendar(series, A))
    with calendar_run(ics_grant(path), UTC) as run:
        run("delete", "series-1")
    moved = ("BEGIN:VEVENT\nUID:series-1\nRECURRENCE-ID:20261127T080000Z\nDTSTART:20261127T090000Z\n"
             "DTEND:20261127T093000Z\nSUMMARY:Podcast\nEND:VEVENT")
    path.write_bytes(vcalendar(series, moved, A).encode())  # another app moves one occurrence
    before = path.read_bytes()
    with pytest.raises(SourceChanged):
        apply(run)
    # The reach check alone, past the fingerprint check: the series now has 2 VEVENTs, not 1.
    action = run.plan.actions[0]
    with calendar_run(ics_grant(path), UTC) as fresh:
        assert fresh.calendar.reach_delete(action) == 2
        from capabilities.engine.apply import within_preview

        with pytest.raises(SourceChanged, match="would now touch 2 items where the preview showed 1"):
            within_preview(fresh.calendar, action)
    assert path.read_bytes() == before


def test_events_that_cannot_be_read_are_left_alone_like_files_in_the_preview_and_the_run(
        sandbox: Sandbox, tmp_path: Path) -> None:
    broken = B.replace("SUMMARY:Beta", "SUMMARY:Beta\nthis line is not iCalendar")
    no_start = "BEGIN:VEVENT\nUID:nostart\nSUMMARY:Floating idea\nEND:VEVENT"
    path = write(tmp_path, vcalendar(A, broken, no_start, GEO))
    assistant = Assistant(sandbox=sandbox, services=UTC)
    script = (f"found = calendar.events({NOV[0]!r}, {NOV[1]!r})\n"
              "calendar.delete(next(e['id'] for e in found if e['title'] == 'Alpha'))\n"
              "return len(found)\n")
    preview = assistant.preview(script, ics_grant(path), request="delete Alpha")
    assert preview.ok, preview.outcome.error
    assert preview.outcome.result == 2 and [a.op for a in preview.plan] == ["delete"]
    left = preview.plan.left_alone
    assert [(x["kind"], x["call"]) for x in left] == [("event", "calendar.events")] * 2
    assert "“Beta” (line 9)" in left[0]["item"] and "this line is not iCalendar" in left[0]["reason"]
    assert "“Floating idea”" in left[1]["item"] and left[1]["hint"]
    headline = preview.outcome.log.index("2 events left alone (the rest goes ahead):")
    assert any("Floating idea" in line and "no start time" in line for line in preview.outcome.log[headline:])
    report = assistant.apply(preview, approve=lambda p: True)
    assert report.status == "applied" and report.partial and report.left_alone == left
    assert status_words(assistant.history()[0]) == "Applied, 2 events left alone"
    assert "Alpha" not in path.read_text() and "this line is not iCalendar" in path.read_text()
    assert assistant.undo(report.run_id).refused == []
    assert path.read_bytes() == vcalendar(A, broken, no_start, GEO).encode()


def test_a_calendar_read_in_full_leaves_nothing_alone(sandbox: Sandbox, tmp_path: Path) -> None:
    path = write(tmp_path, vcalendar(A, B))
    assistant = Assistant(sandbox=sandbox, services=UTC)
    preview = assistant.preview(f"return len(calendar.events({NOV[0]!r}, {NOV[1]!r}))", ics_grant(path))
    assert preview.outcome.result == 2 and preview.plan.left_alone == []
    report = assistant.apply(preview, approve=lambda p: True)
    assert not report.partial and status_words(assistant.history()[0]) == "Applied"
