"""What a repair round may tell the model about a script that failed in its preview.

A failed preview's error text is chosen by the script: ``raise
ValueError(files.read_text("Trip/diary.txt"))`` puts a file's content in it,
and even the error's type name can be a class the script defined. Sending it
back to the model would let words leave the computer that the person never
agreed to send. So by default a repair round says only what Errand itself
knows: the error's type when it is one of Python's or Errand's own, the
line, the script's own code on that line (the model wrote it, so it already
has it) and a sentence in Errand's words about that kind of error. The
error's message and hint go too only when the person allowed file names to
be sent for this chore (``share_details``), the same consent that lets the
model see the granted folders' names.
"""

from __future__ import annotations

import builtins
from typing import Protocol

__all__ = ["repair_text"]

# The error kinds the sandbox host itself reports (sandbox/host.py) besides Python's exceptions.
_HOST_KINDS = {"SandboxRefused", "SandboxCrash", "SandboxBusy", "LimitExceeded", "Cancelled",
               "CapabilityError"}
_KNOWN = {name for name, value in vars(builtins).items()
          if isinstance(value, type) and issubclass(value, BaseException)} | _HOST_KINDS

# Errand's own sentence per kind; what the script said stays on the computer.
_WORDS = {
    "KeyError": "a dict was indexed with a key it does not have (check the keys the function returns)",
    "IndexError": "a list was indexed past its end (it may be empty)",
    "TypeError": "a value of the wrong type was used, or a function got arguments that do not fit "
                 "its signature",
    "ValueError": "a function got a value of the right type that it cannot use",
    "AttributeError": "an object has no attribute or function of that name",
    "NameError": "a name is used that is not defined",
    "UnboundLocalError": "a variable is used before it is given a value",
    "ZeroDivisionError": "a division by zero",
    "FileNotFoundError": "a file or folder the script names does not exist (list the folder first)",
    "FileExistsError": "the destination already exists",
    "IsADirectoryError": "a folder was used where a file was expected",
    "NotADirectoryError": "a file was used where a folder was expected",
    "OSError": "a capability could not do what was asked",
    "TimeoutError": "a capability's service did not answer in time",
    "ConnectionError": "a capability's service could not be reached",
    "RuntimeError": "a capability refused the call",
    "CapabilityError": "a capability refused the call",
    "RecursionError": "the script nested calls too deeply",
    "ImportError": "the script imports a module the sandbox does not have",
    "ModuleNotFoundError": "the script imports a module the sandbox does not have",
    "SyntaxError": "the script is not valid Python",
    "SandboxRefused": "the script used something the sandbox does not provide (no files, network, "
                      "processes or console besides the capabilities)",
    "AssertionError": "an assert in the script failed",
    "StopIteration": "next() was called on an exhausted iterator",
}
_DEFAULT_WORDS = "the script stopped with this error"


class FailedRun(Protocol):
    """What a repair round reads from the sandbox's ``ScriptError`` (sandbox.outcome)."""

    @property
    def type(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def line(self) -> int | None: ...
    @property
    def hint(self) -> str: ...


def repair_text(error: FailedRun, script: str, *, share_details: bool = False) -> str:
    """The words about ``error`` a repair round sends: Errand's own, plus the script's when allowed."""
    kind = error.type if error.type in _KNOWN else None
    parts = [f"{kind or 'An exception class the script defined'}"
             + (f" on line {error.line}" if isinstance(error.line, int) else "")
             + f": {_WORDS.get(kind or '', _DEFAULT_WORDS)}."]
    code = _line_of(script, error.line)
    if code:
        parts.append(f"That line of your script: {code}")
    if share_details:
        detail = str(error.message or "").strip()
        hint = str(error.hint or "").strip()
        if hint and hint not in detail:
            detail = f"{detail} ({hint})" if detail else hint
        if detail:
            parts.append(f"The error said: {detail}")
    else:
        parts.append("(The error's own text is not shown: it can hold file names or contents, "
                     "which the person has not agreed to send.)")
    return "\n".join(parts)


def _line_of(script: str, line: int | None) -> str:
    """The script's own code on ``line`` (the model wrote it), stripped; "" when there is none."""
    if not isinstance(line, int) or line < 1:
        return ""
    lines = script.splitlines()
    return lines[line - 1].strip()[:300] if line <= len(lines) else ""
