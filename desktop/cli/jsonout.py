"""``--json`` output: exactly one strict JSON object per command, whatever it holds or whatever failed.

Scripts and disks decide much of what a command prints, so a value may hold
NaN or infinity (not JSON), lone surrogates (a file name that is not UTF-8,
read with ``surrogateescape``, or a script's own string; many parsers reject
them), keys that are not strings, objects JSON does not know, or nesting
deeper than any parser's stack. ``strict`` makes every such value printable
by ``json.dumps(allow_nan=False)`` and readable by every parser:

- NaN and infinities become the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``;
- a byte that is not UTF-8 shows as ``\\xff`` and any other lone surrogate as
  ``\\udc00`` (visible text, like ``display.safe_text``);
- containers deeper than ``MAX_DEPTH`` become the string ``"…"`` plus why;
- anything else (paths, dates) becomes its ``str``.

``error_object`` is the one shape of a failed command (``status``,
``run_id``, ``error``), and ``emit`` the one writer every command uses.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterator, Mapping
from typing import Any

from desktop.core.report import JournalActions, error_dict

__all__ = ["MAX_DEPTH", "emit", "encode", "error_object", "pieces", "strict"]

MAX_DEPTH = 100  # far below the recursion limits of Python's, JavaScript's and jq's parsers
_SURROGATE = re.compile("[\ud800-\udfff]")
_FLOATS = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _text(value: str) -> str:
    def visible(match: re.Match[str]) -> str:
        code = ord(match.group(0))
        return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"

    return _SURROGATE.sub(visible, value)


def _leaf(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _FLOATS[repr(value)]
    if isinstance(value, bytes):
        return _text(value.decode("utf-8", "surrogateescape"))
    return _text(value if isinstance(value, str) else str(value))


def strict(value: Any, depth: int = 0) -> Any:
    """``value`` made strict JSON (see the module docstring). Iterative: no depth can overflow it.
    ``depth``: how deep ``value`` itself lies (when it is part of a value written in pieces)."""
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, int]] = [(value, root, 0, depth)]  # (value, parent, key, depth)
    while stack:
        item, parent, key, depth = stack.pop()
        if isinstance(item, Mapping | list | tuple | JournalActions) and depth >= MAX_DEPTH:
            parent[key] = f"… (nested deeper than {MAX_DEPTH} levels)"
        elif isinstance(item, Mapping):
            fields: dict[str, Any] = {}
            parent[key] = fields
            for k, v in item.items():
                name = _leaf(k)
                name = name if isinstance(name, str) else json.dumps(name)  # keys are text in JSON
                fields[name] = None  # keeps the order; filled in when its value is popped
                stack.append((v, fields, name, depth + 1))
        elif isinstance(item, list | tuple | JournalActions):
            item = list(item)
            parent[key] = items = [None] * len(item)
            stack.extend((v, items, i, depth + 1) for i, v in enumerate(item))
        else:
            parent[key] = _leaf(item)
    return root[0]


def error_object(error: BaseException | Mapping[str, Any], status: str, run_id: int | None = None,
                 **more: Any) -> dict[str, Any]:
    """The one JSON shape of a command that did not do its job: ``status``, ``run_id`` (the run
    the failure belongs to, or null) and ``error`` (``type``, ``message``, ``line``, ``hint``)."""
    return {"status": status, "run_id": run_id, "error": error_dict(error), **more}


def encode(value: Mapping[str, Any]) -> str:
    """``value`` as one line of strict JSON (``errand watch`` prints one per event)."""
    return _dumps(strict(value))


def emit(value: Mapping[str, Any]) -> None:
    """Print ``value`` as one line of strict JSON on stdout: the only way ``--json`` output leaves.

    The text is ``encode(value)``'s, written in pieces: a list in one of the top level's values (a
    run's actions, maybe 100,000 read from the journal a page at a time) is made strict and
    written an item at a time, so neither it nor its text is ever held whole.

    If making the rest fails midway (the journal cannot be read any more), the cut line is ended
    before the error propagates, so the error object the command then prints is a line of its own:
    the last line of ``--json`` output is always one whole object."""
    write = sys.stdout.write
    try:
        for piece in pieces(value):
            write(piece)
    finally:
        write("\n")
        sys.stdout.flush()


def pieces(value: Mapping[str, Any]) -> Iterator[str]:
    """``encode(value)`` in pieces that join to the very same text (``json.dumps``' separators)."""
    if not all(isinstance(k, str) for k in value):
        yield encode(value)  # keys made text could collide: the whole value, the usual way
        return
    yield "{"
    for n, (key, item) in enumerate(value.items()):
        yield f"{', ' if n else ''}{_dumps(_leaf(key))}: "
        if isinstance(item, list | JournalActions) and len(item):
            yield "["
            for i, element in enumerate(item):
                yield f"{', ' if i else ''}{_dumps(strict(element, depth=2))}"
            yield "]"
        else:
            yield _dumps(strict(item, depth=1))
    yield "}"


def _dumps(value: Any) -> str:
    return json.dumps(value, allow_nan=False)
