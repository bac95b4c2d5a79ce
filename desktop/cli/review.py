"""The shared tail of ``errand run`` and ``errand ask``: preview, show, review, ask, apply, report.

The terminal is a review tool like the window: before applying, the person may leave changes
out by their numbers in the preview (``leave 3,5-7``, ``keep 5``) and give one change another
name (``rename 3 Beach.jpg``); the preview is shown again after each edit. Scripts say the same
with ``--leave-out 3,5-7`` and ``--rename 3=Beach.jpg``. Both go through the core's own calls —
``Assistant.rename_change`` and ``finish_chore(leave_out=…)``, whose rule
(``capabilities.engine.subset``) refuses leaving out a change a kept one needs, in the words
the window says too — so the journal and undo hold exactly the reviewed plan.

Without a terminal nothing is applied unless ``--yes`` says so.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
from collections.abc import Collection, Sized
from typing import TYPE_CHECKING

from capabilities.engine.edit import NotRenamable
from capabilities.engine.subset import LeftOutNeeded, refusal
from capabilities.errors import ErrandError
from desktop.cli.common import EXIT_FAILED, STATUS_EXIT, fewer_collections
from desktop.cli.jsonout import emit

if TYPE_CHECKING:
    from types import ModuleType

    from desktop.core.assistant import Assistant
    from desktop.core.chore import Chore
    from desktop.core.preview import Preview

__all__ = ["add_review_options", "parse_rename", "parse_rows", "run_and_report"]

_REVIEW_HELP = ("y = apply, n = do not (the default); leave 3,5-7 = leave those changes out; "
                "keep 5 = put one back; rename 3 NEW NAME = give change 3 another name")


def add_review_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--leave-out", metavar="ROWS", default="",
                   help="leave out these changes, by their numbers in the preview (e.g. 3,5-7); refused "
                        "when a change you keep needs one of them")
    p.add_argument("--rename", action="append", default=[], metavar="ROW=NAME",
                   help="give change ROW of the preview another new name (a rename, move, copy or new file)")


def parse_rows(text: str, known: Collection[int]) -> set[int]:
    """``"3,5-7"`` as ``{3, 5, 6, 7}``; an ErrandError naming the part that is no change of the preview."""
    rows: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        found = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
        if found is None:
            raise ErrandError(f"“{part}” is not a change number or a range of them.",
                              "Give the numbers the preview shows in its # column, e.g. 3,5-7.")
        first, last = int(found.group(1)), int(found.group(2) or found.group(1))
        if last < first:
            raise ErrandError(f"The range “{part}” runs backwards.", f"Write it as {last}-{first}.")
        wanted = set(range(first, last + 1))
        unknown = sorted(wanted - set(known))
        if unknown:
            top = max(known, default=0)
            raise ErrandError(f"The preview has no change {unknown[0]}.",
                              f"Its changes are numbered 1 to {top}." if top else "It has no changes.")
        rows |= wanted
    return rows


def parse_rename(text: str) -> tuple[int, str]:
    """``"3=Beach.jpg"`` (or ``"3 Beach.jpg"`` at the prompt) as ``(3, "Beach.jpg")``."""
    found = re.fullmatch(r"\s*(\d+)\s*[= ]\s*(.*?)\s*", text)
    if found is None or not found.group(2):
        raise ErrandError(f"“{text}” does not say which change to rename, and to what.",
                          "Give its number and the new name, e.g. 3=Beach.jpg.")
    return int(found.group(1)), found.group(2)


def run_and_report(args: argparse.Namespace, assistant: Assistant, chore: Chore) -> int:
    """Preview, show, review, ask, apply and report a chore: the shared tail of ``run`` and ``ask``."""
    from desktop.core.chore import always

    fewer_collections()
    console: ModuleType | None = None
    if not args.json:
        from desktop.cli import console as terminal

        console = terminal
        for run in assistant.interrupted():
            terminal.error(f"Run {run['id']} was interrupted part-way (Errand stopped during it).",
                          "`errand recover` rolls it back; `errand recover --finish` completes it.")
    cancel = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.set())
    try:
        on_log = None if console is None else console.log_line
        preview = assistant.preview_chore(chore, on_log=on_log, cancel=cancel)
        left_out = _given_edits(args, assistant, chore, preview)
        if console is not None:
            console.show_preview(preview, left_out)
        if getattr(args, "allow_flagged", False):
            preview.allow_flagged()  # asked for on the command line, after the preview was shown
        # The person's review comes before the run is journaled: the journal keeps the reviewed plan.
        asks = preview.ok and len(preview.plan) > 0 and not args.yes and not args.preview_only
        review = _Review(assistant, chore, preview, left_out, show=console is not None)
        approve = _refuse if asks and not review.ask() else always
        progress = None if console is None else console.progress_callback(len(preview.plan) - len(left_out))
        try:
            report = assistant.finish_chore(chore, approve=approve, preview_only=args.preview_only,
                                            cancel=cancel, on_progress=progress, leave_out=left_out)
        except LeftOutNeeded as exc:  # the core's reason, said the command line's way
            raise ErrandError(exc.message, "Keep that change (drop it from --leave-out), or leave out the "
                              "changes that need it as well.") from None
    finally:
        signal.signal(signal.SIGINT, previous)
    if console is None:
        emit(report.to_json())
    else:
        console.show_outcome(report)
        if chore.retention is not None and chore.retention.over_limit:
            console.error(chore.retention.message(),
                          "Undo or remove old runs you no longer need (errand history).")
    return STATUS_EXIT.get(report.status, EXIT_FAILED)


def _refuse(_preview: Preview) -> bool:
    """The person said no (or nobody was there to say yes): the run is journaled as refused."""
    return False


def _given_edits(args: argparse.Namespace, assistant: Assistant, chore: Chore, preview: Preview) -> set[int]:
    """``--rename`` applied to the plan (through the core), and the rows ``--leave-out`` names."""
    if not preview.ok:
        return set()
    for text in getattr(args, "rename", None) or ():
        _rename(assistant, chore, preview, *parse_rename(text))
    left_out = parse_rows(getattr(args, "leave_out", "") or "", _seqs(preview))
    _not_all(left_out, preview.plan)
    return left_out


def _not_all(left_out: Collection[int], plan: Sized) -> None:
    if left_out and len(left_out) == len(plan):
        raise ErrandError("Every change is left out: there would be nothing to apply.",
                          "Keep the changes you want, or do not apply this plan.")


def _rename(assistant: Assistant, chore: Chore, preview: Preview, seq: int, name: str) -> None:
    """Change ``seq``'s new name through the core (refused there with the reason)."""
    parse_rows(str(seq), _seqs(preview))
    try:
        assistant.rename_change(chore, seq, name)
    except NotRenamable as exc:  # the core's reason; what to do instead, said the command line's way
        raise ErrandError(exc.message, f"Leave it out instead (leave {seq} at the prompt, or "
                          f"--leave-out {seq}).") from None


