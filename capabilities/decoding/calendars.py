"""The calendar text readers the worker runs (icalendar, recurring-ical-events).

Calendar text comes from files and servers Errand does not control; reading it is parsing hostile
bytes, so it happens here. Each request's input and answer are JSON in the blob (a large
calendar's answer is bigger than a frame's header may be):

* ``ics.file`` — an .ics file's bytes → ``{framed, newline, floating_zone, zones, events,
  problems}``: where each top-level VEVENT and VTIMEZONE block stands in the text (character
  offsets, so Errand edits the file's own text and undo stays byte for byte), each event's UID,
  whether it is a changed occurrence, its content key (``ics_events.content_key``) and the count of
  its VEVENTs; an event that cannot be read is left out, the rest are read;
* ``ics.keys`` — a list of VCALENDAR texts (CalDAV resources) → for each its event id, VEVENT
  count, the reason it cannot be read, or ``{"events": 0}`` when it holds none (a to-do);
* ``ics.expand`` — ``{label, floating_zone, events: {id: VCALENDAR text}}`` and ``{start, end}``
  → every occurrence in the range as plain data (times as ISO text, a floating time without
  offset) and each event left out. Expansion is capped: an event that repeats more
  than ``MAX_OCCURRENCES`` times in the range, or whose rule takes more than ``SERIES_SECONDS``
  of CPU to work out (an RRULE bomb: every second, or a filter no date meets), is left out with
  its reason and the others are listed;
* ``ics.facts`` — a list of one-event VCALENDAR texts → for each its id, VEVENT count,
  fingerprint, whether it repeats, and its series' title, location, start and end;
* ``ics.change`` — ``{text, changes}`` → ``{ical, facts}``: the event with the person's change
  made (``ics_events.apply_changes``), and the facts of what was written;
* ``ics.new`` — ``{uid, title, start, end, location, description}`` → ``{ical, facts}``.

Times the host sends are ``{"date"}``, ``{"at", "zone"}`` (an IANA name, so the event keeps its
TZID) or ``{"at"}`` with an offset. What was left out is ``{item, reason, kind}``, three fields
the host checks one by one (``capabilities.calendars.skips``), not a sentence it would have to
take apart again.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
import sys
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo, available_timezones

# recurring-ical-events imports these lazily; they must be loaded before the worker locks itself in
import dateutil.parser  # type: ignore[import-untyped]
import dateutil.rrule  # type: ignore[import-untyped]
import dateutil.tz  # type: ignore[import-untyped]  # noqa: F401
import icalendar
import icalendar.timezone.zoneinfo
import recurring_ical_events

from capabilities.decoding import ics_events as ics
from capabilities.decoding.ics_events import content_key, group, master, read_event, uid_of
from capabilities.decoding.icstext import blocks, floating_zone, tzid_of
from capabilities.decoding.ops import Refused, op

__all__ = ["MAX_OCCURRENCES", "MAX_TEXT", "SERIES_SECONDS"]

MAX_TEXT = 64 * 1024 * 1024  # an .ics file of ~150,000 events; larger is refused, not read
MAX_OCCURRENCES = 5_000  # one event's occurrences in one listing: 13 years of a daily event
SERIES_SECONDS = 2.0  # CPU one event's repetition may take to work out
WHOLE_SECONDS = 10.0  # CPU all of one calendar's series may take to be found
_TEXT = 300


# Events read before, by block text, for the worker's life: after a change to a large file only
# the changed event is parsed again (a plan of many changes rereads the file after each).
_READ: dict[str, tuple[icalendar.Event | None, str]] = {}
_ZONES_READ: set[str] = set()


class _OutOfTime(BaseException):
    """One series took longer than its budget (not an Exception: no library's catch-all swallows it)."""


@contextlib.contextmanager
def _budget(seconds: float) -> Iterator[None]:
    """Raise ``_OutOfTime`` in the work inside after ``seconds`` of CPU (dateutil is pure Python,
    so the signal lands between its bytecodes); elsewhere the request's own CPU limit applies."""
    if sys.platform == "win32" or not hasattr(signal, "setitimer"):
        yield
        return

    def stop(_signum: int, _frame: Any) -> None:
        raise _OutOfTime

    previous = signal.signal(signal.SIGVTALRM, stop)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def _text(source: BinaryIO) -> str:
    data = source.read(MAX_TEXT + 1)
    if len(data) > MAX_TEXT:
        raise Refused("too_large", f"over {MAX_TEXT >> 20} MB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("damaged", "not UTF-8 text") from None


def _json(source: BinaryIO) -> Any:
    try:
        return json.loads(_text(source))
    except ValueError:
        raise Refused("broken", "request is not JSON") from None


def _answer(result: Any) -> tuple[dict[str, Any], bytes]:
    return {"json": True}, json.dumps(result, separators=(",", ":")).encode()


def _clean(value: Any) -> str:
    return "".join(ch for ch in str(value)[:_TEXT] if ch.isprintable())


def _skip(item: str, reason: str, kind: str = "event") -> dict[str, str]:
    """One part left out, as separate fields (``capabilities.calendars.skips.Skip`` on the host)."""
    return {"item": item[:_TEXT], "reason": reason[:_TEXT] or "it cannot be read", "kind": kind}


@op("ics.file")
def read_file(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    text = _text(source)
    if len(_READ) > 50_000:  # another app rewrote a huge file many times: start afresh
        _READ.clear()
        _ZONES_READ.clear()
    problems: list[dict[str, str]] = []
    zones: list[list[Any]] = []
    found: list[tuple[Any, icalendar.Event]] = []
    parts = blocks(text)
    for block in parts:  # zones first: reading them lets the events resolve their TZIDs
        if block.kind != "VTIMEZONE":
            continue
        try:
            with _budget(SERIES_SECONDS):
                icalendar.Timezone.from_ical(block.text)  # registers it for the events below
            zones.append([block.start, block.end, tzid_of(block.text)])
        except (Exception, _OutOfTime) as exc:  # one bad zone is noted; the rest is read
            why = _clean(exc) or "it took too long"
            problems.append(_skip("a time zone", f"it could not be read ({why}); events using it are read as "
                                  "if in local time", "item"))
    for block in parts:
        if block.kind != "VEVENT":
            continue
        if block.text not in _READ:
            try:
                with _budget(SERIES_SECONDS):
                    _READ[block.text] = read_event(block.text)
            except _OutOfTime:
                _READ[block.text] = (None, "it takes too long to read")
            except Exception as exc:  # a parser error read_event does not expect: this event only
                _READ[block.text] = (None, f"it cannot be read ({type(exc).__name__})")
        event, problem = _READ[block.text]
        if event is not None and not problem:
            found.append((block, event))
            continue
        line = text.count("\n", 0, block.start) + 1
        title = f"“{_clean(event.get('SUMMARY'))}” " if event is not None and "SUMMARY" in event else ""
        problems.append(_skip(f"the event {title}(line {line})", _clean(problem)))
    items = group(found, lambda pair: pair[1])
    events = {key: [[b.start, b.end] for b, _ in pairs] for key, pairs in items.items()}
    return _answer({"framed": _framed(text), "newline": "\r\n" if "\r\n" in text else "\n",
                    "floating_zone": floating_zone(text), "zones": zones, "events": events,
                    "problems": problems})


_CALENDAR = re.compile(r"^BEGIN:VCALENDAR[ \t]*\r?$", re.M | re.I)


def _framed(text: str) -> bool:
    """Inside a VCALENDAR, as a calendar should be (a bare VEVENT is read but not changed)."""
    return _CALENDAR.search(text) is not None


@op("ics.keys")
def keys(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    texts = _json(source)
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise Refused("broken", "request is not a list of texts")
    return _answer([_key_of(text) for text in texts])


def _key_of(text: str) -> dict[str, Any]:
    try:
        with _budget(SERIES_SECONDS):
            events = _components(text)
    except (Exception, _OutOfTime) as exc:  # the parser raises many types for broken text
        return {"problem": _clean(exc) or "it takes too long to read"}
    if not events:
        return {"events": 0}  # a to-do or a journal entry: not an event, nothing wrong with it
    return {"key": next(iter(group(events, lambda e: e)), ""), "count": len(events),
            "uid": uid_of(master(events))}


def _components(text: str) -> list[icalendar.Event]:
    return ics.components(text, _clean)[0]


# ---- one event: its facts, a change of it, a new one ------------------------------------------------

MAX_EVENT_TEXT = 1024 * 1024  # the host sends no larger "event" (capabilities.calendars.events)


def _facts(events: list[icalendar.Event]) -> dict[str, Any]:
    """What Errand needs of one event's VEVENTs: its id, size, fingerprint and the series' words."""
    first = master(events)
    try:
        start, end = _moment(first.start), _moment(first.end)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # an odd DTEND or DURATION
        raise ValueError(f"the event “{_clean(first.get('SUMMARY', '?'))}” has no usable times "
                         f"({_clean(exc)})") from None
    return {"key": ics.key_of(events), "count": len(events), "fingerprint": ics.fingerprint(events),
            "recurring": ics.is_recurring(events), "title": _clean(first.get("SUMMARY", "")),
            "location": _clean(first.get("LOCATION", "")), "start": start, "end": end}


def _facts_of(text: str) -> dict[str, Any]:
    try:
        with _budget(SERIES_SECONDS):
            events = _components(text)
            if not events:
                return {"problem": "it holds no event"}
            return _facts(events)
    except (Exception, _OutOfTime) as exc:  # the parser raises many types for broken text
        return {"problem": _clean(exc) or "it takes too long to read"}


@op("ics.facts")
def facts(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """A list of one-event VCALENDAR texts → for each its facts (``_facts``) or ``{problem}``."""
    texts = _json(source)
    if not isinstance(texts, list) or not all(isinstance(t, str) and len(t) <= MAX_EVENT_TEXT for t in texts):
        raise Refused("broken", "request is not a list of event texts")
    return _answer([_facts_of(text) for text in texts])


def _when(value: Any) -> date | datetime:
    """A time the host sends: ``{"date"}``, ``{"at", "zone"}`` (an IANA zone) or ``{"at"}`` with offset."""
    if not isinstance(value, dict):
        raise Refused("broken", "not a time")
    try:
        if "date" in value:
            return date.fromisoformat(str(value["date"]))
        moment = datetime.fromisoformat(str(value["at"]))
    except (KeyError, ValueError):
        raise Refused("broken", "not a time") from None
    zone = value.get("zone")
    if zone:
        if zone not in _KNOWN or moment.tzinfo is not None:
            raise Refused("broken", "not a known time zone")
        return moment.replace(tzinfo=_KNOWN[zone])
    if moment.tzinfo is None:
        raise Refused("broken", "a time without its zone")
    return moment


_FIELDS = ("title", "location", "description")


def _changes(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or not set(raw) <= {*_FIELDS, "start", "end"}:
        raise Refused("broken", "not a change of an event")
    changes: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _FIELDS:
            if not isinstance(value, str):
                raise Refused("broken", "not a change of an event")
            changes[key] = value
        else:
            changes[key] = _when(value)
    return changes


def _written(text: str) -> tuple[dict[str, Any], bytes]:
    """The answer for a text this worker wrote: it, and its facts read back from it."""
    found = _facts_of(text)
    if "problem" in found:
        raise Refused("damaged", f"the changed event cannot be read back ({found['problem']})")
    return _answer({"ical": text, "facts": found})


@op("ics.change")
def change(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """``{text, changes}`` → ``{ical, facts}``: one event's text with the person's change made (title,
    location, description as text, "" removes; start and end as ``_when`` times), SEQUENCE one up."""
    request = _json(source)
    if not isinstance(request, dict) or not isinstance(request.get("text"), str) \
            or len(request["text"]) > MAX_EVENT_TEXT:
        raise Refused("broken", "not a change of an event")
    changes = _changes(request.get("changes"))
    try:
        with _budget(SERIES_SECONDS):
            events, zones = ics.components(request["text"], _clean)
            if not events:
                raise Refused("damaged", "it holds no event")
            if ("start" in changes or "end" in changes) and ics.is_recurring(events):
                raise Refused("broken", "a repeating event is not moved")
            text = ics.wrap(ics.apply_changes(events, changes), zones)
    except _OutOfTime:
        raise Refused("time", "the event takes too long to read") from None
    except ValueError as exc:
        raise Refused("damaged", _clean(exc)) from None
    return _written(text)


@op("ics.new")
def new(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """``{uid, title, start, end, location, description}`` → ``{ical, facts}``: a new event's text."""
    request = _json(source)
    try:
        uid, title = str(request["uid"]), str(request["title"])
        location, description = str(request.get("location", "")), str(request.get("description", ""))
    except (KeyError, TypeError):
        raise Refused("broken", "not a new event") from None
    start, end = _when(request.get("start")), _when(request.get("end"))
    return _written(ics.wrap([ics.new_event(uid, title, start, end, location, description)]))


@op("ics.expand")
def expand(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    listing = _json(source)
    try:
        start = datetime.fromisoformat(str(args["start"]))
        end = datetime.fromisoformat(str(args["end"]))
        label = str(listing["label"])
        floating = str(listing.get("floating_zone") or "")
        texts = {str(k): str(v) for k, v in dict(listing["events"]).items()}
    except (KeyError, TypeError, ValueError):
        raise Refused("broken", "not an expansion request") from None
    found: list[dict[str, Any]] = []
    problems: list[dict[str, str]] = []
    wanted: dict[str, list[icalendar.Event]] = {}
    for key, text in texts.items():
        try:
            with _budget(SERIES_SECONDS):
                wanted[key] = _events_of(text)
        except (Exception, _OutOfTime) as exc:  # the parser raises many types for broken text
            problems.append(_skip(f"In the calendar “{_clean(label)}”, an event", _clean(exc) or "too slow"))
    try:  # every series at once: the common case, and far faster than one query per event
        with _budget(WHOLE_SECONDS):
            query: Any = recurring_ical_events.of(_calendar(wanted, floating))
            series: dict[str, list[Any]] = {}
            for one in query.series:
                series.setdefault(str(one.uid), []).append(one)
    except (Exception, _OutOfTime):  # one bad rule spoils the whole query: each event on its own, below
        query = None
    for key, events in wanted.items():
        title = _clean(master(events).get("SUMMARY", key)) if events else key
        try:
            if query is None:
                with _budget(SERIES_SECONDS):
                    own = recurring_ical_events.of(_calendar({key: events}, floating))
                occurrences = _between(own, list(own.series), start, end)
            else:
                occurrences = _between(query, series.get(key, []), start, end)
        except _OutOfTime:
            problems.append(_skip(f"In the calendar “{_clean(label)}”, the event “{title}”",
                                  "its repetition takes too long to work out"))
            continue
        except _TooMany:
            problems.append(_skip(f"In the calendar “{_clean(label)}”, the event “{title}”",
                                  f"it repeats more than {MAX_OCCURRENCES:,} times in that range"))
            continue
        except Exception as exc:  # the library raises many types for bad rules
            problems.append(_skip(f"In the calendar “{_clean(label)}”, the event “{title}”",
                                  f"its repetition cannot be read ({_clean(exc)})"))
            continue
        repeats = any(k in e for e in events for k in ("RRULE", "RDATE", "RECURRENCE-ID"))
        found.extend(_plain(o, key, repeats) for o in occurrences)
    return _answer({"found": found, "problems": problems})


class _TooMany(Exception):
    """An event repeats more often in the range than one listing shows."""


def _events_of(text: str) -> list[icalendar.Event]:
    """The VEVENTs of one event's VCALENDAR text, each block read once for the worker's life (the
    listing of an .ics file has just read them all); its VTIMEZONEs registered first."""
    parts = blocks(text)
    if not any(b.kind == "VEVENT" for b in parts):
        return _components(text)  # not cut the way Errand cuts: read it whole
    for block in parts:
        if block.kind == "VTIMEZONE" and block.text not in _ZONES_READ:
            icalendar.Timezone.from_ical(block.text)  # registers it for the events below
            _ZONES_READ.add(block.text)
    events = []
    for block in parts:
        if block.kind != "VEVENT":
            continue
        if block.text not in _READ:
            _READ[block.text] = read_event(block.text)
        event, problem = _READ[block.text]
        if event is None or problem:
            name = _clean(event.get("SUMMARY", "?")) if event is not None else "?"
            raise ValueError(f"the event “{name}” is malformed "
                             f"({_clean(problem)})")
        events.append(event)
    return events


def _calendar(events: dict[str, list[icalendar.Event]], floating: str) -> icalendar.Calendar:
    """One VCALENDAR of these events, each carrying its event id as its UID (the library groups a
    series by UID; an event without one, or sharing one, gets its id)."""
    cal = icalendar.Calendar()
    if floating:  # the reference library reads floating times in this zone
        cal.add("x-wr-timezone", floating)
    for key, members in events.items():
        for event in members:
            if str(event.get("UID", "")) != key:
                event = event.copy()
                event.pop("UID", None)
                event.add("uid", key)
            cal.add_component(event)
    return cal


def _between(query: Any, series: list[Any], start: datetime, end: datetime) -> list[icalendar.Event]:
    """The occurrences of one event's series in the range, under its CPU budget and the count cap."""
    result: list[icalendar.Event] = []
    with _budget(SERIES_SECONDS):
        low, high = query.to_datetime(start), query.to_datetime(end)
        for one in series:
            for occurrence in one.between(low, high):
                if len(result) >= MAX_OCCURRENCES:
                    raise _TooMany
                result.append(occurrence.as_component(query.keep_recurrence_attributes))
    return result


def _plain(event: icalendar.Event, key: str, repeats: bool) -> dict[str, Any]:
    return {"id": key, "title": str(event.get("SUMMARY", "")), "start": _moment(event.start),
            "end": _moment(event.end), "location": str(event.get("LOCATION", "")),
            "description": str(event.get("DESCRIPTION", "")), "recurring": repeats}


def _moment(value: date | datetime) -> str:
    """ISO text: a date, a time with its offset, or a floating time without one."""
    return value.isoformat()


_SAMPLE = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Errand//warm-up//EN\r\nBEGIN:VEVENT\r\nUID:w\r\n"
           "DTSTAMP:20260101T000000Z\r\nSUMMARY:w\r\nDTSTART;TZID=Europe/Berlin:20260105T100000\r\n"
           "DTEND;TZID=Europe/Berlin:20260105T110000\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\n"
           "END:VCALENDAR\r\n")


def warm_up() -> None:
    """Read, key and expand a small calendar before the worker locks itself in (zoneinfo, dateutil)."""
    import io

    read_file(io.BytesIO(_SAMPLE.encode()), {})
    keys(io.BytesIO(json.dumps([_SAMPLE]).encode()), {})
    request = {"label": "w", "events": {"w": _SAMPLE}}
    expand(io.BytesIO(json.dumps(request).encode()),
           {"start": "2026-01-01T00:00:00+00:00", "end": "2026-02-01T00:00:00+00:00"})
    content_key(icalendar.Event())
    # Every zone is read now, while the disk still is: after the lock a TZID could not be resolved.
    # ZoneInfo keeps its instances in a weak cache; this list keeps them alive for the worker's life.
    _ZONES.extend(ZoneInfo(name) for name in sorted(available_timezones()))
    known = _KNOWN
    known.update((zone.key, zone) for zone in _ZONES)
    provider = icalendar.timezone.zoneinfo.ZONEINFO
    provider().knows_timezone_id("UTC")  # fills its list of zone names now
    # An unknown TZID is None (as icalendar answers for it), not a denied read of the disk.
    provider.timezone = lambda _self, name: known.get(name)  # type: ignore[method-assign,assignment]
    # A change and a new event (with the VTIMEZONE icalendar writes from tzdata), and their facts.
    moment = {"at": "2026-01-05T10:00:00", "zone": "Europe/Berlin"}
    later = {"at": "2026-01-05T11:00:00+00:00"}
    written = json.loads(new(io.BytesIO(json.dumps({"uid": "w", "title": "w", "start": moment,
                                                    "end": later}).encode()), {})[1])
    moved = {"title": "v", "start": moment, "end": {"at": "2026-01-05T12:00:00+01:00"}}
    change(io.BytesIO(json.dumps({"text": written["ical"], "changes": moved}).encode()), {})
    facts(io.BytesIO(json.dumps([_SAMPLE]).encode()), {})


_ZONES: list[ZoneInfo] = []
_KNOWN: dict[str, ZoneInfo] = {}  # every zone by its IANA name, read before the lock
