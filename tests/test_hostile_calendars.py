"""Calendars that attack, against the real calendar capability and its decoder worker: each fails
alone with Errand's words (the other events are listed), the file is left byte for byte, and no
worker is left running beyond the pool's own."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from capabilities.base import Grant
from capabilities.calendars import reader
from capabilities.calendars.events import MAX_EVENT_TEXT
from capabilities.calendars.skips import Skip
from capabilities.decoding import default_pool
from capabilities.decoding.calendars import MAX_OCCURRENCES, MAX_TEXT
from capabilities.errors import ErrandError
from capabilities.redaction import REDACTED
from desktop.core.assistant import Assistant
from sandbox import Sandbox
from tests.calendar_support import CalendarRun, apply, calendar_run, ics_grant, undo, vcalendar
from tests.radicale_server import RadicaleServer, radicale_module  # noqa: F401

linux = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
WEEK = ("2026-11-23T00:00:00+01:00", "2026-11-30T00:00:00+01:00")
GOOD = """BEGIN:VEVENT
UID:good-1
DTSTAMP:20261101T100000Z
SUMMARY:Dentist
DTSTART:20261124T140000Z
DTEND:20261124T150000Z
END:VEVENT"""


def _event(uid: str, summary: str, rule: str = "", start: str = "20261123T000000Z") -> str:
    extra = f"\nRRULE:{rule}" if rule else ""
    return (f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20261101T100000Z\nSUMMARY:{summary}\nDTSTART:{start}\n"
            f"DTEND:{start[:-5]}3000Z{extra}\nEND:VEVENT")


def _listed(path: Path, text: str) -> tuple[list[dict[str, object]], list[str]]:
    path.write_text(text, encoding="utf-8", newline="")
    before = path.read_bytes()
    with calendar_run(ics_grant(path), {"timezone": "Europe/Berlin"}) as run:
        found = run("events", *WEEK)
        skipped = run("skipped")
    assert path.read_bytes() == before  # reading never writes
    return found, skipped


def _pool_children() -> set[int]:
    """Live child processes of this test process (the decoder workers it started)."""
    kids: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        kids |= {int(pid) for pid in (task / "children").read_text().split()}
    return {pid for pid in kids if Path(f"/proc/{pid}").exists()
            and "Z" not in Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]}


def test_malformed_and_truncated_events_are_left_out_with_reasons_and_the_rest_listed(tmp_path: Path) -> None:
    bad_start = "BEGIN:VEVENT\nUID:bad-1\nSUMMARY:Broken\nDTSTART:not-a-date\nEND:VEVENT"
    no_start = "BEGIN:VEVENT\nUID:bad-2\nSUMMARY:Startless\nEND:VEVENT"
    truncated = "BEGIN:VEVENT\nUID:cut-1\nSUMMARY:Cut off\nDTSTART:2026112"  # the file ends mid-event
    text = vcalendar(GOOD, bad_start, no_start).replace("END:VCALENDAR\r\n", truncated.replace("\n", "\r\n"))
    found, skipped = _listed(tmp_path / "work.ics", text)
    assert [e["title"] for e in found] == ["Dentist"]
    assert len(skipped) == 2 and all("was left out" in why for why in skipped)
    assert any("DTSTART" in why for why in skipped)


def test_a_title_that_reads_like_a_reason_stays_the_events_title_when_left_alone(tmp_path: Path) -> None:
    # The worker reports item, reason and kind apart: a title made to look like Errand's sentence
    # ("… was left out: …", "… cannot be read (…)") cannot move words from the title into the reason.
    forged = ("BEGIN:VEVENT\nUID:forged-1\nSUMMARY:Tea was left out: all is fine cannot be read (ok)\n"
              "END:VEVENT")
    path = tmp_path / "work.ics"
    path.write_text(vcalendar(GOOD, forged), encoding="utf-8", newline="")
    with calendar_run(ics_grant(path), {"timezone": "Europe/Berlin"}) as run:
        assert [e["title"] for e in run("events", *WEEK)] == ["Dentist"]
        skipped, left = run("skipped"), run.plan.left_alone
    assert len(left) == 1 and left[0]["kind"] == "event"
    assert "“Tea was left out: all is fine cannot be read (ok)” (line" in left[0]["item"]
    assert left[0]["reason"] == "it has no start time (DTSTART)"
    assert skipped == [f"{left[0]['item']} was left out: it has no start time (DTSTART)."]


@pytest.mark.parametrize("answer", [
    "the event (line 3) was left out: it is broken.",  # a sentence, not fields
    {"item": "an event", "reason": "broken", "kind": "file"},  # a kind the host does not know
    {"item": "", "reason": "broken", "kind": "event"},
    {"item": "an event", "reason": 7, "kind": "event"},
    {"item": "an event", "kind": "event"},
])
def test_a_left_out_part_the_worker_reports_wrongly_is_refused(answer: object) -> None:
    with pytest.raises((TypeError, KeyError)):
        Skip.from_answer(answer)


def test_a_left_out_parts_words_reach_the_plan_as_one_plain_line() -> None:
    raw = {"item": "the event \x1b[2J“A”\n(line 3)", "reason": "bad\rtime.", "kind": "item"}
    skip = Skip.from_answer(raw)
    assert (skip.item, skip.reason, skip.kind) == ("the event [2J“A”(line 3)", "badtime", "item")
    assert skip.text == "the event [2J“A”(line 3) was left out: badtime."


def test_a_key_in_an_unreadable_events_text_is_hidden_in_the_left_alone_reason_and_the_journal(
        sandbox: Sandbox, tmp_path: Path) -> None:
    key = "sk-proj-" + "4f9Qz7" * 6
    leaky = GOOD.replace("UID:good-1", "UID:leak-1").replace("SUMMARY:Dentist",
                                                            f"SUMMARY:Leak\napi_key={key}")
    path = tmp_path / "work.ics"
    path.write_text(vcalendar(GOOD, leaky), encoding="utf-8", newline="")
    assistant = Assistant(sandbox=sandbox, services={"timezone": "Europe/Berlin"})
    preview = assistant.preview(f"return len(calendar.events({WEEK[0]!r}, {WEEK[1]!r}))", ics_grant(path))
    assert preview.ok and preview.outcome.result == 1
    (left,) = preview.plan.left_alone
    assert "“Leak”" in left["item"] and REDACTED in left["reason"] and key not in left["reason"]
    report = assistant.apply(preview, approve=lambda p: True)
    journaled = assistant.journal.run(report.run_id)["left_alone"]
    assert journaled == [left] and key not in json.dumps(journaled)


def test_bytes_that_are_not_text_fail_alone_with_errands_words(tmp_path: Path) -> None:
    path = tmp_path / "work.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\r\n\xff\xfe\x00garbage\x89PNG\r\n")
    with calendar_run(ics_grant(path)) as run, pytest.raises(ErrandError) as refused:
        run("events", *WEEK)
    assert "not UTF-8" in refused.value.message and str(path) in refused.value.message
    assert path.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n\xff")


def test_a_calendar_larger_than_the_reader_takes_is_refused_not_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.ics"
    padding = "X-PAD:" + "a" * (MAX_TEXT + 10)
    path.write_text(vcalendar(GOOD, head=padding + "\n"), encoding="utf-8")
    with calendar_run(ics_grant(path)) as run, pytest.raises(ErrandError) as refused:
        run("events", *WEEK)
    assert "too large" in refused.value.message
    assert default_pool().workers()  # the pool still answers the next call
    found, _ = _listed(tmp_path / "small.ics", vcalendar(GOOD))
    assert [e["title"] for e in found] == ["Dentist"]


@pytest.mark.parametrize("rule", [
    "FREQ=SECONDLY",  # 604,800 occurrences in the week
    "FREQ=MINUTELY;INTERVAL=1",  # 10,080
    "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30",  # no date ever matches: dateutil searches forever
], ids=["every-second", "every-minute", "never-matches"])
def test_a_recurrence_bomb_is_left_out_and_the_other_events_are_listed(tmp_path: Path, rule: str) -> None:
    daily = _event("daily-1", "Standup", "FREQ=DAILY;COUNT=3")
    text = vcalendar(GOOD, _event("bomb-1", "Bomb", rule), daily)
    found, skipped = _listed(tmp_path / "work.ics", text)
    assert sorted({e["title"] for e in found}) == ["Dentist", "Standup"]
    assert [e["title"] for e in found].count("Standup") == 3
    assert len(skipped) == 1 and "“Bomb” was left out" in skipped[0]
    assert f"{MAX_OCCURRENCES:,} times" in skipped[0] or "too long" in skipped[0]


def test_an_event_repeating_often_but_under_the_cap_is_listed_in_full(tmp_path: Path) -> None:
    text = vcalendar(_event("hourly-1", "Pills", "FREQ=HOURLY;COUNT=150"))
    found, skipped = _listed(tmp_path / "work.ics", text)
    assert skipped == [] and len(found) == 150


@linux
def test_bombs_leave_no_extra_worker_running(tmp_path: Path) -> None:
    text = vcalendar(GOOD, _event("bomb-1", "Bomb", "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30"))
    _listed(tmp_path / "a.ics", text)
    before = _pool_children()
    for n in range(3):
        _listed(tmp_path / f"b{n}.ics", text)
    workers = {w.process.pid for w in default_pool().workers()}
    assert _pool_children() <= before | workers and len(workers) <= default_pool().size


def test_a_recurrence_bomb_on_a_caldav_server_is_left_out_and_the_rest_listed(
        radicale_module: RadicaleServer) -> None:  # noqa: F811
    """The server's calendar-data is read by the worker too: one bad resource fails alone."""
    server = radicale_module
    source = server.make_calendar("hostile", "Work")
    assert server.put_item("hostile", "good.ics", vcalendar(GOOD)) in (201, 204)
    assert server.put_item("hostile", "bomb.ics", vcalendar(_event("bomb-1", "Bomb", "FREQ=MINUTELY"))) \
        in (201, 204)
    grants = [Grant("calendar", source, "ro", "Work")]  # type: ignore[arg-type]
    with calendar_run(grants, {"calendar_password": server.password, "timezone": "UTC"}) as run:
        found = run("events", *WEEK)
        skipped = run("skipped")
    assert [e["title"] for e in found] == ["Dentist"]
    assert len(skipped) == 1 and "“Bomb” was left out" in skipped[0]


