"""The machinery under folder-watch triggers: one shared watchdog observer and one quiet-timer thread.

Every :class:`~desktop.triggers.FolderWatcher` in the process goes through the
module-level :data:`hub`, so ten automations cost one observer thread and one
timer thread, not ten of each:

- ``hub.watch(folder, recursive, sink)`` registers a sink for a folder's file
  events on watchdog's native observer (inotify, FSEvents, ReadDirectoryChangesW),
  falling back to polling when the native one cannot watch that folder (inotify
  watch limit reached, a file system that does not support it) or when polling
  is forced (``ERRAND_WATCH_POLLING=1``: network shares, whose changes made by
  other machines a native observer never sees). Watchers of the same folder
  share one watchdog watch; events fan out to their sinks.
- ``hub.timer`` is a :class:`QuietTimer`: one thread and one heap of deadlines
  for every path waiting out its quiet period, instead of a ``threading.Timer``
  per file (500 files arriving at once would be 500 threads).

The hub starts its threads when the first watch is added and stops and joins
them when the last one is removed, so a process with no active watcher has no
watcher threads at all. Nothing here raises into watchdog's threads: a sink
that fails is logged and skipped.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from watchdog.events import (
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

__all__ = ["EventSink", "ObserverHub", "QuietTimer", "WatchHandle", "hub"]

log = logging.getLogger("errand.triggers")

EventSink = Callable[[FileSystemEvent], None]

# Only the events that can change what a file holds; opens and reads (Errand reading
# an arrived file, a thumbnailer) are never delivered, so they cost nothing.
EVENT_FILTER: list[type[FileSystemEvent]] = [
    FileCreatedEvent, FileModifiedEvent, FileAttribEvent, FileClosedEvent, FileMovedEvent, FileDeletedEvent,
]


class QuietTimer:
    """Calls ``callback(key)`` once a key has gone ``delay`` seconds without being touched.

    ``touch`` (re)arms a key; touching an armed key only moves its deadline, so the
    heap holds at most one entry per key however many events arrive. Callbacks run
    on the timer's single thread, outside its lock, and may touch keys again.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Hashable]] = []
        self._armed: dict[Hashable, tuple[float, Callable[[Hashable], None]]] = {}
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def start(self) -> None:
        with self._cond:
            if self._thread is not None:
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="errand-quiet-timer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._cond:
            thread, self._thread = self._thread, None
            self._stopping = True
            self._heap.clear()
            self._armed.clear()
            self._cond.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def touch(self, key: Hashable, delay: float, callback: Callable[[Hashable], None]) -> None:
        deadline = time.monotonic() + delay
        with self._cond:
            previous = self._armed.get(key)
            self._armed[key] = (deadline, callback)
            # An armed key already has a heap entry, which re-pushes itself when it pops early.
            if previous is None or deadline < previous[0]:
                heapq.heappush(self._heap, (deadline, next(self._seq), key))
                self._cond.notify()

    def cancel(self, key: Hashable) -> None:
        with self._cond:
            self._armed.pop(key, None)

    def pending(self) -> int:
        with self._cond:
            return len(self._armed)

    def _run(self) -> None:
        while True:
            with self._cond:
                due = self._next_due()
                if due is None:
                    return
            key, callback = due
            try:
                callback(key)
            except Exception:
                log.exception("quiet-timer callback failed for %r", key)

    def _next_due(self) -> tuple[Hashable, Callable[[Hashable], None]] | None:
        """Wait (holding the condition) for the next key whose deadline has passed; None when stopping."""
        while not self._stopping:
            if not self._heap:
                self._cond.wait()
                continue
            when, _, key = self._heap[0]
            now = time.monotonic()
            if when > now:
                self._cond.wait(when - now)
                continue
            heapq.heappop(self._heap)
            armed = self._armed.get(key)
            if armed is None or armed[0] < when:
                continue  # cancelled, or a stale entry left behind by an earlier deadline
            if armed[0] > when:
                heapq.heappush(self._heap, (armed[0], next(self._seq), key))
                continue
            del self._armed[key]
            return key, armed[1]
        return None


