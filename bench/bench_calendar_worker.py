"""Benchmark: the cost of reading calendars through the decoder worker, against the same readers
run in this process.

    .venv/bin/python bench/bench_calendar_worker.py [--events 1000] [--rounds 5] [--calls 200]

In the same run, alternating so a busy machine hurts both alike:

* a 1,000-event .ics (bench_calendar.make: a tenth weekly series) listed over one week: the
  ``ics.file`` and ``ics.expand`` handlers called in this process, against
  ``calendar_reader.read_file`` + ``calendar_reader.expand`` through a warm worker (what
  ``calendar.events()`` does). Every round writes a calendar of new UIDs, so neither side's
  cache of already-read events helps;
* per call: the same for a one-event calendar, ``--calls`` times;
* per change: what ``calendar.update`` costs to read one event and change its title — the
  ``ics.facts`` and ``ics.change`` handlers in this process, against ``calendar_reader.event_facts``
  + ``calendar_reader.changed`` through the worker (answers checked), ``--calls`` times.

Prints seconds per listing and milliseconds per call as min / median / max over the rounds, and
the boundary's extra cost.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_calendar import make
from capabilities.calendars import reader as calendar_reader
from capabilities.decoding import calendars

ZONE = ZoneInfo("Europe/Berlin")
LOW, HIGH = datetime(2026, 11, 23, tzinfo=ZONE), datetime(2026, 11, 30, tzinfo=ZONE)


def _stored(text: str, facts: dict[str, list[list[int]]], zones: str) -> dict[str, str]:
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Bench//EN\r\n"
    return {key: head + zones + "".join(text[s:e] for s, e in spans) + "END:VCALENDAR\r\n"
            for key, spans in facts.items()}


def here(text: str) -> int:
    """The worker's handlers, called in this process."""
    facts = json.loads(calendars.read_file(io.BytesIO(text.encode()), {})[1])
    request = {"label": "Bench", "events": _stored(text, facts["events"], "")}
    found = json.loads(calendars.expand(io.BytesIO(json.dumps(request).encode()),
                                        {"start": LOW.isoformat(), "end": HIGH.isoformat()})[1])
    return len(found["found"])


def there(text: str) -> int:
    """What calendar.events() does: both requests through the worker, answers checked."""
    facts = calendar_reader.read_file(text, "the bench calendar")
    spans = {k: [list(s) for s in v] for k, v in facts.events.items()}
    found, _ = calendar_reader.expand("Bench", _stored(text, spans, ""), "", LOW, HIGH, ZONE)
    return len(found)


def change_here(text: str) -> str:
    """The worker's handlers for one change, called in this process."""
    json.loads(calendars.facts(io.BytesIO(json.dumps([text]).encode()), {})[1])
    request = {"text": text, "changes": {"title": "Moved"}}
    return str(json.loads(calendars.change(io.BytesIO(json.dumps(request).encode()), {})[1])["ical"])


def change_there(text: str) -> str:
    """What calendar.update does for a title: the event's facts, then the change, through the worker."""
    calendar_reader.event_facts(text, "the bench event")
    return calendar_reader.changed(text, {"title": "Moved"}, "the bench event")[0]


def _calendar(folder: Path, n: int, tag: str) -> str:
    path = folder / f"{tag}.ics"
    make(path, n)
    return path.read_text(encoding="utf-8").replace("UID:bench-", f"UID:{tag}-")


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _line(name: str, unit: str, scale: float, ours: list[float], theirs: list[float]) -> None:
    def three(values: list[float]) -> str:
        v = sorted(x * scale for x in values)
        return f"{v[0]:.3f}/{statistics.median(v):.3f}/{v[-1]:.3f}"

    extra = [t - h for h, t in zip(ours, theirs, strict=True)]
    print(f"{name:28} in-process {three(ours)} {unit}  worker {three(theirs)} {unit}  "
          f"boundary {three(extra)} {unit}  (min/median/max)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="errand-bench-calendar-") as temp:
        folder = Path(temp)
        print(f"machine load (1/5/15 min): {' / '.join(f'{x:.2f}' for x in os.getloadavg())}, "
              f"{os.cpu_count()} cores")
        there(_calendar(folder, 1, "warm"))  # start the worker
        here(_calendar(folder, 1, "warm2"))
        ours, theirs = [], []
        for r in range(args.rounds):
            mine, its = _calendar(folder, args.events, f"h{r}"), _calendar(folder, args.events, f"w{r}")
            ours.append(_timed(lambda t=mine: here(t)))
            theirs.append(_timed(lambda t=its: there(t)))
        _line(f"{args.events}-event listing", "s", 1.0, ours, theirs)
        ours, theirs = [], []
        for r in range(args.rounds):
            mine = [_calendar(folder, 1, f"h{r}-{i}") for i in range(args.calls)]  # new UIDs each round
            its = [_calendar(folder, 1, f"w{r}-{i}") for i in range(args.calls)]
            ours.append(_timed(lambda b=mine: [here(t) for t in b]) / args.calls)
            theirs.append(_timed(lambda b=its: [there(t) for t in b]) / args.calls)
        _line("one-event listing, per call", "ms", 1e3, ours, theirs)
        ours, theirs = [], []
        for r in range(args.rounds):
            mine = [_calendar(folder, 1, f"ch{r}-{i}") for i in range(args.calls)]  # new texts: no memo
            its = [_calendar(folder, 1, f"cw{r}-{i}") for i in range(args.calls)]
            ours.append(_timed(lambda b=mine: [change_here(t) for t in b]) / args.calls)
            theirs.append(_timed(lambda b=its: [change_there(t) for t in b]) / args.calls)
        _line("one-event change, per change", "ms", 1e3, ours, theirs)


if __name__ == "__main__":
    main()
