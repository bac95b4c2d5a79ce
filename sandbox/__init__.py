"""Run Python scripts in a wasmtime WebAssembly component that can reach only what the host routes.

Knows no capability, no Qt and no model provider: a script's calls go to a
dispatcher the caller supplies. See ``host.Sandbox``.
"""

from sandbox.host import Cancel, Dispatcher, Sandbox
from sandbox.limits import Limits
from sandbox.outcome import RunOutcome, ScriptError

__all__ = ["Cancel", "Dispatcher", "Limits", "RunOutcome", "Sandbox", "ScriptError"]
