"""Benchmark: a large rename plan through the real ``errand`` command, at two sizes, for linear scaling.

Run: ``.venv/bin/python bench/bench_large_plans.py [N ...] [--repeat K] [--tree PATH] [--json FILE]``
(default 10000 100000, one round; keep the sizes small on a shared machine).
For each size it times, as a person would see them, ``errand run
--preview-only``, ``errand run --yes`` and ``errand undo`` of one script
renaming every file, each in its own process, with the process's peak memory,
the journal's size per action, the checked floor (the system calls a checked
rename cannot do without: ``checked_floor``), and the floor: plain ``os.rename`` of the
same number of files on ``str`` paths (no pathlib, no journal) in the same
round. ``errand run --yes`` previews before it applies, so the apply itself
is also timed from inside the process (``phase_hook``: ``apply_plan`` alone,
and all of ``Assistant.undo``), with its own peak memory; those are the
figures the apply and undo targets are about (≥ 50 % and ≥ 40 % of the
``os.rename`` rate, under 250 MB, 100,000 in at most 12× the time of
10,000).

Plain renames go through the C loop (``capabilities/folders/_renames.c``) where
it is built; ``ERRAND_PYTHON_RENAMES=1`` in the environment measures the
Python path alone, for a comparison in the same session.

``--tree`` runs another checkout (e.g. the code before a change, exported
with ``git archive``) so before and after are measured in the same session;
``--repeat`` gives min/median/max; ``--json`` writes the figures (medians and
ranges, with the machine's load) for ``baseline.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOOK = Path(__file__).resolve().with_name("phase_hook.py")
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


def checked_floor(folder: Path, names: list[str]) -> float:
    """The system calls a journaled rename cannot do without, there and back; the time of one direction.

    Per file: the source's ``lstat`` (is it as the preview saw it?), the folder's ``fstat`` before
    and after (its own modified time, for an exact undo) and the rename relative to the open
    folder: what apply does besides Python and the journal. Its rate against ``floor`` is the
    highest share of bare ``os.rename`` a checked apply could reach.
    """
    fd = os.open(folder, os.O_RDONLY)
    try:
        def one_way(pairs: list[tuple[str, str]]) -> float:
            start = time.perf_counter()
            for src, dst in pairs:
                os.stat(src, dir_fd=fd, follow_symlinks=False)
                os.fstat(fd)
                os.rename(src, dst, src_dir_fd=fd, dst_dir_fd=fd)
                os.fstat(fd)
            return time.perf_counter() - start
        there = [(a, f"c_{a}") for a in names]
        took = one_way(there)
        one_way([(b, a) for a, b in there])
        return took
    finally:
        os.close(fd)


def errand(tree: Path, home: Path, *args: str) -> tuple[float, float, dict, dict]:  # type: ignore[type-arg]
    """One ``errand`` process: (seconds, its peak RSS in MB, its JSON answer, its timed phases)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(suffix=".json") as phases:
        env = {**os.environ, "ERRAND_HOME": str(home), "ERRAND_BENCH_PHASES": phases.name,
               "PYTHONPATH": str(tree)}
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(HOOK), *args, "--json"], cwd=tree, env=env,
                                stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)  # this process's own peak, not the largest child's
        took = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            why = err.read().decode()[-2000:]
            raise SystemExit(f"errand {' '.join(args)} failed ({proc.returncode}): {why}")
        timed = json.loads(Path(phases.name).read_text("utf-8") or "{}")
        # The process's own peak: the hook's marks (it resets the kernel's high-water mark before a
        # phase), not wait4's, which is also the largest of the process's children.
        marks = [v for k, v in timed.items() if k.endswith("MB") and k != "children MB"]
        peak = max(marks) if marks else usage.ru_maxrss / 1024
        return took, peak, json.loads(out.read().decode().strip().splitlines()[-1]), timed