@pytest.fixture
def no_icalendar_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """icalendar refuses to parse in this process (Errand's); the decoder workers are fresh
    interpreters, so they parse as before."""
    import icalendar.cal

    def refuse(cls: type, st: object, multiple: bool = False) -> None:
        raise AssertionError("icalendar parsed calendar text in Errand's process")

    monkeypatch.setattr(icalendar.cal.Component, "from_ical", classmethod(refuse))


def _change_delete_create(run: CalendarRun) -> None:
    found = {e["title"]: e["id"] for e in run("events", *WEEK)}
    run("update", found["Dentist"], title="Dentist (moved)", start="2026-11-24T16:00:00+01:00")
    run("delete", found["Standup"])
    run("create", "New", "2026-11-25T12:30:00Z", "2026-11-25T13:30:00Z", location="Room 1")
    assert [a.op for a in run.plan] == ["update", "delete", "create"]
    assert "“Dentist”" in (run.plan.actions[0].before or "")
    assert "“Dentist (moved)”, Tue 24 Nov 2026 16:00–17:00" in (run.plan.actions[0].after or "")


@pytest.mark.usefixtures("no_icalendar_here")
def test_changing_deleting_and_creating_events_in_a_file_parses_nothing_in_errands_process(
        tmp_path: Path) -> None:
    path = tmp_path / "work.ics"
    path.write_text(vcalendar(GOOD, _event("daily-1", "Standup", "FREQ=DAILY;COUNT=3")), encoding="utf-8",
                    newline="")
    before = path.read_bytes()
    with calendar_run(ics_grant(path), {"timezone": "Europe/Berlin"}) as run:
        _change_delete_create(run)
        outcomes = apply(run)
        text = path.read_text(encoding="utf-8")
        assert "SUMMARY:Dentist (moved)" in text and "Standup" not in text and "SUMMARY:New" in text
        undo(run, outcomes)
    assert path.read_bytes() == before


