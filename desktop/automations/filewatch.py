"""What every folder watcher in the process shares: one watchdog observer, one quiet timer, one record
of Errand's own writes.

- :data:`hub` — ``hub.watch(folder, recursive, sink)`` registers a sink for a
  folder's file events on watchdog's native observer (inotify, FSEvents,
  ReadDirectoryChangesW), falling back to polling when the native one cannot
  watch that folder (inotify watch limit reached, a file system without
  support) or when polling is forced (``ERRAND_WATCH_POLLING=1``: network
  shares, whose changes made by other machines a native observer never sees).
  Watchers of the same folder share one watchdog watch; events fan out to their
  sinks. ``hub.timer`` is a :class:`QuietTimer`: one thread and one heap of
  deadlines for every path waiting out its quiet period, instead of a
  ``threading.Timer`` per file (500 files arriving at once would be 500
  threads). The hub starts its threads with its first user and stops and joins
  them with its last, so a process with no active watcher has no watcher
  threads. Nothing here raises into watchdog's threads: a failing sink is
  logged and skipped.
- :data:`own_writes` — the changes Errand itself is making or has made, so that
  an automation never feeds itself. Whoever applies a plan calls
  :func:`expect_own_write` before writing, moving or renaming into a path and
  :func:`note_own_write` after (or wraps the apply in :func:`own_changes`, which
  does both for every absolute path in the actions' details). A watcher skips a
  settled file whose ``(size, mtime_ns)`` is the version Errand noted, or that
  is still expected. The record is per process; across processes (``errand
  watch`` next to a manual run in another one) the journal's record of what
  each action left behind is the check, injected into a watcher as ``is_own``.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from watchdog.events import (
    DirDeletedEvent,
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

__all__ = [
    "EventSink",
    "ObserverHub",
    "OwnWrites",
    "QuietTimer",
    "WatchHandle",
    "expect_own_write",
    "hub",
    "note_own_write",
    "own_changes",
    "own_write",
    "own_writes",
]

log = logging.getLogger("errand.triggers")

EventSink = Callable[[FileSystemEvent], None]

# Only the events that can change what a file holds, and the watched folder vanishing; opens
# and reads (Errand reading an arrived file, a thumbnailer) are never delivered, so cost nothing.
EVENT_FILTER: list[type[FileSystemEvent]] = [
    FileCreatedEvent, FileModifiedEvent, FileAttribEvent, FileClosedEvent, FileMovedEvent, FileDeletedEvent,
    DirDeletedEvent,
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
        # All under the lock, so a watcher starting meanwhile waits and then starts fresh threads.
        # Safe: no observer, emitter or timer thread ever takes this lock.
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

    def revive(self, handle: WatchHandle) -> None:
        """Schedule a folder's watch afresh, for every sink on it: watchdog ends a watch whose folder
        vanishes (a share unmounted, a drive unplugged, the folder deleted), and it stays ended when the
        folder comes back."""
        folder, recursive = handle.key
        with self._lock:
            entry = self._watches.get(handle.key)
            if entry is None:
                return
            try:
                entry.observer.unschedule(entry.watch)
            except (KeyError, OSError):
                log.debug("watch on %s was already gone", folder)
            self._watches[handle.key] = self._schedule(folder, recursive, handle.polling, entry.fanout)

    def _schedule(self, folder: str, recursive: bool, force_polling: bool,
                  fanout: _FanOut | None = None) -> _Watch:
        fanout = fanout or _FanOut()
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


def _registry_key(path: str | os.PathLike[str]) -> str:
    """One spelling per file: the real parent folder plus the name (the file itself may be a symlink)."""
    parent, name = os.path.split(os.path.abspath(path))
    return os.path.normcase(os.path.join(os.path.realpath(parent), name))


class OwnWrites:
    """The changes Errand itself is making or has made, so that watchers can skip them.

    ``expect(path)`` before a write (covers the events during it, for ``window``
    seconds); ``note(path)`` after it (remembers the exact ``(size, mtime_ns)``
    produced, and ends the expectation). ``is_own`` answers for a settled version.
    """

    def __init__(self, window: float = 300.0, remember: int = 50_000) -> None:
        self.window = window
        self._remember = remember
        self._lock = threading.Lock()
        self._expected: dict[str, float] = {}
        self._versions: OrderedDict[str, tuple[int, int]] = OrderedDict()

    def expect(self, path: str | os.PathLike[str], window: float | None = None) -> None:
        until = time.monotonic() + (self.window if window is None else window)
        with self._lock:
            self._expected[_registry_key(path)] = until

    def note(self, path: str | os.PathLike[str]) -> None:
        key = _registry_key(path)
        try:
            st = os.stat(path)
        except OSError:
            version = None  # deleted or moved away: nothing left to suppress
        else:
            version = (st.st_size, st.st_mtime_ns)
        with self._lock:
            self._expected.pop(key, None)
            self._versions.pop(key, None)
            if version is not None:
                self._versions[key] = version
                while len(self._versions) > self._remember:
                    self._versions.popitem(last=False)

    def is_own(self, path: str | os.PathLike[str], size: int, mtime_ns: int) -> bool:
        key = _registry_key(path)
        now = time.monotonic()
        with self._lock:
            until = self._expected.get(key)
            if until is not None:
                if now <= until:
                    return True
                del self._expected[key]
            return self._versions.get(key) == (size, mtime_ns)

    def clear(self) -> None:
        with self._lock:
            self._expected.clear()
            self._versions.clear()


own_writes = OwnWrites()


def expect_own_write(path: str | os.PathLike[str], window: float | None = None) -> None:
    """Call before Errand writes, moves or renames into ``path``: watchers skip the change."""
    own_writes.expect(path, window)


def note_own_write(path: str | os.PathLike[str]) -> None:
    """Call after Errand wrote ``path``: watchers skip exactly the version it left there."""
    own_writes.note(path)


@contextmanager
def own_write(*paths: str | os.PathLike[str]) -> Iterator[None]:
    """Wrap one change of Errand's: expect it before, note the result after (even when it fails)."""
    for path in paths:
        own_writes.expect(path)
    try:
        yield
    finally:
        for path in paths:
            own_writes.note(path)


@contextmanager
def own_changes(actions: Iterable[Any]) -> Iterator[None]:
    """Wrap the apply of planned actions: every absolute path in their ``detail`` is an own write.

    Capability-neutral on purpose: files actions name ``path``, ``src``, ``dst``;
    whatever a capability writes to disk it names by absolute path in ``detail``.
    """
    paths = sorted({v for a in actions for v in a.detail.values() if isinstance(v, str) and os.path.isabs(v)})
    with own_write(*paths):
        yield
