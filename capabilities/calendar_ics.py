"""A calendar kept in a local .ics file.

The file is read on every call and parsed again whenever its bytes
changed (another app may have written it). It is cut into its event and
time-zone blocks (``calendar_icstext``) and each event is read on its own,
so one malformed event is left out with a reason while the rest are read.
A change edits only the text of the one event, where it stands, plus any
VTIMEZONE it needs that the file lacks: everything else — other events,
to-dos, calendar properties, their formatting — stays byte for byte. The
edits that turn the change back are the change's *receipt*; undo replays
them when the file is as Errand left it, restoring it byte for byte.

A file holding a bare VEVENT (no VCALENDAR around it) is read, but not
changed: there is no valid place to put a second event or a time zone.
Writes go through a temporary file in the same folder and an atomic rename,
so a crash leaves either the old or the new calendar, never half of one.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import icalendar

from capabilities.calendar_backends import Reading, Source, StoredEvent
from capabilities.calendar_events import Skip, floating_zone, read_event, used_zones
from capabilities.calendar_icstext import Block, Edit, blocks, edit, lines, tzid_of
from capabilities.calendar_identity import group, uid_of
from capabilities.errors import BackendError, TargetMissing

__all__ = ["IcsBackend"]

_CALENDAR = re.compile(r"^BEGIN:VCALENDAR[ \t]*\r?$", re.M | re.I)
_END = re.compile(r"^END:VCALENDAR[ \t]*\r?$", re.M | re.I)
# A block's reading, cached by its text: the event (None for a time zone), why it cannot be used, its UID.
_Read = tuple[icalendar.Event | None, str, str]
_HEAD = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Errand//Errand calendar//EN\n"


@dataclass
class _Parsed:
    """The file as last read or written: its bytes, its text, and its parts."""

    raw: bytes
    text: str
    where: str
    # Events read before, by block text: after a change only the changed event is read again.
    cache: dict[str, _Read] = field(default_factory=dict)
    framed: bool = False  # inside a VCALENDAR, as it should be
    newline: str = "\n"
    floating_zone: str = ""
    zones: dict[str, Block] = field(default_factory=dict)
    items: dict[str, list[tuple[Block, icalendar.Event]]] = field(default_factory=dict)
    problems: list[Skip] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.framed = _CALENDAR.search(self.text) is not None
        self.newline = "\r\n" if "\r\n" in self.text else "\n"
        self.floating_zone = floating_zone(self.text)
        parts = blocks(self.text)
        for block in parts:  # zones first: reading them lets the events resolve their TZIDs
            if block.kind == "VTIMEZONE":
                self._read_zone(block)
        events = [pair for block in parts if block.kind == "VEVENT" and (pair := self._read_event(block))]
        self.items = group(events, lambda pair: pair[1], lambda pair: self.cache[pair[0].text][2])
        if not self.framed and not self.items and not self.problems:
            raise BackendError(f"{self.where} is not a readable calendar: it holds no BEGIN:VCALENDAR "
                               "and no event.",
                               "Check that the file is an .ics calendar. Errand changed nothing.")

    def _read_event(self, block: Block) -> tuple[Block, icalendar.Event] | None:
        """The block and its event, or None with the reason noted (the rest is read all the same)."""
        if block.text not in self.cache:
            event, problem = read_event(block.text)
            self.cache[block.text] = (event, problem, "" if event is None else uid_of(event))
        event, problem, _ = self.cache[block.text]
        if event is not None and not problem:
            return block, event
        line = self.text.count("\n", 0, block.start) + 1
        title = f"“{event.get('SUMMARY')}” " if event is not None and "SUMMARY" in event else ""
        self.problems.append(Skip.event(f"{self.where}: the event {title}(line {line})", problem))
        return None

    def _read_zone(self, block: Block) -> None:
        if block.text not in self.cache:
            try:
                icalendar.Timezone.from_ical(block.text)  # registers it: events' TZIDs resolve to it
                self.cache[block.text] = (None, "", "")
            except (ValueError, IndexError, KeyError) as exc:
                self.cache[block.text] = (None, str(exc), "")
        problem = self.cache[block.text][1]
        if problem:
            self.problems.append(Skip(f"{self.where}: a time zone", f"it could not be read ({problem})",
                                      f"{self.where}: a time zone could not be read ({problem}); events "
                                      "using it are read as if in local time.", "item"))
        else:
            self.zones[tzid_of(block.text)] = block

    def stored(self, key: str) -> StoredEvent | None:
        found = self.items.get(key)
        if not found:
            return None
        events = [e for _, e in found]
        used = used_zones(events)
        zones = "".join(b.text for tzid, b in self.zones.items() if tzid in used)
        # The blocks exactly as the file has them: undo and fingerprints see what is there.
        head = _HEAD + (f"X-WR-TIMEZONE:{self.floating_zone}\n" if self.floating_zone else "")
        ical = lines(head, self.newline) + lines(zones + "".join(b.text for b, _ in found), self.newline)
        return StoredEvent(key, ical + lines("END:VCALENDAR", self.newline), events)


class IcsBackend:
    """``CalendarBackend`` over one .ics file."""

    def __init__(self, source: Source) -> None:
        assert source.path is not None
        self.source = source
        self.path = source.path
        # Kept between calls: a plan of many actions over a large file parses it once, not per call.
        self._parsed: _Parsed | None = None
        self._cache: dict[str, _Read] = {}

    def read_all(self, start: datetime, end: datetime) -> Reading:
        parsed = self._load()
        # The range is applied when occurrences are expanded; a file holds everything anyway.
        found = [parsed.stored(key) for key in parsed.items]
        return Reading([s for s in found if s is not None], list(parsed.problems), parsed.floating_zone)

    def get(self, key: str) -> StoredEvent | None:
        return self._load().stored(key)

    def check_writable(self) -> None:
        if not self._load().framed:
            raise BackendError(
                f"The calendar file {self.path} holds a single event without a calendar around it "
                "(no BEGIN:VCALENDAR); Errand reads it but will not change it.",
                "Import it into your calendar app and grant that calendar, or save it there as a "
                "calendar (.ics) file.",
            )

    def put(self, key: str, ical: str) -> dict[str, Any]:
        self.check_writable()
        parsed = self._load()
        given = blocks(ical)
        new_events = lines("".join(b.text for b in given if b.kind == "VEVENT"), parsed.newline)
        new_zones = lines("".join(b.text for b in given if b.kind == "VTIMEZONE"
                                  and tzid_of(b.text) not in parsed.zones), parsed.newline)
        edits = self._dropping(parsed, key)
        if edits:
            start, end, _ = edits[0]
            edits[0] = (start, end, new_events)  # where it stood: not moved to the end of the file
        else:
            edits = [(self._end(parsed), self._end(parsed), new_events)]
        if new_zones:  # time zones before the events, as calendar apps write them
            first = min((b.start for pairs in parsed.items.values() for b, _ in pairs), default=None)
            at = first if first is not None else self._end(parsed)
            edits.insert(0, (at, at, new_zones))
        return self._save(parsed, edits)

    def remove(self, key: str) -> dict[str, Any]:
        self.check_writable()
        parsed = self._load()
        edits = self._dropping(parsed, key)
        return self._save(parsed, edits) if edits else {}

    def restore(self, receipt: Mapping[str, Any]) -> bool:
        """Turn a change back byte for byte, if the file is still exactly as that change left it."""
        parsed = self._load()
        if not receipt.get("back") or hashlib.sha256(parsed.raw).hexdigest() != receipt.get("file"):
            return False
        self._save(parsed, [(int(s), int(e), str(t)) for s, e, t in receipt["back"]])
        before = receipt.get("mtime_ns")
        if isinstance(before, int):  # the same bytes as before the change: the same modified time too
            os.utime(self.path, ns=(time.time_ns(), before))
        return True

    def close(self) -> None:
        """Nothing is held open between calls."""

    # ---- plumbing --------------------------------------------------------------------

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
        if len(self._cache) > 50_000:  # another app rewrote a huge file many times: start afresh
            self._cache.clear()
        self._parsed = _Parsed(raw, text, f"The calendar file {self.path}", self._cache)
        return self._parsed

    @staticmethod
    def _dropping(parsed: _Parsed, key: str) -> list[Edit]:
        return [(b.start, b.end, "") for b, _ in parsed.items.get(key, [])]

    @staticmethod
    def _end(parsed: _Parsed) -> int:
        """Where the last END:VCALENDAR line starts (looked for near the end first: files can be large)."""
        for start in (max(0, len(parsed.text) - 4096), 0):
            ends = list(_END.finditer(parsed.text, start))  # "^" still means the start of a line
            if ends:
                return ends[-1].start()
        raise BackendError(f"{parsed.where} has no END:VCALENDAR line; Errand will not change it.",
                           "Open it in your calendar app and save it again, then preview again.")

    def _save(self, parsed: _Parsed, edits: list[Edit]) -> dict[str, Any]:
        """Write the file with ``edits`` made; the receipt holds the edits that turn it back."""
        text, back = edit(parsed.text, edits)
        data = text.encode("utf-8")
        self._parsed = None  # trusted again only once it is on disk
        try:
            was = self.path.stat()
            mode = was.st_mode & 0o777
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
        return {"file": hashlib.sha256(data).hexdigest(), "back": [list(e) for e in back],
                "mtime_ns": was.st_mtime_ns}
