"""Errand's own binding to the few functions of wasmtime's C API that the sandbox calls.

Why not wasmtime-py's classes: importing the ``wasmtime`` package costs ~50 ms
in every process (generated declarations for ~2,000 functions, ~300 ctypes
classes, dataclasses for every component type), a third of a whole one-shot
``errand run``; and its generic call path re-reads a function's type on every
call (~47 µs). This module loads the shared library that the pinned wasmtime
wheel ships, without importing the package, and declares only what Errand
uses, with the signatures of wasmtime's C headers for that exact version
(pyproject pins ``wasmtime==50.0.1``; the layouts below are that release's).

Ownership follows the C API: whoever receives an object deletes it. The owning
Python wrappers are in ``sandbox.runtime``.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
from ctypes import POINTER, c_bool, c_char, c_char_p, c_int64, c_size_t, c_uint8, c_uint32, c_uint64, c_void_p
from pathlib import Path
from typing import Any

__all__ = ["WasmtimeError", "check", "declare", "error_from_text", "lib", "machine"]


class WasmtimeError(Exception):
    """An error reported by wasmtime: a failed compile or link, or a trap that ended a call."""


def machine() -> str:
    """This CPU's architecture as wasmtime names it (``x86_64``, ``aarch64``), without the
    ``platform`` module (~3 ms to import)."""
    name = os.uname().machine if hasattr(os, "uname") else os.environ.get("PROCESSOR_ARCHITECTURE", "")
    return {"AMD64": "x86_64", "arm64": "aarch64", "ARM64": "aarch64"}.get(name, name)


def _library_path() -> Path:
    """The shared library inside the installed wasmtime wheel, found without importing the package."""
    spec = importlib.util.find_spec("wasmtime")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the wasmtime package is not installed (pip install wasmtime==50.0.1)")
    name = {"win32": "_wasmtime.dll", "darwin": "_libwasmtime.dylib"}.get(sys.platform, "_libwasmtime.so")
    return Path(next(iter(spec.submodule_search_locations))) / f"{sys.platform}-{machine()}" / name


lib = ctypes.CDLL(str(_library_path()))  # CDLL: calls release the GIL, so a running guest blocks no thread


# ---- value layouts -------------------------------------------------------------------------------

class ByteVec(ctypes.Structure):
    """``wasm_byte_vec_t`` (also ``wasm_name_t``)."""

    _fields_ = [("size", c_size_t), ("data", POINTER(ctypes.c_ubyte))]


class Val(ctypes.Structure):
    """``wasmtime_component_val_t``: a kind and a union; only the members Errand reads are named."""


class ValList(ctypes.Structure):
    _fields_ = [("size", c_size_t), ("data", POINTER(Val))]


class RecordEntry(ctypes.Structure):
    pass


class ValRecord(ctypes.Structure):
    _fields_ = [("size", c_size_t), ("data", POINTER(RecordEntry))]


class _Variant(ctypes.Structure):  # the union's largest member: it sets the union's size
    _fields_ = [("discriminant", ByteVec), ("val", POINTER(Val))]


class _ValUnion(ctypes.Union):
    _fields_ = [("u32", c_uint32), ("u64", c_uint64), ("string", ByteVec), ("list", ValList),
                ("record", ValRecord), ("variant", _Variant), ("option", POINTER(Val))]


Val._fields_ = [("kind", c_uint8), ("of", _ValUnion)]
RecordEntry._fields_ = [("name", ByteVec), ("val", Val)]

# wasmtime_component_valkind_t
KIND_U8, KIND_U32, KIND_U64, KIND_STRING, KIND_LIST, KIND_RECORD, KIND_OPTION = 2, 6, 8, 12, 13, 14, 18


class ComponentInstance(ctypes.Structure):
    _fields_ = [("store_id", c_uint64), ("private", c_uint32)]


class ComponentFunc(ctypes.Structure):
    _fields_ = [("instance", ComponentInstance), ("private2", c_uint32), ("private3", c_void_p)]


# (env, context, func type, args, nargs, results, nresults) -> wasmtime_error_t* (0: no error)
HostFunc = ctypes.CFUNCTYPE(c_size_t, c_void_p, c_void_p, c_void_p, POINTER(Val), c_size_t, POINTER(Val),
                            c_size_t)
# (context, data, *next deadline delta, *what to do) -> wasmtime_error_t*
EpochCallback = ctypes.CFUNCTYPE(c_size_t, c_void_p, c_void_p, POINTER(c_uint64), POINTER(c_uint8))
Finalizer = ctypes.CFUNCTYPE(None, c_void_p)
NO_FINALIZER = ctypes.cast(0, Finalizer)
UPDATE_DEADLINE_CONTINUE = 0
OPT_LEVEL_SPEED = 1


def declare(name: str, restype: Any, *argtypes: Any) -> Any:
    """The library's function ``name`` with its C signature."""
    func = getattr(lib, name)
    func.restype, func.argtypes = restype, list(argtypes)
    return func


