"""Benchmark: journaled preview → apply → undo of a 10,000-file rename plan, against plain os.rename.

Run: ``.venv/bin/python bench/bench_apply.py [N]``. Every phase is timed in
the same run and printed as files/s and as a ratio to the floor (plain
``os.rename`` of the same number of files on the same disk), so the numbers
compare across machines. The target: journaled apply at ≥ 30 % of the floor.

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

from capabilities.apply import apply_plan
from capabilities.base import RunContext
from capabilities.dispatch import Dispatcher
from capabilities.files import Files
from capabilities.folders import folder_grants
from capabilities.journal import Journal
from capabilities.plan import Action, ActionPlan
from capabilities.undo import undo_run


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


def main(n: int = 10_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        names = make(root / "floor", n)
        floor_dir = root / "floor"
        floor = timed(lambda: [os.rename(floor_dir / a, floor_dir / f"r_{a}") for a in names])
        line("plain os.rename (floor)", n, floor, None)

        make(root / "Trip", n)
        grants = folder_grants([(str(root / "Trip"), "rw")])
        fresh = lambda: {"files": Files(grants, RunContext(holding=root / "holding"))}  # noqa: E731

        # The capability alone, without the journal: what the journal's overhead is measured against.
        plan, _ = preview(root, grants, n)
        host = fresh()["files"]
        outcomes: list[dict] = []  # type: ignore[type-arg]
        bare = timed(lambda: [host.verify(a) or outcomes.append(host.perform(a)) for a in plan])
        line("files alone: verify + perform", n, bare, floor)
        bare_undo = timed(lambda: [host.undo(a, o) for a, o in zip(reversed(plan.actions), reversed(outcomes),
                                                                  strict=True)])
        line("files alone: undo", n, bare_undo, floor)

        with Journal(root / "errand.db") as journal:
            holder: list[ActionPlan] = []
            took = timed(lambda: holder.append(preview(root, grants, n)[0]))
            line("preview (rename_many, dispatcher)", n, took, floor)
            rid = journal.start_run("rename the trip", "files.rename_many(...)", grants)
            took_save = timed(lambda: journal.save_plan(rid, holder[0]))
            line("  + save_plan into the journal", n, took_save, floor)
            print(f"{'  preview total':<40} {(took + took_save) * 1000:8.1f} ms  (target < 500 ms)")

            applied = timed(lambda: apply_plan(journal, rid, holder[0], fresh()))
            line("journaled apply (apply_plan)", n, applied, floor)
            assert journal.run(rid)["status"] == "applied"
            undone = timed(lambda: undo_run(journal, rid, fresh()))
            line("journaled undo (undo_run)", n, undone, floor)
            assert journal.run(rid)["status"] == "undone"
            plain = {"files": PlainRename()}
            rid2 = journal.start_run("rename the trip", "files.rename_many(...)", grants)
            journal.save_plan(rid2, holder[0])
            journal_only = timed(lambda: apply_plan(journal, rid2, holder[0], plain))  # type: ignore[arg-type]
            line("journaled apply, minimal capability", n, journal_only, floor)
            journal_undo = timed(lambda: undo_run(journal, rid2, plain))  # type: ignore[arg-type]
            line("journaled undo, minimal capability", n, journal_undo, floor)
        assert sorted(os.listdir(root / "Trip")) == names
        print(f"journal's share of apply time: {1 - bare / applied:.0%};"
              f" of undo time: {1 - bare_undo / undone:.0%}")
        for label, took in (("with files", applied), ("with a minimal capability", journal_only)):
            verdict = "meets" if floor / took >= 0.30 else "misses"
            print(f"journaled apply {label}: {floor / took:.1%} of os.rename, {verdict} the 30 % target")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