def _seqs(preview: Preview) -> list[int]:
    return [a.seq for a in preview.plan]


class _Review:
    """The approval at a terminal: the person may edit the plan (leave out, keep, rename) and sees the
    preview again after each edit, until they say yes or no. ``left_out`` is the set ``finish_chore``
    then narrows the plan by."""

    def __init__(self, assistant: Assistant, chore: Chore, preview: Preview, left_out: set[int], *,
                 show: bool = True) -> None:
        self.assistant, self.chore, self.preview, self.left_out = assistant, chore, preview, left_out
        self.show = show  # False with --json: stdout holds the one JSON answer, not tables

    def ask(self) -> bool:
        from desktop.cli import console

        if not sys.stdin or not sys.stdin.isatty():
            console.error("Not applied: nobody here to approve the plan.",
                          "Run again with --yes to apply without asking, or --preview-only to just look.")
            return False
        while True:
            kept = len(self.preview.plan) - len(self.left_out)
            answer = input(f"Apply these {kept} changes? [y/N] (or: leave ROWS, keep ROWS, rename ROW NAME, "
                           "help) ").strip()
            word, _, rest = answer.partition(" ")
            word = word.lower()
            if word in ("y", "yes"):
                return self._flagged_too(console)
            if word in ("", "n", "no"):
                return False
            try:
                edited = self._edit(word, rest)
            except ErrandError as exc:
                console.error(exc.message, exc.hint)
                continue
            if edited and self.show:
                console.show_preview(self.preview, self.left_out)
            else:
                console.log_line(_REVIEW_HELP)

    def _edit(self, word: str, rest: str) -> bool:
        """Carry out one edit (True), or False for a word that is none (the help is shown)."""
        plan = self.preview.plan
        if word in ("leave", "l"):
            chosen = self.left_out | parse_rows(rest, _seqs(self.preview))
            hint = "Leave out the changes that need it as well, or keep it."
        elif word in ("keep", "k"):
            chosen = self.left_out - parse_rows(rest, _seqs(self.preview))
            hint = "Put back the change it needs as well."
        elif word in ("rename", "r"):
            _rename(self.assistant, self.chore, self.preview, *parse_rename(rest))
            return True
        else:
            return False
        why = refusal(plan.actions, chosen)  # the rule and the words the window's review uses
        if why:
            raise ErrandError(why, hint)
        _not_all(chosen, plan)
        self.left_out.clear()
        self.left_out.update(chosen)
        return True

    def _flagged_too(self, console: ModuleType) -> bool:
        """Changes that could make a program run need their own 'yes' (unless they are left out)."""
        if set(self.preview.flagged()) - self.preview.allowed_flagged - self.left_out:
            if not console.ask_flagged(self.preview):
                return False
            self.preview.allow_flagged()
        return True
