"""Budgets: everything one run may make the host grow, each ending the run with a message naming it.

The sandbox bounds the guest (memory, time, calls, printed text); these bound
what the guest's calls make the *host* do on its behalf:

- ``planned_bytes``: content a run may plan to write (``files.write_text``),
  kept in memory for the preview and on disk until apply;
- ``journal_bytes``: what a run's plan may add to the journal;
- ``holding_bytes``: what applying the plan would keep in the holding area
  (every file it replaces or deletes, folders' contents included);
- ``call_cpu_seconds``: host CPU time one call may use (a deep or wide walk), plus
  ``call_cpu_per_item`` for each item of the lists it was given (a batch call: 300,000 renames
  in one ``rename_many`` take ~10 s), up to ``call_cpu_max_seconds``;
- ``call_memory_bytes``: how far one call may grow the process's memory
  (resident pages on Linux; elsewhere the peak, so growth above an earlier peak);
- ``walk_entries``: entries a run may make the host look at in granted folders
  (each costs host memory in the preview's overlay).

Host memory per call is also bounded by these and by the sandbox's cap on a
call's request and reply (``sandbox.Limits.call_bytes``).

A ``Budget`` is per run (``RunContext.budget``). ``BudgetExceeded`` carries
``ends_run``: the sandbox turns it into a trap, so a script cannot catch it
and go on; once one is used up (``spent``) every later call fails with it,
and the preview fails even if a capability swallowed it. ``end()`` marks
the run over: from then on every ``check`` fails, so a host call still
working for a run that ended (its deadline passed, it was cancelled) stops
at its next check instead of burning CPU.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from capabilities.errors import ErrandError

__all__ = ["Budget", "BudgetExceeded", "Budgets", "journal_size", "resident_memory"]

MiB = 1024 * 1024


@dataclass(frozen=True)
class Budgets:
    """The limits (defaults fit chores: a photo folder, a folder of notes)."""

    planned_bytes: int = 64 * MiB
    journal_bytes: int = 128 * MiB  # ~350,000 renames
    holding_bytes: int = 1024 * MiB
    call_cpu_seconds: float = 10.0
    call_cpu_per_item: float = 100e-6  # ~3x what a rename costs the host on a busy 2-core machine
    call_cpu_max_seconds: float = 120.0
    call_memory_bytes: int = 512 * MiB
    walk_entries: int = 500_000  # each ~0.5 KB of host memory in the preview's overlay

    def describe(self, which: str) -> str:
        return {
            "planned_bytes": f"budget for content to write ({_mib(self.planned_bytes)} per run)",
            "journal_bytes": f"budget for the run's record in the journal ({_mib(self.journal_bytes)})",
            "holding_bytes": f"budget for what the run keeps for undo ({_mib(self.holding_bytes)})",
            "call_cpu_seconds": f"budget of computer time per call ({self.call_cpu_seconds:g} s, plus "
                                f"{self.call_cpu_per_item * 1000:g} ms per item it is given)",
            "call_memory_bytes": f"budget of memory per call ({_mib(self.call_memory_bytes)})",
            "walk_entries": f"budget of files and folders looked at per run ({self.walk_entries:,})",
            "ended": "end of the run",
        }[which]


class BudgetExceeded(ErrandError):
    """A run used up one of its budgets; it ends (the sandbox makes it a trap the script cannot catch)."""

    ends_run = True

    def __init__(self, message: str, hint: str = "", limit: str = "budget") -> None:
        super().__init__(message, hint)
        self.limit = limit


@dataclass
class Budget:
    """What one run has used of its ``Budgets``; thread-safe enough (one guest thread calls in)."""

    limits: Budgets = field(default_factory=Budgets)
    planned: int = 0
    journal: int = 0
    holding: int = 0
    entries: int = 0
    spent: tuple[str, str, str] | None = None  # (message, hint, limit) of the first budget used up
    _call_cpu: float | None = None
    _call_cpu_allowed: float = 0.0
    _call_memory: int = 0
    _ended: threading.Event = field(default_factory=threading.Event)
    _ticks: int = 0

    # ---- the run's lifetime -------------------------------------------------------------

    def end(self) -> None:
        """The run is over: host work still going on for it stops at its next check."""
        self._ended.set()

    @property
    def ended(self) -> bool:
        return self._ended.is_set()

    def start_call(self, items: int = 0) -> None:
        """A host call begins (the dispatcher's): its CPU time is counted from here; ``items``: how
        many items its lists hold (each earns ``call_cpu_per_item``)."""
        self.check_open()
        limits = self.limits
        self._call_cpu_allowed = min(limits.call_cpu_seconds + items * limits.call_cpu_per_item,
                                     max(limits.call_cpu_max_seconds, limits.call_cpu_seconds))
        self._call_cpu = time.thread_time()
        self._call_memory = resident_memory()

    def check_open(self) -> None:
        if self._ended.is_set():
            raise BudgetExceeded("The run is over; its last call was stopped.", "", "ended")
        if self.spent is not None:  # a capability that caught it (one bad item never sinks a batch)
            raise BudgetExceeded(*self.spent)  # does not get the run past it

    def check(self, every: int = 1) -> None:
        """In a host loop: stop if the run ended or this call used its CPU time (cheap; ``every``
        n-th call only looks at the clock)."""
        self._ticks += 1
        if self._ticks % every:
            return
        self.check_open()
        if self._call_cpu is None:
            return
        if time.thread_time() - self._call_cpu > self._call_cpu_allowed:
            self._exceeded("call_cpu_seconds", "Work on fewer files per call, or on a smaller folder.")
        if self._call_memory and resident_memory() - self._call_memory > self.limits.call_memory_bytes:
            self._exceeded("call_memory_bytes", "Work on fewer files per call, or on a smaller folder.")

    # ---- growth -------------------------------------------------------------------------

    def charge_planned(self, size: int) -> None:
        self.planned += size
        if self.planned > self.limits.planned_bytes:
            self._exceeded("planned_bytes", "Write fewer or smaller files in one chore.")

    def charge_journal(self, size: int) -> None:
        self.journal += size
        if self.journal > self.limits.journal_bytes:
            self._exceeded("journal_bytes", "Split the chore into smaller ones (fewer changes each).")

    def charge_holding(self, size: int) -> None:
        self.holding += size
        if self.holding > self.limits.holding_bytes:
            self._exceeded("holding_bytes", "Replace or delete less in one chore, or free room by "
                                            "undoing or clearing old runs.")

    def charge_entries(self, n: int) -> None:
        self.entries += n
        if self.entries > self.limits.walk_entries:
            self._exceeded("walk_entries", "Grant a smaller folder, or list it without recursive=True.")

    def _exceeded(self, which: str, hint: str) -> None:
        # Kept as words, not the exception: its traceback would hold the run's frames (and the
        # sandbox instance they reach) for as long as the budget lives.
        message = f"The chore used up its {self.limits.describe(which)}; the run was stopped."
        self.spent = (message, hint, which)
        raise BudgetExceeded(*self.spent)


def resident_memory() -> int:
    """The process's memory in bytes now (Linux: resident pages), else its peak so far; 0 if unknown."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:  # Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # macOS says bytes, Linux KiB


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def journal_size(values: Mapping[str, Any]) -> int:
    """About how many bytes ``values`` (an action's args or detail) take in the journal's JSON.

    Cheap on purpose (a preview records 10,000 renames): strings count their
    length, small numbers a few bytes, anything else its ``repr``; bytes not
    at all (planned content goes to the holding area, under its own budget).
    """
    size = 16 * len(values)
    for value in values.values():
        kind = type(value)
        if kind is str:
            size += len(value)
        elif kind in _SMALL or value is None:
            size += 8
        elif kind is dict:
            size += journal_size(value)
        elif kind is not bytes:
            size += len(repr(value))
    return size


_SMALL = (int, float, bool)


def _mib(n: int) -> str:
    return f"{n / MiB:g} MiB"
