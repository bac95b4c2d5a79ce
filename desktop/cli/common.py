"""What every ``errand`` command shares: the command registry, the exit codes, the assistant.

``desktop.cli.main`` builds the parser and dispatches; each command module (``ask``,
``automations``, ``cache``, ``eval``, ``settings``) registers its commands here with
``@command`` and its parsers in ``EXTENSIONS``, so the modules import this one and
never ``main`` (``main`` imports them, to register them, only when a command needs them).
"""

from __future__ import annotations

import argparse
import gc
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capabilities.errors import ErrandError
from capabilities.status import RunStatus

if TYPE_CHECKING:  # the sandbox and the core load only when a command needs them
    from desktop.core.assistant import Assistant
    from sandbox.build import BuildStep

__all__ = ["COMMANDS", "EXIT_BAD_INPUT", "EXIT_CANCELLED", "EXIT_FAILED", "EXIT_OK", "EXIT_REFUSED",
           "EXTENSIONS", "STATUS_EXIT", "BuildProgress", "Command", "add_allow_flagged", "command",
           "fewer_collections", "make_assistant", "read_script"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_REFUSED, EXIT_CANCELLED = 0, 1, 2, 3, 4
# Statuses of runs (``RunStatus``) and of other commands' answers ("ok", "error", "invalid").
STATUS_EXIT = {RunStatus.APPLIED: EXIT_OK, RunStatus.PREVIEWED: EXIT_OK, "ok": EXIT_OK,
               RunStatus.FAILED: EXIT_FAILED, "error": EXIT_FAILED, "invalid": EXIT_BAD_INPUT,
               RunStatus.REFUSED: EXIT_REFUSED, RunStatus.CANCELLED: EXIT_CANCELLED,
               RunStatus.NOT_DONE: EXIT_FAILED}

Command = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, Command] = {}
# Commands defined in their own modules (ask, recipes, try, settings, automations, watch) add
# their parsers here; ``desktop.cli.main.build_parser`` calls each with the subparsers.
EXTENSIONS: list[Callable[[Any], None]] = []


def command(name: str) -> Callable[[Command], Command]:
    def register(func: Command) -> Command:
        COMMANDS[name] = func
        return func

    return register


def add_allow_flagged(p: argparse.ArgumentParser) -> None:
    p.add_argument("--allow-flagged", action="store_true",
                   help="also apply changes flagged as able to run programs (shell start-up files, "
                        "autostart items, scripts); without it, --yes applies nothing when there are any")


def make_assistant() -> Assistant:
    from desktop.core.assistant import Assistant

    return Assistant(progress=BuildProgress())


class BuildProgress:
    """Shows the sandbox's first-use build on stderr; loads rich only if a build happens."""

    def __init__(self) -> None:
        self._show: Callable[[BuildStep], None] | None = None

    def __call__(self, step: BuildStep) -> None:
        if self._show is None:
            from desktop.cli import console

            self._show = console.build_progress()
        self._show(step)


def read_script(path: Path) -> str:
    """A script file's text, or an ErrandError that says what to do."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ErrandError(f"Cannot read the script {path}: {reason}.",
                          "Check the path and try again.") from None


def fewer_collections() -> None:
    """A large plan makes millions of objects that live until this one-shot process ends, and
    the garbage collector walks them again and again (a quarter of a big preview's time). What
    is loaded is frozen out of its view and the young generation is collected less often."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
