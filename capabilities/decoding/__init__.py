"""The second wall: every decoder of file or script bytes runs in a confined worker process.

The sandbox keeps a script away from the computer; this keeps the bytes a
script (or a file from the wild) chooses away from Errand's own process.
Pillow, pillow-heif, the EXIF readers, pypdf, mutagen, icalendar and recurring-ical-events, and
zipfile's readers run only in a worker started by
``pool``, limited by ``confine`` (and ``winjob`` on Windows), with
``formats`` allowing a fixed list of picture formats. A hostile file can at
worst fail its own call: ``decode`` raises ``DecodeError`` with a ``kind``
and Errand's own words, and the next call gets a working worker.

Use::

    result, blob = decode("image.resize", f, {"max_side": 1600, "format": "JPEG"}, name="IMG_1.jpg")

``source`` is an open binary file (passed to the worker as a descriptor on
POSIX, so the worker never opens a path), ``bytes``, or None. The worker's
answers are data from a process that read hostile input: callers check their
shape (``photos`` re-validates every field) and never trust their text.

What each OS gives the worker (``describe_limits()`` reports what this one granted;
Linux is what the tests run on; the macOS and Windows parts are written to the
OS documentation and not yet run there):

* memory — Linux: RLIMIT_AS 2 GiB; macOS: none (macOS ignores RLIMIT_AS);
  Windows: a job object caps committed memory at 2 GiB.
* CPU per call — Linux and macOS: RLIMIT_CPU's soft limit, moved for each
  request; Windows: the pool's wall timer.
* no programs — Linux: seccomp (execve/execveat EPERM) and Landlock (no
  execute right); macOS: the Seatbelt "pure-computation" profile, opt-in
  with ERRAND_DECODER_SEATBELT=1; Windows: a job object of one process.
* no network — Linux: seccomp (socket, connect, bind, io_uring EPERM) and
  Landlock's TCP rules (ABI ≥ 4); macOS: Seatbelt (opt-in); Windows: none.
* files — Linux: Landlock, only its own temp folder, inputs are passed
  descriptors; macOS: Seatbelt (opt-in), passed descriptors; Windows: none,
  but inputs are bytes and the worker opens nothing.
* never orphaned — Linux: PDEATHSIG, channel EOF, atexit; macOS: channel
  EOF, atexit; Windows: the job's kill-on-close, atexit.
* everywhere: stdin/stdout/stderr on the null device, an empty temp folder
  as cwd, an empty environment, the Pillow plugin allowlist.

Where a limit fails to apply, the worker still starts and its report says
what the OS refused (Windows' job object included), so a missing wall is
visible rather than fatal to every photo chore.

On every OS the time of a call is also bounded by the pool (the worker is
killed), and the worker is given an empty environment.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Mapping
from typing import Any, BinaryIO

from capabilities.decoding.pool import WorkerDied, default_pool
from capabilities.decoding.protocol import ChannelClosed
from capabilities.errors import BackendError

__all__ = ["MAX_INPUT", "DecodeError", "decode", "describe_limits"]

_CALL_SECONDS = 60.0
_CPU_SECONDS = 30
MAX_INPUT = 200 * 1024 * 1024  # bytes one request may carry (a frame holds 256 MB)
_DETAIL = re.compile(r"[^ -~]")  # printable ASCII only: the detail comes from hostile input


class DecodeError(BackendError):
    """A file the worker would not or could not read; ``kind`` says why (see ``ops.KINDS``)."""

    def __init__(self, message: str, hint: str = "", kind: str = "damaged") -> None:
        super().__init__(message, hint)
        self.kind = kind


_WORDS: dict[str, tuple[str, str]] = {
    "unsupported": ("{name} is not {what} Errand can read.", "Skip it, or convert it to a common format."),
    "damaged": ("Could not read {name}: it looks damaged or incomplete{detail}.",
                "The file may be broken or still being copied; try again later or skip it."),
    "too_large": ("{name} is too large to read safely{detail}.",
                  "Make a smaller copy with an image editor, or skip it."),
    "memory": ("Errand stopped reading {name}: it needed more memory than {what} should.",
               "The file may be damaged or made to overload Errand; skip it."),
    "time": ("Errand stopped reading {name}: it took longer than {what} should.",
             "The file may be damaged or made to overload Errand; skip it, or try again when the "
             "computer is less busy."),
    "crashed": ("Errand's reader stopped while reading {name}.",
                "The file may be damaged or made to attack Errand; skip it."),
    "broken": ("Errand's file reader could not work on {name}.",
               "Try again; if it keeps happening, reinstall Errand."),
}


def decode(op: str, source: bytes | BinaryIO | None, args: dict[str, Any] | None = None, *,
           name: str = "the file", what: str = "an image", timeout: float | None = None,
           hints: Mapping[str, str] | None = None) -> tuple[Any, bytes]:
    """Run decoder ``op`` in a worker on ``source``; ``(result, blob)`` or ``DecodeError``.

    ``name`` and ``what`` ("an image", "a calendar") go into the error's words; ``hints`` replaces
    the hint for some kinds with the caller's own advice.
    """
    try:
        return _decode(op, source, args, name, what, timeout)
    except DecodeError as exc:
        if hints and exc.kind in hints:
            exc.hint = hints[exc.kind]
        raise


def _decode(op: str, source: bytes | BinaryIO | None, args: dict[str, Any] | None, name: str, what: str,
            timeout: float | None) -> tuple[Any, bytes]:
    blob, fds = _payload(source)
    header = {"op": op, "args": args or {}, "cpu": _CPU_SECONDS}
    try:
        answer, out, extra = default_pool().request(header, blob, fds, timeout or _CALL_SECONDS)
    except WorkerDied as exc:
        raise _error(exc.kind, "", name, what) from None
    except (ChannelClosed, OSError):
        raise _error("broken", "", name, what) from None
    for fd in extra:
        os.close(fd)  # the worker sends no descriptors; any it sends are closed unread
    if answer.get("ok") is True:
        return answer.get("result"), out
    return _raise(answer, name, what)


def _raise(answer: dict[str, Any], name: str, what: str) -> Any:
    kind = answer.get("kind")
    detail = answer.get("detail")
    raise _error(kind if isinstance(kind, str) and kind in _WORDS else "damaged",
                 detail if isinstance(detail, str) else "", name, what)


def _error(kind: str, detail: str, name: str, what: str) -> DecodeError:
    message, hint = _WORDS[kind]
    shown = _DETAIL.sub("", detail).strip()[:120]
    words = message.format(name=name, what=what, detail=f" ({shown})" if shown else "")
    return DecodeError(words, hint, kind)


def _payload(source: bytes | BinaryIO | None) -> tuple[bytes, tuple[int, ...]]:
    if source is None:
        return b"", ()
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) > MAX_INPUT:  # several files in one request (merged PDFs, a contact sheet)
            raise _too_much()
        return bytes(source), ()
    if sys.platform != "win32" and not isinstance(source, io.BytesIO):
        try:
            fd = source.fileno()
            source.seek(0)  # the worker reads the whole file, from its start, through the shared offset
            return b"", (fd,)
        except (AttributeError, OSError, io.UnsupportedOperation):
            pass
    data = source.read(MAX_INPUT + 1)
    if len(data) > MAX_INPUT:
        raise _too_much()
    return data, ()


def _too_much() -> DecodeError:
    return DecodeError(f"The files come to more than {MAX_INPUT >> 20} MB, too much to read safely at once.",
                       "Skip the largest, or make smaller copies first.", "too_large")


def describe_limits() -> dict[str, Any]:
    """What the OS granted a worker of this process (starts one if none is running)."""
    pool = default_pool()
    idle = pool.workers()
    if idle:
        return dict(idle[0].report)
    from capabilities.decoding.pool import Worker

    worker = Worker(pool.memory)
    try:
        return dict(worker.report)
    finally:
        worker.stop()
