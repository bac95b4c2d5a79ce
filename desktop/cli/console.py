"""How the command line shows previews, runs, history and errors to a person (rich).

Only for people: ``--json`` output never passes through here. Every name
that comes from a file or a script is escaped first (``display.safe_text``;
longer text ``display.terminal_text``) and rich markup in it is neutralised.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from capabilities.plan import left_alone_lines, left_alone_words
from capabilities.status import ActionStatus, RunStatus, action_words, run_words
from desktop.core.display import change_marks, safe_text, shorten, terminal_text
from desktop.core.effects import change_kind, makes
from desktop.core.report import status_words

if TYPE_CHECKING:  # the CLI starts fast: the sandbox and the core load only when a command needs them
    from capabilities.engine.recovery import RecoveryReport
    from capabilities.engine.undo import UndoReport
    from desktop.core.assistant import Preview
    from desktop.core.planning import Offer
    from desktop.core.recipes import Recipe
    from desktop.core.records import RunRow
    from desktop.core.report import RunReport
    from sandbox.build import BuildStep

__all__ = ["ask_flagged", "build_progress", "error", "log_line", "progress_callback", "show_code",
           "show_history", "show_offers", "show_outcome", "show_preview", "show_recipes", "show_recovery",
           "show_run", "show_undo"]

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _e(text: Any) -> str:
    return escape(safe_text(str(text)))


def error(message: str, hint: str = "") -> None:
    err.print(f"[bold red]Error:[/] {_e(message)}")
    if hint:
        err.print(f"[yellow]What to do:[/] {_e(hint)}")


def log_line(line: str) -> None:
    out.print(f"[dim]│ {_e(line)}[/]")


def show_preview(preview: Preview, left_out: Collection[int] = ()) -> None:
    """The preview as a table, numbered as the review edits it (``left_out``: the changes left out, shown
    dimmed and not counted in what it will do)."""
    if preview.summary and preview.planner == "model":
        out.print(f"The model's summary: {_e(preview.summary)}")  # its words, not Errand's count
    elif preview.summary:
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
    from desktop.core.effects import effects

    found = effects((a for a in plan if a.seq not in left_out), preview.request, preview.grants)
    out.print(f"[bold]What it will do:[/] {_e(found.text)}")
    for warning in found.warnings:
        out.print(f"[bold yellow]Careful:[/] {_e(warning)}")
    title = f"Preview — {len(plan):,} change{'s' if len(plan) != 1 else ''}"
    if left_out:
        title += f", {len(left_out):,} left out"
    table = Table(title=title, show_lines=False)
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
        made = makes(action.capability, action.op, action.detail)  # the window says it after the new name
        note = "; ".join(n for n in (note, _e(made)) if n)
        word = change_kind(action.capability, action.op, action.args, action.detail).word.lower()
        if action.seq in left_out:
            table.add_row(str(action.seq), word, _e(shorten(before, 50)), _e(shorten(after, 50)),
                          "left out", style="dim")
            continue
        table.add_row(str(action.seq), word, _e(shorten(before, 50)),
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


def _show_writes(preview: Preview, limit: int = 10) -> None:
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


def ask_flagged(preview: Preview) -> bool:
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


def build_progress() -> Callable[[BuildStep], None]:
    """Shows the sandbox's first-use build (``sandbox.build.BuildStep``s): a bar of its steps with
    the time elapsed, ticking, on a terminal; otherwise one line per step with its measured time."""
    if not err.is_terminal:  # a log: whole lines, never wrapped at 80 columns
        return lambda step: print(step, file=sys.stderr, flush=True)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=err)
    task = bar.add_task("Preparing Errand's sandbox for first use", total=None)

    def update(step: BuildStep) -> None:
        if step.finished:
            bar.update(task, completed=step.done, total=step.total, description="Errand's sandbox is ready")
            bar.stop()
            return
        bar.update(task, completed=step.done, total=step.total,
                   description=f"Preparing Errand's sandbox: {_e(step.text)}")
        bar.start()

    return update


def show_outcome(report: RunReport) -> None:
    counts = report.counts()
    done = counts.get(ActionStatus.DONE, 0)
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
    verdicts: dict[str, str] = {
        RunStatus.APPLIED: f"[green]Applied {changes}[/] (run {report.run_id}).",
        RunStatus.PREVIEWED: f"Preview only, nothing changed (run {report.run_id}).",
        RunStatus.REFUSED: f"Not applied (run {report.run_id}).",
        RunStatus.FAILED: f"[red]Failed[/] after {changes} (run {report.run_id}).",
        RunStatus.CANCELLED: f"[yellow]Cancelled[/] after {changes} (run {report.run_id}).",
        RunStatus.NOT_DONE: f"[yellow]Not done[/]: this chore cannot be done with what Errand has; nothing "
                             f"changed (run {report.run_id}).",
    }
    verdict = verdicts.get(report.status, f"{report.status} (run {report.run_id}).")
    if getattr(report, "partial", False):
        verdict += f" [yellow]Partly: {left_alone_words(report.left_alone)}[/] (see above)."
    out.print(verdict)
    if done:
        out.print(f"Undo with: errand undo {report.run_id}")


def show_code(script: str) -> None:
    from rich.syntax import Syntax

    # A model's script can hold terminal escapes (in strings, comments): shown, never sent raw.
    out.print(Syntax(terminal_text(script), "python", line_numbers=True))


def show_recipes(recipes: Sequence[Recipe]) -> None:
    table = Table(title="Built-in recipes (work without a model)")
    table.add_column("Recipe")
    table.add_column("What it does")
    table.add_column("Try saying")
    for r in recipes:
        table.add_row(_e(r.title), _e(r.description), _e(r.phrases[0] if r.phrases else ""))
    out.print(table)


def show_offers(message: str, offers: Sequence[Offer]) -> None:
    """The honest "I can't" with the recipes closest to the request, numbered to pick from."""
    out.print(f"[bold]{_e(message)}[/]")
    for n, offer in enumerate(offers, 1):
        out.print(f"  {n}. [bold]{_e(offer.title)}[/] — {_e(offer.does)}")
        if offer.differs:
            out.print(f"     [yellow]Unlike your request, {_e(offer.differs)}.[/]")


def show_history(runs: Sequence[RunRow]) -> None:
    from desktop.core.saved_automations import trigger_text

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
                      str(r.get("action_count", 0)), status_words(r), shown_trigger)
    out.print(table)


def show_run(report: RunReport) -> None:
    out.print(f"[bold]Run {report.run_id}[/] — {status_words(report.to_json())} — {_e(report.request)}")
    if report.summary:
        out.print(_e(report.summary))
    for text in report.grants:
        out.print(f"  • {_e(text)}")
    table = Table(title="Timeline")
    table.add_column("#", justify="right")
    table.add_column("Change", overflow="fold")  # long names wrap, whole, instead of being cut
    table.add_column("Status", overflow="fold")
    for a in report.actions:
        summary = a.get("summary") or f"{a['capability']}.{a['op']}"
        table.add_row(str(a["seq"]), _e(("⚠ " if a.get("flagged") else "") + summary),
                      action_words(a["status"]) + (f": {_e(a['error'])}" if a.get("error") else ""))
    out.print(table)
    for line in left_alone_lines(report.left_alone):  # journaled with the run: a partial run says so
        out.print(_e(line))
    if report.error:
        error(report.error.get("message", ""), report.error.get("hint") or "")


def show_undo(report: UndoReport) -> None:
    out.print(f"Undid {report.undone} action{'s' if report.undone != 1 else ''} of run {report.run_id}.")
    for seq, reason in report.refused:
        out.print(f"[yellow]Kept action {seq}:[/] {_e(reason)}")


def show_recovery(reports: Sequence[RecoveryReport]) -> None:
    if not reports:
        out.print("Nothing to recover: no run was interrupted.")
        return
    for r in reports:
        out.print(f"Run {r.run_id}: {r.action.replace('_', ' ')} ({r.undone} undone, {r.done} done); "
                  f"now {run_words(r.status).lower()}.")
        for seq, reason in r.refused:
            out.print(f"  [yellow]action {seq} kept:[/] {_e(reason)}")
        for seq in r.unknown:
            out.print(f"  [yellow]action {seq}:[/] could not tell whether it happened; check it by hand.")


def show_chores(rows: Sequence[dict[str, Any]]) -> None:
    table = Table(title=f"The eval suite ({len(rows)} chores)")
    table.add_column("Chore", no_wrap=True)
    for col in ("Request", "Kind"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["id"], _e(r["request"]), r["kind"] + ("" if r["feasible"] else " (must decline)"))
    out.print(table)


def show_eval(data: dict[str, Any]) -> None:
    """A suite run: one row per chore, then the totals and what failed why."""
    k = data["k"]
    table = Table(title=f"Errand eval — planner {data['planner']}, model {_e(data['model'])}")
    table.add_column("Chore", no_wrap=True)  # ids are what --only and --compare take: never cut
    for col in ("pass@1", f"pass^{k}", "Failed because", "Repairs", "Tokens in/out", "Time"):
        table.add_column(col)
    for c in data["chores"]:
        attempts = c["attempts"]
        reasons = sorted({a["reason"] for a in attempts if not a["passed"]})
        table.add_row(c["id"], f"{c['pass_at_1']:.0%}", f"{c[f'pass_hat_{k}']:.0%}", _e(", ".join(reasons)),
                      str(sum(a["repairs"] for a in attempts)),
                      f"{sum(a['tokens_in'] for a in attempts):,}/{sum(a['tokens_out'] for a in attempts):,}",
                      f"{sum(a['seconds'] for a in attempts):.1f} s")
    out.print(table)
    t = data["totals"]
    out.print(f"[bold]{t['chores']} chores, {t['attempts']} attempts: pass@1 {t['pass_at_1']:.0%}, "
              f"pass^{k} {t[f'pass_hat_{k}']:.0%}[/]; {t['repairs']} repair rounds, "
              f"{t['tokens_in']:,} tokens in, {t['tokens_out']:,} out, ${t['cost']:.4f}, "
              f"{t['seconds']:.0f} s.")
    for reason, count in t["failures"].items():
        out.print(f"  {count} × {_e(reason)}")
    compared = data.get("compared")
    if compared:
        was, now = compared["pass_at_1"]["was"], compared["pass_at_1"]["now"]
        model = _e(str(compared["old"]["model"]))
        out.print(f"Against the earlier run ({model}): pass@1 {was:.0%} → {now:.0%}")
        for row in compared["changed"]:
            before = "new" if row["was"] is None else f"{row['was']:.0%}"
            out.print(f"  {row['id']}: {before} → {row['now']:.0%} {_e(row['reason'])}")
