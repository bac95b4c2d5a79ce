"""Benchmark: a large rename plan through the real ``errand`` command, at two sizes, for linear scaling.

Run: ``.venv/bin/python bench/bench_large_plans.py [N ...]`` (default 10000 100000;
keep the sizes small on a shared machine). For each size it times, as a
person would see them, ``errand run --preview-only``, ``errand run --yes`` and
``errand undo`` of one script renaming every file, each in its own process,
with the process's peak memory (``ru_maxrss``), the journal's size per action,
and the floor: plain ``os.rename`` of the same number of files on ``str``
paths (no pathlib, no journal) in the same run. Printed: each phase against
its floor, and the larger size's time as a multiple of the smaller one's
(linear is 10× for 10× the files; the target is at most 12×).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ('moves = [[p, p.replace("IMG_", "Trip_")] for p in files.list("Trip")]\n'
          'files.rename_many(moves)\n')


def make(folder: Path, n: int) -> list[str]:
    folder.mkdir(parents=True)
    old = time.time_ns() - 365 * 86400 * 10**9  # last year's photos: nothing is hashed at preview
    for i in range(n):
        path = os.path.join(folder, f"IMG_{i:06d}.jpg")
        with open(path, "wb") as handle:
            handle.write(b"x")
        os.utime(path, ns=(old, old))
    return sorted(os.listdir(folder))


def floor(folder: Path, names: list[str]) -> float:
    """Plain os.rename on str paths, there and back; the time of one direction."""
    base = str(folder)
    there = [(f"{base}/{a}", f"{base}/r_{a}") for a in names]
    start = time.perf_counter()
    for src, dst in there:
        os.rename(src, dst)
    took = time.perf_counter() - start
    for src, dst in there:
        os.rename(dst, src)
    return took


def errand(home: Path, *args: str) -> tuple[float, float, dict]:  # type: ignore[type-arg]
    """One ``errand`` process: (seconds, its peak RSS in MB, its JSON answer)."""
    env = {**os.environ, "ERRAND_HOME": str(home)}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "desktop.cli", *args, "--json"], cwd=ROOT, env=env,
                                stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)  # this process's own peak, not the largest child's
        took = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            why = err.read().decode()[-2000:]
            raise SystemExit(f"errand {' '.join(args)} failed ({proc.returncode}): {why}")
        return took, usage.ru_maxrss / 1024, json.loads(out.read().decode().strip().splitlines()[-1])


def one_size(n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        names = make(root / "Trip", n)
        make(root / "floor", n)
        home = root / "home"
        home.mkdir()
        script = root / "rename.py"
        script.write_text(SCRIPT, encoding="utf-8")
        grant = ["--grant", f"files={root / 'Trip'}"]
        (root / "warm" / "Trip").mkdir(parents=True)  # an untimed first run fills the sandbox's cache
        errand(home, "run", str(script), "--grant", f"files={root / 'warm' / 'Trip'}", "--preview-only")
        figures = {"floor": floor(root / "floor", sorted(os.listdir(root / "floor")))}
        figures["preview"], figures["preview MB"], _ = errand(home, "run", str(script), *grant,
                                                              "--preview-only")
        figures["apply"], figures["apply MB"], report = errand(home, "run", str(script), *grant, "--yes")
        run_id = str(report["run_id"])
        figures["journal KB/action"] = _db_size(home) / 1024 / n
        figures["undo"], figures["undo MB"], _ = errand(home, "undo", run_id)
        assert sorted(os.listdir(root / "Trip")) == names, "undo did not put every name back"
    return figures


def _db_size(home: Path) -> float:
    return float(sum(p.stat().st_size for p in home.rglob("*.db*")))


def main(sizes: list[int]) -> None:
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min)")
    results = {n: one_size(n) for n in sizes}
    for n, f in results.items():
        print(f"{n:,} files: floor (os.rename, str paths) {f['floor'] * 1000:.0f} ms; "
              f"journal {f['journal KB/action']:.2f} KB/action")
        for phase in ("preview", "apply", "undo"):
            rate = f["floor"] / f[phase]
            print(f"  {phase:<8} {f[phase]:7.2f} s  peak {f[phase + ' MB']:6.0f} MB  "
                  f"{rate:6.1%} of os.rename")
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        for phase in ("preview", "apply", "undo"):
            times = results[large][phase] / results[small][phase]
            print(f"{phase}: {large:,} takes {times:.1f}× {small:,} "
                  f"(files ×{large / small:.0f}; target ≤ 12×)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
