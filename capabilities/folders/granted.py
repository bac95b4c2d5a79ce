"""Granted folders: which folders a run may touch, and safe resolution of paths inside them.

Scripts name paths relative to a granted folder's label: ``Trip/IMG_0001.jpg``
(``Trip`` alone is the folder itself). Everything that touches a granted
folder goes through here:

- ``folder_grants`` turns the folders a person picked into grants with
  distinct labels (``Trip``, ``Trip-2``), refusing Errand's own folders, the
  filesystem root, missing folders, and folders inside each other (one file
  must have one name in a run).
- ``FolderSet`` checks a script's path (``capabilities.folders.names``: no spelling
  can leave a grant) and resolves it by walking its components from an open
  folder handle (``capabilities.folders.dirs.Dir``) with ``O_NOFOLLOW`` (never
  following a symlink, not even the last component), so a symlink swapped in
  during a run cannot redirect a read or a write; Errand's own folders are
  refused by identity on the way, and reads what is there (``lstat``,
  ``scan``, ``open_read``, ``differs``); the changes apply and undo make go
  through it (``capabilities.folders.changes``). A granted folder that is gone (for an
  undo after a restart) is refused per use, so the run's other folders still
  work.
- ``Stat`` is what a preview saw of an entry (its fingerprint).
- The run's view of them, with the preview's planned state, is
  ``capabilities.folders.overlay.view(context)``.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import stat as st_mod
import weakref
from collections.abc import Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from capabilities.base import Grant
from capabilities.errors import (
    GrantError,
    PathRefused,
    SourceChanged,
    TargetMissing,
)
from capabilities.folders.dirs import Dir, check_folder_path, is_link, open_folder, refusal
from capabilities.folders.names import check_new_name, is_temp_name, split_path

__all__ = ["FolderSet", "Stat", "check_grantable", "describe_folder", "folder_grants"]

_HAS_DIR_FD = os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd


# ---- what a preview saw of an entry ------------------------------------------------------

class Stat:
    """What was seen of a file or folder: enough to notice it changed before apply or undo.

    ``ino``/``dev`` come free with the ``lstat`` already made: a file replaced
    by another of the same size and time still has a new inode, and a rename
    keeps it, so undo can check the renamed file is the same one. A hash would
    mean reading every file (gigabytes for a photo folder) and break the
    preview's speed; hashes are used only for content Errand wrote itself.
    """

    __slots__ = ("dev", "ino", "kind", "mode", "mtime_ns", "size")

    def __init__(self, kind: str, size: int, mtime_ns: int, ino: int = 0, dev: int = 0,
                 mode: int = 0) -> None:
        self.kind, self.size, self.mtime_ns, self.ino, self.dev = kind, size, mtime_ns, ino, dev
        self.mode = mode  # permission bits, for the preview (exec bits); not part of the fingerprint

    @classmethod
    def of(cls, st: os.stat_result) -> Stat:
        kind = "folder" if st_mod.S_ISDIR(st.st_mode) else "file"
        return cls(kind, 0 if kind == "folder" else st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev,
                   st_mod.S_IMODE(st.st_mode))

    def fingerprint(self) -> dict[str, int | str]:
        """JSON for an action's ``detail``; folders are checked by identity only."""
        data: dict[str, int | str] = {"kind": self.kind}
        if self.kind == "file":
            data.update(size=self.size, mtime_ns=self.mtime_ns)
        if self.ino:
            data.update(ino=self.ino, dev=self.dev)
        return data

    def matches(self, fingerprint: Mapping[str, Any]) -> bool:
        """True when every fact recorded in ``fingerprint`` still holds (checked per action: kept lean)."""
        get = fingerprint.get
        if get("kind", self.kind) != self.kind:
            return False
        if self.kind == "file" and (get("size", self.size) != self.size
                                    or get("mtime_ns", self.mtime_ns) != self.mtime_ns):
            return False
        return not self.ino or (get("ino", self.ino) == self.ino and get("dev", self.dev) == self.dev)


def _regular(st: os.stat_result) -> bool:
    return st_mod.S_ISREG(st.st_mode) or st_mod.S_ISDIR(st.st_mode)


# ---- grants ------------------------------------------------------------------------------

