"""The ``errand`` command: every flow of the app, headless, with ``--json`` for scripts.

Exit codes scripts can rely on: 0 done (applied, previewed, listed), 1 the
run failed (script error, a limit, a changed source), 2 bad input (unknown
run, bad grant, missing file), 3 the person refused the plan, 4 cancelled
(Ctrl-C). Heavy imports (Qt, litellm) happen only in the commands that need
them, so ``errand run`` starts fast.
"""

from __future__ import annotations

import argparse
import gc
import json
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from capabilities.errors import ErrandError

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_REFUSED, EXIT_CANCELLED = 0, 1, 2, 3, 4
_STATUS_EXIT = {"applied": EXIT_OK, "previewed": EXIT_OK, "failed": EXIT_FAILED, "refused": EXIT_REFUSED,
                "cancelled": EXIT_CANCELLED}

Command = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    def register(func: Command) -> Command:
        COMMANDS[name] = func
        return func

    return register


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or with ``only`` just that command's part (a parser per
    command costs ~0.6 ms, and a script calling ``errand run`` pays for every one)."""
    parser = argparse.ArgumentParser(
        prog="errand", description="Errand: chores in plain words, previewed, sandboxed and undoable.")
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="print Errand's version and exit")
    sub: Any = parser.add_subparsers(dest="command", metavar="COMMAND")
    if only is not None:
        sub = _OnlyOne(sub, only)

    run = sub.add_parser("run", help="preview and apply a script in the sandbox")
    run.add_argument("script", type=Path, help="a Python script written against Errand's capabilities")
    _add_run_options(run)

    hist = sub.add_parser("history", help="list past runs")
    hist.add_argument("--limit", type=int, default=50)
    hist.add_argument("--json", action="store_true")

    show = sub.add_parser("show", help="one run with its per-action timeline")
    show.add_argument("run_id", type=int)
    show.add_argument("--json", action="store_true")

    undo = sub.add_parser("undo", help="undo a run, or one of its actions")
    undo.add_argument("run_id", type=int)
    undo.add_argument("--action", type=int, help="undo only this action (its number in `errand show`)")
    undo.add_argument("--json", action="store_true")

    rec = sub.add_parser("recover", help="roll back (or --finish) runs a crash left half-applied")
    rec.add_argument("--finish", action="store_true", help="complete the interrupted plans instead")
    rec.add_argument("--json", action="store_true")

    app = sub.add_parser("app", help="open the Errand window (the default with no command)")
    app.add_argument("--quit-after", type=float, metavar="SECONDS",
                     help="close the window after this long (smoke tests of an installed app)")

    for extend in _EXTENSIONS:
        extend(sub)
    return parser


class _OnlyOne:
    """Stands in for the subparsers action: builds the one command wanted, skips the others."""

    def __init__(self, sub: Any, wanted: str) -> None:
        self._sub, self._wanted = sub, wanted

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        return self._sub.add_parser(name, **kwargs) if name == self._wanted else _Skipped()


class _Skipped:
    """Accepts a skipped command's arguments and drops them."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        return lambda *args, **kwargs: self


class _VersionAction(argparse.Action):
    """``errand --version``: read from the installed metadata only when asked (it costs a few ms)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from importlib import metadata

        try:
            version = metadata.version("errand")
        except metadata.PackageNotFoundError:
            version = "unknown"
        print(f"errand {version}")
        parser.exit()


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--grant", action="append", default=[], metavar="CAP[=TARGET][:ro]",
                   help="grant a capability, e.g. files=~/Pictures/Trip, files=DIR:ro, photos, places")
    p.add_argument("--input", action="append", default=[], metavar="KEY=VALUE",
                   help="a value the script reads as inputs[KEY]")
    p.add_argument("--yes", "-y", action="store_true", help="apply without asking")
    p.add_argument("--preview-only", action="store_true", help="show the plan, change nothing")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")


# Commands defined in their own modules (ask, recipes, try, settings, automations, watch) add here.
_EXTENSIONS: list[Callable[[Any], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in COMMANDS:
        _load_extensions()  # another module's command, or help and errors, which list them all
    wanted = argv[0] if argv and argv[0] in COMMANDS else None
    parser = build_parser(wanted)
    args = parser.parse_args(argv)
    if args.command is None:
        return _default(parser)
    try:
        return COMMANDS[args.command](args)
    except ErrandError as exc:
        _print_error(args, exc)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("Cancelled.", file=sys.stderr)
        return EXIT_CANCELLED


def _default(parser: argparse.ArgumentParser) -> int:
    opener = COMMANDS.get("app")
    if opener is not None:
        return opener(argparse.Namespace(command="app", quit_after=None))
    parser.print_help()
    return EXIT_OK


def _print_error(args: argparse.Namespace, exc: ErrandError) -> None:
    if getattr(args, "json", False):
        print(json.dumps({"status": "error", "error": {"type": type(exc).__name__, "message": exc.message,
                                                       "line": None, "hint": exc.hint}}))
        return
    from desktop import console

    console.error(exc.message, exc.hint)


# ---- the commands -------------------------------------------------------------------------------

def make_assistant() -> Any:
    from desktop.assistant import Assistant

    return Assistant(progress=lambda message: print(message, file=sys.stderr))


def read_script(path: Path) -> str:
    """A script file's text, or an ErrandError that says what to do."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ErrandError(f"Cannot read the script {path}: {reason}.",
                          "Check the path and try again.") from None


