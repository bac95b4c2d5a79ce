"""Which process is applying or undoing a run, and whether it is still alive.

A run being applied records an owner token ``host:pid:start``. On the next
start, recovery treats a run as interrupted only if its owner is gone, so an
automation applying a run in another process is never "recovered" under its
feet. ``start`` (the process's start time, from ``/proc`` where there is one)
guards against a recycled pid.
"""

from __future__ import annotations

import os

__all__ = ["is_alive", "owner_token"]


def _host() -> str:
    # os.uname is free; socket (3 ms to import, on every errand command) only where it is missing.
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()


def _start_time(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return ""
    # fields[0] is the state; fields[19] the start time in clock ticks since boot.
    return "" if fields[0] in ("Z", "X") else fields[19]


def owner_token(pid: int | None = None) -> str:
    """The token of this process (or ``pid``)."""
    pid = os.getpid() if pid is None else pid
    return f"{_host()}:{pid}:{_start_time(pid)}"


def is_alive(token: str | None) -> bool:
    """True if the process behind ``token`` still runs (a token from another host counts as alive)."""
    if not token:
        return False
    host, _, rest = token.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != _host():
        return True  # a journal on a shared disk: never steal another machine's run
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if os.name == "nt":
        return _windows_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, belongs to someone else
    except OSError:
        return False
    now = _start_time(pid)
    if os.path.isdir("/proc"):
        return bool(now) and (not start or now == start)
    return True


def _windows_alive(pid: int) -> bool:
    # os.kill(pid, 0) would send CTRL_C on Windows; ask the process table instead.
    import ctypes

    kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        ok = kernel.GetExitCodeProcess(handle, ctypes.byref(code))
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    finally:
        kernel.CloseHandle(handle)