def one_size(tree: Path, n: int) -> dict[str, float]:
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
        errand(tree, home, "run", str(script), "--grant", f"files={root / 'warm' / 'Trip'}", "--preview-only")
        listed = sorted(os.listdir(root / "floor"))
        figures = {"floor": floor(root / "floor", listed),
                   "checked floor": checked_floor(root / "floor", listed)}
        figures["preview"], figures["preview MB"], _, _ = errand(tree, home, "run", str(script), *grant,
                                                                 "--preview-only")
        figures["run --yes"], figures["run --yes MB"], report, timed = errand(
            tree, home, "run", str(script), *grant, "--yes")
        figures["apply"], figures["apply MB"] = timed["apply"], timed["apply MB"]
        print(f"  {n:,}: run --yes marks {timed}", flush=True)
        run_id = str(report["run_id"])
        figures["journal KB/action"] = _db_size(home) / 1024 / n
        figures["undo process"], figures["undo process MB"], _, timed = errand(tree, home, "undo", run_id)
        figures["undo"], figures["undo MB"] = timed["undo"], timed["undo MB"]
        print(f"  {n:,}: undo process marks {timed}", flush=True)
        assert sorted(os.listdir(root / "Trip")) == names, "undo did not put every name back"
    return figures


def _db_size(home: Path) -> float:
    return float(sum(p.stat().st_size for p in home.rglob("*.db*")))


PHASES = ("preview", "run --yes", "apply", "undo process", "undo")


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout to run (default: this one)")
    parser.add_argument("--json", type=Path, help="write the figures there (for baseline.json)")
    args = parser.parse_args()
    loads = [_load()]
    print(f"tree {args.tree}; load: {loads[0]} (1/5/15 min)")
    rounds: dict[int, list[dict[str, float]]] = {n: [] for n in args.sizes}
    for _ in range(args.repeat):
        for n in args.sizes:
            rounds[n].append(one_size(args.tree, n))
            loads.append(_load())
    print(f"load after: {loads[-1]}")
    summary: dict[str, object] = {"load_1_5_15": loads, "rounds": args.repeat}
    for n, found in rounds.items():
        median = {k: statistics.median(f[k] for f in found) for k in found[0]}
        spread = {k: [min(f[k] for f in found), max(f[k] for f in found)] for k in found[0]}
        print(f"{n:,} files: floor (os.rename, str paths) {median['floor'] * 1000:.0f} ms "
              f"[{spread['floor'][0] * 1000:.0f}–{spread['floor'][1] * 1000:.0f}]; "
              f"journal {median['journal KB/action']:.2f} KB/action")
        checked = sorted(f["floor"] / f["checked floor"] for f in found)
        print(f"  checked floor (lstat, fstat, rename, fstat) {median['checked floor'] * 1000:.0f} ms = "
              f"{statistics.median(checked):.1%} of os.rename [{checked[0]:.1%}–{checked[-1]:.1%}]: "
              "the most a checked apply could reach")
        for phase in PHASES:
            rates = sorted(f["floor"] / f[phase] for f in found)
            print(f"  {phase:<13} {median[phase]:7.2f} s [{spread[phase][0]:.2f}–{spread[phase][1]:.2f}]  "
                  f"peak {median[phase + ' MB']:5.0f} MB  {statistics.median(rates):6.1%} of os.rename "
                  f"[{rates[0]:.1%}–{rates[-1]:.1%}]")
        summary[str(n)] = {"median": median, "min_max": spread,
                           "rate_of_os_rename": {p: statistics.median(f["floor"] / f[p] for f in found)
                                                 for p in PHASES}}
    if len(args.sizes) >= 2:
        small, large = args.sizes[0], args.sizes[-1]
        for phase in PHASES:
            times = statistics.median(f[phase] for f in rounds[large]) / statistics.median(
                f[phase] for f in rounds[small])
            print(f"{phase}: {large:,} takes {times:.1f}× {small:,} "
                  f"(files ×{large / small:.0f}; target ≤ 12×)")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1), "utf-8")


if __name__ == "__main__":
    main()
