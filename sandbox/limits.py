"""Limits of one sandbox run, each with a default a person would find reasonable."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]


@dataclass(frozen=True)
class Limits:
    """What one run may use. Exceeding any of these ends the run with a message naming it."""

    wall_seconds: float = 30.0  # epoch interruption, and a deadline for host calls
    # Host work on a call's data extends the deadline, by what that work took and at most this
    # much per byte of the call's request and reply (1 s per MB: listing and renaming 100,000
    # files moves ~9 MB and takes 3-5 s of host time), and by at most ``wall_seconds`` in all.
    # A script's own time stays bounded by ``wall_seconds``; the host's by its data (itself
    # bounded by ``call_bytes`` and the host's budgets), so a large plan is not cut short by a
    # limit that is about time, and no run lasts more than twice ``wall_seconds``.
    host_seconds_per_byte: float = 1e-6
    memory_bytes: int = 256 * 1024 * 1024  # store limit on linear memory
    host_calls: int = 100_000  # capability calls a script may make
    output_bytes: int = 256 * 1024  # printed text kept; past it the run ends
    call_bytes: int = 32 * 1024 * 1024  # one call's request or reply (JSON): bounds host memory per call

    def describe(self, which: str) -> str:
        """Plain words for a limit, for messages: ``"time (30 s)"``."""
        return {
            "wall_time": f"time limit ({self.wall_seconds:g} s)",
            "memory": f"memory limit ({self.memory_bytes // (1024 * 1024)} MiB)",
            "host_calls": f"limit on capability calls ({self.host_calls:,})",
            "output": f"output limit ({self.output_bytes // 1024} KiB of printed text)",
            "call_bytes": f"limit on one call's data ({self.call_bytes // (1024 * 1024)} MiB)",
            "cancelled": "cancellation",
        }[which]
