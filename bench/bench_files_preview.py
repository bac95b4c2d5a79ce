"""Benchmark: preview, apply and undo of a 10,000-file rename plan, against plain os.rename.

Run: ``.venv/bin/python bench/bench_files_preview.py [N]``. Prints files/s for
each phase and its ratio to the floor measured in the same run (plain
``os.rename`` of the same files), so the numbers compare across machines.
Apply and undo here call the capability directly (no journal); the journaled
apply is benchmarked with the journal.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from capabilities.api.files import Files
from capabilities.base import RunContext
from capabilities.dispatch import Dispatcher
from capabilities.folders.granted import folder_grants


def _make(folder: Path, n: int) -> None:
    # Photos from last year: a file modified in the last seconds would also be hashed at preview.
    folder.mkdir(parents=True)
    old = time.time_ns() - 365 * 86400 * 10**9
    for i in range(n):
        path = folder / f"IMG_{i:05d}.jpg"
        path.write_bytes(b"x")
        os.utime(path, ns=(old, old))


def _timed(label: str, n: int, floor: float | None, func) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    func()
    took = time.perf_counter() - start
    ratio = "" if floor is None else f"  {floor / took:6.1%} of the os.rename rate"
    print(f"{label:<34} {took * 1000:8.1f} ms  {n / took:10.0f} files/s{ratio}")
    return took


def main(n: int = 10_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _make(root / "floor", n)
        names = sorted(os.listdir(root / "floor"))

        def bare(prefix: str, old: str = "") -> None:
            for a in names:
                os.rename(root / "floor" / f"{old}{a}", root / "floor" / f"{prefix}{a}")

        # The machine may be busy: the floor is the faster of two passes.
        floor = min(_timed("plain os.rename (floor)", n, None, lambda: bare("r_")),
                    _timed("plain os.rename (again)", n, None, lambda: bare("s_", "r_")))

        _make(root / "Trip", n)
        grants = folder_grants([(str(root / "Trip"), "rw")])

        def preview(bulk: bool) -> RunContext:
            ctx = RunContext(holding=root / "holding")
            call = Dispatcher({"files": Files(grants, ctx)})
            listed = call("files.list", {"args": ["Trip"], "kwargs": {}})
            moves = [[p, p.replace("IMG_", "Trip_2024_")] for p in listed]
            if bulk:
                call("files.rename_many", {"args": [moves], "kwargs": {}})
            else:
                for src, dst in moves:
                    call("files.rename", {"args": [src, dst], "kwargs": {}})
            assert len(ctx.plan) == n
            return ctx

        contexts: list[RunContext] = []
        _timed("preview, one call per rename", n, floor, lambda: contexts.append(preview(False)))
        _timed("preview, rename_many", n, floor, lambda: contexts.append(preview(True)))
        plan = contexts[-1].plan
        host = Files(grants, RunContext(holding=root / "holding"))
        outcomes: list = []

        def apply() -> None:
            for action in plan:
                host.verify(action)
                outcomes.append(host.perform(action))

        _timed("apply (verify + perform)", n, floor, apply)
        _timed("undo", n, floor, lambda: [host.undo(a, o) for a, o in zip(reversed(plan.actions),
                                                                            reversed(outcomes), strict=True)])
        assert sorted(os.listdir(root / "Trip")) == sorted(names)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
