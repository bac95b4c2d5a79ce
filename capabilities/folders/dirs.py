"""The open-folder handle: every disk operation names an entry relative to an open folder.

``Dir`` holds a folder's file descriptor and uses ``dir_fd`` with
``O_NOFOLLOW``, so a path component swapped for a symlink after the walk
cannot redirect a read or a write (the walk holds the folder, not its name).
On Windows, which has no ``dir_fd``, ``Dir`` works on full paths and checks
every component for reparse points (symlinks, junctions) instead — a
check-then-use that a swap between the two steps could still race.

New names are renamed into place with the system's atomic no-replace call
(``renameat2``/``renameatx_np``); where there is none, the target is checked
first, then renamed. OS errors become known errors with words for a person
(``refusal``).
"""

from __future__ import annotations

import ctypes
import errno
import io
import os
import stat as st_mod
import sys
from collections.abc import Callable, Iterator
from typing import Any

from capabilities.errors import BackendError, ErrandError, PathRefused, TargetExists, TargetMissing

__all__ = ["ATOMIC_NO_REPLACE", "Dir", "check_folder_path", "is_link", "open_folder", "refusal"]

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)
_REPARSE = getattr(st_mod, "FILE_ATTRIBUTE_REPARSE_POINT", 0x400)
# os.fsencode's own codec, called directly: a rename of 100,000 files encodes 200,000 names
_FS_ENCODING, _FS_ERRORS = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()


