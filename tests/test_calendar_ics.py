"""The calendar capability over a real .ics file: preview, apply, undo, errors, time zones."""

from __future__ import annotations

from pathlib import Path

import icalendar
import pytest

from capabilities.api.calendar import Calendar
from capabilities.base import Grant
from capabilities.errors import BackendError, CallError, GrantError, SourceChanged, TargetMissing, UndoRefused
from tests.calendar_support import SEED, apply, calendar_run, undo

WEEK = ("2026-11-23T00:00:00+01:00", "2026-11-30T00:00:00+01:00")
MONTH = ("2026-11-01T00:00:00+01:00", "2026-12-31T00:00:00+01:00")
BERLIN = {"timezone": "Europe/Berlin"}


@pytest.fixture
def ics(tmp_path: Path) -> Path:
    path = tmp_path / "work.ics"
    path.write_text(SEED.replace("\n", "\r\n"), encoding="utf-8")
    return path


def grant(path: Path, mode: str = "rw") -> list[Grant]:
    return [Grant("calendar", f"ics:{path}", mode, "Work")]  # type: ignore[arg-type]


def vevents(path: Path) -> dict[str, icalendar.Event]:
    """What the file holds, read by icalendar directly (not through the capability)."""
    cal = icalendar.Calendar.from_ical(path.read_text(encoding="utf-8"))
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_lists_events_with_offsets_and_expands_a_repeating_one(ics: Path) -> None:
    with calendar_run(grant(ics), BERLIN) as run:
        found = run("events", *MONTH)
    standups = [e for e in found if e["title"] == "Standup"]
    assert [e["start"] for e in standups] == ["2026-11-23T09:00:00+01:00", "2026-11-30T09:00:00+01:00",
                                              "2026-12-07T09:00:00+01:00"]
    assert {e["id"] for e in standups} == {"standup-1"} and all(e["recurring"] for e in standups)
    dentist = next(e for e in found if e["id"] == "dentist-1")
    assert dentist == {"id": "dentist-1", "title": "Dentist", "start": "2026-11-24T15:00:00+01:00",
                       "end": "2026-11-24T16:00:00+01:00", "all_day": False, "location": "Main Street 1",
                       "description": "", "recurring": False, "calendar": "Work"}
    # All in one zone here, so text order is time order.
    assert [e["start"] for e in found] == sorted(e["start"] for e in found)


def test_preview_changes_nothing_but_later_reads_see_it(ics: Path) -> None:
    before = ics.read_bytes()
    with calendar_run(grant(ics), BERLIN) as run:
        new_id = run("create", "Lunch with Ana", "2026-11-25T12:30", "2026-11-25T13:30", location="Café")
        run("update", "dentist-1", title="Dentist (check-up)")
        run("delete", "standup-1")
        seen = run("events", *WEEK)
        assert ics.read_bytes() == before
        assert [(e["id"], e["title"]) for e in seen] == [("dentist-1", "Dentist (check-up)"),
                                                         (new_id, "Lunch with Ana")]
        lunch = seen[1]
        assert (lunch["start"], lunch["location"]) == ("2026-11-25T12:30:00+01:00", "Café")  # naive → Berlin
        assert run.plan.counts() == {"calendar.create": 1, "calendar.update": 1, "calendar.delete": 1}
        summaries = [a.summary for a in run.plan]
    assert summaries[0] == ("Add “Lunch with Ana”, Wed 25 Nov 2026 12:30–13:30 (+0100) at Café "
                            "to the calendar “Work”")
    assert summaries[2].startswith("Delete “Standup”")
    with calendar_run(grant(ics), {"timezone": "Asia/Kolkata"}) as elsewhere:
        elsewhere("delete", "dentist-1")
    assert elsewhere.plan.actions[0].summary == \
        "Delete “Dentist”, Tue 24 Nov 2026 19:30–20:30 (+0530) at Main Street 1 from the calendar “Work”"


