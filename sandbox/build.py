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
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sandbox import capi
from sandbox.pooling import POOL_INSTANCES, enable_pooling
from sandbox.runtime import Component, Engine

try:  # the module hashlib wraps: importing hashlib itself loads OpenSSL, ~2.5 ms on every start
    from _blake2 import blake2b as _digest
except ImportError:
    from hashlib import blake2b as _digest

__all__ = ["BUNDLED_ENV", "GUEST_DIR", "WIT_PATH", "BuildStep", "Progress", "cache_key", "compile_file",
           "compile_in_process", "compiled_component", "component_path", "componentized", "is_prepared",
           "make_engine", "prepare"]

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


@dataclass(frozen=True)
class BuildStep:
    """Where the first-use build is, for a progress display: ``done`` of ``total`` steps finished,
    what happens now (``text``) and the seconds since the build began (measured, never estimated)."""

    done: int
    total: int
    text: str
    elapsed: float

    @property
    def finished(self) -> bool:
        return self.done >= self.total

    def __str__(self) -> str:
        if self.finished:
            return f"Errand's sandbox is ready ({self.elapsed:.1f} s)."
        return (f"Preparing Errand's sandbox for first use, step {self.done + 1} of {self.total}: "
                f"{self.text}… ({self.elapsed:.0f} s so far)")


Progress = Callable[[BuildStep], None]


def compiled_component(engine: Engine, cache_dir: Path, progress: Progress | None = None) -> Component:
    """Load the compiled component, building and compiling it first if the cache lacks it."""
    bundled = os.environ.get(BUNDLED_ENV)
    if bundled and Path(bundled).is_file():
        return Component.from_file(engine, bundled)
    return Component.from_file(engine, str(prepare(cache_dir, progress)))


def component_path(cache_dir: Path) -> Path:
    """Where this version's compiled component lives in ``cache_dir`` (it may not exist yet)."""
    return cache_dir / "sandbox" / f"guest-{cache_key()}.cwasm"


def is_prepared(cache_dir: Path) -> bool:
    """Whether a run can start without building: the bundled component, or this version's in the cache."""
    bundled = os.environ.get(BUNDLED_ENV)
    return bool(bundled and Path(bundled).is_file()) or component_path(cache_dir).exists()


def prepare(cache_dir: Path, progress: Progress | None = None) -> Path:
    """This version's compiled component in ``cache_dir``, built and compiled first if missing
    (``progress`` hears each step). Two processes or threads build it once: the others wait."""
    target = component_path(cache_dir)
    if not target.exists():
        from filelock import FileLock  # only on a cache miss: it costs ~50 ms to import

        target.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(target) + ".lock"):
            if not target.exists():  # another process may have built it while we waited
                _build_into(target, progress or _print_progress)
    return target


def componentized(cache_dir: Path, on_start: Callable[[], None] = lambda: None) -> Path:
    """The guest component before compiling (machine-independent), built once into ``cache_dir``.
    The installer build compiles it for its own target, so it reuses this too."""
    wasm = cache_dir / "sandbox" / f"guest-{cache_key()}.wasm"
    if not wasm.exists():
        on_start()
        wasm.parent.mkdir(parents=True, exist_ok=True)
        partial = wasm.with_suffix(f".{os.getpid()}.{threading.get_ident()}.partial")
        _componentize(partial)
        os.replace(partial, wasm)
    return wasm


def _build_into(target: Path, progress: Progress) -> None:
    started = time.monotonic()

    def step(done: int, text: str) -> None:
        progress(BuildStep(done, 2, text, time.monotonic() - started))

    building = "building the guest component (CPython inside WebAssembly)"
    wasm = componentized(target.parent.parent, on_start=lambda: step(0, building))
    step(1, "compiling it for this computer")
    compile_file(wasm, target)
    for stale in target.parent.glob("guest-*.*wasm"):
        if stale not in (target, wasm):
            stale.unlink(missing_ok=True)
    step(2, "ready")


def compile_file(wasm: Path, target: Path, cpu_features_off: Sequence[str] = ()) -> None:
    """Compile the component ``wasm`` for this computer (or without ``cpu_features_off``, see
    ``make_engine``) into ``target``, serialized, written under a temporary name and renamed into place.

    In a child process: compiling in process left 287 MB with the process afterwards (411 MB at the
    peak; measured), which a window would keep for its whole first session. A child gives it all
    back when it ends. A frozen app (which ships its compiled component) compiles in process.
    """
    partial = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.partial")
    try:
        if getattr(sys, "frozen", False):
            compile_in_process(wasm, partial, cpu_features_off)
        else:
            _compile_in_child(wasm, partial, cpu_features_off)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def compile_in_process(wasm: Path, output: Path, cpu_features_off: Sequence[str] = ()) -> None:
    """``compile_file``'s work, in this process: what its child runs."""
    engine = make_engine(0, cpu_features_off)
    output.write_bytes(Component.compile(engine, wasm.read_bytes()).serialize())


def _compile_in_child(wasm: Path, output: Path, cpu_features_off: Sequence[str]) -> None:
    code = ("import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
            " from sandbox.build import compile_in_process;"
            " compile_in_process(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4:])")
    _in_child(code, [str(HERE.parent), str(wasm), str(output), *cpu_features_off], output,
              "compiling the sandbox component")


def _componentize(output: Path) -> None:
    # componentize-py's entry point reads sys.argv; in a child, its argument handling stays out of ours.
    args = ["componentize-py", "-d", str(WIT_PATH), "-w", "guest", "componentize",
            "-p", str(GUEST_DIR), GUEST_MODULE, "-o", str(output)]
    code = "import sys, componentize_py; sys.argv = sys.argv[1:]; componentize_py.script()"
    _in_child(code, args, output, "building the sandbox component")


def _in_child(code: str, args: Sequence[str], output: Path, doing: str) -> None:
    """Run ``code`` in a child Python (its memory goes back to the system when it ends), which must
    write ``output``; a RuntimeError with what it printed if it did not."""
    import subprocess

    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if done.returncode != 0 or not output.exists():
        raise RuntimeError(f"{doing} failed:\n{done.stderr or done.stdout}")


def _print_progress(step: BuildStep) -> None:
    print(step, file=sys.stderr, flush=True)


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
