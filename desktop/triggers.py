"""Folder-watch triggers: tell an automation, once per file version, that a file has arrived and is complete.

A :class:`FolderWatcher` watches one folder (not its subfolders unless
``recursive=True``; a chore such as "whenever a PDF lands in Downloads" means the
folder itself, and each watched subfolder costs an inotify watch) and calls
``on_ready(path, size, mtime_ns)`` for each matching file once it is complete:

- **Complete** means quiet: no event for the path for ``quiet_seconds`` *and* its
  ``(size, mtime_ns)`` unchanged since the last event. Every event re-arms a
  per-path deadline on the process's single quiet-timer thread
  (:mod:`desktop.filewatch`), so a file written in chunks, copied slowly, moved in
  or renamed from a temporary name is reported once, after its last write.
- **Ignored names** are never reported: partial downloads and temporary files
  (``.part``, ``.crdownload``, ``.tmp``, ``.download``, ``.partial``), Office lock
  files (``~$…``), dot-files, Errand's own temporaries (``.errand-*``), and, when
  recursive, anything inside such a folder. A rename from an ignored name to a
  real one (``x.pdf.part`` → ``x.pdf``) counts as the file arriving.
- **Errand's own changes** are never reported, so an automation never feeds
  itself: the apply engine calls :func:`expect_own_write` before it writes, moves
  or renames into a path and :func:`note_own_write` after; a settled file whose
  ``(size, mtime_ns)`` is the one Errand noted (or that is still expected, within
  a window) is skipped and passed to ``on_own_write`` so the runner can mark it
  seen. The registry is process-wide: every watcher sees every write.
- **Each version once**: a version already handed over is not handed over again
  while the watcher lives, and ``is_seen(path, size, mtime_ns)`` (the journal's
  ``seen_files``, injected so this module does not depend on it) is asked before
  each hand-over. :meth:`FolderWatcher.catch_up`, called after :meth:`start`,
  queues the files already in the folder that ``is_seen`` does not know, so files
  that arrived while Errand was not running are handled too. An ``is_seen`` that
  ignores the version gives "each file once" instead of "each version once".

Events: ``"created"`` (a new name appears: created, moved in, renamed from an
ignored name), ``"moved"`` (an existing matching file renamed within the folder),
``"modified"`` (an existing file rewritten). Events on a path already waiting out
its quiet period only re-arm it, whatever their kind. ``pattern`` is a glob (or
several) matched case-insensitively against the file name.

Threads: watchdog's observer thread runs the event handler (cheap: a stat and a
heap update, never raising); the quiet-timer thread checks stability; each
watcher has one delivery thread that calls ``on_ready``, one file at a time in the
order they settled, so a slow automation delays only itself. An exception in a
callback is logged and counted in :attr:`FolderWatcher.stats`, never raised into
a watchdog thread. :meth:`stop` joins the delivery thread (letting a running
``on_ready`` finish, dropping files still queued: they are unseen, so the next
catch-up finds them) and releases the shared observer, which stops when its last
watcher does.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import queue
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from watchdog.events import FileDeletedEvent, FileMovedEvent, FileSystemEvent

from desktop.filewatch import WatchHandle, hub

__all__ = [
    "EVENT_KINDS",
    "FolderWatcher",
    "OwnWrites",
    "WatchStats",
    "expect_own_write",
    "is_ignored_name",
    "note_own_write",
    "own_write",
    "own_writes",
]

log = logging.getLogger("errand.triggers")

EVENT_KINDS = ("created", "moved", "modified")
TEMP_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", ".opdownload", "~")
SYSTEM_NAMES = frozenset({"thumbs.db", "desktop.ini", "icon\r"})

ReadyCallback = Callable[[Path, int, int], None]
SeenCallback = Callable[[Path, int, int], bool]
Version = tuple[int, int]


def is_ignored_name(name: str) -> bool:
    """True for names that are never a finished file of the person's: partials, temporaries, locks, hidden."""
    lowered = name.lower()
    return (
        name.startswith((".", "~$"))
        or lowered.endswith(TEMP_SUFFIXES)
        or lowered in SYSTEM_NAMES
    )


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
        self._versions: OrderedDict[str, Version] = OrderedDict()

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


@dataclass
class WatchStats:
    """What a watcher has done since it was made; errors are failures caught in callbacks and handlers."""

    reported: int = 0
    own_writes: int = 0
    already_seen: int = 0
    errors: int = 0
    last_error: str | None = None


