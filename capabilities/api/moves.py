"""What a planned move or copy found, and a planned ``files.rename`` kept compact while its script runs.

``MoveFacts`` is what the preview found for a move or a copy: the source's
fingerprint, the fingerprint of a file the destination replaces (and where it will
be kept), and whether the destination could make a program run; its ``detail`` is
the action's ``detail``, the one place its keys are written down.

``PlannedRename`` is a rename as the plan keeps it until the plan is looked at
(``ActionPlan.defer``): the script's two paths and the facts, without the two
absolute paths, the three dictionaries and the sentence of its ``Action`` (about
1 KB, so 100 MB for ``files.rename_many`` over 100,000 files, all while the
script, its arguments and the sandbox's memory are still alive). Its ``action``
makes the very ``Action`` the rename would have been recorded as at once, so the
journal, apply and undo see no difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from capabilities.folders.granted import FolderSet, Stat
from capabilities.folders.names import split_checked
from capabilities.plan import Action

__all__ = ["MoveFacts", "PlannedRename"]


@dataclass(slots=True, eq=False)
class MoveFacts:
    """A planned move's or copy's facts; ``src`` and ``dst`` are absolute paths."""

    src: str
    dst: str
    fingerprint: Stat | dict[str, Any]  # the source's (``FolderView.fingerprint_kept``)
    replaces: dict[str, Any] | None  # the fingerprint of the file dst replaces, if any
    hold_id: str | None  # where that file will be kept
    risk: str | None  # why the new entry could make a program run, if it could

    def detail(self) -> dict[str, Any]:
        """The action's ``detail``."""
        found = self.fingerprint
        facts: dict[str, Any] = {
            "src": self.src,
            "dst": self.dst,
            "fingerprint": found.fingerprint() if isinstance(found, Stat) else found,
            "replaces": self.replaces,
            "hold_id": self.hold_id,
        }
        if self.risk:
            facts["risk"] = self.risk
        return facts


@dataclass(slots=True, eq=False)
class PlannedRename:
    """A ``files.rename`` in the plan, compact until the plan is looked at (see the module)."""

    capability: ClassVar[str] = "files"
    op: ClassVar[str] = "rename"

    folders: FolderSet  # where the grant-relative paths are (their absolute form)
    src: str  # as the script gave them
    dst: str
    overwrite: bool
    fingerprint: Stat | dict[str, Any]
    replaces: dict[str, Any] | None
    hold_id: str | None
    risk: str | None

    @classmethod
    def of(cls, folders: FolderSet, src: str, dst: str, overwrite: bool, facts: MoveFacts) -> PlannedRename:
        return cls(folders, src, dst, overwrite, facts.fingerprint, facts.replaces, facts.hold_id, facts.risk)

    @property
    def before(self) -> str:
        return self.src

    def action(self, seq: int) -> Action:
        sp, dp = split_checked(self.src), split_checked(self.dst)  # both passed split_path when planned
        facts = MoveFacts(self.folders.absolute(sp), self.folders.absolute(dp), self.fingerprint,
                          self.replaces, self.hold_id, self.risk)
        return self.made(seq, sp, dp, facts)

    def made(self, seq: int, sp: tuple[str, ...], dp: tuple[str, ...], facts: MoveFacts) -> Action:
        """The action, from the paths' parts and facts already at hand (``action`` works them out)."""
        verb = "Rename" if sp[:-1] == dp[:-1] else "Move"
        summary = f"{verb} {self.src} → {self.dst}" + (" (replacing it)" if self.replaces is not None else "")
        return Action(seq, self.capability, self.op,
                      {"src": self.src, "dst": self.dst, "overwrite": self.overwrite}, facts.detail(),
                      summary, self.src, self.dst)
