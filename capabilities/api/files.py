"""The ``files`` capability: list, read, write, copy, rename and delete in granted folders.

Scripts name paths from a granted folder's label (``Trip/IMG_0001.jpg``).
Reads see the run's planned state (``FolderView``); every write only *plans*
during the preview — it checks the grant and the names, changes the overlay and
records an ``Action`` whose ``detail`` holds absolute paths, the fingerprint of
what it acts on (``Stat.fingerprint``: kind, size, mtime_ns, inode) and, for
deletes and overwrites, the holding-area id chosen in advance (so recovery
can tell whether it happened). A text write's detail holds the text's digest
and, until the plan is journaled, its bytes (then a reference into the
holding area: ``Holding.spool``); a folder delete's holds what the folder
holds (``holds``: files, bytes, a digest apply checks again); a write that
could make a program run holds why (``risk``, see ``capabilities.risk``).

Apply calls ``verify_<op>`` (is everything as the preview saw it?) then
``perform_<op>`` (through the same safe resolution) which returns the outcome
JSON: ``after`` (the fingerprint of the result, which undo checks), ``holding``
(the id of kept content) and ``undo`` (words). ``undo_<op>`` refuses with
``UndoRefused`` when the result changed since; ``probe_<op>`` tells after a
crash whether an action took effect. Renames, deletes and restores keep names,
content and modified times exactly.
"""

from __future__ import annotations

import builtins  # the class defines list(); annotations inside it mean the builtin
import errno
import hashlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, TypeVar

from capabilities.api.files_moves import MoveFacts, PlannedRename
from capabilities.base import Capability, Grant, RunContext, read, write
from capabilities.engine.outcomes import create_outcome, found_outcome
from capabilities.errors import (
    BackendError,
    CallError,
    ErrandError,
    PathRefused,
    SourceChanged,
    TargetExists,
    TargetMissing,
    UndoRefused,
)
from capabilities.folders import changes
from capabilities.folders.dirs import ATOMIC_NO_REPLACE
from capabilities.folders.granted import Stat, describe_folder
from capabilities.folders.holding import Holding, new_id
from capabilities.folders.names import check_new_name
from capabilities.folders.native_renames import Move, Unmove, rename_files, unrename_files
from capabilities.folders.overlay import Node, content_digest, view
from capabilities.plan import Action, holds_text

__all__ = ["Files"]

MAX_TEXT = 10 * 1024 * 1024  # read_text/write_text: larger files are not chores for a script

# Where an action's changed folders are named in its detail: a move changes both ends' folders.
_MOVES = ("rename", "rename_many")
_MADE_KEYS = ("dst", "path")
# A fingerprint the C loop checks itself: a file's size, time and identity (no content hash).
_PLAIN_FINGERPRINT = frozenset(("kind", "size", "mtime_ns", "ino", "dev"))
_MOST_LEADING = 512  # renames per call to C: cancel and progress are seen between calls (~10 ms)
_PLAIN_OUTCOME = frozenset(("undo", "folders"))  # a rename's outcome with no result to check or restore
T = TypeVar("T")
M = TypeVar("M")  # a move for C: Move or Unmove


