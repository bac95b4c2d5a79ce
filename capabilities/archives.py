"""The ``archives`` capability: see what a zip holds, extract it into a new folder, make a zip of files.

It works in the folders granted to ``files`` (like ``photos``), and nothing leaves the computer.

An archive is hostile until proven otherwise. Before anything is planned, every member of an
archive to extract is checked: its path must stay inside the new folder (no ``..``, no absolute
path, no drive letter, no backslash tricks — "zip slip"), be a portable name, and not be a link
or a device; no member may be encrypted; and the archive must not be a bomb (too many members, a
total size over ``MAX_TOTAL``, or a member that expands more than ``MAX_RATIO`` times). Any of
these refuses the whole extraction with the reason, and nothing is planned. The preview then
shows every folder and file the extraction will create.

Only the zip's central directory and each member's local header are read during the preview
(``zipshape`` first checks the directory's size, members that overlap and the archive's whole
ratio, before ``zipfile`` believes any of it); members are decompressed at apply, each at most to
the size the preview showed and checked against its CRC, so an archive swapped or rewritten after
the preview is refused (``SourceChanged``), never half-trusted, and a member whose data is not
what its header says stops the apply with nothing of it written. Undo moves every created file to
the holding area and removes the folders if they are empty again.

Why zips are read here and not in the decoder worker (``capabilities.decoding``): extraction
writes files of up to ``MAX_TOTAL`` together, and the worker can neither write files (its
``RLIMIT_FSIZE`` is 0) nor send back more than 256 MB an answer, so apply would still
have to decompress in Errand's process; a worker-side preview alone would leave the same parser
on the host. What the host-side reading risks, and what bounds it: ``zipfile`` is pure Python
(a bug there is an exception, caught, not memory corruption); its memory is bounded by
``zipshape.MAX_DIRECTORY`` and ``MAX_MEMBERS`` before it builds anything; its CPU by the same and
by each member's declared size; only stored and deflated members are unpacked (``_UNPACKED``), so
the C code a hostile stream reaches is zlib's inflate alone — bzip2 and LZMA members are refused.
What remains is a memory-safety bug in zlib itself, reached from Errand's process.
"""

from __future__ import annotations

import builtins  # the class defines list(); annotations inside it mean the builtin
import stat
import time
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, BinaryIO, ClassVar

from capabilities.base import Grant, RunContext, read, write
from capabilities.errors import CallError, ErrandError, SourceChanged
from capabilities.folder_based import FOLDERS, FolderBased
from capabilities.names import check_new_name
from capabilities.outcomes import check_sources, create_outcome, probe_made, remove_made_file
from capabilities.overlay import fingerprint_of, fold
from capabilities.plan import Action
from capabilities.zipshape import MAX_RATIO, RATIO_FLOOR, check_directory, check_layout

if TYPE_CHECKING:
    from capabilities.files import Files

__all__ = ["Archives"]

MAX_MEMBERS = 10_000
MAX_TOTAL = 4 * 1024**3  # what one extraction may write, all members together
MAX_CREATE = 2 * 1024**3  # the files one new zip may hold
_UNPACKED = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what every zip tool writes; bzip2/LZMA are refused


