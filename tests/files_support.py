"""Helpers for the files tests: a run over real folders, calls through the real Dispatcher,
apply/undo without the journal, and byte-for-byte snapshots of a tree."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from capabilities.api.files import Files
from capabilities.base import RunContext
from capabilities.dispatch import Dispatcher
from capabilities.folders.granted import folder_grants
from capabilities.plan import Action


@dataclass
class Run:
    """One preview (``call``) and the host side that applies and undoes its plan."""

    files: Files
    context: RunContext
    holding: Path
    outcomes: list[tuple[Action, dict[str, Any]]] = field(default_factory=list)

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return Dispatcher({"files": self.files})(f"files.{name}", {"args": list(args), "kwargs": kwargs})

    @property
    def actions(self) -> list[Action]:
        return list(self.context.plan)

    def applier(self) -> Files:
        """A fresh capability for apply, as after a restart: same grants, no overlay state."""
        return Files(self.files.grants, RunContext(holding=self.holding, protected=self.context.protected))

    def apply(self) -> Files:
        host = self.applier()
        for action in self.context.plan:
            host.verify(action)
            self.outcomes.append((action, host.perform(action)))
        return host

    def undo(self) -> None:
        host = self.applier()
        for action, outcome in reversed(self.outcomes):
            host.undo(action, outcome)


def start(tmp: Path, *folders: tuple[Path, str], protected: tuple[Path, ...] = ()) -> Run:
    holding = tmp / "errand-holding"
    grants = folder_grants([(str(p), mode) for p, mode in folders], protected)
    context = RunContext(holding=holding, protected=protected)
    return Run(Files(grants, context), context, holding)


def snapshot(root: Path, *, folder_times: bool = False) -> dict[str, tuple[str, bytes, int]]:
    """Every entry under ``root``: kind, content and modified time (of folders too if asked)."""
    def folder(path: str) -> tuple[str, bytes, int]:
        return ("folder", b"", os.lstat(path).st_mtime_ns if folder_times else 0)

    found = {".": folder(str(root))}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            path = os.path.join(dirpath, name)
            found[os.path.relpath(path, root)] = folder(path)
        for name in filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            content = Path(path).read_bytes() if not os.path.islink(path) else os.readlink(path).encode()
            found[os.path.relpath(path, root)] = ("file", content, st.st_mtime_ns)
    return found


def make_tree(root: Path, files: dict[str, str], mtime: int = 1_600_000_000) -> None:
    """Create files (``{"sub/a.txt": "text"}``) with distinct, old modified times."""
    for i, (rel, text) in enumerate(sorted(files.items())):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, ns=((mtime + i) * 10**9 + 123, (mtime + i) * 10**9 + 123))
