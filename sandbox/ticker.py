"""One thread that advances the engine's epoch while any run is under way.

Each store traps (or checks its run's cancel flag and deadline) on every
tick, so the tick sets how quickly a runaway script is stopped. The thread
ends when no run is active (the next run starts it again), so an idle Errand costs nothing
and a dropped sandbox leaves no thread behind.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sandbox.runtime import Engine

__all__ = ["TICK_SECONDS", "EpochTicker"]

TICK_SECONDS = 0.01


class EpochTicker:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._active = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @contextmanager
    def active(self) -> Iterator[None]:
        """Tick for as long as the block runs (blocks may nest and overlap across threads)."""
        with self._lock:
            self._active += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="errand-epoch", daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1

    def _loop(self) -> None:
        # Ends when no run is active (the next run starts another, ~0.1 ms): a ticker left waiting
        # would outlive its sandbox and keep its engine alive.
        while True:
            with self._lock:
                if self._active == 0:
                    self._thread = None
                    return
            time.sleep(TICK_SECONDS)
            self._engine.increment_epoch()