P = c_void_p  # opaque pointers: engine, config, store, context, component, linker, errors…

wasm_byte_vec_new = declare("wasm_byte_vec_new", None, POINTER(ByteVec), c_size_t, c_char_p)
wasm_byte_vec_delete = declare("wasm_byte_vec_delete", None, POINTER(ByteVec))
wasmtime_error_new = declare("wasmtime_error_new", P, c_char_p)
wasmtime_error_message = declare("wasmtime_error_message", None, P, POINTER(ByteVec))
wasmtime_error_delete = declare("wasmtime_error_delete", None, P)

wasm_config_new = declare("wasm_config_new", P)
wasmtime_config_epoch_interruption_set = declare("wasmtime_config_epoch_interruption_set", None, P, c_bool)
wasmtime_config_max_wasm_stack_set = declare("wasmtime_config_max_wasm_stack_set", None, P, c_size_t)
wasmtime_config_cranelift_opt_level_set = declare("wasmtime_config_cranelift_opt_level_set", None, P,
                                                   c_uint8)
wasmtime_config_cranelift_flag_set = declare("wasmtime_config_cranelift_flag_set", None, P, c_char_p,
                                              c_char_p)
wasm_engine_new_with_config = declare("wasm_engine_new_with_config", P, P)  # takes the config
wasm_engine_delete = declare("wasm_engine_delete", None, P)
wasmtime_engine_increment_epoch = declare("wasmtime_engine_increment_epoch", None, P)

wasmtime_component_new = declare("wasmtime_component_new", P, P, c_char_p, c_size_t, POINTER(P))
wasmtime_component_serialize = declare("wasmtime_component_serialize", P, P, POINTER(ByteVec))
wasmtime_component_deserialize_file = declare("wasmtime_component_deserialize_file", P, P, c_char_p,
                                               POINTER(P))
wasmtime_component_delete = declare("wasmtime_component_delete", None, P)
wasmtime_component_type = declare("wasmtime_component_type", P, P)
wasmtime_component_type_delete = declare("wasmtime_component_type_delete", None, P)
wasmtime_component_type_import_count = declare("wasmtime_component_type_import_count", c_size_t, P, P)
wasmtime_component_type_import_nth = declare("wasmtime_component_type_import_nth", c_bool, P, P, c_size_t,
                                              POINTER(POINTER(c_char)), POINTER(c_size_t), POINTER(P))
wasmtime_component_extern_delete = declare("wasmtime_component_extern_delete", None, P)
wasmtime_component_get_export_index = declare("wasmtime_component_get_export_index", P, P, P, c_char_p,
                                               c_size_t)
wasmtime_component_export_index_delete = declare("wasmtime_component_export_index_delete", None, P)

