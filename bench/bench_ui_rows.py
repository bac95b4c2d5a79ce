"""Benchmark: the window's preview at 10,000 and 100,000 changes, for linear scaling.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_ui_rows.py [N ...]`` (default
10000 100000). The real preview page (``desktop.ui.preview_view.PreviewView``, shown at
820×560 offscreen, each step followed by the repaint a person would wait for) is given a plan
of moves and copies into 100 folders; it times showing the preview,
a search, clearing it, sorting by the new names, grouping by folder, one name edited while
grouped (the core's ``rename_change``, then the row and its group repainted), and one change
unticked while grouped. The preview's rows, what relies on what and its headline are timed
apart: the flow works them out on the thread pool with the preview (``review_of``), so only
the rest is the GUI thread's. Each is repeated (min / median / max) and printed against the floor
measured in the same run: building a plain list of the same rows' texts. The larger size's
median is printed as a multiple of the smaller one's (linear is 10× for 10× the changes).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from capabilities.engine.edit import rename_change
from capabilities.plan import Action, ActionPlan
from desktop.ui.preview_view import PreviewView, review_of
from desktop.ui.theme import apply_theme

REPEAT = 3
FOLDERS = 100
ROOT = "/nowhere/bench"  # never touched: the plan is only shown, the folders need not exist


def plan_of(n: int) -> ActionPlan:
    """Moves into 100 folders, every tenth change a copy instead (a copy says what it makes)."""
    plan = ActionPlan()
    for i in range(n):
        src, dst = f"Trip/IMG_{i:06d}.jpg", f"Trip/Folder {i % FOLDERS:03d}/IMG_{i:06d}.jpg"
        detail = {"src": f"{ROOT}/{src}", "dst": f"{ROOT}/{dst}", "replaces": None, "hold_id": None,
                  "fingerprint": {"kind": "file", "size": 1000 + i, "mtime_ns": 0}}
        op, words = ("copy", f"Copy {src} to {dst}") if i % 10 == 9 else ("rename", f"Move {src} → {dst}")
        plan.add("files", op, {"src": src, "dst": dst}, detail, words, before=src, after=dst)
    return plan


def preview_of(plan: ActionPlan) -> Any:
    """What ``PreviewView.show_preview`` reads of an ``Assistant.preview`` result, for this plan."""
    return SimpleNamespace(ok=True, plan=plan, request="", planner="script", grants=[],
                           outcome=SimpleNamespace(log=[], result=None, error=None),
                           flagged=dict, effect=lambda _action: None, allow_flagged=lambda: None)


def timed(app: QApplication, step: Callable[[], Any],
          before: Callable[[], Any] = lambda: None) -> list[float]:
    """Seconds of ``step`` and the repaint it causes, ``REPEAT`` times (``before`` is not timed)."""
    times = []
    for _ in range(REPEAT):
        before()
        app.processEvents()
        start = time.perf_counter()
        step()
        app.processEvents()
        times.append(time.perf_counter() - start)
    return times


def measure(app: QApplication, n: int) -> dict[str, list[float]]:
    plan = plan_of(n)
    preview = preview_of(plan)
    view = PreviewView()
    view.resize(820, 560)
    view.show()
    app.processEvents()
    edits = iter(range(10**6))

    def renamer(seq: int, name: str, relies: dict[int, set[int]]) -> Action:  # as the flow's, on this plan
        plan.actions = rename_change(plan.actions, seq, name, relies)
        return next(a for a in plan.actions if a.seq == seq)

    view.renamer = renamer
    found: dict[str, list[float]] = {}
    found["floor: a plain list of the rows"] = timed(app, lambda: [
        (a.seq, f"{a.op}", a.before or "", a.after or "", a.summary) for a in plan.actions])
    made: list[Any] = []
    found["rows, relies, headline (pool)"] = timed(app, lambda: made.append(review_of(preview)))
    found["show the preview (GUI thread)"] = timed(app, lambda: view.show_preview(preview, made[-1]))

    def search(text: str) -> None:
        view.review.search.setText(text)
        view.review.flush()

    found["search"] = timed(app, lambda: search("folder 007"), lambda: search(""))
    found["clear the search"] = timed(app, lambda: search(""), lambda: search("folder 007"))
    found["sort by the new names"] = timed(
        app, lambda: view.table.sortByColumn(2, Qt.SortOrder.DescendingOrder), lambda: view.shown.sort(-1))
    found["group by folder"] = timed(app, lambda: view.review.group.setChecked(True),
                                     lambda: view.review.group.setChecked(False))
    view.review.group.setChecked(True)
    app.processEvents()
    found["edit one name, grouped"] = timed(app, lambda: view._rename(5, f"renamed {next(edits)}.jpg"))
    found["untick one change, grouped"] = timed(
        app, lambda: view.model.set_left_out([7]), lambda: view.model.set_left_out([7], False))
    view.close()
    view.deleteLater()
    app.processEvents()
    return found


def main(sizes: list[int]) -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    apply_theme(app)  # type: ignore[arg-type]
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    results = {n: measure(app, n) for n in sizes}  # type: ignore[arg-type]
    for n, found in results.items():
        floor = statistics.median(found["floor: a plain list of the rows"])
        print(f"\n{n:,} changes{'':<21}   min ms  median ms   max ms   × floor")
        for name, times in found.items():
            median = statistics.median(times)
            print(f"  {name:<32} {min(times) * 1e3:8.1f} {median * 1e3:10.1f} {max(times) * 1e3:8.1f}"
                  f" {median / floor:9.1f}")
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        print(f"\n{large:,} against {small:,} (linear is {large / small:.0f}×), medians:")
        for name in results[small]:
            ratio = statistics.median(results[large][name]) / statistics.median(results[small][name])
            print(f"  {name:<32} {ratio:6.1f}×")
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000])
