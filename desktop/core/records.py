"""What the core hands the front ends about runs and automations, as types.

The journal keeps rows; the facade (``Assistant``) gives them to the CLI, the window and
the automations runner as these shapes, so a front end that reads a key the row does not
have is a type error, not a ``KeyError`` in front of a person. ``Json`` is what a script
returns and what the journal stores as JSON.
"""

from __future__ import annotations

from typing import TypeAlias, TypedDict

__all__ = ["ActionEntry", "AutomationOverview", "AutomationRow", "ErrorJson", "Json", "RunRow", "Trigger"]

Json: TypeAlias = "bool | int | float | str | list[Json] | dict[str, Json] | None"


class ErrorJson(TypedDict):
    """How a run's error is kept and shown (``capabilities.errors.error_dict``)."""

    type: str
    message: str
    line: int | None
    hint: str


class Trigger(TypedDict):
    """What started an automation's run: the automation and the file version it ran on."""

    automation: str
    automation_id: int
    path: str  # grant-relative, as scripts name it (``Inbox/bill.pdf``)
    file: str  # absolute
    size: int
    mtime_ns: int


class RunRow(TypedDict):
    """A run as the journal keeps it (``history``, ``interrupted``), with its number of actions."""

    id: int
    request: str
    script: str
    summary: str
    model: str | None
    planner: str
    grants: list[dict[str, str]]
    status: str
    trigger: Trigger | str | None
    started: str
    finished: str | None
    result: Json
    error: ErrorJson | None
    tokens_in: int
    tokens_out: int
    cost: float
    owner: str | None
    left_alone: list[dict[str, str]] | None
    action_count: int


class ActionEntry(TypedDict, total=False):
    """One action of a run's report (``flagged``: why it could make a program run, when it could)."""

    seq: int
    capability: str
    op: str
    args: dict[str, Json]
    status: str
    summary: str
    before: str | None
    after: str | None
    error: str | None
    flagged: str


class AutomationRow(TypedDict):
    """A saved automation as the journal keeps it."""

    id: int
    name: str
    watch_dir: str
    pattern: str
    events: list[str]
    script: str
    grants: list[dict[str, str]]
    request: str
    enabled: bool
    failures: int
    paused_reason: str | None
    created: str
    last_run: str | None


class AutomationOverview(TypedDict):
    """A saved automation as a front end shows it: its status and grants in words, its last run."""

    id: int
    name: str
    status: str  # watching, paused, paused after failures
    enabled: bool
    watch_dir: str
    pattern: str
    events: list[str]
    request: str
    grants: list[str]
    failures: int
    paused_reason: str | None
    created: str
    last_run: str | None
    last_run_id: int | None
    last_status: str | None
    last_file: str | None
    handled: int
    failed: int
    left_alone: int
