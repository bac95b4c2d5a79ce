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

from capabilities.calendars.backends import Reading, Source, StoredEvent
from capabilities.calendars.reader import FileFacts, read_file
from capabilities.calendars.skips import Skip
from capabilities.decoding.icstext import Block, Edit, blocks, edit, lines, tzid_of
from capabilities.errors import BackendError, TargetMissing

__all__ = ["IcsBackend"]

_END = re.compile(r"^END:VCALENDAR[ \t]*\r?$", re.M | re.I)
_HEAD = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Errand//Errand calendar//EN\n"


@dataclass
class _Parsed:
    """The file as last read or written: its bytes, its text, and where its parts stand in it.

    The text is parsed only by the decoder worker (``calendar_reader``); here it is cut at the
    offsets the worker reported (each checked to be a block of its kind), never parsed.
    """

    raw: bytes
    text: str
    where: str
    facts: FileFacts = field(init=False)

    def __post_init__(self) -> None:
        self.facts = read_file(self.text, self.where)
        if not self.framed and not self.facts.events and not self.facts.problems:
            raise BackendError(f"{self.where} is not a readable calendar: it holds no BEGIN:VCALENDAR "
                               "and no event.",
                               "Check that the file is an .ics calendar. Errand changed nothing.")

    @property
    def framed(self) -> bool:
        return self.facts.framed

    @property
    def newline(self) -> str:
        return self.facts.newline

    @property
    def floating_zone(self) -> str:
        return self.facts.floating_zone

    @property
    def problems(self) -> list[Skip]:
        return self.facts.problems

    def _block(self, kind: str, span: tuple[int, int]) -> Block:
        return Block(kind, span[0], span[1], self.text[span[0]:span[1]])

    def stored(self, key: str) -> StoredEvent | None:
        spans = self.facts.events.get(key)
        if not spans:
            return None
        found = [self._block("VEVENT", s) for s in spans]
        # The zones the event's times name (its TZID parameters, found by Errand's own pattern).
        unfolded = re.sub(r"\r?\n[ \t]", "", "".join(b.text for b in found))
        used = set(_TZID_USE.findall(unfolded))
        zones = "".join(self._block("VTIMEZONE", span).text for tzid, span in self.facts.zones.items()
                        if tzid in used)
        # The blocks exactly as the file has them: undo and fingerprints see what is there.
        head = _HEAD + (f"X-WR-TIMEZONE:{self.floating_zone}\n" if self.floating_zone else "")
        ical = lines(head, self.newline) + lines(zones + "".join(b.text for b in found), self.newline)
        return StoredEvent(key, ical + lines("END:VCALENDAR", self.newline), count=len(found))


# A TZID parameter of a property line: ";TZID=Europe/Berlin:" or ';TZID="Europe/Berlin";VALUE=..'.
_TZID_USE = re.compile(r';TZID="?([^";:\r\n]+)"?[;:]', re.I)


class IcsBackend:
    """``CalendarBackend`` over one .ics file."""

    def __init__(self, source: Source) -> None:
        assert source.path is not None
        self.source = source
        self.path = source.path
        # Kept between calls: a plan of many actions over a large file parses it once, not per call.
        self._parsed: _Parsed | None = None

    def read_all(self, start: datetime, end: datetime) -> Reading:
        parsed = self._load()
        # The range is applied when occurrences are expanded; a file holds everything anyway.
        found = [parsed.stored(key) for key in parsed.facts.events]
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
                                  and tzid_of(b.text) not in parsed.facts.zones), parsed.newline)
        edits = self._dropping(parsed, key)
        if edits:
            start, end, _ = edits[0]
            edits[0] = (start, end, new_events)  # where it stood: not moved to the end of the file
        else:
            edits = [(self._end(parsed), self._end(parsed), new_events)]
        if new_zones:  # time zones before the events, as calendar apps write them
            first = min((s for spans in parsed.facts.events.values() for s, _ in spans), default=None)
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
        self._parsed = _Parsed(raw, text, f"The calendar file {self.path}")
        return self._parsed

    @staticmethod
    def _dropping(parsed: _Parsed, key: str) -> list[Edit]:
        return [(start, end, "") for start, end in parsed.facts.events.get(key, [])]

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
