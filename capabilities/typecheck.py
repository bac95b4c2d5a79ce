"""Check JSON values from a script against the type hints of a capability function.

Only the small set of types a capability signature may use is supported:
``str``, ``int``, ``float``, ``bool``, ``None``, ``Any``, ``list[X]``,
``dict[str, X]``, ``X | None``, unions and ``Literal[...]``. Anything else is a
programming error found when the capability class is defined, not at run time.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, Union

__all__ = ["check_value", "describe", "is_supported"]

_SCALARS: dict[type, str] = {str: "text", int: "a whole number", float: "a number", bool: "True/False"}


def is_supported(hint: Any) -> bool:
    """True when ``hint`` is made only of the types listed in this module's docstring."""
    if hint is Any or hint is None or hint is type(None) or hint in _SCALARS:
        return True
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        return all(isinstance(a, str | int | bool) for a in args)
    if origin in (list, tuple):
        return all(is_supported(a) for a in args if a is not Ellipsis)
    if origin is dict:
        return len(args) == 2 and args[0] is str and is_supported(args[1])
    if origin in (Union, types.UnionType):
        return all(is_supported(a) for a in args)
    return False


def describe(hint: Any) -> str:
    """Render a hint the way a Python stub would show it: ``list[str] | None``."""
    if hint is Any:
        return "Any"
    if hint is None or hint is type(None):
        return "None"
    if isinstance(hint, type):
        return hint.__name__
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        return "Literal[" + ", ".join(repr(a) for a in args) + "]"
    if origin in (Union, types.UnionType):
        return " | ".join(describe(a) for a in args)
    name = getattr(origin, "__name__", str(origin))
    inner = ", ".join("..." if a is Ellipsis else describe(a) for a in args)
    return f"{name}[{inner}]"


def check_value(hint: Any, value: Any, where: str) -> Any:
    """Return ``value`` converted to ``hint`` (an int is a fine float), or raise TypeError.

    ``where`` names the argument for the message, e.g. ``files.rename(dst=...)``.
    """
    if hint is Any:
        return value
    if hint is None or hint is type(None):
        if value is None:
            return None
        raise TypeError(f"{where} must be None, got {_kind(value)}")
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (Union, types.UnionType):
        for option in args:
            try:
                return check_value(option, value, where)
            except TypeError:
                continue
        raise TypeError(f"{where} must be {describe(hint)}, got {_kind(value)}")
    if origin is Literal:
        if value in args and not (isinstance(value, bool) and not any(a is value for a in args)):
            return value
        choices = ", ".join(repr(a) for a in args)
        raise TypeError(f"{where} must be one of {choices}, got {value!r}")
    if origin in (list, tuple):
        if not isinstance(value, list | tuple):
            raise TypeError(f"{where} must be a list, got {_kind(value)}")
        return _check_items(args[0] if args else Any, value, where)
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise TypeError(f"{where} must be a dict with text keys, got {_kind(value)}")
        return {k: check_value(args[1], v, f"{where}[{k!r}]") for k, v in value.items()}
    return _check_scalar(hint, value, where)


def _check_items(item: Any, value: list[Any] | tuple[Any, ...], where: str) -> list[Any]:
    """A list's items checked: the very list when no item was converted (a batch of 100,000 is not
    copied), and an item's own place in the message (``moves[3][1]``) only when it is refused."""
    out = None if type(value) is list else list(value)
    for i, v in enumerate(value):
        try:
            checked = check_value(item, v, where)
        except TypeError:
            check_value(item, v, f"{where}[{i}]")  # the same refusal, naming the item
            raise
        if checked is not v:
            if out is None:
                out = list(value)
            out[i] = checked
    return value if out is None else out  # type: ignore[return-value]


def _check_scalar(hint: type, value: Any, where: str) -> Any:
    # bool is a subclass of int in Python; a script passing True for a count is a mistake.
    if hint is bool:
        ok = isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, hint)
    if not ok:
        raise TypeError(f"{where} must be {_SCALARS.get(hint, hint.__name__)}, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, bool):
        return f"{value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"text {shown!r}"
    return f"{type(value).__name__} {value!r}"[:80]
