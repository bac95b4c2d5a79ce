"""A calendar kept in a local .ics file.

The file is read on every call and parsed again whenever its bytes
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
from dataclasses import dataclass, field
from datetime import datetime

import icalendar

from capabilities.calendar_backends import Source, StoredEvent
from capabilities.calendar_events import components, parse_calendar
from capabilities.calendar_icstext import splice
from capabilities.errors import BackendError, TargetMissing

__all__ = ["IcsBackend"]


@dataclass
class _Parsed:
    """The file as last read or written: its bytes, its text, and its parts."""

    raw: bytes
    text: str
    cal: icalendar.Calendar
    by_uid: dict[str, list[icalendar.Event]] = field(default_factory=dict)
    zones: list[icalendar.Timezone] = field(default_factory=list)

    def __post_init__(self) -> None:
        for part in self.cal.subcomponents:
            if part.name == "VEVENT":
                self.by_uid.setdefault(str(part.get("UID", "")), []).append(part)
            elif part.name == "VTIMEZONE":
                self.zones.append(part)


class IcsBackend:
    """``CalendarBackend`` over one .ics file."""

    def __init__(self, source: Source) -> None:
        assert source.path is not None
        self.source = source
        self.path = source.path
        # Kept between calls: a plan of many actions over a large file parses it once, not per call.
        self._parsed: _Parsed | None = None

    def _load(self) -> _Parsed:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raise TargetMissing(
                f"The calendar file {self.path} does not exist.",
                "Check the file in Settings → Calendar, or export the calendar there again.",
            ) from None
        except OSError as exc:
            raise BackendError(f"The calendar file {self.path} could not be read: {exc}",
                               "Check that the file is an .ics calendar you may read.") from None
        # Compared by content, not by mtime: a same-size edit within one clock tick still shows.
        if self._parsed is not None and self._parsed.raw == raw:
            return self._parsed
        try:
            text = raw.decode("utf-8")  # bytes, not read_text(): keeps the file's own line endings
        except UnicodeDecodeError as exc:
            raise BackendError(f"The calendar file {self.path} is not UTF-8 text: {exc}",
                               "Check that the file is an .ics calendar.") from None
        self._parsed = _Parsed(raw, text, parse_calendar(text, f"The calendar file {self.path}"))
        return self._parsed

    def read_all(self, start: datetime, end: datetime) -> list[StoredEvent]:
        parsed = self._load()
        # The range is applied when occurrences are expanded; a file holds everything anyway.
        return [StoredEvent(uid, events=list(events), zones=parsed.zones, where=str(self.path))
                for uid, events in parsed.by_uid.items()]

    def get(self, uid: str) -> StoredEvent | None:
        parsed = self._load()
        events = parsed.by_uid.get(uid)
        return StoredEvent(uid, events=list(events), zones=parsed.zones) if events else None

    def put(self, uid: str, ical: str) -> None:
        parsed = self._load()
        events, zones = components(ical, "the new event")
        known = {str(z.get("TZID", "")) for z in parsed.zones}
        zones = [z for z in zones if str(z.get("TZID", "")) not in known]
        dropped = self._drop(parsed, uid)
        # Time zones first, as calendar apps write them; the event last.
        parsed.cal.subcomponents[:0] = zones
        parsed.zones.extend(zones)
        for event in events:
            parsed.cal.add_component(event)
        parsed.by_uid[uid] = events
        added = "".join(e.to_ical().decode("utf-8") for e in events)
        new_zones = "".join(z.to_ical().decode("utf-8") for z in zones)
        self._save(parsed, splice(parsed.text, uid, dropped, added, new_zones))

    def remove(self, uid: str) -> None:
        parsed = self._load()
        dropped = self._drop(parsed, uid)
        if dropped:
            self._save(parsed, splice(parsed.text, uid, dropped, ""))

    def close(self) -> None:
        """Nothing is held open between calls."""

    @staticmethod
    def _drop(parsed: _Parsed, uid: str) -> int:
        dropped = len(parsed.by_uid.pop(uid, []))
        if dropped:
            parsed.cal.subcomponents[:] = [c for c in parsed.cal.subcomponents
                                           if not (c.name == "VEVENT" and str(c.get("UID", "")) == uid)]
        return dropped

    def _save(self, parsed: _Parsed, text: str | None) -> None:
        """Write ``text`` (the file with one event spliced), or all of the calendar when there is none."""
        self._parsed = None  # changed in place: trusted again only once it is on disk
        if text is None:
            text = parsed.cal.to_ical().decode("utf-8")
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
            parsed.raw, parsed.text = data, text
            self._parsed = parsed
        except OSError as exc:
            raise BackendError(f"The calendar file {self.path} could not be written: {exc}",
                               "Check that the file and its folder may be written, and that the disk "
                               "is not full.") from None
