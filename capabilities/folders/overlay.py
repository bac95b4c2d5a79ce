"""The overlay: the planned state of the granted folders during a preview, and the run's view of it.

A preview runs a script with reads real and writes simulated. ``Overlay`` is
a lazily built tree of ``Node`` objects over the real folders: a directory's
children are read from disk once (through a ``Reader``), then every planned
write edits the tree, so later reads in the same script see the planned state
— a renamed file is listed under its new name, a deleted one is gone, a
written one reads back its new text. The overlay only ever reads the disk.

Every step is O(path depth): a rename moves one node between two children
maps, so a plan of 10,000 renames costs 10,000 dictionary moves, and a
renamed folder takes its whole (possibly already edited) subtree with it.

A node remembers ``source``: where its bytes are on disk right now (the
grant-relative path the preview read it from), so reading a planned-renamed
file's new name reads its source, and ``stat``: the fingerprint seen at
preview, which apply checks before acting.

``FolderView`` is what capabilities use (one per run, ``folders.view(context)``):
grant checks, lookups with helpful misses, listing, reading through the
overlay, and planning new entries (``check_target``, ``plan_new_file``).
It also says what a planned write *does*, for the preview: whether it could
make a program run (``write_risk``, policy in ``capabilities.risk``) and what
a folder to delete holds (``folder_content``: files, bytes and a digest of
names, sizes and times, which apply checks again). Every path and walk
charges the run's ``Budget``, so a deep or huge tree ends the run instead of
the host's patience.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO, Protocol

from capabilities.base import Grant, RunContext
from capabilities.budget import Budget
from capabilities.errors import GrantError, PathRefused, TargetExists, TargetMissing
from capabilities.folders.granted import FolderSet, Stat
from capabilities.folders.holding import new_id
from capabilities.folders.names import check_kept_name, check_new_name
from capabilities.risk import content_risk, mode_risk, path_risk

__all__ = ["FolderView", "Node", "Overlay", "Reader", "content_digest", "fingerprint_of", "fold", "view"]

MAX_PATH_CHARS = 4096  # no system opens a longer path
MAX_DEPTH = 128  # deeper is no chore's; host work (and every apply walk) grows with depth

# "Just modified": a same-size edit could still share the file's time tick. A time in whole
# seconds means a coarse clock (FAT keeps 2 s, HFS+ 1 s); finer clocks tick in milliseconds.
RECENT_COARSE_NS = 5 * 10**9
RECENT_FINE_NS = 100 * 10**6
HASH_RECENT_LIMIT = 64 * 1024 * 1024  # larger recent files rely on size, time and inode alone


class Reader(Protocol):
    """Reads the real folders for the overlay (``folders.FolderSet`` is the real one)."""

    def scan(self, real: str) -> dict[str, Stat]:
        """Children of the real folder ``real`` (grant-relative), only regular files and folders."""
        ...


@dataclass(eq=False, slots=True)
class Node:
    """One file or folder in the planned state (slots: a preview can hold 100,000s)."""

    kind: str  # "file" | "folder"
    source: str | None  # grant-relative path of its bytes on disk now; None for a planned new one
    stat: Stat | None  # as seen at preview; None for a planned new one
    data: bytes | None = None  # planned content (write_text)
    produced: str = ""  # made at apply by another capability (e.g. "photos.resize"); unreadable now
    planned_ns: int = field(default_factory=time.time_ns)  # shown as the modified time of planned content
    mode: int = 0  # planned content's permissions when known (it keeps a replaced file's)
    children: dict[str, Node] | None = field(default=None, repr=False)
    # Its children's names by ``fold``: one name, or the list of those that fold alike (rare).
    _folded: dict[str, str | list[str]] | None = field(default=None, repr=False)

    @property
    def is_folder(self) -> bool:
        return self.kind == "folder"

    @property
    def planned(self) -> bool:
        """True when the preview changed its content (or it does not exist yet)."""
        return self.data is not None or bool(self.produced) or self.stat is None


def fold(name: str) -> str:
    """The form two names share if some OS would take them for the same entry (case, NFC/NFD)."""
    if name.isascii():  # the same as the general form below, for the common case, faster
        lower = name.lower()
        return name if lower == name else lower  # a lower-case name is its own form: kept once
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def _fold_in(folded: dict[str, str | list[str]], name: str) -> None:
    key = fold(name)
    alike = folded.get(key)
    if alike is None:
        folded[key] = name
    elif isinstance(alike, str):
        folded[key] = [alike, name]
    else:
        alike.append(name)


def _fold_out(folded: dict[str, str | list[str]], name: str) -> None:
    key = fold(name)
    alike = folded.get(key)
    if alike == name:
        del folded[key]
    elif isinstance(alike, list) and name in alike:
        alike.remove(name)
        if len(alike) == 1:
            folded[key] = alike[0]


class Overlay:
    """The planned tree over the granted folders, addressed by grant-relative paths."""

    def __init__(self, reader: Reader, budget: Budget | None = None) -> None:
        self._reader = reader
        self._roots: dict[str, Node] = {}
        self.budget = budget or Budget()

    def add_root(self, label: str, stat: Stat) -> None:
        """Make a granted folder addressable as ``label``."""
        self._roots[label] = Node("folder", label, stat)

    def forget(self) -> None:
        """Drop the planned tree: every folder read and every planned entry (a folder of 100,000
        photos is 100,000 nodes). The granted folders stay; a later look reads the disk again."""
        self._roots = {label: Node("folder", label, root.stat) for label, root in self._roots.items()}

    # ---- looking up ----------------------------------------------------------------

    def get(self, parts: tuple[str, ...]) -> Node | None:
        """The node at ``(label, name, ...)`` in the planned state, or None."""
        node = self._roots.get(parts[0])
        for name in parts[1:]:
            if node is None or not node.is_folder:
                return None
            node = self.children(node).get(name)
        return node

    def children(self, node: Node) -> dict[str, Node]:
        """A folder's entries in the planned state (read from disk the first time)."""
        if node.children is None:
            node.children = {}
            if node.source is not None and node.stat is not None:
                found = self._reader.scan(node.source)
                self.budget.charge_entries(len(found))  # each becomes a node in host memory
                for name, st in found.items():  # as on disk: no planned content, so no planned time
                    node.children[name] = Node(st.kind, f"{node.source}/{name}", st, planned_ns=0)
        return node.children

    def clash(self, folder: Node, name: str) -> str | None:
        """The name of a *different* entry in ``folder`` that some OS would confuse with ``name``."""
        if folder._folded is None:
            folder._folded = {}
            for n in self.children(folder):
                _fold_in(folder._folded, n)
        alike = folder._folded.get(fold(name), ())
        others = [n for n in ((alike,) if isinstance(alike, str) else alike) if n != name]
        return others[0] if others else None

    def walk(self, parts: tuple[str, ...], recursive: bool,
             hidden: bool = True) -> Iterator[tuple[tuple[str, ...], Node]]:
        """Entries under the folder at ``parts``: depth first if ``recursive``, dot-names if ``hidden``."""
        folder = self.get(parts)
        if folder is None or not folder.is_folder:
            return
        for name, child in self.children(folder).items():
            self.budget.check(every=256)
            if not hidden and name.startswith("."):
                continue
            path = (*parts, name)
            yield path, child
            if recursive and child.is_folder:
                yield from self.walk(path, True, hidden)

    # ---- planned changes -----------------------------------------------------------

    def put(self, parts: tuple[str, ...], node: Node) -> Node | None:
        """Place ``node`` at ``parts`` (the parent must exist); return what it replaced."""
        parent = self._parent(parts)
        kids = self.children(parent)
        old = kids.get(parts[-1])
        if old is None and parent._folded is not None:
            _fold_in(parent._folded, parts[-1])
        kids[parts[-1]] = node
        return old

    def remove(self, parts: tuple[str, ...]) -> Node:
        """Take the node at ``parts`` out of the planned tree and return it."""
        parent = self._parent(parts)
        node = self.children(parent).pop(parts[-1])
        if parent._folded is not None:
            _fold_out(parent._folded, parts[-1])
        return node

    def move(self, src: tuple[str, ...], dst: tuple[str, ...]) -> Node | None:
        """Move a node (and, for a folder, its whole planned subtree); return what dst replaced."""
        node = self.remove(src)
        return self.put(dst, node)

    def _parent(self, parts: tuple[str, ...]) -> Node:
        parent = self.get(parts[:-1])
        if parent is None or not parent.is_folder:
            raise KeyError("/".join(parts[:-1]))
        return parent


