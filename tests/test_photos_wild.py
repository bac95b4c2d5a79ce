"""Photos from the wild (issue #17): junk after NUL, control characters, GPS without a fix, dates only
in XMP, no stray warnings. Each fixture is made here and, where it can, checked against exiftool."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from capabilities.decoding.exif import clean_text, read_info
from sandbox import Sandbox
from tests.hostile_files import png_bomb
from tests.imagefactory import exif_bytes, make_photo, make_trip, xmp_packet
from tests.photos_support import Run
from tests.png_exif_text import chunk, with_exif_text
from tests.test_recipes_run import cook

EXIFTOOL = shutil.which("exiftool")
needs_exiftool = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool is not installed")
XMP_FORMATS = (".jpg", ".png", ".webp", ".tif", ".heic")


def exiftool(path: Path, *tags: str) -> dict[str, Any]:
    assert EXIFTOOL is not None
    out = subprocess.run([EXIFTOOL, "-j", "-n", *(f"-{t}" for t in tags), str(path)], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)[0]


@needs_exiftool
def test_camera_names_end_at_their_nul_as_exiftool_reads_them(tmp_path: Path) -> None:
    path = make_photo(tmp_path / "mavica.jpg", make="SONY", model="MAVICA\x003ghx7y")
    oracle = exiftool(path, "Model")["Model"]
    assert oracle == "MAVICA"
    for fast in (True, False):
        assert read_info(path, fast=fast)["camera"] == {"make": "SONY", "model": oracle}
    run = Run(tmp_path, tmp_path)
    assert run("photos.info", f"{tmp_path.name}/mavica.jpg")["camera"]["model"] == "MAVICA"


def test_control_and_bidi_characters_never_reach_a_script() -> None:
    assert clean_text("Canon\x1b[2J\x07 EOS\tR6\r\n") == "Canon[2J EOS R6"
    assert clean_text("gpj.\u202eexe") == "gpj.exe"
    assert clean_text("\x00junk") is None and clean_text("   ") is None


def test_a_terminal_escape_in_a_camera_name_is_removed_through_the_worker(tmp_path: Path) -> None:
    make_photo(tmp_path / "Trip" / "esc.png", make="Evil\x1b]0;pwned\x07Cam", model="X\x1b[31mY")
    info = Run(tmp_path, tmp_path / "Trip")("photos.info", "Trip/esc.png")
    assert info["camera"] == {"make": "Evil]0;pwnedCam", "model": "X[31mY"}


@needs_exiftool
@pytest.mark.parametrize("suffix", (".jpg", ".png", ".tif"))
def test_gps_zero_zero_is_no_position(tmp_path: Path, suffix: str) -> None:
    path = make_photo(tmp_path / f"nofix{suffix}", gps=(0.0, 0.0), taken="2024-07-14 09:15:00")
    assert exiftool(path, "GPSLatitude", "GPSLongitude") == {"SourceFile": str(path), "GPSLatitude": 0,
                                                             "GPSLongitude": 0}
    for fast in (True, False):
        info = read_info(path, fast=fast)
        assert info["gps"] is None and info["missing"] == ["gps", "camera"]
    near = read_info(make_photo(tmp_path / f"gulf{suffix}", gps=(0.0001, 0.0)))  # a real point near 0/0
    assert near["gps"]["lat"] == pytest.approx(0.0001, abs=1e-6)


def test_a_receiver_that_says_its_fix_is_void_gives_no_position(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif.load(exif_bytes(gps=(48.85, 2.29)))
    exif.get_ifd(0x8825)[9] = "V"  # GPSStatus: measurement void
    path = tmp_path / "void.jpg"
    Image.new("RGB", (8, 8)).save(path, exif=exif.tobytes())
    assert read_info(path)["gps"] is None and read_info(path, fast=False)["gps"] is None


@needs_exiftool
@pytest.mark.parametrize("suffix", XMP_FORMATS)
def test_a_date_recorded_only_in_xmp_is_read(tmp_path: Path, suffix: str) -> None:
    pytest.importorskip("pillow_heif") if suffix == ".heic" else None
    packet = xmp_packet(**{"exif:DateTimeOriginal": "2019-03-04T05:06:07+01:00"})
    path = make_photo(tmp_path / f"edited{suffix}", xmp=packet, make="Apple")
    assert exiftool(path, "XMP:DateTimeOriginal")["DateTimeOriginal"] == "2019:03:04 05:06:07+01:00"
    info = Run(tmp_path, tmp_path)("photos.info", f"{tmp_path.name}/edited{suffix}")
    assert info["taken"] == "2019-03-04T05:06:07+01:00" and "taken" not in info["missing"]


def test_exif_dates_win_over_xmp_and_xmp_falls_back_in_order(tmp_path: Path) -> None:
    both = make_photo(tmp_path / "both.jpg", taken="2024-07-14 09:15:00",
                      xmp=xmp_packet(**{"exif:DateTimeOriginal": "2001-01-01T00:00:00"}))
    assert read_info(both)["taken"] == "2024-07-14T09:15:00"
    created = make_photo(tmp_path / "created.jpg", xmp=xmp_packet(**{"xmp:CreateDate": "2020-02-29T23:59Z",
                                                                      "xmp:ModifyDate": "2024-01-01T00:00"}))
    assert read_info(created)["taken"] == "2020-02-29T23:59:00+00:00"
    vague = make_photo(tmp_path / "vague.jpg", xmp=xmp_packet(**{"photoshop:DateCreated": "2020-02"}))
    assert read_info(vague)["taken"] is None  # a month says too little to name a photo by


def _corrupt_exif() -> bytes:
    """EXIF whose maker note points past the block: Pillow warns "Possibly corrupt EXIF data"."""
    block = bytearray(exif_bytes(make="Canon", taken="2024-07-14 09:15:00", extra={0x927C: b"N" * 100}))
    big = block[6:8] == b"MM"  # after the "Exif\0\0" prefix
    entry = block.index(b"\x92\x7c" if big else b"\x7c\x92")
    block[entry + 8:entry + 12] = b"\x00\xff\xff\x00"  # the value's offset, far past the end
    return bytes(block)


def test_a_damaged_exif_block_prints_no_warning_and_still_answers(tmp_path: Path,
                                                                   capfd: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "Trip" / "warn.jpg"
    path.parent.mkdir()
    Image.new("RGB", (16, 16)).save(path, exif=_corrupt_exif())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning Pillow raised here would fail the call
        for fast in (True, False):
            assert read_info(path, fast=fast)["taken"] == "2024-07-14T09:15:00"
        assert Run(tmp_path, path.parent)("photos.info", "Trip/warn.jpg")["camera"]["make"] == "Canon"
    assert capfd.readouterr() == ("", "")  # nothing on the terminal, from Errand or its worker


# ---- PNG EXIF the way ImageMagick and exiftool write it -------------------------------------------

RIO = {"taken": "2021-05-06 07:08:09", "gps": (-22.9068, -43.1729), "make": "Nikon", "model": "Z 6"}


def _expect_rio(info: dict[str, Any]) -> None:
    assert info["taken"] == "2021-05-06T07:08:09" and info["camera"] == {"make": "Nikon", "model": "Z 6"}
    assert info["gps"]["lat"] == pytest.approx(-22.9068, abs=1e-6)
    assert info["gps"]["lon"] == pytest.approx(-43.1729, abs=1e-6)


@pytest.mark.parametrize("kind", [b"zTXt", b"tEXt", b"iTXt"])
def test_exif_in_an_imagemagick_text_profile_is_read_through_the_worker(tmp_path: Path, kind: bytes) -> None:
    path = with_exif_text(make_photo(tmp_path / "Trip" / "magick.png"), exif_bytes(**RIO), kind)
    assert b"eXIf" not in path.read_bytes()  # the text chunk is the only copy
    _expect_rio(read_info(path))
    _expect_rio(Run(tmp_path, tmp_path / "Trip")("photos.info", "Trip/magick.png"))
    if EXIFTOOL is not None:  # the oracle reads the same fixture the same way
        seen = exiftool(path, "GPSLatitude", "GPSLongitude", "Model")
        assert (seen["GPSLatitude"], seen["GPSLongitude"], seen["Model"]) == (-22.9068, -43.1729, "Z 6")


def test_an_app1_profile_with_its_marker_is_read_too(tmp_path: Path) -> None:
    exif = exif_bytes(**RIO)
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif  # the JPEG segment, marker and all
    path = with_exif_text(make_photo(tmp_path / "app1.png"), app1, keyword=b"Raw profile type APP1")
    _expect_rio(read_info(path))


def test_the_exif_chunk_wins_over_an_old_text_profile(tmp_path: Path) -> None:
    path = make_photo(tmp_path / "both.png", taken="2024-07-14 09:15:00", gps=(48.8584, 2.2945),
                      make="Apple", model="iPhone 13")
    with_exif_text(path, exif_bytes(**RIO))  # a stale copy beside the real one
    info = read_info(path)
    assert info["camera"] == {"make": "Apple", "model": "iPhone 13"} and info["gps"]["lat"] == 48.8584


@pytest.mark.parametrize("text", [b"\nexif\n     12\nnot hex at all\n", b"\nexif\n", b"\nexif\n 4\nzz",
                                  bytes(range(256))])
def test_a_damaged_text_profile_is_no_metadata_not_an_error(tmp_path: Path, text: bytes) -> None:
    path = with_exif_text(make_photo(tmp_path / "bad.png"), b"", text=text)
    info = read_info(path)
    assert (info["format"], info["gps"], info["taken"]) == ("PNG", None, None)


def test_a_text_profile_that_does_not_unpack_is_no_metadata(tmp_path: Path) -> None:
    path = make_photo(tmp_path / "bad.png")
    data = path.read_bytes()
    at = 8 + 25
    path.write_bytes(data[:at] + chunk(b"zTXt", b"Raw profile type exif\x00\x00not zlib") + data[at:])
    assert read_info(path)["missing"] == ["taken", "gps", "camera"]


@needs_exiftool
def test_exif_exiftool_writes_into_a_png_is_read_through_the_worker(tmp_path: Path) -> None:
    path = make_photo(tmp_path / "Trip" / "tool.png", size=(32, 24))
    assert EXIFTOOL is not None
    subprocess.run([EXIFTOOL, "-q", "-overwrite_original", "-DateTimeOriginal=2021:05:06 07:08:09",
                    "-GPSLatitude=22.9068", "-GPSLatitudeRef=S", "-GPSLongitude=43.1729",
                    "-GPSLongitudeRef=W", "-Make=Nikon", "-Model=Z 6", str(path)], check=True)
    assert b"eXIf" in path.read_bytes()
    _expect_rio(Run(tmp_path, tmp_path / "Trip")("photos.info", "Trip/tool.png"))


def test_renaming_by_date_and_place_goes_ahead_past_bombs_and_cut_short_files(sandbox: Sandbox,
                                                                             tmp_path: Path) -> None:
    """The folder of issue 17: a 400-megapixel picture stopped the whole recipe. With it here, files
    cut short (a copy that stopped half-way, a header alone), an empty one and text named .jpg."""
    trip = tmp_path / "Trip"
    make_trip(trip)
    png_bomb(trip / "huge.png")
    whole = make_photo(tmp_path / "w.jpg", taken="2024-07-21 10:00:00", gps=(48.8584, 2.2945)).read_bytes()
    (trip / "half.jpg").write_bytes(whole[: len(whole) // 2])  # the header is whole: read as exiftool does
    (trip / "head.jpg").write_bytes(whole[:40])
    (trip / "empty.jpg").write_bytes(b"")
    (trip / "notes.jpg").write_bytes(b"not a picture at all")
    heic = make_photo(tmp_path / "w.heic", taken="2024-07-22 10:00:00").read_bytes()
    (trip / "half.heic").write_bytes(heic[: len(heic) // 2])
    assistant, preview = cook(sandbox, "rename my holiday photos by date and place", [f"files={trip}",
                              "photos", "places"], "photos_by_date_place")
    assert preview.outcome.result == {"renamed": 6, "undated": 5}
    assert "Left as it is (no date recorded): Trip/huge.png" in preview.outcome.log
    for name in ("head.jpg", "empty.jpg", "notes.jpg", "half.heic"):
        assert any(line.startswith(f"Left as it is (cannot be read): Trip/{name}: ")
                   for line in preview.outcome.log), name
    assert ("Trip/half.jpg", "Trip/2024-07-21 Paris 001.jpg") in [(a.args["src"], a.args["dst"])
                                                                  for a in preview.plan]
    report = assistant.apply(preview, approve=lambda p: True)
    assert report.status == "applied" and (trip / "huge.png").exists() and (trip / "notes.jpg").exists()
    assert assistant.undo(report.run_id).refused == []
