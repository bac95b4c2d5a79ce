"""``plan_frozen``: a plan is out of the collector's view while apply and undo walk it, and handed back
after, unless the process had frozen its heap for good before (a one-shot CLI command)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str) -> str:
    """In a process of its own: the freeze is process-wide, and other tests freeze their heap too."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_plan_is_frozen_during_the_loop_and_handed_back_after() -> None:
    out = _run("""
        import gc
        from capabilities.engine.collector import plan_frozen
        frozen = lambda x: not any(o is x for o in gc.get_objects())  # out of every generation
        plan = [{"seq": i, "detail": {"src": str(i)}} for i in range(1000)]
        seen = [frozen(plan)]
        with plan_frozen():
            seen.append(frozen(plan))
            made = [[1]]  # during the loop: still collected as usual
            seen.append(frozen(made))
            with plan_frozen():  # a second loop at once (two automations)
                seen.append(frozen(plan))
            seen.append(frozen(plan))  # the outer one still runs
        seen.append(frozen(plan))
        print(seen)
    """)
    assert out == "[False, True, False, True, True, False]"


def test_a_heap_frozen_before_stays_frozen() -> None:
    out = _run("""
        import gc
        from capabilities.engine.collector import plan_frozen
        frozen = lambda x: not any(o is x for o in gc.get_objects())
        start_up = [[0]]
        gc.freeze()  # as a one-shot CLI command does
        plan = [[i] for i in range(1000)]
        with plan_frozen():
            pass
        print(frozen(start_up), frozen(plan))
    """)
    assert out == "True True"


def test_an_apply_hands_the_plan_back_even_when_it_fails(tmp_path: Path) -> None:
    out = _run(f"""
        import gc
        from capabilities.engine.apply import apply_plan
        from capabilities.journal import Journal
        from capabilities.plan import Action
        j = Journal({str(tmp_path / "errand.db")!r})
        run = j.start_run("x", "s", [])
        plan = [Action(1, "files", "rename", {{}}, {{"src": "/nowhere/a", "dst": "/nowhere/b"}}, "Rename a")]
        report = apply_plan(j, run, plan, {{}})  # no such capability: refused, the run ends failed
        print(report.status, gc.get_freeze_count())
    """)
    assert out == "failed 0"
