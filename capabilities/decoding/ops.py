"""The worker's request handlers, by name: how a decoder is added, and how its failures are reported.

A handler is ``fn(source, args) -> (result, blob)``: ``source`` is the input
opened for reading (a passed descriptor or the request's bytes), ``args`` the
request's JSON arguments; ``result`` must be JSON, ``blob`` optional bytes
(an encoded picture). It raises ``Refused(kind, detail)`` for a file it will
not or cannot read. ``kind`` is one of ``KINDS``; ``detail`` is a few words
that Errand cleans and shows after its own message.

Adding a decoder (``calendars``, ``documents``, ``zips`` and ``media`` are examples):
write a module whose handlers are decorated ``@op("ics.file")``, add the
module to ``worker.MODULES`` (it is imported before the worker locks itself
in, so import everything it needs at module level), and call
``capabilities.decoding.decode("ics.file", data, args, name=...)`` from the
capability.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import Any, BinaryIO

__all__ = ["KINDS", "OPS", "Refused", "op", "run"]

KINDS = frozenset({"unsupported", "damaged", "too_large", "memory", "time", "crashed", "broken"})
Handler = Callable[[BinaryIO, dict[str, Any]], tuple[dict[str, Any], bytes]]
OPS: dict[str, Handler] = {}


class Refused(Exception):
    """The worker will not or cannot read this input; ``kind`` says why (one of ``KINDS``)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(detail)
        self.kind = kind if kind in KINDS else "damaged"
        self.detail = detail


def op(name: str) -> Callable[[Handler], Handler]:
    """Register a handler under ``name`` (``"image.info"``)."""
    def register(fn: Handler) -> Handler:
        OPS[name] = fn
        return fn
    return register


def run(header: dict[str, Any], blob: bytes, fds: list[int]) -> tuple[dict[str, Any], bytes]:
    """Answer one request: ``({"ok": True, "result": ...}, blob)`` or ``({"ok": False, "kind"...}, b"")``."""
    handler = OPS.get(str(header.get("op")))
    source = _source(blob, fds)
    try:
        if handler is None:
            raise Refused("broken", "unknown request")
        args = header.get("args")
        result, out = handler(source, args if isinstance(args, dict) else {})
        return {"ok": True, "result": result}, out
    except Refused as exc:
        return {"ok": False, "kind": exc.kind, "detail": exc.detail}, b""
    except MemoryError:
        return {"ok": False, "kind": "memory", "detail": "", "retire": True}, b""
    except RecursionError:
        return {"ok": False, "kind": "damaged", "detail": "nested too deeply", "retire": True}, b""
    except Exception as exc:  # a decoder's unexpected error is the file's fault
        return {"ok": False, "kind": "damaged", "detail": f"{type(exc).__name__}: {exc}"}, b""
    finally:
        source.close()


def _source(blob: bytes, fds: list[int]) -> BinaryIO:
    for extra in fds[1:]:
        os.close(extra)
    if fds:
        return os.fdopen(fds[0], "rb", buffering=64 * 1024)
    return io.BytesIO(blob)
