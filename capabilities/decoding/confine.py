"""What a decoder worker does to itself before it reads anything: the OS limits it runs under.

Called in the worker in two steps, because some limits would stop the
imports the worker needs:

* ``early(parent)`` — at start: die with the parent (Linux
  ``PR_SET_PDEATHSIG``; elsewhere the worker also exits when its channel
  closes), no core files, a cap on open files, no file may be written
  (``RLIMIT_FSIZE`` 0: Python ignores SIGXFSZ, so a write fails with EFBIG),
  and the address-space cap (``RLIMIT_AS``; macOS does not enforce it).
* ``lock(tmp)`` — after every decoder module is imported: Landlock (no path
  opened outside the worker's empty temp folder, no TCP, no signals out),
  then seccomp (no ``execve``, no sockets). On macOS the Seatbelt
  "pure-computation" profile plays both parts where ``sandbox_init`` still
  exists (off by default until it is tried on a Mac: see ``lock``).
  Windows limits are applied from outside (``winjob``).

``call_budget(seconds)`` is set before each request: the soft CPU limit is
moved to what the worker has used plus the budget, so a request that spins
gets SIGXCPU and the worker dies; the pool starts a new one.

Each step records what the OS granted in ``report`` ({"landlock": 7, ...});
a step the OS lacks is recorded as such, never silently skipped.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Any

__all__ = ["call_budget", "early", "lock", "report"]

report: dict[str, Any] = {"os": sys.platform}
_PR_SET_PDEATHSIG = 1
_SIGKILL = 9
_LIFETIME_CPU = 3600  # seconds: a worker that has used an hour of CPU is retired and replaced
_MAX_FILES = 64


def early(parent_pid: int, memory: int) -> None:
    """Limits that hold from the worker's first instruction (see the module docstring)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        report["pdeathsig"] = libc.prctl(_PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0) == 0
        if os.getppid() != parent_pid:  # the parent died before the prctl took hold
            os._exit(3)
    if sys.platform == "win32":
        report["rlimits"] = "job object (set by Errand)"
        return
    import resource

    limits = {"RLIMIT_CORE": (0, 0), "RLIMIT_NOFILE": (_MAX_FILES, _MAX_FILES), "RLIMIT_FSIZE": (0, 0),
              "RLIMIT_CPU": (_LIFETIME_CPU, _LIFETIME_CPU + 5), "RLIMIT_AS": (memory, memory)}
    granted = []
    for name, value in limits.items():
        try:
            resource.setrlimit(getattr(resource, name), value)
            granted.append(name)
        except (ValueError, OSError, AttributeError):
            pass  # macOS refuses RLIMIT_AS below its current size; the report says it is missing
    report["rlimits"] = granted


def lock(tmp: str, *, seatbelt: bool = False) -> None:
    """No file access beyond ``tmp``, no programs, no network — as far as this OS allows.

    macOS's Seatbelt profile is entered only when ``seatbelt`` is set (Errand passes it when
    ``ERRAND_DECODER_SEATBELT=1``): it is written to Apple's documentation but has not been run
    on a Mac yet, and a profile that also closed the channel would stop every decode.
    """
    if sys.platform.startswith("linux"):
        from capabilities.decoding import landlock, seccomp

        report["landlock"] = _step(lambda: landlock.restrict_to(tmp))
        report["seccomp"] = _step(seccomp.install)
    elif sys.platform == "darwin":
        report["seatbelt"] = _step(_seatbelt) if seatbelt else "off (ERRAND_DECODER_SEATBELT=1 turns it on)"


def _step(fn: Any) -> Any:
    try:
        return fn()
    except OSError as exc:
        return f"refused by the kernel: {exc}"


def _seatbelt() -> bool:
    """macOS: enter the built-in "pure-computation" profile (no files, no network, no programs)."""
    lib = ctypes.CDLL("/usr/lib/libSystem.dylib", use_errno=True)
    error = ctypes.c_char_p()
    named = 1  # SANDBOX_NAMED
    if lib.sandbox_init(b"pure-computation", ctypes.c_uint64(named), ctypes.byref(error)) != 0:
        raise OSError(0, f"sandbox_init: {error.value!r}")
    return True


def call_budget(seconds: int) -> bool:
    """Let the next request use at most ``seconds`` of CPU (POSIX; Windows is timed by the pool).

    Returns True when the worker has used most of its lifetime's CPU: it answers this request,
    then retires, and the pool starts a fresh one.
    """
    if sys.platform == "win32":
        return False
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard == resource.RLIM_INFINITY:
        resource.setrlimit(resource.RLIMIT_CPU, (used + seconds, hard))
        return False
    resource.setrlimit(resource.RLIMIT_CPU, (min(used + seconds, hard), hard))
    return used + 2 * seconds >= hard
