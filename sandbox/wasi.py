"""The few WASI functions the guest needs, defined by hand; every other import traps.

Instead of ``add_wasip2()`` with an empty ``WasiConfig`` (files, sockets and
environment denied only by wasmtime's defaults), the guest gets: clocks, random
bytes, an empty environment, no arguments, no working directory and no
preopened directories. Everything else it imports — filesystem calls, sockets,
name lookup, stdio streams, exit, sleeping — is defined as a trap, so it is
absent by construction, and ``time.sleep`` ends the run at once instead of
blocking past the deadline.

Interfaces are matched by name without their version suffix, so a new
componentize-py that imports ``@0.2.10`` keeps working.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from sandbox import capi, trampoline
from sandbox.runtime import Component, Linker

__all__ = ["define_minimal_wasi"]

_SLEEP = ("sleeping and waiting are not available in Errand scripts; "
          "a script runs to its end without pauses")


def define_minimal_wasi(linker: Linker, component: Component) -> None:
    """Add the allowed WASI functions for ``component`` to ``linker`` and trap the rest."""
    versions = _imported_versions(linker, component)
    for iface, define in _DEFINITIONS.items():
        if iface in versions:
            with linker.instance(f"{iface}{versions[iface]}") as instance:
                define(instance)
    linker.define_unknown_imports_as_traps(component)


def _imported_versions(linker: Linker, component: Component) -> dict[str, str]:
    found = {}
    for name in component.import_names(linker.engine):
        base, at, version = name.partition("@")
        found[base] = at + version
    return found


def _environment(instance: int) -> None:
    trampoline.add_empty_list_func(instance, "get-environment")
    trampoline.add_empty_list_func(instance, "get-arguments")
    trampoline.add_none_func(instance, "initial-cwd")


def _preopens(instance: int) -> None:
    trampoline.add_empty_list_func(instance, "get-directories")


def _random(instance: int) -> None:
    trampoline.add_bytes_func(instance, "get-random-bytes", os.urandom)
    trampoline.add_u64_func(instance, "get-random-u64", lambda: int.from_bytes(os.urandom(8), "little"))


def _wall_clock(instance: int) -> None:
    def now() -> tuple[int, int]:
        return divmod(time.time_ns(), 1_000_000_000)

    datetime = ("seconds", "nanoseconds"), (capi.KIND_U64, capi.KIND_U32)
    trampoline.add_record_func(instance, "now", now, *datetime)
    trampoline.add_record_func(instance, "resolution", lambda: (0, 1000), *datetime)


def _monotonic_clock(instance: int) -> None:
    trampoline.add_u64_func(instance, "now", time.monotonic_ns)
    trampoline.add_u64_func(instance, "resolution", lambda: 1000)
    trampoline.add_trap_func(instance, "subscribe-duration", _SLEEP)
    trampoline.add_trap_func(instance, "subscribe-instant", _SLEEP)


_DEFINITIONS: dict[str, Callable[[int], None]] = {
    "wasi:cli/environment": _environment,
    "wasi:filesystem/preopens": _preopens,
    "wasi:random/random": _random,
    "wasi:clocks/wall-clock": _wall_clock,
    "wasi:clocks/monotonic-clock": _monotonic_clock,
}
