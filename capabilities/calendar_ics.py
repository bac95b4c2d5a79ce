"""A calendar kept in a local .ics file.

The file is read afresh on every call (another app may have changed it)
and written whole through a temporary file in the same folder and an
atomic rename, so a crash leaves either the old or the new calendar, never
half of one. Everything in the file that is not the event being changed —
other events, to-dos, time zones, calendar properties — is kept as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from datetime import datetime

import icalendar

from capabilities.calendar_backends import Source, StoredEvent
from capabilities.calendar_events import components, parse_calendar, wrap
from capabilities.errors import BackendError, TargetMissing

__all__ = ["IcsBackend"]


class IcsBackend:
    """``CalendarBackend`` over one .ics file."""

    def __init__(self, source: Source) -> None:
        assert source.path is not None
        self.source = source
        self.path = source.path

    def _load(self) -> icalendar.Calendar:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise TargetMissing(
                f"The calendar file {self.path} does not exist.",
                "Check the file in Settings → Calendar, or export the calendar there again.",
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BackendError(f"The calendar file {self.path} could not be read: {exc}",
                               "Check that the file is an .ics calendar you may read.") from None
        return parse_calendar(text, f"The calendar file {self.path}")

    def read_all(self, start: datetime, end: datetime) -> list[StoredEvent]:
        cal = self._load()
        zones = list(cal.walk("VTIMEZONE"))
        by_uid: dict[str, list[icalendar.Event]] = defaultdict(list)
        for event in cal.walk("VEVENT"):
            by_uid[str(event.get("UID", ""))].append(event)
        # The range is applied when occurrences are expanded; a file holds everything anyway.
        return [StoredEvent(uid, wrap(events, zones)) for uid, events in by_uid.items()]

    def get(self, uid: str) -> StoredEvent | None:
        cal = self._load()
        events = [e for e in cal.walk("VEVENT") if str(e.get("UID", "")) == uid]
        return StoredEvent(uid, wrap(events, cal.walk("VTIMEZONE"))) if events else None

    def put(self, uid: str, ical: str) -> None:
        cal = self._load()
        events, zones = components(ical, "the new event")
        self._drop(cal, uid)
        known = {str(z.get("TZID", "")) for z in cal.walk("VTIMEZONE")}
        for zone in zones:
            if str(zone.get("TZID", "")) not in known:
                cal.subcomponents.insert(0, zone)  # time zones first, as calendar apps write them
        for event in events:
            cal.add_component(event)
        self._save(cal)

    def remove(self, uid: str) -> None:
        cal = self._load()
        if self._drop(cal, uid):
            self._save(cal)

    def close(self) -> None:
        """Nothing is held open between calls."""

    @staticmethod
    def _drop(cal: icalendar.Calendar, uid: str) -> int:
        keep = [c for c in cal.subcomponents
                if not (c.name == "VEVENT" and str(c.get("UID", "")) == uid)]
        dropped = len(cal.subcomponents) - len(keep)
        cal.subcomponents[:] = keep
        return dropped

    def _save(self, cal: icalendar.Calendar) -> None:
        data = cal.to_ical()
        try:
            mode = self.path.stat().st_mode & 0o777
            fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.chmod(temp, mode)
                os.replace(temp, self.path)
            except BaseException:
                os.unlink(temp)
                raise
        except OSError as exc:
            raise BackendError(f"The calendar file {self.path} could not be written: {exc}",
                               "Check that the file and its folder may be written, and that the disk "
                               "is not full.") from None