class Files(Capability):
    """Files and folders in the folders the person granted, addressed as 'Folder/name'."""

    name = "files"
    summary = ("Files in the folders the person granted. Paths start with the folder's name, "
               "e.g. 'Trip/IMG_0001.jpg'; the name alone ('Trip') is the folder itself.")
    item_kind: ClassVar[str] = "file"
    no_verify: ClassVar[Mapping[str, str]] = {
        "rename_many": "it records one rename action per move, which verify_rename checks"}

    def __init__(self, grants: Sequence[Grant], context: RunContext) -> None:
        super().__init__(grants, context)
        self.view = view(context)
        self.view.add_grants(self.grants)
        self.folders = self.view.folders

    @classmethod
    def describe_grant(cls, grant: Grant) -> str:
        return describe_folder(grant)

    # ---- reads ---------------------------------------------------------------------

    @read
    def list(self, folder: str, pattern: str = "*", recursive: bool = False) -> list[str]:
        """Sorted paths in a folder matching pattern ('*.jpg', any case; dot-names only for '.*')."""
        return self.view.list(self._parts(folder), pattern, recursive)

    @read
    def stat(self, path: str) -> dict[str, Any]:
        """Facts about a file or folder: path, name, size, modified (ISO), modified_epoch, is_folder."""
        return self.view.describe(self._parts(path))

    @read
    def stat_many(self, paths: builtins.list[str]) -> builtins.list[dict[str, Any]]:
        """stat() of many paths in one call (much faster than one call each)."""
        return [self.view.describe(self._parts(p)) for p in paths]

    @read
    def exists(self, path: str) -> bool:
        """True if a file or folder is at path (as planned so far)."""
        return self.view.exists(self._parts(path))

    @read
    def hash_many(self, paths: builtins.list[str]) -> builtins.list[str]:
        """SHA-256 (hex) of each file's content, read on the computer: equal hashes, equal files."""
        return [self._hash(self._parts(p), p) for p in paths]

    @read
    def read_text(self, path: str) -> str:
        """The text of a file (UTF-8)."""
        parts = self._parts(path)
        data = self.view.read_bytes(parts, MAX_TEXT + 1)
        if len(data) > MAX_TEXT:
            raise CallError(f"{path!r} is larger than {MAX_TEXT // 1024 // 1024} MB; read_text is for "
                            "small text files.", "Use files.stat() to check sizes first.")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CallError(f"{path!r} is not UTF-8 text (it may be a picture or a document).",
                            "Only read text files, e.g. files.list(folder, '*.txt').") from None

    # ---- writes (planned during the preview) ---------------------------------------

    @write
    def write_text(self, path: str, text: str) -> str:
        """Write text (UTF-8) to a file, creating it or replacing it (the old one is kept for undo)."""
        data = text.encode("utf-8")
        if len(data) > MAX_TEXT:
            raise CallError(f"The text for {path!r} is larger than {MAX_TEXT // 1024 // 1024} MB.",
                            "Write smaller files.")
        parts = self._parts(path, write=True)
        replaced = self.view.overlay.get(parts)
        last = self.context.plan.last()  # the others stay as they are (deferred renames)
        if (last is not None and last.capability == self.name and last.op == "write_text"
                and last.args.get("path") == path and replaced is not None and replaced.data is not None):
            # The same file written again at once (a loop): one action with the last text, not a
            # kept copy of every intermediate version in the holding area.
            self.view.budget.charge_planned(len(data))
            replaced.data, replaced.planned_ns = data, time.time_ns()
            last.detail.update(_content_facts(data))
            last.detail.pop("risk", None)
            risk = self.view.write_risk(last.detail["path"], data=data, replaced=replaced)
            if risk:
                last.detail["risk"] = risk
            last.args["text"] = _short(text)
            return path
        facts = self.view.plan_new_file(self.name, path, overwrite=True, data=data)
        facts.update(_content_facts(data))
        verb = "Replace the text of" if replaced is not None else "Create"
        self.record("write_text", {"path": path, "text": _short(text)}, facts, f"{verb} {path}",
                    before=path if replaced is not None else None, after=path)
        return path

    @write
    def mkdir(self, path: str) -> str:
        """Create a folder (and any missing folders above it); fine if it already exists."""
        parts = self._parts(path, write=True)
        first_new = next((d for d in range(2, len(parts) + 1) if self.view.overlay.get(parts[:d]) is None),
                         len(parts) + 1)
        for name in parts[first_new - 1:]:
            check_new_name(name)  # every new name first, so a bad one plans nothing at all
        for depth in range(2, len(parts) + 1):
            step = parts[:depth]
            found = self.view.overlay.get(step)
            if found is not None:
                if not found.is_folder:
                    raise TargetExists(f"{'/'.join(step)!r} is a file, not a folder.",
                                       "Choose another folder name.")
                continue
            self.view.check_target(step, overwrite=False)
            self.view.overlay.put(step, Node("folder", None, None, children={}))
            shown = "/".join(step)
            self.record("mkdir", {"path": shown}, {"path": self.folders.absolute(step)},
                        f"Create folder {shown}", after=shown)
        return path

    @write
    def copy(self, src: str, dst: str, overwrite: bool = False) -> str:
        """Copy a file to dst (keeping its modified time); dst must not exist unless overwrite=True."""
        sp, dp = self._parts(src), self._parts(dst, write=True)
        node = self.view.node(sp)
        if sp == dp:
            raise CallError(f"Cannot copy {src!r} onto itself.", "Give a different destination.")
        if node.is_folder:
            raise CallError(f"{src!r} is a folder; copy copies one file.",
                            "List the folder and copy its files one by one (after files.mkdir).")
        replaced = self.view.check_target(dp, overwrite=overwrite, kept_name=sp[-1] == dp[-1])
        detail = self._move_facts(sp, dp, node, replaced).detail()
        # The copy will have its own inode: later actions on it check size and time only.
        stat = node.stat and Stat(node.stat.kind, node.stat.size, node.stat.mtime_ns)
        self.view.overlay.put(dp, Node("file", node.source, stat, data=node.data, produced=node.produced))
        self.record("copy", {"src": src, "dst": dst, "overwrite": overwrite}, detail,
                    f"Copy {src} to {dst}" + (" (replacing it)" if replaced is not None else ""),
                    before=src, after=dst)
        return dst

    @write
    def rename(self, src: str, dst: str, overwrite: bool = False) -> str:
        """Rename or move a file or folder (also to another granted folder); no overwrite unless asked."""
        return self._plan_rename(src, dst, overwrite)

    @write
    def rename_many(self, moves: builtins.list[builtins.list[str]],
                    overwrite: bool = False) -> builtins.list[str]:
        """Rename many at once: moves = [[src, dst], ...]; far faster than one call each. New paths."""
        for i, pair in enumerate(moves):
            if len(pair) != 2:
                raise CallError(f"files.rename_many(moves[{i}]) must be [src, dst], got {len(pair)} items.",
                                "Example: files.rename_many([['Trip/a.jpg', 'Trip/b.jpg']]).")
        return [self._plan_rename(s, d, overwrite) for s, d in moves]

    def _plan_rename(self, src: str, dst: str, overwrite: bool) -> str:
        sp, dp = self._parts(src, write=True), self._parts(dst, write=True)
        node = self.view.node(sp)
        if len(sp) < 2:
            raise PathRefused(f"{src!r} is a granted folder itself; it cannot be renamed.",
                              "Rename files or folders inside it.")
        if sp == dp:
            raise CallError(f"{src!r} already has that name.", "Give a different destination.")
        if node.is_folder:
            self._refuse_holding_errand(node)
        if node.is_folder and dp[:len(sp)] == sp:
            raise CallError(f"Cannot move the folder {src!r} into itself.",
                            "Choose a destination outside it.")
        if node.is_folder and sp[0] != dp[0] and self._other_disk(sp[0], dp[0]):
            raise CallError(f"{sp[0]!r} and {dp[0]!r} are on different disks; a folder cannot be moved "
                            "between them.", "Create the folder there and move its files one by one.")
        replaced = self.view.check_target(dp, overwrite=overwrite, moving=node, kept_name=sp[-1] == dp[-1])
        facts = self._move_facts(sp, dp, node, replaced)
        self.view.overlay.move(sp, dp)
        if sp[0] != dp[0] and node.stat is not None and node.stat.ino and self._other_disk(sp[0], dp[0]):
            # Between two granted folders on different disks the move is a copy: new inode.
            node.stat = Stat(node.stat.kind, node.stat.size, node.stat.mtime_ns)
        move = PlannedRename.of(self.folders, src, dst, overwrite, facts)  # compact while the script runs
        self.defer(move, move.journal_bytes(facts, sp[:-1] == dp[:-1]))
        return dst

    @write
    def delete(self, path: str) -> str:
        """Delete a file or folder (it is kept in Errand's holding area, so undo can bring it back)."""
        parts = self._parts(path, write=True)
        node = self.view.node(parts)
        if len(parts) < 2:
            raise PathRefused(f"{path!r} is a granted folder itself; it cannot be deleted.",
                              "Delete files or folders inside it.")
        detail: dict[str, Any] = {"path": self.folders.absolute(parts),
                                  "fingerprint": self.view.fingerprint_node(node),
                                  "hold_id": new_id()}
        summary = f"Delete {path} (kept for undo)"
        if node.is_folder:
            self._refuse_holding_errand(node)
            holds = detail["holds"] = self.view.folder_content(node)
            summary = f"Delete the folder {path} and all it holds: {holds_text(holds)} (kept for undo)"
            self.view.budget.charge_holding(holds["bytes"])
        else:
            self.view.charge_kept(node)
        self.view.overlay.remove(parts)
        self.record("delete", {"path": path}, detail, summary, before=path)
        return path

    # ---- helpers -------------------------------------------------------------------

    def _parts(self, path: str, *, write: bool = False) -> tuple[str, ...]:
        return self.view.parts(self.name, path, write=write)

    def _hash(self, parts: tuple[str, ...], path: str) -> str:
        """Stream a file's planned content through SHA-256 (the guest would be far slower)."""
        node = self.view.node(parts)
        if node.is_folder:
            raise CallError(f"{path!r} is a folder; hash_many reads files.",
                            "Pass the files in it, e.g. files.list(folder, recursive=True).")
        if node.data is not None:
            return hashlib.sha256(node.data).hexdigest()
        if node.produced or node.source is None:
            raise TargetMissing(f"{path!r} is made only when the plan is applied; it cannot be read yet.",
                                "Hash the file it is made from instead.")
        digest = hashlib.sha256()
        with self.folders.open_read(tuple(node.source.split("/"))) as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
                if self.context.deadline is not None and time.monotonic() > self.context.deadline:
                    raise BackendError(f"Reading {path!r} took longer than the run may last.",
                                       "Compare fewer or smaller files at once.")
        return digest.hexdigest()

    def _move_facts(self, sp: tuple[str, ...], dp: tuple[str, ...], node: Node,
                    replaced: Node | None) -> MoveFacts:
        src, dst = self.folders.absolute(sp), self.folders.absolute(dp)
        facts = MoveFacts(src, dst, self.view.fingerprint_kept(node),
                          self.view.fingerprint_node(replaced) if replaced is not None else None,
                          new_id() if replaced is not None else None,
                          self.view.write_risk(dst, replaced=replaced, was=src))
        self.view.charge_kept(replaced)
        return facts

    def _refuse_holding_errand(self, node: Node) -> None:
        if node.source is not None:
            self.folders.refuse_holding_errand(node.source.split("/"))

    def _other_disk(self, a: str, b: str) -> bool:
        sa, sb = self.folders.lstat((a,)), self.folders.lstat((b,))
        return sa is not None and sb is not None and sa.dev != sb.dev

    def _writable(self, absolute: str) -> tuple[str, ...]:
        """Parts of a planned absolute path, checking again that this run may change it."""
        return self.folders.granted(self.name, absolute, write=True)

    def _holding(self) -> Holding:
        return Holding.for_run(self.context.holding)

    def _undo_check(self, parts: tuple[str, ...], after: Mapping[str, Any] | None, what: str) -> None:
        reason = self.folders.differs(parts, after)
        if reason is not None:
            raise UndoRefused(f"Cannot undo “{what}”: {reason} since.",
                              "Leave it as it is, or put it back by hand.")

    # ---- apply and undo: the folders' own modified times --------------------------

    def perform(self, action: Action) -> dict[str, Any]:
        """Carry out one action; the outcome also records its folders' times, for an exact undo."""
        if action.op in _MOVES:
            return self._lean(self.perform_rename(action))  # reads the times on its own handles
        touched = self._touched_folders(action)
        before = changes.folder_times(self.folders, touched)
        outcome = super().perform(action)
        after = changes.folder_times(self.folders, touched)
        outcome["folders"] = changes.time_pairs(before, after)
        return self._lean(outcome)

    @staticmethod
    def _lean(outcome: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in outcome.items() if v is not None}  # the journal stores one per action

    def undo(self, action: Action, outcome: Mapping[str, Any]) -> None:
        """Reverse one action, then give its folders back their times (unless changed by others)."""
        times = outcome.get("folders") or {}
        seen = changes.folder_stats(self.folders, list(times))
        super().undo(action, outcome)
        changes.reset_folder_times(self.folders, times, seen)

    def _touched_folders(self, action: Action) -> dict[str, tuple[str, ...]]:
        """The folders an action changes, ``{"Trip/sub": parts}`` (the keys its outcome uses)."""
        found: dict[str, tuple[str, ...]] = {}
        detail = action.detail
        for key in _MADE_KEYS:
            path = detail.get(key)
            if path:
                parts = self.folders.parts_of(path)
                if len(parts) > 1:
                    folder = parts[:-1]
                    found["/".join(folder)] = folder
        return found

    # ---- apply: rename ------------------------------------------------------------

    def verify_rename(self, action: Action) -> None:
        d = action.detail
        self.folders.check_unchanged(self._writable(d["src"]), d["fingerprint"], action.summary)
        dp = self._writable(d["dst"])
        if d["replaces"] is not None or not ATOMIC_NO_REPLACE:
            # (Otherwise perform's rename itself refuses a new occupant, atomically.)
            self.folders.check_unchanged(dp, d["replaces"], action.summary)

    def perform_rename(self, action: Action) -> dict[str, Any]:
        d = action.detail
        sp, dp = self._writable(d["src"]), self._writable(d["dst"])
        hold = d.get("hold_id") if d.get("replaces") else None
        holding = self._holding() if hold else None
        crossed = False
        with self.folders.parent(sp) as (sd, sn), self.folders.parent(dp) as (dd, dn):
            # The folders' times before and after, read on the very handles the rename uses.
            sk, dk = "/".join(sp[:-1]), "/".join(dp[:-1])
            watched = {sk: sd} if sk == dk else {sk: sd, dk: dd}
            before = changes.handle_times(watched)
            if hold and dd.lstat(dn) is not None:
                changes.keep_copy(dd, dn, holding, hold, d["dst"])  # type: ignore[arg-type]
                sd.rename(sn, dd, dn, replace=True)
            else:
                hold = None
                try:
                    sd.rename(sn, dd, dn, replace=False)
                except OSError as exc:
                    if exc.errno != errno.EXDEV:  # another disk: copy, then remove
                        raise
                    self._move_across(sp, dp)
                    crossed = True
            # A rename keeps inode, size and time (verify just saw them): undo checks the
            # plan's fingerprint, and the outcome stays small.
            after = None if "ino" in d["fingerprint"] and not crossed else dd.lstat(dn)
            folders = changes.time_pairs(before, changes.handle_times(watched))
        return {"after": Stat.of(after).fingerprint() if after else None, "holding": hold,
                "undo": "rename back" + (" and restore the replaced file" if hold else ""),
                "folders": folders}

    def carry_out_leading(self, actions: Sequence[Action], start: int,
                          check: Callable[[Action], None]) -> builtins.list[dict[str, Any]]:
        """The plain renames from ``actions[start]`` on, many per call to C (``native_renames``).

        Plain: a file directly in a granted folder renamed within it, replacing nothing, with
        the preview's fingerprint of size, time and identity. Each is checked as
        ``verify_rename`` checks it (both paths granted for changes, the source still that
        file, checked by the C loop just before its rename) and by ``check``; the outcome is
        ``perform_rename``'s.
        """
        if rename_files is None or not ATOMIC_NO_REPLACE:
            return []

        def checked(action: Action) -> tuple[str, Move] | None:
            plain = self._plain_rename(action.capability, action.op, action.detail)
            if plain is None:
                return None
            try:
                check(action)
            except ErrandError:
                return None
            return plain

        label, moves = self._leading_moves(actions[start:start + self._leading], checked)
        if label is None:
            return []
        try:
            folder = self.folders.root(label).fd
            times = rename_files(folder, moves) if folder is not None else []
        except (ErrandError, OverflowError, TypeError, ValueError):  # (before any effect)
            times = []
        self._grow_leading(len(times) == len(moves))
        return [{"undo": "rename back", "folders": {} if after is None else {label: [before, after]}}
                for before, after in times]

    def reverse_leading(self, rows: Sequence[Mapping[str, Any]], start: int) -> int:
        """Undo of the plain renames from ``rows[start]`` on, many per call to C: each checked
        as ``undo_rename`` checks it, and its folder's time put back as ``undo`` puts it back."""
        if unrename_files is None or not ATOMIC_NO_REPLACE:
            return 0
        label, moves = self._leading_moves(rows[start:start + self._leading], self._plain_unrename)
        if label is None:
            return 0
        try:
            folder = self.folders.root(label).fd
            done = unrename_files(folder, moves) if folder is not None else 0
        except (ErrandError, OverflowError, TypeError, ValueError):  # (before any effect)
            done = 0
        self._grow_leading(done == len(moves))
        return done

    # How many renames the next call to C may take: 1, 2, 4 … _MOST_LEADING, and 1 again after
    # a call that stopped early, so a plan the C loop cannot take costs little.
    _leading = 1

    @staticmethod
    def _leading_moves(items: Sequence[T], plain: Callable[[T], tuple[str, M] | None]
                       ) -> tuple[str | None, builtins.list[M]]:
        """The granted folder and the moves of the leading ``items`` that ``plain`` takes, all
        in that one folder (a call to C works in one open folder); None when it takes none."""
        moves: builtins.list[M] = []
        label = None
        for item in items:
            found = plain(item)
            if found is None or (label is not None and found[0] != label):
                break
            label = found[0]
            moves.append(found[1])
        return label, moves

    def _grow_leading(self, all_done: bool) -> None:
        self._leading = min(self._leading * 2, _MOST_LEADING) if all_done else 1

    def _plain_rename(self, capability: str, op: str, d: Mapping[str, Any]) -> tuple[str, Move] | None:
        """``(granted folder, move)`` for a plain rename the C loop can take, else None."""
        if op not in _MOVES or capability != self.name:
            return None
        fp = d.get("fingerprint")
        if d.get("replaces") is not None or type(fp) is not dict or fp.keys() != _PLAIN_FINGERPRINT \
                or fp["kind"] != "file":
            return None
        src, dst = d["src"], d["dst"]
        if type(src) is not str or type(dst) is not str:
            return None
        # (None for anything else: apply's and undo's own checks word the refusal)
        sp = self.folders.entry_granted(self.name, src, write=True)
        dp = self.folders.entry_granted(self.name, dst, write=True)
        if sp is None or dp is None or sp[0] != dp[0]:
            return None
        return sp[0], (os.fsencode(sp[1]), os.fsencode(dp[1]), fp["size"], fp["mtime_ns"], fp["ino"],
                       fp["dev"])

    def _plain_unrename(self, row: Mapping[str, Any]) -> tuple[str, Unmove] | None:
        """``(granted folder, unmove)`` for the undo of a plain rename's journal row, else None."""
        d, outcome = row.get("detail"), row.get("outcome")
        if type(d) is not dict or type(outcome) is not dict or not outcome.keys() <= _PLAIN_OUTCOME:
            return None
        plain = self._plain_rename(row.get("capability", ""), row.get("op", ""), d)
        if plain is None:
            return None
        label, (src, dst, size, mtime_ns, ino, dev) = plain
        times = outcome.get("folders") or {}
        if not times:
            return label, (dst, src, size, mtime_ns, ino, dev)
        pair = times.get(label) if type(times) is dict and len(times) == 1 else None
        if type(pair) is not list or len(pair) != 2:
            return None
        return label, (dst, src, size, mtime_ns, ino, dev, pair[0], pair[1])

    def _move_across(self, sp: tuple[str, ...], dp: tuple[str, ...]) -> None:
        src = self.folders.lstat(sp)
        if src is None or src.kind != "file":
            raise TargetExists(f"{self.folders.absolute(sp)} is a folder on another disk than its "
                               "destination; folders move only within one disk.",
                               "Move its files one by one instead.")
        with self.folders.open_read(sp) as f:
            changes.create_file(self.folders, dp, lambda out: _pump(f, out), mtime_ns=src.mtime_ns)
        with self.folders.parent(sp) as (d, name):
            d.unlink(name)

    def undo_rename(self, action: Action, outcome: Mapping[str, Any]) -> None:
        d = action.detail
        sp, dp = self._writable(d["src"]), self._writable(d["dst"])
        self._undo_check(dp, outcome.get("after") or d["fingerprint"], action.summary)
        if not ATOMIC_NO_REPLACE and self.folders.lstat(sp) is not None:
            raise _taken(action)  # (with an atomic no-replace rename, the rename itself refuses)
        with self.folders.parent(sp) as (sd, sn), self.folders.parent(dp) as (dd, dn):
            try:
                dd.rename(dn, sd, sn, replace=False)
            except TargetExists:
                raise _taken(action) from None
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
                self._move_across(dp, sp)
        if outcome.get("holding"):
            changes.restore(self.folders, dp, self._holding(), outcome["holding"])

    def probe_rename(self, action: Action) -> dict[str, Any] | bool | None:
        d = action.detail
        sp, dp = self.folders.parts_of(d["src"]), self.folders.parts_of(d["dst"])
        fp = d["fingerprint"]
        src_now, dst_now = self.folders.lstat(sp), self.folders.lstat(dp)
        if "ino" in fp:
            happened = True if dst_now is not None and dst_now.ino == fp["ino"] else (
                False if src_now is not None and src_now.ino == fp["ino"] else None)
        else:
            happened = True if src_now is None and dst_now is not None else (
                False if src_now is not None else None)
        if not happened:
            return happened
        return found_outcome(dst_now if "ino" not in fp else None, d, "rename back", self.context.holding)

    # rename_many records one "rename" action per move; these names only satisfy the
    # framework's rule that a write has a perform/undo pair.
    perform_rename_many = perform_rename
    undo_rename_many = undo_rename

    # ---- apply: delete ------------------------------------------------------------

    def verify_delete(self, action: Action) -> None:
        d = action.detail
        parts = self._writable(d["path"])
        self.folders.check_unchanged(parts, d["fingerprint"], action.summary)
        if "holds" in d or "entries" in d:
            self.folders.refuse_holding_errand(parts)
        if "holds" in d:
            seen = d["holds"]
            now = self._disk_content(parts, seen.get("unsure") or ())
            if now["sha256"] != seen.get("sha256"):
                raise SourceChanged(f"{action.summary}: what the folder holds changed since the preview "
                                    f"(now {holds_text(now)}).", "Preview the chore again.")
        elif "entries" in d:  # a plan journaled by an older Errand, finished by recovery
            count = len(self.folders.scan("/".join(parts)))
            if count != d["entries"]:
                raise SourceChanged(f"{action.summary}: the folder now holds {count} entries, not "
                                    f"{d['entries']} as at the preview.", "Preview the chore again.")

    def _disk_content(self, parts: tuple[str, ...], unsure: Sequence[str]) -> dict[str, Any]:
        """``FolderView.folder_content`` of the folder on disk now (only its names for ``unsure``)."""
        loose = set(unsure)
        entries: list[tuple[str, str, int | None, int | None]] = []
        files = folders = size = 0
        stack = ["/".join(parts)]
        base = len(stack[0]) + 1
        while stack:
            real = stack.pop()
            for name, st in self.folders.scan(real).items():
                rel = f"{real}/{name}"[base:]
                if st.kind == "folder":
                    folders += 1
                    entries.append((rel, "folder", None, None))
                    stack.append(f"{real}/{name}")
                    continue
                files, size = files + 1, size + st.size
                sure = rel not in loose
                entries.append((rel, "file", st.size if sure else None, st.mtime_ns if sure else None))
        return {"files": files, "folders": folders, "bytes": size, "sha256": content_digest(entries)}

    def perform_delete(self, action: Action) -> dict[str, Any]:
        d = action.detail
        changes.keep(self.folders, self._writable(d["path"]), self._holding(), d["hold_id"])
        return {"holding": d["hold_id"],
                "undo": "bring it back from the holding area"}

    def undo_delete(self, action: Action, outcome: Mapping[str, Any]) -> None:
        d = action.detail
        parts = self._writable(d["path"])
        holding = self._holding()
        if self.folders.lstat(parts) is not None:
            raise UndoRefused(f"Cannot undo “{action.summary}”: something new is at {d['path']}.",
                              "Move it away first, then undo again.")
        kept = outcome.get("holding") or d["hold_id"]
        if not holding.has(kept):
            raise UndoRefused(f"Cannot undo “{action.summary}”: the kept copy was removed from the "
                              "holding area.", "It cannot be brought back.")
        changes.restore(self.folders, parts, holding, kept)

    def probe_delete(self, action: Action) -> dict[str, Any] | bool | None:
        d = action.detail
        present = self.folders.lstat(self.folders.parts_of(d["path"])) is not None
        held = self._holding().has(d["hold_id"])
        if held and not present:
            return {"holding": d["hold_id"], "undo": "bring it back from the holding area"}
        return False if present else None

    # ---- apply: write_text and copy (a new file, maybe replacing one) ---------------

    def verify_write_text(self, action: Action) -> None:
        d = action.detail
        self.folders.check_unchanged(self._writable(d["path"]), d["replaces"], action.summary)

    def perform_write_text(self, action: Action) -> dict[str, Any]:
        d = action.detail
        data = _planned_content(d, self.context.holding)
        return create_outcome(self.folders, self._writable(d["path"]), lambda f: f.write(data), d,
                              self.context.holding, "remove the file")

    def undo_write_text(self, action: Action, outcome: Mapping[str, Any]) -> None:
        self._undo_create(self._writable(action.detail["path"]), outcome, action.summary)

    def probe_write_text(self, action: Action) -> dict[str, Any] | bool | None:
        d = action.detail
        parts = self.folders.parts_of(d["path"])
        size = d["size"] if "size" in d else len(d["text"].encode("utf-8"))
        if self.folders.differs(parts, {"kind": "file", "size": size, "sha256": d["sha256"]}) is not None:
            return False
        return found_outcome(self.folders.lstat(parts), d, "remove the file", self.context.holding)

    def verify_copy(self, action: Action) -> None:
        d = action.detail
        self.folders.check_unchanged(self.folders.granted(self.name, d["src"]), d["fingerprint"],
                                     action.summary)
        self.folders.check_unchanged(self._writable(d["dst"]), d["replaces"], action.summary)

    def perform_copy(self, action: Action) -> dict[str, Any]:
        d = action.detail
        sp, dp = self.folders.granted(self.name, d["src"]), self._writable(d["dst"])
        src = self.folders.lstat(sp)
        with self.folders.open_read(sp) as f:
            return create_outcome(self.folders, dp, lambda out: _pump(f, out), d, self.context.holding,
                                  "remove the copy", src.mtime_ns if src else None)

    def undo_copy(self, action: Action, outcome: Mapping[str, Any]) -> None:
        self._undo_create(self._writable(action.detail["dst"]), outcome, action.summary)

    def probe_copy(self, action: Action) -> dict[str, Any] | bool | None:
        d = action.detail
        dst = self.folders.lstat(self.folders.parts_of(d["dst"]))
        if dst is None or dst.size != d["fingerprint"].get("size") or (
                d["replaces"] is not None and dst.matches(d["replaces"])):
            return False
        return found_outcome(dst, d, "remove the copy", self.context.holding)

    def _undo_create(self, parts: tuple[str, ...], outcome: Mapping[str, Any], summary: str) -> None:
        self._undo_check(parts, outcome.get("after"), summary)
        holding = self._holding() if outcome.get("holding") else None
        if holding is not None and not holding.has(outcome["holding"]):
            raise UndoRefused(f"Cannot undo “{summary}”: the replaced file's kept copy was removed "
                              "from the holding area.", "It cannot be brought back.")
        with self.folders.parent(parts) as (d, name):
            d.unlink(name)  # exactly the file apply made (checked above)
        if holding is not None:
            changes.restore(self.folders, parts, holding, outcome["holding"])

    # ---- apply: mkdir -------------------------------------------------------------

    def verify_mkdir(self, action: Action) -> None:
        self.folders.check_unchanged(self._writable(action.detail["path"]), None, action.summary)

    def perform_mkdir(self, action: Action) -> dict[str, Any]:
        parts = self._writable(action.detail["path"])
        with self.folders.parent(parts) as (d, name):
            d.mkdir(name)
        after = self.folders.lstat(parts)
        return {"after": after.fingerprint() if after else None,
                "undo": "remove the folder if still empty"}

    def undo_mkdir(self, action: Action, outcome: Mapping[str, Any]) -> None:
        parts = self._writable(action.detail["path"])
        self._undo_check(parts, outcome.get("after"), action.summary)
        with self.folders.parent(parts) as (d, name):
            try:
                d.rmdir(name)
            except OSError as exc:
                if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                    raise UndoRefused(f"Cannot undo “{action.summary}”: the folder is not empty any more.",
                                      "Move out what was put in it, then undo again.") from None
                raise

    def probe_mkdir(self, action: Action) -> dict[str, Any] | bool | None:
        now = self.folders.lstat(self.folders.parts_of(action.detail["path"]))
        if now is None or now.kind != "folder":
            return False
        return {"after": now.fingerprint(), "undo": "remove the folder if still empty"}


def _pump(src: BinaryIO, out: BinaryIO) -> None:
    while chunk := src.read(1 << 20):
        out.write(chunk)


def _content_facts(data: bytes) -> dict[str, Any]:
    """The text's digest and, until the plan is journaled, its bytes (the same object the overlay
    holds, not a copy); ``holding.spool`` then moves them to the holding area, so the journal
    keeps a reference, not megabytes per action."""
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "data": data}


def _planned_content(d: Mapping[str, Any], holding: Path | None) -> bytes:
    if isinstance(d.get("data"), bytes):  # applied by the process that previewed it
        return d["data"]
    if "content" in d:
        return Holding.for_run(holding).content(d["content"], d["sha256"])
    return str(d["text"]).encode("utf-8")  # a plan journaled by an older Errand


def _short(text: str) -> str:
    return text if len(text) <= 200 else text[:197] + "..."


def _taken(action: Action) -> UndoRefused:
    """The refusal of a rename's undo when its old name has a new occupant (made only when needed)."""
    return UndoRefused(f"Cannot undo “{action.summary}”: something new is at {action.detail['src']}.",
                       "Move it away first, then undo again.")
