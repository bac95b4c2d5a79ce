"""Errand's wasmtime binding declares the C layouts of the pinned wasmtime release.

``sandbox/capi.py`` repeats a few struct layouts and constants from wasmtime's C
headers. wasmtime-py generates its declarations from the same headers, so it is
the reference: a wasmtime upgrade that changes one fails here, not in a run.
"""

from __future__ import annotations

import ctypes

import pytest

from sandbox import capi

ffi = pytest.importorskip("wasmtime._ffi")


@pytest.mark.parametrize(("ours", "theirs"), [
    (capi.ByteVec, "wasm_byte_vec_t"),
    (capi.Val, "wasmtime_component_val_t"),
    (capi.ValList, "wasmtime_component_vallist_t"),
    (capi.ValRecord, "wasmtime_component_valrecord_t"),
    (capi.RecordEntry, "wasmtime_component_valrecord_entry_t"),
    (capi.ComponentInstance, "wasmtime_component_instance_t"),
    (capi.ComponentFunc, "wasmtime_component_func_t"),
])
def test_struct_layouts_match_the_headers(ours: type, theirs: str) -> None:
    reference = getattr(ffi, theirs)
    assert ctypes.sizeof(ours) == ctypes.sizeof(reference)
    assert ctypes.alignment(ours) == ctypes.alignment(reference)
    for name, *_ in ours._fields_:
        if hasattr(reference, name):
            assert getattr(ours, name).offset == getattr(reference, name).offset, name


def test_the_value_union_is_as_large_as_the_headers_say() -> None:
    # Only the members Errand uses are named; the largest one keeps the size right.
    assert ctypes.sizeof(capi._ValUnion) == ctypes.sizeof(ffi.wasmtime_component_valunion_t)


@pytest.mark.parametrize(("ours", "theirs"), [
    ("KIND_U8", "WASMTIME_COMPONENT_U8"), ("KIND_U32", "WASMTIME_COMPONENT_U32"),
    ("KIND_U64", "WASMTIME_COMPONENT_U64"), ("KIND_STRING", "WASMTIME_COMPONENT_STRING"),
    ("KIND_LIST", "WASMTIME_COMPONENT_LIST"), ("KIND_RECORD", "WASMTIME_COMPONENT_RECORD"),
    ("KIND_OPTION", "WASMTIME_COMPONENT_OPTION"),
])
def test_value_kinds_match_the_headers(ours: str, theirs: str) -> None:
    assert getattr(capi, ours) == getattr(ffi, theirs).value


def test_the_library_is_the_one_the_wheel_ships() -> None:
    assert capi.lib._name == str(ffi.filename)


def test_an_error_round_trips_its_message() -> None:
    with pytest.raises(capi.WasmtimeError, match="a plain message"):
        capi.check(capi.error_from_text("a plain message"))
