"""How the command line shows previews, runs, history and errors to a person (rich).

Only for people: ``--json`` output never passes through here. Every name
that comes from a file or a script is escaped first (``display.safe_text``;
longer text ``display.terminal_text``) and rich markup in it is neutralised.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from desktop.display import change_marks, safe_text, shorten, terminal_text

__all__ = ["ask_flagged", "error", "log_line", "progress_callback", "show_code", "show_history",
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


def _counts_text(counts: dict[str, int]) -> str:
    parts = [f"{n} {_OP_WORDS.get(key.split('.', 1)[1], key)}" for key, n in sorted(counts.items())]
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
    table.add_column("Note")
    flagged = preview.flagged()
    for action in list(plan)[:200]:
        if action.before or action.after:
            before, after = action.before or "", action.after or ""
        else:  # an action without a before/after pair says it all in its summary
            before, after = "", action.summary
        marks = change_marks(action.op, action.summary, action.detail, flagged.get(action.seq, ""))
        note = "; ".join(marks)
        if action.seq in flagged:
            note = f"[bold red]⚠ {_e(note)}[/]"
        elif marks:
            note = f"[yellow]{_e(note)}[/]"
        table.add_row(str(action.seq), _OP_WORDS.get(action.op, action.op), _e(shorten(before, 50)),
                      _e(shorten(after, 50)), note)
    out.print(table)
    if len(plan) > 200:
        out.print(f"… and {len(plan) - 200} more (errand show RUN lists them all).")
    if flagged:
        n = len(flagged)
        out.print(f"[bold red]⚠ {n} change{'s' if n != 1 else ''} could make a program run and "
                  f"need{'' if n != 1 else 's'} your extra approval:[/]")
        for seq, why in flagged.items():
            out.print(f"  #{seq}: {_e(why)}")
    _show_writes(preview)


def _show_writes(preview: Any, limit: int = 10) -> None:
    """What each text write would write: its content, or a diff against the file it replaces."""
    shown = 0
    for action in preview.plan:
        effect = preview.effect(action)
        if effect is None:
            continue
        if shown == limit:
            out.print(f"… and more text writes, not shown here (the first {limit} are).")
            return
        shown += 1
        out.print(f"[bold]#{action.seq} {_e(action.summary)}[/] — {_e(effect.title)}")
        for line in effect.text.splitlines():
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
            out.print(f"[{style}]  │ {_e(line)}[/]")


def ask_flagged(preview: Any) -> bool:
    """The second, explicit question for changes that could make a program run; True only for 'yes'."""
    flagged = preview.flagged()
    n = len(flagged)
    err.print(f"[bold red]⚠ {n} of these changes could make a program run on this computer:[/]")
    by_seq = {a.seq: a for a in preview.plan}
    for seq, why in flagged.items():
        err.print(f"  #{seq} {_e(by_seq[seq].summary)} — {_e(why)}")
    answer = input(f"Apply {'these' if n != 1 else 'this'} too? Type 'yes' to allow, anything else "
                   "applies nothing: ").strip().lower()
    return answer == "yes"


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


def show_outcome(report: Any) -> None:
    counts = report.counts()
    done = counts.get("done", 0)
    if report.error:
        err_ = report.error
        where = f" (line {err_['line']})" if err_.get("line") else ""
        hint = err_.get("hint") or ""
        if err_.get("type") == "NeedsApproval":  # the core's words, said the command line's way
            hint = ("Look at those changes closely. To apply them anyway, run again and type 'yes' at the "
                    "second question, or add --allow-flagged.")
        error(f"{err_.get('type', 'Error')}{where}: {err_.get('message', '')}", hint)
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

    # A model's script can hold terminal escapes (in strings, comments): shown, never sent raw.
    out.print(Syntax(terminal_text(script), "python", line_numbers=True))


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
    for col in ("#", "Change", "Status"):
        table.add_column(col)
    for a in report.actions:
        summary = a.get("summary") or f"{a['capability']}.{a['op']}"
        shown = ("⚠ " if a.get("flagged") else "") + shorten(summary, 70)
        table.add_row(str(a["seq"]), _e(shown),
                      a["status"] + (f": {_e(shorten(a['error'], 40))}" if a.get("error") else ""))
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
