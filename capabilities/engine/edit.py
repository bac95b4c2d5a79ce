"""A person's own name for a change the plan makes: the one way a reviewed plan is edited.

A person reviewing a preview may give a rename, a move, a copy or a new text file
another name before applying it ("let me change it before it moves"). The edit is a
change of the plan, so apply carries out, the journal records and undo restores
exactly the edited plan; no front end keeps a name of its own.

``rename_change(actions, seq, name)`` returns the plan's actions with that change
made under ``name`` in the same folder, or raises with the reason:

- the name passes the same checks as a name a script gives (``capabilities.folders.names``:
  ``check_new_name``, or ``check_kept_name`` when it is the entry's own name again);
- it must not clash, exactly or as some system would confuse them (letter case,
  accents: ``overlay.fold``), with an entry already in that folder or with what another
  change of the plan makes there;
- a change a later one relies on (``capabilities.engine.subset.needs``: a later rename of
  the renamed file, a write into a moved folder) keeps its name: that later change
  would meet another disk than its preview saw;
- only changes that make a new entry can be renamed; one that replaces a file keeps
  the name it replaces (the new name makes a new file and replaces nothing).

The destination is looked up on disk once (one folder listing); apply still checks
it again, atomically, so a file that appears in between is never replaced.
Whether a name could make a program run is worked out again for the new name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from capabilities.engine.subset import needs
from capabilities.errors import ErrandError, PathRefused, TargetExists
from capabilities.folders.names import check_kept_name, check_new_name
from capabilities.folders.overlay import fold
from capabilities.plan import Action
from capabilities.risk import path_risk

__all__ = ["NotRenamable", "made_path", "renamable", "rename_change"]

# The changes that make a new entry at one place, and the keys that name it (args, detail).
_MADE = {("files", "rename"): ("dst", "dst"), ("files", "copy"): ("dst", "dst"),
         ("files", "write_text"): ("path", "path")}
_REPLACING = " (replacing it)"


class NotRenamable(ErrandError):
    """This change cannot take another name."""


def made_path(action: Action) -> str:
    """The absolute path the change makes ("" when it makes no new entry of its own)."""
    keys = _MADE.get((action.capability, action.op))
    if keys is None or action.detail.get("replaces"):
        return ""
    value = action.detail.get(keys[1])
    return value if isinstance(value, str) else ""


def renamable(action: Action) -> bool:
    """True when the person may give this change's new entry another name (a window offers it)."""
    return bool(made_path(action))


def rename_change(actions: Sequence[Action], seq: int, name: str,
                  relies: Mapping[int, set[int]] | None = None) -> list[Action]:
    """``actions`` with change ``seq`` making ``name`` (in the same folder) instead; see the module."""
    action = next((a for a in actions if a.seq == seq), None)
    if action is None:
        raise NotRenamable(f"The plan has no change number {seq}.", "Preview the chore again.")
    old = made_path(action)
    if not old:
        what = "replaces a file" if action.detail.get("replaces") else "makes no new file or folder"
        raise NotRenamable(f"“{action.summary}” {what}, so it keeps its name.",
                           "Untick it instead if you do not want it.")
    if not isinstance(name, str):
        raise PathRefused("A new name must be text.", "Type the name again.")
    folder, current = os.path.split(old)
    if name == current:
        return list(actions)
    was = action.detail.get("src") if action.op in ("rename", "copy") else None
    own = isinstance(was, str) and os.path.basename(was) == name  # its own name again: as a move keeps it
    (check_kept_name if own else check_new_name)(name)
    relies = needs(actions) if relies is None else relies
    later = next((a for a in actions if seq in relies.get(a.seq, ())), None)
    if later is not None:
        raise NotRenamable(f"“{later.summary}” needs the name “{current}”, so it cannot change.",
                           "Edit the name in that later change instead.")
    new = os.path.join(folder, name)
    _check_free(actions, action, new, was if isinstance(was, str) else None)
    return [_renamed(a, new) if a.seq == seq else a for a in actions]


def _check_free(actions: Iterable[Action], action: Action, new: str, was: str | None) -> None:
    """Refuse ``new`` when an entry there, or another change's new entry, has a name some system confuses."""
    folder, name = os.path.split(new)
    key = fold(name)
    for other in actions:
        made = other.detail.get("dst") or other.detail.get("path")
        if other.seq != action.seq and other.op != "delete" and isinstance(made, str) \
                and os.path.dirname(made) == folder and fold(os.path.basename(made)) == key:
            raise TargetExists(f"“{other.summary}” already makes “{os.path.basename(made)}” there.",
                               "Choose a different name.")
    try:
        present = os.listdir(folder)
    except FileNotFoundError:  # a folder the plan makes: its names are the plan's, checked above
        return
    except OSError as exc:
        raise TargetExists(f"The folder {folder} cannot be read ({exc.strerror}).",
                           "Check the folder, then try again.") from None
    same = next((n for n in present if fold(n) == key and os.path.join(folder, n) != was), None)
    if same is not None:
        word = "already exists" if same == name else f"would be confused with the existing “{same}”"
        raise TargetExists(f"“{name}” {word} in {folder}.", "Choose a different name.")


def _renamed(action: Action, new: str) -> Action:
    """The change making ``new`` instead, its words and its program check following the name."""
    arg_key, detail_key = _MADE[(action.capability, action.op)]
    old_shown = str(action.args.get(arg_key, ""))
    head = old_shown.rpartition("/")[0]
    shown = f"{head}/{os.path.basename(new)}" if head else os.path.basename(new)
    detail = dict(action.detail)
    old = detail[detail_key]
    was = detail.get("src") if action.op in ("rename", "copy") else None
    # A risk that came from the old name goes with it; one from the content (``#!``) stays.
    from_content = detail.get("risk") if path_risk(old, was=was) is None else None
    detail[detail_key] = new
    risk = path_risk(new, was=was) or from_content
    detail.pop("risk", None)
    if risk:
        detail["risk"] = risk
    summary = action.summary.removesuffix(_REPLACING)
    if summary.endswith(old_shown):
        summary = summary[: len(summary) - len(old_shown)] + shown
    args = {**action.args, arg_key: shown}
    return replace(action, args=args, detail=detail, summary=summary,
                   after=shown if action.after is not None else None)
