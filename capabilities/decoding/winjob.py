"""Windows: the decoder worker in a job object — memory cap, no child processes, killed with Errand.

Windows has no rlimits, seccomp or Landlock, so Errand confines the worker
from outside, right after starting it and before sending it anything:

* ``JOB_OBJECT_LIMIT_PROCESS_MEMORY`` — the worker's committed memory is
  capped (``sizes.WORKER_MEMORY``); an allocation past it fails (MemoryError);
* ``JOB_OBJECT_LIMIT_ACTIVE_PROCESS`` = 1 — the worker cannot start any
  program: no decoder can run Ghostscript or anything else;
* ``JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`` — the job handle lives in Errand's
  process; when Errand exits, however it exits, Windows kills the worker;
* ``JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION`` — a crash ends it quietly.

CPU time per call is bounded by the pool's timer. Not covered on Windows:
file and network access (that would need an AppContainer or a restricted
token); the worker opens nothing itself, it is given each file's bytes.
"""

from __future__ import annotations

import ctypes
from ctypes import wintypes
from typing import Any

__all__ = ["confine"]

_EXTENDED_LIMIT_INFORMATION = 9
_LIMIT_ACTIVE_PROCESS, _LIMIT_PROCESS_MEMORY = 0x8, 0x100
_LIMIT_DIE_ON_UNHANDLED_EXCEPTION, _LIMIT_KILL_ON_JOB_CLOSE = 0x400, 0x2000


class _Basic(ctypes.Structure):
    _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64), ("PerJobUserTimeLimit", ctypes.c_int64),
                ("LimitFlags", wintypes.DWORD), ("MinimumWorkingSetSize", ctypes.c_size_t),
                ("MaximumWorkingSetSize", ctypes.c_size_t), ("ActiveProcessLimit", wintypes.DWORD),
                ("Affinity", ctypes.c_size_t), ("PriorityClass", wintypes.DWORD),
                ("SchedulingClass", wintypes.DWORD)]


class _IoCounters(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in ("Read", "Write", "Other", "ReadT", "WriteT", "OtherT")]


class _Extended(ctypes.Structure):
    _fields_ = [("Basic", _Basic), ("Io", _IoCounters), ("ProcessMemoryLimit", ctypes.c_size_t),
                ("JobMemoryLimit", ctypes.c_size_t), ("PeakProcessMemoryUsed", ctypes.c_size_t),
                ("PeakJobMemoryUsed", ctypes.c_size_t)]


def _last_error() -> int:
    # typeshed declares get_last_error on Windows only, and this module runs only there.
    return ctypes.get_last_error()  # type: ignore[attr-defined]


def confine(process_handle: int, memory: int) -> Any:
    """Put the process in a new job with the limits above; return the job handle (keep it open)."""
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    job = kernel32.CreateJobObjectW(None, None)
    if not job:
        raise OSError(_last_error(), "CreateJobObjectW")
    limits = _Extended()
    limits.Basic.LimitFlags = (_LIMIT_ACTIVE_PROCESS | _LIMIT_PROCESS_MEMORY
                               | _LIMIT_DIE_ON_UNHANDLED_EXCEPTION | _LIMIT_KILL_ON_JOB_CLOSE)
    limits.Basic.ActiveProcessLimit = 1
    limits.ProcessMemoryLimit = memory
    if not kernel32.SetInformationJobObject(job, _EXTENDED_LIMIT_INFORMATION, ctypes.byref(limits),
                                            ctypes.sizeof(limits)):
        raise OSError(_last_error(), "SetInformationJobObject")
    if not kernel32.AssignProcessToJobObject(job, wintypes.HANDLE(process_handle)):
        raise OSError(_last_error(), "AssignProcessToJobObject")
    return job