wasmtime_component_linker_new = declare("wasmtime_component_linker_new", P, P)
wasmtime_component_linker_delete = declare("wasmtime_component_linker_delete", None, P)
wasmtime_component_linker_root = declare("wasmtime_component_linker_root", P, P)
wasmtime_component_linker_instance_add_instance = declare(
    "wasmtime_component_linker_instance_add_instance", P, P, c_char_p, c_size_t, POINTER(P))
wasmtime_component_linker_instance_add_func = declare(
    "wasmtime_component_linker_instance_add_func", P, P, c_char_p, c_size_t, HostFunc, c_void_p, Finalizer)
wasmtime_component_linker_instance_delete = declare("wasmtime_component_linker_instance_delete", None, P)
wasmtime_component_linker_define_unknown_imports_as_traps = declare(
    "wasmtime_component_linker_define_unknown_imports_as_traps", P, P, P)
wasmtime_component_linker_add_wasip2 = declare("wasmtime_component_linker_add_wasip2", P, P)
wasmtime_component_linker_instantiate = declare("wasmtime_component_linker_instantiate", P, P, P, P,
                                                 POINTER(ComponentInstance))

wasmtime_store_new = declare("wasmtime_store_new", P, P, c_void_p, Finalizer)
wasmtime_store_context = declare("wasmtime_store_context", P, P)
wasmtime_store_limiter = declare("wasmtime_store_limiter", None, P, c_int64, c_int64, c_int64, c_int64,
                                  c_int64)
wasmtime_store_epoch_deadline_callback = declare("wasmtime_store_epoch_deadline_callback", None, P,
                                                  EpochCallback, c_void_p, Finalizer)
wasmtime_context_set_epoch_deadline = declare("wasmtime_context_set_epoch_deadline", None, P, c_uint64)
wasmtime_store_delete = declare("wasmtime_store_delete", None, P)
wasi_config_new = declare("wasi_config_new", P)
wasmtime_context_set_wasi = declare("wasmtime_context_set_wasi", P, P, P)  # takes the config

wasmtime_component_instance_get_func = declare(
    "wasmtime_component_instance_get_func", c_bool, POINTER(ComponentInstance), P, P, POINTER(ComponentFunc))
wasmtime_component_func_call = declare("wasmtime_component_func_call", P, POINTER(ComponentFunc), P,
                                        POINTER(Val), c_size_t, POINTER(Val), c_size_t)
wasmtime_component_vallist_new_uninit = declare("wasmtime_component_vallist_new_uninit", None,
                                                 POINTER(ValList), c_size_t)
wasmtime_component_valrecord_new_uninit = declare("wasmtime_component_valrecord_new_uninit", None,
                                                   POINTER(ValRecord), c_size_t)


# ---- errors ----------------------------------------------------------------------------------------

def take_error_message(error: int) -> str:
    """The message of a ``wasmtime_error_t*`` we received, which this deletes."""
    vec = ByteVec()
    wasmtime_error_message(error, ctypes.byref(vec))
    text = take_bytes(vec).decode("utf-8", "replace")
    wasmtime_error_delete(error)
    return text


def check(error: int | None) -> None:
    """Raise ``WasmtimeError`` for a non-null ``wasmtime_error_t*`` returned by a call."""
    if error:
        raise WasmtimeError(take_error_message(error))


def error_from_text(message: str) -> int:
    """A new ``wasmtime_error_t*`` carrying ``message``, for a host function or callback to return."""
    return wasmtime_error_new(message.encode("utf-8", "replace")) or 0


def take_bytes(vec: ByteVec) -> bytes:
    """The contents of a byte vector we own, which this deletes."""
    data = ctypes.string_at(vec.data, vec.size) if vec.size else b""
    wasm_byte_vec_delete(ctypes.byref(vec))
    return data


def put_bytes(vec: ByteVec, data: bytes) -> None:
    """Fill ``vec`` with a C-owned copy of ``data`` (wasmtime frees it)."""
    wasm_byte_vec_new(ctypes.byref(vec), len(data), data)
