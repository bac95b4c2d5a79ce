"""Helpers for the photos tests: a preview over real folders whose plan is applied and undone
through the real journal, as the application does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from capabilities.base import Capability, Grant, RunContext
from capabilities.dispatch import Dispatcher
from capabilities.engine.apply import ApplyReport, apply_plan
from capabilities.engine.undo import capabilities_for_run, undo_run
from capabilities.folders.granted import folder_grants
from capabilities.journal import Journal
from capabilities.registry import instantiate

__all__ = ["Run"]


class Run:
    """A preview over real folders: call capabilities by name, then apply and undo through the journal."""

    def __init__(self, tmp: Path, folder: Path, mode: str = "rw", also: tuple[str, ...] = ("photos",)
                 ) -> None:
        self.holding = tmp / "holding"
        self.grants = [*folder_grants([(str(folder), mode)]), *(Grant(name) for name in also)]
        self.context = RunContext(holding=self.holding)
        self.caps: dict[str, Capability] = instantiate(self.grants, self.context)
        self.dispatch = Dispatcher(self.caps)

    def __call__(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self.dispatch(name, {"args": list(args), "kwargs": kwargs})

    def apply(self, journal: Journal) -> int:
        rid, report = self.apply_report(journal)
        assert report.ok, report.error
        return rid

    def apply_report(self, journal: Journal) -> tuple[int, ApplyReport]:
        """Journal the preview's plan and apply it with fresh capabilities: the run and how it ended."""
        rid = journal.start_run("photos chore", "...", self.grants)
        journal.save_plan(rid, self.context.plan)
        journal.set_status(rid, "previewed")
        fresh = instantiate(self.grants, RunContext(holding=self.holding))  # as after a restart
        return rid, apply_plan(journal, rid, self.context.plan, fresh)

    def undo(self, journal: Journal, rid: int) -> Any:
        return undo_run(journal, rid, capabilities_for_run(journal, rid, holding=self.holding))
