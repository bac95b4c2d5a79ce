"""What a chore of the eval suite is, and the questions its checker asks of the final state.

A chore is a request in everyday words, a builder that makes its folders from scratch, and a
checker that judges the folders afterwards — by names and contents, so any reasonable way of
doing the chore passes, not only one script. About a tenth are requests Errand must not carry
out (infeasible or unsafe): for those, declining or asking is the pass and any change a failure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from desktop.evaluation.tree import Entry, Tree, changed_paths

__all__ = ["Chore", "Final", "chore", "defined"]

Check = Callable[["Final"], list[str]]


@dataclass(frozen=True)
class Chore:
    """One chore: its request, the folders it builds and grants, and how its result is judged."""

    id: str
    request: str
    build: Callable[[Path], None]
    check: Check
    folders: tuple[str, ...] = ()  # granted read-write, below the chore's root
    read_only: tuple[str, ...] = ()
    calendar: str = ""  # an .ics file below the root, granted as the calendar
    may_change: Callable[[str], bool] | None = None  # a change elsewhere is collateral damage
    feasible: bool = True  # False: declining, asking or changing nothing is the pass
    answers: Mapping[str, str] = field(default_factory=dict)  # the person's replies to questions
    reference: str = ""  # a correct script (the tests' replayed model answers with it)
    kind: str = "files"
    needs: tuple[str, ...] = ()  # capabilities beyond files, said in the report

    def allowed(self, path: str) -> bool:
        """Whether a change at ``path`` is one this chore may make."""
        if self.may_change is not None:
            return self.may_change(path)
        top = PurePosixPath(path).parts[0]
        return top in self.folders or (bool(self.calendar) and path == self.calendar)


_SUITE: dict[str, Chore] = {}


def chore(id: str, request: str, **fields: Any) -> Chore:
    """Define and register a chore (ids are unique and stable: results files compare by them)."""
    if id in _SUITE:
        raise ValueError(f"two eval chores are called {id!r}")
    made = Chore(id, request, **fields)
    _SUITE[id] = made
    return made


def defined() -> list[Chore]:
    """The chores defined so far, in definition order (``desktop.evaluation.suite`` loads them all)."""
    return list(_SUITE.values())


@dataclass
class Final:
    """The folders before and after a chore, with what the script returned: what checkers read."""

    root: Path
    before: Tree
    after: Tree
    result: Any = None

    # ---- where things are ---------------------------------------------------------------

    def files(self, under: str = "", tree: Tree | None = None) -> dict[str, Entry]:
        """Files (not folders) at or below ``under`` in the final tree (or ``tree``)."""
        source = self.after if tree is None else tree
        prefix = f"{under.rstrip('/')}/" if under else ""
        return {p: e for p, e in source.items() if not e.is_folder and p.startswith(prefix)}

    def now_at(self, old_path: str) -> list[str]:
        """Where the content that was at ``old_path`` is now (any number of places)."""
        digest = self.before[old_path].digest
        return sorted(p for p, e in self.after.items() if not e.is_folder and e.digest == digest)

    def text(self, path: str) -> str:
        return (self.root / path).read_text(encoding="utf-8", errors="replace")

    def changed(self) -> set[str]:
        return changed_paths(self.before, self.after)

    # ---- checks that recur ----------------------------------------------------------------

    def lost_content(self, *, except_paths: Iterable[str] = ()) -> list[str]:
        """Files whose content no longer exists anywhere (apart from those meant to go)."""
        meant = set(except_paths)
        return [
            f"{p} was lost (its content is nowhere any more)"
            for p in sorted(self.files(tree=self.before))
            if p not in meant and not self.now_at(p)
        ]

    def unchanged(self, paths: Iterable[str]) -> list[str]:
        """Problems for each of ``paths`` that is no longer as it was, at the same place."""
        problems = []
        for path in paths:
            if self.after.get(path) is None:
                problems.append(f"{path} should have stayed where it was")
            elif self.after[path].digest != self.before[path].digest:
                problems.append(f"{path} should not have changed")
        return problems

    def result_text(self) -> str:
        """The script's result as text, for chores whose answer is what it returns."""
        return self.result if isinstance(self.result, str) else json.dumps(self.result, default=str)


def name_of(path: str) -> str:
    return PurePosixPath(path).name


def folder_of(path: str) -> str:
    return str(PurePosixPath(path).parent)


def ext(path: str) -> str:
    name = name_of(path)
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""
