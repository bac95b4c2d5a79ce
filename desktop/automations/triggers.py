"""Folder-watch triggers: tell an automation, once per file version, that a file has arrived and is complete.

A :class:`FolderWatcher` watches one folder (not its subfolders unless
``recursive=True``: "whenever a PDF lands in Downloads" means the folder itself,
and each watched subfolder costs an inotify watch) and calls
``on_ready(path, size, mtime_ns)`` for each matching file once it is complete:

- **Complete** means quiet: no event for the path for ``quiet_seconds`` *and* its
  ``(size, mtime_ns)`` unchanged since the last event. Every event re-arms a
  per-path deadline on the process's one quiet-timer thread
  (:mod:`desktop.automations.filewatch`), so a file written in chunks, copied slowly, moved in
  or renamed from a temporary name is reported once, after its last write.
- **Ignored names** are never reported: partial downloads and temporaries
  (``.part``, ``.crdownload``, ``.tmp``, ``.download``, ``.partial``, ``…~``),
  Office lock files (``~$…``), dot-files (so Errand's ``.errand-*`` temporaries),
  ``Thumbs.db``/``desktop.ini``, and, when recursive, anything inside a folder with
  such a name. A rename from an ignored name to a real one (``x.pdf.part`` →
  ``x.pdf``) counts as the file arriving.
- **Errand's own changes** are never reported, so an automation never feeds
  itself: see :func:`~desktop.automations.filewatch.expect_own_write`,
  :func:`~desktop.automations.filewatch.note_own_write` and
  :func:`~desktop.automations.filewatch.own_changes` (re-exported here). A skipped own write
  goes to ``on_own_write`` so the runner can mark it seen; ``is_own`` adds a check
  of the runner's choosing (the journal's record, which crosses processes).
- **Each version once**: a version handed over is not handed over again while the
  watcher lives, and ``is_seen(path, size, mtime_ns)`` (the journal's
  ``seen_files``, injected so this module does not depend on it) is asked before
  each hand-over. :meth:`FolderWatcher.catch_up`, called after :meth:`start`,
  queues the files already there that ``is_seen`` does not know, so files that
  arrived while Errand was not running are handled too; it runs again every
  ``rescan_seconds`` as a safety net for events the OS dropped (an inotify queue
  overflow is otherwise silent). An ``is_seen`` that ignores the version gives
  "each file once" instead of "each version once".
- **A folder that vanishes** (a share unmounted, a drive unplugged) sets
  ``stats.folder_missing`` for the runner to report; the next rescan after it
  comes back watches it again and catches up on what arrived meanwhile.

Events: ``"created"`` (a new name appears: created, moved in, renamed from an
ignored name), ``"moved"`` (an existing matching file renamed within the folder),
``"modified"`` (an existing file rewritten). An event on a path already waiting
out its quiet period only re-arms it, whatever its kind; a file renamed while
waiting keeps waiting under its new name. ``pattern`` is a glob (or several)
matched case-insensitively against the file name.

Threads: watchdog's observer thread runs the event handler (a stat and a heap
update; it never raises); the quiet-timer thread checks stability; each watcher
has one delivery thread, and **every callback** (``on_ready``, ``is_seen``,
``is_own``, ``on_own_write``) runs on it, one file at a time in the order files
settled: a slow automation delays only itself, and a callback may use a
thread-bound SQLite connection. A failing callback is logged and counted in
:attr:`FolderWatcher.stats` (the file counts as handed over for this session; it
is still unseen, so the next start's catch-up offers it again). :meth:`stop` lets
a running ``on_ready`` finish, drops files still queued (unseen, so caught up
next time), joins the delivery thread and releases the shared observer.

Plugging in the automation runner (``tests/test_triggers_journal.py`` does this)::

    watcher = FolderWatcher(a["watch_dir"], pattern=a["pattern"], events=a["events"],
                            on_ready=run_once,  # claims the version with journal.mark_seen, then runs
                            is_seen=lambda p, s, m: journal.is_seen(a["id"], p, s, m),
                            on_own_write=lambda p, s, m: journal.mark_seen(a["id"], p, s, m, status="own"))
    with watcher:
        watcher.catch_up()
        ...
    # and around every apply and undo, manual or triggered:
    with own_changes(plan):
        apply_plan(journal, run_id, plan, capabilities)
"""

from __future__ import annotations

import logging
import os
import queue
import stat
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from watchdog.events import DirDeletedEvent, FileDeletedEvent, FileMovedEvent, FileSystemEvent

