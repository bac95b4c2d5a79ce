"""How long a file waits between its arrival and its trigger, over 500 files dropped at once.

Arrival is the end of a file's last write (its ``close``); the trigger is the
moment ``FolderWatcher`` calls ``on_ready``. A watcher must wait out the quiet
period after the last write, so the quiet period is the floor: the numbers
printed are the latency, and the latency minus the quiet period (what watching
adds). Baselines measured in the same run:

- raw watchdog: the same files, from close to a plain handler receiving the
  file's close event (what inotify plus watchdog's thread cost by themselves);
- a naive debouncer with one ``threading.Timer`` per event (cancel and restart),
  the design the shared quiet-timer heap replaces: its CPU time, threads started
  and latency, against the watcher's, as ratios.

Run: ``.venv/bin/python bench/bench_triggers.py [--files 500] [--quiet 0.5]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileClosedEvent, FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.automations.triggers import FolderWatcher

CHUNKED_EVERY = 12  # one file in twelve is written slowly, in 4 chunks
CHUNKS, CHUNK_PAUSE, CHUNK_SIZE = 4, 0.03, 8192


def drop_files(folder: Path, count: int) -> dict[str, float]:
    """Write ``count`` files (some slowly, on 4 threads); return each file's arrival time (monotonic)."""
    arrived: dict[str, float] = {}
    lock = threading.Lock()

    def write(name: str, chunks: int, pause: float) -> None:
        with open(folder / name, "wb") as f:
            for _ in range(chunks):
                f.write(os.urandom(CHUNK_SIZE))
                f.flush()
                if pause:
                    time.sleep(pause)
        with lock:
            arrived[name] = time.monotonic()

    slow = [f"slow-{i:03}.bin" for i in range(0, count, CHUNKED_EVERY)]

    def write_slowly(names: list[str]) -> None:
        for name in names:
            write(name, CHUNKS, CHUNK_PAUSE)

    writers = [threading.Thread(target=write_slowly, args=(slow[k::4],)) for k in range(4)]
    for t in writers:
        t.start()
    for i in range(count - len(slow)):
        write(f"fast-{i:03}.bin", 1, 0)
    for t in writers:
        t.join()
    return arrived


def wait_for(done: Callable[[], bool], timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not done() and time.monotonic() < end:
        time.sleep(0.01)


class Clock:
    """Records the first time each file name is reported."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.at: dict[str, float] = {}
        self.calls = 0

    def hit(self, name: str) -> None:
        now = time.monotonic()
        with self.lock:
            self.calls += 1
            self.at.setdefault(name, now)


def latencies(arrived: dict[str, float], clock: Clock) -> list[float]:
    return [clock.at[n] - arrived[n] for n in arrived if n in clock.at]


def run_watcher(folder: Path, count: int, quiet: float) -> tuple[list[float], float, int, int]:
    clock = Clock()
    threads_before = threading.active_count()
    cpu = time.process_time()
    with FolderWatcher(folder, on_ready=lambda p, s, m: clock.hit(p.name), quiet_seconds=quiet):
        peak = threading.active_count() - threads_before
        arrived = drop_files(folder, count)
        wait_for(lambda: len(clock.at) >= count)
    return latencies(arrived, clock), time.process_time() - cpu, peak, clock.calls


class _Raw(FileSystemEventHandler):
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def dispatch(self, event: FileSystemEvent) -> None:
        if isinstance(event, FileClosedEvent):
            self.clock.hit(os.path.basename(os.fsdecode(event.src_path)))


class _NaiveDebouncer(FileSystemEventHandler):
    """One threading.Timer per event, restarted on every event of the same path."""

    def __init__(self, clock: Clock, quiet: float) -> None:
        self.clock, self.quiet = clock, quiet
        self.timers: dict[str, threading.Timer] = {}
        self.started = 0
        self.lock = threading.Lock()

    def dispatch(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type not in ("created", "modified", "closed"):
            return
        name = os.path.basename(os.fsdecode(event.src_path))
        with self.lock:
            old = self.timers.get(name)
            if old is not None:
                old.cancel()
            timer = threading.Timer(self.quiet, self.clock.hit, args=(name,))
            timer.daemon = True
            self.timers[name] = timer
            self.started += 1
            timer.start()

    def join(self) -> None:
        for timer in list(self.timers.values()):
            timer.join()


def run_observer(folder: Path, count: int, handler_for: Callable[[Clock], FileSystemEventHandler]
                 ) -> tuple[list[float], float, FileSystemEventHandler]:
    clock = Clock()
    handler = handler_for(clock)
    observer = Observer()
    observer.schedule(handler, str(folder))
    cpu = time.process_time()
    observer.start()
    try:
        arrived = drop_files(folder, count)
        wait_for(lambda: len(clock.at) >= count)
    finally:
        observer.stop()
        observer.join()
    if isinstance(handler, _NaiveDebouncer):
        handler.join()
    return latencies(arrived, clock), time.process_time() - cpu, handler


def describe(label: str, values: list[float], expected: int) -> str:
    ms = sorted(v * 1000 for v in values)
    missing = expected - len(ms)
    tail = f"  ({missing} never reported)" if missing else ""
    return (f"{label:<34} median {statistics.median(ms):8.1f} ms   p95 {ms[int(len(ms) * 0.95) - 1]:8.1f} ms"
            f"   worst {ms[-1]:8.1f} ms{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--quiet", type=float, default=0.5, help="quiet period in seconds")
    args = parser.parse_args()
    n, quiet = args.files, args.quiet

    with tempfile.TemporaryDirectory() as tmp:
        folders = [Path(tmp) / name for name in ("raw", "watcher", "naive")]
        for f in folders:
            f.mkdir()
        raw, _, _ = run_observer(folders[0], n, _Raw)
        ours, our_cpu, our_threads, our_calls = run_watcher(folders[1], n, quiet)
        naive, naive_cpu, naive_handler = run_observer(folders[2], n, lambda c: _NaiveDebouncer(c, quiet))

    print(f"{n} files dropped at once ({len(range(0, n, CHUNKED_EVERY))} written in {CHUNKS} chunks "
          f"{CHUNK_PAUSE * 1000:.0f} ms apart), quiet period {quiet * 1000:.0f} ms, {os.cpu_count()} cpus")
    print(describe("raw watchdog close event", raw, n))
    print(describe("FolderWatcher on_ready", ours, n))
    print(describe("FolderWatcher minus quiet period", [v - quiet for v in ours], n))
    print(describe("naive Timer-per-event debouncer", naive, n))
    print(f"FolderWatcher: {our_calls} callbacks for {n} files, {our_threads} threads in all "
          f"(observer and emitter, one quiet timer, one delivery), CPU {our_cpu:.2f} s")
    started = naive_handler.started if isinstance(naive_handler, _NaiveDebouncer) else 0
    print(f"naive debouncer: {started} Timer threads started, CPU {naive_cpu:.2f} s")
    print(f"ratios: watcher/naive CPU {our_cpu / naive_cpu:.2f}x, "
          f"median latency watcher/naive {statistics.median(ours) / statistics.median(naive):.2f}x, "
          f"worst {max(ours) / max(naive):.2f}x")


if __name__ == "__main__":
    main()