def test_apply_then_undo_round_trip(ics: Path) -> None:
    original = {uid: e.to_ical() for uid, e in vevents(ics).items()}
    with calendar_run(grant(ics), BERLIN) as run:
        new_id = run("create", "Lunch", "2026-11-25T12:30+01:00", "2026-11-25T13:30+01:00")
        run("update", new_id, location="Kantine")
        run("update", "dentist-1", start="2026-11-24T17:00+01:00")
        run("delete", "standup-1")
    outcomes = apply(run)

    held = vevents(ics)
    assert set(held) == {"dentist-1", new_id}
    assert str(held[new_id]["LOCATION"]) == "Kantine"
    assert held["dentist-1"].end.hour == 18  # moved, keeping its hour
    assert "BEGIN:VTODO" in ics.read_text() and "TZID:Europe/Berlin" in ics.read_text()
    with calendar_run(grant(ics), BERLIN) as fresh:
        titles = [e["title"] for e in fresh("events", *WEEK)]
    assert titles == ["Dentist", "Lunch"]

    undo(run, outcomes)
    assert {uid: e.to_ical() for uid, e in vevents(ics).items()} == original
    assert "BEGIN:VTODO" in ics.read_text()


def test_all_day_event_takes_and_gives_the_last_day(ics: Path) -> None:
    with calendar_run(grant(ics), BERLIN) as run:
        run("create", "Holiday", "2026-11-26", "2026-11-27", all_day=True)
    apply(run)
    held = next(e for e in vevents(ics).values() if str(e["SUMMARY"]) == "Holiday")
    assert (str(held.start), str(held.end)) == ("2026-11-26", "2026-11-28")  # DTEND is exclusive
    with calendar_run(grant(ics), BERLIN) as fresh:
        holiday = next(e for e in fresh("events", *WEEK) if e["title"] == "Holiday")
    assert (holiday["start"], holiday["end"], holiday["all_day"]) == ("2026-11-26", "2026-11-27", True)


def test_naive_times_use_the_persons_zone_and_times_come_back_in_it(ics: Path) -> None:
    with calendar_run(grant(ics), {"timezone": "America/New_York"}) as run:
        call = run("create", "Call", "2026-11-25T09:00", "2026-11-25T09:30")
        utc = run("create", "Sync", "2026-11-25T18:00Z", "2026-11-25T18:30Z")
        summer = run("create", "Picnic", "2026-07-04T12:00", "2026-07-04T15:00")
        shown = {e["id"]: e["start"] for e in run("events", "2026-07-01", "2026-12-01")}
    assert shown[call] == "2026-11-25T09:00:00-05:00"
    assert shown[utc] == "2026-11-25T13:00:00-05:00"
    assert shown[summer] == "2026-07-04T12:00:00-04:00"  # daylight saving time, from the zone's rules
    assert shown["dentist-1"] == "2026-11-24T09:00:00-05:00"  # stored in Berlin time
    apply(run)
    text = ics.read_text()
    assert "TZID=America/New_York:20261125T090000" in text and "DTSTART:20261125T180000Z" in text
    assert 'TZID="UTC' not in text  # a bare offset no other calendar app could resolve


def test_verify_refuses_when_the_event_changed_since_the_preview(ics: Path) -> None:
    with calendar_run(grant(ics)) as run:
        run("update", "dentist-1", title="Dentist!")
    ics.write_text(ics.read_text().replace("LOCATION:Main Street 1", "LOCATION:Elm Street 9"))
    with calendar_run(grant(ics)) as fresh, pytest.raises(SourceChanged, match=r"Dentist.*changed"):
        fresh.calendar.verify(run.plan.actions[0])


def test_undo_refuses_when_the_event_changed_after_apply(ics: Path) -> None:
    with calendar_run(grant(ics)) as run:
        run("update", "dentist-1", title="Dentist!")
    outcomes = apply(run)
    ics.write_text(ics.read_text().replace("LOCATION:Main Street 1", "LOCATION:Elm Street 9"))
    with pytest.raises(UndoRefused, match="changed") as caught:
        undo(run, outcomes)
    assert caught.value.hint
    assert str(vevents(ics)["dentist-1"]["SUMMARY"]) == "Dentist!"  # nothing was overwritten