class Dir:
    """An open folder. Every operation names an entry in it and never follows a symlink.

    On POSIX it holds a file descriptor and uses ``dir_fd``; a path component
    that becomes a symlink after the walk cannot redirect anything, because the
    walk already holds the folder itself, not its name.
    """

    def __init__(self, fd: int | None, path: str, *, owned: bool = True) -> None:
        self.fd = fd  # None on Windows: operations use full paths, checked for reparse points
        self.path = path
        self.owned = owned  # a granted folder's handle is shared for the run and closed with it

    def __enter__(self) -> Dir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.fd is not None and self.owned:
            os.close(self.fd)
            self.fd = None

    def full(self, name: str) -> str:
        return os.path.join(self.path, name)

    def lstat(self, name: str) -> os.stat_result | None:
        """The entry's own status (a symlink is reported as one), or None when absent."""
        try:
            if self.fd is not None:
                return os.stat(name, dir_fd=self.fd, follow_symlinks=False)
            return os.lstat(self.full(name))
        except FileNotFoundError:
            return None

    def sub(self, name: str) -> Dir:
        """Open a child folder; refuses a symlink, a junction, or anything not a folder."""
        if self.fd is not None:
            try:
                fd = open_folder(name, self.fd)
            except OSError as exc:
                raise refusal(exc, self.full(name)) from None
            return Dir(fd, self.full(name))
        st = self.lstat(name)
        _check_windows_entry(st, self.full(name), folder=True)
        return Dir(None, self.full(name))

    def scan(self) -> Iterator[tuple[str, os.stat_result]]:
        """Entries with their own status (not followed), as read: a folder of 100,000 files is never
        held as 100,000 ``stat_result``s at once (~25 MB the process keeps after)."""
        with os.scandir(self.fd if self.fd is not None else self.path) as it:
            for entry in it:
                try:
                    yield entry.name, entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue

    def open_file(self, name: str, flags: int, mode: int = 0o666) -> int:
        """Open a regular file without following a symlink and without blocking on a FIFO."""
        flags |= _O_NOFOLLOW | _O_NONBLOCK | _O_CLOEXEC | _O_BINARY
        full = self.full(name)
        if not flags & os.O_CREAT:
            # lstat first: opening some devices has effects of its own (a tape rewinds).
            seen = self.lstat(name)
            if seen is not None and not st_mod.S_ISREG(seen.st_mode) and not st_mod.S_ISLNK(seen.st_mode):
                raise PathRefused(f"{full} is not a regular file (a device, pipe or socket).",
                                  "Only ordinary files and folders can be used.")
        try:
            if self.fd is not None:
                fd = os.open(name, flags, mode, dir_fd=self.fd)
            else:
                _check_windows_entry(self.lstat(name), full, folder=False, may_be_missing=True)
                fd = os.open(full, flags, mode)
        except OSError as exc:
            raise refusal(exc, full) from None
        if not st_mod.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise PathRefused(f"{full} is not a regular file (a device, pipe or socket).",
                              "Only ordinary files and folders can be used.")
        if _O_NONBLOCK:
            os.set_blocking(fd, True)
        return fd

    def open_read(self, name: str) -> io.BufferedReader:
        """A regular file opened for reading (see ``open_file``)."""
        return os.fdopen(self.open_file(name, os.O_RDONLY), "rb")

    def read(self, name: str, limit: int | None = None) -> bytes:
        with self.open_read(name) as f:
            return f.read() if limit is None else f.read(limit)

    def rename(self, name: str, other: Dir, new_name: str, *, replace: bool) -> None:
        """Rename within or between open folders; without ``replace`` never clobbers."""
        if replace:
            self._os_rename(name, other, new_name)
            return
        if self.fd is not None and other.fd is not None and _renameat2 is not None:
            call, flag = _renameat2
            if call(self.fd, name.encode(_FS_ENCODING, _FS_ERRORS), other.fd,
                    new_name.encode(_FS_ENCODING, _FS_ERRORS), flag) == 0:
                return
            err = ctypes.get_errno()
            if err == errno.EXDEV:  # another disk: the caller copies instead
                raise OSError(err, os.strerror(err), other.full(new_name))
            if err not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
                if err == errno.EEXIST and _same_entry(self, name, other, new_name):
                    self._os_rename(name, other, new_name)  # a case-only rename on a folding disk
                    return
                raise refusal(OSError(err, os.strerror(err)), other.full(new_name))
        # Without renameat2 (other systems, old kernels): check, then rename.
        if other.lstat(new_name) is not None and not _same_entry(self, name, other, new_name):
            raise refusal(OSError(errno.EEXIST, "exists"), other.full(new_name))
        if self.fd is None or other.fd is None:
            os.rename(self.full(name), other.full(new_name))  # Windows: refuses an existing target
            return
        self._os_rename(name, other, new_name)

    def _os_rename(self, name: str, other: Dir, new_name: str) -> None:
        if self.fd is not None and other.fd is not None:
            os.rename(name, new_name, src_dir_fd=self.fd, dst_dir_fd=other.fd)
        else:
            os.replace(self.full(name), other.full(new_name))

    def move_out(self, name: str, dest: str) -> None:
        """Move an entry to a trusted absolute path (the holding area)."""
        if self.fd is not None:
            os.rename(name, dest, src_dir_fd=self.fd)
        else:
            os.replace(self.full(name), dest)

    def link_out(self, name: str, dest: str) -> None:
        """Hard-link a file to a trusted absolute path (keeping old content before an overwrite)."""
        if self.fd is not None:
            os.link(name, dest, src_dir_fd=self.fd, follow_symlinks=False)
        else:
            os.link(self.full(name), dest)

    def move_in(self, source: str, name: str) -> None:
        """Move a trusted absolute path (from the holding area) to a new entry here."""
        if self.lstat(name) is not None:
            raise refusal(OSError(errno.EEXIST, "exists"), self.full(name))
        if self.fd is not None:
            os.rename(source, name, dst_dir_fd=self.fd)
        else:
            os.replace(source, self.full(name))

    def mkdir(self, name: str) -> None:
        self._at(os.mkdir, name)

    def rmdir(self, name: str) -> None:
        self._at(os.rmdir, name)

    def unlink(self, name: str) -> None:
        self._at(os.unlink, name)

    def chmod(self, name: str, mode: int) -> None:
        self._at(os.chmod, name, mode)

    def _at(self, call: Callable[..., None], name: str, *args: Any) -> None:
        """``call`` on the entry ``name``: relative to the open folder, or by full path on Windows."""
        if self.fd is not None:
            call(name, *args, dir_fd=self.fd)
        else:
            call(self.full(name), *args)

    def set_mtime(self, name: str, mtime_ns: int) -> None:
        st = self.lstat(name)
        atime = st.st_atime_ns if st is not None else mtime_ns
        if self.fd is not None:
            os.utime(name, ns=(atime, mtime_ns), dir_fd=self.fd, follow_symlinks=False)
        else:
            os.utime(self.full(name), ns=(atime, mtime_ns))