def check_grantable(folder: str | Path, protected: Sequence[str | Path] = ()) -> Path:
    """The real path of a folder a person wants to grant; GrantError-family when it may not be.

    Refused: a relative path, a missing folder, a disk's top folder, Errand's
    own folders and anything inside them. A folder that merely *holds* one of
    Errand's folders (a home folder) may be granted: Errand's folders inside it
    stay out of reach (left out of listings, refused by identity on every walk,
    and a folder holding one can be neither moved nor deleted).
    """
    given = Path(folder).expanduser()
    if not given.is_absolute():
        raise PathRefused(f"{str(folder)!r} is not a full path to a folder.",
                          "Pick the folder again (e.g. ~/Pictures/Trip).")
    real = Path(os.path.realpath(given))
    if real.exists() and not real.is_dir():
        raise PathRefused(f"{given} is a file, not a folder.",
                          f"Give the folder that holds it instead ({given.parent}).")
    if not real.is_dir():
        raise TargetMissing(f"There is no folder {given}.", "Check the spelling, or create it first.")
    if real.parent == real:
        raise PathRefused(f"{given} is the top of a disk; granting it would expose every file.",
                          "Grant the folder that holds the files for this chore.")
    for guarded in protected:
        guarded = Path(os.path.realpath(guarded))
        if real == guarded or guarded in real.parents:
            raise PathRefused(f"{given} is Errand's own folder (its history, kept files and settings).",
                              "Grant the folder that holds the files for this chore instead.")
    return real


def folder_grants(folders: Sequence[tuple[str, str]], protected: Sequence[Path] = (),
                  capability: str = "files") -> list[Grant]:
    """Grants for ``[(path, "ro"|"rw"), ...]`` with distinct labels (``Trip``, ``Trip-2``).

    Refuses (see ``check_grantable``) Errand's own folders and anything inside
    them, a disk's top folder, paths that are not existing folders, and two
    folders inside each other.
    """
    grants: list[Grant] = []
    taken: set[str] = set()
    reals: list[Path] = []
    for path, mode in folders:
        if mode not in ("ro", "rw"):
            raise ValueError(f"mode must be 'ro' or 'rw', got {mode!r}")
        real = check_grantable(path, protected)
        for other in reals:
            if real == other or other in real.parents or real in other.parents:
                raise PathRefused(f"{path} and {other} overlap (one is inside the other).",
                                  "Grant just the outer folder.")
        reals.append(real)
        label = _label_for(Path(path).expanduser().name or real.name, taken)
        taken.add(label.casefold())
        grants.append(Grant(capability, str(real), mode, label))  # type: ignore[arg-type]
    return grants


def _label_for(name: str, taken: set[str]) -> str:
    base = name
    try:
        check_new_name(base)
    except PathRefused:
        base = "Folder"
    label, n = base, 1
    while label.casefold() in taken:
        n += 1
        label = f"{base}-{n}"
    return label


def describe_folder(grant: Grant) -> str:
    """Plain words for a folder grant, e.g. "Read and change files in ~/Pictures/Trip (…“Trip”)"."""
    shown = grant.target
    home = str(Path.home())
    if shown == home or shown.startswith(home + os.sep):
        shown = "~" + shown[len(home):]
    verb = "Read and change files in" if grant.mode == "rw" else "Read files in"
    return f"{verb} {shown} (scripts call it “{grant.label}”)"


# ---- the real folders of a run ---------------------------------------------------------------

