"""The ``archives`` capability: see what a zip holds, extract it into a new folder, make a zip of files.

It works in the folders granted to ``files`` (like ``photos``), and nothing leaves the computer.

An archive is hostile until proven otherwise. Before anything is planned, every member of an
archive to extract is checked: its path must stay inside the new folder (no ``..``, no absolute
path, no drive letter, no backslash tricks — "zip slip"), be a portable name, and not be a link
or a device; no member may be encrypted; and the archive must not be a bomb (too many members, a
total size over ``MAX_TOTAL``, or a member that expands more than ``MAX_RATIO`` times). Any of
these refuses the whole extraction with the reason, and nothing is planned. The preview then
shows every folder and file the extraction will create.

Every byte of an archive is read in the decoder worker (``capabilities.decoding.zips``): the
listing, every check above (``zipshape`` first checks the directory's size, members that overlap
and the archive's whole ratio, before ``zipfile`` believes any of it) and, at apply, each member's
decompression. Errand's process parses none of it. It gets plain facts back and checks their
shape; at apply it writes the chunks the worker unpacked (the worker can write no file), each
checked against the length and SHA-256 the worker reported, and the whole member against the CRC
and size the preview showed, so an archive swapped or rewritten after the preview is refused
(``SourceChanged``), never half-trusted, and a member whose data is not what its header says
stops the apply with nothing of it written. Undo moves every created file to the holding area and
removes the folders if they are empty again. A member larger than one answer (``zips.CHUNK``) is
read in several requests, each unpacking the stream from its start: a 1 GB member costs ~8 GB of
inflate, bounded by the per-call CPU limit.
"""

from __future__ import annotations

import builtins  # the class defines list(); annotations inside it mean the builtin
import hashlib
import time
import zipfile  # writing only: make_zip packs files the person granted; no zip is read here
import zlib
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, BinaryIO, ClassVar

from capabilities.base import Grant, RunContext, read, write
from capabilities.bytesize import size_text
from capabilities.decoding import DecodeError, decode
from capabilities.engine.outcomes import check_sources, create_outcome, probe_made, remove_made_file
from capabilities.errors import CallError, ErrandError, SourceChanged
from capabilities.folders.capability import FOLDERS, FolderBased
from capabilities.folders.names import check_new_name
from capabilities.folders.overlay import fingerprint_of
from capabilities.plan import Action

if TYPE_CHECKING:
    from capabilities.api.files import Files

__all__ = ["Archives"]

