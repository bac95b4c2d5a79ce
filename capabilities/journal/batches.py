"""How apply and undo cut their work into journaled batches.

Each batch costs one commit (its intents are committed before its effects,
its results with the next batch's intents). Batches grow 1, 2, 4 … up to a
cap: a three-action plan is journaled almost action by action, while a
10,000-action plan pays for 14 commits instead of 20,000, and a crash leaves
at most one batch for recovery to probe.

The cap: each commit is an fsync of the log (``synchronous=FULL``) and often a
checkpoint, a cost per commit that 8,192 actions share four times better than
2,048 did (~2 µs less per action at 100,000); recovery probes at most one
batch (an ``lstat`` or two per rename), and undo holds one batch of decoded
rows (a few MB).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

__all__ = ["MAX_BATCH", "batch_sizes", "growing_batches"]

MAX_BATCH = 8192
T = TypeVar("T")


def batch_sizes(max_batch: int = MAX_BATCH) -> Iterator[int]:
    """1, 2, 4 … ``max_batch``, ``max_batch`` … (for work read from the journal batch by batch)."""
    size = 1
    while True:
        yield size
        size = min(size * 2, max_batch)


def growing_batches(items: Sequence[T], max_batch: int = MAX_BATCH) -> list[Sequence[T]]:
    """Consecutive slices of ``items`` of sizes 1, 2, 4 … ``max_batch``."""
    found: list[Sequence[T]] = []
    i = 0
    sizes = batch_sizes(max_batch)
    while i < len(items):
        size = next(sizes)
        found.append(items[i:i + size])
        i += size
    return found
