"""The statuses a run and an action go through, named once.

They are ``StrEnum`` members, so a journal row's plain string compares equal
to them (``row["status"] == RunStatus.APPLIED``) and they are stored, printed
and put in ``--json`` output as the same words scripts already rely on.

A run: ``previewing`` (journaled, not yet decided) → ``previewed`` (preview
only), ``refused``, ``failed``, ``not_done`` (the script said the chore cannot be done: it
raised ``NotImplementedError``; nothing changed), or ``applying`` → ``applied`` / ``cancelled`` /
``failed``; later ``undoing`` → ``undone`` / ``partly_undone``; after a crash,
recovery ends it ``rolled_back`` (or as above). An action: ``planned`` →
``started`` (its intent is journaled) → ``done`` / ``failed``, or ``skipped``;
undo takes a done one through ``undoing`` → ``undone`` / ``undo_refused``.

A run that went ahead while leaving some items as they were (a name that
cannot be used, an event that cannot be read) is *partial*: its status stays
``applied`` (scripts and undo rely on the word) and the run row's
``left_alone`` lists each item with its reason (``is_partial``; in words,
``capabilities.plan.left_alone_words``).

What the person reads for each status is ``run_words`` / ``action_words`` (one table each,
here next to the enums): the CLI's history and timeline and the window's History say the
same ("Not applied" for ``refused``, "Could not undo" for ``undo_refused``).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

__all__ = ["ACTION_WORDS", "RUN_WORDS", "ActionStatus", "RunStatus", "action_words", "is_partial",
           "run_words"]


class RunStatus(StrEnum):
    PREVIEWING = "previewing"
    PREVIEWED = "previewed"
    REFUSED = "refused"
    FAILED = "failed"
    CANCELLED = "cancelled"
    APPLYING = "applying"
    APPLIED = "applied"
    UNDOING = "undoing"
    UNDONE = "undone"
    PARTLY_UNDONE = "partly_undone"
    ROLLED_BACK = "rolled_back"
    NOT_DONE = "not_done"  # the script said the chore cannot be done (raise NotImplementedError)


class ActionStatus(StrEnum):
    PLANNED = "planned"
    STARTED = "started"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNDOING = "undoing"
    UNDONE = "undone"
    UNDO_REFUSED = "undo_refused"


RUN_WORDS: dict[str, str] = {
    RunStatus.PREVIEWING: "Being previewed",
    RunStatus.PREVIEWED: "Previewed",
    RunStatus.REFUSED: "Not applied",
    RunStatus.FAILED: "Failed",
    RunStatus.CANCELLED: "Stopped",
    RunStatus.APPLYING: "Being applied",
    RunStatus.APPLIED: "Applied",
    RunStatus.UNDOING: "Being undone",
    RunStatus.UNDONE: "Undone",
    RunStatus.PARTLY_UNDONE: "Partly undone",
    RunStatus.ROLLED_BACK: "Rolled back",
    RunStatus.NOT_DONE: "Not done",
}
ACTION_WORDS: dict[str, str] = {
    ActionStatus.PLANNED: "Planned",
    ActionStatus.STARTED: "Interrupted",
    ActionStatus.DONE: "Done",
    ActionStatus.FAILED: "Failed",
    ActionStatus.SKIPPED: "Not done",
    ActionStatus.UNDOING: "Being undone",
    ActionStatus.UNDONE: "Undone",
    ActionStatus.UNDO_REFUSED: "Could not undo",
}


def run_words(status: str) -> str:
    """A run's status as the person reads it (``"Not applied"`` for ``refused``); an unknown word as it is."""
    return RUN_WORDS.get(status, status)


def action_words(status: str) -> str:
    """An action's status as the person reads it (``"Could not undo"`` for ``undo_refused``)."""
    return ACTION_WORDS.get(status, status)


def is_partial(status: str, left_alone: Sequence[Any] | None) -> bool:
    """Applied, but with items left as they were (journaled on the run row since ``m006``)."""
    return status == RunStatus.APPLIED and bool(left_alone)
