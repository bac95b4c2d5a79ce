"""The ``errand`` command: every flow of the app, headless, with ``--json`` for scripts.

Exit codes scripts can rely on, one per ``--json`` status: 0 done
(``applied``, ``previewed``, ``ok``), 1 failed (``failed``: a script error, a
limit, a changed source, an undo that kept something; ``error``: Errand itself
failed, details in ``errors.log``), 2 bad input (``invalid``: unknown run, bad
grant, missing file, a script that fails the check), 3 the person refused the
plan (``refused``), 4 cancelled (``cancelled``, Ctrl-C). ``main`` turns every
failure into that one answer: no traceback reaches the person. Heavy imports
(Qt, litellm) happen only in the commands that need them, so ``errand run``
starts fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capabilities.errors import ErrandError
from capabilities.status import ActionStatus, RunStatus
from desktop.cli.common import (
    COMMANDS,
    EXIT_OK,
    EXTENSIONS,
    STATUS_EXIT,
    BuildProgress,
    add_allow_flagged,
    command,
    fewer_collections,
    make_assistant,
    read_script,
)
from desktop.cli.jsonout import emit
from desktop.cli.review import add_review_options, run_and_report

if TYPE_CHECKING:  # the sandbox and the core load only when a command needs them
    from capabilities.base import Grant
    from desktop.core.assistant import Assistant

__all__ = ["main"]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or with ``only`` just that command's part (a parser per
    command costs ~0.6 ms, and a script calling ``errand run`` pays for every one)."""
    parser = _Parser(
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

    prep = sub.add_parser("prepare", help="build and compile the sandbox now (set-up does this once)")
    prep.add_argument("--json", action="store_true")

    app = sub.add_parser("app", help="open the Errand window (the default with no command)")
    app.add_argument("--quit-after", type=float, metavar="SECONDS",
                     help="close the window after this long (smoke tests of an installed app)")
    app.add_argument("--json", action="store_true", help="print one JSON object when the window closes")

    for extend in EXTENSIONS:
        extend(sub)
    return parser


class UsageError(ErrandError):
    """The command line itself is wrong (argparse's complaint), with the usage to show."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(f"{message[:1].upper()}{message[1:]}.", "See the usage above, or add --help.")
        self.usage = usage


class _Parser(argparse.ArgumentParser):
    """argparse, except that a bad command line raises ``UsageError`` (so ``--json`` still gets
    one JSON answer) instead of printing and exiting."""

    def error(self, message: str) -> Any:
        raise UsageError(message, self.format_usage())


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
    add_allow_flagged(p)
    add_review_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    try:
        return _dispatch(argv)
    except ErrandError as exc:
        return fail(exc, "invalid", as_json)
    except KeyboardInterrupt:
        return fail(ErrandError("Cancelled.", "Nothing more was done; `errand history` shows what was."),
                    "cancelled", as_json)
    except Exception as exc:
        return fail(_unexpected(exc), "error", as_json)


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] not in COMMANDS:
        _load_extensions()  # another module's command, or help and errors, which list them all
    wanted = argv[0] if argv and argv[0] in COMMANDS else None
    parser = build_parser(wanted)
    args = parser.parse_args(argv)
    if args.command is None:
        return _default(parser)
    return COMMANDS[args.command](args)


def fail(exc: ErrandError, status: str, as_json: bool) -> int:
    """Say why a command did not do its job, as JSON or for a person; the exit code of ``status``."""
    run_id = getattr(exc, "run_id", None)  # set by the assistant when the failure belongs to a run
    if as_json:
        from desktop.cli.jsonout import emit, error_object

        emit(error_object(exc, status, run_id))
    else:
        from desktop.cli import console

        if isinstance(exc, UsageError):
            print(exc.usage, end="", file=sys.stderr)
        console.error(exc.message + (f" (run {run_id})" if run_id is not None else ""), exc.hint)
    return STATUS_EXIT[status]


def _unexpected(exc: Exception) -> ErrandError:
    """An error Errand did not expect (a bug): its details go to a log file, not to the person."""
    import traceback

    try:
        from desktop.core import paths

        log = paths.data_dir() / "errors.log"
        with log.open("a", encoding="utf-8", errors="backslashreplace") as out:
            out.write("".join(traceback.format_exception(exc)) + "\n")
        where = f"The details are in {log}; please include them if you report this."
    except Exception:
        where = "Its details could not be saved."
    wrapped = ErrandError(f"Errand stopped on an unexpected error ({type(exc).__name__}: {exc}).",
                          f"This is a bug in Errand, not something you did. {where}")
    wrapped.run_id = getattr(exc, "run_id", None)  # type: ignore[attr-defined]
    return wrapped


def _default(parser: argparse.ArgumentParser) -> int:
    opener = COMMANDS.get("app")
    if opener is not None:
        return opener(argparse.Namespace(command="app", quit_after=None, json=False))
    parser.print_help()
    return EXIT_OK


# ---- the commands -------------------------------------------------------------------------------

@command("run")
def cmd_run(args: argparse.Namespace) -> int:
    from desktop.core import paths
    from desktop.core.grants import parse_grants

    script = read_script(args.script)
    grants = parse_grants(args.grant, paths.protected_dirs())
    check_before_running(script, grants, str(args.script))
    inputs = dict(item.partition("=")[::2] for item in args.input)
    assistant = make_assistant()
    return run_and_report(args, assistant, assistant.script_chore(script, grants, inputs=inputs,
                                                                  request=str(args.script)))


class ScriptProblem(ErrandError):
    """A script failed the static check, so it was not run; ``line`` is where (when known)."""

    def __init__(self, message: str, hint: str, line: int | None) -> None:
        super().__init__(message, hint)
        self.line = line


_GRANT_FOR = {"files": "files=DIR", "vision": "vision=MODEL", "calendar": "calendar=SOURCE"}


def check_before_running(script: str, grants: Sequence[Grant], name: str) -> None:
    """The planner's static check (``desktop.core.scriptcheck``) plus the capabilities not granted:
    a ``ScriptProblem`` naming the first problem's line, before anything runs."""
    import re

    from capabilities.registry import Capabilities
    from desktop.core.scriptcheck import check_script

    check = check_script(script, Capabilities(), grants)
    granted = {g.capability for g in grants}
    problems = check.problems + [f"this script uses `{cap}`; add `--grant {_GRANT_FOR.get(cap, cap)}`."
                                 for cap in sorted(check.needed - granted)]
    if not problems:
        return
    first = re.match(r"line (\d+): ", problems[0])
    more = f" Also: {' '.join(problems[1:])}" if problems[1:] else ""
    raise ScriptProblem(f"{name} was not run: {problems[0]}", f"Fix it, then run it again.{more}",
                        int(first.group(1)) if first else None)


@command("history")
def cmd_history(args: argparse.Namespace) -> int:
    from desktop.core.assistant import Assistant

    runs = Assistant().history(args.limit)
    if args.json:
        from capabilities.status import is_partial

        keys = ("run_id", "request", "status", "started", "actions", "trigger", "left_alone", "partial")
        rows = [dict(zip(keys, (r["id"], r["request"], r["status"], r["started"], r["action_count"],
                                r["trigger"], r["left_alone"] or [],
                                is_partial(r["status"], r["left_alone"])), strict=True)) for r in runs]
        emit({"status": "ok", "runs": rows})
    else:
        from desktop.cli import console

        console.show_history(runs)
    return EXIT_OK


@command("show")
def cmd_show(args: argparse.Namespace) -> int:
    from desktop.core.assistant import Assistant

    report = Assistant().show(args.run_id)
    if args.json:
        emit(report.to_json())
    else:
        from desktop.cli import console

        console.show_run(report)
    return EXIT_OK


@command("undo")
def cmd_undo(args: argparse.Namespace) -> int:
    fewer_collections()
    assistant = make_assistant()
    if args.action is None:
        _check_undoable(assistant, args.run_id)
    done = assistant.undo(args.run_id, action=args.action)
    status = "ok" if not done.refused else "failed"
    if args.json:
        emit({"status": status, "run_id": args.run_id, "undone": done.undone,
              "refused": [{"seq": s, "reason": r} for s, r in done.refused]})
    else:
        from desktop.cli import console

        console.show_undo(done)
    return STATUS_EXIT[status]


def _check_undoable(assistant: Assistant, run_id: int) -> None:
    """A run with nothing done has nothing to undo: say why, instead of "Undid 0 actions"."""
    status, counts = assistant.run_state(run_id)  # an unknown run raises JournalError, which says so
    if counts.get(ActionStatus.DONE):
        return
    if counts.get(ActionStatus.UNDONE):
        raise ErrandError(f"Run {run_id} is already undone: nothing of it is left to put back.",
                          f"`errand show {run_id}` lists what was undone.")
    why: dict[str, str] = {RunStatus.PREVIEWED: "it was only previewed",
                           RunStatus.REFUSED: "its plan was not approved",
                           RunStatus.FAILED: "it failed before changing anything",
                           RunStatus.CANCELLED: "it was cancelled before changing anything"}
    never = why.get(status, "it changed nothing")
    raise ErrandError(f"Run {run_id} was never applied ({never}): there is nothing to undo.",
                      "`errand history` lists the runs that changed something.")


@command("recover")
def cmd_recover(args: argparse.Namespace) -> int:
    reports = make_assistant().recover(finish=args.finish)
    status = "ok" if all(not r.refused and not r.unknown for r in reports) else "failed"
    if args.json:
        emit({"status": status, "runs": [
            {"run_id": r.run_id, "action": r.action, "status": r.status, "undone": r.undone, "done": r.done,
             "refused": [{"seq": s, "reason": why} for s, why in r.refused], "unknown": r.unknown}
            for r in reports]})
    else:
        from desktop.cli import console

        console.show_recovery(reports)
    return STATUS_EXIT[status]


@command("prepare")
def cmd_prepare(args: argparse.Namespace) -> int:
    """Build and compile the sandbox now (set-up runs this), so the first chore starts at once."""
    from desktop.core import paths
    from sandbox import build

    path = build.prepare(paths.cache_dir(), BuildProgress())
    if args.json:
        emit({"status": "ready", "component": str(path)})
    return EXIT_OK


@command("app")
def cmd_app(args: argparse.Namespace) -> int:
    from desktop.ui.app import display_problem

    problem = display_problem()
    if problem and getattr(args, "json", False):  # without --json the app says it in one line itself
        return fail(ErrandError(problem, "`errand try` shows what Errand does, without a window."), "failed",
                    True)
    from desktop.ui.app import main as open_window

    code = open_window(quit_after=getattr(args, "quit_after", None))
    if getattr(args, "json", False):
        emit({"status": "ok" if code == 0 else "failed"})
    return code


def _load_extensions() -> None:
    """The commands defined in their own modules register themselves when imported. The core
    commands above do not need them, so ``errand run`` does not pay for importing them."""
    from desktop.cli import ask as cli_ask  # noqa: F401
    from desktop.cli import automations as cli_automations  # noqa: F401
    from desktop.cli import cache as cli_cache  # noqa: F401
    from desktop.cli import eval as cli_eval  # noqa: F401
    from desktop.cli import settings as cli_settings  # noqa: F401



if __name__ == "__main__":  # ``python -m desktop.cli.main``: the commands register in desktop.cli.common
    raise SystemExit(main())
