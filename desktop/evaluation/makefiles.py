"""Real files made at run time for ``errand eval`` (and the tests): photos with the EXIF asked for,
PDFs with real text, Word documents, MP3s with tags, calendars, text, with chosen modified times.
Small, seeded, nothing downloaded.

``make_photo(path, taken=..., offset=..., gps=(lat, lon[, alt]), make=..., model=...,
orientation=..., size=(w, h))`` writes a JPEG/PNG/HEIC/WebP/TIFF/GIF chosen by the extension;
pixels are a flat colour from the file name plus a stripe, so no two photos share content.
Dates go to DateTimeOriginal and DateTimeDigitized (the offset to both offset tags), as phones
write them.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from PIL import Image, TiffImagePlugin

from capabilities.decoding.samples import docx_bytes, mp3_bytes, pdf_bytes

__all__ = ["exif_bytes", "make_calendar", "make_docx", "make_mp3", "make_pdf", "make_photo", "write_file",
           "xmp_packet"]

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_FORMATS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".heic": "HEIF",
    ".heif": "HEIF",
    ".gif": "GIF",
    ".bmp": "BMP",
}


def _rational(value: float) -> TiffImagePlugin.IFDRational:
    frac = Fraction(value).limit_denominator(1_000_000)
    return TiffImagePlugin.IFDRational(frac.numerator, frac.denominator)


def _dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return _rational(degrees), _rational(minutes), _rational(round(seconds, 4))


def exif_bytes(
    *,
    taken: str | datetime | None = None,
    offset: str | None = None,
    gps: tuple[float, float] | tuple[float, float, float] | None = None,
    make: str | None = None,
    model: str | None = None,
    orientation: int | None = None,
    extra: dict[int, Any] | None = None,
    little_endian: bool = False,
) -> bytes:
    """An EXIF block (as Pillow's ``save(exif=...)`` takes it) holding just the fields given.

    ``extra`` adds raw tags to the Exif sub-IFD (exposure, lens, a maker note…) for realistic sizes.
    Pillow writes big-endian ("MM", like many cameras); ``little_endian`` gives "II" (like phones).
    """
    exif = Image.Exif()
    if little_endian:
        exif.endian = "<"
    if orientation is not None:
        exif[0x0112] = orientation
    if make is not None:
        exif[0x010F] = make
    if model is not None:
        exif[0x0110] = model
    if taken is not None:
        stamp = taken if isinstance(taken, str) else taken.strftime("%Y-%m-%d %H:%M:%S")
        stamp = stamp.replace("-", ":", 2).replace("T", " ")
        details = exif.get_ifd(_EXIF_IFD)
        details[0x9003] = details[0x9004] = stamp
        if offset is not None:
            details[0x9011] = details[0x9012] = offset
    if extra:
        exif.get_ifd(_EXIF_IFD).update(extra)
    if gps is not None:
        where = exif.get_ifd(_GPS_IFD)
        lat, lon = gps[0], gps[1]
        where[0] = b"\x02\x03\x00\x00"  # GPSVersionID 2.3
        where[1], where[2] = ("N" if lat >= 0 else "S"), _dms(lat)
        where[3], where[4] = ("E" if lon >= 0 else "W"), _dms(lon)
        if len(gps) > 2:
            where[5] = b"\x00" if gps[2] >= 0 else b"\x01"
            where[6] = _rational(abs(gps[2]))
    return exif.tobytes()


def _pixels(path: Path, size: tuple[int, int]) -> Image.Image:
    seed = hashlib.sha256(path.name.encode()).digest()
    im = Image.new("RGB", size, (seed[0], seed[1], seed[2]))
    stripe = Image.new("RGB", (max(1, size[0] // 4), size[1]), (255 - seed[0], 255 - seed[1], 255 - seed[2]))
    im.paste(stripe, (0, 0))
    return im


def make_photo(path: Path | str, *, size: tuple[int, int] = (64, 48), xmp: str | None = None,
               **fields: Any) -> Path:
    """Write a real image at ``path`` (format from the extension) with the EXIF ``fields`` given.

    ``fields`` are those of ``exif_bytes``: taken, offset, gps=(lat, lon[, altitude]), make, model,
    orientation, extra, little_endian. With none, the file has no EXIF block at all. ``xmp`` is an
    XMP packet stored where each format keeps one (JPEG APP1, PNG iTXt, WebP/HEIC chunk, TIFF tag 700).
    """
    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"make_photo: unknown extension {path.suffix!r}; use one of {sorted(_FORMATS)}")
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    path.parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"quality": 85} if fmt in ("JPEG", "WEBP", "HEIF") else {}
    wanted = {k: v for k, v in fields.items() if v is not None and v is not False}
    if wanted:
        options["exif"] = exif_bytes(**wanted)
    if xmp is not None:
        options.update(_xmp_options(fmt, xmp))
    _pixels(path, size).save(path, fmt, **options)
    return path


def _xmp_options(fmt: str, packet: str) -> dict[str, Any]:
    if fmt == "PNG":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_itxt("XML:com.adobe.xmp", packet)
        return {"pnginfo": info}
    if fmt == "TIFF":
        return {"tiffinfo": {700: packet.encode()}}
    return {"xmp": packet.encode()}


def xmp_packet(**properties: str) -> str:
    """An XMP packet with the given properties as attributes.

    ``xmp_packet(**{"exif:DateTimeOriginal": "2019-03-04T05:06:07+01:00"})``
    """
    attributes = " ".join(f'{name}="{value}"' for name, value in properties.items())
    return ('<x:xmpmeta xmlns:x="adobe:ns:meta/">'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" '
            'xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
            'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
            f"{attributes}/></rdf:RDF></x:xmpmeta>")


def write_file(path: Path, content: str | bytes = b"", *, modified: datetime | None = None) -> Path:
    """Write ``content`` at ``path`` (folders made as needed), optionally back-dating it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(data)
    if modified is not None:
        stamp = modified.timestamp()
        os.utime(path, (stamp, stamp))
    return path


def make_calendar(path: Path, events: list[dict[str, str]]) -> Path:
    """An iCalendar file with one VEVENT per dict (uid, title, start, end as iCalendar UTC stamps
    like ``20250310T090000Z``, optional location)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Errand//eval//EN"]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event['uid']}",
            "DTSTAMP:20250101T000000Z",
            f"DTSTART:{event['start']}",
            f"DTEND:{event['end']}",
            f"SUMMARY:{event['title']}",
        ]
        if event.get("location"):
            lines.append(f"LOCATION:{event['location']}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return write_file(path, "\r\n".join(lines) + "\r\n")


def make_pdf(path: Path, pages: list[str], *, title: str = "", author: str = "",
             created: str = "20240115093000") -> Path:
    """A real PDF: one page per text (empty text: a page with no text, like a scan), with a title."""
    return write_file(path, pdf_bytes(pages, title=title, author=author, created=created))


def make_docx(path: Path, paragraphs: list[str], *, title: str = "", author: str = "") -> Path:
    """A real Word document: paragraphs of text, title and author."""
    return write_file(path, docx_bytes(paragraphs, title=title, author=author))


def make_mp3(path: Path, *, seconds: float = 2.0, **tags: str) -> Path:
    """A real MP3 (silent frames, 128 kbit/s, 44.1 kHz) with ID3 tags: artist, album, title,
    tracknumber, date, genre — any mutagen ``EasyID3`` key."""
    write_file(path, mp3_bytes(seconds))
    if tags:
        from mutagen.easyid3 import EasyID3
        from mutagen.id3 import ID3

        ID3().save(path)
        easy = EasyID3(path)
        for key, value in tags.items():
            easy[key] = value
        easy.save()
    return path
