"""Run the ``errand`` command with its apply and undo phases timed from inside (for bench_large_plans).

``python bench/phase_hook.py <errand args>`` with the checkout under test as
the working folder: the same command as ``python -m desktop.cli``, but
``apply_plan`` (what ``errand run --yes`` does after its preview) and
``Assistant.undo`` (all of ``errand undo`` after start-up) are wrapped to
record their own wall time, the garbage collector's share of it, and their
own peak memory. The peak is the
kernel's resident high-water mark (``VmHWM``), reset just before the phase
through ``/proc/self/clear_refs`` so it shows the phase, not the preview
before it; the mark before the reset is kept too, so the process's overall
peak is still known (its own: ``wait4`` would also count its children's).
The figures go as JSON to the file named by ``ERRAND_BENCH_PHASES``. Linux
only (as are the benches' memory figures).
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import re
import resource
import runpy
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.getcwd())  # the checkout under test, not this file's

PHASES: dict[str, Any] = {}
_GC = {"since": 0.0, "total": 0.0}  # the garbage collector's time (all of it, and since the last start)


def _gc_timer(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _GC["since"] = time.perf_counter()
    else:
        _GC["total"] += time.perf_counter() - _GC["since"]


def high_water_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        found = re.search(r"VmHWM:\s+(\d+)", status.read())
    return int(found.group(1)) / 1024 if found else 0.0


def timed(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    def phase(*args: Any, **kwargs: Any) -> Any:
        PHASES["peak before MB"] = max(PHASES.get("peak before MB", 0.0), high_water_mb())
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")  # reset the high-water mark to what is resident now
        PHASES[f"{name} start MB"] = high_water_mb()
        start, collecting = time.perf_counter(), _GC["total"]
        try:
            return func(*args, **kwargs)
        finally:
            PHASES[name] = time.perf_counter() - start
            PHASES[f"{name} MB"] = high_water_mb()
            PHASES[f"{name} gc s"] = _GC["total"] - collecting
    return phase


def _write() -> None:
    PHASES["exit MB"] = high_water_mb()  # the process's own mark since the last reset
    PHASES["children MB"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    target = os.environ.get("ERRAND_BENCH_PHASES")
    if target:
        with open(target, "w", encoding="utf-8") as out:
            json.dump(PHASES, out)


def main() -> None:
    from desktop.core import assistant

    assistant.apply_plan = timed("apply", assistant.apply_plan)  # type: ignore[attr-defined]
    assistant.Assistant.undo = timed("undo", assistant.Assistant.undo)  # type: ignore[method-assign]
    gc.callbacks.append(_gc_timer)
    atexit.register(_write)
    sys.argv = ["errand", *sys.argv[1:]]
    runpy.run_module("desktop.cli", run_name="__main__")


if __name__ == "__main__":
    main()