@pytest.mark.usefixtures("no_icalendar_here")
def test_changing_deleting_and_creating_events_on_a_caldav_server_parses_nothing_in_errands_process(
        radicale_module: RadicaleServer) -> None:  # noqa: F811
    server = radicale_module
    source = server.make_calendar("unparsed", "Work")
    server.put_item("unparsed", "good.ics", vcalendar(GOOD))
    server.put_item("unparsed", "daily.ics", vcalendar(_event("daily-1", "Standup", "FREQ=DAILY;COUNT=3")))
    before = server.items("unparsed")
    grants = [Grant("calendar", source, "rw", "Work")]  # type: ignore[arg-type]
    with calendar_run(grants, {"calendar_password": server.password, "timezone": "Europe/Berlin"}) as run:
        _change_delete_create(run)
        outcomes = apply(run)
        after = server.items("unparsed")
        assert len(after) == 2 and "daily.ics" not in after and "Dentist (moved)" in after["good.ics"]
        undo(run, outcomes)
    assert server.items("unparsed") == before


def test_a_changed_event_the_worker_forges_is_refused_before_the_plan_holds_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker a crafted event took over answers a change with a second event smuggled in; the
    host counts the VEVENTs and ids itself, so nothing is planned and the file stays as it was."""
    path = tmp_path / "work.ics"
    path.write_text(vcalendar(GOOD), encoding="utf-8", newline="")
    real = reader._ask

    def forging(op: str, blob: bytes, where: str, args: dict[str, Any] | None = None) -> Any:
        answer = real(op, blob, where, args)
        if op == "ics.change":
            smuggled = _event("evil-1", "Run me", start="20261125T000000Z").replace("\n", "\r\n") + "\r\n"
            answer["ical"] = answer["ical"].replace("END:VCALENDAR", smuggled + "END:VCALENDAR")
        return answer

    monkeypatch.setattr(reader, "_ask", forging)
    with calendar_run(ics_grant(path), {"timezone": "UTC"}) as run, \
            pytest.raises(ErrandError, match="makes no sense") as refused:
        run("update", "good-1", title="Fine")
    assert "attack" in refused.value.hint and len(run.plan) == 0
    assert path.read_bytes() == vcalendar(GOOD).encode()


def test_an_event_larger_than_errand_changes_is_listed_but_not_sent_to_be_changed(tmp_path: Path) -> None:
    huge = GOOD.replace("SUMMARY:Dentist", "SUMMARY:Dentist\nDESCRIPTION:" + "x" * (MAX_EVENT_TEXT + 10))
    path = tmp_path / "work.ics"
    path.write_text(vcalendar(huge), encoding="utf-8", newline="")
    before = path.read_bytes()
    with calendar_run(ics_grant(path), {"timezone": "UTC"}) as run:
        assert [e["title"] for e in run("events", *WEEK)] == ["Dentist"]
        for op, kwargs in (("update", {"title": "Moved"}), ("delete", {})):
            with pytest.raises(ErrandError, match="larger than one event Errand changes"):
                run(op, "good-1", **kwargs)
        assert len(run.plan) == 0
    assert path.read_bytes() == before


def test_a_to_do_among_a_servers_answers_is_not_reported_as_an_unreadable_event() -> None:
    """Searches ask the server for no client-side filter (that would parse here), so a server that
    ignores the component filter can send to-dos: the worker says "no event", not "broken"."""
    todo = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTODO\r\nUID:t-1\r\nSUMMARY:Buy milk\r\n"
            "END:VTODO\r\nEND:VCALENDAR\r\n")
    broken = vcalendar(GOOD.replace("DTSTART:20261124T140000Z\n", ""))
    assert reader.keys_of([todo, vcalendar(GOOD), broken], "the calendar") == \
        [None, ("good-1", 1), "the event “Dentist” is malformed (it has no start time (DTSTART))"]


def test_an_event_the_worker_cannot_change_fails_alone_with_errands_words(tmp_path: Path) -> None:
    mixed = GOOD.replace("DTEND:20261124T150000Z", "DTEND;VALUE=DATE:20261125")  # a time, then a date
    path = tmp_path / "work.ics"
    other = _event("other-1", "Standup", start="20261125T090000Z")
    path.write_text(vcalendar(mixed, other), encoding="utf-8", newline="")
    before = path.read_bytes()
    with calendar_run(ics_grant(path), {"timezone": "UTC"}) as run:
        with pytest.raises(ErrandError, match="“Dentist” has no usable times") as refused:
            run("update", "good-1", title="Moved")
        assert "Errand changed nothing" in refused.value.hint
        run("update", "other-1", title="Standup (moved)")  # the next event is changed as usual
        assert [a.detail["event_id"] for a in run.plan] == ["other-1"]
    assert path.read_bytes() == before
