"""The ``calendar`` capability: list, create, change and delete events in granted calendars.

Grants: ``Grant("calendar", target=<source>, mode="ro"|"rw", label="Work")``
where the source is ``ics:/abs/path/file.ics`` or
``caldav:https://alice@cal.example.com/dav/alice/work/`` (user name in the
URL; the password comes from ``RunContext.services["calendar_password"]``,
never from the grant — see ``calendar_backends``). ``label`` names the
calendar for scripts and people; without one, the file stem or the last
part of the URL. Several calendars may be granted in one run.

Times: ISO 8601 text with an offset; a time without one is the person's
local time (``services["timezone"]``, else the machine's), and times come
back in that zone with its offset, see ``calendar_times``. All-day events
take and give dates, and their ``end`` is the last day included. An
event's id is its iCalendar UID, or one of its own when the UID is missing
or shared (``calendar_identity``); a repeating event is one id for the
whole series, listed once per occurrence. An event that cannot be read is
left out of ``events()``; its reason is in ``skipped()`` and, like a file a
refused write left as it was, in the plan's left-alone list: the preview and
the result say "2 events left alone" with each one's reason.

Preview: ``create``/``update``/``delete`` change an overlay held by this
object (later ``events()`` calls in the same script see the change) and
record an action; nothing on the server or in the file changes. Apply runs
``perform_*``; the outcome keeps the event as it was and the backend's
receipt, so undo can put it back exactly (the same bytes in a file, the
same resource on a server) — and refuses when the event changed since.
Each change records how many VEVENTs it touches (``reach``); apply refuses
one that would touch more (``capabilities.engine.apply.within_preview``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo
from functools import cached_property
from typing import Any, ClassVar

from capabilities.base import Capability, Grant, RunContext, read, write
from capabilities.calendars import events as ev
from capabilities.calendars import reader
from capabilities.calendars.apply import CalendarApply
from capabilities.calendars.backends import parse_source
from capabilities.calendars.granted import CalendarSet, GrantedCalendar
from capabilities.calendars.reader import EventFacts, Occurrence, expand
from capabilities.calendars.skips import Skip
from capabilities.calendars.times import as_range_bound, local_zone, parse_day, parse_moment, settle
from capabilities.decoding.ics_identity import SHARED
from capabilities.errors import CallError, GrantError, TargetMissing

__all__ = ["Calendar"]

_SKIP_HINT = "Errand did not read or change it; fix it in your calendar app to have it included."


class Calendar(CalendarApply, Capability):
    """Events in the person's calendars, from a local .ics file or a CalDAV server."""

    name = "calendar"
    item_kind: ClassVar[str] = "event"  # a refused update/delete leaves an event alone
    # Words that make this capability worth showing in full in a planning prompt.
    topics: ClassVar[tuple[str, ...]] = (
        "calendar", "event", "meeting", "appointment", "schedule", "ics", "agenda", "reminder", "dentist",
        "birthday"
    )
    summary = ("The person's calendars: list events (repeating ones expanded), create, change and "
               "delete events. Times are ISO 8601 text with an offset; without one, local time.")

    def __init__(self, grants: Sequence[Grant], context: RunContext) -> None:
        super().__init__(grants, context)
        self.calendars = CalendarSet(grants, context.services, context.remaining)
        # The preview's simulated writes: UID → (source text, new iCalendar text, or None if deleted).
        self._overlay: dict[str, tuple[str, str | None]] = {}
        self._created: set[str] = set()
        self._skipped: list[Skip] = []  # the last listing's left-out events, with reasons

    @cached_property
    def zone(self) -> tzinfo:
        """The person's zone, read on first use: the desktop may fill ``services`` after construction."""
        return local_zone(self.context.services.get("timezone"))

    @classmethod
    def describe_grant(cls, grant: Grant) -> str:
        verb = "Read events in" if grant.mode == "ro" else "Read and change events in"
        try:
            source = parse_source(grant.target)
        except GrantError:
            return f"{verb} the calendar {grant.target}"
        label = grant.label or source.default_label()
        where = f"at {source.host}" if source.kind == "caldav" else f"in the file {source.path}"
        return f"{verb} the calendar “{label}” {where}"

    # ---- script-callable ---------------------------------------------------------------

    @read
    def events(self, start: str, end: str) -> list[dict[str, Any]]:
        """Events from start to end (ISO 8601), one per occurrence: id, title, start, end, all_day, location, description, recurring, calendar."""  # noqa: E501
        low = as_range_bound(parse_moment(start, self.zone, "calendar.events(start=...)"), self.zone)
        high = as_range_bound(parse_moment(end, self.zone, "calendar.events(end=...)"), self.zone)
        if high <= low:
            raise CallError(f"calendar.events(): end {end!r} is not after start {start!r}.",
                            "Give the earlier time as start.")
        occurrences: list[Occurrence] = []
        problems: list[Skip] = []
        for cal in self.calendars.all():
            reading = self.calendars.backend(cal).read_all(low, high)
            problems.extend(reading.problems)
            found: dict[str, str | None] = {s.key: s.ical for s in reading.events}
            for key, (src, text) in self._overlay.items():
                if src == cal.source.text:  # the preview's planned state wins over the calendar's
                    found[key] = text
            # Worked out in the decoder worker: the text is the calendar's, so it is hostile.
            shown, more = expand(cal.label, {k: v for k, v in found.items() if v}, reading.floating_zone,
                                 low, high, self.zone)
            occurrences.extend(shown)
            problems.extend(more)
        occurrences.sort(key=lambda o: (o.when, o.shown["title"]))
        self._skipped = problems
        for skip in self._skipped:
            self.context.plan.leave_alone(skip.item, "calendar.events", skip.reason, _SKIP_HINT, skip.kind)
        return [o.shown for o in occurrences]

    @read
    def skipped(self) -> list[str]:
        """Why events were left out of the last events() call (unreadable ones); empty when all were read."""
        return [skip.text for skip in self._skipped]

    @write
    def create(self, title: str, start: str, end: str, location: str = "", description: str = "",
               all_day: bool = False, calendar: str = "") -> str:
        """Add an event and return its id; all_day takes dates (end = last day); calendar is a label, default the first writable."""  # noqa: E501
        cal = self.calendars.for_new_events(calendar)
        self.calendars.backend(cal).check_writable()
        first, last = self._span(start, end, all_day, "calendar.create")
        uid = f"{uuid.uuid4()}@errand"
        text, event = reader.created(uid, title, first, last, location, description, cal.where())
        self._overlay[uid] = (cal.source.text, text)
        self._created.add(uid)
        self.record("create", {"title": title, "start": start, "end": end, "location": location,
                               "description": description, "all_day": all_day, "calendar": cal.label},
                    {"source": cal.source.text, "uid": uid, "ical": text, "reach": 0},
                    f"Add {self._words(event)} to {cal.where()}", after=self._words(event))
        return uid

    @write
    def update(self, event_id: str, title: str | None = None, start: str | None = None,
               end: str | None = None, location: str | None = None, description: str | None = None) -> str:
        """Change an event (None keeps a field; start alone moves it keeping its length); returns its id."""
        cal, text = self._changeable(event_id, "calendar.update")
        before = reader.event_facts(text, cal.where())
        given = {k: v for k, v in (("title", title), ("start", start), ("end", end), ("location", location),
                                   ("description", description)) if v is not None}
        if not given:
            raise CallError("calendar.update(): nothing to change.",
                            "Pass at least one of title, start, end, location, description.")
        changes = {k: v for k, v in given.items() if k not in ("start", "end")}
        if start is not None or end is not None:
            changes.update(self._moved(before, start, end))
        # Made in the decoder worker: the event's text is the calendar's, so it is hostile.
        new_text, after = reader.changed(text, changes, cal.where())
        floating = ev.floating_zone(text)
        self._plan_change("update", cal, event_id, text, new_text, {"event_id": event_id, **given},
                          f"Change {self._words(before, floating)} in {cal.where()}",
                          self._words(before, floating), self._words(after, floating))
        return event_id

    @write
    def delete(self, event_id: str) -> str:
        """Delete an event (a repeating event: the whole series); returns its id."""
        cal, text = self._changeable(event_id, "calendar.delete")
        words = self._words(reader.event_facts(text, cal.where()), ev.floating_zone(text))
        self._plan_change("delete", cal, event_id, text, None, {"event_id": event_id},
                          f"Delete {words} from {cal.where()}", words, None)
        return event_id

    def close(self) -> None:
        """Release network connections (the apply engine or the run calls this when done)."""
        self.calendars.close()

    # ---- preview helpers ---------------------------------------------------------------

    def _lookup(self, event_id: str, where: str) -> tuple[GrantedCalendar, str]:
        """The calendar holding ``event_id`` and its text as this preview sees it (overlay first)."""
        calendars = self.calendars.all()
        if event_id in self._overlay:
            src, text = self._overlay[event_id]
            if text is not None:
                return next(c for c in calendars if c.source.text == src), text
        else:
            for cal in calendars:
                found = self.calendars.backend(cal).get(event_id)
                if found is not None:
                    return cal, found.ical
        raise TargetMissing(f"{where}(): there is no event with the id {event_id!r}.",
                            "Use an id from calendar.events(); a deleted event cannot be changed.")

    def _changeable(self, event_id: str, where: str) -> tuple[GrantedCalendar, str]:
        """The calendar and text of an event this preview may plan a change of."""
        cal, text = self._lookup(event_id, where)
        cal.require_writable()
        self.calendars.backend(cal).check_writable()
        if SHARED in event_id:
            raise CallError(f"{where}(): the event {event_id!r} shares its UID with another event in "
                            f"{cal.where()}; Errand will not change either, since another app could mean "
                            "the other one.", "Give one of them a new UID in your calendar app first.")
        return cal, text

    def _plan_change(self, op: str, cal: GrantedCalendar, event_id: str, text: str, new_text: str | None,
                     args: dict[str, Any], summary: str, before: str | None, after: str | None) -> None:
        # Fingerprints the apply step checks: as this action will find it, and as the calendar had it.
        origin = self._origin_fingerprint(event_id, text)
        facts = reader.event_facts(text, cal.where())
        # Where apply finds it: its id in the calendar, or (changed earlier in this plan) its new id.
        key = facts.key if event_id in self._overlay else event_id
        detail = {"source": cal.source.text, "uid": key, "event_id": event_id, "before_ical": text,
                  "expect": facts.fingerprint, "origin": origin, "reach": facts.count,
                  "created_in_plan": event_id in self._created}
        if new_text is not None:
            detail["ical"] = new_text
        self._overlay[event_id] = (cal.source.text, new_text)
        self.record(op, args, detail, summary, before, after)

    def _origin_fingerprint(self, event_id: str, text: str) -> str | None:
        if event_id in self._created:
            return None
        for action in self.context.plan:
            if action.capability == self.name and action.detail.get("event_id", action.detail.get("uid")) \
                    == event_id:
                return action.detail.get("origin")
        return reader.fingerprint(text)

    def _span(self, start: str, end: str, all_day: bool, where: str) -> tuple[date, date]:
        if all_day:
            first = parse_day(start, self.zone, f"{where}(start=...)")
            last = parse_day(end, self.zone, f"{where}(end=...)")
            if last < first:
                raise CallError(f"{where}(): the last day {end!r} is before the first {start!r}.",
                                "For an all-day event, end is the last day included.")
            return first, last + timedelta(days=1)  # iCalendar's DTEND is exclusive
        first_t = self._timed(start, f"{where}(start=...)")
        last_t = self._timed(end, f"{where}(end=...)")
        if last_t <= first_t:
            raise CallError(f"{where}(): end {end!r} is not after start {start!r}.",
                            "Give the end time after the start time.")
        return first_t, last_t

    def _timed(self, text: str, where: str) -> datetime:
        value = parse_moment(text, self.zone, where)
        if not isinstance(value, datetime):
            raise CallError(f"{where}: {text!r} is a date; this event needs a time.",
                            "Add the time, e.g. '2026-11-23T15:00', or pass all_day=True.")
        return settle(value, self.zone)

    def _moved(self, event: EventFacts, start: str | None, end: str | None) -> dict[str, Any]:
        if event.recurring:
            raise CallError("calendar.update(): this event repeats; Errand cannot move a repeating series.",
                            "Change its title, location or description, or move it in your calendar app.")
        old_start = event.start
        new_start: date  # a datetime (a date too) for a timed event, a date for an all-day one
        new_end: date
        if isinstance(old_start, datetime):
            new_start = self._timed(start, "calendar.update(start=...)") if start else old_start
            new_end = (self._timed(end, "calendar.update(end=...)") if end
                       else new_start + event.length)
        else:
            new_start = parse_day(start, self.zone, "calendar.update(start=...)") if start else old_start
            new_end = (parse_day(end, self.zone, "calendar.update(end=...)") + timedelta(days=1) if end
                       else new_start + event.length)
        if self._aware(new_end) <= self._aware(new_start):
            raise CallError("calendar.update(): the end would not be after the start.",
                            "Pass both start and end.")
        # The start is sent only when it moves: a kept one stays as written (its TZID, or floating).
        return {"start": new_start, "end": new_end} if start else {"end": new_end}

    def _aware(self, moment: date) -> date:
        """A floating time as the person's, so it compares with an aware one (dates stay dates)."""
        if isinstance(moment, datetime) and moment.tzinfo is None:
            return moment.replace(tzinfo=self.zone)
        return moment

    def _words(self, event: EventFacts, floating: str = "") -> str:
        words = ev.describe(event.title, event.start, event.end, self.zone, ev.zone_named(floating))
        return words + (f" at {event.location}" if event.location else "")
