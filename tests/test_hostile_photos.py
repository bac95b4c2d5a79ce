"""``photos.strip_location`` on JPEGs and PNGs built to break its segment rewriter: the result is a
picture without its place, or a clean refusal; the original is never lost, and undo restores it."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from capabilities.base import RunContext
from capabilities.decoding import MAX_INPUT, DecodeError, decode
from capabilities.engine.apply import apply_plan
from capabilities.errors import ErrandError
from capabilities.journal import Journal
from capabilities.registry import instantiate
from tests.hostile_documents import jpeg_with_place, segment
from tests.photos_support import Run

_JFIF = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")


def _exif_segment(jpeg: bytes) -> bytes:
    at = jpeg.find(b"\xff\xe1")
    return jpeg[at:at + 2 + int.from_bytes(jpeg[at + 2:at + 4], "big")]


def _after_metadata(jpeg: bytes) -> bytes:
    """The JPEG's segments from its quantisation tables on: the picture without any metadata."""
    return jpeg[jpeg.find(b"\xff\xdb"):]


def _photos(tmp_path: Path, files: dict[str, bytes]) -> tuple[Path, Run]:
    folder = tmp_path / "Photos"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder, Run(tmp_path, folder)


def _apply(run: Run, journal: Journal) -> object:
    rid = journal.start_run("strip", "...", run.grants)
    journal.save_plan(rid, run.context.plan)
    journal.set_status(rid, "previewed")
    fresh = instantiate(run.grants, RunContext(holding=run.holding))
    return apply_plan(journal, rid, run.context.plan, fresh)


def test_fill_bytes_before_a_marker_are_allowed_and_undo_restores_the_original(
    tmp_path: Path, journal: Journal
) -> None:
    real = jpeg_with_place()
    original = b"\xff\xd8\xff\xff\xff" + _exif_segment(real)[1:] + _after_metadata(real)
    folder, run = _photos(tmp_path, {"fill.jpg": original})
    assert run("photos.strip_location", "Photos/fill.jpg") is True
    report = _apply(run, journal)
    assert report.ok, report.error
    with Image.open(folder / "fill.jpg") as stripped:
        stripped.load()
        assert stripped.size == (32, 24) and 0x8825 not in stripped.getexif()
        assert stripped.getexif()[0x010F] == "Errand test camera"  # only the place is gone
    assert not run.undo(journal, report.run_id).refused
    assert (folder / "fill.jpg").read_bytes() == original


@pytest.mark.parametrize("shape", ["junk between segments", "length 0", "length 1"])
def test_broken_segments_are_refused_at_apply_and_the_original_stays(
    tmp_path: Path, journal: Journal, shape: str
) -> None:
    real = jpeg_with_place()
    exif, rest = _exif_segment(real), _after_metadata(real)
    original = {
        "junk between segments": b"\xff\xd8" + _JFIF + b"\x00\x00" + exif + rest,
        "length 0": b"\xff\xd8" + exif + b"\xff\xe2\x00\x00" + rest,
        "length 1": b"\xff\xd8" + exif + b"\xff\xe2\x00\x01" + rest,
    }[shape]
    folder, run = _photos(tmp_path, {"odd.jpg": original})
    assert run("photos.strip_location", "Photos/odd.jpg") is True  # the header reader sees the place
    report = _apply(run, journal)
    assert not report.ok and report.error is not None
    assert "damaged or incomplete" in report.error.message, report.error.message
    assert (folder / "odd.jpg").read_bytes() == original
    assert sorted(p.name for p in folder.iterdir()) == ["odd.jpg"]


