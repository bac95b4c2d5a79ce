"""Helpers for the calendar tests: a run over granted calendars, and a plain apply/undo loop.

``CalendarRun`` is what a preview sees: a ``Calendar`` built from grants,
behind the real ``Dispatcher``, so every call is validated as a script's
would be. ``apply`` and ``undo`` drive the capability's own
verify/perform/undo methods in plan order and in reverse.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from capabilities.base import Grant, RunContext
from capabilities.calendar import Calendar
from capabilities.dispatch import Dispatcher
from capabilities.plan import ActionPlan

__all__ = ["CalendarRun", "apply", "calendar_run", "undo"]


class CalendarRun:
    """One preview over calendar grants: ``run("events", start, end)`` calls like a script."""

    def __init__(self, grants: list[Grant], services: dict[str, Any] | None = None) -> None:
        self.context = RunContext(services=dict(services or {}))
        self.calendar = Calendar(grants, self.context)
        self.dispatch = Dispatcher({"calendar": self.calendar})

    def __call__(self, op: str, *args: Any, **kwargs: Any) -> Any:
        return self.dispatch(f"calendar.{op}", {"args": list(args), "kwargs": kwargs})

    @property
    def plan(self) -> ActionPlan:
        return self.context.plan


@contextmanager
def calendar_run(grants: list[Grant], services: dict[str, Any] | None = None) -> Iterator[CalendarRun]:
    run = CalendarRun(grants, services)
    try:
        yield run
    finally:
        run.calendar.close()


def apply(run: CalendarRun) -> list[dict[str, Any]]:
    """Carry out a preview's plan with a fresh capability, as the apply engine would."""
    outcomes = []
    with calendar_run(run.calendar.grants, run.context.services) as fresh:
        for action in run.plan:
            fresh.calendar.verify(action)
            outcomes.append(fresh.calendar.perform(action))
    return outcomes


def undo(run: CalendarRun, outcomes: list[dict[str, Any]]) -> None:
    """Reverse an applied plan, last action first."""
    with calendar_run(run.calendar.grants, run.context.services) as fresh:
        for action, outcome in reversed(list(zip(run.plan, outcomes, strict=True))):
            fresh.calendar.undo(action, outcome)
