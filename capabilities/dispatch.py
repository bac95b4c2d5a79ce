"""Route a script's calls to the granted capabilities, validating each one on the host.

The sandbox hands every host call here as ``(name, payload)``; ``name`` is
``"files.rename"`` and ``payload`` the decoded JSON ``{"args": [...],
"kwargs": {...}}``. Nothing the guest sends is trusted: an unknown
capability, a capability not granted in this run, an unknown function or
arguments that do not fit the signature are refused with a message a model
can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from capabilities.base import Capability
from capabilities.errors import CallError, GrantError

__all__ = ["Dispatcher"]


class Dispatcher:
    """A callable ``(name, payload) -> result`` over the capabilities of one run."""

    def __init__(self, capabilities: Mapping[str, Capability]) -> None:
        self.capabilities = dict(capabilities)
        self.calls = 0

    def manifest(self) -> dict[str, dict[str, dict[str, str]]]:
        """Which capability objects exist in this run, with their functions' stubs."""
        return {name: cap.manifest() for name, cap in self.capabilities.items()}

    def __call__(self, name: str, payload: Any) -> Any:
        self.calls += 1
        cap_name, _, op_name = str(name).partition(".")
        cap = self.capabilities.get(cap_name)
        if cap is None:
            granted = ", ".join(sorted(self.capabilities)) or "nothing"
            raise GrantError(
                f"This run was not granted {cap_name!r}.",
                f"Granted here: {granted}. Ask the person to grant {cap_name!r} for this chore.",
            )
        op = cap.operations.get(op_name)
        if op is None:
            known = ", ".join(sorted(cap.operations))
            raise CallError(f"{cap_name} has no function {op_name!r}.", f"{cap_name} has: {known}.")
        args, kwargs = _unpack(payload, op.qualified)
        items = sum(len(v) for v in (*args, *kwargs.values()) if isinstance(v, list))  # a batch's
        cap.context.budget.start_call(items)  # refused once the run is over; CPU counted per call
        return cap.invoke(op, op.bind(args, kwargs))


def _unpack(payload: Any, where: str) -> tuple[list[Any], dict[str, Any]]:
    if not isinstance(payload, dict):
        raise CallError(f"{where}: malformed call (expected an object with args and kwargs).")
    args = payload.get("args", [])
    kwargs = payload.get("kwargs", {})
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise CallError(f"{where}: malformed call (args must be a list, kwargs an object).")
    return args, kwargs
