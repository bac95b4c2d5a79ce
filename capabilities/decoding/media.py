"""The music and video tag readers and writer the worker runs (mutagen).

* ``media.tags`` — → ``{kind, artist, album, title, track, year, genre, duration}``;
* ``media.retag`` — ``{tags}`` (the fields to set; "" clears one) → the file with those tags as
  the blob; the audio itself is copied, never decoded.

Only the containers Errand lists are opened (``mutagen.File`` with ``options``), so no other
parser ever sees the bytes.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

import mutagen
from mutagen.easymp4 import EasyMP4
from mutagen.flac import FLAC
from mutagen.mp3 import EasyMP3
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from capabilities.decoding.accepted import MEDIA_FIELDS
from capabilities.decoding.ops import Refused, op
from capabilities.decoding.samples import mp3_bytes

__all__: list[str] = []  # the readers register themselves with ops.op
_OPTIONS = [EasyMP3, EasyMP4, FLAC, OggVorbis, OggOpus]
_KEYS = {
    "artist": "artist",
    "album": "album",
    "title": "title",
    "track": "tracknumber",
    "year": "date",
    "genre": "genre",
}
_MAX_FILE = 1024 * 1024 * 1024


@op("media.tags")
def tags(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    audio = _open(source)
    found = audio.tags or {}
    facts: dict[str, Any] = {"kind": type(audio).__name__.removeprefix("Easy").lower()}
    for field, key in _KEYS.items():
        values = found.get(key) if hasattr(found, "get") else None
        facts[field] = _text(values[0]) if values else None
    facts["track"] = _number(facts["track"])
    facts["year"] = _number((facts["year"] or "")[:4])
    length = getattr(audio.info, "length", None)
    facts["duration"] = round(float(length), 2) if isinstance(length, (int, float)) and length >= 0 else None
    return facts, b""


@op("media.retag")
def retag(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    wanted = args.get("tags")
    if not isinstance(wanted, dict) or not set(wanted) <= set(MEDIA_FIELDS):
        raise Refused("broken", "unknown tags")
    data = source.read(_MAX_FILE + 1)
    if len(data) > _MAX_FILE:
        raise Refused("too_large", "over 1 GB")
    copy = io.BytesIO(data)
    audio = _open(copy)
    if audio.tags is None:
        audio.add_tags()
    for field, value in wanted.items():
        key = _KEYS[field]
        if value in ("", None):
            audio.tags.pop(key, None)
        else:
            audio.tags[key] = [str(value)]
    copy.seek(0)
    audio.save(copy)
    return {"size": len(copy.getvalue())}, copy.getvalue()


def _open(source: BinaryIO) -> Any:
    try:
        audio = mutagen.File(source, options=_OPTIONS)
    except (mutagen.MutagenError, ValueError, EOFError, OverflowError) as exc:
        raise Refused("damaged", type(exc).__name__) from None
    if audio is None:
        raise Refused("unsupported", "not a music or video file Errand reads")
    return audio


def _text(value: Any) -> str | None:
    text = "".join(ch for ch in str(value)[:300] if ch.isprintable()).strip()
    return text or None


def _number(value: Any) -> int | None:
    head = str(value or "").split("/", 1)[0].strip()
    return int(head) if head.isdigit() and len(head) <= 6 else None


def warm_up() -> None:
    """Read and write tags once on a small MP3 before the worker locks itself in."""
    blob = retag(io.BytesIO(mp3_bytes(0.2)), {"tags": {"artist": "Errand", "track": "1"}})[1]
    tags(io.BytesIO(blob), {})
