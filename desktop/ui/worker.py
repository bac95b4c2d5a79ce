"""Run a core call off the GUI thread and hand its result back to the GUI thread (Anki's CollectionOp).

``run_task(fn, on_done=..., on_error=..., on_progress=..., on_log=...)`` runs
``fn(task)`` on the global ``QThreadPool``. The ``Task`` it receives carries a
``cancel`` event to pass to the core and ``progress``/``log`` callbacks that
the core may call from the worker thread: they are turned into queued Qt
signals, so the slots run on the GUI thread. Progress is throttled (at most
one signal every ``PROGRESS_INTERVAL`` seconds, plus the last one), so a
10,000-action apply sends a few dozen events, not 10,000, and the window
keeps repainting. The core stays Qt-free: it only sees plain callables.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal

__all__ = ["PROGRESS_INTERVAL", "Task", "run_task", "wait_for_tasks"]

PROGRESS_INTERVAL = 0.05  # seconds between two progress signals
MIN_THREADS = 4  # even on a two-core machine: most tasks wait on disks, sandboxes or a model
LOG_INTERVAL = 0.1  # log lines are batched too: a script printing 10,000 lines must not flood the GUI


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object, str)  # the exception and its formatted traceback
    progress = Signal(int, int)
    log = Signal(list)


class Task(QRunnable):
    """One core call on the pool; its signals are delivered on the thread that created it (the GUI)."""

    def __init__(self, fn: Callable[[Task], Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # Python keeps the reference (the registry below)
        self.fn = fn
        self.signals = _Signals()
        self.cancel = threading.Event()
        self.finished = threading.Event()
        self.abandoned = False  # nobody waits for its answer (a plan the person stopped waiting for)
        self._last_progress = 0.0
        self._pending_progress: tuple[int, int] | None = None
        self._lines: list[str] = []
        self._last_log = 0.0
        self._lock = threading.Lock()

    # ---- callbacks the core calls from the worker thread ---------------------------------

    def progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - self._last_progress >= PROGRESS_INTERVAL:
            self._last_progress = now
            self._pending_progress = None
            self.signals.progress.emit(done, total)
        else:
            self._pending_progress = (done, total)

    def log(self, line: str) -> None:
        with self._lock:
            self._lines.append(line)
            now = time.monotonic()
            if now - self._last_log < LOG_INTERVAL:
                return
            self._last_log = now
            lines, self._lines = self._lines, []
        self.signals.log.emit(lines)

    def _flush(self) -> None:
        with self._lock:
            lines, self._lines = self._lines, []
        if lines:
            self.signals.log.emit(lines)
        if self._pending_progress is not None:
            self.signals.progress.emit(*self._pending_progress)
            self._pending_progress = None

    # ---- the run -------------------------------------------------------------------------

    def run(self) -> None:
        try:
            try:
                result = self.fn(self)
            except BaseException as exc:  # every failure goes back to the GUI, never into Qt's event loop
                self._flush()
                self.signals.failed.emit(exc, "".join(traceback.format_exception(exc)))
            else:
                self._flush()
                self.signals.done.emit(result)
        except RuntimeError:
            pass  # the window (and the signals' receiver) went away while this ran: nobody to tell
        finally:
            self.finished.set()
            with _LOCK:
                _RUNNING.discard(self)


_RUNNING: set[Task] = set()  # tasks still running (waited for on quit)
_ALIVE: set[Task] = set()  # tasks whose result has not reached the GUI thread yet
_LOCK = threading.Lock()


def run_task(fn: Callable[[Task], Any], *, on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException, str], None] | None = None,
             on_progress: Callable[[int, int], None] | None = None,
             on_log: Callable[[list[str]], None] | None = None) -> Task:
    """Start ``fn(task)`` on the thread pool; the callbacks run on the GUI thread (queued signals)."""
    task = Task(fn)
    signals = task.signals
    queued = Qt.ConnectionType.QueuedConnection
    for signal, slot in ((signals.done, on_done), (signals.failed, on_error),
                         (signals.progress, on_progress), (signals.log, on_log)):
        if slot is not None:
            signal.connect(slot, queued)
    # Python keeps the task (and its signals object) alive until its result reached the GUI thread.
    _ALIVE.add(task)
    signals.done.connect(lambda _result, t=task: _ALIVE.discard(t), queued)
    signals.failed.connect(lambda _exc, _tb, t=task: _ALIVE.discard(t), queued)
    with _LOCK:
        _RUNNING.add(task)
    pool = QThreadPool.globalInstance()
    # A long apply holds a thread for minutes; History and Settings must still load meanwhile.
    pool.setMaxThreadCount(max(pool.maxThreadCount(), MIN_THREADS))
    pool.start(task)
    return task


def wait_for_tasks(timeout: float = 30.0) -> bool:
    """Block until every running task has finished (on quit, and in tests' teardown)."""
    deadline = time.monotonic() + timeout
    while True:
        with _LOCK:
            running = [t for t in _RUNNING if not t.abandoned]  # abandoned ones change nothing
        if not running:
            return True
        for task in running:
            if not task.finished.wait(max(0.0, deadline - time.monotonic())):
                return False
