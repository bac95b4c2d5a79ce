"""Landlock (Linux ≥ 5.13): the decoder worker gives up opening files, except in its own temp folder.

Called by the worker on itself once every module it needs is imported. The
worker reads granted files only through descriptors Errand opened and passed
to it; Landlock checks access when a path is opened, so those keep working
while every ``open()`` of a path outside the temp folder fails with EACCES.
From ABI 4 TCP bind/connect are refused too, and from ABI 6 the worker may
not signal processes or reach abstract UNIX sockets outside itself.

Reached through ``ctypes`` (no extension module): the three syscalls have
the same numbers on every Linux architecture.
"""

from __future__ import annotations

import ctypes
import os
import struct

__all__ = ["abi_version", "restrict_to"]

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
# Filesystem rights each ABI knows (bit 0 execute … bit 12 make symlink; 13 refer; 14 truncate; 15 ioctl).
_FS_BITS = {1: 13, 2: 14, 3: 15, 4: 15, 5: 16}
_EXECUTE = 1
_NET_ALL = 0b11  # bind and connect TCP (ABI 4)
_SCOPE_ALL = 0b11  # abstract UNIX sockets and signals (ABI 6)


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def abi_version() -> int:
    """The kernel's Landlock ABI (0: none, disabled or not Linux)."""
    try:
        version = _libc().syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(
            _CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(0, int(version))


def _fs_rights(abi: int) -> int:
    return (1 << _FS_BITS[min(abi, 5)]) - 1


def _ruleset_attr(abi: int) -> bytes:
    if abi >= 6:
        return struct.pack("=QQQ", _fs_rights(abi), _NET_ALL, _SCOPE_ALL)
    if abi >= 4:
        return struct.pack("=QQ", _fs_rights(abi), _NET_ALL)
    return struct.pack("=Q", _fs_rights(abi))


def restrict_to(folder: str) -> int:
    """Allow file access only beneath ``folder`` for the rest of this process; return the ABI used.

    Raises ``OSError`` when the kernel refuses a step; returns 0 (nothing done) without Landlock.
    """
    abi = abi_version()
    if abi == 0:
        return 0
    libc = _libc()
    attr = _ruleset_attr(abi)
    ruleset = libc.syscall(_CREATE_RULESET, ctypes.c_char_p(attr), ctypes.c_size_t(len(attr)),
                           ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset")
    try:
        _allow_beneath(libc, int(ruleset), folder, _fs_rights(abi) & ~_EXECUTE)  # nothing there runs
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
        if libc.syscall(_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self")
    finally:
        os.close(int(ruleset))
    return abi


def _allow_beneath(libc: ctypes.CDLL, ruleset: int, folder: str, rights: int) -> None:
    fd = os.open(folder, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        # Rights that only make sense on files (write, read, truncate, ioctl) are allowed on a
        # folder too: Landlock applies them to what is beneath it.
        rule = struct.pack("=Qi", rights, fd)  # struct landlock_path_beneath_attr is packed
        if libc.syscall(_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH),
                        ctypes.c_char_p(rule), ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_add_rule")
    finally:
        os.close(fd)
