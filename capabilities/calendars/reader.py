"""Errand's side of reading calendar text: the decoder worker parses, this checks what it answered.

Calendar text from a file or a server is hostile bytes; icalendar and recurring-ical-events read
it only in the worker (``capabilities.decoding.calendars``). What comes back is plain data, and a
worker a crafted calendar took over could answer anything, so every answer is rebuilt here field
by field: block offsets must lie inside the text, in order, each at a BEGIN line of its kind;
ids and words are short printable text; times are ISO text. The host keeps the file's own text
and edits it at those offsets, which is what keeps undo byte for byte.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from capabilities.calendars.events import MAX_EVENT_TEXT
from capabilities.calendars.skips import Skip
from capabilities.calendars.times import show
from capabilities.decoding import DecodeError, decode
from capabilities.decoding.ics_identity import NO_UID
from capabilities.decoding.icstext import blocks
from capabilities.errors import BackendError

__all__ = ["EventFacts", "FileFacts", "Occurrence", "changed", "created", "event_facts", "expand",
           "fingerprint", "keys_of", "read_file"]

_WHAT = "a calendar"
_TEXT = 100_000  # characters of one field kept (a longer description is cut)
_ID = 1000


@dataclass
class FileFacts:
    """An .ics file as the worker read it: offsets into the file's text, by event id."""

    framed: bool
    newline: str
    floating_zone: str
    zones: dict[str, tuple[int, int]] = field(default_factory=dict)
    events: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    problems: list[Skip] = field(default_factory=list)


def _broken(where: str) -> BackendError:
    return BackendError(f"Errand's calendar reader gave an answer that makes no sense for {where}.",
                        "The calendar may be made to attack Errand; Errand changed nothing.")


def _ask(op: str, blob: bytes, where: str, args: dict[str, Any] | None = None) -> Any:
    try:
        result, out = decode(op, blob, args, name=where, what=_WHAT)
    except DecodeError as exc:
        raise BackendError(exc.message, exc.hint or "Errand changed nothing.") from None
    if not isinstance(result, dict) or result.get("json") is not True:
        raise _broken(where)
    try:
        return json.loads(out)
    except ValueError:
        raise _broken(where) from None


def _words(value: Any, limit: int = _TEXT) -> str:
    if not isinstance(value, str):
        raise TypeError
    return "".join(ch for ch in value[:limit] if ch.isprintable() or ch in "\n\t")


def _span(value: Any, text: str, kind: str) -> tuple[int, int]:
    start, end = value
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        raise TypeError
    if not text.startswith(f"BEGIN:{kind}", start) and not text[start:start + 16].upper().startswith(
            f"BEGIN:{kind}"):
        raise TypeError
    return start, end


def read_file(text: str, where: str) -> FileFacts:
    """The blocks and ids of an .ics file's ``text`` (read in the worker)."""
    raw = _ask("ics.file", text.encode("utf-8"), where)
    try:
        facts = FileFacts(bool(raw["framed"]), raw["newline"] if raw["newline"] in ("\n", "\r\n") else "\n",
                          _words(raw["floating_zone"], 100))
        for start, end, tzid in raw["zones"]:
            facts.zones[_words(tzid, 200)] = _span((start, end), text, "VTIMEZONE")
        for key, spans in raw["events"].items():
            facts.events[_words(key, _ID)] = [_span(s, text, "VEVENT") for s in spans]
        facts.problems = [Skip.from_answer(p).where(where) for p in raw["problems"]]
    except (TypeError, KeyError, ValueError, AttributeError):
        raise _broken(where) from None
    taken = sorted([s for spans in facts.events.values() for s in spans] + list(facts.zones.values()))
    if any(a[1] > b[0] for a, b in itertools.pairwise(taken)):
        raise _broken(where)  # two blocks overlap: an edit of one would cut into the other
    return facts


def keys_of(texts: list[str], where: str) -> list[tuple[str, int] | str | None]:
    """For each VCALENDAR text: (event id, VEVENT count), why it cannot be read, or None when it holds
    no event (a to-do or journal entry a server that ignores the search's component filter sent)."""
    if not texts:
        return []
    raw = _ask("ics.keys", json.dumps(texts).encode("utf-8"), where)
    try:
        if not isinstance(raw, list) or len(raw) != len(texts):
            raise TypeError
        found: list[tuple[str, int] | str | None] = []
        for item in raw:
            if item == {"events": 0}:
                found.append(None)
            elif "problem" in item:
                found.append(_words(item["problem"]) or "it cannot be read")
            elif isinstance(item["count"], int) and item["count"] > 0:
                found.append((_words(item["key"], _ID), item["count"]))
            else:
                raise TypeError
        return found
    except (TypeError, KeyError, AttributeError):
        raise _broken(where) from None


