"""Limits of one sandbox run, each with a default a person would find reasonable."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]


@dataclass(frozen=True)
class Limits:
    """What one run may use. Exceeding any of these ends the run with a message naming it."""

    wall_seconds: float = 30.0  # epoch interruption, and a deadline for host calls
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
