"""The changes apply and undo make in granted folders, each through a ``FolderSet``'s safe walk.

- ``create_file`` makes a file atomically: written beside its place under a
  temporary name, then renamed in (never clobbering an entry that appeared
  meanwhile); a file it replaces is kept in the holding area first.
- ``keep`` moves an entry into the holding area (a delete undo can reverse),
  ``keep_copy`` keeps a copy of a file about to be overwritten, ``restore``
  puts a kept entry back. Where the holding area is on another disk the file
  is copied, keeping its modified time.
- ``folder_times``/``folder_stats``/``reset_folder_times``: the folders' own
  modified times, read around apply and put back by undo.

The grant checks are the caller's (``FolderSet.granted``).
"""

from __future__ import annotations

import errno
import os
import shutil
import stat as st_mod
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from typing import BinaryIO

from capabilities.errors import BackendError, ErrandError
from capabilities.folders.dirs import Dir, refusal
from capabilities.folders.granted import FolderSet, Stat
from capabilities.folders.holding import Holding
from capabilities.folders.names import temp_name

__all__ = ["create_file", "folder_stats", "folder_times", "keep", "keep_copy", "reset_folder_times",
           "restore"]


def create_file(folders: FolderSet, parts: Sequence[str], fill: Callable[[BinaryIO], object], *,
                holding: Holding | None = None, hold_id: str | None = None,
                mtime_ns: int | None = None, mode: int | None = None) -> Stat:
    """Make a file atomically: ``fill`` writes a temporary file beside it, then it is renamed in.

    With ``hold_id``, a file already there is kept in the holding area first
    (a hard link, so the replacement itself stays atomic) and then replaced;
    without it an existing entry is never replaced. ``mtime_ns`` sets the
    new file's modified time (a copy keeps its source's), ``mode`` its
    permissions (a file put back keeps its own; a replacement keeps the old file's).
    """
    with folders.parent(parts) as (d, name):
        temp = temp_name(name)
        left = d.lstat(temp)
        if left is not None and st_mod.S_ISREG(left.st_mode):
            d.unlink(temp)
        fd = d.open_file(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644 if mode is None else mode)
        try:
            with os.fdopen(fd, "wb") as f:
                fill(f)
            old = d.lstat(name) if hold_id is not None and holding is not None else None
            replace = old is not None
            if old is not None:
                mode = st_mod.S_IMODE(old.st_mode)  # the replacement keeps the permissions
            if mode is not None:
                d.chmod(temp, mode)
            if mtime_ns is not None:
                d.set_mtime(temp, mtime_ns)
            if old is not None:
                keep_copy(d, name, holding, hold_id, folders.absolute(parts))  # type: ignore[arg-type]
            d.rename(temp, d, name, replace=replace)
        except BaseException:
            with suppress(OSError):
                d.unlink(temp)
            raise
        made = d.lstat(name)
    assert made is not None
    return Stat.of(made)


def keep(folders: FolderSet, parts: Sequence[str], holding: Holding, hold_id: str) -> None:
    """Move an entry into the holding area (a delete that undo can reverse)."""
    with folders.parent(parts) as (d, name):
        if d.lstat(name) is None:
            raise refusal(OSError(errno.ENOENT, "missing"), folders.absolute(parts))
        slot = holding.slot(hold_id, folders.absolute(parts))
        try:
            d.move_out(name, str(slot))
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise refusal(exc, folders.absolute(parts)) from None
            # The holding area is on another disk: copy the file over, then remove it.
            _copy_out(d, name, str(slot))
            d.unlink(name)


def keep_copy(d: Dir, name: str, holding: Holding, hold_id: str, original: str) -> None:
    """Keep a copy of the file ``name`` in ``d`` in the holding area (a hard link where it can)."""
    slot = str(holding.slot(hold_id, original))
    try:
        d.link_out(name, slot)
    except OSError:
        _copy_out(d, name, slot)


def _copy_out(d: Dir, name: str, dest: str) -> None:
    st = d.lstat(name)
    if st is None or not st_mod.S_ISREG(st.st_mode):
        raise BackendError(f"Cannot keep {d.full(name)} in the holding area (another disk).",
                           "Move the holding area to the same disk, or keep a copy yourself.")
    # Created private, then given the original's own mode: a 0600 file must not become 0644.
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    with d.open_read(name) as src, os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
    os.chmod(dest, st_mod.S_IMODE(st.st_mode))
    os.utime(dest, ns=(st.st_atime_ns, st.st_mtime_ns))


def restore(folders: FolderSet, parts: Sequence[str], holding: Holding, hold_id: str) -> None:
    """Put a kept entry back at ``parts`` (which must be free) and drop it from the holding area."""
    item = holding.item(hold_id)
    try:
        with folders.parent(parts) as (d, name):
            d.move_in(str(item), name)
    except OSError as exc:
        if exc.errno != errno.EXDEV or not item.is_file() or item.is_symlink():
            raise
        # The holding area is on another disk: copy the file back, keeping its time and mode.
        seen = item.stat()
        with open(item, "rb") as kept:
            create_file(folders, parts, lambda out: shutil.copyfileobj(kept, out, 1 << 20),
                        mtime_ns=seen.st_mtime_ns, mode=st_mod.S_IMODE(seen.st_mode))
    holding.forget(hold_id)


# ---- folders' own modified times (so undo leaves them as they were) -----------------

def folder_times(folders: FolderSet, where: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Modified times (ns) of folders ``{"Trip/sub": parts}``, keyed the same; best effort (one that
    cannot be read is left out). Apply reads them before and after every action: kept lean."""
    found: dict[str, int] = {}
    for key, parts in where.items():
        try:
            found[key] = folders.folder_stat(parts).st_mtime_ns
        except (ErrandError, OSError):
            continue
    return found


def handle_times(where: Mapping[str, Dir]) -> dict[str, int]:
    """``folder_times`` of folders already open (``{"Trip/sub": handle}``); best effort."""
    found: dict[str, int] = {}
    for key, d in where.items():
        try:
            found[key] = (os.fstat(d.fd) if d.fd is not None else os.stat(d.path)).st_mtime_ns
        except OSError:
            continue
    return found


def time_pairs(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, list[int]]:
    """An outcome's ``folders``: ``{"Trip/sub": [before, after]}`` for each folder read both times."""
    return {k: [was, after[k]] for k, was in before.items() if k in after}


def folder_stats(folders: FolderSet, keys: Sequence[str]) -> dict[str, os.stat_result]:
    """Status of folders named in an outcome (``"Trip/sub"``), keyed the same; best effort."""
    found: dict[str, os.stat_result] = {}
    for key in keys:
        try:
            if key not in found:
                found[key] = folders.folder_stat(folders.key_parts(key))
        except (ErrandError, OSError):
            continue
    return found


def reset_folder_times(folders: FolderSet, times: Mapping[str, Sequence[int]],
                       seen: Mapping[str, os.stat_result]) -> None:
    """Put folders' times back to ``before`` where they were still as Errand left them (``after``).

    ``times`` is ``{"Trip/sub": [before, after]}`` from apply; ``seen`` the
    folders' status just before the undo. A folder changed by someone else
    since keeps its time.
    """
    for key, (before, after) in times.items():
        st = seen.get(key)
        if st is None or st.st_mtime_ns != after:
            continue
        with suppress(ErrandError, OSError), folders.folder(folders.key_parts(key)) as d:
            os.utime(d.fd if d.fd is not None else d.path, ns=(st.st_atime_ns, before))
