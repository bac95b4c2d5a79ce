"""Build the guest component once, compile it once, and keep it serialized in the cache.

The cache key covers everything that shapes the component: the WIT world, the
guest sources, the componentize-py and wasmtime versions and the engine
configuration. A changed key means a rebuild, done automatically. Two
processes starting at once build it once: the second waits on a file lock and
then finds the result. Files are written to a temporary name and renamed into
place, so a reader never sees half a component.

Loading uses ``deserialize_file``, which maps the file (≈3 ms)
instead of reading 30+ MB into memory first (65–120 ms).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sandbox import capi
from sandbox.pooling import POOL_INSTANCES, enable_pooling
from sandbox.runtime import Component, Engine

try:  # the module hashlib wraps: importing hashlib itself loads OpenSSL, ~2.5 ms on every start
    from _blake2 import blake2b as _digest
except ImportError:
    from hashlib import blake2b as _digest

__all__ = ["BUNDLED_ENV", "GUEST_DIR", "WIT_PATH", "cache_key", "compiled_component", "make_engine"]

HERE = Path(__file__).resolve().parent
WIT_PATH = HERE / "world.wit"
GUEST_DIR = HERE / "guest"
GUEST_MODULE = "errand_guest"
BUNDLED_ENV = "ERRAND_BUNDLED_COMPONENT"  # installers point this at a prebuilt .cwasm

# Wasm stack above 2 MiB aborts Engine() (DESIGN.md); 1 MiB is ample for CPython.
_MAX_WASM_STACK = 1024 * 1024


def make_engine(instances: int = POOL_INSTANCES, cpu_features_off: Sequence[str] = ()) -> Engine:
    """The one engine configuration Errand uses (the cache key includes it), with a pool of
    ``instances`` instance slots (0: wasmtime's on-demand allocator). ``cpu_features_off``: Cranelift
    ISA flags (``has_avx2``…) to compile without, for installers (packaging/build_component.py)."""
    config = capi.wasm_config_new()
    capi.wasmtime_config_epoch_interruption_set(config, True)
    capi.wasmtime_config_max_wasm_stack_set(config, _MAX_WASM_STACK)
    capi.wasmtime_config_cranelift_opt_level_set(config, capi.OPT_LEVEL_SPEED)
    for flag in cpu_features_off:
        capi.wasmtime_config_cranelift_flag_set(config, flag.encode(), b"false")
    if instances:
        enable_pooling(config, instances)
    return Engine(config)


def cache_key() -> str:
    """A digest of everything that shapes the compiled component."""
    digest = _digest()
    digest.update(WIT_PATH.read_bytes())
    for source in sorted(GUEST_DIR.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    for dist in ("componentize-py", "wasmtime"):
        digest.update(f"{dist}={_version(dist)}".encode())
    digest.update(f"stack={_MAX_WASM_STACK};epoch;speed;pooling;{sys.platform};{capi.machine()}".encode())
    return digest.hexdigest()[:24]


def compiled_component(engine: Engine, cache_dir: Path,
                       progress: Callable[[str], None] | None = None) -> Component:
    """Load the compiled component, building and compiling it first if the cache lacks it."""
    bundled = os.environ.get(BUNDLED_ENV)
    if bundled and Path(bundled).is_file():
        return Component.from_file(engine, bundled)
    target = cache_dir / "sandbox" / f"guest-{cache_key()}.cwasm"
    if not target.exists():
        from filelock import FileLock  # only on a cache miss: it costs ~50 ms to import

        target.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(target) + ".lock"):
            if not target.exists():  # another process may have built it while we waited
                _build_into(engine, target, progress or _print_progress)
    return Component.from_file(engine, str(target))


def _build_into(engine: Engine, target: Path, progress: Callable[[str], None]) -> None:
    import tempfile  # only when building: every start would pay for it

    started = time.monotonic()
    progress("Preparing Errand's sandbox for first use (about 15 seconds, once)…")
    with tempfile.TemporaryDirectory(prefix="errand-build-") as tmp:
        wasm = Path(tmp) / "guest.wasm"
        progress("  building the guest component (CPython inside WebAssembly)…")
        _componentize(wasm)
        progress("  compiling it for this computer…")
        component = Component.compile(engine, wasm.read_bytes())
        partial = target.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(component.serialize())
        os.replace(partial, target)
    for stale in target.parent.glob("guest-*.cwasm"):
        if stale != target:
            stale.unlink(missing_ok=True)
    progress(f"  ready ({time.monotonic() - started:.1f} s).")


def _componentize(output: Path) -> None:
    # componentize-py's entry point reads sys.argv; run it in a child process so
    # its argument handling and memory stay out of ours.
    args = ["componentize-py", "-d", str(WIT_PATH), "-w", "guest", "componentize",
            "-p", str(GUEST_DIR), GUEST_MODULE, "-o", str(output)]
    import subprocess

    code = "import sys, componentize_py; sys.argv = sys.argv[1:]; componentize_py.script()"
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if done.returncode != 0 or not output.exists():
        raise RuntimeError(f"building the sandbox component failed:\n{done.stderr or done.stdout}")


def _print_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _version(dist: str) -> str:
    # The dist-info folder beside the package names its version; reading it is ~50x cheaper than
    # importlib.metadata's scan of every sys.path entry, which every `errand` command would pay.
    module = dist.replace("-", "_")
    spec = importlib.util.find_spec(module)
    if spec is not None and spec.origin:
        found = sorted(Path(spec.origin).parent.parent.glob(f"{module}-*.dist-info"))
        if len(found) == 1:
            return found[0].name.removeprefix(f"{module}-").removesuffix(".dist-info")
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "absent"