@dataclass(frozen=True)
class Occurrence:
    """One occurrence as a script sees it, and when it starts (for sorting)."""

    shown: dict[str, Any]
    when: datetime


def expand(label: str, events: dict[str, str], floating_zone: str, start: datetime, end: datetime,
           zone: tzinfo) -> tuple[list[Occurrence], list[Skip]]:
    """Every occurrence of ``events`` (id → VCALENDAR text) between ``start`` and ``end``, worked out
    in the worker; and a reason for each event left out."""
    if not events:
        return [], []
    where = f"the calendar “{label}”"
    request = {"label": label, "floating_zone": floating_zone, "events": events}
    raw = _ask("ics.expand", json.dumps(request).encode("utf-8"), where,
               {"start": start.isoformat(), "end": end.isoformat()})
    try:
        found = [_occurrence(item, label, zone, set(events)) for item in raw["found"]]
        problems = [Skip.from_answer(p) for p in raw["problems"]]
    except (TypeError, KeyError, ValueError, AttributeError):
        raise _broken(where) from None
    return found, problems


def _moment(value: Any) -> date | datetime:
    text = _words(value, 40)
    return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)


def _occurrence(item: dict[str, Any], label: str, zone: tzinfo, ids: set[str]) -> Occurrence:
    if item["id"] not in ids:
        raise TypeError
    first, last = _moment(item["start"]), _moment(item["end"])
    all_day = not isinstance(first, datetime)
    if all_day != (not isinstance(last, datetime)):
        raise TypeError
    if all_day and last > first:
        last = last - timedelta(days=1)  # people (and scripts) count the last day, iCalendar does not
    when = first if isinstance(first, datetime) else datetime.combine(first, datetime.min.time())
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    shown = {"id": item["id"], "title": _words(item["title"]), "start": show(first, zone),
             "end": show(last, zone), "all_day": all_day, "location": _words(item["location"]),
             "description": _words(item["description"]), "recurring": item["recurring"] is True,
             "calendar": label}
    return Occurrence(shown, when.astimezone(UTC))


# ---- one event: its facts, a change of it, a new one ------------------------------------------------

_FINGERPRINT = re.compile(r"[0-9a-f]{32}")
_REMEMBERED = 256  # facts of event texts kept (apply checks one text several times)


@dataclass(frozen=True)
class EventFacts:
    """What Errand's process knows of one event's text, as the worker read it and this module checked.

    ``key`` is its event id, ``count`` how many VEVENTs it holds, ``fingerprint`` the hash of what
    they say (blind to serialization), ``recurring`` whether it repeats; the rest are its series'
    words and times (a time without offset is floating).
    """

    key: str
    count: int
    fingerprint: str
    recurring: bool
    title: str
    location: str
    start: date | datetime
    end: date | datetime

    @property
    def length(self) -> timedelta:
        """How long it lasts (whole days for an all-day event: the checks keep start and end alike)."""
        if isinstance(self.start, datetime) and isinstance(self.end, datetime):
            return self.end - self.start
        return _day(self.end) - _day(self.start)

    def name(self) -> str:
        """“The event “Dentist”” for messages about it."""
        return f"The event “{self.title}”"


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


_facts_memo: OrderedDict[str, EventFacts] = OrderedDict()
_memo_lock = threading.Lock()  # the window reads calendars from worker threads


def _unreadable(where: str, why: str) -> BackendError:
    return BackendError(f"{where} is not a readable calendar: {why}",
                        "Open it in your calendar app to repair it, or choose another calendar in "
                        "Settings → Calendar. Errand changed nothing.")


def _sized(text: str, where: str) -> bytes:
    if len(text) > MAX_EVENT_TEXT:
        raise BackendError(f"{where} is larger than one event Errand changes ({len(text):,} characters).",
                           "Change it in your calendar app. Errand changed nothing.")
    return text.encode("utf-8")


