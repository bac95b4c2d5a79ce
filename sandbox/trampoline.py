"""Host functions specialised to their exact component signatures.

wasmtime-py's generic ``add_func`` re-reads the function's type on every call
and converts each value through a chain of Python objects (~47 µs a call; a
``list<u8>`` of 256 random bytes costs ~250 µs). The handful of functions the
guest calls often are registered here with ctypes callbacks that read and
write the C values of their one known signature directly.

A host function ends the run (a trap) by raising; the exception is kept on the
current run's state so the host can say which limit or refusal it was, and
the guest sees only a trap it cannot catch.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from typing import Any

from wasmtime import WasmtimeError
from wasmtime import _ffi as ffi
from wasmtime.component import LinkerInstance

__all__ = ["CURRENT", "Trap", "add_bytes_func", "add_string_func", "add_trap_func", "add_u64_func",
           "add_unit_func", "install_epoch_callback"]

Val = ffi.wasmtime_component_val_t
_VAL_SIZE = ctypes.sizeof(Val)
_UNION_OFFSET = Val.of.offset
_KIND_U8 = ffi.WASMTIME_COMPONENT_U8.value
_KIND_STRING = ffi.WASMTIME_COMPONENT_STRING.value
_NO_FINALIZER = ctypes.cast(0, ctypes.CFUNCTYPE(None, ctypes.c_void_p))
_KEEP_ALIVE: list[Any] = []  # ctypes callbacks must outlive the linker

# The run executing on this thread; set by the host around each guest call.
CURRENT = threading.local()


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
    error = WasmtimeError(str(exc))
    return ctypes.cast(error._consume(), ctypes.c_void_p).value or 0


def _register(instance: LinkerInstance, name: str, body: Callable[[Any, Any], None]) -> None:
    @ffi.wasmtime_component_func_callback_t
    def callback(_data, _context, _type, args, _nargs, results, _nresults):  # type: ignore[no-untyped-def]
        try:
            body(args, results)
            return 0
        except BaseException as exc:  # a host function must never unwind into wasm
            return _trap(exc)

    _KEEP_ALIVE.append(callback)
    raw = name.encode()
    err = ffi.wasmtime_component_linker_instance_add_func(
        instance.ptr(), ctypes.create_string_buffer(raw), len(raw), callback, None, _NO_FINALIZER)
    if err:
        raise WasmtimeError._from_ptr(err)


# The C library's own byte-vector functions, called without wasmtime-py's wrappers
# (which copy strings byte by byte through intermediate ctypes arrays).
_byte_vec_new = ffi.dll.wasm_byte_vec_new
_byte_vec_new.argtypes = [ctypes.POINTER(ffi.wasm_byte_vec_t), ctypes.c_size_t, ctypes.c_char_p]
_byte_vec_new.restype = None
_byte_vec_delete = ffi.dll.wasm_byte_vec_delete


def _take_string(val: Any) -> str:
    vec = val.of.string
    text = ctypes.string_at(vec.data, vec.size).decode("utf-8") if vec.size else ""
    _byte_vec_delete(ctypes.byref(vec))  # the callee owns its arguments
    return text


def _put_string(val: Any, text: str) -> None:
    data = text.encode("utf-8")
    val.kind = _KIND_STRING
    _byte_vec_new(ctypes.byref(val.of.string), len(data), data)


def add_string_func(instance: LinkerInstance, name: str, func: Callable[[str, str], str]) -> None:
    """``func(string, string) -> string``."""
    def body(args: Any, results: Any) -> None:
        a, b = _take_string(args[0]), _take_string(args[1])
        _put_string(results[0], func(a, b))

    _register(instance, name, body)


def add_unit_func(instance: LinkerInstance, name: str, func: Callable[[str], None]) -> None:
    """``func(string)`` with no result."""
    _register(instance, name, lambda args, results: func(_take_string(args[0])))


def add_u64_func(instance: LinkerInstance, name: str, func: Callable[[], int]) -> None:
    """``func() -> u64``."""
    def body(args: Any, results: Any) -> None:
        results[0].kind = ffi.WASMTIME_COMPONENT_U64
        results[0].of.u64 = func()

    _register(instance, name, body)


def add_bytes_func(instance: LinkerInstance, name: str, func: Callable[[int], bytes]) -> None:
    """``func(u64) -> list<u8>``, written as one block instead of value by value."""
    def body(args: Any, results: Any) -> None:
        data = func(int(args[0].of.u64))
        n = len(data)
        lst = ffi.wasmtime_component_vallist_t()
        ffi.wasmtime_component_vallist_new_uninit(lst, n)
        if n:
            # Lay out n vals {kind=u8, of.u8=byte} in a buffer and copy it in at once.
            buf = bytearray(n * _VAL_SIZE)
            buf[0::_VAL_SIZE] = bytes([_KIND_U8]) * n
            buf[_UNION_OFFSET::_VAL_SIZE] = data
            ctypes.memmove(lst.data, (ctypes.c_char * len(buf)).from_buffer(buf), len(buf))
        results[0].kind = ffi.WASMTIME_COMPONENT_LIST
        results[0].of.list = lst

    _register(instance, name, body)


def add_trap_func(instance: LinkerInstance, name: str, message: str) -> None:
    """A function that always ends the run with ``message`` (e.g. sleeping)."""
    def body(args: Any, results: Any) -> None:
        raise Trap(message)

    _register(instance, name, body)


_DeadlineCallback = ctypes.CFUNCTYPE(
    ctypes.c_size_t, ctypes.POINTER(ffi.wasmtime_context_t), ctypes.c_void_p,
    ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_uint8))


@_DeadlineCallback
def _on_epoch(_context, _data, delta, kind):  # type: ignore[no-untyped-def]
    """Each engine tick past a store's deadline: continue, or trap if the run must stop."""
    try:
        state = getattr(CURRENT, "state", None)
        reason = state.stop_reason() if state is not None else None
        if reason is not None:
            return _trap(reason)
        delta[0] = 1
        kind[0] = 0  # WASMTIME_UPDATE_DEADLINE_CONTINUE
        return 0
    except BaseException as exc:
        return _trap(exc)


def install_epoch_callback(store: Any) -> None:
    """Have ``store`` consult the current run on every epoch tick."""
    ffi.wasmtime_store_epoch_deadline_callback(store.ptr(), _on_epoch, None, _NO_FINALIZER)
    store.set_epoch_deadline(1)
