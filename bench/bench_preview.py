"""Benchmark: previewing a large rename plan through the real ``errand`` command, for linear scaling.

Run: ``.venv/bin/python bench/bench_preview.py [N ...] [--rounds R] [--before TREE] [--text]``
(default sizes 10000 100000, 3 rounds). Each round runs ``errand run --preview-only --json``
(``--text``: the table a person reads instead) of ``bench_large_plans``' script renaming every
file, in its own process, and takes its time and peak memory (``ru_maxrss`` of that process).
``--before TREE``: also run another checkout of Errand (e.g. ``git archive`` of the commit before a
change), interleaved round by round with this one, so both are measured in the same run under the
same load. Printed: min/median/max per size, the largest size's median time as a multiple of the
smallest's (linear is 10x for 10x the files; the target is at most 12x, 1.2x linear), the peak against the
250 MB target, and the machine's load before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_large_plans import SCRIPT, make  # the same folder and script

ROOT = Path(__file__).resolve().parent.parent
PEAK_TARGET_MB = 250
TIMES_TARGET = 12


def preview(tree: Path, home: Path, script: Path, folder: Path, text: bool) -> tuple[float, float]:
    """One ``errand run --preview-only`` process of ``tree``: (seconds, its peak RSS in MB)."""
    args = [sys.executable, "-m", "desktop.cli", "run", str(script), "--grant", f"files={folder}",
            "--preview-only", *([] if text else ["--json"])]
    env = {**os.environ, "ERRAND_HOME": str(home), "PYTHONPATH": str(tree), "COLUMNS": "120"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, cwd=tree, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{tree}: errand failed: {err.read().decode()[-2000:]}")
        out.seek(0)
        if not text and b'"status": "previewed"' not in out.read():
            raise SystemExit(f"{tree}: the preview did not say it was previewed")
    return took, usage.ru_maxrss / 1024


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def spread(values: list[float], unit: str, digits: int) -> str:
    return (f"{min(values):.{digits}f}/{statistics.median(values):.{digits}f}/"
            f"{max(values):.{digits}f} {unit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another Errand checkout, measured in the same run")
    parser.add_argument("--text", action="store_true", help="the table a person reads, not --json")
    args = parser.parse_args()
    trees = {"before": args.before.resolve()} if args.before else {}
    trees["now"] = ROOT
    output = "text" if args.text else "json"
    print(f"load before: {load()} (1/5/15 min); rounds {args.rounds}; output {output}")
    results: dict[tuple[str, int], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        home = Path(os.environ.get("BENCH_ERRAND_HOME", root / "home"))  # keep the sandbox's cache
        home.mkdir(parents=True, exist_ok=True)
        script = root / "rename.py"
        script.write_text(SCRIPT, encoding="utf-8")
        (root / "warm" / "Trip").mkdir(parents=True)
        for tree in trees.values():  # an untimed first run fills the sandbox's cache
            preview(tree, home, script, root / "warm" / "Trip", args.text)
        for n in args.sizes:
            folder = root / f"n{n}" / "Trip"
            make(folder, n)
            for _ in range(args.rounds):
                for name, tree in trees.items():
                    results.setdefault((name, n), []).append(preview(tree, home, script, folder, args.text))
    print(f"load after:  {load()}")
    for name in trees:
        print(f"[{name}] {trees[name]}")
        for n in args.sizes:
            runs = results[(name, n)]
            print(f"  {n:>7,} files: preview {spread([r[0] for r in runs], 's', 2)}  "
                  f"peak {spread([r[1] for r in runs], 'MB', 0)}  (min/median/max)")
        small, large = args.sizes[0], args.sizes[-1]
        if large != small:
            times = (statistics.median(r[0] for r in results[(name, large)])
                     / statistics.median(r[0] for r in results[(name, small)]))
            peak = max(r[1] for r in results[(name, large)])
            target = TIMES_TARGET / 10 * large / small  # 12x for 10x the files: within 1.2x of linear
            print(f"  {large:,} takes {times:.1f}x {small:,} (files x{large / small:.0f}; target <= "
                  f"{target:g}x{'' if times <= target else ', MISSED'}); peak {peak:.0f} MB "
                  f"(target < {PEAK_TARGET_MB} MB{'' if peak < PEAK_TARGET_MB else ', MISSED'})")


if __name__ == "__main__":
    main()