def _load_renameat2() -> tuple[Callable[..., int], int] | None:
    """The system's rename-unless-it-exists call and its flag: Linux renameat2, macOS renameatx_np."""
    names = {"linux": ("renameat2", 1), "darwin": ("renameatx_np", 4)}  # RENAME_NOREPLACE / RENAME_EXCL
    found = next((v for k, v in names.items() if sys.platform.startswith(k)), None)
    if found is None:
        return None
    try:
        func = getattr(ctypes.CDLL(None, use_errno=True), found[0])
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func, found[1]


_renameat2 = _load_renameat2()
ATOMIC_NO_REPLACE = _renameat2 is not None  # a rename can refuse an existing target by itself


def _same_entry(a: Dir, name: str, b: Dir, new_name: str) -> bool:
    sa, sb = a.lstat(name), b.lstat(new_name)
    return sa is not None and sb is not None and (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino) \
        and sa.st_ino != 0


def _check_windows_entry(st: os.stat_result | None, full: str, *, folder: bool,
                         may_be_missing: bool = False) -> None:
    if st is None:
        if may_be_missing:
            return
        raise TargetMissing(f"There is no {'folder' if folder else 'file'} {full}.",
                            "Check the name with files.list().")
    if is_link(st):
        raise PathRefused(f"{full} is a link or junction; Errand does not follow links.",
                          "Use the real folder instead, or grant it directly.")
    if folder and not st_mod.S_ISDIR(st.st_mode):
        raise PathRefused(f"{full} is not a folder.", "Check the path with files.list().")


def refusal(exc: OSError, full: str) -> ErrandError:
    """Turn an OS error at a path into a known error with words for a person."""
    if exc.errno == errno.ELOOP or exc.errno == errno.EMLINK:
        return PathRefused(f"{full} is a symbolic link; Errand does not follow links.",
                           "Use the real file or folder instead, or grant it directly.")
    if exc.errno == errno.ENOENT:
        return TargetMissing(f"There is no {full}.", "Check the name with files.list().")
    if exc.errno == errno.ENOTDIR:
        return PathRefused(f"Part of {full} is not a folder.", "Check the path with files.list().")
    if exc.errno == errno.EEXIST or exc.errno == errno.ENOTEMPTY:
        return TargetExists(f"{full} already exists.", "Choose another name, or pass overwrite=True.")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return BackendError(f"Permission denied at {full}.", "Check the file's permissions.")
    return BackendError(f"{full}: {exc.strerror or exc}.", "Check the disk, then try again.")


def open_folder(path: str, dir_fd: int | None = None) -> int:
    """A descriptor for a folder (``path`` relative to ``dir_fd`` if given), never following a link."""
    return os.open(path, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC, dir_fd=dir_fd)


def check_folder_path(path: str) -> None:
    """Where there is no ``dir_fd`` (Windows): refuse a folder path that is missing or a link."""
    _check_windows_entry(_lstat_or_none(path), path, folder=True)


def is_link(st: os.stat_result) -> bool:
    """A symlink, or on Windows any reparse point (a junction too)."""
    return st_mod.S_ISLNK(st.st_mode) or bool(getattr(st, "st_file_attributes", 0) & _REPARSE)


def _lstat_or_none(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
