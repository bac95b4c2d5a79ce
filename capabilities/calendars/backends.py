"""Where a calendar lives: the grant's source text, and the one I/O seam for calendars.

A calendar grant's ``target`` is a *source*:

- ``ics:/abs/path/file.ics`` — a local iCalendar file (``calendar_ics``);
- ``caldav:https://alice@cal.example.com/dav/alice/work/`` — one CalDAV
  calendar collection (``calendar_caldav``). The user name goes in the URL
  (before ``@``); the password never does: it comes from
  ``RunContext.services["calendar_password"]``, which the desktop layer
  fills from the OS keyring. That service is the password text, a mapping
  from source to password, or a callable ``source -> password | None``.

Every backend offers the same small set of calls (``CalendarBackend``)
and trades in VCALENDAR text holding every VEVENT of one UID
(``StoredEvent``); the capability never sees a file or an HTTP request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit, urlunsplit

from capabilities.calendars.skips import Skip
from capabilities.errors import GrantError

__all__ = ["CalendarBackend", "Reading", "Source", "StoredEvent", "parse_source",
           "password_for"]


@dataclass(frozen=True)
class Source:
    """A parsed calendar source: ``kind`` is "ics" or "caldav"."""

    kind: str
    text: str  # the grant target as written, the key for passwords
    path: Path | None = None  # ics
    url: str = ""  # caldav, without the user name
    username: str = ""

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "") if self.url else ""

    def default_label(self) -> str:
        """A name for the calendar when the grant gives none: the file stem or the last URL part."""
        if self.kind == "ics" and self.path is not None:
            return self.path.stem
        parts = [p for p in urlsplit(self.url).path.split("/") if p]
        return unquote(parts[-1]) if parts else self.host

    def place(self) -> str:
        """Where it is, for people: a file path or a server name."""
        return str(self.path) if self.kind == "ics" else self.host


class StoredEvent:
    """One event (all VEVENTs of one event id) as the backend holds it: its VCALENDAR text.

    ``key`` is the event id (``calendar_identity``), ``count`` how many VEVENTs it has (a series
    and its changed occurrences), as the decoder worker read them; ``href`` is the resource a
    CalDAV server keeps it in. The text is parsed in Errand's process only when a script changes
    or deletes this one event (``calendar``), never to list a calendar.
    """

    def __init__(self, key: str, ical: str, count: int = 1, href: str = "") -> None:
        self.key = key
        self.ical = ical
        self.count = count
        self.href = href


@dataclass
class Reading:
    """What listing a calendar found: its events, why some could not be read, its X-WR-TIMEZONE."""

    events: list[StoredEvent]
    problems: list[Skip] = field(default_factory=list)
    floating_zone: str = ""


class CalendarBackend(Protocol):
    """The calls the calendar capability makes; each raises ErrandError subclasses only.

    ``put`` and ``remove`` return a *receipt* (JSON): what ``restore`` needs
    to turn that very change back exactly (the .ics edits, the CalDAV href).
    """

    source: Source

    def read_all(self, start: datetime, end: datetime) -> Reading:
        """Events that may occur between ``start`` and ``end`` (a superset is fine); bad ones skipped."""
        ...

    def get(self, key: str) -> StoredEvent | None:
        """The event with this id, or None."""
        ...

    def check_writable(self) -> None:
        """Raise BackendError, saying why, if this calendar cannot take changes at all."""
        ...

    def put(self, key: str, ical: str) -> dict[str, Any]:
        """Create the event, or replace every VEVENT of this id where it stands; the receipt."""
        ...

    def remove(self, key: str) -> dict[str, Any]:
        """Delete every VEVENT of this id (no error if already gone); the receipt."""
        ...

    def restore(self, receipt: Mapping[str, Any]) -> bool:
        """Turn the change of ``receipt`` back exactly; False if that is no longer possible."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


_HINT = ("Grant a calendar as ics:/absolute/path/file.ics or caldav:https://user@server/path/ "
         "in Settings → Calendar.")


def parse_source(target: str) -> Source:
    """Read a grant's target; GrantError with an example when it is not a calendar source."""
    kind, _, rest = target.partition(":")
    if kind == "ics":
        path = Path(rest).expanduser()
        if not path.is_absolute():
            raise GrantError(f"The calendar file {rest!r} is not an absolute path.", _HINT)
        return Source("ics", target, path=path)
    if kind == "caldav":
        parts = urlsplit(rest)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise GrantError(f"The calendar address {rest!r} is not an http(s) URL.", _HINT)
        if parts.password:
            raise GrantError("The calendar address contains a password.",
                             "Remove it from the address; keep it in Settings → Calendar (the keyring).")
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        collection = parts.path if parts.path.endswith("/") else parts.path + "/"
        url = urlunsplit((parts.scheme, netloc, collection, "", ""))
        return Source("caldav", target, url=url, username=parts.username or "")
    raise GrantError(f"{target!r} is not a calendar source.", _HINT)


def password_for(source: Source, services: Mapping[str, Any]) -> str | None:
    """The password for a CalDAV source from ``services["calendar_password"]`` (see module doc)."""
    given = services.get("calendar_password")
    if given is None or isinstance(given, str):
        return given
    if isinstance(given, Mapping):
        return given.get(source.text)
    if callable(given):
        found: Callable[[str], str | None] = given
        return found(source.text)
    return None
