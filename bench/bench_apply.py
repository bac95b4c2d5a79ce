"""Benchmark: journaled preview → apply → undo of a 10,000-file rename plan, against plain os.rename.

Run: ``.venv/bin/python bench/bench_apply.py [N]``. Every phase is timed in
the same run and printed as files/s and as a ratio to the floor (plain
``os.rename`` of the same number of files on the same disk), so the numbers
compare across machines. The target: journaled apply at ≥ 30 % of the floor.
On a shared, busy machine single timings swing 2×, so each round measures its
own floor right before its phases; the report gives the best time of each
phase and the median of the per-round ratios.

Phases: the preview (``files.rename_many`` through the real dispatcher, then
``save_plan`` into the journal); the ``files`` capability alone (verify +
perform, no journal) to show what the capability itself costs; the journaled
``apply_plan`` and ``undo_run`` (the product's path: intents and outcomes in
batches, WAL, ``synchronous=FULL``); the journal's share of the apply; and
the same journaled apply over a minimal rename capability (stat + os.rename),
which isolates what the journal itself costs.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from capabilities.api.files import Files
from capabilities.base import RunContext
from capabilities.dispatch import Dispatcher
from capabilities.engine.apply import apply_plan
from capabilities.engine.undo import undo_run
from capabilities.folders.granted import folder_grants
from capabilities.journal import Journal
from capabilities.plan import Action, ActionPlan


def make(folder: Path, n: int) -> list[str]:
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"IMG_{i:05d}.jpg").write_bytes(b"x" * (i % 100))
    return sorted(os.listdir(folder))


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def line(label: str, n: int, took: float, floor: float | None) -> None:
    ratio = "" if floor is None else f"  {floor / took:6.1%} of the os.rename rate"
    print(f"{label:<40} {took * 1000:8.1f} ms  {n / took:9.0f} files/s{ratio}")


def preview(root: Path, grants: list, n: int) -> tuple[ActionPlan, Files]:  # type: ignore[type-arg]
    context = RunContext(holding=root / "holding")
    files = Files(grants, context)
    call = Dispatcher({"files": files})
    listed = call("files.list", {"args": ["Trip"], "kwargs": {}})
    call("files.rename_many", {"args": [[[p, p.replace("IMG_", "Trip_")] for p in listed]], "kwargs": {}})
    assert len(context.plan) == n
    return context.plan, files


class PlainRename:
    """The least a rename capability can do (stat the source, os.rename, and back): isolates the
    journal's own cost. Duck-typed, not registered: only apply/undo ever see it."""

    def verify(self, action: Action) -> None:
        os.stat(action.detail["src"])

    def perform(self, action: Action) -> dict[str, str]:
        os.rename(action.detail["src"], action.detail["dst"])
        return {"undo": "rename back"}

    def undo(self, action: Action, outcome: object) -> None:
        os.rename(action.detail["dst"], action.detail["src"])


def one_round(root: Path, grants: list, names: list[str], journal: Journal) -> dict[str, float]:  # type: ignore[type-arg]
    """Every phase once, with its own os.rename floor measured just before (the machine may be busy)."""
    n = len(names)
    # The floor is plain os.rename on prepared str paths: pathlib joins in the loop would slow the
    # floor ~2x and flatter every ratio against it.
    floor_dir = str(root / "floor")
    pairs = [(f"{floor_dir}/{a}", f"{floor_dir}/r_{a}") for a in names]
    times = {"floor": timed(lambda: [os.rename(src, dst) for src, dst in pairs])}
    for src, dst in pairs:
        os.rename(dst, src)
    fresh = lambda: {"files": Files(grants, RunContext(holding=root / "holding"))}  # noqa: E731

    # The capability alone, without the journal: what the journal's overhead is measured against.
    plan, _ = preview(root, grants, n)
    host = fresh()["files"]
    outcomes: list[dict] = []  # type: ignore[type-arg]
    times["files alone: verify + perform"] = timed(
        lambda: [host.verify(a) or outcomes.append(host.perform(a)) for a in plan])
    times["files alone: undo"] = timed(lambda: [host.undo(a, o) for a, o in zip(
        reversed(plan.actions), reversed(outcomes), strict=True)])

    holder: list[ActionPlan] = []
    times["preview (rename_many, dispatcher)"] = timed(lambda: holder.append(preview(root, grants, n)[0]))
    rid = journal.start_run("rename the trip", "files.rename_many(...)", grants)
    times["  + save_plan into the journal"] = timed(lambda: journal.save_plan(rid, holder[0]))
    times["journaled apply (apply_plan)"] = timed(lambda: apply_plan(journal, rid, holder[0], fresh()))
    assert journal.run(rid)["status"] == "applied"
    times["journaled undo (undo_run)"] = timed(lambda: undo_run(journal, rid, fresh()))
    assert journal.run(rid)["status"] == "undone"

    plain = {"files": PlainRename()}
    rid = journal.start_run("rename the trip", "files.rename_many(...)", grants)
    journal.save_plan(rid, holder[0])
    times["journaled apply, minimal capability"] = timed(
        lambda: apply_plan(journal, rid, holder[0], plain))  # type: ignore[arg-type]
    times["journaled undo, minimal capability"] = timed(
        lambda: undo_run(journal, rid, plain))  # type: ignore[arg-type]
    assert sorted(os.listdir(root / "Trip")) == names
    return times


def main(n: int = 10_000, rounds: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make(root / "floor", n)
        names = make(root / "Trip", n)
        grants = folder_grants([(str(root / "Trip"), "rw")])
        with Journal(root / "errand.db") as journal:
            results = [one_round(root, grants, names, journal) for _ in range(rounds)]
    # Best of the rounds for each phase (the least disturbed run), and the median of the
    # per-round ratios (each phase against the floor measured in its own round).
    best = {k: min(r[k] for r in results) for k in results[0]}
    print(f"{n} files, best of {rounds} rounds; ratio = median over rounds of floor / phase")
    line("plain os.rename (floor)", n, best["floor"], None)
    for phase in results[0]:
        if phase != "floor":
            ratios = sorted(r["floor"] / r[phase] for r in results)
            median = ratios[len(ratios) // 2]
            print(f"{phase:<40} {best[phase] * 1000:8.1f} ms  {n / best[phase]:9.0f} files/s  "
                  f"{median:6.1%} of the os.rename rate")
    preview_total = best["preview (rename_many, dispatcher)"] + best["  + save_plan into the journal"]
    print(f"preview + save_plan: {preview_total * 1000:.0f} ms (target < 500 ms)")
    share = 1 - best["files alone: verify + perform"] / best["journaled apply (apply_plan)"]
    print(f"journal's share of the apply time: {share:.0%}")
    for label, phase in (("with files", "journaled apply (apply_plan)"),
                         ("with a minimal capability", "journaled apply, minimal capability")):
        ratio = sorted(r["floor"] / r[phase] for r in results)[len(results) // 2]
        verdict = "meets" if ratio >= 0.30 else "misses"
        print(f"journaled apply {label}: {ratio:.1%} of os.rename, {verdict} the 30 % target")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
