"""Time text for the calendar: what a script passes is the instant it gets back, in the person's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capabilities.calendars.times import local_zone, parse_day, parse_moment, settle, show
from capabilities.errors import CallError

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]
moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2037, 12, 31))
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@settings(max_examples=200, deadline=None)
@given(moment=moments, offset=offsets, person=st.sampled_from(ZONES))
def test_a_time_with_an_offset_comes_back_as_the_same_instant(moment: datetime, offset: timezone,
                                                             person: str) -> None:
    zone = ZoneInfo(person)
    given_text = moment.replace(tzinfo=offset, microsecond=0).isoformat()
    parsed = parse_moment(given_text, zone, "t")
    shown = show(parsed, zone)
    assert datetime.fromisoformat(shown) == datetime.fromisoformat(given_text)
    assert datetime.fromisoformat(shown).utcoffset() == parsed.astimezone(zone).utcoffset()  # the person's


@settings(max_examples=200, deadline=None)
@given(moment=moments, person=st.sampled_from(ZONES))
def test_a_naive_time_is_wall_clock_time_in_the_persons_zone(moment: datetime, person: str) -> None:
    zone = ZoneInfo(person)
    naive = moment.replace(microsecond=0)
    parsed = parse_moment(naive.isoformat(), zone, "t")
    assert isinstance(parsed, datetime) and parsed.tzinfo is zone
    assert parsed.replace(tzinfo=None) == naive


def test_dates_and_z_and_mistakes() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert parse_moment("2026-11-23", berlin, "t") == date(2026, 11, 23)
    assert parse_moment("2026-11-23T10:00Z", berlin, "t") == datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert parse_day("2026-11-23T23:30-05:00", berlin, "t") == date(2026, 11, 24)  # in Berlin it is the 24th
    assert show(date(2026, 11, 23), berlin) == "2026-11-23"
    with pytest.raises(CallError, match=r"calendar\.create\(start=\.\.\.\): 'next Tuesday'") as caught:
        parse_moment("next Tuesday", berlin, "calendar.create(start=...)")
    assert "ISO 8601" in caught.value.hint


def test_the_local_zone_prefers_the_setting_then_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert local_zone("Europe/Lisbon") == ZoneInfo("Europe/Lisbon")
    assert local_zone(None) == ZoneInfo("Asia/Tokyo")
    assert local_zone("Not/AZone") == ZoneInfo("Asia/Tokyo")  # a bad setting falls back, never crashes


def test_times_are_stored_with_a_named_zone_or_in_utc_never_a_bare_offset() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    plus_one = parse_moment("2026-11-25T12:30+01:00", berlin, "t")
    assert isinstance(plus_one, datetime)
    assert settle(plus_one, berlin).tzinfo is berlin  # Berlin's own offset that day: keep the name
    summer = settle(parse_moment("2026-07-01T12:30+01:00", berlin, "t"), berlin)  # type: ignore[arg-type]
    assert summer.tzinfo is UTC and summer.hour == 11  # not Berlin's offset in July: UTC, same instant
    assert settle(datetime(2026, 1, 1, 9, tzinfo=berlin), berlin).tzinfo is berlin