def test_a_jpeg_without_image_data_is_never_rewritten(tmp_path: Path) -> None:
    """The worker once answered a JPEG with no start of scan with a 38-byte file that is no picture."""
    real = jpeg_with_place()
    for broken in (b"\xff\xd8" + _exif_segment(real), b"\xff\xd8" + _exif_segment(real) + b"\xff\xd9"):
        with pytest.raises(DecodeError) as refused:
            decode("image.strip_location", broken, {}, name="cut.jpg")
        assert refused.value.kind == "damaged" and "before its image data" in refused.value.message
    _folder, run = _photos(tmp_path, {"cut.jpg": b"\xff\xd8" + _exif_segment(real)})
    with pytest.raises(ErrandError, match=r"cut\.jpg"):
        run("photos.strip_location", "Photos/cut.jpg")
    assert list(run.context.plan) == []


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@pytest.mark.parametrize("text", ["huge", "compressed bomb"])
def test_a_png_with_an_enormous_text_chunk_is_refused_cleanly(tmp_path: Path, text: str) -> None:
    plain = io.BytesIO()
    Image.new("RGB", (8, 8)).save(plain, "PNG")
    head, tail = plain.getvalue()[:33], plain.getvalue()[33:]
    body = (b"XML:com.adobe.xmp\x00\x00\x00\x00\x00GPS" + b"x" * (90 << 20) if text == "huge"
            else b"XML:com.adobe.xmp\x00\x01\x00\x00\x00" + zlib.compress(b"GPS" + b" " * (300 << 20)))
    original = head + _png_chunk(b"iTXt", body) + tail
    folder, run = _photos(tmp_path, {"big.png": original})
    with pytest.raises(ErrandError, match="damaged or incomplete"):
        run("photos.strip_location", "Photos/big.png")
    assert list(run.context.plan) == [] and (folder / "big.png").read_bytes() == original


def test_a_contact_sheet_of_more_bytes_than_one_request_carries_is_refused_in_the_preview(
    tmp_path: Path,
) -> None:
    """Apply reads every picture into Errand's memory and sends them in one request: the preview
    refuses what would not fit, instead of apply failing with a frame error."""
    folder, run = _photos(tmp_path, {f"big{n}.jpg": jpeg_with_place() for n in range(3)})
    for n in range(3):
        with (folder / f"big{n}.jpg").open("r+b") as grown:
            grown.truncate(90 << 20)  # a real JPEG header, then a sparse tail: 90 MB on no disk
    with pytest.raises(ErrandError, match="more than one sheet is made from"):
        run("photos.contact_sheet", [f"Photos/big{n}.jpg" for n in range(3)], "Photos/sheet.jpg")
    assert list(run.context.plan) == []


def test_a_request_larger_than_the_worker_takes_is_a_clean_error() -> None:
    with pytest.raises(DecodeError) as refused:
        decode("document.merge_pdfs", bytes(MAX_INPUT + 1), {"sizes": [MAX_INPUT + 1]}, name="all.pdf")
    assert refused.value.kind == "too_large" and "too much to read safely" in refused.value.message


def test_a_png_keeps_every_other_byte_and_loses_every_copy_of_its_place(
    tmp_path: Path, journal: Journal
) -> None:
    """16-bit colour, the resolution and unknown chunks stay byte for byte (a re-encode made the
    picture 8-bit and dropped them); the place goes from the EXIF block and from an old-style
    EXIF text profile beside it, which the re-encode copied into the result."""
    place = Image.Exif()
    place[0x010F] = "Errand test camera"
    place.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 30.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    tiff = place.tobytes()[6:]
    profile = b"Raw profile type exif\x00\x00" + zlib.compress(
        b"\nexif\n%8d\n" % len(place.tobytes()) + place.tobytes().hex().encode())
    rows = b"".join(b"\x00" + struct.pack(">HHH", 65535, 257 * y, 12345) * 4 for y in range(3))
    ihdr = struct.pack(">IIBBBBB", 4, 3, 16, 2, 0, 0, 0)
    kept = [_png_chunk(b"IHDR", ihdr), _png_chunk(b"pHYs", struct.pack(">IIB", 11811, 11811, 1)),
            _png_chunk(b"abCd", b"a chunk nobody knows")]
    original = (b"\x89PNG\r\n\x1a\n" + b"".join(kept) + _png_chunk(b"eXIf", tiff)
                + _png_chunk(b"zTXt", profile) + _png_chunk(b"IDAT", zlib.compress(rows))
                + _png_chunk(b"IEND", b""))
    folder, run = _photos(tmp_path, {"deep.png": original})
    assert run("photos.strip_location", "Photos/deep.png") is True
    report = _apply(run, journal)
    assert report.ok, report.error
    stripped = (folder / "deep.png").read_bytes()
    assert all(chunk in stripped for chunk in kept) and _png_chunk(b"IDAT", zlib.compress(rows)) in stripped
    assert b"Raw profile type exif" not in stripped
    with Image.open(io.BytesIO(stripped)) as picture:
        assert picture.mode.startswith("RGB") or picture.mode.startswith("I")
        assert 0x8825 not in picture.getexif() and picture.getexif()[0x010F] == "Errand test camera"
    assert not run.undo(journal, report.run_id).refused
    assert (folder / "deep.png").read_bytes() == original
