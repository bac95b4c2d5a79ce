"""Wasmtime's pooling instance allocator, set up through its C API.

Why: with the default on-demand allocator every fresh instance maps a new
linear memory, and the guest's first run then copies on write ~280 pages of
the CPython snapshot (~1.1 ms of page faults for an empty script). The pool
keeps a few memory slots. When an instance is dropped its slot is reset to
the snapshot: the first ``KEEP_RESIDENT_BYTES`` are restored in place and
stay mapped, the rest is released. The next instance in that slot starts
with those pages present: no faults, and every run still starts from the
pristine snapshot.

The reset costs about 1 ms (it grows with ``KEEP_RESIDENT_BYTES``). A run's
worker thread frees its instance after the caller has the answer, so that
cost is kept off the run.
"""

from __future__ import annotations

import ctypes
from typing import Any

from sandbox import capi

__all__ = ["KEEP_RESIDENT_BYTES", "POOL_INSTANCES", "enable_pooling", "is_pool_exhausted"]

# Instances alive at once: the run under way, the one prepared for the next run, used ones being
# reset, and any run abandoned in a stuck host call. A slot reserves address space only until
# first used; after that it keeps KEEP_RESIDENT_BYTES resident, so the pool is small. A run that
# finds every slot taken waits for one to be freed.
POOL_INSTANCES = 4
# What one instance of Errand's guest holds (measured): at most 16 core instances, 1 memory, 2 tables
# of under 20,000 elements. Headroom above each, so a larger guest still fits.
_CORE_INSTANCES_PER_COMPONENT = 32
_TABLES_PER_COMPONENT = 4
_TABLE_ELEMENTS = 65_536
# The guest's pages an empty run touches lie in its first 14 MiB (measured: faults fall from 280 at
# 0 MiB to 25 at 12 MiB and 0 at 14 MiB). Resident memory grows by this much per slot used.
KEEP_RESIDENT_BYTES = 16 * 1024 * 1024
_MAX_MEMORY_BYTES = 4 * 1024 * 1024 * 1024  # the wasm32 maximum; the store's limit is the real cap

_new = capi.declare("wasmtime_pooling_allocation_config_new", capi.P)
_delete = capi.declare("wasmtime_pooling_allocation_config_delete", None, capi.P)
_apply = capi.declare("wasmtime_pooling_allocation_strategy_set", None, capi.P, capi.P)  # copies them


def _setter(name: str, value_type: type) -> Any:
    return capi.declare(f"wasmtime_pooling_allocation_config_{name}_set", None, capi.P, value_type)


def enable_pooling(config: int, instances: int = POOL_INSTANCES) -> None:
    """Make the engine built from ``config`` (a ``wasm_config_t*``) allocate instances from a pool
    of ``instances`` slots."""
    pool = _new()
    try:
        u32, size = ctypes.c_uint32, ctypes.c_size_t
        _setter("total_component_instances", u32)(pool, instances)
        _setter("total_core_instances", u32)(pool, instances * _CORE_INSTANCES_PER_COMPONENT)
        _setter("max_core_instances_per_component", u32)(pool, _CORE_INSTANCES_PER_COMPONENT)
        _setter("total_memories", u32)(pool, instances)
        _setter("max_memories_per_component", u32)(pool, 1)
        _setter("total_tables", u32)(pool, instances * _TABLES_PER_COMPONENT)
        _setter("max_tables_per_component", u32)(pool, _TABLES_PER_COMPONENT)
        _setter("table_elements", size)(pool, _TABLE_ELEMENTS)
        _setter("max_memory_size", size)(pool, _MAX_MEMORY_BYTES)
        _setter("linear_memory_keep_resident", size)(pool, KEEP_RESIDENT_BYTES)
        _apply(config, pool)
    finally:
        _delete(pool)


def is_pool_exhausted(error: Exception) -> bool:
    """Whether instantiation failed because every slot of the pool is in use."""
    return "concurrent limit" in str(error)
