"""Which of a plan's actions may be left out, and the plan that remains.

A person reviewing a preview may untick changes and apply the rest. That is
safe only when no change they keep relies on one they left out: a move into
a folder the plan creates needs that folder; renaming a file a few steps
after an earlier rename made it needs that earlier rename; a new file at a
name another change frees (a move away, a delete) needs that change. Left
out, the kept change would meet a disk unlike the one its preview saw, so
apply would stop half-way or act on the wrong thing.

``needs(actions)`` finds, for each action, the earlier actions it relies on,
read from the host-resolved paths in ``detail`` (never the script's words)
and, for calendars, the event it acts on. ``keep(actions, leave_out)`` gives
the actions that remain, in order and with their own numbers, or raises
:class:`LeftOutNeeded` naming the first kept change and what it needs. The
check costs one pass over the plan and its folder depth, so a 100,000-change
preview can be re-checked on every click.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from capabilities.errors import ErrandError
from capabilities.plan import Action

__all__ = ["LeftOutNeeded", "keep", "needs", "refusal"]

_IN_PLACE = {"write_text", "strip_location", "set_tags"}  # their "path" is both read and made


class LeftOutNeeded(ErrandError):
    """A change the person kept relies on one they left out."""


def _paths(detail: Mapping[str, Any], *keys: str) -> Iterator[str]:
    for key in keys:
        value = detail.get(key)
        if isinstance(value, str) and value:
            yield value


def _touches(action: Action) -> tuple[list[str], list[str], list[str]]:
    """``(uses, makes, frees)``: the places an action needs, makes (or changes), and empties."""
    d = action.detail
    if action.capability == "calendar":
        source = str(d.get("source", ""))
        events = [f"\0calendar\0{source}\0{e}" for e in _paths(d, "uid", "event_id")]
        return events, events, []
    uses = list(_paths(d, "src", "archive"))
    uses += [s["path"] for s in d.get("sources") or ()
             if isinstance(s, Mapping) and isinstance(s.get("path"), str)]
    makes = list(_paths(d, "dst"))
    frees: list[str] = []
    if action.op == "mkdir" or action.op in _IN_PLACE:
        makes += _paths(d, "path")
    elif action.op == "delete":
        uses += _paths(d, "path")
        frees += _paths(d, "path")
    if action.op == "rename":
        frees += _paths(d, "src")
    return uses, makes, frees


def _above(path: str) -> Iterator[str]:
    """``path`` and every folder above it (a change under a made or freed folder relies on it)."""
    while True:
        yield path
        parent = os.path.dirname(path)
        if not parent or parent == path or path.startswith("\0"):  # the top, or a calendar event
            return
        path = parent


def needs(actions: Iterable[Action]) -> dict[int, set[int]]:
    """``{seq: {earlier seqs it relies on}}`` for every action that relies on another."""
    last: dict[str, int] = {}  # a place → the latest action that made, changed or emptied it
    found: dict[int, set[int]] = {}
    for action in actions:
        uses, makes, frees = _touches(action)
        # The nearest maker above each place is enough: it relies on those above it in turn.
        relied = {found_at for place in (*uses, *makes)
                  for found_at in [next((last[p] for p in _above(place) if p in last), None)]
                  if found_at is not None}
        relied.discard(action.seq)
        if relied:
            found[action.seq] = relied
        for place in (*makes, *frees):
            last[place] = action.seq
    return found


def refusal(actions: Sequence[Action], leave_out: Collection[int],
            relies: Mapping[int, set[int]] | None = None) -> str:
    """Why leaving out ``leave_out`` is refused, in the person's words ("" when it may be done).

    ``relies``: :func:`needs` of ``actions``, when the caller keeps it between checks.
    """
    if not leave_out:
        return ""
    relies = needs(actions) if relies is None else relies
    by_seq = {a.seq: a for a in actions}
    left = set(leave_out)
    for action in actions:
        if action.seq in left:
            continue
        missing = sorted(relies.get(action.seq, set()) & left)
        if missing:
            needed = by_seq[missing[0]]
            more = f" (and {len(missing) - 1} more you left out)" if len(missing) > 1 else ""
            return f"“{action.summary}” needs “{needed.summary}”{more}, which you left out."
    return ""


def keep(actions: Sequence[Action], leave_out: Collection[int]) -> list[Action]:
    """The actions not in ``leave_out``, in order; :class:`LeftOutNeeded` when a kept one relies on a
    left-out one."""
    why = refusal(actions, leave_out)
    if why:
        raise LeftOutNeeded(why, "Tick that change again, or leave out the changes that need it as well.")
    return [a for a in actions if a.seq not in leave_out]
