"""The root of Errand's errors, the ones capabilities raise, and the one JSON shape of any error.

Every known error says what happened (``message``) and what to do next
(``hint``). The whole tree, with the module each branch lives in (the layer
that raises it; all derive from ``ErrandError`` here)::

    ErrandError                          message + hint, the root of every known error
    ├── CallError (TypeError)            a script called a function with wrong arguments
    ├── GrantError (PermissionError)     not granted, read-only grant, Errand's own folders
    │   ├── PathRefused                  a path that would leave its grant or is unsafe
    │   └── NeedsApproval                apply: a change that could run a program, not approved on its own
    ├── TargetMissing (FileNotFoundError)
    ├── TargetExists (FileExistsError)
    ├── BackendError (OSError)           a calendar server, a vision provider, a disk
    │   └── DecodeError                  capabilities.decoding: a file the decoder worker would not read
    ├── SourceChanged                    apply: a source is not as the preview saw it
    ├── LeftOutNeeded                    capabilities.engine.subset: a kept change needs one left out
    ├── UndoRefused                      undo: the target changed since, with the reason
    ├── BudgetExceeded                   capabilities.budget: a run used up one of its budgets
    ├── JournalError (LookupError)       capabilities.journal: no such run/action/automation, a name clash
    ├── NoModelConfigured                desktop.core.errors: no model set; only built-in recipes can plan
    │   └── NoRecipeFits                 offline, and no recipe does the whole request (``choices``)
    ├── KeyringUnavailable               desktop.core.errors: the OS keyring cannot store or read secrets
    ├── ModelError                       desktop.core.errors: the model provider failed
    │   ├── ModelAuthError               no API key found, or the provider refused it
    │   ├── ModelRateLimited
    │   ├── ModelTimeout
    │   ├── ModelCancelled               the person stopped the request (Stop, Quit)
    │   ├── ModelUnreachable
    │   ├── ModelRefused                 the provider refused the request
    │   ├── NoVisionModel                the model cannot look at pictures
    │   ├── NoCodeInAnswer               the answer held no script
    │   └── ScriptRejected               the static check refused the script, even after repair
    ├── UsageError                       desktop.cli.main: the command line itself is wrong
    └── ScriptProblem                    desktop.cli.main: a script failed the static check (``line``)

A script's own failure inside the sandbox is no exception on the host but a
``sandbox.ScriptError`` record (type, message, line, hint, limit); a refusal
sent back into a script is re-raised there as the first built-in exception in
its ancestry (``sandbox.host``), which is why each subclass above also derives
from the built-in a script would expect: ``except PermissionError`` works as in
plain Python. Constructors have no side effects; front ends decide how to show
them.

``error_dict`` is the one error → JSON function (``{type, message, line,
hint}``): the run report, ``--json`` output and the journal (which redacts keys
on top) all use it; ``error_text`` is the one way to say an error in a line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, overload

__all__ = [
    "BackendError",
    "CallError",
    "ErrandError",
    "GrantError",
    "NeedsApproval",
    "PathRefused",
    "SourceChanged",
    "TargetExists",
    "TargetMissing",
    "UndoRefused",
    "error_dict",
    "error_text",
]


class ErrandError(Exception):
    """A known error: what happened (``message``) and what to do next (``hint``)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class CallError(ErrandError, TypeError):
    """A capability function was called with arguments that do not fit its signature."""


class GrantError(ErrandError, PermissionError):
    """The run was not granted what this call needs."""


class PathRefused(GrantError):
    """A path that would escape its granted folder, or a name unsafe on some OS."""


class NeedsApproval(GrantError):
    """The plan holds changes that could make a program run, and they were not approved explicitly."""


class TargetMissing(ErrandError, FileNotFoundError):
    """The file, folder or event named does not exist."""


class TargetExists(ErrandError, FileExistsError):
    """The destination already exists and the call did not ask to overwrite."""


class BackendError(ErrandError, OSError):
    """A service behind a capability failed: a server, a provider, the disk."""


class SourceChanged(ErrandError):
    """Apply found a source different from what the preview saw."""


class UndoRefused(ErrandError):
    """An action cannot be undone because its result changed since."""


@overload
def error_dict(error: BaseException | Mapping[str, Any]) -> dict[str, Any]: ...
@overload
def error_dict(error: None) -> None: ...
@overload
def error_dict(error: BaseException | Mapping[str, Any] | None) -> dict[str, Any] | None: ...


def error_dict(error: BaseException | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``{type, message, line, hint}`` for any error a run can end with (an exception, or one already
    in that shape, as the journal and ``ScriptError.to_json`` keep it); None for no error."""
    if error is None:
        return None
    if isinstance(error, Mapping):
        return {"type": error.get("type", "Error"), "message": error.get("message", ""),
                "line": error.get("line"), "hint": error.get("hint", "")}
    return {"type": type(error).__name__, "message": str(error), "line": getattr(error, "line", None),
            "hint": getattr(error, "hint", "") or ""}


def error_text(error: BaseException) -> str:
    """An error in one line: its message, then its hint when it has one."""
    message = error.message if isinstance(error, ErrandError) else str(error)
    hint = getattr(error, "hint", "") or ""
    return f"{message} {hint}".strip()