def test_undo_of_delete_refuses_when_the_id_is_back(ics: Path) -> None:
    with calendar_run(grant(ics)) as run:
        run("delete", "dentist-1")
    outcomes = apply(run)
    ics.write_text(SEED.replace("Dentist", "Someone else's"))
    with pytest.raises(UndoRefused, match="again"):
        undo(run, outcomes)


def test_probe_tells_whether_each_action_happened(ics: Path) -> None:
    with calendar_run(grant(ics)) as run:
        run("create", "Lunch", "2026-11-25T12:30Z", "2026-11-25T13:30Z")
        run("delete", "dentist-1")
    probe = Calendar(grant(ics), run.context)
    assert [probe.probe(a) for a in run.plan] == [False, False]
    outcomes = apply(run)
    # Done, and with the outcome perform returned, which a crash would have lost — all but the
    # receipt for an exact undo, which only perform knows (undo then restores the event itself).
    assert [probe.probe(a) for a in run.plan] == [{k: v for k, v in o.items() if k != "receipt"}
                                                  for o in outcomes]


def test_clear_errors(ics: Path, tmp_path: Path) -> None:
    with calendar_run(grant(ics)) as run:
        with pytest.raises(TargetMissing, match="no event with the id 'nope'"):
            run("update", "nope", title="x")
        with pytest.raises(CallError, match="not a date or time"):
            run("create", "x", "tomorrow at 3", "2026-11-25T13:30Z")
        with pytest.raises(CallError, match="not after start"):
            run("create", "x", "2026-11-25T13:30Z", "2026-11-25T12:30Z")
        with pytest.raises(CallError, match="repeats"):
            run("update", "standup-1", start="2026-11-23T10:00+01:00")
        with pytest.raises(CallError, match=r"calendar\.create"):
            run("create", "x")  # missing arguments, validated by the dispatcher
        run("delete", "dentist-1")
        with pytest.raises(TargetMissing):
            run("update", "dentist-1", title="gone")  # deleted earlier in this preview

    with calendar_run(grant(ics, "ro")) as ro, pytest.raises(GrantError, match="reading only") as caught:
        ro("create", "x", "2026-11-25T12:30Z", "2026-11-25T13:30Z")
    assert "grant" in caught.value.hint

    broken = tmp_path / "broken.ics"
    broken.write_text("this is not a calendar\n")
    with calendar_run(grant(broken)) as bad:
        with pytest.raises(BackendError, match="not a readable calendar") as caught:
            bad("events", *WEEK)
    assert "Errand changed nothing" in caught.value.hint

    # A malformed event is left out with its reason (test_calendar_wild has the rest of that).
    oddities = (("nostart", "SUMMARY:Lost", "“Lost” (line 4) was left out: it has no start time"),
                ("badrule", "SUMMARY:Odd\r\nDTSTART:20261124T100000Z\r\nRRULE:FREQ=SOMETIMES",
                 "“Odd” (line 4) was left out: RRULE: "))
    for name, event, problem in oddities:
        odd = tmp_path / f"{name}.ics"
        odd.write_text(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:{name}\r\n"
                       f"{event}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
        with calendar_run(grant(odd)) as bad:
            assert bad("events", *WEEK) == []
            [reason] = bad("skipped")
        assert problem in reason and str(odd) in reason

    with calendar_run(grant(tmp_path / "missing.ics")) as gone:
        with pytest.raises(TargetMissing, match="does not exist"):
            gone("events", *WEEK)
    with calendar_run([Grant("calendar", "ics:relative.ics")]) as rel:
        with pytest.raises(GrantError, match="absolute"):
            rel("events", *WEEK)


def test_grant_text_in_plain_words() -> None:
    assert Calendar.describe_grant(Grant("calendar", "ics:/home/ana/work.ics", "ro")) == \
        "Read events in the calendar “work” in the file /home/ana/work.ics"
    assert Calendar.describe_grant(Grant("calendar", "caldav:https://ana@cal.example.com/dav/ana/work/",
                                         "rw", "Work")) == \
        "Read and change events in the calendar “Work” at cal.example.com"
    rota = Grant("calendar", "caldav:https://ana@cal.example.com/ana/Team%20Rota/")
    assert Calendar.describe_grant(rota) == \
        "Read and change events in the calendar “Team Rota” at cal.example.com"
    assert Calendar.describe_grant(Grant("calendar", "webcal:nonsense", "ro")) == \
        "Read events in the calendar webcal:nonsense"


def test_several_calendars_in_one_run(ics: Path, tmp_path: Path) -> None:
    home = tmp_path / "home.ics"
    home.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nEND:VCALENDAR\r\n")
    grants = [Grant("calendar", f"ics:{ics}", "ro", "Work"), Grant("calendar", f"ics:{home}", "rw", "Home")]
    with calendar_run(grants, BERLIN) as run:
        default = run("create", "Plumber", "2026-11-25T08:00", "2026-11-25T09:00")  # the first writable
        with pytest.raises(GrantError, match="“Work” was granted for reading only"):
            run("create", "Review", "2026-11-25T10:00", "2026-11-25T11:00", calendar="Work")
        with pytest.raises(GrantError, match="reading only"):
            run("delete", "dentist-1")
        with pytest.raises(CallError, match="no calendar is called 'Gym'") as caught:
            run("create", "Run", "2026-11-25T07:00", "2026-11-25T08:00", calendar="Gym")
        assert caught.value.hint == "Granted calendars: 'Work', 'Home'."
        seen = {(e["title"], e["calendar"]) for e in run("events", *WEEK)}
    assert {("Plumber", "Home"), ("Dentist", "Work"), ("Standup", "Work")} <= seen
    apply(run)
    assert set(vevents(home)) == {default} and "Plumber" not in ics.read_text()


def test_a_plan_verifies_whether_checked_up_front_or_action_by_action(ics: Path) -> None:
    with calendar_run(grant(ics)) as run:
        new_id = run("create", "Lunch", "2026-11-25T12:30Z", "2026-11-25T13:30Z")
        run("update", new_id, title="Lunch with Ana")
        run("update", "dentist-1", title="Dentist (1)")
        run("update", "dentist-1", location="Elm Street 9")
        with pytest.raises(CallError, match="nothing to change"):
            run("update", "dentist-1")
    with calendar_run(grant(ics)) as fresh:
        for action in run.plan:  # all before any is carried out
            fresh.calendar.verify(action)
        for action in run.plan:  # and each just before it is carried out
            fresh.calendar.verify(action)
            fresh.calendar.perform(action)
    held = vevents(ics)
    assert str(held[new_id]["SUMMARY"]) == "Lunch with Ana"
    dentist = held["dentist-1"]
    assert (str(dentist["SUMMARY"]), str(dentist["LOCATION"])) == ("Dentist (1)", "Elm Street 9")
    assert int(dentist["SEQUENCE"]) == 2  # one revision per change, as calendar apps expect


def test_moving_an_all_day_event_keeps_its_length(ics: Path) -> None:
    with calendar_run(grant(ics), BERLIN) as run:
        trip = run("create", "Trip", "2026-11-23", "2026-11-25", all_day=True)
        run("update", trip, start="2026-11-26")
        moved = next(e for e in run("events", *WEEK) if e["id"] == trip)
    assert (moved["start"], moved["end"]) == ("2026-11-26", "2026-11-28")


def test_a_change_leaves_the_rest_of_the_file_byte_for_byte(ics: Path) -> None:
    original = ics.read_bytes().decode()  # not read_text(): it would hide the file's line endings
    standup = original[original.index("BEGIN:VEVENT\r\nUID:standup-1"):original.index("BEGIN:VTODO")]
    rest = original[original.index("BEGIN:VTODO"):]
    with calendar_run(grant(ics)) as run:
        run("update", "dentist-1", title="Dentist (moved)")
        run("create", "Lunch", "2026-11-25T12:30Z", "2026-11-25T13:30Z")
    apply(run)
    text = ics.read_bytes().decode()
    assert original.split("BEGIN:VEVENT")[0] in text  # header and VTIMEZONE, as the other app wrote them
    assert standup in text and rest.removesuffix("END:VCALENDAR\r\n") in text
    assert "\n" not in text.replace("\r\n", "")  # the file's own line endings throughout


def test_a_folded_uid_is_found_and_an_alarms_uid_is_not_its_events(tmp_path: Path) -> None:
    uid = "a-long-event-identifier-from-another-app"
    text = ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nBEGIN:VEVENT\nBEGIN:VALARM\nUID:alarm-1\n"
            "ACTION:DISPLAY\nTRIGGER:-PT5M\nEND:VALARM\n"
            f"UID:{uid[:25]}\n {uid[25:]}\nSUMMARY:A\nDTSTART:20261124T100000Z\nEND:VEVENT\n"
            "BEGIN:VEVENT\nUID:other\nSUMMARY:B\nDTSTART:20261124T110000Z\nEND:VEVENT\nEND:VCALENDAR\n")
    path = tmp_path / "folded.ics"
    path.write_text(text)
    with calendar_run(grant(path)) as run:
        assert {e["id"] for e in run("events", *WEEK)} == {uid, "other"}
        with pytest.raises(TargetMissing):
            run("delete", "alarm-1")
        run("delete", uid)
        apply(run)
    assert path.read_text() == ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nBEGIN:VEVENT\nUID:other\n"
                                "SUMMARY:B\nDTSTART:20261124T110000Z\nEND:VEVENT\nEND:VCALENDAR\n")