from desktop.automations.filewatch import (
    OwnWrites,
    WatchHandle,
    expect_own_write,
    hub,
    note_own_write,
    own_changes,
    own_write,
    own_writes,
)
from desktop.core.saved_automations import EVENT_KINDS, is_ignored_name, name_matches

__all__ = [
    "EVENT_KINDS",
    "FolderWatcher",
    "OwnWrites",
    "WatchStats",
    "expect_own_write",
    "is_ignored_name",
    "note_own_write",
    "own_changes",
    "own_write",
    "own_writes",
]

log = logging.getLogger("errand.triggers")


FileCallback = Callable[[Path, int, int], object]  # what it returns is ignored
FileCheck = Callable[[Path, int, int], bool]
Version = tuple[int, int]
Item = tuple[str, int, int] | Callable[[], None] | None  # a file to hand over, a job, or "stop"
RESCAN = "\0rescan"  # the timer key's path slot for a watcher's periodic rescan


@dataclass
class WatchStats:
    """What a watcher has done since it was made; errors are failures caught in callbacks and handlers."""

    reported: int = 0
    own_writes: int = 0
    already_seen: int = 0
    caught_up: int = 0
    revived: int = 0
    folder_missing: bool = False
    errors: int = 0
    last_error: str | None = None


class FolderWatcher:
    """Watches one folder and hands each complete, matching, unseen file version to ``on_ready`` once.

    ``on_ready(path, size, mtime_ns)``: a file is ready (delivery thread).
    ``is_seen(path, size, mtime_ns)``: this version was handled before (default: never).
    ``is_own(path, size, mtime_ns)``: Errand made this version, beyond the process record.
    ``on_own_write(path, size, mtime_ns)``: an own write was skipped.
    ``rescan_seconds``: how often to repeat the catch-up scan (None: never).
    ``force_polling``: poll instead of using the native observer (network shares).
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        on_ready: FileCallback,
        pattern: str | Sequence[str] = "*",
        events: Iterable[str] = EVENT_KINDS,
        quiet_seconds: float = 2.0,
        is_seen: FileCheck | None = None,
        is_own: FileCheck | None = None,
        on_own_write: FileCallback | None = None,
        recursive: bool = False,
        rescan_seconds: float | None = 300.0,
        force_polling: bool = False,
        name: str | None = None,
    ) -> None:
        self.folder = Path(folder).expanduser().resolve()
        self.events = frozenset(events)
        unknown = self.events - set(EVENT_KINDS)
        if unknown:
            raise ValueError(f"unknown event kinds {sorted(unknown)}; use some of {list(EVENT_KINDS)}")
        self.patterns = tuple(p.lower() for p in ([pattern] if isinstance(pattern, str) else pattern))
        self.quiet_seconds = quiet_seconds
        self.recursive = recursive
        self.rescan_seconds = rescan_seconds
        self.force_polling = force_polling
        self.name = name or self.folder.name
        self.stats = WatchStats()
        self._on_ready = on_ready
        self._is_seen = is_seen
        self._is_own = is_own
        self._on_own_write = on_own_write
        self._root = str(self.folder)
        self._lock = threading.Lock()
        self._generation = 0
        self._running = False
        self._handle: WatchHandle | None = None
        self._pending: dict[str, Version | None] = {}  # path -> version at its last event
        self._queued: set[tuple[str, int, int]] = set()
        self._reported: dict[str, Version] = {}  # path -> last version handed over, seen or own
        self._queue: queue.SimpleQueue[Item] = queue.SimpleQueue()
        self._deliverer: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._running

    @property
    def polling(self) -> bool:
        """True when this folder is polled rather than watched natively."""
        return self._handle is not None and self._handle.polling

    def start(self) -> Self:
        """Begin watching; call :meth:`catch_up` afterwards to pick up files already there."""
        if not self.folder.is_dir():
            raise FileNotFoundError(f"cannot watch {self.folder}: it is not a folder")
        with self._lock:
            if self._running:
                return self
            self._running = True
            self._generation += 1
            self._queue = queue.SimpleQueue()
        hub.acquire()
        try:
            self._handle = hub.watch(self._root, self.recursive, self._on_event,
                                     force_polling=self.force_polling)
        except BaseException:
            with self._lock:
                self._running = False
            hub.release()
            raise
        self._deliverer = threading.Thread(
            target=self._deliver_loop, args=(self._queue,), name=f"errand-deliver-{self.name}", daemon=True)
        self._deliverer.start()
        if self.rescan_seconds:
            hub.timer.touch((self, self._generation, RESCAN), self.rescan_seconds, self._rescan_due)
        return self

    def stop(self) -> None:
        """Stop watching, join the delivery thread; files not yet handed over are dropped (still unseen)."""
        with self._lock:
            if not self._running:
                return
            self._running = False
            keys = [(self, self._generation, p) for p in [*self._pending, RESCAN]]
            self._pending.clear()
            self._queued.clear()
            self._queue.put(None)
        if self._handle is not None:
            hub.unwatch(self._handle)
            self._handle = None
        for key in keys:
            hub.timer.cancel(key)
        deliverer, self._deliverer = self._deliverer, None
        if deliverer is not None and deliverer is not threading.current_thread():
            deliverer.join()
        hub.release()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- what counts ---------------------------------------------------------------

    def matches(self, path: str) -> bool:
        """True if ``path`` is a file this watcher would report: inside, not ignored, matching the pattern."""
        parent, name = os.path.split(path)
        if self.recursive:
            rel = os.path.relpath(path, self._root)
            if rel.startswith(os.pardir) or any(is_ignored_name(p) for p in rel.split(os.sep)):
                return False
        elif parent != self._root:
            return False
        return name_matches(name, self.patterns)

    def catch_up(self) -> list[Path]:
        """Queue the matching files present that are neither seen nor Errand's own; return them.

        They go through the same quiet check as new arrivals, so one still being
        written when Errand starts is reported once it is complete. Runs on the
        delivery thread (so ``is_seen`` always does), after what is queued already.
        """
        if threading.current_thread() is self._deliverer:
            return self._catch_up()
        result: Future[list[Path]] = Future()

        def job() -> None:
            try:
                result.set_result(self._catch_up())
            except BaseException as exc:
                result.set_exception(exc)

        with self._lock:
            if not self._running:
                return []
            self._queue.put(job)
        return result.result()

    def _catch_up(self) -> list[Path]:
        if not self.folder.is_dir():
            self._folder_gone()
            return []
        found: list[Path] = []
        for path, version in self._scan():
            with self._lock:
                if not self._running:
                    break
                last = self._reported.get(path)
                if path in self._pending or (path, *version) in self._queued or last == version \
                        or (last is not None and "modified" not in self.events):
                    continue
            if self._skip(path, version):
                continue
            self._arm(path, version)
            found.append(Path(path))
        with self._lock:
            self.stats.caught_up += len(found)
        return found

    def _scan(self) -> Iterator[tuple[str, Version]]:
        folders = [self._root]
        while folders:
            try:
                entries = list(os.scandir(folders.pop()))
            except OSError as exc:
                self._error(f"cannot list folder: {exc}")
                continue
            for entry in sorted(entries, key=lambda e: e.name):
                try:
                    if self.recursive and entry.is_dir(follow_symlinks=False):
                        if not is_ignored_name(entry.name):
                            folders.append(entry.path)
                        continue
                    st = entry.stat()
                except OSError:
                    continue  # vanished while listing
                if stat.S_ISREG(st.st_mode) and self.matches(entry.path):
                    yield entry.path, (st.st_size, st.st_mtime_ns)

    def _skip(self, path: str, version: Version) -> bool:
        """True if this version must not be handed over: Errand made it, or it was handled before."""
        if own_writes.is_own(path, *version) or self._ask(self._is_own, path, version):
            with self._lock:
                self.stats.own_writes += 1
                self._reported[path] = version
            self._call(self._on_own_write, path, version)
            return True
        if self._ask(self._is_seen, path, version):
            with self._lock:
                self.stats.already_seen += 1
                self._reported[path] = version
            return True
        return False

    def _ask(self, check: FileCheck | None, path: str, version: Version) -> bool:
        if check is None:
            return False
        try:
            return bool(check(Path(path), *version))
        except Exception as exc:
            # The runner's own record is the last word; asking again beats losing the file.
            self._error(f"checking {path}: {exc!r}")
            return False

    # -- events (observer thread) ------------------------------------------------

    def _on_event(self, event: FileSystemEvent) -> None:
        try:
            src = os.fsdecode(event.src_path)
            if event.is_directory:
                if isinstance(event, DirDeletedEvent) and src == self._root:
                    self._folder_gone()
                return
            if isinstance(event, FileMovedEvent):
                dest = os.fsdecode(event.dest_path)
                was_waiting = self._forget(src)
                self._touch(dest, "moved" if self.matches(src) else "created", carry=was_waiting)
            elif isinstance(event, FileDeletedEvent):
                self._forget(src)
            else:
                self._touch(src, "created" if event.event_type == "created" else "modified")
        except Exception as exc:
            self._error(f"handling {event!r}: {exc!r}")

    def _touch(self, path: str, kind: str, *, carry: bool = False) -> None:
        """Start or extend a path's quiet period; ``carry``: it was waiting under its name before a rename."""
        if not self.matches(path):
            return
        try:
            st = os.stat(path)
            version: Version | None = (st.st_size, st.st_mtime_ns)
        except OSError:
            version = None
        with self._lock:
            # Decided under the lock: a path that settles meanwhile counts as new again.
            if not self._running or (path not in self._pending and not carry and kind not in self.events):
                return
            self._pending[path] = version
            key = (self, self._generation, path)
        hub.timer.touch(key, self.quiet_seconds, self._due)

    def _arm(self, path: str, version: Version) -> None:
        with self._lock:
            if not self._running:
                return
            self._pending[path] = version
            key = (self, self._generation, path)
        hub.timer.touch(key, self.quiet_seconds, self._due)

    def _forget(self, path: str) -> bool:
        """Drop what is known about a path that is gone; True if it was still waiting to be reported."""
        with self._lock:
            waiting = path in self._pending
            self._pending.pop(path, None)
            self._reported.pop(path, None)
            key = (self, self._generation, path)
        hub.timer.cancel(key)
        return waiting

    # -- settling (timer thread) ---------------------------------------------------

    def _due(self, key: Hashable) -> None:
        assert isinstance(key, tuple)  # the timer hands back the (watcher, generation, path) armed here
        _, generation, path = key
        try:
            st = os.stat(path)
            version: Version | None = (st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else None
        except OSError:
            version = None
        with self._lock:
            if generation != self._generation or not self._running or path not in self._pending:
                return
            before = self._pending[path]
            if version is None:
                del self._pending[path]  # gone (or not a regular file): nothing to report
                return
            if version != before:
                self._pending[path] = version  # still changing: wait another quiet period
                hub.timer.touch(key, self.quiet_seconds, self._due)
                return
            del self._pending[path]
            item = (path, *version)
            if item in self._queued or self._reported.get(path) == version:
                return
            self._queued.add(item)
            self._queue.put(item)

    def _rescan_due(self, key: Hashable) -> None:
        assert isinstance(key, tuple)  # (watcher, generation, RESCAN), armed here
        if not self.rescan_seconds:
            return
        with self._lock:
            if key[1] != self._generation or not self._running:
                return
            self._queue.put(self._rescan)
        hub.timer.touch(key, self.rescan_seconds, self._rescan_due)

    def _rescan(self) -> None:
        handle = self._handle
        if self.stats.folder_missing and self.folder.is_dir() and handle is not None:
            hub.revive(handle)  # watchdog ended the watch when the folder went; it is back
            with self._lock:
                self.stats.folder_missing = False
                self.stats.revived += 1
            log.info("watcher %s: %s is back; watching it again", self.name, self.folder)
        found = self._catch_up()
        if found:
            log.info("watcher %s: a rescan found %d file(s) no event announced", self.name, len(found))

    # -- delivery (the watcher's own thread) ------------------------------------------

    def _deliver_loop(self, inbox: queue.SimpleQueue[Item]) -> None:
        while True:
            item = inbox.get()
            if item is None:
                return
            if callable(item):
                try:
                    item()  # a catch-up or rescan; once stopping it finds nothing and returns at once
                except Exception as exc:
                    self._error(f"rescan failed: {exc!r}")
                continue
            if self._running:
                self._deliver(*item)
            with self._lock:
                self._queued.discard(item)

    def _deliver(self, path: str, size: int, mtime_ns: int) -> None:
        version = (size, mtime_ns)
        if self._skip(path, version):
            return
        ok = self._call(self._on_ready, path, version)
        with self._lock:
            self._reported[path] = version
            self.stats.reported += ok

    def _call(self, callback: FileCallback | None, path: str, version: Version) -> bool:
        if callback is None:
            return True
        try:
            callback(Path(path), *version)
            return True
        except Exception as exc:
            log.exception("watcher %s: callback failed for %s", self.name, path)
            self._error(f"{path}: {exc!r}")
            return False

    def _folder_gone(self) -> None:
        with self._lock:
            if self.stats.folder_missing:
                return
            self.stats.folder_missing = True
        log.warning("watcher %s: %s is gone; watching it again if it comes back", self.name, self.folder)

    def _error(self, message: str) -> None:
        log.warning("watcher %s: %s", self.name, message)
        with self._lock:
            self.stats.errors += 1
            self.stats.last_error = message
