"""Errand's side of the decoder workers: start them lazily, hand out one per request, never leave one behind.

A ``Pool`` keeps up to ``size`` workers alive for the life of the process
(the app, ``errand watch``, or one ``errand run``); the first request starts
one (~0.2 s), later requests reuse it (well under a millisecond each). Each
request holds one worker; its answer must come within ``timeout`` seconds,
else the worker is killed and the request fails as ``time``. A worker that
dies mid-request (its CPU limit, its memory cap, a crash) fails that request
only; the next request gets a fresh worker.

Never orphaned: the worker dies with Errand (``PR_SET_PDEATHSIG`` on Linux,
tied to a spawner thread that lives as long as Errand,
the job object on Windows, and everywhere its channel closing ends it), and
``close()`` — run at exit — stops every worker and removes its temp folder.
"""

from __future__ import annotations

import atexit
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from capabilities.decoding.protocol import Channel, ChannelClosed, Frame, PipeChannel, SocketChannel
from capabilities.decoding.sizes import WORKER_MEMORY

__all__ = ["SPAWNER_THREAD", "Pool", "Worker", "WorkerDied", "default_pool"]

SPAWNER_THREAD = "errand-decoder-spawner"  # lives as long as Errand, by design (see _Spawner)

_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding the capabilities package
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from capabilities.decoding import worker; " \
        "worker.main(sys.argv[2:])"
FROZEN_FLAG = "--errand-decoder-worker"
_START_SECONDS = 60.0  # a cold start on a busy machine; normally ~0.2 s


class WorkerDied(Exception):
    """The worker stopped before answering; ``kind`` is ``time``, ``crashed`` or ``broken``."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class Worker:
    """One decoder process and its channel."""

    def __init__(self, memory: int = WORKER_MEMORY) -> None:
        self.tmp = tempfile.mkdtemp(prefix="errand-decoder-")
        self.job: Any = None
        self.report: dict[str, Any] = {}
        self.report_extra: dict[str, str] = {}
        try:
            self.process, self.channel = self._start(memory)
            header, _blob, _fds = self._receive(_START_SECONDS)
        except WorkerDied:
            self.stop()
            raise WorkerDied("broken") from None  # it never read a file: Errand's fault, not one's
        except BaseException:
            self.stop()
            raise
        if header.get("ready") is not True:
            self.stop()
            raise WorkerDied("broken")
        report = header.get("report")
        self.report = {**(report if isinstance(report, dict) else {}), **self.report_extra}

    def _command(self, *args: str) -> list[str]:
        if sys.platform == "darwin" and os.environ.get("ERRAND_DECODER_SEATBELT") == "1":
            args = (*args, "seatbelt")
        if getattr(sys, "frozen", False):  # the installed app: its own executable knows the flag
            return [sys.executable, FROZEN_FLAG, *args]
        return [sys.executable, "-I", "-c", _BOOT, _ROOT, *args]

    def _start(self, memory: int) -> tuple[subprocess.Popen[bytes], Channel]:
        quiet: dict[str, Any] = {"stderr": subprocess.DEVNULL, "cwd": self.tmp, "env": _environment(),
                                 "close_fds": True}
        if sys.platform == "win32":
            process = subprocess.Popen(self._command(str(os.getpid()), "-1", self.tmp, str(memory)),
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       creationflags=subprocess.CREATE_NO_WINDOW, **quiet)  # type: ignore[attr-defined]
            from capabilities.decoding import winjob

            try:
                self.job = winjob.confine(int(process._handle), memory)  # type: ignore[attr-defined]
                self.report_extra = {"job": "memory cap, one process, killed with Errand"}
            except OSError as exc:  # not yet run on Windows: a failure is reported, not fatal
                self.report_extra = {"job": f"refused by Windows: {exc}"}
            assert process.stdout is not None and process.stdin is not None
            return process, PipeChannel(process.stdout, process.stdin)
        mine, theirs = socket.socketpair()
        try:
            process = subprocess.Popen(self._command(str(os.getpid()), str(theirs.fileno()), self.tmp,
                                                     str(memory)),
                                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       pass_fds=(theirs.fileno(),), start_new_session=True, **quiet)
        except BaseException:
            mine.close()
            raise
        finally:
            theirs.close()
        return process, SocketChannel(mine)

    def request(self, header: dict[str, Any], blob: bytes, fds: tuple[int, ...], timeout: float) -> Frame:
        """Send one request and wait for its answer; ``WorkerDied`` if the worker stops first."""
        try:
            self.channel.send(header, blob, fds)
        except ChannelClosed:
            self.stop()
            raise WorkerDied("broken") from None
        return self._receive(timeout)

    def _receive(self, timeout: float) -> Frame:
        timer = None
        if isinstance(self.channel, PipeChannel):  # pipes cannot time out: a timer kills the worker
            timer = threading.Timer(timeout, self.process.kill)
            timer.start()
        try:
            return self.channel.recv(timeout)
        except ChannelClosed:
            raise WorkerDied(self._why_stopped()) from None
        finally:
            if timer is not None:
                timer.cancel()

    def _why_stopped(self) -> str:
        try:
            code = self.process.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            code = None  # still running: it did not answer in time
        self.stop()
        if code is None or code == -getattr(signal, "SIGXCPU", 24):
            return "time"  # no answer in time, or its CPU limit ended it
        return "crashed"

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """End the worker (closing its channel is enough; a kill makes sure) and remove its folder."""
        channel = getattr(self, "channel", None)
        if channel is not None:
            channel.close()
        process = getattr(self, "process", None)
        if process is not None and process.poll() is None:
            try:
                process.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.job is not None:
            import ctypes

            ctypes.windll.kernel32.CloseHandle(self.job)  # type: ignore[attr-defined]
            self.job = None
        shutil.rmtree(self.tmp, ignore_errors=True)


def _environment() -> dict[str, str]:
    """Nothing from Errand's environment but what Python (and its allocator) needs."""
    keep = ("SYSTEMROOT", "WINDIR") if sys.platform == "win32" else ()
    env = {key: os.environ[key] for key in keep if key in os.environ}
    if sys.platform.startswith("linux"):
        # glibc reserves 64 MB of address space per thread arena; under RLIMIT_AS that reservation,
        # not the pictures, would decide when the worker runs out. Two arenas are plenty.
        env["MALLOC_ARENA_MAX"] = "2"
    return env


