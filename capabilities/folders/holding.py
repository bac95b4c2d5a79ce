"""The holding area: where deleted and overwritten files wait, so undo can bring them back.

Each kept item lives in its own folder ``<dir>/<id>/`` next to a small
``meta.json`` (where it came from, when, how big). Items are moved in with a
rename when the holding area is on the same disk (instant, keeps the inode and
the modified time) and copied otherwise (``copy2`` keeps the modified time).

Ids may be chosen by the caller: a plan assigns the id at preview time, so
after a crash recovery can ask ``has(id)`` to learn whether a delete happened.

Retention is the app's decision, safety is ours: ``prune`` drops old or
excess items but never one listed in ``still_needed`` (the journal knows which
undos are still possible) and returns the ids it dropped so the person can be
told.

Planned content (the text a preview's ``files.write_text`` will write, an
action's ``detail["data"]``) is moved to ``.planned/<ref>`` when the plan is
journaled (``spool``), so the journal holds a reference and a digest, not
megabytes per action; it waits there for apply (or for recovery to finish
the plan) and is dropped when the run is over (``drop_content``); leftovers
of a crash go with the age rule. The preview itself writes nothing here.

Private: the holding area's folders are 0700 and its records 0600 (other
local users must not read what was deleted); a kept file keeps its own mode,
also when it had to be copied to another disk.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Set
from contextlib import suppress
from pathlib import Path
from typing import Any

from capabilities.errors import BackendError, GrantError, TargetExists, TargetMissing
from capabilities.private import private_dirs, write_private

__all__ = ["Holding"]

_META = "meta.json"
_PLANNED = ".planned"  # not an id: ``ids`` skips dot-names


class Holding:
    """A folder of kept items addressed by id."""

    def __init__(self, directory: Path | str) -> None:
        self.dir = Path(directory)

    @classmethod
    def for_run(cls, directory: Path | None) -> Holding:
        """The run's holding area (``RunContext.holding``); GrantError when the caller set none up."""
        if directory is None:
            raise GrantError("No holding area was set up for this run, so nothing could be kept for undo.",
                             "This is a bug in the caller: pass RunContext(holding=...).")
        return cls(directory)

    # ---- keeping ---------------------------------------------------------------------

    def keep(self, path: Path | str, hold_id: str | None = None, *, copy: bool = False) -> str:
        """Move ``path`` (a file or folder) into the holding area; return its id.

        With ``copy=True`` the original stays where it is and the holding area
        gets a hard link (same disk) or a copy: used before an overwrite, so the
        old content is safe before the new one replaces it atomically.
        """
        path = Path(path)
        hold_id = hold_id or new_id()
        item = self._prepare(hold_id, path)
        if copy:
            _link_or_copy(path, item)
        else:
            _move(path, item)
        return hold_id

    def slot(self, hold_id: str, original: Path | str) -> Path:
        """Prepare ``<id>/`` and return where the item goes, for callers that move it themselves.

        The files capability moves items relative to an open directory handle (so
        a swapped-in symlink cannot redirect it); it uses this to know the target.
        """
        return self._prepare(hold_id, Path(original))

    def _prepare(self, hold_id: str, original: Path) -> Path:
        _check_id(hold_id)
        folder = self.dir / hold_id
        if folder.exists():
            # A retry after a crash: the earlier attempt's leftovers are replaced.
            shutil.rmtree(folder)
        private_dirs(folder)
        meta = {"original": str(original), "kept": time.time(), "name": original.name}
        write_private(folder / _META, json.dumps(meta).encode("utf-8"))
        return folder / "item"

    # ---- planned content (preview → apply) --------------------------------------------

    def spool(self, details: Iterable[dict[str, Any]]) -> None:
        """Move planned content (``detail["data"]``) here, leaving ``detail["content"]``, a reference;
        identical content is kept once."""
        refs: dict[str, str] = {}
        for detail in details:
            data = detail.get("data")
            if not isinstance(data, bytes):
                continue
            digest = detail.get("sha256") or hashlib.sha256(data).hexdigest()
            if digest not in refs:
                refs[digest] = self.put_content(data)
            detail["content"] = refs[digest]
            del detail["data"]

    def put_content(self, data: bytes) -> str:
        """Keep content a plan will write until apply; return its reference (for ``detail``)."""
        ref = new_id()
        folder = self.dir / _PLANNED
        private_dirs(folder)
        write_private(folder / ref, data)
        return ref

    def content(self, ref: str, sha256: str) -> bytes:
        """The planned content ``ref``, checked against its digest; TargetMissing if it is gone."""
        _check_id(ref)
        try:
            data = (self.dir / _PLANNED / ref).read_bytes()
        except OSError:
            data = None
        if data is None or hashlib.sha256(data).hexdigest() != sha256:
            raise TargetMissing("The text this plan was to write is no longer where the preview left it.",
                                "Preview the chore again, then apply that preview.")
        return data

    def drop_content(self, refs: Iterable[str]) -> None:
        """Forget planned content once its run is over (applied, refused or only previewed)."""
        for ref in refs:
            _check_id(ref)
            with suppress(OSError):
                os.unlink(self.dir / _PLANNED / ref)

    def planned_bytes(self) -> int:
        """Bytes of planned content waiting for apply (counted in the holding area's size)."""
        return sum(size for _, size, _ in self._planned())

    def _planned(self) -> list[tuple[Path, int, float]]:
        folder = self.dir / _PLANNED
        if not folder.is_dir():
            return []
        found = []
        for p in folder.iterdir():
            with suppress(OSError):
                st = p.lstat()
                found.append((p, st.st_size, st.st_mtime))
        return found

    # ---- looking and restoring ------------------------------------------------------

    def has(self, hold_id: str) -> bool:
        """True when the item is here (complete: moved or copied in)."""
        _check_id(hold_id)
        return os.path.lexists(self.dir / hold_id / "item")

    def item(self, hold_id: str) -> Path:
        """Where the kept item is; TargetMissing if it was dropped."""
        path = self.dir / hold_id / "item"
        if not self.has(hold_id):
            raise TargetMissing(
                f"The kept copy {hold_id} is no longer in the holding area.",
                "It was removed by the holding area's clean-up; it cannot be brought back.",
            )
        return path

    def meta(self, hold_id: str) -> dict[str, Any]:
        """What was recorded when the item was kept (original path, time, name)."""
        try:
            return json.loads((self.dir / hold_id / _META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def restore(self, hold_id: str, dest: Path | str) -> None:
        """Put the item back at ``dest`` (which must not exist) and forget it."""
        dest = Path(dest)
        source = self.item(hold_id)
        if os.path.lexists(dest):
            raise TargetExists(
                f"Cannot put the kept copy back: {dest} exists.",
                "Move or rename what is there now, then undo again.",
            )
        _move(source, dest)
        self.forget(hold_id)

    def forget(self, hold_id: str) -> None:
        """Remove an item and its record (after a restore, or when it is no longer needed)."""
        _check_id(hold_id)
        shutil.rmtree(self.dir / hold_id, ignore_errors=True)

    def ids(self) -> list[str]:
        """Every id held, oldest first."""
        if not self.dir.is_dir():
            return []
        found = [(self._kept_at(p.name), p.name) for p in self.dir.iterdir()
                 if p.is_dir() and not p.name.startswith(".")]
        return [i for _, i in sorted(found)]

    # ---- size and retention ---------------------------------------------------------

    def size(self) -> int:
        """Bytes used by the items held (and planned content waiting for apply)."""
        return sum(self._item_size(i) for i in self.ids()) + self.planned_bytes()

    def prune(self, max_bytes: int, max_age_days: float, still_needed: Set[str]) -> list[str]:
        """Drop items older than ``max_age_days``, then the oldest until under ``max_bytes``.

        Never drops an id in ``still_needed``. Returns the ids dropped.
        """
        now = time.time()
        dropped: list[str] = []
        sizes = {i: self._item_size(i) for i in self.ids()}
        total = sum(sizes.values())
        for hold_id in list(sizes):  # oldest first
            if hold_id in still_needed:
                continue
            too_old = now - self._kept_at(hold_id) > max_age_days * 86400
            if too_old or total > max_bytes:
                self.forget(hold_id)
                total -= sizes[hold_id]
                dropped.append(hold_id)
        for path, _size, mtime in self._planned():  # previews never applied (or a crash long ago)
            if now - mtime > min(max_age_days, 1.0) * 86400:
                with suppress(OSError):
                    path.unlink()
        return dropped

    def _kept_at(self, hold_id: str) -> float:
        kept = self.meta(hold_id).get("kept")
        if isinstance(kept, int | float):
            return float(kept)
        try:
            return (self.dir / hold_id).stat().st_mtime
        except OSError:
            return 0.0

    def _item_size(self, hold_id: str) -> int:
        item = self.dir / hold_id / "item"
        try:
            st = item.lstat()
        except OSError:
            return 0
        if not item.is_dir() or item.is_symlink():
            return st.st_size
        total = 0
        for root, _dirs, files in os.walk(item):
            for name in files:
                try:
                    total += os.lstat(os.path.join(root, name)).st_size
                except OSError:
                    pass
        return total


def new_id() -> str:
    """A fresh holding id: sortable by time, unique."""
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:12]


def _check_id(hold_id: str) -> None:
    # Ids come from plans stored in the journal; never let one name a path.
    if not hold_id or any(c in hold_id for c in "/\\\0") or hold_id in (".", ".."):
        raise ValueError(f"not a holding id: {hold_id!r}")


def _move(source: Path, dest: Path) -> None:
    try:
        os.rename(source, dest)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise BackendError(f"Could not move {source} to {dest}: {exc.strerror}.",
                               "Check the disk and the permissions, then try again.") from exc
        # Another disk: copy (keeping modified times), then remove the original.
        if source.is_dir() and not source.is_symlink():
            shutil.copytree(source, dest, symlinks=True)
            shutil.rmtree(source)
        else:
            shutil.copy2(source, dest, follow_symlinks=False)
            os.unlink(source)


def _link_or_copy(source: Path, dest: Path) -> None:
    try:
        os.link(source, dest, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, dest, follow_symlinks=False)
