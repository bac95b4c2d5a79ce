"""Host functions, each specialised to its exact component signature.

Every function the guest imports is a ctypes callback that reads and writes
the C values of its one known signature directly (a generic converter costs
~47 µs a call; a ``list<u8>`` of 256 random bytes ~250 µs).

A host function ends the run (a trap) by raising; the exception is kept on the
current run's state so the host can say which limit or refusal it was, and
the guest sees only a trap it cannot catch.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from typing import Any

from sandbox import capi
from sandbox.runtime import Store

__all__ = ["CURRENT", "Trap", "add_bytes_func", "add_empty_list_func", "add_none_func", "add_record_func",
           "add_string_func", "add_trap_func", "add_u64_func", "add_unit_func", "install_epoch_callback"]

_VAL_SIZE = ctypes.sizeof(capi.Val)
_UNION_OFFSET = capi.Val.of.offset
_KEEP_ALIVE: list[Any] = []  # ctypes callbacks must outlive the linker

# The run executing on this thread; set by the host around each guest call.
CURRENT = threading.local()

Results = Any  # ctypes.POINTER(capi.Val): the callee's results, written in place


class Trap(Exception):
    """Raised by a host function to end the run; ``limit`` names the limit, if any."""

    def __init__(self, message: str, limit: str | None = None) -> None:
        super().__init__(message)
        self.limit = limit


def _trap(exc: BaseException) -> int:
    state = getattr(CURRENT, "state", None)
    if state is not None and getattr(state, "trap", None) is None:
        trap = exc if isinstance(exc, Trap) else Trap(f"host error: {exc!r}")
        # Kept without its traceback: through the frames' callers, that would hold the run's
        # instance (and its pool slot) until a garbage collection.
        state.trap = trap.with_traceback(None)
        trap.__context__ = None
    return capi.error_from_text(str(exc))


def _register(instance: int, name: str, body: Callable[[Any, Results], None]) -> None:
    @capi.HostFunc
    def callback(_env, _context, _type, args, _nargs, results, _nresults):
        try:
            body(args, results)
            return 0
        except BaseException as exc:  # a host function must never unwind into wasm
            return _trap(exc)

    _KEEP_ALIVE.append(callback)
    raw = name.encode()
    capi.check(capi.wasmtime_component_linker_instance_add_func(instance, raw, len(raw), callback, None,
                                                                capi.NO_FINALIZER))


def _take_string(val: capi.Val) -> str:
    return capi.take_bytes(val.of.string).decode("utf-8")  # the callee owns its arguments


def _put_string(val: capi.Val, text: str) -> None:
    val.kind = capi.KIND_STRING
    capi.put_bytes(val.of.string, text.encode("utf-8"))


def add_string_func(instance: int, name: str, func: Callable[[str, str], str]) -> None:
    """``func(string, string) -> string``."""
    def body(args: Any, results: Results) -> None:
        a, b = _take_string(args[0]), _take_string(args[1])
        _put_string(results[0], func(a, b))

    _register(instance, name, body)


def add_unit_func(instance: int, name: str, func: Callable[[str], None]) -> None:
    """``func(string)`` with no result."""
    _register(instance, name, lambda args, results: func(_take_string(args[0])))


def add_u64_func(instance: int, name: str, func: Callable[[], int]) -> None:
    """``func() -> u64``."""
    def body(args: Any, results: Results) -> None:
        results[0].kind = capi.KIND_U64
        results[0].of.u64 = func()

    _register(instance, name, body)


def add_bytes_func(instance: int, name: str, func: Callable[[int], bytes]) -> None:
    """``func(u64) -> list<u8>``, written as one block instead of value by value."""
    def body(args: Any, results: Results) -> None:
        data = func(int(args[0].of.u64))
        n = len(data)
        lst = results[0].of.list
        capi.wasmtime_component_vallist_new_uninit(ctypes.byref(lst), n)
        if n:
            # Lay out n vals {kind=u8, of.u8=byte} in a buffer and copy it in at once.
            buf = bytearray(n * _VAL_SIZE)
            buf[0::_VAL_SIZE] = bytes([capi.KIND_U8]) * n
            buf[_UNION_OFFSET::_VAL_SIZE] = data
            ctypes.memmove(lst.data, (ctypes.c_char * len(buf)).from_buffer(buf), len(buf))
        results[0].kind = capi.KIND_LIST

    _register(instance, name, body)


def add_record_func(instance: int, name: str, func: Callable[[], tuple[int, int]], fields: tuple[str, str],
                    kinds: tuple[int, int]) -> None:
    """``func() -> record { a: u64, b: u32 }`` (a clock's datetime), fields and kinds as given."""
    def body(args: Any, results: Results) -> None:
        record = results[0].of.record
        capi.wasmtime_component_valrecord_new_uninit(ctypes.byref(record), len(fields))
        for i, (field, kind, value) in enumerate(zip(fields, kinds, func(), strict=True)):
            entry = record.data[i]  # a view of the C memory, not a copy
            capi.put_bytes(entry.name, field.encode())
            entry.val.kind = kind
            if kind == capi.KIND_U64:
                entry.val.of.u64 = value
            else:
                entry.val.of.u32 = value
        results[0].kind = capi.KIND_RECORD

    _register(instance, name, body)


def add_empty_list_func(instance: int, name: str) -> None:
    """A function with no arguments that returns an empty list (no environment, no directories)."""
    def body(args: Any, results: Results) -> None:
        capi.wasmtime_component_vallist_new_uninit(ctypes.byref(results[0].of.list), 0)
        results[0].kind = capi.KIND_LIST

    _register(instance, name, body)


def add_none_func(instance: int, name: str) -> None:
    """A function with no arguments that returns ``none`` (an ``option`` left empty)."""
    def body(args: Any, results: Results) -> None:
        results[0].kind = capi.KIND_OPTION
        results[0].of.option = None

    _register(instance, name, body)


def add_trap_func(instance: int, name: str, message: str) -> None:
    """A function that always ends the run with ``message`` (e.g. sleeping)."""
    def body(args: Any, results: Results) -> None:
        raise Trap(message)

    _register(instance, name, body)


@capi.EpochCallback
def _on_epoch(_context, _data, delta, kind):
    """Each engine tick past a store's deadline: continue, or trap if the run must stop."""
    try:
        state = getattr(CURRENT, "state", None)
        reason = state.stop_reason() if state is not None else None
        if reason is not None:
            return _trap(reason)
        delta[0] = 1
        kind[0] = capi.UPDATE_DEADLINE_CONTINUE
        return 0
    except BaseException as exc:
        return _trap(exc)


def install_epoch_callback(store: Store) -> None:
    """Have ``store`` consult the current run on every epoch tick."""
    capi.wasmtime_store_epoch_deadline_callback(store.ptr, _on_epoch, None, capi.NO_FINALIZER)
    store.set_epoch_deadline(1)
