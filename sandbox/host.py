"""Run one script in a fresh WebAssembly instance and route its calls to a dispatcher.

``Sandbox.run(script, dispatcher, ...)`` is the whole API the rest of Errand
uses. The dispatcher is any callable ``(name, payload) -> result`` supplied by
the caller; the sandbox knows no capability. Each run gets a fresh store and
instance (state planted by one script is never visible to the next), with a
memory limit, an epoch deadline for wall time, a cap on host calls and on
printed output, and a cancel flag another thread can set.

The guest runs on a worker thread. The caller waits for it, for the deadline
or for a cancel, whichever comes first, so a host call that blocks (a slow
server) cannot keep the caller past the wall-time limit; the abandoned worker
traps at its next step.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from sandbox import capi, trampoline
from sandbox.build import Progress, compiled_component, make_engine
from sandbox.limits import Limits
from sandbox.outcome import RunOutcome, ScriptError
from sandbox.pooling import POOL_INSTANCES, is_pool_exhausted
from sandbox.runtime import Instance, Linker, Store
from sandbox.ticker import EpochTicker
from sandbox.wasi import define_minimal_wasi

__all__ = ["Cancel", "Dispatcher", "Sandbox"]

Dispatcher = Callable[[str, Any], Any]
_GRACE_SECONDS = 0.5  # past the deadline, the caller stops waiting for a stuck worker
_FREE_WAIT_SECONDS = 1.0  # with every pool slot taken, how long a run waits for one to be freed


class Cancel(Protocol):
    def is_set(self) -> bool: ...


@dataclass
class _RunState:
    """What the host functions of one run need; reached through ``trampoline.CURRENT``."""

    dispatcher: Dispatcher
    limits: Limits
    on_log: Callable[[str], None] | None
    cancel: Cancel | None
    deadline: float
    extended: float = 0.0  # seconds the deadline moved for host work on calls' data (Limits)
    log: list[str] = field(default_factory=list)
    log_bytes: int = 0
    calls: int = 0
    trap: trampoline.Trap | None = None
    abandoned: str | None = None
    freed: threading.Event | None = None  # set once the run's instance (the guest's memory) is freed

    def stop_reason(self) -> trampoline.Trap | None:
        if self.abandoned:
            return trampoline.Trap(f"the run was stopped ({self.abandoned})", self.abandoned)
        if self.cancel is not None and self.cancel.is_set():
            return trampoline.Trap("the run was cancelled", "cancelled")
        if time.monotonic() > self.deadline:
            return trampoline.Trap(f"the script exceeded its {self.time_words()}", "wall_time")
        return None

    def call(self, name: str, payload: str) -> str:
        self.calls += 1
        if self.calls > self.limits.host_calls:
            raise trampoline.Trap(f"the script exceeded its {self.limits.describe('host_calls')}",
                                  "host_calls")
        if len(payload) > self.limits.call_bytes:
            raise trampoline.Trap(f"the script exceeded its {self.limits.describe('call_bytes')}",
                                  "call_bytes")
        started = time.monotonic()
        try:
            reply = {"ok": self.dispatcher(name, json.loads(payload))}
        except json.JSONDecodeError as exc:
            reply = {"error": {"type": "ValueError", "message": f"malformed call to {name!r}: {exc}"}}
        except Exception as exc:
            if getattr(exc, "ends_run", False):  # a budget the dispatcher keeps: the script cannot catch it
                raise trampoline.Trap(str(exc), str(getattr(exc, "limit", "budget"))) from None
            reply = {"error": _error_json(exc)}  # the dispatcher's refusal goes back into the script
        try:
            text = json.dumps(reply)
        except (TypeError, ValueError) as exc:
            text = json.dumps({"error": {"type": "RuntimeError",
                                         "message": f"{name} returned something that is not JSON: {exc}"}})
        self._extend(time.monotonic() - started, len(payload) + len(text))
        reason = self.stop_reason()  # a slow host call must not outlive the deadline
        if reason is not None:
            raise reason
        if len(text) > self.limits.call_bytes:
            raise trampoline.Trap(f"{name} would answer with more than the "
                                  f"{self.limits.describe('call_bytes')}", "call_bytes")
        return text

    def time_words(self) -> str:
        """``time limit (30 s)``, with the time host work added when it did."""
        more = f", {self.extended:.1f} s more for the host's work on its data" if self.extended > 0.05 else ""
        return self.limits.describe("wall_time")[:-1] + more + ")"

    def _extend(self, host_seconds: float, data_bytes: int) -> None:
        """Move the deadline by the host's time on this call's data (``Limits.host_seconds_per_byte``)."""
        earned = min(host_seconds, data_bytes * self.limits.host_seconds_per_byte,
                     self.limits.wall_seconds - self.extended)
        if earned > 0:
            self.extended += earned
            self.deadline += earned

    def add_log(self, line: str) -> None:
        size = len(line.encode("utf-8", "replace")) + 1
        if self.log_bytes + size > self.limits.output_bytes:
            room = max(0, self.limits.output_bytes - self.log_bytes)
            self._emit(line.encode("utf-8", "replace")[:room].decode("utf-8", "ignore"))
            self._emit(f"… output truncated at the {self.limits.describe('output')}")
            raise trampoline.Trap(f"the script printed more than its {self.limits.describe('output')}",
                                  "output")
        self.log_bytes += size
        self._emit(line)

    def _emit(self, line: str) -> None:
        self.log.append(line)
        if self.on_log is not None:
            self.on_log(line)


def _error_json(exc: Exception) -> dict[str, str]:
    # The guest raises the first builtin exception in the error's ancestry, so
    # ``except PermissionError`` in a script works for a GrantError.
    builtin = next((c.__name__ for c in type(exc).__mro__
                    if c.__module__ == "builtins" and issubclass(c, Exception)), "RuntimeError")
    return {"type": builtin, "message": str(exc), "hint": getattr(exc, "hint", "") or ""}


@dataclass
class _Prepared:
    instance: Instance
    memory_bytes: int


class Sandbox:
    """Loads the compiled guest once; runs scripts in fresh instances of it."""

    def __init__(self, cache_dir: str | Path, progress: Progress | None = None,
                 keep_warm: bool = False, pool_size: int | None = None) -> None:
        """``keep_warm``: a long-lived process (the app, ``errand watch``). Each run's worker then
        prepares the next instance, and instances come from a pool of ``pool_size`` memory slots
        that stay resident (see ``pooling``). A one-shot process gains nothing from either: its
        one run would use a fresh slot, and setting up the pool costs ~2 ms."""
        self.pool_size = (POOL_INSTANCES if keep_warm else 0) if pool_size is None else pool_size
        self.engine = make_engine(self.pool_size)
        self.component = compiled_component(self.engine, Path(cache_dir), progress)
        self.linker = self._make_linker()
        self._run_export = self.component.export_index("run")
        self.ticker = EpochTicker(self.engine)
        self.keep_warm = keep_warm
        self._prepared: _Prepared | None = None
        self._lock = threading.Lock()
        self._freed = threading.Condition()  # notified each time a worker frees its instance
        self._frees = 0

    def _make_linker(self) -> Linker:
        linker = Linker(self.engine)
        with linker.instance("errand:sandbox/host") as host:
            trampoline.add_string_func(host, "call", lambda name, args: _state().call(name, args))
            trampoline.add_unit_func(host, "log", lambda line: _state().add_log(line))
        define_minimal_wasi(linker, self.component)
        return linker

    def prepare(self, limits: Limits | None = None) -> None:
        """Instantiate the next run's instance now, so that run starts at once."""
        limits = limits or Limits()
        prepared = self._instantiate(limits.memory_bytes)
        with self._lock:
            self._prepared = prepared

    def _instantiate(self, memory_bytes: int) -> _Prepared:
        store = Store(self.engine, memory_bytes)
        trampoline.install_epoch_callback(store)
        return _Prepared(self.linker.instantiate(store, self.component, self._run_export), memory_bytes)

    def _take(self, limits: Limits) -> _Prepared:
        with self._lock:
            prepared, self._prepared = self._prepared, None
        if prepared is not None and prepared.memory_bytes == limits.memory_bytes:
            return prepared
        del prepared
        deadline = time.monotonic() + _FREE_WAIT_SECONDS
        while True:
            with self._freed:
                generation = self._frees
            try:
                return self._instantiate(limits.memory_bytes)
            except capi.WasmtimeError as exc:
                # Runs in quick succession can find every slot held by a finished run whose worker
                # is still freeing it: wait for a worker to free one.
                remaining = deadline - time.monotonic()
                if not is_pool_exhausted(exc) or remaining <= 0:
                    raise
                with self._freed:
                    self._freed.wait_for(partial(self._freed_since, generation), remaining)

    def _freed_since(self, generation: int) -> bool:
        return self._frees != generation

    def run(self, script: str, dispatcher: Dispatcher, *, manifest: dict[str, Any] | None = None,
            inputs: dict[str, Any] | None = None, limits: Limits | None = None,
            on_log: Callable[[str], None] | None = None, cancel: Cancel | None = None,
            freed: threading.Event | None = None) -> RunOutcome:
        """Run ``script`` to its end, a limit, an error or a cancel; never raises for script faults.

        ``freed`` is set once the run's instance is freed, which its worker does just after the
        answer: a caller about to build much from what the run left can wait for that memory."""
        limits = limits or Limits()
        started = time.monotonic()
        state = _RunState(dispatcher, limits, on_log, cancel, started + limits.wall_seconds, freed=freed)
        try:
            instance = [self._take(limits)]
        except capi.WasmtimeError as exc:
            if freed is not None:
                freed.set()  # nothing was taken
            if not is_pool_exhausted(exc):
                raise
            return RunOutcome(error=ScriptError(
                "SandboxBusy", f"{self.pool_size} scripts are already running or stuck; wait for one "
                "to finish (or cancel one), then try again"))
        args = (script, json.dumps(manifest or {}), json.dumps(inputs or {}, default=str))
        box: dict[str, Any] = {}
        done, answered = threading.Event(), threading.Event()
        worker = threading.Thread(target=self._work, args=(instance, state, args, box, done, answered),
                                  name="errand-sandbox-run", daemon=True)
        try:
            with self.ticker.active():
                worker.start()
                self._wait(done, state)
            outcome = _outcome(state, box)
        finally:
            answered.set()
        outcome.seconds = time.monotonic() - started
        return outcome

    def _work(self, instance: list[_Prepared], state: _RunState, args: tuple[str, str, str],
              box: dict[str, Any], done: threading.Event, answered: threading.Event) -> None:
        """The worker thread: run the guest, then tidy up once the caller has its answer."""
        prepared = instance.pop()  # the only reference, so that dropping it below frees it
        _execute(prepared, state, args, box)
        done.set()
        # Freeing the instance resets its pool slot (~1 ms), which slows the caller's wake-up if
        # both happen at once; preparing the next instance takes ~1 ms more.
        answered.wait(_GRACE_SECONDS)
        del prepared
        with self._freed:
            self._frees += 1
            self._freed.notify_all()
        if state.freed is not None:
            state.freed.set()
        if self.keep_warm and not state.abandoned:
            try:
                self.prepare(state.limits)
            except Exception:  # the next run will instantiate for itself
                pass

    def _wait(self, done: threading.Event, state: _RunState) -> None:
        cancel_seen: float | None = None
        while not done.wait(0.02):
            # The worker traps by itself at the next tick; these cover a blocked host call.
            now = time.monotonic()
            if now > state.deadline + _GRACE_SECONDS:
                state.abandoned = "wall_time"
                return
            if state.cancel is not None and state.cancel.is_set():
                cancel_seen = cancel_seen or now
                if now > cancel_seen + _GRACE_SECONDS:
                    state.abandoned = "cancelled"
                    return


