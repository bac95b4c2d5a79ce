"""The zip readers the worker runs: list an archive, check it before extraction, unpack one member.

A zip's central directory, its local headers and its compressed streams are hostile bytes; only
this module (``zipfile``, ``zipshape``, zlib's inflate) reads them, in the worker. Errand's
process sends the archive as a passed descriptor and gets plain data back:

* ``zip.list`` — ``{shown}`` → ``{members: [{name, size, packed_size, is_folder, modified,
  encrypted}]}``, or ``{refused: [message, hint]}`` (not a zip, a table of contents too large);
* ``zip.plan`` — ``{shown}`` → ``{members: [{name, inner, is_folder, crc, size, mtime_ns}]}``
  after every check an extraction needs (zip slip, links and devices, encryption, bombs by ratio,
  total size and overlap, duplicate or confusable paths, local headers, compression methods), or
  ``{refused: [message, hint]}`` with the first reason not to extract;
* ``zip.read`` — ``{member, crc, size, offset, chunk}`` → up to ``chunk`` (≤ ``CHUNK``) bytes of
  that member from ``offset`` as the blob, with their SHA-256; the member must still have the CRC
  and size the preview showed, and the last chunk is only sent once the whole stream checked out
  against its CRC. The worker cannot write files; Errand writes the chunks, checking each one's length and
  hash, and the whole member's CRC again itself.

Refusals are Errand's own words (``CallError``), with names from the archive in them; Errand's
process cleans them before showing them.
"""

from __future__ import annotations

import hashlib
import io
import stat
import time
import zipfile
import zlib
from typing import IO, Any, BinaryIO

from capabilities.bytesize import size_text
from capabilities.decoding.ops import Refused, op
from capabilities.decoding.zipshape import MAX_RATIO, RATIO_FLOOR, check_directory, check_layout
from capabilities.errors import CallError, ErrandError
from capabilities.folders.names import check_new_name
from capabilities.folders.overlay import fold

__all__ = ["CHUNK", "MAX_MEMBERS", "MAX_TOTAL"]

MAX_MEMBERS = 10_000
MAX_TOTAL = 4 * 1024**3  # what one extraction may write, all members together
CHUNK = 64 * 1024 * 1024  # bytes of a member one answer carries (a frame holds 256 MB)
_UNPACKED = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what every zip tool writes; bzip2/LZMA are refused


@op("zip.list")
def list_members(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    shown = str(args.get("shown", "the archive"))
    try:
        with _open_zip(source, shown) as archive:
            return {"members": [_member_facts(info) for info in _members(archive, shown)]}, b""
    except ErrandError as exc:  # CallError, and PathRefused for a name no disk may hold
        return {"refused": [exc.message, exc.hint]}, b""


@op("zip.plan")
def plan(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    shown = str(args.get("shown", "the archive"))
    try:
        with _open_zip(source, shown) as archive:
            members = _checked_members(archive, shown)
    except ErrandError as exc:  # CallError, and PathRefused for a name no disk may hold
        return {"refused": [exc.message, exc.hint]}, b""
    return {"members": [{"name": info.filename, "inner": list(inner), "is_folder": info.is_dir(),
                         "crc": info.CRC, "size": info.file_size, "mtime_ns": _zip_time_ns(info)}
                        for info, inner in members]}, b""


@op("zip.read")
def read_member(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    try:
        name, crc = str(args["member"]), int(args["crc"])
        size, offset = int(args["size"]), int(args["offset"])
        chunk = max(1, min(int(args.get("chunk", CHUNK)), CHUNK))
    except (KeyError, TypeError, ValueError):
        raise Refused("broken", "not a member request") from None
    try:
        archive = _open_zip(source, "the archive")
    except ErrandError:
        return {"changed": "the archive cannot be read any more"}, b""
    with archive:
        try:
            info = archive.getinfo(name)
        except KeyError:
            return {"changed": "missing"}, b""
        if (info.CRC, info.file_size) != (crc, size) or info.compress_type not in _UNPACKED:
            return {"changed": "member"}, b""
        try:
            with archive.open(info) as member:  # stops at file_size; a wrong CRC raises at its end
                _skip(member, offset)
                data = member.read(min(chunk, max(0, size - offset)))
                if offset + len(data) >= size:
                    member.read(1)  # reading to the end is what checks the CRC
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
            raise Refused("damaged", type(exc).__name__) from None
    return {"length": len(data), "sha256": hashlib.sha256(data).hexdigest()}, data


def _skip(member: IO[bytes], count: int) -> None:
    left = count
    while left > 0 and (chunk := member.read(min(1 << 20, left))):
        left -= len(chunk)


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
                            f"{size_text(info.compress_size)} to {size_text(info.file_size)}.",
                            "Do not extract it.")
        checked.append((info, inner))
    if total > MAX_TOTAL:
        raise CallError(f"{shown!r} would expand to {size_text(total)}, more than Errand extracts at once "
                        f"({size_text(MAX_TOTAL)}).", "Extract it with the system's own archive tool.")
    _check_tree(checked, shown)
    check_layout(members, _archivesize_text(archive), shown)
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


def _archivesize_text(archive: zipfile.ZipFile) -> int:
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


def warm_up() -> None:
    """List, check and read a small zip before the worker locks itself in."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a/b.txt", b"errand " * 100)
    list_members(io.BytesIO(data.getvalue()), {})
    members = plan(io.BytesIO(data.getvalue()), {})[0]["members"]
    read_member(io.BytesIO(data.getvalue()), {"member": "a/b.txt", "crc": members[-1]["crc"],
                                              "size": members[-1]["size"], "offset": 0})