class FolderWatcher:
    """Watches one folder and hands each complete, matching, unseen file to ``on_ready`` once.

    ``on_ready(path, size, mtime_ns)`` runs on the watcher's delivery thread.
    ``is_seen(path, size, mtime_ns)`` says a version was handled before (default:
    never). ``on_own_write(path, size, mtime_ns)`` hears about skipped own writes.
    ``force_polling`` polls instead of using the native observer (network shares).
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        on_ready: ReadyCallback,
        pattern: str | Sequence[str] = "*",
        events: Iterable[str] = EVENT_KINDS,
        quiet_seconds: float = 2.0,
        is_seen: SeenCallback | None = None,
        on_own_write: ReadyCallback | None = None,
        recursive: bool = False,
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
        self.force_polling = force_polling
        self.name = name or self.folder.name
        self.stats = WatchStats()
        self._on_ready = on_ready
        self._is_seen = is_seen
        self._on_own_write = on_own_write
        self._root = str(self.folder)
        self._lock = threading.Lock()
        self._generation = 0
        self._running = False
        self._handle: WatchHandle | None = None
        self._pending: dict[str, Version | None] = {}
        self._queued: set[tuple[str, int, int]] = set()
        self._reported: dict[str, Version] = {}
        self._queue: queue.SimpleQueue[tuple[str, int, int] | None] = queue.SimpleQueue()
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
        return self

    def stop(self) -> None:
        """Stop watching, join the delivery thread; files not yet handed over are dropped (still unseen)."""
        with self._lock:
            if not self._running:
                return
            self._running = False
            waiting = [(self._generation, p) for p in self._pending]
            self._pending.clear()
            self._queued.clear()
        if self._handle is not None:
            hub.unwatch(self._handle)
            self._handle = None
        for key in waiting:
            hub.timer.cancel((self, *key))
        self._queue.put(None)
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
            parts = rel.split(os.sep)
            if rel.startswith(os.pardir) or any(is_ignored_name(p) for p in parts):
                return False
        elif parent != self._root or is_ignored_name(name):
            return False
        lowered = name.lower()
        return any(fnmatch.fnmatchcase(lowered, p) for p in self.patterns)

    def catch_up(self) -> list[Path]:
        """Queue the matching files already present that are neither seen nor Errand's own; return them.

        They go through the same quiet check as new arrivals, so one still being
        written when Errand starts is reported when it is complete.
        """
        found: list[Path] = []
        for path, version in self._scan():
            with self._lock:
                if not self._running:
                    break
                if path in self._pending or (path, *version) in self._queued \
                        or self._reported.get(path) == version:
                    continue
            if self._skip(path, version):
                continue
            self._arm(path, version, new=True)
            found.append(Path(path))
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
        """True if this version must not be handed over: Errand wrote it, or it was handled before."""
        if own_writes.is_own(path, *version):
            with self._lock:
                self.stats.own_writes += 1
                self._reported[path] = version
            self._call(self._on_own_write, path, version)
            return True
        if self._is_seen is not None:
            try:
                seen = self._is_seen(Path(path), *version)
            except Exception as exc:
                # The runner's own record is the last word; asking again beats losing the file.
                self._error(f"is_seen failed for {path}: {exc!r}")
                seen = False
            if seen:
                with self._lock:
                    self.stats.already_seen += 1
                    self._reported[path] = version
                return True
        return False

    # -- events (observer thread) ------------------------------------------------

    def _on_event(self, event: FileSystemEvent) -> None:
        try:
            if event.is_directory:
                return
            src = os.fsdecode(event.src_path)
            if isinstance(event, FileMovedEvent):
                dest = os.fsdecode(event.dest_path)
                # A file renamed while waiting out its quiet period keeps waiting under its new name.
                was_waiting = self._forget(src)
                self._touch(dest, "moved" if self.matches(src) else "created", carry=was_waiting)
            elif isinstance(event, FileDeletedEvent):
                self._forget(src)
            else:
                self._touch(src, "created" if event.event_type == "created" else "modified")
        except Exception as exc:
            self._error(f"handling {event!r}: {exc!r}")

    def _touch(self, path: str, kind: str, *, carry: bool = False) -> None:
        if not self.matches(path):
            return
        with self._lock:
            if not self._running:
                return
            known = path in self._pending
        if not (known or carry) and kind not in self.events:
            return
        try:
            st = os.stat(path)
            version: Version | None = (st.st_size, st.st_mtime_ns)
        except OSError:
            version = None
        self._arm(path, version, new=not known)

    def _arm(self, path: str, version: Version | None, *, new: bool) -> None:
        with self._lock:
            if not self._running or (not new and path not in self._pending):
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

    def _due(self, key: object) -> None:
        _, generation, path = key  # type: ignore[misc]
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
                hub.timer.touch(key, self.quiet_seconds, self._due)  # type: ignore[arg-type]
                return
            del self._pending[path]
            item = (path, *version)
            if item in self._queued or self._reported.get(path) == version:
                return
            self._queued.add(item)
            self._queue.put(item)

    # -- delivery (the watcher's own thread) ------------------------------------------

    def _deliver_loop(self, inbox: queue.SimpleQueue[tuple[str, int, int] | None]) -> None:
        while True:
            item = inbox.get()
            if item is None or not self._running:
                return
            path, size, mtime_ns = item
            version = (size, mtime_ns)
            if not self._skip(path, version):
                if self._call(self._on_ready, path, version):
                    with self._lock:
                        self.stats.reported += 1
                with self._lock:
                    self._reported[path] = version
            with self._lock:
                self._queued.discard(item)

    def _call(self, callback: ReadyCallback | None, path: str, version: Version) -> bool:
        if callback is None:
            return True
        try:
            callback(Path(path), *version)
            return True
        except Exception as exc:
            log.exception("automation callback failed for %s", path)
            self._error(f"{path}: {exc!r}")
            return False

    def _error(self, message: str) -> None:
        log.warning("watcher %s: %s", self.name, message)
        with self._lock:
            self.stats.errors += 1
            self.stats.last_error = message
