"""A small real capability for the apply/undo/recovery tests: renames and deletes in one folder.

It does real file operations (``os.rename``, the real holding area) with the
same contract as ``files``: ``verify`` compares the preview's fingerprint,
``perform`` returns what undoes it, ``undo`` refuses when the result changed,
``probe`` tells after a crash whether the effect is on disk. Setting
``ERRAND_TOY_DELAY`` (seconds) slows each rename and its undo, so the crash test can kill
a child process part-way through.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from capabilities.base import REGISTRY, Capability, Grant, RunContext, write
from capabilities.errors import SourceChanged, TargetExists, UndoRefused
from capabilities.folders.holding import Holding, new_id
from capabilities.plan import Action

__all__ = ["ToyFiles", "builder", "make_caps", "make_files_caps", "tree"]


def _pace() -> None:
    delay = float(os.environ.get("ERRAND_TOY_DELAY", "0"))
    if delay:
        time.sleep(delay)


def _fp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


class ToyFiles(Capability):
    """Test-only: rename and delete files inside the granted folder."""

    name = "toyfs"
    summary = "Rename and delete files in one folder (tests only)."

    @property
    def root(self) -> Path:
        return Path(self.grants[0].target)

    @write
    def rename(self, src: str, dst: str) -> str:
        """Rename src to dst inside the folder."""
        source = self.root / src
        self.record("rename", {"src": src, "dst": dst},
                    {"src": str(source), "dst": str(self.root / dst), "fp": _fp(source)},
                    f"Rename {src} → {dst}", src, dst)
        return dst

    @write
    def delete(self, path: str) -> None:
        """Delete path (kept in the holding area)."""
        target = self.root / path
        self.record("delete", {"path": path}, {"path": str(target), "fp": _fp(target), "holding": new_id()},
                    f"Delete {path}", path, None)

    # ---- apply / undo / recovery ----------------------------------------------------------------

    def _source_as_previewed(self, path: Path, action: Action) -> None:
        if not path.exists():
            raise SourceChanged(f"{path.name} is gone since the preview.", "Preview the chore again.")
        if _fp(path) != action.detail["fp"]:
            raise SourceChanged(f"{path.name} changed since the preview.",
                                "Preview the chore again to see what it would do now.")

    def verify_rename(self, action: Action) -> None:
        self._source_as_previewed(Path(action.detail["src"]), action)

    def perform_rename(self, action: Action) -> dict[str, Any]:
        _pace()
        src, dst = Path(action.detail["src"]), Path(action.detail["dst"])
        if os.path.lexists(dst):
            raise TargetExists(f"{dst.name} exists now.", "Move it away and apply again.")
        os.rename(src, dst)
        return {"src": str(src), "dst": str(dst)}

    def undo_rename(self, action: Action, outcome: dict[str, Any]) -> None:
        _pace()
        src, dst = Path(action.detail["src"]), Path(action.detail["dst"])
        if not dst.exists():
            raise UndoRefused(f"{dst.name} is no longer there.", "It was moved or deleted after the run.")
        if _fp(dst) != action.detail["fp"]:
            raise UndoRefused(f"{dst.name} was edited after the run.", "Undoing would lose that edit.")
        if os.path.lexists(src):
            raise UndoRefused(f"{src.name} exists again.", "Move it away, then undo.")
        os.rename(dst, src)

    def probe_rename(self, action: Action) -> bool | None:
        src, dst = os.path.lexists(action.detail["src"]), os.path.lexists(action.detail["dst"])
        return True if dst and not src else False if src and not dst else None

    def _holding(self) -> Holding:
        assert self.context.holding is not None
        return Holding(self.context.holding)

    def verify_delete(self, action: Action) -> None:
        self._source_as_previewed(Path(action.detail["path"]), action)

    def perform_delete(self, action: Action) -> dict[str, Any]:
        hold = self._holding().keep(action.detail["path"], action.detail["holding"])
        return {"holding": hold}

    def undo_delete(self, action: Action, outcome: dict[str, Any]) -> None:
        hold = outcome.get("holding") or action.detail["holding"]
        if not self._holding().has(hold):
            raise UndoRefused("The kept copy is no longer in the holding area.", "It cannot be brought back.")
        self._holding().restore(hold, action.detail["path"])

    def probe_delete(self, action: Action) -> bool | None:
        held, there = self._holding().has(action.detail["holding"]), os.path.lexists(action.detail["path"])
        return True if held and not there else False if there and not held else None


# Defining the class registered it; keep it out of the real registry so other tests listing
# every capability never see it (tests that need it register it with monkeypatch).
REGISTRY.pop(ToyFiles.name, None)


def make_caps(root: Path, holding: Path | None = None) -> dict[str, Capability]:
    """A toyfs capability over ``root`` with a fresh plan (what a preview would build)."""
    return {"toyfs": ToyFiles([Grant("toyfs", str(root))], RunContext(holding=holding))}


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root``: relative name → sha256 of its content."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def paced_files() -> type[Capability]:
    """The real ``files`` capability, slowed like the toy one (for the crash test's child): each
    rename of the Python path, and each call to C after its renames, before apply records them."""
    from capabilities.api.files import Files

    class PacedFiles(Files):  # no ``name`` of its own: not registered, stays "files"
        """The files capability with each rename and its undo slowed by ERRAND_TOY_DELAY."""

        def perform_rename(self, action: Action) -> dict[str, Any]:
            _pace()
            return super().perform_rename(action)

        def carry_out_leading(self, actions: Sequence[Action], start: int,
                              check: Callable[[Action], None]) -> list[dict[str, Any]]:
            done = super().carry_out_leading(actions, start, check)
            for _ in done:  # the C loop's renames are done; the pause keeps them unrecorded a while
                _pace()
            return done

        def reverse_leading(self, rows: Sequence[Any], start: int) -> int:
            done = super().reverse_leading(rows, start)
            for _ in range(done):
                _pace()
            return done

        def undo_rename(self, action: Action, outcome: Any) -> None:
            _pace()
            super().undo_rename(action, outcome)

    return PacedFiles


def make_files_caps(root: Path, holding: Path) -> dict[str, Capability]:
    """The paced real files capability over ``root`` (label ``T``), with a fresh plan."""
    from capabilities.folders.granted import folder_grants

    return {"files": paced_files()(folder_grants([(str(root), "rw")], ()), RunContext(holding=holding))}


def builder(holding: Path) -> Callable[[Sequence[Grant]], dict[str, Capability]]:
    """What the app passes to ``recover``: capabilities rebuilt from a run's stored grants."""
    from capabilities.registry import instantiate

    def build(grants: Sequence[Grant]) -> dict[str, Capability]:
        context = RunContext(holding=holding)
        toy = [g for g in grants if g.capability == ToyFiles.name]
        if toy:  # the toy is kept out of the registry
            return {ToyFiles.name: ToyFiles(toy, context)}
        return instantiate(grants, context)
    return build
