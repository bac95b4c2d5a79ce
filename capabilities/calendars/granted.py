"""The calendars one run was granted, and a backend for each, opened on first use.

Several grants may name calendars; two grants of one source merge (a label
given anywhere wins, and read-and-change wins over read-only). Preview,
apply and undo all reach a calendar through here, so a plan that names a
calendar this run was not granted is refused in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from capabilities.base import Grant
from capabilities.calendars.backends import CalendarBackend, Source, parse_source, password_for
from capabilities.errors import CallError, GrantError

__all__ = ["CalendarSet", "GrantedCalendar"]


@dataclass(frozen=True)
class GrantedCalendar:
    """One granted calendar: where it is, what scripts and people call it, whether it may change."""

    source: Source
    label: str
    writable: bool

    def where(self) -> str:
        return f"the calendar “{self.label}”"

    def require_writable(self) -> None:
        if not self.writable:
            raise GrantError(f"The calendar “{self.label}” was granted for reading only.",
                             "Ask the person to grant it for changes if the chore needs them.")


class CalendarSet:
    """The granted calendars of one run; ``services`` and ``timeout`` go to the backends."""

    def __init__(self, grants: Sequence[Grant], services: Mapping[str, Any],
                 timeout: Callable[[], float]) -> None:
        self._grants = list(grants)
        self._services = services
        self._timeout = timeout
        self._calendars: list[GrantedCalendar] | None = None
        self._backends: dict[str, CalendarBackend] = {}

    def all(self) -> list[GrantedCalendar]:
        """Every granted calendar, in grant order (parsed on first use: constructors stay quiet)."""
        if self._calendars is None:
            found: dict[str, GrantedCalendar] = {}
            for grant in self._grants:
                source = parse_source(grant.target)
                old = found.get(source.text)
                label = grant.label or (old.label if old else "") or source.default_label()
                found[source.text] = GrantedCalendar(source, label,
                                                     grant.mode == "rw" or bool(old and old.writable))
            if not found:
                raise GrantError("No calendar was granted for this run.",
                                 "Ask the person to grant a calendar in Settings → Calendar.")
            self._calendars = list(found.values())
        return self._calendars

    def by_source(self, text: str) -> GrantedCalendar:
        """The granted calendar with this source; GrantError if the run was not granted it."""
        for cal in self.all():
            if cal.source.text == text:
                return cal
        raise GrantError(f"This run was not granted the calendar {text}.",
                         "Grant that calendar again to apply or undo this change.")

    def for_new_events(self, label: str) -> GrantedCalendar:
        """The calendar called ``label``, or the first one granted for changes when ``label`` is empty."""
        calendars = self.all()
        if label:
            chosen = next((c for c in calendars if c.label == label), None)
            if chosen is None:
                raise CallError(f"calendar.create(): no calendar is called {label!r}.",
                                f"Granted calendars: {', '.join(repr(c.label) for c in calendars)}.")
        else:
            chosen = next((c for c in calendars if c.writable), calendars[0])
        chosen.require_writable()
        return chosen

    def backend(self, cal: GrantedCalendar) -> CalendarBackend:
        if cal.source.text not in self._backends:
            self._backends[cal.source.text] = open_backend(cal.source, self._services, self._timeout)
        return self._backends[cal.source.text]

    def close(self) -> None:
        """Release network connections."""
        for backend in self._backends.values():
            backend.close()
        self._backends.clear()


def open_backend(source: Source, services: Mapping[str, Any],
                 timeout: Callable[[], float]) -> CalendarBackend:
    """The backend for ``source``; ``timeout()`` gives seconds left for each network call.

    Each kind is imported when first used (caldav is large).
    """
    if source.kind == "ics":
        from capabilities.calendars.ics import IcsBackend

        return IcsBackend(source)
    from capabilities.calendars.caldav import CalDavBackend

    return CalDavBackend(source, password_for(source, services), timeout)