class _Spawner:
    """Starts workers from one thread that lives as long as the process.

    Linux's ``PR_SET_PDEATHSIG`` fires when the *thread* that started a child
    ends, not the process: a worker started from a short-lived thread (Qt's
    pool retires idle threads after 30 s) would be killed mid-request. So
    workers are started from this daemon thread, which ends only with Errand.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Worker], Future[Worker]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self, make: Callable[[], Worker]) -> Worker:
        if not sys.platform.startswith("linux"):
            return make()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name=SPAWNER_THREAD,
                                                daemon=True)
                self._thread.start()
        done: Future[Worker] = Future()
        self._jobs.put((make, done))
        return done.result()

    def _serve(self) -> None:
        while True:
            make, done = self._jobs.get()
            try:
                done.set_result(make())
            except BaseException as exc:  # handed to the caller, who raises it
                done.set_exception(exc)


_spawner = _Spawner()


class Pool:
    """Up to ``size`` workers, started on first use, shared by every caller of this process."""

    def __init__(self, size: int = 1, memory: int = WORKER_MEMORY) -> None:
        self.size, self.memory = size, memory
        self._idle: list[Worker] = []
        self._count = 0
        self._ready = threading.Condition()
        self._closed = False

    def request(self, header: dict[str, Any], blob: bytes = b"", fds: tuple[int, ...] = (),
                timeout: float = 60.0) -> Frame:
        worker = self._take()
        try:
            answer = worker.request(header, blob, fds, timeout)
        except BaseException:
            worker.stop()
            self._give_back(None)
            raise
        self._give_back(worker if worker.alive() and not answer[0].get("retire") else None)
        return answer

    def _take(self) -> Worker:
        with self._ready:
            while True:
                if self._closed:
                    raise WorkerDied("broken")
                while self._idle:
                    worker = self._idle.pop()
                    if worker.alive():
                        return worker
                    worker.stop()
                    self._count -= 1
                if self._count < self.size:
                    self._count += 1
                    break
                self._ready.wait()
        try:
            return _spawner.start(lambda: Worker(self.memory))
        except BaseException:
            self._give_back(None)
            raise

    def _give_back(self, worker: Worker | None) -> None:
        with self._ready:
            if worker is None or self._closed:
                self._count -= 1
                if worker is not None:
                    worker.stop()
            else:
                self._idle.append(worker)
            self._ready.notify()

    def workers(self) -> list[Worker]:
        """The idle workers (for tests and the benchmark: their pids and limit reports)."""
        with self._ready:
            return list(self._idle)

    def close(self) -> None:
        """Stop every idle worker; one busy now stops when its request ends."""
        with self._ready:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._ready.notify_all()
        for worker in idle:
            worker.stop()


_default: dict[str, Pool] = {}
_default_lock = threading.Lock()


def default_pool() -> Pool:
    """The process's pool, created on first use and closed at exit."""
    with _default_lock:
        if "pool" not in _default:
            _default["pool"] = Pool(size=max(1, min(2, os.cpu_count() or 1)))
            atexit.register(_default["pool"].close)
        return _default["pool"]
