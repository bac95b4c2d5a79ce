"""Errors that capabilities raise, each with words for a person and a hint.

The tree::

    ErrandError                      message + hint, the root of every known error
    ├── CallError (TypeError)        a script called a function with wrong arguments
    ├── GrantError (PermissionError) not granted, read-only grant, Errand's own folders
    │   ├── PathRefused              a path that would leave its grant or is unsafe
    │   └── NeedsApproval            apply: a change that could run a program, not approved on its own
    ├── TargetMissing (FileNotFoundError)
    ├── TargetExists (FileExistsError)
    ├── BackendError (OSError)       a calendar server, a vision provider, a disk
    ├── SourceChanged                apply: a source is not as the preview saw it
    └── UndoRefused                  undo: the target changed since, with the reason

Each subclass also derives from the built-in exception a script would expect,
so inside the sandbox ``except PermissionError`` works as in plain Python.
Constructors have no side effects; front ends decide how to show them.
"""

from __future__ import annotations

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
