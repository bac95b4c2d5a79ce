"""Engine, component, linker and store: small owners of wasmtime's C objects (see ``capi``).

Each wrapper holds one pointer and deletes it when dropped. Wasmtime keeps the
engine alive internally for as long as anything made from it lives, so the
order in which Python drops these does not matter.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from ctypes import byref

from sandbox import capi

__all__ = ["Component", "Engine", "Instance", "Linker", "Store"]


class Engine:
    """A compiler and runtime configuration; ``config`` is a ``wasm_config_t*``, which this takes."""

    def __init__(self, config: int) -> None:
        self.ptr = capi.wasm_engine_new_with_config(config)
        if not self.ptr:
            raise capi.WasmtimeError("wasmtime could not create an engine with Errand's configuration")

    def increment_epoch(self) -> None:
        capi.wasmtime_engine_increment_epoch(self.ptr)

    def __del__(self) -> None:
        if getattr(self, "ptr", None):
            capi.wasm_engine_delete(self.ptr)
            self.ptr = None


class Component:
    """A compiled component."""

    def __init__(self, ptr: int) -> None:
        self.ptr: int | None = ptr  # None once deleted
        self._indexes: list[int] = []  # export indexes handed out, deleted with the component

    @classmethod
    def compile(cls, engine: Engine, wasm: bytes) -> Component:
        out = ctypes.c_void_p()
        capi.check(capi.wasmtime_component_new(engine.ptr, wasm, len(wasm), byref(out)))
        return cls(out.value or 0)

    @classmethod
    def from_file(cls, engine: Engine, path: str) -> Component:
        """Map a serialized component (``serialize``) instead of reading it: ~3 ms for 30+ MB."""
        out = ctypes.c_void_p()
        capi.check(capi.wasmtime_component_deserialize_file(engine.ptr, path.encode(), byref(out)))
        return cls(out.value or 0)

    def serialize(self) -> bytes:
        vec = capi.ByteVec()
        capi.check(capi.wasmtime_component_serialize(self.ptr, byref(vec)))
        return capi.take_bytes(vec)

    def import_names(self, engine: Engine) -> list[str]:
        """The names of everything the component imports, e.g. ``wasi:random/random@0.2.0``."""
        component_type = capi.wasmtime_component_type(self.ptr)
        try:
            names = []
            for nth in range(capi.wasmtime_component_type_import_count(component_type, engine.ptr)):
                name, size, item = ctypes.POINTER(ctypes.c_char)(), ctypes.c_size_t(), ctypes.c_void_p()
                if capi.wasmtime_component_type_import_nth(component_type, engine.ptr, nth, byref(name),
                                                           byref(size), byref(item)):
                    names.append(ctypes.string_at(name, size.value).decode("utf-8"))
                    capi.wasmtime_component_extern_delete(item)
            return names
        finally:
            capi.wasmtime_component_type_delete(component_type)

    def export_index(self, name: str) -> int:
        """A handle to a top-level export, valid for every instance of this component."""
        raw = name.encode()
        index = capi.wasmtime_component_get_export_index(self.ptr, None, raw, len(raw))
        if not index:
            raise capi.WasmtimeError(f"the component has no export {name!r}")
        self._indexes.append(index)
        return int(index)

    def __del__(self) -> None:
        for index in getattr(self, "_indexes", ()):
            capi.wasmtime_component_export_index_delete(index)
        if getattr(self, "ptr", None):
            capi.wasmtime_component_delete(self.ptr)
            self.ptr = None


class Store:
    """Everything one instance owns, with a limit on its linear memory."""

    def __init__(self, engine: Engine, memory_bytes: int) -> None:
        self.ptr = capi.wasmtime_store_new(engine.ptr, None, capi.NO_FINALIZER)
        self.context = capi.wasmtime_store_context(self.ptr)
        capi.wasmtime_store_limiter(self.ptr, memory_bytes, -1, -1, -1, -1)

    def set_epoch_deadline(self, ticks: int) -> None:
        capi.wasmtime_context_set_epoch_deadline(self.context, ticks)

    def __del__(self) -> None:
        if getattr(self, "ptr", None):
            capi.wasmtime_store_delete(self.ptr)
            self.ptr = None


class Instance:
    """An instantiated component and the one export Errand calls, a ``string × 3 → string`` function."""

    def __init__(self, store: Store, instance: capi.ComponentInstance, export: int) -> None:
        self.store = store
        self.func = capi.ComponentFunc()
        if not capi.wasmtime_component_instance_get_func(byref(instance), store.context, export,
                                                         byref(self.func)):
            raise capi.WasmtimeError("the sandbox component's 'run' export is not a function")

    def call(self, *texts: str) -> str:
        """Call the export; raises ``WasmtimeError`` for a trap (the message says which)."""
        encoded = [text.encode("utf-8") for text in texts]  # borrowed by the call, kept alive here
        args = (capi.Val * len(encoded))()
        for arg, data in zip(args, encoded, strict=True):
            arg.kind = capi.KIND_STRING
            arg.of.string.size = len(data)
            arg.of.string.data = ctypes.cast(ctypes.c_char_p(data), ctypes.POINTER(ctypes.c_ubyte))
        result = capi.Val()
        capi.check(capi.wasmtime_component_func_call(byref(self.func), self.store.context, args, len(args),
                                                     byref(result), 1))
        return capi.take_bytes(result.of.string).decode("utf-8")


class Linker:
    """Defines a component's imports; instantiates it in stores."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.ptr = capi.wasmtime_component_linker_new(engine.ptr)

    @contextmanager
    def instance(self, name: str) -> Iterator[int]:
        """A ``wasmtime_component_linker_instance_t*`` for interface ``name``, to add functions to."""
        root = capi.wasmtime_component_linker_root(self.ptr)
        child = ctypes.c_void_p()
        try:
            raw = name.encode()
            added = capi.wasmtime_component_linker_instance_add_instance(root, raw, len(raw), byref(child))
            capi.check(added)
            try:
                yield child.value or 0
            finally:
                capi.wasmtime_component_linker_instance_delete(child)
        finally:
            capi.wasmtime_component_linker_instance_delete(root)

    def define_unknown_imports_as_traps(self, component: Component) -> None:
        capi.check(capi.wasmtime_component_linker_define_unknown_imports_as_traps(self.ptr, component.ptr))

    def add_wasip2(self) -> None:
        """Wasmtime's whole WASI (only for the benchmark that weighs it against Errand's minimal set)."""
        capi.check(capi.wasmtime_component_linker_add_wasip2(self.ptr))

    def instantiate(self, store: Store, component: Component, export: int) -> Instance:
        instance = capi.ComponentInstance()
        capi.check(capi.wasmtime_component_linker_instantiate(self.ptr, store.context, component.ptr,
                                                              byref(instance)))
        return Instance(store, instance, export)

    def __del__(self) -> None:
        if getattr(self, "ptr", None):
            capi.wasmtime_component_linker_delete(self.ptr)
            self.ptr = None
