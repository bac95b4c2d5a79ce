"""Times for the calendar capability: reading what a script passes, writing what it gets back.

A script passes ISO 8601 text. A time with an offset or ``Z`` is taken as
given. A time without one ("2026-11-23T15:00") is read in the person's
local time zone: the IANA name in ``RunContext.services["timezone"]`` when
the desktop layer sets it, else the machine's zone (``TZ``, then
``/etc/localtime``). Local rather than refused, because a person who says
"tomorrow at 3" means their own 3 o'clock and a model rarely knows the
offset. Times given back are in the person's zone with explicit offsets,
so the script sees what was understood. A bare date ("2026-11-23") is a whole day.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from capabilities.errors import CallError

__all__ = ["as_range_bound", "local_zone", "parse_day", "parse_moment", "settle", "show"]


def local_zone(name: str | None = None) -> tzinfo:
    """The person's zone: ``name`` if given (IANA), else the machine's, as a ZoneInfo when known."""
    for candidate in (name, os.environ.get("TZ", "").lstrip(":"), _etc_localtime_name()):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    # No IANA name anywhere: the current fixed offset is the best that can be done.
    return datetime.now().astimezone().tzinfo or ZoneInfo("UTC")


def _etc_localtime_name() -> str:
    link = Path("/etc/localtime")
    try:
        target = str(link.resolve())
    except OSError:
        return ""
    _, found, name = target.partition("zoneinfo/")
    return name if found else ""


def parse_moment(text: str, zone: tzinfo, where: str) -> datetime | date:
    """An aware datetime from ISO text (naive → ``zone``), or a date for a bare "YYYY-MM-DD"."""
    value = text.strip()
    if value.endswith(("z", "Z")):
        value = value[:-1] + "+00:00"
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CallError(
            f"{where}: {text!r} is not a date or time.",
            "Use ISO 8601, e.g. '2026-11-23T15:00:00+01:00', '2026-11-23T15:00' (local time) "
            "or '2026-11-23' (a whole day).",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def parse_day(text: str, zone: tzinfo, where: str) -> date:
    """A date from "YYYY-MM-DD" or from a full time (its date in ``zone``), for all-day events."""
    moment = parse_moment(text, zone, where)
    return moment.astimezone(zone).date() if isinstance(moment, datetime) else moment


def settle(moment: datetime, zone: tzinfo) -> datetime:
    """A time ready to store: in ``zone`` when its offset is the person's, else in UTC.

    A bare offset ("+01:00") would be written as ``TZID="UTC+01:00"``, which
    no other calendar app can resolve; a named zone or UTC always can.
    """
    if isinstance(moment.tzinfo, ZoneInfo) or moment.tzinfo is None:
        return moment
    local = moment.astimezone(zone)
    return local if local.utcoffset() == moment.utcoffset() else moment.astimezone(UTC)


def as_range_bound(value: datetime | date, zone: tzinfo) -> datetime:
    """A range bound as an aware datetime: a date means its midnight in ``zone``."""
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0), tzinfo=zone)


def show(value: datetime | date, zone: tzinfo) -> str:
    """ISO text for a script: dates as "YYYY-MM-DD", times in ``zone`` with its offset.

    Converted to the person's zone (a floating time is taken to be in it) so
    a script or a model that reads "09:00" reads the person's own 9 o'clock.
    """
    if isinstance(value, datetime):
        return (value.astimezone(zone) if value.tzinfo else value.replace(tzinfo=zone)).isoformat()
    return value.isoformat()
