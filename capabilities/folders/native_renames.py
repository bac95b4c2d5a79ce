"""Many checked renames inside one open folder in one call to C (``_renames.c``), where it was built.

A large apply spends most of its time in the per-file loop around the
system calls; the C loop makes the very calls the Python path makes (the
folder's status, the source's own status checked against the preview's
fingerprint, the rename that refuses an existing target, the folder's status
again) and stops, before any effect, at the first rename that is not exactly
as expected. The caller hands that one to the Python path, which checks it
again and words the refusal: the policy and the words stay in one place.

``unrename_files`` does the same for undo (the renamed file checked against its
fingerprint, the rename back, the folder's time put back) and returns how
many it put back.

``rename_files`` and ``unrename_files`` are None where the extension is not there (Windows, a source
install without a C compiler) or when ``ERRAND_PYTHON_RENAMES=1`` is set (to
measure or test the Python path); callers then take the Python path for all.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

__all__ = ["Move", "Unmove", "rename_files", "unrename_files"]

# (source name, target name, size, mtime_ns, ino, dev): names relative to the open folder
Move = tuple[bytes, bytes, int, int, int, int]
# (name now, name before, size, mtime_ns, ino, dev[, folder's time before, folder's time after])
Unmove = Move | tuple[bytes, bytes, int, int, int, int, int, int]
RenameFiles = Callable[[int, Sequence[Move]], list[tuple[int, int | None]]]
UnrenameFiles = Callable[[int, Sequence[Unmove]], int]


def _load() -> tuple[RenameFiles, UnrenameFiles] | tuple[None, None]:
    if os.environ.get("ERRAND_PYTHON_RENAMES") == "1":
        return None, None
    try:
        from capabilities.folders import _renames
    except ImportError:
        return None, None
    return (_renames.rename_files, _renames.unrename_files) if _renames.AVAILABLE else (None, None)


rename_files, unrename_files = _load()
