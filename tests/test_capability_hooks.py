"""A capability cannot silently lose a safety hook: hook names are checked when the class is made.

Apply calls ``verify_<op>`` by name before each action; a misspelled hook
(``verfy_rename``) would simply never run, and the source would go unchecked.
So a class whose hooks name no write, whose hook prefix is misspelled, or
whose write has no verify step (and does not say why it needs none) fails
at its definition, i.e. at import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from capabilities.base import REGISTRY, Capability, write
from capabilities.plan import Action


def define(**hooks: Callable[..., Any] | dict[str, str]) -> type[Capability]:
    """A one-write capability ``hooktest`` with ``hooks`` added to its body (perform/undo given)."""

    def rename(self: Any, src: str, dst: str) -> str:
        """Rename a thing."""
        return dst

    def perform_rename(self: Any, action: Action) -> dict[str, Any]:
        return {}

    def undo_rename(self: Any, action: Action, outcome: Any) -> None:
        return None

    body: dict[str, Any] = {"__doc__": "A test capability.", "name": "hooktest", "summary": "Tests hooks.",
                            "rename": write(rename), "perform_rename": perform_rename,
                            "undo_rename": undo_rename, **hooks}
    try:
        return type("HookTest", (Capability,), body)
    finally:
        REGISTRY.pop("hooktest", None)  # keep the real registry as it was


def check(self: Any, action: Action) -> None:
    return None


def test_a_write_with_its_verify_step_is_accepted() -> None:
    cls = define(verify_rename=check)
    assert cls.operations["rename"].access == "write"


@pytest.mark.parametrize(("hooks", "says"), [
    ({"verfy_rename": check}, "did you mean verify_rename"),
    ({"verify_rename": check, "prbe_rename": check}, "did you mean probe_rename"),
    ({"verify_rename": check, "verify_renmae": check}, "no write named 'renmae'"),
    ({}, "define verify_rename()"),
    ({"no_verify": {"rename": "  "}}, "define verify_rename()"),
    ({"verify_rename": check, "no_verify": {"rename": "it checks itself"}}, "also lists it in no_verify"),
    ({"verify_rename": check, "no_verify": {"move": "a write that does not exist"}}, "not one of its writes"),
])
def test_a_lost_or_misspelled_hook_fails_when_the_class_is_defined(hooks: dict[str, Any], says: str) -> None:
    with pytest.raises(TypeError, match=says):
        define(**hooks)
    assert "hooktest" not in REGISTRY


def test_a_write_may_say_why_it_needs_no_verify_step() -> None:
    cls = define(no_verify={"rename": "it records actions of another write, verified there"})
    assert "rename" in cls.operations


def test_every_shipped_capability_declares_a_verify_step_for_each_write() -> None:
    from capabilities.registry import all_capabilities

    for cls in all_capabilities().values():
        for op in (o for o in cls.operations.values() if o.access == "write"):
            assert callable(getattr(cls, f"verify_{op.name}", None)) or cls.no_verify.get(op.name)