def _state() -> _RunState:
    return trampoline.CURRENT.state


def _execute(prepared: _Prepared, state: _RunState, args: tuple[str, str, str], box: dict[str, Any]) -> None:
    trampoline.CURRENT.state = state
    try:
        box["report"] = prepared.instance.call(*args)
    except Exception as exc:  # a trap: a limit, a refusal, or a crash inside the guest
        box["trap"] = str(exc)
        # Through the traceback's frames, the exception would keep the instance (and its pool
        # slot) alive for as long as anything holds it.
        exc.__traceback__ = None
    finally:
        trampoline.CURRENT.state = None


def _outcome(state: _RunState, box: dict[str, Any]) -> RunOutcome:
    outcome = RunOutcome(log=list(state.log), host_calls=state.calls)
    if state.abandoned and "report" not in box:
        outcome.error = ScriptError("LimitExceeded" if state.abandoned != "cancelled" else "Cancelled",
                                    _abandon_message(state), limit=state.abandoned)
        return outcome
    if "report" in box:
        try:
            report = json.loads(box["report"])
        except RecursionError:  # a result nested deeper than the host's parser goes
            report = {"error": {"type": "ValueError", "message": "the script's result is nested too deeply "
                                "to be read back (about 1,000 levels); return something flatter"}}
        if report.get("ok"):
            outcome.result = report.get("result")
        else:
            err = report.get("error", {})
            limit, message = None, err.get("message", "")
            if err.get("type") == "MemoryError":
                limit, message = "memory", f"the script exceeded its {state.limits.describe('memory')}"
            outcome.error = ScriptError(err.get("type", "Error"), message, err.get("line"),
                                        err.get("hint", ""), limit)
        return outcome
    outcome.error = _trap_error(state, box.get("trap", ""))
    return outcome


