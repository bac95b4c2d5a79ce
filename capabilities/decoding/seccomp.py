"""A seccomp filter (Linux): the decoder worker can never start a program or open a network socket.

Installed by the worker on itself after its imports. ``execve``/``execveat``
fail with EPERM — so no decoder can run Ghostscript or anything else, even
if a plugin tried — and so do ``socket``, ``socketpair``, ``connect``,
``bind``, ``listen``, ``accept`` and ``io_uring_setup`` (io_uring can open
sockets without the ``socket`` call). The channel to Errand is a socket made
before the filter, so it keeps working. A call from another ABI (x32, or a
32-bit one) kills the process: the numbers below are for this architecture
only.

Built as classic BPF through ``ctypes``; needs ``PR_SET_NO_NEW_PRIVS``
(no privileges needed). Supported here: x86_64 and aarch64; elsewhere
``install`` returns False and the report says so.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

__all__ = ["install", "supported"]

# (audit arch, blocked syscall numbers) per machine.
_TABLES: dict[str, tuple[int, tuple[int, ...]]] = {
    # execve execveat socket socketpair connect bind listen accept accept4 io_uring_setup ptrace
    "x86_64": (0xC000003E, (59, 322, 41, 53, 42, 49, 50, 43, 288, 425, 101)),
    "aarch64": (0xC00000B7, (221, 281, 198, 199, 203, 200, 201, 202, 242, 425, 117)),
}
_TABLES["arm64"] = _TABLES["aarch64"]
_X32_BIT = 0x40000000
_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_RET_ALLOW, _RET_KILL_PROCESS = 0x7FFF0000, 0x80000000
_RET_EPERM = 0x00050000 | errno.EPERM
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def supported() -> bool:
    return platform.system() == "Linux" and platform.machine() in _TABLES


def _op(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def _program(arch: int, blocked: tuple[int, ...]) -> bytes:
    ops = [_op(_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
           _op(_JEQ_K, 1, 0, arch), _op(_RET_K, 0, 0, _RET_KILL_PROCESS),
           _op(_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
           _op(_JGE_K, 0, 1, _X32_BIT), _op(_RET_K, 0, 0, _RET_KILL_PROCESS)]
    for nr in blocked:
        ops += [_op(_JEQ_K, 0, 1, nr), _op(_RET_K, 0, 0, _RET_EPERM)]
    ops.append(_op(_RET_K, 0, 0, _RET_ALLOW))
    return b"".join(ops)


def install() -> bool:
    """Install the filter on this process (and every thread it starts later); False if unsupported."""
    if not supported():
        return False
    arch, blocked = _TABLES[platform.machine()]
    code = _program(arch, blocked)
    prog = _Prog(len(code) // 8, code)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")
    return True
