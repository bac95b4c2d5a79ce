"""The action plan: what a preview found a script wants to change.

The plan is the contract between preview and apply: apply carries out these
actions and nothing else, in this order, without running the script again.
Each action holds the arguments as the script gave them (``args``), the
host-resolved facts needed to perform and verify it (``detail``: absolute
paths, fingerprints of sources), and plain words for the person.

A plan can also hold *deferred* changes (``ActionPlan.defer``): a batch call that
plans 100,000 renames keeps each as a small record of what it found, not as an
``Action`` with its dictionaries and words, while the script (and the sandbox's
memory) is still alive; each becomes its ``Action`` the first time the plan's
actions are looked at (``settle``), which the preview does once the script is over.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol, cast

from capabilities.bytesize import size_text
from capabilities.redaction import redact

__all__ = ["Action", "ActionPlan", "Deferred", "holds_text", "left_alone_lines", "left_alone_words"]

# What a left-alone item is, in words (``Capability.item_kind``); anything else is an "item".
_KINDS = {"file": ("file", "files"), "event": ("event", "events"), "item": ("item", "items")}


def holds_text(holds: Mapping[str, Any]) -> str:
    """``"12 files in 3 folders, 4.1 MB"``: what a folder holds (a delete's ``detail["holds"]``)."""
    files, folders = holds.get("files", 0), holds.get("folders", 0)
    text = f"{files:,} file{'s' if files != 1 else ''}"
    if folders:
        text += f" in {folders:,} folder{'s' if folders != 1 else ''}"
    return f"{text}, {size_text(holds.get('bytes', 0))}"


def left_alone_words(items: Sequence[Mapping[str, Any]]) -> str:
    """``"3 files and 2 events left alone"``: what a run left as it was, counted by kind ("" for none).

    The one wording for the preview, the run's result, ``errand history`` and the window;
    entries journaled before kinds were recorded count as items.
    """
    counts: dict[str, int] = {}
    for x in items:
        kind = str(x.get("kind") or "item")
        kind = kind if kind in _KINDS else "item"
        counts[kind] = counts.get(kind, 0) + 1
    parts = [f"{n} {_KINDS[k][n != 1]}" for k, n in counts.items()]
    if not parts:
        return ""
    return (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]) + " left alone"


def left_alone_lines(items: Sequence[Mapping[str, Any]]) -> list[str]:
    """The left-alone items in words: a headline, then one line per item with its reason and hint."""
    if not items:
        return []
    lines = [f"{left_alone_words(items)} (the rest goes ahead):"]
    lines += [f"  {x.get('item', '')}: {x.get('reason', '')} {x.get('hint', '')}".rstrip() for x in items]
    return lines


@dataclass(slots=True)
class Action:
    """One planned change (slots: a plan can hold 100,000s)."""

    seq: int
    capability: str
    op: str
    args: dict[str, Any]
    detail: dict[str, Any]
    summary: str
    before: str | None = None
    after: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Action:
        return cls(
            seq=int(data["seq"]),
            capability=data["capability"],
            op=data["op"],
            args=dict(data.get("args") or {}),
            detail=dict(data.get("detail") or {}),
            summary=data.get("summary", ""),
            before=data.get("before"),
            after=data.get("after"),
        )


class Deferred(Protocol):
    """A planned change kept compact until the plan is looked at (``ActionPlan.defer``)."""

    @property
    def capability(self) -> str: ...

    @property
    def op(self) -> str: ...

    @property
    def before(self) -> str | None: ...

    def action(self, seq: int) -> Action:
        """The change as its ``Action``, numbered ``seq``: the same one every time it is asked."""
        ...


class ActionPlan:
    """The ordered actions of one preview."""

    def __init__(self, actions: Iterable[Action] = (),
                 left_alone: list[dict[str, str]] | None = None) -> None:
        self._entries: list[Action | Deferred] = list(actions)
        self._deferred = 0  # how many of the entries are still deferred
        # Items left as they are while the script went on (a refused write it caught, an event that
        # cannot be read): ``{"item", "call", "reason", "hint", "kind"}`` (kind: "file", "event",
        # "item"), shown with the preview and journaled with the run so one bad item never sinks a
        # batch silently. A later planned action on the same item takes it off the list.
        self.left_alone: list[dict[str, str]] = [] if left_alone is None else left_alone

    def __repr__(self) -> str:
        return f"ActionPlan({len(self._entries)} actions, {len(self.left_alone)} left alone)"

    @property
    def actions(self) -> list[Action]:
        """Every action in order (deferred ones become ``Action``s here, once)."""
        self.settle()
        return cast("list[Action]", self._entries)

    @actions.setter
    def actions(self, actions: Iterable[Action]) -> None:
        self._entries, self._deferred = list(actions), 0

    def add(self, capability: str, op: str, args: dict[str, Any], detail: dict[str, Any],
            summary: str, before: str | None = None, after: str | None = None) -> Action:
        action = Action(len(self._entries) + 1, capability, op, args, detail, summary, before, after)
        self._entries.append(action)
        self._planned(before)
        return action

    def defer(self, entry: Deferred) -> None:
        """Plan a change as ``entry``, which becomes its ``Action`` (numbered by its place) only when
        the plan's actions are looked at: the compact form of a batch of 100,000 while the script runs."""
        self._entries.append(entry)
        self._deferred += 1
        self._planned(entry.before)

    @property
    def deferred(self) -> int:
        """How many changes are still deferred (``settle`` makes them actions)."""
        return self._deferred

    def settle(self) -> None:
        """Turn every deferred change into its ``Action`` (each record goes as its action comes)."""
        if not self._deferred:
            return
        entries = self._entries
        for i, entry in enumerate(entries):
            if not isinstance(entry, Action):
                entries[i] = entry.action(i + 1)
        self._deferred = 0

    def last(self) -> Action | None:
        """The last action planned (None for none yet), without settling the others."""
        if not self._entries:
            return None
        entry = self._entries[-1]
        if not isinstance(entry, Action):
            entry = self._entries[-1] = entry.action(len(self._entries))
            self._deferred -= 1
        return entry

    def _planned(self, item: str | None) -> None:
        if self.left_alone and item is not None:
            self.left_alone = [x for x in self.left_alone if x["item"] != item]

    def leave_alone(self, item: str, call: str, reason: str, hint: str, kind: str = "item") -> None:
        """Note that ``call`` left ``item`` (a file, an event…) as it is, and why (see ``left_alone``).

        The reason quotes what the item held (a parser's error repeats the line it choked on), so it
        passes the one key-hiding rule log lines pass (``capabilities.redaction``) before the
        preview shows it or the journal keeps it."""
        self.left_alone = [x for x in self.left_alone if x["item"] != item]
        self.left_alone.append({"item": item, "call": call, "reason": redact(reason), "hint": redact(hint),
                                "kind": kind})

    def left_alone_lines(self) -> list[str]:
        return left_alone_lines(self.left_alone)

    def __iter__(self) -> Iterator[Action]:
        return iter(self.actions)

    def __len__(self) -> int:
        return len(self._entries)

    def counts(self) -> dict[str, int]:
        """How many actions of each kind, e.g. ``{"files.rename": 12}``, for the summary line."""
        result: dict[str, int] = {}
        for a in self._entries:
            key = f"{a.capability}.{a.op}"
            result[key] = result.get(key, 0) + 1
        return result

    def to_json(self) -> list[dict[str, Any]]:
        return [a.to_json() for a in self.actions]

    @classmethod
    def from_json(cls, data: list[Mapping[str, Any]]) -> ActionPlan:
        return cls([Action.from_json(d) for d in data])
