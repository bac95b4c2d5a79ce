"""What a zip's own bookkeeping must look like before Errand believes it: checks on the layout,
made in Errand's process before (and instead of) trusting what the central directory says.

Errand reads zips with ``zipfile`` in its own process (see ``archives`` for why). ``zipfile``
builds an object for every entry of the central directory before anyone can count them, and it
believes every entry's sizes and offsets; these checks close the gaps that leaves:

* ``directory_size`` — the central directory's size from the end record (at most the last
  64 KB of the file are read), refused above ``MAX_DIRECTORY`` before ``zipfile`` parses it, so
  a zip of millions of tiny entries cannot fill Errand's memory (an 80 MB zip of 1.5 million
  entries took 0.9 GB and 9 s to refuse by count);
* ``check_layout`` — members whose stored bytes overlap another's (the "overlapping files" zip
  bomb, where thousands of entries share one compressed kernel: Python 3.11 before 3.11.8 does not
  notice), and an archive whose members together expand more than ``MAX_RATIO`` times its size.
"""

from __future__ import annotations

import itertools
import zipfile
from collections.abc import Sequence
from typing import BinaryIO

from capabilities.errors import CallError

__all__ = ["MAX_DIRECTORY", "MAX_RATIO", "RATIO_FLOOR", "check_directory", "check_layout", "directory_size"]

MAX_DIRECTORY = 8 * 1024 * 1024  # 10,000 entries with names of ~800 bytes each; real zips need far less
MAX_RATIO = 200  # deflate reaches ~1000× only on data made to do so (zeros, bombs)
RATIO_FLOOR = 1024 * 1024  # small members (and small archives) may compress as well as they like
LOCAL_HEADER = 30  # bytes of a member's local header before its name


def directory_size(raw: BinaryIO) -> int | None:
    """The central directory's size as the end record declares it (zip64 too); None if there is none."""
    try:
        # zipfile's own end-record reader: it reads only the file's tail, and it is what ZipFile will
        # believe a moment later. Private, but unchanged since Python 2.6.
        end = zipfile._EndRecData(raw)  # type: ignore[attr-defined]
    except (OSError, ValueError, OverflowError):
        return None
    finally:
        raw.seek(0)
    return int(end[zipfile._ECD_SIZE]) if end else None  # type: ignore[attr-defined]


def check_directory(raw: BinaryIO, shown: str) -> None:
    """Refuse a zip whose central directory is larger than any real one Errand opens."""
    size = directory_size(raw)
    if size is not None and size > MAX_DIRECTORY:
        raise CallError(f"{shown!r} has a table of contents of {size:,} bytes, far more than a zip of "
                        "10,000 files needs; Errand does not open it.",
                        "Extract it with the system's own archive tool if you trust where it came from.")


def check_layout(members: Sequence[zipfile.ZipInfo], archive_size: int, shown: str) -> None:
    """Refuse overlapping members, and an archive that expands more than ``MAX_RATIO`` times its size."""
    files = sorted((m for m in members if not m.is_dir()), key=lambda m: m.header_offset)
    for first, second in itertools.pairwise(files):
        # A lower bound of where the first member's stored bytes end: its header, name and data.
        end = first.header_offset + LOCAL_HEADER + len(_stored_name(first)) + first.compress_size
        if end > second.header_offset:
            raise CallError(f"{shown!r} looks like a zip bomb: {first.filename!r} and {second.filename!r} "
                            "share the same stored bytes.", "Do not extract it.")
    total = sum(m.file_size for m in files)
    if total > RATIO_FLOOR and total > MAX_RATIO * max(archive_size, 1):
        raise CallError(f"{shown!r} looks like a zip bomb: {archive_size:,} bytes would expand to "
                        f"{total:,} bytes.", "Do not extract it.")


def _stored_name(member: zipfile.ZipInfo) -> bytes:
    """The name's bytes as the zip stores them (UTF-8 when flagged, else code page 437)."""
    encoding = "utf-8" if member.flag_bits & 0x800 else "cp437"
    return member.orig_filename.encode(encoding, "replace")
