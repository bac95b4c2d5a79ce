"""The shared tail of ``errand run`` and ``errand ask``: preview, show, ask, apply, report.

At a terminal the person is asked; ``--yes`` approves without asking, and without a
terminal nothing is applied unless ``--yes`` says so.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from desktop.cli.common import EXIT_FAILED, STATUS_EXIT, fewer_collections
from desktop.cli.jsonout import emit

if TYPE_CHECKING:
    from desktop.core.assistant import Assistant, Preview
    from desktop.core.chore import Chore

__all__ = ["run_and_report"]


def run_and_report(args: argparse.Namespace, assistant: Assistant, chore: Chore) -> int:
    """Preview, show, ask, apply and report a chore: the shared tail of ``run`` and ``ask``."""
    from desktop.core.chore import always

    fewer_collections()
    console: Any = None
    if not args.json:
        from desktop.cli import console

        for run in assistant.interrupted():
            console.error(f"Run {run['id']} was interrupted part-way (Errand stopped during it).",
                          "`errand recover` rolls it back; `errand recover --finish` completes it.")
    cancel = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.set())
    try:
        on_log = None if args.json else console.log_line
        preview = assistant.preview_chore(chore, on_log=on_log, cancel=cancel)
        if not args.json:
            console.show_preview(preview)
        if getattr(args, "allow_flagged", False):
            preview.allow_flagged()  # asked for on the command line, after the preview was shown
        progress = None if args.json else console.progress_callback(len(preview.plan))
        report = assistant.finish_chore(chore, approve=always if args.yes else _approver(args),
                                        preview_only=args.preview_only, cancel=cancel, on_progress=progress)
    finally:
        signal.signal(signal.SIGINT, previous)
    if args.json:
        emit(report.to_json())
    else:
        console.show_outcome(report)
        if chore.retention is not None and chore.retention.over_limit:
            console.error(chore.retention.message(),
                          "Undo or remove old runs you no longer need (errand history).")
    return STATUS_EXIT.get(report.status, EXIT_FAILED)


def _approver(args: argparse.Namespace) -> Callable[[Preview], bool]:
    def approve(preview: Preview) -> bool:
        if not sys.stdin or not sys.stdin.isatty():
            from desktop.cli import console

            console.error("Not applied: nobody here to approve the plan.",
                          "Run again with --yes to apply without asking, or --preview-only to just look.")
            return False
        answer = input(f"Apply these {len(preview.plan)} changes? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            return False
        if set(preview.flagged()) - preview.allowed_flagged:
            from desktop.cli import console

            if not console.ask_flagged(preview):
                return False
            preview.allow_flagged()
        return True

    return approve

