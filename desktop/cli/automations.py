"""``errand automations …`` (save, list, pause, resume, remove) and ``errand watch`` (run them).

Registered in ``desktop.cli.common`` (see the bottom of this module). Everything
goes through the ``Assistant`` facade (``desktop.core.saved_automations`` behind it);
``--json`` prints one JSON value (for ``errand watch``, one JSON object per line, per
event). ``errand watch`` runs in the foreground until SIGINT or SIGTERM, then stops its
watchers (a run under way finishes first) and exits 0.
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capabilities.errors import ErrandError
from desktop.cli.common import EXIT_OK, EXTENSIONS, BuildProgress, command, make_assistant, read_script
from desktop.cli.jsonout import emit, encode
from desktop.core.display import say, terminal_text

if TYPE_CHECKING:
    from desktop.core.assistant import Assistant

__all__ = ["add_parsers"]


def add_parsers(sub: Any) -> None:
    auto = sub.add_parser("automations", help="chores that run by themselves when files arrive in a folder")
    auto.add_argument("--json", action="store_true", help="print JSON")
    actions = auto.add_subparsers(dest="action", metavar="ACTION")
    quiet = {"default": argparse.SUPPRESS}  # so `automations --json list` keeps its --json

    lst = actions.add_parser("list", help="the saved automations, their folders, grants and last runs")
    lst.add_argument("--json", action="store_true", **quiet)

    add = actions.add_parser("add", help="save an automation from a past run or from a script")
    add.add_argument("name", help='its name, e.g. "file invoices"')
    add.add_argument("--watch", required=True, type=Path, metavar="DIR",
                     help="the folder to watch (inside a folder granted read-write)")
    add.add_argument("--pattern", default="*", metavar="GLOB",
                     help='which files, e.g. "*.pdf" (several: "*.jpg;*.png"); default: all')
    add.add_argument("--events", default="created", metavar="KINDS",
                     help="created (also moved in), moved (renamed inside), modified; comma-separated")
    source = add.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-run", type=int, metavar="RUN", help="an applied run's script and grants")
    source.add_argument("--script", type=Path, metavar="FILE", help="a script (give its --grant too)")
    add.add_argument("--grant", action="append", default=[], metavar="CAP[=TARGET][:ro]",
                     help="with --script: what it may use, e.g. files=~/Downloads")
    add.add_argument("--request", default="", help="with --script: the chore in words, shown in History")
    add.add_argument("--include-existing", action="store_true",
                     help="also run it on the matching files already there (default: only new arrivals)")
    add.add_argument("--json", action="store_true", **quiet)

    for name, text in (("pause", "stop an automation from running (until resumed)"),
                       ("resume", "let a paused automation run again; it catches up on what arrived"),
                       ("remove", "delete an automation and its standing grants (its runs stay in History)")):
        p = actions.add_parser(name, help=text)
        p.add_argument("name", help="the automation's name (or number)")
        p.add_argument("--json", action="store_true", **quiet)

    watch = sub.add_parser("watch", help="run the enabled automations in the foreground until stopped")
    watch.add_argument("--quiet-seconds", type=float, default=2.0, metavar="S",
                       help="how long a file must stay unchanged before it counts as complete (default 2)")
    watch.add_argument("--json", action="store_true", help="one JSON object per line, per event")


# ---- errand automations ------------------------------------------------------------------------

@command("automations")
def cmd_automations(args: argparse.Namespace) -> int:
    assistant = make_assistant()
    action = args.action or "list"
    if action == "list":
        _print(args, assistant.automations(), _show_list)
        return EXIT_OK
    if action == "add":
        _print(args, _add(args, assistant), _show_saved)
        return EXIT_OK
    if action == "remove":
        gone = assistant.change_automation("remove", args.name)
        _print(args, {"id": gone["id"], "name": gone["name"], "status": "removed"},
               lambda r: say(f"Removed “{r['name']}”; its past runs stay in History."))
        return EXIT_OK
    done = assistant.change_automation(action, args.name)
    row = next(r for r in assistant.automations() if r["id"] == done["id"])
    _print(args, row, lambda r: say(f"“{r['name']}” is {r['status']}."))
    return EXIT_OK


def _add(args: argparse.Namespace, assistant: Any) -> dict[str, Any]:
    from desktop.core import paths
    from desktop.core.grants import parse_grants

    options = {"pattern": args.pattern, "events": args.events.split(","),
               "include_existing": args.include_existing}
    if args.from_run is not None:
        if args.grant:
            raise ErrandError("--grant goes with --script; --from-run uses the grants that run was approved "
                              "with.", "Leave out --grant, or save from a script instead.")
        return assistant.save_automation(args.name, args.watch, from_run=args.from_run, **options)
    script = read_script(args.script)
    grants = parse_grants(args.grant, paths.protected_dirs())
    return assistant.save_automation(args.name, args.watch, script=script, grants=grants,
                                     request=args.request or f"script {args.script.name}", **options)


def _print(args: argparse.Namespace, value: Any, human: Any) -> None:
    if args.json:  # an automation's own "status" (watching, paused) stays inside it
        emit({"status": "ok", "automations" if isinstance(value, list) else "automation": value})
    else:
        human(value)


def _one_line(row: dict[str, Any]) -> str:
    return (f"{row['status']}; watches {row['watch_dir']} for {row['pattern']} "
            f"({', '.join(row['events'])})")


def _grant_lines(row: dict[str, Any]) -> str:
    return "\n".join(f"  may: {text}" for text in row["grants"])


def _show_saved(row: dict[str, Any]) -> None:
    say(f"Saved “{row['name']}”: {_one_line(row)}\n" + _grant_lines(row))
    if row["left_alone"]:
        print(f"  {row['left_alone']} matching file(s) already there are left alone "
              "(--include-existing runs it on them too).")
    print("  It runs while the Errand window (or its tray icon) is open, or with `errand watch`.")


def _show_list(rows: list[dict[str, Any]]) -> None:
    from desktop.core.display import safe_text

    if not rows:
        print("No automations yet. Save one with `errand automations add NAME --watch DIR --from-run RUN`.")
        return
    for row in rows:
        print(f"{row['id']}. {safe_text(row['name'])} — {safe_text(_one_line(row))}")
        if row["paused_reason"]:
            print(f"  why paused: {safe_text(row['paused_reason'])}")
        print(safe_text(_grant_lines(row)))
        last = (f"run {row['last_run_id']} ({row['last_status']}) on {row['last_file']}"
                if row["last_run_id"] else "none yet")
        print(f"  handled {row['handled']} file(s), {row['failed']} failed; last: {safe_text(last)}")


# ---- errand watch --------------------------------------------------------------------------------

@command("watch")
def cmd_watch(args: argparse.Namespace) -> int:
    import logging  # here, not at the top: every `errand` command imports this module

    from desktop.automations.runner import AutomationRunner
    from desktop.core.assistant import Assistant

    # watchdog logs an ERROR when its inotify thread is stopped with events still queued: shutdown
    # noise, not a problem. Real trouble reaches us through the watchers (a folder gone, a failure).
    logging.getLogger("watchdog.observers.inotify").setLevel(logging.CRITICAL)
    lock = threading.Lock()

    def on_event(kind: str, name: str, message: str) -> None:
        at = datetime.now().astimezone().isoformat(timespec="seconds")
        if args.json:
            line = encode({"at": at, "event": kind, "automation": name, "message": message})
        else:
            line = f"{at[11:19]} {name + ': ' if name else ''}{kind}: {message}"
        with lock:
            print(line if args.json else terminal_text(line), flush=True)

    stop = threading.Event()
    signals = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGBREAK] if hasattr(signal, "SIGBREAK") else [])
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in signals}
    try:
        runner = AutomationRunner(Assistant(progress=BuildProgress(), keep_warm=True),
                                  on_event=on_event, quiet_seconds=args.quiet_seconds)
        _tell_interrupted(runner.assistant, on_event)
        runner.start()
        try:
            if not runner.watching():
                on_event("idle", "", "no enabled automations yet; waiting for some "
                         "(errand automations add …), Ctrl-C to stop")
            while not stop.wait(0.5):
                pass
        finally:
            runner.stop()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return EXIT_OK


def _tell_interrupted(assistant: Assistant, on_event: Callable[[str, str, str], None]) -> None:
    """Runs a crash cut short mid-apply are the person's call (roll back or finish): say so, once."""
    runs = [r["id"] for r in assistant.interrupted()]
    if runs:
        were = "1 run was" if len(runs) == 1 else f"{len(runs)} runs were"
        on_event("error", "", f"{were} cut short when Errand stopped unexpectedly "
                 f"(run {', '.join(map(str, runs[:5]))}{'…' if len(runs) > 5 else ''}): `errand recover` "
                 "rolls them back, `errand recover --finish` completes them.")


EXTENSIONS.append(add_parsers)
