"""Model requests that can be stopped at once: each runs on one background event loop, not in its caller.

A blocking HTTP request cannot be interrupted from another thread: Stop and
Quit would wait for the provider's answer or its timeout (a minute). So
``desktop.core.llm`` hands each request to ``wait_for`` as a coroutine; it runs on
one asyncio loop in a daemon thread while the caller waits, checking its
``cancel`` event. Stopping cancels the coroutine, and the HTTP client closes
the request's connection as it unwinds (the server sees it go); the caller
gets ``ModelCancelled`` at once. ``abandon_all`` does this for every pending
request (on Quit). The loop's thread is a daemon: it never keeps the process
alive. This module knows nothing of litellm; it only runs what it is given.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from desktop.core.errors import ModelCancelled

__all__ = ["LOOP_THREAD", "Cancel", "InlineExecutor", "abandon_all", "wait_for"]

LOOP_THREAD = "errand-model-requests"  # one event loop for every model request, as long as Errand runs

POLL = 0.05  # seconds between two looks at the cancel event: Stop feels immediate


class Cancel(Protocol):
    def is_set(self) -> bool: ...


class InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """An executor that runs each job at once, in the submitting thread, and starts no thread.

    The loop's default executor (litellm's async path hands its short
    synchronous set-up to it) and litellm's logging pool: a real pool would
    leave idle non-daemon threads behind, whose workers never end.
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to whoever waits, as a pool would: never raised here
            future.set_exception(exc)
        return future


_LOCK = threading.Lock()
_LOOP: asyncio.AbstractEventLoop | None = None
_PENDING: set[concurrent.futures.Future[Any]] = set()


def _loop() -> asyncio.AbstractEventLoop:
    global _LOOP
    with _LOCK:
        if _LOOP is None:
            loop = asyncio.new_event_loop()
            loop.set_default_executor(InlineExecutor(max_workers=1))
            threading.Thread(target=loop.run_forever, name=LOOP_THREAD, daemon=True).start()
            _LOOP = loop
        return _LOOP


def wait_for(coroutine: Coroutine[Any, Any, Any], cancel: Cancel | None = None) -> Any:
    """Run ``coroutine`` on the request loop and return its result (or raise its exception).

    Raises ``ModelCancelled`` as soon as ``cancel`` is set or ``abandon_all`` is called,
    after cancelling the coroutine (which closes its connection).
    """
    future = asyncio.run_coroutine_threadsafe(coroutine, _loop())
    with _LOCK:
        _PENDING.add(future)
    try:
        while True:
            done, _ = concurrent.futures.wait([future], timeout=POLL)
            if future.cancelled():
                raise _cancelled()
            if done:
                return future.result()
            if cancel is not None and cancel.is_set():
                future.cancel()
                raise _cancelled()
    finally:
        with _LOCK:
            _PENDING.discard(future)


def abandon_all() -> int:
    """Cancel every pending request (on Quit); their callers get ``ModelCancelled``. Returns how many."""
    with _LOCK:
        pending = list(_PENDING)
    for future in pending:
        future.cancel()
    return len(pending)


def _cancelled() -> ModelCancelled:
    return ModelCancelled("The request to the model was stopped before it answered.",
                          "Nothing was changed. Ask again whenever you like.")
