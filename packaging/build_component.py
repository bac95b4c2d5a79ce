"""Build the sandbox component once and compile it for the installer's target, ahead of time.

An installed Errand never runs componentize-py or a compiler: the bundle
carries this ``.cwasm`` and a runtime hook points ``ERRAND_BUNDLED_COMPONENT``
at it, so the first run starts as fast as later ones.

A compiled component records the CPU features it was compiled for, and
wasmtime refuses to load it on a machine that lacks one. Compiled for the
build machine, an installer built on a CI runner with AVX-512 would not start
its sandbox on an older laptop. So on x86-64 the features above x86-64-v2
(AVX, AVX2, BMI, LZCNT, FMA, AVX-512) are switched off: SSE4.2 and POPCNT
remain, which every x86-64 PC sold since about 2010 has (Windows 11 and RHEL 9
require them too). Apple silicon Macs all share one feature set: native is fine.

The result is cached under ``build/component/`` by ``sandbox.build.cache_key()``
plus these flags, so repeated builds skip the build and compile. It is
compiled by the app's own ``make_engine()`` with those features off, so no
other engine setting can drift from the app's, and loaded by it before use.

Usage: ``python packaging/build_component.py OUT.cwasm`` (prints the path).
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import sys
from pathlib import Path

from sandbox import build
from sandbox.runtime import Component

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "build" / "component"

# Features above x86-64-v2, off for a portable build. Every name must be one this
# wasmtime knows: an unknown Cranelift flag aborts the process (not an exception).
_X86_ABOVE_V2 = ("has_avx", "has_avx2", "has_bmi1", "has_bmi2", "has_lzcnt", "has_fma",
                 "has_avx512f", "has_avx512vl", "has_avx512dq", "has_avx512bitalg", "has_avx512vbmi")


def portable_flags() -> tuple[str, ...]:
    """The Cranelift ISA flags switched off for this machine's architecture."""
    return _X86_ABOVE_V2 if platform.machine().lower() in ("x86_64", "amd64") else ()


def cached_path() -> Path:
    flags = hashlib.sha256(",".join(portable_flags()).encode()).hexdigest()[:8]
    return CACHE / f"guest-{build.cache_key()}-{flags}.cwasm"


def compile_portable(target: Path) -> Path:
    """Build (or reuse) the portable component and copy it to ``target``."""
    cached = cached_path()
    if not cached.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        # The guest before compiling is the same for every machine: the app's cache may hold it.
        shared = Path(os.environ.get("ERRAND_CACHE") or CACHE)
        wasm = build.componentized(shared, on_start=lambda: print(
            "building the guest component (componentize-py)…", file=sys.stderr, flush=True))
        print("compiling it for the installer's target…", file=sys.stderr, flush=True)
        build.compile_file(wasm, cached, portable_flags())
        for stale in CACHE.glob("guest-*.cwasm"):
            if stale != cached:
                stale.unlink(missing_ok=True)
    Component.from_file(build.make_engine(), str(cached))  # raises if the app could not load it
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, target)
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: build_component.py OUT.cwasm")
    print(compile_portable(Path(sys.argv[1])))