class Archives(FolderBased):
    """Zip archives in the folders granted to files: list, extract into a new folder, make a zip."""

    holds: ClassVar[str] = "the archives"
    name: ClassVar[str] = "archives"
    # Words that make this capability worth showing in full in a planning prompt.
    topics: ClassVar[tuple[str, ...]] = (
        "zip", "unzip", "archive", "compress", "extract", "bundle", "rar", "7z", "email it", "e-mail it",
        "send it"
    )
    summary: ClassVar[str] = ("Zip archives in the granted folders: list what one holds, extract it into a "
                              "new folder, or make a zip of files; paths as in files ('Downloads/trip.zip').")

    def __init__(self, grants: Sequence[Grant], context: RunContext) -> None:
        super().__init__(grants, context)
        self._folder_maker: Files | None = None

    @classmethod
    def describe_grant(cls, grant: Grant) -> str:
        return ("Look inside zip archives, extract them into new folders and make new zips, in the folders "
                "granted for files (nothing leaves the computer).")

    # ---- reads ---------------------------------------------------------------------

    @read
    def list(self, path: str) -> list[dict[str, Any]]:
        """What a zip holds: [{name, size, packed_size, is_folder, modified (ISO), encrypted}]."""
        with self._zip(self._parts(path), path) as archive:
            return [_member_facts(info) for info in _members(archive, path)]

    # ---- writes (planned during the preview) ---------------------------------------

    @write
    def extract(self, path: str, folder: str) -> builtins.list[str]:
        """Extract a zip into folder, a new folder (made here); returns the paths of the files it makes."""
        sp = self._parts(path)
        node = self.view.node(sp)
        with self._zip(sp, path) as archive:
            members = _checked_members(archive, path)
        if self.view.exists(self._parts(folder, write=True)):
            raise CallError(f"{folder!r} already exists; extract makes a new folder.",
                            "Choose a folder name that is not taken, e.g. the archive's name.")
        for _info, inner in members:  # every target path passes the write checks before any is planned
            self._parts(f"{folder}/{'/'.join(inner)}", write=True)
        self._files().mkdir(folder)
        made = []
        for info, inner in members:
            target = f"{folder}/{'/'.join(inner)}"
            if info.is_dir():
                self._files().mkdir(target)
                continue
            if len(inner) > 1:
                self._files().mkdir(f"{folder}/{'/'.join(inner[:-1])}")
            facts = self.view.plan_new_file(FOLDERS, target, produced="archives.extract")
            detail = {"archive": self.folders.absolute(sp), "fingerprint": fingerprint_of(node),
                      "member": info.filename, "crc": info.CRC, "size": info.file_size, "dst": facts["path"],
                      "replaces": None, "hold_id": None, "mtime_ns": _zip_time_ns(info)}
            self.record("extract", {"path": path, "member": info.filename, "dst": target}, detail,
                        f"Make {target} ({_size(info.file_size)}), extracted from {path}", before=path,
                        after=target)
            made.append(target)
        return made

    @write
    def make_zip(self, path: str, files: builtins.list[str], overwrite: bool = False) -> str:
        """Make a new .zip at path holding these files (each under its own name); returns path."""
        if not path.lower().endswith(".zip"):
            raise CallError(f"archives.make_zip: {path!r} does not end in .zip.",
                            "Name the new archive *.zip.")
        if not files:
            raise CallError("archives.make_zip: no files given.",
                            "Pass the paths of the files to put in the zip.")
        sources, names, total = [], set(), 0
        for source in files:
            parts = self._parts(source)
            node = self.view.node(parts)
            if node.is_folder or node.source is None or node.produced or node.data is not None:
                raise CallError(f"{source!r} is a folder or a file this run has not made yet.",
                                "Put existing files in the zip: list a folder with files.list().")
            key = parts[-1].casefold()
            if key in names:
                raise CallError(f"Two files called {parts[-1]!r} would share one name in the zip.",
                                "Make two zips, or rename one of the files first.")
            names.add(key)
            total += int(fingerprint_of(node).get("size") or 0)
            sources.append({"path": self.folders.absolute(parts), "fingerprint": fingerprint_of(node)})
        if total > MAX_CREATE:
            raise CallError(f"The files come to {_size(total)}, more than one zip may hold here "
                            f"({_size(MAX_CREATE)}).", "Make several smaller zips.")
        facts = self.view.plan_new_file(FOLDERS, path, overwrite=overwrite, produced="archives.make_zip")
        detail = {"sources": sources, "dst": facts["path"], "replaces": facts["replaces"],
                  "hold_id": facts["hold_id"]}
        verb = "Replace" if facts["replaces"] else "Make"
        self.record("make_zip", {"path": path, "files": list(files), "overwrite": overwrite}, detail,
                    f"{verb} {path}: a zip of {len(files)} file{'s' if len(files) != 1 else ''} "
                    f"({_size(total)})", after=path)
        return path

    # ---- apply, undo, recovery -------------------------------------------------------

    def verify_extract(self, action: Action) -> None:
        d = action.detail
        self.folders.check_unchanged(self.folders.granted(FOLDERS, d["archive"]), d["fingerprint"],
                                     action.summary)
        self.folders.check_unchanged(self._target(d["dst"]), None, action.summary)

    def perform_extract(self, action: Action) -> dict[str, Any]:
        d = action.detail
        with self.folders.open_read(self.folders.granted(FOLDERS, d["archive"])) as raw:
            archive = _open_zip(raw, d["archive"])
            try:
                info = archive.getinfo(d["member"])
            except KeyError:
                raise SourceChanged(f"{action.summary}: the archive no longer holds {d['member']!r}.",
                                    "Preview the chore again.") from None
            if (info.CRC, info.file_size) != (d["crc"], d["size"]) or info.compress_type not in _UNPACKED:
                raise SourceChanged(f"{action.summary}: that member changed since the preview.",
                                    "Preview the chore again.")
            try:
                with archive.open(info) as member:  # stops at file_size; a wrong CRC raises at the end
                    return create_outcome(self.folders, self._target(d["dst"]),
                                          lambda out: _pump(member, out, d["size"]), d, self.context.holding,
                                          "remove the extracted file", d.get("mtime_ns"))
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
                # Its bytes are not what its table of contents says (a wrong CRC, a broken stream):
                # nothing of it is kept, and the rest of the extraction stops here.
                raise ErrandError(f"{action.summary}: the archive's data for {d['member']!r} is damaged "
                                  f"({_plain(exc)}); nothing of it was written.",
                                  "The archive may be damaged or made to mislead; do not trust it.") from None

    def undo_extract(self, action: Action, outcome: Mapping[str, Any]) -> None:
        remove_made_file(self.folders, self._target(action.detail["dst"]), outcome, self.context.holding,
                         action.summary)

    def probe_extract(self, action: Action) -> dict[str, Any] | bool:
        return probe_made(self.folders, action.detail, "remove the extracted file", self.context.holding)

    def verify_make_zip(self, action: Action) -> None:
        check_sources(self.folders, FOLDERS, action.detail, action.summary)

    def perform_make_zip(self, action: Action) -> dict[str, Any]:
        d = action.detail

        def fill(out: BinaryIO) -> None:
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for source in d["sources"]:
                    parts = self.folders.granted(FOLDERS, source["path"])
                    now = self.folders.lstat(parts)
                    info = zipfile.ZipInfo(parts[-1], time.localtime(now.mtime_ns / 1e9)[:6] if now else
                                           (1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    with self.folders.open_read(parts) as src, archive.open(info, "w") as dst:
                        _pump(src, dst, int(source["fingerprint"].get("size") or 0))

        return create_outcome(self.folders, self._target(d["dst"]), fill, d, self.context.holding,
                              f"remove the zip {action.args.get('path')}")

    def undo_make_zip(self, action: Action, outcome: Mapping[str, Any]) -> None:
        remove_made_file(self.folders, self._target(action.detail["dst"]), outcome, self.context.holding,
                         action.summary)

    def probe_make_zip(self, action: Action) -> dict[str, Any] | bool:
        return probe_made(self.folders, action.detail, f"remove the zip {action.args.get('path')}",
                          self.context.holding)

    # ---- helpers -------------------------------------------------------------------

    def _files(self) -> Files:
        """The run's files capability, for the folders an extraction makes (its own mkdir plans them,
        journals them and undoes them: one behaviour, one place)."""
        if self._folder_maker is None:
            from capabilities.files import Files

            self._folder_maker = Files([], self.context)
        return self._folder_maker

    def _zip(self, parts: tuple[str, ...], shown: str) -> zipfile.ZipFile:
        node = self.view.node(parts)
        if node.is_folder:
            raise CallError(f"{shown!r} is a folder, not a zip archive.", "Give the path of a .zip file.")
        return _open_zip(self.view.open_planned(parts), shown)


def _open_zip(raw: BinaryIO, shown: str) -> zipfile.ZipFile:
    try:
        check_directory(raw, shown)  # before zipfile builds an object for every entry
        return zipfile.ZipFile(raw)
    except CallError:
        raw.close()
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raw.close()
        raise CallError(f"{shown!r} is not a zip archive Errand can read ({exc}).",
                        "Only .zip archives can be opened; a damaged download may need fetching again."
                        ) from None


def _members(archive: zipfile.ZipFile, shown: str) -> list[zipfile.ZipInfo]:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise CallError(f"{shown!r} holds {len(members):,} entries, more than Errand opens "
                        f"({MAX_MEMBERS:,}).", "Extract it with the system's own archive tool.")
    return members


def _checked_members(archive: zipfile.ZipFile, shown: str) -> list[tuple[zipfile.ZipInfo, tuple[str, ...]]]:
    """Every member with its path inside the new folder, or the first reason not to extract at all."""
    checked, total = [], 0
    members = _members(archive, shown)
    for info in members:
        inner = _inner_path(info.filename, shown)
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            what = "a link" if kind == stat.S_IFLNK else "a special file"
            raise CallError(f"{shown!r} holds {what}, {info.filename!r}, which Errand does not extract.",
                            "Extract it with the system's own archive tool if you trust where it came from.")
        if info.flag_bits & 0x1:
            raise CallError(f"{shown!r} is password-protected ({info.filename!r} is encrypted).",
                            "Errand cannot extract encrypted archives; use the system's archive tool.")
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise CallError(f"{shown!r} looks like a zip bomb: {info.filename!r} would grow from "
                            f"{_size(info.compress_size)} to {_size(info.file_size)}.", "Do not extract it.")
        checked.append((info, inner))
    if total > MAX_TOTAL:
        raise CallError(f"{shown!r} would expand to {_size(total)}, more than Errand extracts at once "
                        f"({_size(MAX_TOTAL)}).", "Extract it with the system's own archive tool.")
    _check_tree(checked, shown)
    check_layout(members, _archive_size(archive), shown)
    _check_headers(archive, members, shown)
    return checked


def _check_tree(checked: list[tuple[zipfile.ZipInfo, tuple[str, ...]]], shown: str) -> None:
    """No path twice, none both a file and a folder, none in two spellings a disk may confuse
    (case, accents): found before anything is planned, so a refused extraction plans nothing."""
    spelled: dict[tuple[str, ...], tuple[str, ...]] = {}  # folded path → as the archive writes it
    files: set[tuple[str, ...]] = set()
    folders: set[tuple[str, ...]] = set()
    for info, inner in checked:
        for depth in range(1, len(inner) + 1):
            path = inner[:depth]
            key = tuple(fold(part) for part in path)
            is_file = depth == len(inner) and not info.is_dir()
            if spelled.setdefault(key, path) != path or key in files or (is_file and key in folders):
                raise CallError(f"{shown!r} holds {'/'.join(path)!r} twice, as a file and a folder, or in "
                                "two spellings some systems cannot keep apart.",
                                "Extract it with the system's own archive tool.")
            (files if is_file else folders).add(key)


def _archive_size(archive: zipfile.ZipFile) -> int:
    fp = archive.fp
    if fp is None:
        return 0
    fp.seek(0, 2)  # zipfile seeks before every read of its own, so moving the offset here is harmless
    return fp.tell()


def _check_headers(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], shown: str) -> None:
    """Each member's own (local) header agrees with the table of contents, and its compression is
    one Errand can undo: found now, in the preview, not half-way through applying."""
    for info in members:
        if info.is_dir():
            continue
        if info.compress_type not in _UNPACKED:
            raise CallError(f"{shown!r} packs {info.filename!r} with a compression Errand does not unpack "
                            f"(method {info.compress_type}).",
                            "Extract it with the system's own archive tool.")
        try:
            with archive.open(info):
                pass  # opening reads and compares the local header; no data is decompressed
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, ValueError) as exc:
            raise CallError(f"{shown!r} is damaged or made to mislead: {info.filename!r} cannot be read "
                            f"as its table of contents describes it ({_plain(exc)}).",
                            "Do not extract it; if you trust it, use the system's own archive tool."
                            ) from None


