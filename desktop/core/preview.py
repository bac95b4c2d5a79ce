"""A script's preview: the plan it would carry out, what it printed and returned, or its error.

``Preview`` is what every step after the sandbox run works on (the person's review, approval,
apply); ``Previewer`` is the one thing the chore flow and the folder exploration need of
whoever runs a preview (``desktop.core.assistant.Assistant``), so neither imports the facade
that imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from capabilities.base import Capability, Grant
from capabilities.engine.effects import Effect, write_effect
from capabilities.folders.overlay import view as folders_view
from capabilities.plan import Action, ActionPlan
from capabilities.risk import flagged
from desktop.core.grants import describe
from sandbox import RunOutcome

if TYPE_CHECKING:
    from capabilities.engine.apply import Cancel

__all__ = ["Preview", "Previewer"]


@dataclass
class Preview:
    """A script's preview: what it would change, what it printed and returned, or its error."""

    script: str
    grants: list[Grant]
    plan: ActionPlan
    outcome: RunOutcome
    capabilities: dict[str, Capability]
    request: str = ""
    summary: str = ""
    planner: str = "script"
    model: str | None = None
    exchanges: list[int] = field(default_factory=list)
    allowed_flagged: set[int] = field(default_factory=set)  # flagged changes approved explicitly

    @property
    def ok(self) -> bool:
        return self.outcome.ok

    def flagged(self) -> dict[int, str]:
        """``{seq: reason}``: changes that could make a program run; apply refuses them unless
        the person approves them on their own (``allow_flagged``), on top of the plan."""
        return flagged(self.plan)

    def effect(self, action: Action) -> Effect | None:
        """What a text write would write (its content, or a diff against the file it replaces)."""
        context = next(iter(self.capabilities.values())).context if self.capabilities else None
        if context is None or "folders" not in context.services:
            return None
        return write_effect(action, folders_view(context), context.holding)

    def allow_flagged(self) -> None:
        """The person explicitly approved every flagged change shown (a second question, a checkbox)."""
        self.allowed_flagged = set(self.flagged())

    def grant_texts(self) -> list[str]:
        return [describe(g) for g in self.grants]


class Previewer(Protocol):
    """Runs a script with writes simulated (``Assistant.preview``)."""

    def preview(self, script: str, grants: Sequence[Grant], *, request: str = "", summary: str = "",
                planner: str = "script", model: str | None = None, inputs: Mapping[str, Any] | None = None,
                on_log: Callable[[str], None] | None = None, cancel: Cancel | None = None,
                exchanges: Sequence[int] = ()) -> Preview: ...