class _FanOut(FileSystemEventHandler):
    """The one watchdog handler of a watch: passes each event to every sink, never raising."""

    def __init__(self) -> None:
        self.sinks: list[EventSink] = []

    def dispatch(self, event: FileSystemEvent) -> None:
        for sink in list(self.sinks):
            try:
                sink(event)
            except Exception:
                log.exception("folder-watch handler failed on %r", event)


@dataclass
class _Watch:
    observer: BaseObserver
    watch: ObservedWatch
    fanout: _FanOut = field(default_factory=_FanOut)


@dataclass(frozen=True)
class WatchHandle:
    """What ``hub.watch`` returns, to pass back to ``hub.unwatch``; ``polling``: served by polling."""

    key: tuple[str, bool]
    sink: EventSink
    polling: bool


class ObserverHub:
    """The process's shared observers and quiet timer, started on first use and joined on last release."""

    def __init__(self, poll_interval: float = 1.0) -> None:
        self.poll_interval = poll_interval
        self.timer = QuietTimer()
        self._lock = threading.RLock()
        self._native: BaseObserver | None = None
        self._polling: BaseObserver | None = None
        self._watches: dict[tuple[str, bool], _Watch] = {}
        self._users = 0

    def acquire(self) -> None:
        """Count one more user (a started watcher); the first one starts the timer thread."""
        with self._lock:
            self._users += 1
            if self._users == 1:
                self.timer.start()

    def release(self) -> None:
        """Count one user fewer; the last one stops and joins every thread the hub started."""
        with self._lock:
            self._users -= 1
            if self._users > 0:
                return
            self._users = 0
            observers = [o for o in (self._native, self._polling) if o is not None]
            self._native = self._polling = None
            self._watches.clear()
        for observer in observers:
            observer.stop()
        for observer in observers:
            observer.join()
        self.timer.stop()

    def watch(self, folder: str, recursive: bool, sink: EventSink, *,
              force_polling: bool = False) -> WatchHandle:
        """Deliver file events under ``folder`` to ``sink`` (on an observer thread) until ``unwatch``."""
        key = (folder, recursive)
        with self._lock:
            entry = self._watches.get(key)
            if entry is None:
                entry = self._schedule(folder, recursive, force_polling)
                self._watches[key] = entry
            entry.fanout.sinks.append(sink)
            return WatchHandle(key, sink, entry.observer is self._polling)

    def unwatch(self, handle: WatchHandle) -> None:
        with self._lock:
            entry = self._watches.get(handle.key)
            if entry is None or handle.sink not in entry.fanout.sinks:
                return
            entry.fanout.sinks.remove(handle.sink)
            if entry.fanout.sinks:
                return
            del self._watches[handle.key]
            try:
                entry.observer.unschedule(entry.watch)
            except (KeyError, OSError):
                log.debug("watch on %s was already gone", handle.key[0])

    def _schedule(self, folder: str, recursive: bool, force_polling: bool) -> _Watch:
        fanout = _FanOut()
        if not force_polling and not _polling_forced():
            try:
                observer = self._observer(polling=False)
                watch = observer.schedule(fanout, folder, recursive=recursive, event_filter=EVENT_FILTER)
                return _Watch(observer, watch, fanout)
            except OSError as exc:
                log.warning("cannot watch %s natively (%s); polling it every %.1f s instead",
                            folder, exc, self.poll_interval)
        observer = self._observer(polling=True)
        watch = observer.schedule(fanout, folder, recursive=recursive, event_filter=EVENT_FILTER)
        return _Watch(observer, watch, fanout)

    def _observer(self, *, polling: bool) -> BaseObserver:
        if polling:
            if self._polling is None:
                self._polling = PollingObserver(timeout=self.poll_interval)
                self._polling.name = "errand-watch-polling"
                self._polling.start()
            return self._polling
        if self._native is None:
            self._native = Observer()
            self._native.name = "errand-watch"
            self._native.start()
        return self._native


def _polling_forced() -> bool:
    return os.environ.get("ERRAND_WATCH_POLLING", "").strip().lower() in {"1", "true", "yes"}


hub = ObserverHub()
