"""What a planned move or copy found, and a planned ``files.rename`` kept compact while its script runs.

``MoveFacts`` is what the preview found for a move or a copy: the source's
fingerprint, the fingerprint of a file the destination replaces (and where it will
be kept), and whether the destination could make a program run; ``move_detail``
makes the action's ``detail`` from them, the one place its keys are written down.

``PlannedRename`` is a rename as the plan keeps it until the plan is looked at
(``ActionPlan.defer``): the script's two paths and the facts, without the two
absolute paths, the three dictionaries and the sentence of its ``Action`` (about
1 KB, so 100 MB for ``files.rename_many`` over 100,000 files, all while the
script, its arguments and the sandbox's memory are still alive). Its ``action``
makes the very ``Action`` the rename would have been recorded as at once, so the
journal, apply and undo see no difference; ``journal_bytes`` is what recording it
would have charged to the run's journal budget, charged as it is planned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from capabilities.budget import journal_size
from capabilities.folders.granted import FolderSet, Stat
from capabilities.folders.names import split_checked
from capabilities.plan import Action

__all__ = ["MoveFacts", "PlannedRename", "move_detail"]


def move_detail(src: str, dst: str, fingerprint: Stat | dict[str, Any], replaces: dict[str, Any] | None,
                hold_id: str | None, risk: str | None) -> dict[str, Any]:
    """A move's or copy's ``detail`` (``src``, ``dst`` absolute): the one place its keys are made."""
    facts: dict[str, Any] = {
        "src": src,
        "dst": dst,
        "fingerprint": fingerprint.fingerprint() if isinstance(fingerprint, Stat) else fingerprint,
        "replaces": replaces,
        "hold_id": hold_id,
    }
    if risk:
        facts["risk"] = risk
    return facts


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
        return move_detail(self.src, self.dst, self.fingerprint, self.replaces, self.hold_id, self.risk)


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
        folders = self.folders
        detail = move_detail(folders.absolute(sp), folders.absolute(dp), self.fingerprint, self.replaces,
                             self.hold_id, self.risk)
        return Action(seq, self.capability, self.op,
                      {"src": self.src, "dst": self.dst, "overwrite": self.overwrite}, detail,
                      self.summary(sp[:-1] == dp[:-1]), self.src, self.dst)

    def summary(self, same_folder: bool) -> str:
        return (f"{'Rename' if same_folder else 'Move'} {self.src} → {self.dst}"
                + (_REPLACING if self.replaces is not None else ""))

    def journal_bytes(self, facts: MoveFacts, same_folder: bool) -> int:
        """What ``Capability.record`` would charge for its action (``journal_size`` of its args and
        of its detail, and its summary's length), worked out from the facts without making the
        action: a batch of 100,000 renames is charged as it is planned (tests hold the two equal)."""
        args = 3 * 16 + len(self.src) + len(self.dst) + 8
        detail = (5 * 16 + len(facts.src) + len(facts.dst) + _fingerprint_bytes(self.fingerprint)
                  + (8 if self.replaces is None else journal_size(self.replaces))
                  + (8 if self.hold_id is None else len(self.hold_id))
                  + (16 + len(self.risk) if self.risk else 0))
        return args + detail + len(self.summary(same_folder))


_REPLACING = " (replacing it)"
_STAT_BYTES: dict[tuple[str, bool], int] = {}  # journal_size of a Stat's fingerprint, by its shape


def _fingerprint_bytes(found: Stat | dict[str, Any]) -> int:
    if isinstance(found, dict):
        return journal_size(found)
    shape = (found.kind, bool(found.ino))
    size = _STAT_BYTES.get(shape)
    if size is None:
        size = _STAT_BYTES[shape] = journal_size(found.fingerprint())  # its values' sizes do not count
    return size
