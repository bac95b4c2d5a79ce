"""A calendar kept in a local .ics file.

The file is parsed again whenever its inode, size or modification time
changed (another app may have written it). A change rewrites only the
text of the one event (``calendar_icstext``): everything else in the file —
other events, to-dos, time zones, calendar properties, their formatting —
stays byte for byte. The file is written through a temporary file in the
same folder and an atomic rename, so a crash leaves either the old or the
new calendar, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from datetime import datetime

import icalendar

from capabilities.calendar_backends import Source, StoredEvent
from capabilities.calendar_events import components, parse_calendar
from capabilities.calendar_icstext import splice
from capabilities.errors import BackendError, TargetMissing

__all__ = ["IcsBackend"]


class IcsBackend:
    """``CalendarBackend`` over one .ics file."""

    def __init__(self, source: Source) -> None:
        assert source.path is not None
        self.source = source
        self.path = source.path
        # The parsed file and the (inode, size, mtime) it was parsed at: a plan of many actions
        # over a large file parses it once, not once per read.
        self._cached: tuple[tuple[int, int, int], icalendar.Calendar, str] | None = None

    def _stamp(self) -> tuple[int, int, int]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            raise TargetMissing(
                f"The calendar file {self.path} does not exist.",
                "Check the file in Settings → Calendar, or export the calendar there again.",
            ) from None
        except OSError as exc:
            raise BackendError(f"The calendar file {self.path} could not be read: {exc}",
                               "Check that the file is an .ics calendar you may read.") from None
        return st.st_ino, st.st_size, st.st_mtime_ns

    def _load(self) -> icalendar.Calendar:
        return self._load_with_text()[0]

    def _load_with_text(self) -> tuple[icalendar.Calendar, str]:
        stamp = self._stamp()  # taken before reading: a change during the read shows up next time
        if self._cached is not None and self._cached[0] == stamp:
            return self._cached[1], self._cached[2]
        try:
            text = self.path.read_bytes().decode("utf-8")  # keeps the file's own line endings
        except (OSError, UnicodeDecodeError) as exc:
            raise BackendError(f"The calendar file {self.path} could not be read: {exc}",
                               "Check that the file is an .ics calendar you may read.") from None
        cal = parse_calendar(text, f"The calendar file {self.path}")
        self._cached = (stamp, cal, text)
        return cal, text

    def read_all(self, start: datetime, end: datetime) -> list[StoredEvent]:
        cal = self._load()
        zones = list(cal.walk("VTIMEZONE"))
        by_uid: dict[str, list[icalendar.Event]] = defaultdict(list)
        for event in cal.walk("VEVENT"):
            by_uid[str(event.get("UID", ""))].append(event)
        # The range is applied when occurrences are expanded; a file holds everything anyway.
        return [StoredEvent(uid, events=events, zones=zones, where=str(self.path))
                for uid, events in by_uid.items()]

    def get(self, uid: str) -> StoredEvent | None:
        cal = self._load()
        events = [e for e in cal.walk("VEVENT") if str(e.get("UID", "")) == uid]
        return StoredEvent(uid, events=events, zones=cal.walk("VTIMEZONE")) if events else None

    def put(self, uid: str, ical: str) -> None:
        cal, text = self._load_with_text()
        events, zones = components(ical, "the new event")
        dropped = self._drop(cal, uid)
        known = {str(z.get("TZID", "")) for z in cal.walk("VTIMEZONE")}
        zones = [z for z in zones if str(z.get("TZID", "")) not in known]
        for zone in reversed(zones):
            cal.subcomponents.insert(0, zone)  # time zones first, as calendar apps write them
        for event in events:
            cal.add_component(event)
        added = "".join(e.to_ical().decode("utf-8") for e in events)
        new_zones = "".join(z.to_ical().decode("utf-8") for z in zones)
        self._save(cal, splice(text, uid, dropped, added, new_zones))

    def remove(self, uid: str) -> None:
        cal, text = self._load_with_text()
        dropped = self._drop(cal, uid)
        if dropped:
            self._save(cal, splice(text, uid, dropped, ""))

    def close(self) -> None:
        """Nothing is held open between calls."""

    @staticmethod
    def _drop(cal: icalendar.Calendar, uid: str) -> int:
        keep = [c for c in cal.subcomponents
                if not (c.name == "VEVENT" and str(c.get("UID", "")) == uid)]
        dropped = len(cal.subcomponents) - len(keep)
        cal.subcomponents[:] = keep
        return dropped

    def _save(self, cal: icalendar.Calendar, text: str | None) -> None:
        """Write ``text`` (the file with one event spliced), or all of ``cal`` when there is none."""
        self._cached = None  # ``cal`` was changed in place: trust it again only once it is on disk
        if text is None:
            text = cal.to_ical().decode("utf-8")
        data = text.encode("utf-8")
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
            self._cached = (self._stamp(), cal, text)
        except OSError as exc:
            raise BackendError(f"The calendar file {self.path} could not be written: {exc}",
                               "Check that the file and its folder may be written, and that the disk "
                               "is not full.") from None