MAX_TOTAL = 4 * 1024**3  # what one extraction may write, all members together (the worker checks it too)
MAX_CREATE = 2 * 1024**3  # the files one new zip may hold
_TEXT = 1000
READ_CHUNK = 64 * 1024 * 1024  # bytes of a member asked for at once (the worker caps it at zips.CHUNK)


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
        found = self._ask("zip.list", self._parts(path), path)
        try:
            return [{"name": _words(m["name"]), "size": _count(m["size"]),
                     "packed_size": _count(m["packed_size"]), "is_folder": m["is_folder"] is True,
                     "modified": _words(m["modified"])[:19],
                     "encrypted": m["encrypted"] is True} for m in found["members"]]
        except (KeyError, TypeError):
            raise _broken(path) from None

    # ---- writes (planned during the preview) ---------------------------------------

    @write
    def extract(self, path: str, folder: str) -> builtins.list[str]:
        """Extract a zip into folder, a new folder (made here); returns the paths of the files it makes."""
        sp = self._parts(path)
        node = self.view.node(sp)
        members = _planned(self._ask("zip.plan", sp, path), path)
        if self.view.exists(self._parts(folder, write=True)):
            raise CallError(f"{folder!r} already exists; extract makes a new folder.",
                            "Choose a folder name that is not taken, e.g. the archive's name.")
        for member in members:  # every target path passes the write checks before any is planned
            self._parts(f"{folder}/{'/'.join(member['inner'])}", write=True)
        self._files().mkdir(folder)
        made = []
        for member in members:
            inner = member["inner"]
            target = f"{folder}/{'/'.join(inner)}"
            if member["is_folder"]:
                self._files().mkdir(target)
                continue
            if len(inner) > 1:
                self._files().mkdir(f"{folder}/{'/'.join(inner[:-1])}")
            facts = self.view.plan_new_file(FOLDERS, target, produced="archives.extract")
            detail = {"archive": self.folders.absolute(sp), "fingerprint": fingerprint_of(node),
                      "member": member["name"], "crc": member["crc"], "size": member["size"],
                      "dst": facts["path"], "replaces": None, "hold_id": None, "mtime_ns": member["mtime_ns"]}
            self.record("extract", {"path": path, "member": member["name"], "dst": target}, detail,
                        f"Make {target} ({size_text(member['size'])}), extracted from {path}", before=path,
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
            raise CallError(f"The files come to {size_text(total)}, more than one zip may hold here "
                            f"({size_text(MAX_CREATE)}).", "Make several smaller zips.")
        facts = self.view.plan_new_file(FOLDERS, path, overwrite=overwrite, produced="archives.make_zip")
        detail = {"sources": sources, "dst": facts["path"], "replaces": facts["replaces"],
                  "hold_id": facts["hold_id"]}
        verb = "Replace" if facts["replaces"] else "Make"
        self.record("make_zip", {"path": path, "files": list(files), "overwrite": overwrite}, detail,
                    f"{verb} {path}: a zip of {len(files)} file{'s' if len(files) != 1 else ''} "
                    f"({size_text(total)})", after=path)
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
            return create_outcome(self.folders, self._target(d["dst"]), lambda out: _unpack(raw, out, action),
                                  d, self.context.holding, "remove the extracted file", d.get("mtime_ns"))

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
            from capabilities.api.files import Files

            self._folder_maker = Files([], self.context)
        return self._folder_maker

    def _ask(self, op: str, parts: tuple[str, ...], shown: str) -> dict[str, Any]:
        """Ask the decoder worker about the zip at ``parts`` (as planned): its facts, or CallError."""
        node = self.view.node(parts)
        if node.is_folder:
            raise CallError(f"{shown!r} is a folder, not a zip archive.", "Give the path of a .zip file.")
        with self.view.open_planned(parts) as raw:
            try:
                result, _ = decode(op, raw, {"shown": shown}, name=repr(shown), what="a zip archive")
            except DecodeError as exc:
                raise CallError(exc.message, exc.hint) from None
        if not isinstance(result, dict):
            raise _broken(shown)
        refused = result.get("refused")
        if isinstance(refused, list) and len(refused) == 2:
            raise CallError(_words(refused[0]), _words(refused[1]))
        return result


def _broken(shown: str) -> CallError:
    return CallError(f"Errand's archive reader gave an answer that makes no sense for {shown!r}.",
                     "The archive may be made to attack Errand; do not extract it.")


def _words(value: Any) -> str:
    """Text from the worker (it quotes names from the archive): printable, and not too long."""
    if not isinstance(value, str):
        raise TypeError
    return "".join(ch for ch in value[:_TEXT] if ch.isprintable())


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError
    return value


def _planned(found: dict[str, Any], shown: str) -> builtins.list[dict[str, Any]]:
    """The members the worker checked, rebuilt; their paths checked again here (zip slip, names)."""
    try:
        members, total = [], 0
        for m in found["members"]:
            inner = [_words(p) for p in m["inner"]]
            if not inner or any(p in ("", ".", "..") or "/" in p or "\\" in p for p in inner):
                raise TypeError
            for part in inner:
                check_new_name(part)
            mtime = m["mtime_ns"]
            if mtime is not None and (isinstance(mtime, bool) or not isinstance(mtime, int)):
                raise TypeError
            size = _count(m["size"])
            total += size
            members.append({"name": _words(m["name"]), "inner": tuple(inner),
                            "is_folder": m["is_folder"] is True, "crc": _count(m["crc"]), "size": size,
                            "mtime_ns": mtime})
    except (KeyError, TypeError, AttributeError):
        raise _broken(shown) from None
    if total > MAX_TOTAL:
        raise _broken(shown)  # the worker refuses these itself; an answer that does not is not believed
    return members


def _unpack(raw: BinaryIO, out: BinaryIO, action: Action) -> None:
    """Write one member, chunk by chunk as the worker unpacks it, checking every chunk and the whole."""
    d = action.detail
    offset, crc = 0, 0
    while True:
        try:
            asked = {"member": d["member"], "crc": d["crc"], "size": d["size"], "offset": offset,
                     "chunk": READ_CHUNK}
            result, blob = decode("zip.read", raw, asked, name=repr(d["member"]), what="a zip member")
        except DecodeError as exc:
            # Its bytes are not what its table of contents says (a wrong CRC, a broken stream):
            # nothing of it is kept, and the rest of the extraction stops here.
            raise ErrandError(f"{action.summary}: the archive's data for {d['member']!r} is damaged "
                              f"({exc.kind}); nothing of it was written.",
                              "The archive may be damaged or made to mislead; do not trust it.") from None
        if not isinstance(result, dict) or "changed" in result:
            raise SourceChanged(f"{action.summary}: that member changed since the preview.",
                                "Preview the chore again.")
        if (result.get("length") != len(blob) or result.get("sha256") != hashlib.sha256(blob).hexdigest()
                or offset + len(blob) > d["size"] or (not blob and offset < d["size"])):
            raise ErrandError(f"{action.summary}: Errand's archive reader sent data for {d['member']!r} that "
                              "does not check out; nothing of it was written.",
                              "The archive may be made to attack Errand; do not trust it.")
        out.write(blob)
        crc = zlib.crc32(blob, crc)
        offset += len(blob)
        if offset >= d["size"]:
            break
    if crc != d["crc"]:  # the worker checked it too; a worker taken over by the archive is not believed
        raise ErrandError(f"{action.summary}: the data for {d['member']!r} does not match its checksum; "
                          "nothing of it was written.", "The archive may be damaged; do not trust it.")


def _pump(src: IO[bytes], out: IO[bytes], limit: int) -> None:
    """Copy at most ``limit`` bytes: what the preview showed, whatever the stream claims."""
    left = limit
    while left > 0 and (chunk := src.read(min(1 << 20, left))):
        out.write(chunk)
        left -= len(chunk)
    if src.read(1):
        raise SourceChanged("The archive member is larger than the preview showed.",
                            "Preview the chore again.")
