"""The calendar capability against a real CalDAV server (Radicale on 127.0.0.1)."""

from __future__ import annotations

import itertools

import icalendar
import pytest

from capabilities.api.calendar import Calendar
from capabilities.base import Grant
from capabilities.errors import BackendError, GrantError, SourceChanged, TargetMissing, UndoRefused
from tests.calendar_support import apply, calendar_run, undo
from tests.radicale_server import RadicaleServer, radicale_module  # noqa: F401  (a fixture)

WEEK = ("2026-11-23T00:00:00+01:00", "2026-11-30T00:00:00+01:00")
_names = itertools.count()


@pytest.fixture
def server(radicale_module: RadicaleServer) -> RadicaleServer:  # noqa: F811
    return radicale_module


@pytest.fixture
def source(server: RadicaleServer) -> str:
    """A fresh calendar for each test on the module's server."""
    return server.make_calendar(f"work{next(_names)}", "Work")


def services(server: RadicaleServer, password: str | None = None) -> dict[str, object]:
    return {"calendar_password": server.password if password is None else password,
            "timezone": "Europe/Berlin"}


def grants(source: str, mode: str = "rw") -> list[Grant]:
    return [Grant("calendar", source, mode, "Work")]  # type: ignore[arg-type]


def stored(server: RadicaleServer, source: str) -> dict[str, icalendar.Event]:
    """The server's events by UID, read from Radicale's storage folder, not through CalDAV."""
    name = source.rstrip("/").rsplit("/", 1)[1]
    found = {}
    for text in server.items(name).values():
        for event in icalendar.Calendar.from_ical(text).walk("VEVENT"):
            found[str(event["UID"])] = event
    return found


def test_round_trip_create_list_update_delete_undo(server: RadicaleServer, source: str) -> None:
    name = source.rstrip("/").rsplit("/", 1)[1]
    with calendar_run(grants(source), services(server)) as seed:
        kept_id = seed("create", "Dentist", "2026-11-24T15:00", "2026-11-24T16:00", location="Main St 1")
        gone_id = seed("create", "Old meeting", "2026-11-26T10:00", "2026-11-26T11:00")
    apply(seed)
    assert set(stored(server, source)) == {kept_id, gone_id}
    on_disk = server.items(name)

    with calendar_run(grants(source), services(server)) as run:
        assert [e["title"] for e in run("events", *WEEK)] == ["Dentist", "Old meeting"]
        new_id = run("create", "Lunch", "2026-11-25T12:30+01:00", "2026-11-25T13:30+01:00")
        run("update", kept_id, title="Dentist (check-up)", start="2026-11-24T17:00")
        run("delete", gone_id)
        seen = run("events", *WEEK)
        assert server.items(name) == on_disk  # the preview left the server as it was
    assert [(e["title"], e["start"]) for e in seen] == [
        ("Dentist (check-up)", "2026-11-24T17:00:00+01:00"), ("Lunch", "2026-11-25T12:30:00+01:00")]

    outcomes = apply(run)
    held = stored(server, source)
    assert set(held) == {kept_id, new_id}
    assert str(held[kept_id]["SUMMARY"]) == "Dentist (check-up)" and held[kept_id].end.hour == 18
    with calendar_run(grants(source), services(server)) as fresh:
        assert [e["title"] for e in fresh("events", *WEEK)] == ["Dentist (check-up)", "Lunch"]

    undo(run, outcomes)
    assert server.items(name).keys() == on_disk.keys()
    restored = stored(server, source)
    assert str(restored[kept_id]["SUMMARY"]) == "Dentist" and restored[kept_id].start.hour == 15
    assert str(restored[gone_id]["SUMMARY"]) == "Old meeting"