def test_a_series_with_a_moved_occurrence_lists_renames_and_restores_as_one(tmp_path: Path) -> None:
    path = tmp_path / "series.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n"
                     b"BEGIN:VEVENT\r\nUID:yoga\r\nDTSTAMP:20261101T100000Z\r\nSUMMARY:Yoga\r\n"
                     b"DTSTART:20261123T170000Z\r\nDTEND:20261123T180000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\n"
                     b"END:VEVENT\r\nBEGIN:VEVENT\r\nUID:yoga\r\nDTSTAMP:20261101T100000Z\r\nSUMMARY:Yoga\r\n"
                     b"RECURRENCE-ID:20261124T170000Z\r\nDTSTART:20261124T190000Z\r\nDTEND:20261124T200000Z\r\n"
                     b"END:VEVENT\r\nEND:VCALENDAR\r\n")
    original = path.read_bytes()
    with calendar_run(grant(path), {"timezone": "UTC"}) as run:
        starts = [e["start"] for e in run("events", *WEEK)]
        run("update", "yoga", title="Yoga (bring a mat)")
        titles = {e["title"] for e in run("events", *WEEK)}
    assert starts == ["2026-11-23T17:00:00+00:00", "2026-11-24T19:00:00+00:00", "2026-11-25T17:00:00+00:00"]
    assert titles == {"Yoga (bring a mat)"}  # the moved occurrence too
    outcomes = apply(run)
    assert [str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")] == \
        ["Yoga (bring a mat)"] * 2
    undo(run, outcomes)
    restored = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert [(str(e["SUMMARY"]), "RECURRENCE-ID" in e) for e in restored] == [("Yoga", False), ("Yoga", True)]
    assert len(path.read_bytes()) < 2 * len(original)  # no duplicate left behind


def test_an_edit_by_another_app_is_seen_even_at_the_same_size(ics: Path) -> None:
    with calendar_run(grant(ics)) as run:
        assert "Dentist" in {e["title"] for e in run("events", *WEEK)}
        ics.write_bytes(ics.read_bytes().replace(b"SUMMARY:Dentist", b"SUMMARY:Dentixt"))  # same size
        assert "Dentixt" in {e["title"] for e in run("events", *WEEK)}
