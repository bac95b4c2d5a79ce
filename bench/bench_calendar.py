"""Benchmark: ``calendar.events()`` over a large .ics file, against icalendar parsing the same file.

Run: ``.venv/bin/python bench/bench_calendar.py [N]`` (default 2,000 events,
a tenth of them weekly series). The floor is the cost of reading the file at
all (``icalendar.Calendar.from_ical``) in the same run; ``events()`` adds
the grouping, the preview overlay and the expansion of repeating events over
one week. Also timed: a preview that creates 100 events then lists the week
again (the overlay's cost), and apply of those 100 creates (each rewrites
the file atomically). Printed as seconds and as ratios to the floor.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import icalendar

from capabilities.api.calendar import Calendar
from capabilities.base import Grant, RunContext

WEEK = ("2026-11-23", "2026-11-30")


def make(path: Path, n: int) -> None:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Bench//EN"]
    for i in range(n):
        day = f"2026{i % 12 + 1:02d}{i % 28 + 1:02d}"
        lines += ["BEGIN:VEVENT", f"UID:bench-{i}", "DTSTAMP:20261101T100000Z", f"SUMMARY:Event {i}",
                  f"DTSTART;TZID=Europe/Berlin:{day}T100000", f"DTEND;TZID=Europe/Berlin:{day}T110000"]
        if i % 10 == 0:
            lines.append("RRULE:FREQ=WEEKLY;COUNT=20")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


def timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.ics"
        make(path, n)
        grants = [Grant("calendar", f"ics:{path}", "rw", "Bench")]
        services = {"timezone": "Europe/Berlin"}
        floor, _ = timed(lambda: icalendar.Calendar.from_ical(path.read_text(encoding="utf-8")))
        cal = Calendar(grants, RunContext(services=services))
        listing, found = timed(lambda: cal.events(*WEEK))

        def preview() -> object:
            for i in range(100):
                cal.create(f"New {i}", "2026-11-25T12:00", "2026-11-25T12:30")
            return cal.events(*WEEK)

        planning, after = timed(preview)
        applier = Calendar(grants, RunContext(services=services))
        applying, _ = timed(lambda: [applier.perform(a) for a in cal.context.plan])

    print(f"{n} events in the file; {len(found)} occurrences in the week, {len(after)} after the preview")
    print(f"  floor: icalendar parse        {floor:7.3f} s")
    print(f"  events() over one week        {listing:7.3f} s   ×{listing / floor:5.2f} the floor")
    print(f"  preview: 100 creates + list   {planning:7.3f} s   ×{planning / floor:5.2f}")
    print(f"  apply: 100 creates            {applying:7.3f} s   ×{applying / floor:5.2f}"
          f"   ({applying / 100 * 1000:.1f} ms each: splice the text, write, fsync, rename)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