def _plain(exc: BaseException) -> str:
    """An exception's words without the names and bytes it quotes from the archive."""
    return type(exc).__name__


def _inner_path(name: str, shown: str) -> tuple[str, ...]:
    """A member's path as folder names, refusing any that could land outside the new folder."""
    refuse = CallError(f"{shown!r} holds {name!r}, a path that would land outside the folder it is "
                       "extracted into.", "This archive is unsafe to extract: do not trust its source.")
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise refuse
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if not parts or ".." in parts:
        raise refuse
    for part in parts:
        check_new_name(part)
    return parts


def _member_facts(info: zipfile.ZipInfo) -> dict[str, Any]:
    year, month, day, hour, minute, second = info.date_time
    return {"name": info.filename, "size": info.file_size, "packed_size": info.compress_size,
            "is_folder": info.is_dir(), "encrypted": bool(info.flag_bits & 0x1),
            "modified": f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"}


def _zip_time_ns(info: zipfile.ZipInfo) -> int | None:
    try:
        return int(time.mktime((*info.date_time, 0, 0, -1)) * 1_000_000_000)
    except (OverflowError, ValueError):
        return None


def _pump(src: IO[bytes], out: IO[bytes], limit: int) -> None:
    """Copy at most ``limit`` bytes: what the preview showed, whatever the stream claims."""
    left = limit
    while left > 0 and (chunk := src.read(min(1 << 20, left))):
        out.write(chunk)
        left -= len(chunk)
    if src.read(1):
        raise SourceChanged("The archive member is larger than the preview showed.",
                            "Preview the chore again.")


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} bytes"