class FolderView:
    """A run's granted folders as its script sees them: real reads plus the planned state.

    One per run (``folders.view(context)``), shared by every capability, so a
    file planned by ``files`` is visible to ``photos`` and the other way round.
    Paths are grant-relative (``Trip/IMG_0001.jpg``). Each call checks the
    calling capability's own grant for that folder.
    """

    def __init__(self, folders: FolderSet, budget: Budget | None = None) -> None:
        self.folders = folders
        self.budget = budget or Budget()
        self.overlay = Overlay(folders, self.budget)

    def end_run(self) -> None:
        """The script is over: its planned state is not needed any more (apply works from the plan
        and the disk, a preview's diffs read the disk), so it goes now (``Overlay.forget``)."""
        self.overlay.forget()

    # ---- grants --------------------------------------------------------------------

    def add_grants(self, grants: Sequence[Grant]) -> None:
        """Make folder grants addressable (idempotent: the same folder may be granted twice)."""
        for grant in grants:
            label = self.folders.add(grant)
            if label not in self.folders.missing and self.overlay.get((label,)) is None:
                root = self.folders.lstat((label,))
                assert root is not None
                self.overlay.add_root(label, root)

    def labels(self, capability: str) -> list[str]:
        """Folder names a capability was granted, for messages and prompts."""
        return sorted(label for cap, label in self.folders.modes if cap == capability)

    def parts(self, capability: str, path: str, *, write: bool = False) -> tuple[str, ...]:
        """Split and check a script's path: inside a folder this capability was granted, writable if asked."""
        self.budget.check(every=64)
        if isinstance(path, str) and len(path) > MAX_PATH_CHARS:
            raise PathRefused(f"A path of {len(path):,} characters is longer than any system allows.",
                              f"Use paths under {MAX_PATH_CHARS:,} characters.")
        parts = self.folders.parts(path)
        if len(parts) > MAX_DEPTH:
            raise PathRefused(f"{'/'.join(parts[:3])}/… is nested {len(parts)} folders deep.",
                              f"Keep folders under {MAX_DEPTH} levels deep.")
        mode = self.folders.modes.get((capability, parts[0]))
        if mode is None:
            granted = ", ".join(repr(x) for x in self.labels(capability)) or "none"
            raise GrantError(f"{capability} was not granted the folder {parts[0]!r}.",
                             f"Folders granted to {capability}: {granted}.")
        if write and mode != "rw":
            raise GrantError(f"The folder {parts[0]!r} was granted read-only; {path!r} cannot be changed.",
                             "Ask the person to grant it with changes allowed, or only read from it.")
        return parts

    # ---- reading the planned state ---------------------------------------------------

    def node(self, parts: tuple[str, ...]) -> Node:
        """The planned entry at ``parts``; TargetMissing (with a near match, if any) when absent."""
        found = self.overlay.get(parts)
        if found is not None:
            return found
        shown = "/".join(parts)
        hint = "List the folder with files.list() to see what is there."
        depth = len(parts) - 1  # the deepest existing folder on the way
        while depth > 0 and self.overlay.get(parts[:depth]) is None:
            depth -= 1
        parent = self.overlay.get(parts[:depth])
        if parent is not None and parent.is_folder:
            name = parts[depth]
            if parent.source is not None and name not in self.overlay.children(parent):
                # Left out of the listing on purpose? Say why: a link, a pipe, Errand's own folder.
                self.folders.lstat((*parent.source.split("/"), name))
            near = self.overlay.clash(parent, name)
            if near is not None and depth == len(parts) - 1:
                hint = f"Did you mean {'/'.join((*parts[:-1], near))!r}? Names must match exactly."
        raise TargetMissing(f"There is no {shown!r}.", hint)

    def exists(self, parts: tuple[str, ...]) -> bool:
        return self.overlay.get(parts) is not None

    def folder_node(self, parts: tuple[str, ...]) -> Node:
        found = self.node(parts)
        if not found.is_folder:
            raise TargetMissing(f"{'/'.join(parts)!r} is a file, not a folder.",
                                "Pass the folder that holds it.")
        return found

    def list(self, parts: tuple[str, ...], pattern: str = "*", recursive: bool = False) -> list[str]:
        """Sorted grant-relative paths under a folder whose names match ``pattern`` (any case).

        As in a shell, hidden entries (``.DS_Store``, ``._IMG_0001.jpg`` from a
        camera card, ``.git``) are left out, and not descended into, unless the
        pattern itself starts with a dot.
        """
        self.folder_node(parts)
        wanted = pattern.casefold()
        hidden = pattern.startswith(".")
        return sorted("/".join(p) for p, _ in self.overlay.walk(parts, recursive, hidden)
                      if fnmatch.fnmatchcase(p[-1].casefold(), wanted))

    def describe(self, parts: tuple[str, ...]) -> dict[str, Any]:
        """What ``files.stat`` returns for an entry in the planned state."""
        found = self.node(parts)
        st = found.stat
        if st is not None and found.data is None and not found.produced:
            size: int | None = st.size
            mtime_ns = st.mtime_ns
        else:  # planned new content: it will be written at apply, "now" is the best guess
            size = len(found.data) if found.data is not None else None
            mtime_ns = found.planned_ns
        return {
            "path": "/".join(parts),
            "name": parts[-1],
            "is_folder": found.is_folder,
            "size": 0 if found.is_folder else size,
            "modified": datetime.fromtimestamp(mtime_ns / 1e9, UTC).astimezone().isoformat(),
            "modified_epoch": mtime_ns / 1e9,
            "planned": found.planned,
        }

    def read_bytes(self, parts: tuple[str, ...], limit: int | None = None) -> bytes:
        """A file's content in the planned state (a renamed file's new name reads its source)."""
        found = self.node(parts)
        if found.is_folder:
            raise TargetMissing(f"{'/'.join(parts)!r} is a folder, not a file.",
                                "Use files.list() to see what is inside it.")
        if found.data is not None:
            return found.data if limit is None else found.data[:limit]
        if found.produced or found.source is None:
            raise TargetMissing(f"{'/'.join(parts)!r} is made only when the plan is applied "
                                f"(by {found.produced or 'an earlier step'}); it cannot be read yet.",
                                "Read the file it is made from instead.")
        return self.folders.read_bytes(tuple(found.source.split("/")), limit)

    def open_planned(self, parts: tuple[str, ...]) -> BinaryIO:
        """A file in the planned state, opened for reading without reading it whole: its bytes on
        disk where it has some, the planned content otherwise (or ``read_bytes``' clear refusal)."""
        node = self.node(parts)
        if node.is_folder or node.data is not None or node.produced or node.source is None:
            return io.BytesIO(self.read_bytes(parts))
        return self.folders.open_read(tuple(node.source.split("/")))

    def source_path(self, parts: tuple[str, ...]) -> str:
        """The absolute path where an existing file's bytes are on disk now (for readers like vision).

        Read it only through ``folders.read_bytes``-style safe resolution; this
        is for messages and caches keyed by path.
        """
        found = self.node(parts)
        if found.source is None:
            raise TargetMissing(f"{'/'.join(parts)!r} does not exist on disk yet.",
                                "It is made when the plan is applied.")
        return self.folders.absolute(found.source.split("/"))

    def fingerprint(self, parts: tuple[str, ...]) -> dict[str, Any]:
        """What apply checks about this entry before acting on it (see ``fingerprint_of``)."""
        return self.fingerprint_node(self.node(parts))

    def fingerprint_node(self, node: Node) -> dict[str, Any]:
        """``fingerprint_of`` plus a content hash for a file modified within its clock's last tick.

        Size and modified time miss an edit that keeps the size within one tick
        of the disk's clock (2 s on FAT); only a file that recent is read and
        hashed, so a preview over old photos (or fresh files on a fine clock) reads nothing.
        """
        found = self.fingerprint_kept(node)
        return found.fingerprint() if isinstance(found, Stat) else found

    def fingerprint_kept(self, node: Node) -> Stat | dict[str, Any]:
        """``fingerprint_node``, or the node's own ``Stat`` when the fingerprint is only that
        (``Stat.fingerprint``): a plan of 100,000 renames keeps no fingerprint dict per file while
        its script runs (a ``Stat`` never changes; a node that changes gets a new one)."""
        st = node.stat
        if st is None or node.data is not None:
            return fingerprint_of(node)
        if (st.kind == "file" and node.source is not None and not node.produced
                and st.size <= HASH_RECENT_LIMIT
                and time.time_ns() - st.mtime_ns
                < (RECENT_COARSE_NS if st.mtime_ns % 10**9 == 0 else RECENT_FINE_NS)):
            data = self.folders.read_bytes(tuple(node.source.split("/")))
            found = st.fingerprint()
            found["sha256"] = hashlib.sha256(data).hexdigest()
            return found
        return st

    # ---- planning changes ------------------------------------------------------------

    def check_target(self, parts: tuple[str, ...], *, overwrite: bool,
                     moving: Node | None = None, kept_name: bool = False) -> Node | None:
        """Check a new entry may be created at ``parts``; return the file it would replace.

        Refuses an unsafe name, a missing parent, a clash with a different entry
        that some OS would treat as the same name, and an existing entry unless
        ``overwrite`` (files only; a folder is never replaced). ``kept_name``: the
        entry keeps the name it already has on this disk, so only a disguising
        name is refused, not one that is merely not portable; and two entries
        that already sit side by side on disk (``Invoice.pdf``, ``invoice.pdf``)
        may do so again.
        """
        shown = "/".join(parts)
        if len(parts) < 2:
            raise PathRefused(f"{shown!r} is a granted folder itself; it cannot be replaced.",
                              f"Use a path inside it, like '{shown}/name'.")
        (check_kept_name if kept_name else check_new_name)(parts[-1])
        parent = self.overlay.get(parts[:-1])
        if parent is None or not parent.is_folder:
            raise TargetMissing(f"The folder {'/'.join(parts[:-1])!r} does not exist.",
                                "Create it first with files.mkdir().")
        existing = self.overlay.children(parent).get(parts[-1])
        near = self.overlay.clash(parent, parts[-1])
        if near is not None and self.overlay.children(parent).get(near) is not moving and not (
                kept_name and self._side_by_side(near, self.overlay.children(parent).get(near), moving,
                                                 parts)):
            raise TargetExists(
                f"{shown!r} would clash with the existing {'/'.join((*parts[:-1], near))!r} "
                "(same name apart from letter case or accents; some systems cannot keep both).",
                "Choose a clearly different name.")
        if existing is None or existing is moving:
            return None
        if existing.is_folder or (moving is not None and moving.is_folder):
            raise TargetExists(f"{shown!r} already exists and is a folder; folders are never replaced.",
                               "Choose another name.")
        if not overwrite:
            raise TargetExists(f"{shown!r} already exists.",
                               "Choose another name, or pass overwrite=True to replace it "
                               "(the old file is kept so undo can bring it back).")
        return existing

    @staticmethod
    def _side_by_side(name: str, near: Node | None, moving: Node | None, parts: tuple[str, ...]) -> bool:
        """True when ``near`` (called ``name``) and ``moving`` (going to ``parts``) keep the names
        they have on disk now, in one folder of the granted folder they stay in: the disk keeps both."""
        if near is None or moving is None or near.source is None or moving.source is None:
            return False
        folder, _, own = near.source.rpartition("/")
        return ((own, folder.split("/")[0]) == (name, parts[0])
                and moving.source.rpartition("/") == (folder, "/", parts[-1]))

    def plan_new_file(self, capability: str, path: str, *, overwrite: bool = False,
                      data: bytes | None = None, produced: str = "") -> dict[str, Any]:
        """Plan a file that appears at apply (``data`` now, or made by ``produced``, e.g. photos.resize).

        Returns facts for the action's ``detail``: ``path`` (absolute),
        ``replaces`` (the fingerprint of a file it overwrites, or None) and
        ``hold_id`` (where the overwritten file will be kept).
        """
        parts = self.parts(capability, path, write=True)
        replaced = self.check_target(parts, overwrite=overwrite)
        made = produced if data is None else ""
        absolute = self.folders.absolute(parts)
        risk = self.write_risk(absolute, data=data, replaced=replaced)
        if data is not None:
            self.budget.charge_planned(len(data))
        self.charge_kept(replaced)
        kept_mode = (replaced.stat.mode if replaced.stat is not None else replaced.mode) if replaced else 0
        self.overlay.put(parts, Node("file", None, None, data=data, produced=made, mode=kept_mode))
        facts: dict[str, Any] = {
            "path": absolute,
            "replaces": fingerprint_of(replaced) if replaced is not None else None,
            "hold_id": new_id() if replaced is not None else None,
        }
        if risk:
            facts["risk"] = risk
        return facts

    # ---- what a planned change does (for the preview, and checked again at apply) --------

    def write_risk(self, absolute: str, *, data: bytes | None = None, replaced: Node | None = None,
                   was: str | None = None) -> str | None:
        """Why a file made at ``absolute`` could make a program run (``capabilities.risk``), or None.

        ``was``: where a moved or copied file comes from (absolute). A replaced
        file's permissions stay, so new content in an executable is a program.
        """
        found = path_risk(absolute, was=was)
        if found is None and data and was is None:
            found = content_risk(data)
        if found is None and replaced is not None and not replaced.is_folder:
            found = mode_risk(replaced.stat.mode if replaced.stat is not None else replaced.mode)
        return found

    def charge_kept(self, node: Node | None) -> None:
        """Count what apply will keep in the holding area for ``node`` (replaced or deleted)."""
        if node is None:
            return
        if node.is_folder:
            self.budget.charge_holding(self.folder_content(node)["bytes"])
        else:
            self.budget.charge_holding(len(node.data) if node.data is not None else
                                       node.stat.size if node.stat is not None else 0)

    def folder_content(self, folder: Node) -> dict[str, Any]:
        """What a folder holds in the planned state: ``files``, ``folders``, ``bytes`` and ``sha256``.

        The digest covers every entry's path, kind, size and modified time
        (``content_digest``); entries the plan itself makes, whose size or time
        is known only at apply, are listed in ``unsure`` and checked by name and kind.
        """
        entries: list[tuple[str, str, int | None, int | None]] = []
        unsure: list[str] = []
        files = folders = size = 0
        stack: list[tuple[str, Node]] = [("", folder)]
        while stack:
            prefix, node = stack.pop()
            for name, child in self.overlay.children(node).items():
                self.budget.check(every=256)
                rel = f"{prefix}{name}"
                if child.is_folder:
                    folders += 1
                    entries.append((rel, "folder", None, None))
                    stack.append((rel + "/", child))
                    continue
                files += 1
                known = child.data is None and not child.produced and child.stat is not None
                if child.data is not None:
                    size += len(child.data)
                elif child.stat is not None:
                    size += child.stat.size
                if not known:
                    unsure.append(rel)
                entries.append((rel, "file", child.stat.size if known else None,  # type: ignore[union-attr]
                                child.stat.mtime_ns if known else None))  # type: ignore[union-attr]
        found: dict[str, Any] = {"files": files, "folders": folders, "bytes": size,
                                 "sha256": content_digest(entries)}
        if unsure:
            found["unsure"] = sorted(unsure)
        return found


def content_digest(entries: Sequence[tuple[str, str, int | None, int | None]]) -> str:
    """SHA-256 of a folder's entries ``(relative path, kind, size, mtime_ns)``, in name order
    (None: not known, so not checked). The preview and apply both compute it."""
    digest = hashlib.sha256()
    for rel, kind, size, mtime in sorted(entries):
        digest.update(f"{rel}\0{kind}\0{'' if size is None else size}\0{'' if mtime is None else mtime}\n"
                      .encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def fingerprint_of(node: Node) -> dict[str, Any]:
    """What apply checks about an entry: the preview's stat, or for planned content its hash."""
    if node.data is not None:
        return {"kind": "file", "size": len(node.data), "sha256": hashlib.sha256(node.data).hexdigest()}
    if node.stat is None:
        return {"kind": node.kind}  # made by an earlier action of the same plan
    return node.stat.fingerprint()


def view(context: RunContext) -> FolderView:
    """The run's folders and planned state, created once per ``RunContext`` and shared.

    Capabilities add their folder grants with ``view(context).add_grants(...)``.
    """
    found = context.services.get("folders")
    if found is None:
        found = context.services["folders"] = FolderView(FolderSet(context.protected), context.budget)
    return found
