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

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import TYPE_CHECKING, Any, cast, overload

from capabilities.errors import error_dict  # the one error → JSON shape, re-exported for front ends
from capabilities.plan import left_alone_words
from capabilities.status import is_partial, run_words

if TYPE_CHECKING:
    from desktop.core.records import ActionEntry, ErrorJson, Json

__all__ = ["JournalActions", "RunReport", "error_dict", "partial_words", "status_words"]

_ACTION_KEYS = ("seq", "capability", "op", "args", "status", "summary", "before", "after", "error")
PAGE = 2_000  # actions read from the journal at a time

ReadPage = Callable[[int, int], Sequence[Mapping[str, Any]]]  # (after seq, how many) -> journal rows


class JournalActions(Sequence["ActionEntry"]):
    """A run's actions as its report shows them, read from the journal ``PAGE`` at a time.

    A report of 100,000 actions held whole costs hundreds of MB, though the
    command line shows counts and 200 rows and ``--json`` writes the actions
    one by one. This holds only how many there are and their counts by status
    (read when the report is made); the rows themselves are read each time
    they are gone through, in order. Indexing goes through them from the
    start, so it is for the first few (``actions[:200]``), not for loops.
    """

    def __init__(self, read: ReadPage, counts: Mapping[str, int]) -> None:
        self._read = read
        self.counts = dict(counts)
        self._len = sum(self.counts.values())

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[ActionEntry]:
        after = 0
        while True:
            rows = self._read(after, PAGE)
            yield from (_action(row) for row in rows)
            if len(rows) < PAGE:
                return
            after = int(rows[-1]["seq"])

    @overload
    def __getitem__(self, index: int) -> ActionEntry: ...

    @overload
    def __getitem__(self, index: slice) -> list[ActionEntry]: ...

    def __getitem__(self, index: int | slice) -> ActionEntry | list[ActionEntry]:
        if isinstance(index, slice):
            if (index.start or 0) >= 0 and (index.stop is None or index.stop >= 0) and (index.step or 1) > 0:
                return list(islice(self, index.start, index.stop, index.step))
            return list(self)[index]
        position = index + self._len if index < 0 else index
        if not 0 <= position < self._len:
            raise IndexError(index)
        return next(islice(self, position, None))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, JournalActions | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # compared by content, like a list

    def __repr__(self) -> str:
        return f"JournalActions({self._len} actions)"


@dataclass
class RunReport:
    run_id: int
    status: str
    summary: str = ""
    request: str = ""
    grants: list[str] = field(default_factory=list)
    actions: Sequence[ActionEntry] = field(default_factory=list)  # a list, or JournalActions
    result: Json = None
    log: list[str] = field(default_factory=list)
    error: ErrorJson | None = None
    planner: str = ""
    model: str | None = None
    started: str = ""
    finished: str | None = None
    left_alone: list[dict[str, str]] = field(default_factory=list)

    def read_whole(self) -> RunReport:
        """This report with every action read now (a window that lists them all reads them on its
        worker thread, not page by page on the GUI thread as it fills its table)."""
        if isinstance(self.actions, list):
            return self
        return replace(self, actions=list(self.actions))

    @property
    def partial(self) -> bool:
        """Applied, but some items were left alone (their reasons are in ``left_alone`` and the log)."""
        return is_partial(self.status, self.left_alone)

    @classmethod
    def from_journal(cls, run: Mapping[str, Any], actions: Sequence[Mapping[str, Any]] | JournalActions,
                     log: Sequence[str], grant_texts: Sequence[str] = ()) -> RunReport:
        """``actions``: journal rows (``Journal.actions``, ``report_actions``), or ``JournalActions``."""
        return cls(
            run_id=int(run["id"]), status=run["status"], summary=run.get("summary") or "",
            request=run.get("request") or "", grants=list(grant_texts),
            actions=actions if isinstance(actions, JournalActions) else [_action(a) for a in actions],
            result=run.get("result"), log=list(log),
            error=cast("ErrorJson | None", error_dict(run.get("error"))),
            planner=run.get("planner") or "", model=run.get("model"),
            started=run.get("started") or "", finished=run.get("finished"),
            left_alone=list(run.get("left_alone") or []),  # journaled with the run (None before m006)
        )

    def counts(self) -> dict[str, int]:
        """Actions per status, e.g. ``{"done": 12, "skipped": 3}``."""
        if isinstance(self.actions, JournalActions):
            return dict(self.actions.counts)
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