def _abandon_message(state: _RunState) -> str:
    if state.abandoned == "cancelled":
        return "the run was cancelled"
    return f"the script exceeded its {state.time_words()}"


def _trap_error(state: _RunState, text: str) -> ScriptError:
    if state.trap is not None:
        kind = "Cancelled" if state.trap.limit == "cancelled" else (
            "LimitExceeded" if state.trap.limit else "SandboxRefused")
        return ScriptError(kind, str(state.trap), limit=state.trap.limit)
    missing = _UNKNOWN_IMPORT.search(text)
    if missing:
        return ScriptError("SandboxRefused", f"the script tried to use {missing.group(1)}, which Errand's "
                           "sandbox does not provide (no files, network, processes or console)")
    if "stack overflow" in text or "call stack exhausted" in text:
        return ScriptError("RecursionError", "the script nested too deeply and ran out of stack")
    if "memory" in text and ("grow" in text or "out of bounds" in text or "allocation" in text):
        return ScriptError("LimitExceeded", f"the script exceeded its {state.limits.describe('memory')}",
                           limit="memory")
    first = text.strip().splitlines()[0] if text.strip() else "unknown trap"
    return ScriptError("SandboxCrash", f"the script stopped inside the sandbox: {first}")


_UNKNOWN_IMPORT = re.compile(r"unknown import: `([^`]+)` has not been defined")
