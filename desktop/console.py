"""How the command line shows previews, runs, history and errors to a person (rich).

Only for people: ``--json`` output never passes through here. Every name
that comes from a file or a script is escaped first (``display.safe_text``)
and rich markup in it is neutralised.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from desktop.display import safe_text, shorten

__all__ = ["build_progress", "error", "log_line", "progress_callback", "show_code", "show_history",
           "show_outcome", "show_preview", "show_recipes", "show_recovery", "show_run", "show_undo"]

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
_OP_WORDS = {"rename": "rename", "delete": "delete", "write_text": "write", "mkdir": "new folder",
             "copy": "copy", "resize": "resized copy", "create": "new event", "update": "event change"}


def _e(text: Any) -> str:
    return escape(safe_text(str(text)))


def error(message: str, hint: str = "") -> None:
    err.print(f"[bold red]Error:[/] {_e(message)}")
    if hint:
        err.print(f"[yellow]What to do:[/] {_e(hint)}")


def log_line(line: str) -> None:
    out.print(f"[dim]│ {_e(line)}[/]")


# Plurals that are not the word plus "s".
_PLURALS = {"copy": "copies", "resized copy": "resized copies"}


def _counted(n: int, word: str) -> str:
    """``1 rename``, ``6 renames``, ``19 resized copies``."""
    return f"{n} {word if n == 1 else _PLURALS.get(word, word + 's')}"


def _counts_text(counts: dict[str, int]) -> str:
    parts = [_counted(n, _OP_WORDS.get(key.split(".", 1)[1], key)) for key, n in sorted(counts.items())]
    total = sum(counts.values())
    return f"{total} change{'s' if total != 1 else ''}" + (f": {', '.join(parts)}" if parts else "")


def show_preview(preview: Any) -> None:
    if preview.summary:
        out.print(f"[bold]{_e(preview.summary)}[/]")
    if preview.grants:
        out.print("Allowed for this run:")
        for text in preview.grant_texts():
            out.print(f"  • {_e(text)}")
    if not preview.ok:
        return  # the outcome shows the error
    plan = preview.plan
    if not len(plan):
        out.print("Nothing to change.")
        return
    table = Table(title=f"Preview — {_counts_text(plan.counts())}", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("Change")
    table.add_column("Before")
    table.add_column("After")
    for action in list(plan)[:200]:
        if action.before or action.after:
            change = _OP_WORDS.get(action.op, action.op)
            before, after = action.before or "", action.after or ""
        else:  # an action without a before/after pair says it all in its summary
            change, before, after = _OP_WORDS.get(action.op, action.op), "", action.summary
        table.add_row(str(action.seq), change, _e(shorten(before, 50)), _e(shorten(after, 50)))
    out.print(table)
    if len(plan) > 200:
        out.print(f"… and {len(plan) - 200} more (errand show RUN lists them all).")


def progress_callback(total: int) -> Callable[[int, int], None] | None:
    """A progress bar with counts for long applies; None for short ones or without a terminal."""
    if total < 50 or not sys.stdout.isatty():
        return None
    from rich.progress import Progress

    bar = Progress(console=out, transient=True)
    task = bar.add_task("Applying", total=total)
    bar.start()

    def update(done: int, all_: int) -> None:
        bar.update(task, completed=done, total=all_)
        if done >= all_:
            bar.stop()

    return update


def build_progress() -> Callable[[Any], None]:
    """Shows the sandbox's first-use build (``sandbox.build.BuildStep``s): a bar of its steps with
    the time elapsed, ticking, on a terminal; otherwise one line per step with its measured time."""
    if not err.is_terminal:  # a log: whole lines, never wrapped at 80 columns
        return lambda step: print(step, file=sys.stderr, flush=True)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=err)
    task = bar.add_task("Preparing Errand's sandbox for first use", total=None)

    def update(step: Any) -> None:
        if step.finished:
            bar.update(task, completed=step.done, total=step.total, description="Errand's sandbox is ready")
            bar.stop()
            return
        bar.update(task, completed=step.done, total=step.total,
                   description=f"Preparing Errand's sandbox: {_e(step.text)}")
        bar.start()

    return update


def show_outcome(report: Any) -> None:
    counts = report.counts()
    done = counts.get("done", 0)
    if report.error:
        err_ = report.error
        where = f" (line {err_['line']})" if err_.get("line") else ""
        error(f"{err_.get('type', 'Error')}{where}: {err_.get('message', '')}", err_.get("hint") or "")
    if report.result not in (None, "", [], {}):
        out.print(f"Result: {_e(report.result)}")
    changes = f"{done} change{'s' if done != 1 else ''}"
    verdict = {
        "applied": f"[green]Applied {changes}[/] (run {report.run_id}).",
        "previewed": f"Preview only, nothing changed (run {report.run_id}).",
        "refused": f"Not applied (run {report.run_id}).",
        "failed": f"[red]Failed[/] after {changes} (run {report.run_id}).",
        "cancelled": f"[yellow]Cancelled[/] after {changes} (run {report.run_id}).",
    }.get(report.status, f"{report.status} (run {report.run_id}).")
    out.print(verdict)
    if done:
        out.print(f"Undo with: errand undo {report.run_id}")


def show_code(script: str) -> None:
    from rich.syntax import Syntax

    out.print(Syntax(script, "python", line_numbers=True))


def show_recipes(recipes: Sequence[Any]) -> None:
    table = Table(title="Built-in recipes (work without a model)")
    table.add_column("Recipe")
    table.add_column("What it does")
    table.add_column("Try saying")
    for r in recipes:
        table.add_row(_e(r.title), _e(r.description), _e(r.phrases[0] if r.phrases else ""))
    out.print(table)


def show_history(runs: Sequence[dict[str, Any]]) -> None:
    from desktop.automations import trigger_text

    if not runs:
        out.print("No runs yet.")
        return
    table = Table(title="History")
    for col in ("Run", "When", "Request", "Changes", "Status", "Trigger"):
        table.add_column(col)
    for r in runs:
        trigger = r.get("trigger")
        shown_trigger = _e(shorten(trigger_text(trigger), 30)) if trigger else ""
        table.add_row(str(r["id"]), (r.get("started") or "")[:19], _e(shorten(r.get("request") or "", 50)),
                      str(r.get("action_count", 0)), r["status"], shown_trigger)
    out.print(table)


def show_run(report: Any) -> None:
    out.print(f"[bold]Run {report.run_id}[/] — {report.status} — {_e(report.request)}")
    if report.summary:
        out.print(_e(report.summary))
    for text in report.grants:
        out.print(f"  • {_e(text)}")
    table = Table(title="Timeline")
    table.add_column("#", justify="right")
    table.add_column("Change", overflow="fold")  # long names wrap, whole, instead of being cut
    table.add_column("Status", overflow="fold")
    for a in report.actions:
        table.add_row(str(a["seq"]), _e(a.get("summary") or f"{a['capability']}.{a['op']}"),
                      a["status"] + (f": {_e(a['error'])}" if a.get("error") else ""))
    out.print(table)
    if report.error:
        error(report.error.get("message", ""), report.error.get("hint") or "")


def show_undo(report: Any) -> None:
    out.print(f"Undid {report.undone} action{'s' if report.undone != 1 else ''} of run {report.run_id}.")
    for seq, reason in report.refused:
        out.print(f"[yellow]Kept action {seq}:[/] {_e(reason)}")


def show_recovery(reports: Sequence[Any]) -> None:
    if not reports:
        out.print("Nothing to recover: no run was interrupted.")
        return
    for r in reports:
        out.print(f"Run {r.run_id}: {r.action.replace('_', ' ')} ({r.undone} undone, {r.done} done); "
                  f"now {r.status}.")
        for seq, reason in r.refused:
            out.print(f"  [yellow]action {seq} kept:[/] {_e(reason)}")
        for seq in r.unknown:
            out.print(f"  [yellow]action {seq}:[/] could not tell whether it happened; check it by hand.")
