"""The JSON shape of a run that scripts can rely on (``errand run/ask/show --json``).

``run_id``, ``status`` (``applied``, ``previewed``, ``refused``, ``failed``,
``cancelled``), ``summary``, ``grants`` (plain-language texts), ``actions``
(each ``seq``, ``capability``, ``op``, ``args``, ``status`` and ``summary``),
``result``, ``log``, ``error`` (``type``, ``message``, ``line``, ``hint``)
when there is one, ``left_alone`` (items a refused call left as they are
while the rest went ahead: ``item``, ``call``, ``reason``, ``hint``, ``kind``) and
``partial`` (applied, but with items left alone). An action that could make a
program run also has ``flagged``: why (it needed the person's explicit extra approval).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from capabilities.engine.plan import left_alone_words
from capabilities.errors import error_dict  # the one error → JSON shape, re-exported for front ends
from capabilities.status import is_partial, run_words

if TYPE_CHECKING:
    from desktop.core.records import ActionEntry, ErrorJson, Json

__all__ = ["RunReport", "error_dict", "partial_words", "status_words"]

_ACTION_KEYS = ("seq", "capability", "op", "args", "status", "summary", "before", "after", "error")


@dataclass
class RunReport:
    run_id: int
    status: str
    summary: str = ""
    request: str = ""
    grants: list[str] = field(default_factory=list)
    actions: list[ActionEntry] = field(default_factory=list)
    result: Json = None
    log: list[str] = field(default_factory=list)
    error: ErrorJson | None = None
    planner: str = ""
    model: str | None = None
    started: str = ""
    finished: str | None = None
    left_alone: list[dict[str, str]] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        """Applied, but some items were left alone (their reasons are in ``left_alone`` and the log)."""
        return is_partial(self.status, self.left_alone)

    @classmethod
    def from_journal(cls, run: Mapping[str, Any], actions: Sequence[Mapping[str, Any]],
                     log: Sequence[str], grant_texts: Sequence[str] = ()) -> RunReport:
        return cls(
            run_id=int(run["id"]), status=run["status"], summary=run.get("summary") or "",
            request=run.get("request") or "", grants=list(grant_texts),
            actions=[_action(a) for a in actions],
            result=run.get("result"), log=list(log),
            error=cast("ErrorJson | None", error_dict(run.get("error"))),
            planner=run.get("planner") or "", model=run.get("model"),
            started=run.get("started") or "", finished=run.get("finished"),
            left_alone=list(run.get("left_alone") or []),  # journaled with the run (None before m006)
        )

    def counts(self) -> dict[str, int]:
        """Actions per status, e.g. ``{"done": 12, "skipped": 3}``."""
        result: dict[str, int] = {}
        for a in self.actions:
            result[a["status"]] = result.get(a["status"], 0) + 1
        return result

    def to_json(self) -> dict[str, object]:
        return {
            "run_id": self.run_id, "status": self.status, "summary": self.summary, "request": self.request,
            "grants": self.grants, "actions": self.actions, "result": self.result, "log": self.log,
            "error": self.error, "planner": self.planner, "model": self.model,
            "started": self.started, "finished": self.finished,
            "left_alone": self.left_alone, "partial": self.partial,
        }


def partial_words(run: Mapping[str, object]) -> str:
    """``", 3 files left alone"`` after a partial run's status (a journal row), else ``""``."""
    left = run.get("left_alone")
    items = left if isinstance(left, list) else []
    return f", {left_alone_words(items)}" if is_partial(str(run.get("status") or ""), items) else ""


def status_words(run: Mapping[str, object]) -> str:
    """A journal row's status as History shows it (the CLI's and the window's): ``"Applied, 3 files left
    alone"``."""
    return f"{run_words(str(run.get('status') or ''))}{partial_words(run)}"


def _action(row: Mapping[str, Any]) -> ActionEntry:
    shown = cast("ActionEntry", {k: row.get(k) for k in _ACTION_KEYS})
    detail = row.get("detail")  # a row of ``Journal.actions``; ``report_actions`` gives ``risk`` alone
    risk = detail.get("risk") if isinstance(detail, Mapping) else row.get("risk")
    if risk:
        shown["flagged"] = risk  # stored by the preview: no policy runs again here
    return shown
