"""Keep the garbage collector's hands off a plan while it is carried out.

A plan of 100,000 actions is a few million objects that live until the apply
(or undo) is over. Each outcome the loop makes survives into the oldest
generation until its batch is journaled, so every few batches the collector
walks the whole plan again: about 0.2 s of a 100,000-rename apply, and as much
of its undo, for nothing (the plan is not garbage). ``plan_frozen`` moves
everything alive when the loop starts out of the collector's view
(``gc.freeze``); what the loop makes is still collected as usual.

Afterwards the frozen objects are handed back (``gc.unfreeze``), so a
long-lived window collects an old plan's cycles like any others; but only if
nothing was frozen before: a one-shot CLI command freezes its start-up heap
for good (``desktop.cli.common.fewer_collections``), and handing that back
would undo its choice. Nested and concurrent loops (two automations at once)
share one freeze, handed back when the last one ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["plan_frozen"]

_lock = threading.Lock()


class _Freeze:
    depth = 0  # loops under way
    hand_back = False  # whether the first of them found nothing frozen


@contextmanager
def plan_frozen() -> Iterator[None]:
    """``with plan_frozen():`` around a loop over a plan that lives as long as the loop."""
    with _lock:
        if _Freeze.depth == 0:
            _Freeze.hand_back = gc.get_freeze_count() == 0
        _Freeze.depth += 1
        gc.freeze()  # (again when nested: what the outer loop has made since is long-lived too)
    try:
        yield
    finally:
        with _lock:
            _Freeze.depth -= 1
            if _Freeze.depth == 0 and _Freeze.hand_back:
                gc.unfreeze()
