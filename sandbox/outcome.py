"""What a sandbox run returns: the result, the printed lines, or a structured error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["RunOutcome", "ScriptError"]


@dataclass(frozen=True)
class ScriptError:
    """An error in words for a person or a model.

    ``line`` is the line in the script (guest runtime frames filtered out);
    ``limit`` names the limit that ended the run (``wall_time``, ``memory``,
    ``host_calls``, ``output``, ``cancelled``) when that is what happened.
    """

    type: str
    message: str
    line: int | None = None
    hint: str = ""
    limit: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "message": self.message, "line": self.line, "hint": self.hint,
                "limit": self.limit}

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.type}{where}: {self.message}"


@dataclass
class RunOutcome:
    """The end of one run. ``ok`` is False exactly when ``error`` is set."""

    result: Any = None
    log: list[str] = field(default_factory=list)
    error: ScriptError | None = None
    host_calls: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None
