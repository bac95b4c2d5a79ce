"""A calendar on a CalDAV server (Nextcloud, iCloud, Fastmail, Radicale, …), through ``caldav``.

Each call sets the HTTP timeout from the run's deadline, because wasmtime's
epoch interruption cannot stop a host call blocked on the network. Events
are stored exactly as given (``increase_seqno=False``): the capability
already bumps SEQUENCE once per change, and undo must put back the very
event it took away. Server and network failures become ``GrantError``
(wrong user name or password), ``TargetMissing`` (no calendar at that
address) or ``BackendError`` (unreachable, timed out, refused, or a
certificate this computer does not trust: ``calendar_tls``), each with a
hint. Undo puts an event back as the resource it was: the same href and
text, through ``If-None-Match: *`` so it never overwrites what another
client put there since (it says so instead).

What Errand's process parses of a server's answers: the XML of its
multistatus, by lxml inside ``caldav`` (``resolve_entities=False``,
``no_network=True``, no ``huge_tree``), and the calendar-data text is
passed through ``caldav``'s ``vcal.fix`` (a few line-based regular
expressions). The calendar text itself is read only by the decoder worker
(``keys_of``, and ``calendar`` for changes): searches ask for no
client-side filter (``post_filter=False``, which would parse every
resource with icalendar and expand its repetitions here), an event is
found by its UID through the server's own search and picked out by the
worker's id, and Errand's text is stored as given (``save(raw_data=…)``,
a plain PUT for a new one), never parsed on the way out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

from capabilities.calendars.backends import Reading, Source, StoredEvent
from capabilities.calendars.reader import keys_of
from capabilities.calendars.skips import Skip
from capabilities.calendars.tls import certificate_error, trusted_certificates, untrusted_certificate
from capabilities.decoding.ics_identity import NO_UID, SHARED
from capabilities.errors import (
    BackendError,
    ErrandError,
    GrantError,
    SourceChanged,
    TargetMissing,
    UndoRefused,
)

__all__ = ["CalDavBackend"]

T = TypeVar("T")
_SETTINGS = "Settings → Calendar"
_TAKEN = ": something else is there now"
_ICAL = {"Content-Type": "text/calendar; charset=utf-8"}
# The server is asked a day wider on each side: it cannot place all-day and floating events in the
# person's zone, and the worker's expansion keeps only what falls in the range.
_MARGIN = timedelta(days=1)


class CalDavBackend:
    """``CalendarBackend`` over one CalDAV calendar collection."""

    def __init__(self, source: Source, password: str | None, timeout: Callable[[], float]) -> None:
        self.source = source
        self._password = password
        self._timeout = timeout
        self._client: Any = None
        self._calendar: Any = None

    # ---- the calls -------------------------------------------------------------------

    def read_all(self, start: datetime, end: datetime) -> Reading:
        cal = self._open()
        found = self._call(lambda: cal.search(start=start - _MARGIN, end=end + _MARGIN, event=True,
                                              expand=False, post_filter=False))
        return self._reading(found)

    def get(self, key: str) -> StoredEvent | None:
        obj = self._find(key)
        return None if obj is None else self._stored(obj)

    def check_writable(self) -> None:
        """A CalDAV calendar takes changes (the server says otherwise when it refuses one)."""

    def put(self, key: str, ical: str) -> dict[str, Any]:
        obj = self._find(key)
        if obj is None:
            return {"href": self._create(key, ical), "before": None}
        before = _data(obj)
        # As given: no re-serialisation, no SEQUENCE bump, no parse (the cached ETag is still sent).
        self._call(lambda: obj.save(raw_data=ical.encode("utf-8"), increase_seqno=False))
        return {"href": str(obj.url), "before": before}

    def remove(self, key: str) -> dict[str, Any]:
        obj = self._find(key)
        if obj is None:
            return {}
        before = _data(obj)
        self._call(obj.delete)
        return {"href": str(obj.url), "before": before, "deleted": True}

    def restore(self, receipt: Mapping[str, Any]) -> bool:
        """Put back the very resource: same href, same text (or remove what a create made)."""
        href = receipt.get("href")
        if not href:
            return False
        self._open()
        client = self._client
        before = receipt.get("before")
        if before is None:  # undo of a create: the resource it made goes
            gone = self._call(lambda: client.delete(href))
            if gone.status >= 300 and gone.status != 404:
                raise UndoRefused(f"The calendar server at {self.source.host} would not remove the event "
                                  f"Errand added at {href} (it answered {gone.status}).",
                                  "Delete it in your calendar app if you no longer want it.")
            return True
        # Back where it was: a deleted one only if nothing took its place, a changed one over itself.
        condition = {"If-None-Match": "*"} if receipt.get("deleted") else {"If-Match": "*"}
        headers = {**_ICAL, **condition}
        answer = self._call(lambda: client.put(href, before, headers))
        if answer.status >= 300:
            raise UndoRefused(
                f"The calendar server at {self.source.host} would not take the event back at its old "
                f"address {href} (it answered {answer.status}{_TAKEN if answer.status == 412 else ''}).",
                "Errand changed nothing. Re-create the event in your calendar app if you need it.",
            )
        return True

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
            self._calendar = None

    # ---- plumbing --------------------------------------------------------------------

    def _open(self) -> Any:
        """The calendar collection, checked once per backend (address, user name, password)."""
        if self._calendar is None:
            # Imported here: it is slow and only CalDAV grants need it. From its module, because the
            # package's lazy __getattr__ is typed as returning object.
            from caldav.davclient import DAVClient

            self._client = DAVClient(
                url=self.source.url, username=self.source.username or None, password=self._password,
                timeout=max(1, int(self._timeout())), enable_rfc6764=False,
                ssl_verify_cert=trusted_certificates(),
            )
            calendar = self._client.calendar(url=self.source.url)
            self._call(calendar.get_display_name, missing_is_calendar=True)
            self._calendar = calendar
        return self._calendar

    def _create(self, key: str, ical: str) -> str:
        """PUT a new event at ``<uid>.ics`` in the collection, only if nothing is there; its href."""
        cal, client = self._open(), self._client
        href = str(cal.url.join(quote(key, safe="@") + ".ics"))
        answer = self._call(lambda: client.put(href, ical, {**_ICAL, "If-None-Match": "*"}))
        if answer.status >= 300:
            taken = _TAKEN if answer.status == 412 else ""
            raise BackendError(f"The calendar server at {self.source.host} would not take the new event at "
                               f"{href} (it answered {answer.status}{taken}).",
                               "Preview the chore again to see the calendar as it is now.")
        return href

    def _find(self, key: str) -> Any:
        """The resource holding the event ``key``, picked out by the worker's ids.

        By UID the server searches (a substring match); a key that is not a UID, or a server that
        cannot search text, means looking through every event."""
        cal = self._open()
        searchable = not (key.startswith(NO_UID) or SHARED in key) and \
            self._client.features.is_supported("search.text")
        found = self._call(lambda: cal.search(uid=key, event=True, post_filter=False) if searchable
                           else cal.search(event=True, post_filter=False))
        ids = keys_of([_data(o) for o in found], self._where())
        return next((o for o, k in zip(found, ids, strict=True) if isinstance(k, tuple) and k[0] == key),
                    None)

    def _reading(self, found: list[Any]) -> Reading:
        """Each resource's event; one the server holds in a form that cannot be read is skipped."""
        reading = Reading([])
        datas = [_data(obj) for obj in found]
        for obj, data, key in zip(found, datas, keys_of(datas, self._where()), strict=True):
            if key is None:
                continue  # a to-do, not an event
            if isinstance(key, str):
                reading.problems.append(Skip(f"An event on {self.source.host} ({obj.url})",
                                             f"it cannot be read ({key})"))
            else:
                reading.events.append(StoredEvent(key[0], data, key[1], href=str(obj.url)))
        return reading

    def _stored(self, obj: Any) -> StoredEvent:
        data = _data(obj)
        key = keys_of([data], self._where())[0]
        if not isinstance(key, tuple):
            why = key or "it holds no event"
            raise BackendError(f"An event on {self.source.host} ({obj.url}) cannot be read ({why}).",
                               "Repair or delete that event in your calendar app. Errand changed nothing.")
        return StoredEvent(key[0], data, key[1], href=str(obj.url))

    def _where(self) -> str:
        return f"the calendar at {self.source.host}"

    def _call(self, action: Callable[[], T], missing_is_calendar: bool = False,
              reraise: tuple[type[BaseException], ...] = ()) -> T:
        """Run one request with the time left, turning failures into errors for people."""
        from caldav.lib import error

        if self._client is not None:
            self._client.timeout = self._timeout()
        host = self.source.host
        try:
            return action()
        except reraise:
            raise
        except ErrandError:
            raise
        except (error.ETagMismatchError, error.ScheduleTagMismatchError):
            # The server's If-Match check: someone changed the event between our read and our write.
            raise SourceChanged(f"An event on {host} was changed by someone else while Errand saved it.",
                                "Preview the chore again to see the calendar as it is now.") from None
        except error.AuthorizationError:
            if not self._password:
                raise GrantError(f"The calendar server at {host} wants a password and none is saved.",
                                 f"Enter the calendar password in {_SETTINGS}.") from None
            raise GrantError(
                f"The calendar server at {host} refused the user name "
                f"{self.source.username!r} or the password.",
                f"Check the calendar password in {_SETTINGS}.",
            ) from None
        except error.NotFoundError:
            if missing_is_calendar:
                raise TargetMissing(f"There is no calendar at {self.source.url}.",
                                    f"Check the calendar address in {_SETTINGS}.") from None
            raise BackendError(f"The calendar server at {host} lost an event while Errand used it.",
                               "Try again in a moment.") from None
        except error.DAVError as exc:
            raise BackendError(f"The calendar server at {host} answered with an error: {exc}",
                               f"Try again later, or check the calendar address in {_SETTINGS}.") from None
        except OSError as exc:  # niquests' ConnectionError and Timeout are OSErrors
            if untrusted_certificate(exc):
                raise certificate_error(host, exc) from None
            raise BackendError(f"Could not reach the calendar server at {host}: {_short(exc)}",
                               f"Check the network connection and the server address in {_SETTINGS}.") \
                from None


def _short(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Connection refused", "timed out", "Name or service not known", "No route to host"):
        if marker.lower() in text.lower():
            return marker.lower()
    return text if len(text) <= 120 else text[:117] + "..."


def _data(obj: Any) -> str:
    """A resource's calendar text as the server sent it (``caldav`` does not parse it until asked)."""
    data = obj.data
    return data if isinstance(data, str) else bytes(data or b"").decode("utf-8", "replace")