class FolderSet:
    """The granted folders on disk, by label; every path is walked safely from its grant's root."""

    def __init__(self, protected: Sequence[Path] = ()) -> None:
        self.roots: dict[str, Path] = {}
        self.missing: dict[str, str] = {}  # label -> target of a granted folder that is gone
        self._root_text: dict[str, str] = {}
        self._label_at: dict[str, str] = {}  # a granted folder's path -> its label
        self._root_ids: dict[str, tuple[int, int]] = {}
        # Each granted folder is opened once and held for the run: the grant is to that
        # folder, so even if it is moved or replaced by a link, writes stay in it.
        self._root_fds: dict[str, int] = {}
        self._root_dirs: dict[str, Dir] = {}
        self._parts_of: dict[str, tuple[str, ...]] = {}  # apply and undo look each path up 2-3 times
        self._key_parts: dict[str, tuple[str, ...]] = {}  # the folders outcomes name (a few per run)
        weakref.finalize(self, _close_all, self._root_fds)
        self.modes: dict[tuple[str, str], str] = {}  # (capability, label) -> "ro" | "rw"
        self._protected = [os.path.realpath(p) for p in protected]
        self._guarded: set[tuple[int, int]] = set()
        for p in protected:
            try:
                s = os.stat(p)
                self._guarded.add((s.st_dev, s.st_ino))
            except OSError:
                continue

    def add(self, grant: Grant) -> str:
        """Add one folder grant; returns its label. Labels and folders must not clash.

        A granted folder that is gone (moved or deleted since the run, for an undo
        after a restart) is remembered as missing: each use of it is refused with
        that reason, and the rest of the run's folders still work.
        """
        try:
            real = check_grantable(grant.target, self._protected)
        except TargetMissing:
            label = grant.label or Path(grant.target).name
            self.missing[label] = grant.target
            self.modes.setdefault((grant.capability, label), grant.mode)
            return label
        label = grant.label or real.name
        check_new_name(label)
        for other_label, other in self.roots.items():
            if other_label == label and other != real:
                raise PathRefused(f"Two granted folders are both called {label!r}.",
                                  "Give them distinct names (folder_grants does this).")
            if other != real and (other in real.parents or real in other.parents):
                raise PathRefused(f"{real} and {other} overlap (one is inside the other).",
                                  "Grant just the outer folder.")
            if other == real and other_label != label:
                raise PathRefused(f"{real} is granted twice, as {other_label!r} and {label!r}.",
                                  "Use one name for one folder.")
        self.roots[label] = real
        self._root_text[label] = str(real)
        self._label_at[str(real)] = label
        st = os.stat(real)
        self._root_ids.setdefault(label, (st.st_dev, st.st_ino))
        mode = self.modes.get((grant.capability, label))
        self.modes[(grant.capability, label)] = "rw" if "rw" in (mode, grant.mode) else "ro"
        return label

    # ---- addressing ------------------------------------------------------------------

    def parts(self, path: str) -> tuple[str, ...]:
        """Split a script's path and check its first part names a granted folder."""
        parts = split_path(path)
        if parts[0] in self.missing:
            raise self._gone(self.missing[parts[0]])
        if parts[0] not in self.roots:
            granted = ", ".join(repr(x) for x in sorted(self.roots)) or "none"
            raise PathRefused(f"{path!r} is not inside a granted folder.",
                              f"Paths start with a granted folder's name; granted: {granted}.")
        return parts

    def key_parts(self, key: str) -> tuple[str, ...]:
        """``parts`` of a folder named in an outcome (``"Trip/sub"``; undo reads one per action),
        checked once per run and remembered."""
        found = self._key_parts.get(key)
        if found is None:
            if len(self._key_parts) > 10_000:
                self._key_parts.clear()
            found = self._key_parts[key] = self.parts(key)
        return found

    def absolute(self, parts: Sequence[str]) -> str:
        root = self._root_text[parts[0]]
        return root if len(parts) == 1 else root + os.sep + os.sep.join(parts[1:])

    def granted(self, capability: str, absolute: str, *, write: bool = False) -> tuple[str, ...]:
        """Parts of an absolute path from a plan, checking again that ``capability`` may read/change it."""
        parts = self.parts_of(absolute)
        if not self._may(capability, parts[0], write):
            raise GrantError(f"This run may not {'change' if write else 'read'} {absolute}.",
                             "Grant the folder (with changes allowed), then apply again.")
        return parts

    def parts_of(self, absolute: str) -> tuple[str, ...]:
        """The grant-relative parts of an absolute path recorded in a plan (checked again)."""
        found = self._parts_of.get(absolute)
        if found is None:
            if len(self._parts_of) > 100_000:
                self._parts_of.clear()
            found = self._parts_of[absolute] = self._split_absolute(absolute)
        return found

    def entry_granted(self, capability: str, absolute: str, *, write: bool = False) -> tuple[str, str] | None:
        """``(label, name)`` of an absolute path right in a granted folder that ``capability``
        may read/change (as ``granted`` checks it), else None: anything deeper, refused or
        not granted, which ``granted`` then walks and words. Nothing is remembered (a large
        rename asks this once for each of 100,000s of paths)."""
        found = self._right_in_grant(absolute)
        if found is None or not self._may(capability, found[0], write):
            return None
        label, name = found
        try:
            parts = split_path(name)
        except PathRefused:
            return None
        return (label, name) if len(parts) == 1 else None

    def _may(self, capability: str, label: str, write: bool) -> bool:
        """Whether ``capability`` was granted the folder ``label`` (for changes, if ``write``)."""
        mode = self.modes.get((capability, label))
        return mode is not None and (not write or mode == "rw")

    def _right_in_grant(self, absolute: str) -> tuple[str, str] | None:
        """``(label, last)`` for an absolute path whose folder is a granted folder itself (grants
        never overlap, so one dict look-up finds it), else None; ``last`` is not checked yet."""
        head, _, last = absolute.rpartition(os.sep)
        label = self._label_at.get(head)
        return (label, last) if label is not None and last else None

    def _split_absolute(self, absolute: str) -> tuple[str, ...]:
        right_in = self._right_in_grant(absolute)
        if right_in is not None:
            return (right_in[0], *split_path(right_in[1]))
        for label, root in self._root_text.items():
            if absolute == root:
                return (label,)
            if absolute.startswith(root) and absolute[len(root)] == os.sep:
                rest = absolute[len(root) + 1:]
                return (label, *split_path(rest.replace(os.sep, "/") if os.sep != "/" else rest))
        for target in self.missing.values():
            if absolute == target or absolute.startswith(target.rstrip(os.sep) + os.sep):
                raise self._gone(target)
        raise PathRefused(f"{absolute} is not inside a folder granted to this run.",
                          "Grant the folder again, then retry.")

    @staticmethod
    def _gone(target: str) -> TargetMissing:
        return TargetMissing(f"The granted folder {target} is no longer there.",
                             "Put it back where it was (or grant it again), then retry.")

    # ---- walking ---------------------------------------------------------------------

    def root(self, label: str) -> Dir:
        """The granted folder's shared handle (closing it is a no-op; the run closes it)."""
        path = self._root_text[label]
        if not _HAS_DIR_FD:
            check_folder_path(path)
            return Dir(None, path)
        cached = self._root_dirs.get(label)
        if cached is not None:
            return cached
        fd = self._root_fds.get(label)
        if fd is None:
            try:
                fd = open_folder(path)
            except OSError as exc:
                raise refusal(exc, path) from None
            st = os.fstat(fd)
            if (st.st_dev, st.st_ino) != self._root_ids[label]:
                os.close(fd)
                raise PathRefused(f"The granted folder {path} was replaced by another one.",
                                  "Grant the folder again, then retry.")
            self._root_fds[label] = fd
        found = self._root_dirs[label] = Dir(fd, path, owned=False)
        return found

    def close(self) -> None:
        """Close the granted folders' handles (also done when the FolderSet is collected)."""
        self._root_dirs.clear()
        _close_all(self._root_fds)

    def folder(self, parts: Sequence[str]) -> Dir:
        """Open the folder at ``parts`` (the caller closes it)."""
        current = self.root(parts[0])
        try:
            for name in parts[1:]:
                nxt = current.sub(name)
                current.close()
                current = nxt
                self._refuse_guarded(current)
        except BaseException:
            current.close()
            raise
        return current

    def folder_stat(self, parts: Sequence[str]) -> os.stat_result:
        """The status of the folder at ``parts``, walked to as ``folder`` walks (apply reads the
        times of the folders it changes before and after every action)."""
        d = self.folder(parts)
        try:
            return os.fstat(d.fd) if d.fd is not None else os.stat(d.path)
        finally:
            d.close()

    def parent(self, parts: Sequence[str]) -> _Parent:
        """``with folders.parent(parts) as (folder, name)``: the open parent folder and the last name.

        A grant's folder itself has no parent and cannot be changed.
        """
        if len(parts) < 2:
            raise PathRefused(f"{parts[0]!r} is a granted folder itself; it cannot be changed.",
                              f"Use a path inside it, like '{parts[0]}/name'.")
        return _Parent(self.folder(parts[:-1]), parts[-1])

    def refuse_holding_errand(self, parts: Sequence[str]) -> None:
        """Refuse to move or delete a folder that holds one of Errand's own folders."""
        inside = self.absolute(parts) + os.sep
        for guarded in self._protected:
            if (guarded + os.sep).startswith(inside):
                raise PathRefused(f"{self.absolute(parts)} holds Errand's own folder ({guarded}); "
                                  "it cannot be moved or deleted by a script.",
                                  "Choose the folders inside it that the chore is about.")

    def _refuse_guarded(self, d: Dir) -> None:
        if not self._guarded:
            return
        s = os.fstat(d.fd) if d.fd is not None else os.stat(d.path)
        if (s.st_dev, s.st_ino) in self._guarded:
            raise PathRefused(f"{d.path} is Errand's own folder.", "Scripts cannot use it.")

    # ---- reading (the overlay's Reader) -----------------------------------------------

    def lstat(self, parts: Sequence[str]) -> Stat | None:
        """What is at ``parts`` now (None when absent); links and special files are refused."""
        if len(parts) == 1:
            with self.root(parts[0]) as d:
                return Stat.of(os.fstat(d.fd) if d.fd is not None else os.stat(d.path))
        folder = self.folder(parts[:-1])  # (parent()'s walk without its context object: per action)
        try:
            st = folder.lstat(parts[-1])
        finally:
            folder.close()
        if st is None:
            return None
        if is_link(st):
            raise refusal(OSError(errno.ELOOP, "link"), self.absolute(parts))
        if not _regular(st):
            raise PathRefused(f"{self.absolute(parts)} is not a regular file or folder.",
                              "Only ordinary files and folders can be used.")
        if st_mod.S_ISDIR(st.st_mode) and (st.st_dev, st.st_ino) in self._guarded:
            raise PathRefused(f"{self.absolute(parts)} is Errand's own folder.", "Scripts cannot use it.")
        return Stat.of(st)

    def scan(self, real: str) -> dict[str, Stat]:
        """Children of a granted folder: regular files and folders only (links are left out)."""
        with self.folder(tuple(real.split("/"))) as d:
            return {name: Stat.of(st) for name, st in d.scan()
                    if _regular(st) and (st.st_dev, st.st_ino) not in self._guarded
                    and not is_temp_name(name)  # a crashed write's
                    and not is_link(st)}

    def read_bytes(self, parts: Sequence[str], limit: int | None = None) -> bytes:
        with self.parent(parts) as (d, name):
            return d.read(name, limit)

    def open_read(self, parts: Sequence[str]) -> io.BufferedReader:
        """The regular file at ``parts`` opened for reading (its folder's handle is closed already)."""
        with self.parent(parts) as (d, name):
            return d.open_read(name)

    def differs(self, parts: Sequence[str], fingerprint: Mapping[str, Any] | None) -> str | None:
        """Why the entry at ``parts`` is not as ``fingerprint`` says (None: it is as recorded).

        ``fingerprint`` None means "nothing should be there". A ``sha256`` in it
        (content Errand planned itself) is checked by reading the file.
        """
        now = self.lstat(parts)
        if fingerprint is None:
            return None if now is None else f"{self.absolute(parts)} exists now (it did not at preview)"
        if now is None:
            return f"{self.absolute(parts)} is gone"
        if now.kind != fingerprint.get("kind", now.kind):
            return f"{self.absolute(parts)} is now a {now.kind}"
        if not now.matches(fingerprint):
            return f"{self.absolute(parts)} was changed (its size or modified time differ)" \
                if now.kind == "file" else f"{self.absolute(parts)} was replaced by another folder"
        if "sha256" in fingerprint:
            with self.open_read(parts) as f:
                if hashlib.file_digest(f, "sha256").hexdigest() != fingerprint["sha256"]:
                    return f"{self.absolute(parts)} has different content"
        return None  # (the path's words are made only for a refusal: apply checks every action)

    def check_unchanged(self, parts: Sequence[str], fingerprint: Mapping[str, Any] | None, what: str) -> None:
        """Refuse (``SourceChanged``) to apply ``what`` when the entry is not as the preview saw it."""
        reason = self.differs(parts, fingerprint)
        if reason is not None:
            raise SourceChanged(f"{what}: {reason} since the preview.",
                                "Preview the chore again to see the current state.")


class _Parent:
    """``(Dir, name)`` for a ``with`` block; a class, not a generator, as it runs per action."""

    __slots__ = ("dir", "name")

    def __init__(self, folder: Dir, name: str) -> None:
        self.dir, self.name = folder, name

    def __enter__(self) -> tuple[Dir, str]:
        return self.dir, self.name

    def __exit__(self, *exc: object) -> None:
        self.dir.close()


def _close_all(fds: dict[str, int]) -> None:
    for fd in fds.values():
        with suppress(OSError):
            os.close(fd)
    fds.clear()
