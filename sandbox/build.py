"""Build the guest component once, compile it once, and keep it serialized in the cache.

The cache key covers everything that shapes the component: the WIT world, the
guest sources, the componentize-py and wasmtime versions and the engine
configuration. A changed key means a rebuild, done automatically. Two
processes starting at once build it once: the second waits on a file lock and
then finds the result. Files are written to a temporary name and renamed into
place, so a reader never sees half a component.

Loading uses ``Component.deserialize_file``, which maps the file (≈3 ms)
instead of reading 30+ MB into memory first (65–120 ms).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import wasmtime
import wasmtime.component as wc

from sandbox.pooling import POOL_INSTANCES, enable_pooling

__all__ = ["BUNDLED_ENV", "GUEST_DIR", "WIT_PATH", "cache_key", "compiled_component", "make_engine"]

HERE = Path(__file__).resolve().parent
WIT_PATH = HERE / "world.wit"
GUEST_DIR = HERE / "guest"
GUEST_MODULE = "errand_guest"
BUNDLED_ENV = "ERRAND_BUNDLED_COMPONENT"  # installers point this at a prebuilt .cwasm

# Wasm stack above 2 MiB aborts Engine() (DESIGN.md); 1 MiB is ample for CPython.
_MAX_WASM_STACK = 1024 * 1024


def make_engine(instances: int = POOL_INSTANCES) -> wasmtime.Engine:
    """The one engine configuration Errand uses (the cache key includes it), with a pool of
    ``instances`` instance slots (0: wasmtime's on-demand allocator, for comparison)."""
    config = wasmtime.Config()
    config.epoch_interruption = True
    config.max_wasm_stack = _MAX_WASM_STACK
    config.cranelift_opt_level = "speed"
    if instances:
        enable_pooling(config, instances)
    return wasmtime.Engine(config)


def cache_key() -> str:
    """A digest of everything that shapes the compiled component."""
    digest = hashlib.sha256()
    digest.update(WIT_PATH.read_bytes())
    for source in sorted(GUEST_DIR.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    for dist in ("componentize-py", "wasmtime"):
        digest.update(f"{dist}={_version(dist)}".encode())
    digest.update(f"stack={_MAX_WASM_STACK};epoch;speed;pooling;{sys.platform};{platform.machine()}".encode())
    return digest.hexdigest()[:24]


def compiled_component(engine: wasmtime.Engine, cache_dir: Path,
                       progress: Callable[[str], None] | None = None) -> wc.Component:
    """Load the compiled component, building and compiling it first if the cache lacks it."""
    bundled = os.environ.get(BUNDLED_ENV)
    if bundled and Path(bundled).is_file():
        return wc.Component.deserialize_file(engine, bundled)
    target = cache_dir / "sandbox" / f"guest-{cache_key()}.cwasm"
    if not target.exists():
        from filelock import FileLock  # only on a cache miss: it costs ~50 ms to import

        target.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(target) + ".lock"):
            if not target.exists():  # another process may have built it while we waited
                _build_into(engine, target, progress or _print_progress)
    return wc.Component.deserialize_file(engine, str(target))


def _build_into(engine: wasmtime.Engine, target: Path, progress: Callable[[str], None]) -> None:
    started = time.monotonic()
    progress("Preparing Errand's sandbox for first use (about 15 seconds, once)…")
    with tempfile.TemporaryDirectory(prefix="errand-build-") as tmp:
        wasm = Path(tmp) / "guest.wasm"
        progress("  building the guest component (CPython inside WebAssembly)…")
        _componentize(wasm)
        progress("  compiling it for this computer…")
        component = wc.Component.from_file(engine, str(wasm))
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