def test_repeating_event_on_the_server_is_expanded(server: RadicaleServer, source: str) -> None:
    server.add_event(source.rstrip("/").rsplit("/", 1)[1],
                     "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:standup\r\n"
                     "DTSTAMP:20261101T100000Z\r\nSUMMARY:Standup\r\nDTSTART:20261123T080000Z\r\n"
                     "DTEND:20261123T081500Z\r\nRRULE:FREQ=DAILY;COUNT=10\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    with calendar_run(grants(source), services(server)) as run:
        found = run("events", "2026-11-25T00:00:00Z", "2026-11-28T00:00:00Z")
    # Stored in UTC, shown in the person's zone (Berlin, +01:00 in November).
    assert [e["start"] for e in found] == ["2026-11-25T09:00:00+01:00", "2026-11-26T09:00:00+01:00",
                                           "2026-11-27T09:00:00+01:00"]
    assert all(e["id"] == "standup" and e["recurring"] for e in found)


def test_wrong_password_is_a_clear_message(server: RadicaleServer, source: str) -> None:
    with calendar_run(grants(source), services(server, "not-the-password")) as run:
        with pytest.raises(GrantError, match="refused the user name 'alice' or the password") as caught:
            run("events", *WEEK)
    assert caught.value.hint == "Check the calendar password in Settings → Calendar."
    with calendar_run(grants(source), {}) as run, pytest.raises(GrantError, match="none is saved"):
        run("events", *WEEK)


def test_missing_calendar_and_unreachable_server(server: RadicaleServer) -> None:
    with calendar_run(grants(server.source("no-such-calendar")), services(server)) as run:
        with pytest.raises(TargetMissing, match="There is no calendar at") as caught:
            run("events", *WEEK)
    assert "calendar address" in caught.value.hint

    import socket

    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with calendar_run(grants(f"caldav:http://alice@127.0.0.1:{port}/alice/work/"), services(server)) as run:
        with pytest.raises(BackendError, match=r"Could not reach the calendar server at 127\.0") as caught:
            run("events", *WEEK)
    assert "network" in caught.value.hint


def test_changes_on_the_server_stop_apply_and_undo(server: RadicaleServer, source: str) -> None:
    with calendar_run(grants(source), services(server)) as seed:
        event_id = seed("create", "Dentist", "2026-11-24T15:00", "2026-11-24T16:00")
    apply(seed)

    with calendar_run(grants(source), services(server)) as run:
        run("update", event_id, title="Dentist (check-up)")
    someone_else_edits(server, source, event_id, "Dentist, moved by the practice")
    with pytest.raises(SourceChanged, match="changed in the calendar “Work” since the preview"):
        apply(run)

    with calendar_run(grants(source), services(server)) as run:
        run("update", event_id, location="Room 2")
    outcomes = apply(run)
    someone_else_edits(server, source, event_id, "Edited after Errand")
    with pytest.raises(UndoRefused, match="changed in the calendar “Work” after Errand changed it"):
        undo(run, outcomes)
    assert str(stored(server, source)[event_id]["SUMMARY"]) == "Edited after Errand"


def someone_else_edits(server: RadicaleServer, source: str, uid: str, title: str) -> None:
    """Another client changes an event's title on the server."""
    import caldav

    with caldav.DAVClient(url=server.url, username=server.username, password=server.password,
                          enable_rfc6764=False) as client:
        cal = client.calendar(url=source.partition(":")[2].replace(f"{server.username}@", ""))
        obj = cal.event_by_uid(uid)
        parsed = icalendar.Calendar.from_ical(obj.data)
        for event in parsed.walk("VEVENT"):
            event["SUMMARY"] = icalendar.vText(title)
        obj.data = parsed.to_ical().decode()
        obj.save()


def test_read_only_grant_lists_but_does_not_change(server: RadicaleServer, source: str) -> None:
    with calendar_run(grants(source, "ro"), services(server)) as run:
        assert run("events", *WEEK) == []
        with pytest.raises(GrantError, match="reading only"):
            run("create", "x", "2026-11-25T12:30Z", "2026-11-25T13:30Z")
    text = Calendar.describe_grant(grants(source, "ro")[0])
    assert text == "Read events in the calendar “Work” at 127.0.0.1"


def test_a_write_racing_another_client_is_refused_by_the_servers_etag(server: RadicaleServer,
                                                                      source: str) -> None:
    from capabilities.calendars.backends import parse_source
    from capabilities.calendars.caldav import CalDavBackend

    backend = CalDavBackend(parse_source(source), server.password, lambda: 10.0)
    try:
        with calendar_run(grants(source), services(server)) as seed:
            uid = seed("create", "Dentist", "2026-11-24T15:00", "2026-11-24T16:00")
        apply(seed)
        held = backend._find(uid)  # read, as put() does just before it writes …
        someone_else_edits(server, source, uid, "Moved by the practice")  # … and someone writes in between
        held.data = held.data.replace("Dentist", "Dentist (check-up)")
        with pytest.raises(SourceChanged, match="changed by someone else while Errand saved it"):
            backend._call(lambda: held.save(increase_seqno=False))
    finally:
        backend.close()
    assert str(stored(server, source)[uid]["SUMMARY"]) == "Moved by the practice"


def test_a_server_that_never_answers_gives_up_at_the_runs_deadline() -> None:
    import socket
    import time

    from tests.calendar_support import CalendarRun

    with socket.socket() as silent:  # accepts connections (the kernel does) but never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        port = silent.getsockname()[1]
        run = CalendarRun(grants(f"caldav:http://alice@127.0.0.1:{port}/alice/work/"),
                          {"calendar_password": "secret"})
        run.context.deadline = time.monotonic() + 1.0
        try:
            with pytest.raises(BackendError, match="Could not reach the calendar server") as caught:
                run("events", *WEEK)
        finally:
            run.calendar.close()
    assert "timed out" in caught.value.message