@command("run")
def cmd_run(args: argparse.Namespace) -> int:
    from desktop import paths
    from desktop.grants import parse_grants

    script = read_script(args.script)
    grants = parse_grants(args.grant, paths.protected_dirs())
    inputs = dict(item.partition("=")[::2] for item in args.input)
    return run_and_report(args, make_assistant(), script, grants, inputs=inputs, request=str(args.script))


def run_and_report(args: argparse.Namespace, assistant: Any, script: str, grants: list[Any], *,
                   inputs: dict[str, Any] | None = None, request: str = "", summary: str = "",
                   planner: str = "script", model: str | None = None, exchanges: Sequence[int] = (),
                   repair: Callable[[Any], Any] | None = None) -> int:
    """Preview, show, ask, apply and report: the shared tail of ``run`` and ``ask``."""
    _fewer_collections()
    console: Any = None
    if not args.json:
        from desktop import console

        for run in assistant.interrupted():
            console.error(f"Run {run['id']} was interrupted part-way (Errand stopped during it).",
                          "`errand recover` rolls it back; `errand recover --finish` completes it.")
    cancel = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.set())
    try:
        on_log = None if args.json else console.log_line
        preview = assistant.preview(script, grants, request=request, summary=summary, planner=planner,
                                    model=model, inputs=inputs, on_log=on_log, cancel=cancel,
                                    exchanges=exchanges)
        if not preview.ok and repair is not None:
            preview = repair(preview) or preview
        if not args.json:
            console.show_preview(preview)
        approve = None if args.yes else _approver(args)
        progress = None if args.json else console.progress_callback(len(preview.plan))
        report = assistant.apply(preview, approve=approve, preview_only=args.preview_only, cancel=cancel,
                                 on_progress=progress)
    finally:
        signal.signal(signal.SIGINT, previous)
    if args.json:
        print(json.dumps(report.to_json(), default=str))
    else:
        console.show_outcome(report)
    if report.status == "applied":
        tidy = assistant.tidy_holding()
        if tidy.over_limit and not args.json:
            console.error(tidy.message(), "Undo or remove old runs you no longer need (errand history).")
    return _STATUS_EXIT.get(report.status, EXIT_FAILED)


def _approver(args: argparse.Namespace) -> Callable[[Any], bool]:
    def approve(preview: Any) -> bool:
        if not sys.stdin or not sys.stdin.isatty():
            from desktop import console

            console.error("Not applied: nobody here to approve the plan.",
                          "Run again with --yes to apply without asking, or --preview-only to just look.")
            return False
        answer = input(f"Apply these {len(preview.plan)} changes? [y/N] ").strip().lower()
        return answer in ("y", "yes")

    return approve


@command("history")
def cmd_history(args: argparse.Namespace) -> int:
    from desktop.assistant import Assistant

    runs = Assistant().history(args.limit)
    if args.json:
        keys = ("run_id", "request", "status", "started", "actions", "trigger")
        rows = [dict(zip(keys, (r["id"], r["request"], r["status"], r["started"], r["action_count"],
                                r["trigger"]), strict=True)) for r in runs]
        print(json.dumps(rows, default=str))
    else:
        from desktop import console

        console.show_history(runs)
    return EXIT_OK


@command("show")
def cmd_show(args: argparse.Namespace) -> int:
    from desktop.assistant import Assistant

    report = Assistant().show(args.run_id)
    if args.json:
        print(json.dumps(report.to_json(), default=str))
    else:
        from desktop import console

        console.show_run(report)
    return EXIT_OK


def _fewer_collections() -> None:
    """A large plan makes millions of objects that live until this one-shot process ends, and
    the garbage collector walks them again and again (a quarter of a big preview's time). What
    is loaded is frozen out of its view and the young generation is collected less often."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


@command("undo")
def cmd_undo(args: argparse.Namespace) -> int:
    _fewer_collections()
    done = make_assistant().undo(args.run_id, action=args.action)
    if args.json:
        print(json.dumps({"run_id": args.run_id, "undone": done.undone,
                          "refused": [{"seq": s, "reason": r} for s, r in done.refused]}))
    else:
        from desktop import console

        console.show_undo(done)
    return EXIT_OK if not done.refused else EXIT_FAILED


@command("recover")
def cmd_recover(args: argparse.Namespace) -> int:
    reports = make_assistant().recover(finish=args.finish)
    if args.json:
        print(json.dumps([{"run_id": r.run_id, "action": r.action, "status": r.status, "undone": r.undone,
                           "done": r.done, "refused": [{"seq": s, "reason": why} for s, why in r.refused],
                           "unknown": r.unknown} for r in reports]))
    else:
        from desktop import console

        console.show_recovery(reports)
    return EXIT_OK if all(not r.refused and not r.unknown for r in reports) else EXIT_FAILED


@command("app")
def cmd_app(args: argparse.Namespace) -> int:
    from desktop.ui.app import main as open_window

    return open_window(quit_after=getattr(args, "quit_after", None))


def _load_extensions() -> None:
    """The commands defined in their own modules register themselves when imported. The core
    commands above do not need them, so ``errand run`` does not pay for importing them."""
    from desktop import cli_ask, cli_automations, cli_settings  # noqa: F401

if __name__ == "__main__":
    # Run as ``python -m desktop.cli``: use the imported module, where every command registered.
    from desktop.cli import main as registered_main

    raise SystemExit(registered_main())
