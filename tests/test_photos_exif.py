"""Reading photo metadata: real files written by Pillow, read back, and checked against exiftool."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from capabilities.decoding.exif import read_info
from capabilities.errors import BackendError, ErrandError
from tests.imagefactory import TRIP, make_photo, make_trip

EXIFTOOL = shutil.which("exiftool")
needs_exiftool = pytest.mark.skipif(
    EXIFTOOL is None, reason="exiftool is not installed (apt-get install libimage-exiftool-perl)")


def test_trip_photos_read_back_with_dates_offsets_gps_and_camera(tmp_path: Path) -> None:
    paths = make_trip(tmp_path)
    infos = {p.name: read_info(p) for p in paths}
    first = infos["IMG_0001.jpg"]
    assert first["format"] == "JPEG"
    assert (first["width"], first["height"]) == (64, 48)
    assert first["taken"] == "2024-07-14T09:15:00+02:00"
    assert first["gps"] == {"lat": pytest.approx(48.8584, abs=1e-6), "lon": pytest.approx(2.2945, abs=1e-6),
                            "altitude": 35.0}
    assert first["camera"] == {"make": "Apple", "model": "iPhone 13"}
    assert first["missing"] == []
    assert infos["IMG_0002.jpg"]["orientation"] == 6
    assert infos["IMG_0004.jpg"]["taken"] == "2024-07-19T20:45:10-04:00"
    assert infos["IMG_0004.jpg"]["gps"]["lon"] == pytest.approx(-73.9855, abs=1e-6)
    no_gps = infos["IMG_0005.jpg"]
    assert no_gps["taken"] == "2024-07-20T07:00:00"  # no offset recorded: none invented
    assert no_gps["gps"] is None and no_gps["missing"] == ["gps"]


def test_southern_western_and_below_sea_level(tmp_path: Path) -> None:
    path = make_photo(tmp_path / "dead-sea.jpg", gps=(-31.5, -70.25, -430.5), taken="2020-02-29 23:59:59")
    info = read_info(path)
    assert info["gps"] == {"lat": pytest.approx(-31.5), "lon": pytest.approx(-70.25), "altitude": -430.5}
    assert info["taken"] == "2020-02-29T23:59:59"


def test_a_file_without_exif_says_what_is_missing(tmp_path: Path) -> None:
    info = read_info(make_photo(tmp_path / "scan.jpg", size=(120, 80)))
    assert (info["width"], info["height"]) == (120, 80)
    assert info["taken"] is None and info["gps"] is None and info["camera"] is None
    assert info["orientation"] is None
    assert info["missing"] == ["taken", "gps", "camera"]


def test_png_with_and_without_exif(tmp_path: Path) -> None:
    tagged = read_info(make_photo(tmp_path / "shot.png", taken="2023-01-02 03:04:05", offset="-05:00",
                                  gps=(-33.8568, 151.2153), make="Sony", model="ILCE-7M3"))
    assert tagged["format"] == "PNG"
    assert tagged["taken"] == "2023-01-02T03:04:05-05:00"
    assert tagged["gps"]["lat"] == pytest.approx(-33.8568, abs=1e-6)
    assert tagged["camera"] == {"make": "Sony", "model": "ILCE-7M3"}
    plain = read_info(make_photo(tmp_path / "diagram.png", size=(30, 20)))
    assert plain["format"] == "PNG" and (plain["width"], plain["height"]) == (30, 20)
    assert plain["missing"] == ["taken", "gps", "camera"]


def test_heic_through_pillow_heif(tmp_path: Path) -> None:
    pytest.importorskip("pillow_heif", reason="pillow-heif is not installed")
    info = read_info(make_photo(tmp_path / "IMG_7000.HEIC", taken="2025-03-01 12:00:00", offset="+09:00",
                                gps=(35.6595, 139.7005), make="Apple", model="iPhone 15"))
    assert info["format"] == "HEIF"
    assert info["taken"] == "2025-03-01T12:00:00+09:00"
    assert info["gps"]["lat"] == pytest.approx(35.6595, abs=1e-6)
    assert info["camera"]["model"] == "iPhone 15"
    disguised = tmp_path / "IMG_7001.jpg"  # a HEIC renamed to .jpg is still read
    disguised.write_bytes((tmp_path / "IMG_7000.HEIC").read_bytes())
    assert read_info(disguised)["taken"] == "2025-03-01T12:00:00+09:00"


def test_unusable_dates_are_absent_not_wrong(tmp_path: Path) -> None:
    info = read_info(make_photo(tmp_path / "blank.jpg", taken="0000:00:00 00:00:00", make="X"))
    assert info["taken"] is None and "taken" in info["missing"]


def test_not_an_image_and_a_truncated_image_give_clear_errors(tmp_path: Path) -> None:
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    with pytest.raises(ErrandError) as err:
        read_info(text)
    assert "not an image" in err.value.message and "JPEG" in err.value.hint
    good = make_photo(tmp_path / "whole.jpg", taken="2024-01-01 10:00:00")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(good.read_bytes()[:40])
    with pytest.raises(BackendError) as err:
        read_info(cut)
    assert "cut.jpg" in err.value.message and "damaged" in err.value.hint


@needs_exiftool
def test_exiftool_agrees(tmp_path: Path) -> None:
    paths = make_trip(tmp_path)
    paths.append(make_photo(tmp_path / "south.png", taken="2023-01-02 03:04:05", offset="-05:00",
                            gps=(-33.8568, 151.2153, -3.5), make="Sony", model="ILCE-7M3", orientation=8))
    out = subprocess.run([EXIFTOOL, "-j", "-n", "-DateTimeOriginal", "-OffsetTimeOriginal", "-GPSLatitude",
                          "-GPSLongitude", "-GPSAltitude", "-Make", "-Model", "-Orientation", "-ImageWidth",
                          "-ImageHeight", *map(str, paths)], capture_output=True, text=True, check=True)
    theirs = {Path(d["SourceFile"]).name: d for d in json.loads(out.stdout)}
    assert len(theirs) == len(paths)
    for path in paths:
        mine, other = read_info(path), theirs[path.name]
        stamp = other["DateTimeOriginal"].replace(":", "-", 2).replace(" ", "T")
        assert mine["taken"] == stamp + other.get("OffsetTimeOriginal", ""), path.name
        assert (mine["width"], mine["height"]) == (other["ImageWidth"], other["ImageHeight"])
        assert mine["orientation"] == other.get("Orientation")
        assert mine["camera"] == {"make": other["Make"], "model": other["Model"]}
        if "GPSLatitude" in other:
            assert mine["gps"]["lat"] == pytest.approx(other["GPSLatitude"], abs=1e-6)
            assert mine["gps"]["lon"] == pytest.approx(other["GPSLongitude"], abs=1e-6)
            assert mine["gps"]["altitude"] == pytest.approx(other["GPSAltitude"], abs=1e-3)
        else:
            assert mine["gps"] is None and TRIP.get(path.name, {}).get("gps") is None


# ---- the fast JPEG header reader agrees with Pillow ---------------------------------------

_dates = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda d: d.replace(microsecond=0))
_offsets = st.sampled_from(["+00:00", "+02:00", "-04:00", "+05:30", "-09:30", "+14:00"])
_words = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=24)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(taken=st.none() | _dates, offset=st.none() | _offsets,
       gps=st.none() | st.tuples(st.floats(-89.9, 89.9), st.floats(-179.9, 179.9), st.floats(-400, 9000)),
       make=st.none() | _words, model=st.none() | _words, orientation=st.none() | st.integers(1, 8),
       progressive=st.booleans(), little_endian=st.booleans())
def test_fast_reader_matches_pillow(tmp_path: Path, taken: datetime | None, offset: str | None,
                                    gps: tuple[float, float, float] | None, make: str | None,
                                    model: str | None, orientation: int | None, progressive: bool,
                                    little_endian: bool) -> None:
    path = make_photo(tmp_path / "h.jpg", taken=taken, offset=offset if taken else None, gps=gps, make=make,
                      model=model, orientation=orientation, little_endian=little_endian)
    if progressive:
        with Image.open(path) as im:
            im.save(path, "JPEG", exif=im.info.get("exif", b""), progressive=True)
    fast, pillow = read_info(path), read_info(path, fast=False)
    assert fast == pillow
    assert (fast["taken"] is None) == (taken is None)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")  # Pillow's own words for the broken block
def test_fast_reader_falls_back_where_it_is_unsure(tmp_path: Path) -> None:
    # XMP may hold the orientation when EXIF does not: Pillow reads it, so Pillow answers.
    path = make_photo(tmp_path / "xmp.jpg", taken="2024-01-01 10:00:00")
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
           b'syntax-ns#"><rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/>'
           b'</rdf:RDF></x:xmpmeta>')
    with Image.open(path) as im:
        im.save(path, "JPEG", exif=im.info["exif"], xmp=xmp)
    assert read_info(path) == read_info(path, fast=False)
    assert read_info(path)["orientation"] == 6
    # An EXIF block whose pointer leads outside it: both paths answer the same.
    data = bytearray(make_photo(tmp_path / "bad.jpg", taken="2024-01-01 10:00:00", make="X",
                                little_endian=True).read_bytes())
    at = data.index(b"Exif\x00\x00II") + 6
    ifd0 = at + int.from_bytes(data[at + 4:at + 8], "little")
    entries = [ifd0 + 2 + 12 * i for i in range(int.from_bytes(data[ifd0:ifd0 + 2], "little"))]
    (pointer,) = [e for e in entries if data[e:e + 2] == (0x8769).to_bytes(2, "little")]
    data[pointer + 8:pointer + 12] = (60000).to_bytes(4, "little")
    (tmp_path / "bad.jpg").write_bytes(bytes(data))
    fast = read_info(tmp_path / "bad.jpg")
    assert fast == read_info(tmp_path / "bad.jpg", fast=False)
    assert fast["taken"] is None and fast["camera"] == {"make": "X", "model": None}


@needs_exiftool
def test_exif_written_by_exiftool(tmp_path: Path) -> None:
    path = make_photo(tmp_path / "mm.jpg")
    subprocess.run([EXIFTOOL, "-q", "-overwrite_original", "-DateTimeOriginal=2021:05:06 07:08:09",
                    "-OffsetTimeOriginal=-03:00", "-GPSLatitude=22.9068", "-GPSLatitudeRef=S",
                    "-GPSLongitude=43.1729", "-GPSLongitudeRef=W", "-Make=Nikon", "-Model=Z 6",
                    "-Orientation#=8", str(path)], check=True)
    info = read_info(path)
    assert info == read_info(path, fast=False)
    assert info["taken"] == "2021-05-06T07:08:09-03:00"
    assert info["gps"]["lat"] == pytest.approx(-22.9068, abs=1e-6)
    assert info["gps"]["lon"] == pytest.approx(-43.1729, abs=1e-6)
    assert info["orientation"] == 8 and info["camera"] == {"make": "Nikon", "model": "Z 6"}


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about the corrupt blocks it meets
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.integers(0, 700), st.integers(0, 255)), min_size=1, max_size=8))
def test_damaged_headers_give_an_answer_or_a_clear_error(tmp_path: Path,
                                                        edits: list[tuple[int, int]]) -> None:
    data = bytearray(make_photo(tmp_path / "ok.jpg", taken="2024-07-14 09:15:00", offset="+02:00",
                                gps=(48.8584, 2.2945, 35.0), make="Apple", model="iPhone 13").read_bytes())
    for at, value in edits:
        data[at % len(data)] = value
    damaged = tmp_path / "damaged.jpg"
    damaged.write_bytes(bytes(data))
    try:
        info = read_info(damaged)
    except ErrandError as exc:
        assert exc.message and exc.hint
    else:
        assert {"format", "width", "height", "taken", "gps", "camera", "missing"} <= set(info)


def test_png_exif_after_the_pixels_is_found_without_decoding(tmp_path: Path) -> None:
    # Some editors write eXIf after IDAT; the chunk walk must still find it.
    data = make_photo(tmp_path / "early.png", size=(300, 200), taken="2022-02-02 02:02:02",
                      gps=(64.1466, -21.9426)).read_bytes()
    at = data.index(b"eXIf") - 4
    length = int.from_bytes(data[at:at + 4], "big")
    chunk = data[at:at + 12 + length]
    rest = data[:at] + data[at + 12 + length:]
    end = rest.index(b"IEND") - 4
    late = tmp_path / "late.png"
    late.write_bytes(rest[:end] + chunk + rest[end:])
    assert late.read_bytes().index(b"eXIf") > late.read_bytes().index(b"IDAT")
    info = read_info(late)
    assert info["taken"] == "2022-02-02T02:02:02"
    assert info["gps"]["lat"] == pytest.approx(64.1466, abs=1e-6)
    assert (info["width"], info["height"]) == (300, 200)