def event_facts(text: str, where: str = "the event") -> EventFacts:
    """The facts of one event's VCALENDAR text (read in the worker); BackendError when unreadable."""
    with _memo_lock:
        known = _facts_memo.get(text)
        if known is not None:
            _facts_memo.move_to_end(text)
            return known
    raw = _ask("ics.facts", json.dumps([_sized(text, where).decode()]).encode("utf-8"), where)
    try:
        if not isinstance(raw, list) or len(raw) != 1:
            raise TypeError
        (item,) = raw
        if "problem" in item:
            raise _unreadable(where, _words(item["problem"], 300) or "it cannot be read")
        found = _event_facts(item, text)
    except (TypeError, KeyError, ValueError, AttributeError):
        raise _broken(where) from None
    with _memo_lock:
        _facts_memo[text] = found
        while len(_facts_memo) > _REMEMBERED:
            _facts_memo.popitem(last=False)
    return found


def _event_facts(item: dict[str, Any], text: str) -> EventFacts:
    """The worker's facts of ``text``, each field checked against what the text itself shows."""
    key, count, fingerprint = _words(item["key"], _ID), item["count"], item["fingerprint"]
    events = [b for b in blocks(text) if b.kind == "VEVENT"]
    if not key or key != item["key"] or not isinstance(count, int) or not 0 < count <= max(1, len(events)):
        raise TypeError
    if not isinstance(fingerprint, str) or not _FINGERPRINT.fullmatch(fingerprint):
        raise TypeError
    if not isinstance(item["recurring"], bool):
        raise TypeError
    start, end = _moment(item["start"]), _moment(item["end"])
    if isinstance(start, datetime) != isinstance(end, datetime):
        raise TypeError
    return EventFacts(key, count, fingerprint, item["recurring"] or count > 1, _words(item["title"], 300),
                      _words(item["location"], 300), start, end)


def fingerprint(text: str) -> str:
    """A hash of what the events in ``text`` say, blind to serialization details (see ``EventFacts``)."""
    return event_facts(text).fingerprint


def _when(value: date | datetime) -> dict[str, str]:
    """A time as the worker takes it: a date, a time in a named zone, or a time with its offset."""
    if not isinstance(value, datetime):
        return {"date": value.isoformat()}
    if isinstance(value.tzinfo, ZoneInfo):
        return {"at": value.replace(tzinfo=None).isoformat(), "zone": value.tzinfo.key}
    if value.tzinfo is None:
        raise ValueError("a time without its zone")  # the capability settles every time it stores
    return {"at": value.isoformat()}


def _written(op: str, request: dict[str, Any], where: str, count: int,
             key: str | None) -> tuple[str, EventFacts]:
    """The text the worker wrote for ``request`` and its facts, checked: one VCALENDAR of ``count``
    VEVENTs (the same id ``key`` when one is expected), no larger than one event may be."""
    raw = _ask(op, json.dumps(request).encode("utf-8"), where)
    try:
        text = raw["ical"]
        if not isinstance(text, str) or len(text) > MAX_EVENT_TEXT:
            raise TypeError
        parts = blocks(text)
        framed = text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
        if not framed or sum(b.kind == "VEVENT" for b in parts) != count:
            raise TypeError
        found = _event_facts(raw["facts"], text)
        if found.count != count or (key is not None and found.key != key):
            raise TypeError
    except (TypeError, KeyError, ValueError, AttributeError):
        raise _broken(where) from None
    return text, found


def changed(text: str, changes: dict[str, Any], where: str) -> tuple[str, EventFacts]:
    """``text`` (one event) with ``changes`` made in the worker: title, location, description (text;
    "" removes one), start and end (dates or aware times). The new text and its facts."""
    before = event_facts(text, where)
    request = {"text": _sized(text, where).decode(),
               "changes": {k: _when(v) if k in ("start", "end") else v for k, v in changes.items()}}
    # An event without a UID is known by its content, so its id changes with it; any other keeps it.
    same = None if before.key.startswith(NO_UID) else before.key
    return _written("ics.change", request, where, before.count, same)


def created(uid: str, title: str, start: date | datetime, end: date | datetime, location: str,
            description: str, where: str) -> tuple[str, EventFacts]:
    """A new event's VCALENDAR text, written in the worker (icalendar runs nowhere else), and its facts."""
    request = {"uid": uid, "title": title, "start": _when(start), "end": _when(end), "location": location,
               "description": description}
    return _written("ics.new", request, where, 1, uid)
