"""Zips that lie, against the real archives capability: refused in the preview with the reason and
nothing planned, or — when the lie shows only in the data — stopped at apply with Errand's words and
nothing of that member written."""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

import pytest

from capabilities.errors import ErrandError
from capabilities.journal import Journal
from tests.hostile_documents import Member, raw_zip
from tests.photos_support import Run


def _downloads(tmp_path: Path, data: bytes) -> tuple[Path, Run]:
    folder = tmp_path / "Downloads"
    folder.mkdir()
    (folder / "bad.zip").write_bytes(data)
    return folder, Run(tmp_path, folder, also=("archives",))


def _refused(tmp_path: Path, data: bytes, words: str, *, also_list: bool = False) -> None:
    folder, run = _downloads(tmp_path, data)
    calls = [("archives.extract", "Downloads/bad.zip", "Downloads/out")]
    if also_list:
        calls.append(("archives.list", "Downloads/bad.zip"))
    for name, *args in calls:
        with pytest.raises(ErrandError) as refused:
            run(name, *args)
        assert words in refused.value.message, refused.value.message
    assert list(run.context.plan) == [] and sorted(p.name for p in folder.iterdir()) == ["bad.zip"]


def test_a_huge_table_of_contents_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    """200,000 empty entries: zipfile would build every one of them in Errand's memory first."""
    entries = [Member(b"%06d" % n, stored=False, offset=0) for n in range(200_000)]
    _refused(tmp_path, raw_zip([Member(b"x"), *entries]), "table of contents", also_list=True)


def test_a_zip64_end_record_claiming_a_vast_directory_is_refused(tmp_path: Path) -> None:
    body = raw_zip([Member(b"a.txt", b"hello")])
    end = body.rfind(b"PK\x05\x06")
    directory = body.rfind(b"PK\x01\x02")
    zip64 = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 1, 1, 1 << 40, directory)
    locator = struct.pack("<IIQI", 0x07064B50, 0, end, 1)
    classic = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    _refused(tmp_path, body[:end] + zip64 + locator + classic, "table of contents", also_list=True)


def test_overlapping_members_are_a_bomb(tmp_path: Path) -> None:
    """Thousands of entries sharing one compressed kernel: each looks modest, together 3.5 GB."""
    kernel = Member(b"f0000", bytes(900 * 1024))
    shared = [Member(b"f%04d" % n, kernel.data, local_name=b"f0000", stored=False, offset=0)
              for n in range(1, 4000)]
    _refused(tmp_path, raw_zip([kernel, *shared]), "share the same stored bytes")


def test_many_small_members_that_expand_far_more_than_the_zip_are_a_bomb(tmp_path: Path) -> None:
    members = [Member(b"part%04d.bin" % n, bytes(512 * 1024)) for n in range(600)]
    _refused(tmp_path, raw_zip(members), "would expand to")


def test_a_local_name_that_differs_from_the_directory_is_refused_in_the_preview(tmp_path: Path) -> None:
    _refused(tmp_path, raw_zip([Member(b"notes.txt", b"hi", local_name=b"../../.bashrc")]), "made to mislead")


@pytest.mark.parametrize("method", [12, 14, 9], ids=["bzip2", "lzma", "deflate64"])
def test_only_stored_and_deflated_members_are_unpacked(tmp_path: Path, method: int) -> None:
    """Fewer decompressors reachable from Errand's own process: zlib's inflate is the only one."""
    packed = raw_zip([Member(b"a.txt", b"x" * 100, method=method)])
    _refused(tmp_path, packed, "compression Errand does not unpack")


def test_thousands_of_entries_are_listed_and_a_zip_after_other_bytes_is_read(tmp_path: Path) -> None:
    members = [Member(b"photos/%04d.txt" % n, b"%d\n" % n) for n in range(5000)]
    _folder, run = _downloads(tmp_path, raw_zip(members, prefix=b"%PDF-1.4\n% also a zip\n"))
    listed = run("archives.list", "Downloads/bad.zip")
    assert len(listed) == 5000 and listed[4999] == {**listed[4999], "name": "photos/4999.txt", "size": 5}


def test_a_member_whose_data_lies_stops_at_apply_and_writes_nothing_of_it(
    tmp_path: Path, journal: Journal
) -> None:
    """The directory declares 10 bytes with the CRC of other bytes: only the data can tell."""
    data = b"A" * (5 << 20)
    lying = Member(b"b.txt", data, size=10, crc=zlib.crc32(b"honest!!!!"))
    folder, run = _downloads(tmp_path, raw_zip([Member(b"a.txt", b"first\n"), lying]))
    run("archives.extract", "Downloads/bad.zip", "Downloads/out")
    _, report = run.apply_report(journal)
    assert not report.ok and report.error is not None
    assert "is damaged" in report.error.message and "nothing of it was written" in report.error.message
    assert not (folder / "out" / "b.txt").exists()
    assert (folder / "out" / "a.txt").read_bytes() == b"first\n"  # what came before is journaled, undoable


@pytest.mark.parametrize("names", [
    [b"a/b", b"a"],  # a folder, then a file of the same name
    [b"a", b"a/b"],  # a file, then used as a folder
    [b"a", b"a/"],
    [b"Photos/x.jpg", b"photos/y.jpg"],  # one folder in two cases
    ["caf\u00e9/x".encode(), "cafe\u0301/y".encode()],  # one folder in two Unicode forms
], ids=["folder-then-file", "file-then-folder", "file-and-folder-entry", "case", "accents"])
def test_clashing_paths_refuse_the_whole_extraction_before_anything_is_planned(
    tmp_path: Path, names: list[bytes]
) -> None:
    """A refusal half-way through planning left the first members planned: a script that caught the
    error would have had part of the archive approved."""
    members = [Member(name, b"" if name.endswith(b"/") else b"data\n") for name in names]
    _refused(tmp_path, raw_zip(members), "twice, as a file and a folder, or in two spellings")


def test_a_path_too_deep_to_make_refuses_the_whole_extraction(tmp_path: Path) -> None:
    deep = b"/".join([b"d"] * 400) + b"/f.txt"
    _refused(tmp_path, raw_zip([Member(b"first.txt", b"1"), Member(deep, b"2")]), "folders deep")


def _good_zip(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_an_encrypted_member_refuses_the_extraction_and_is_listed_as_encrypted(tmp_path: Path) -> None:
    data = bytearray(_good_zip({"secret.txt": b"top secret\n" * 10}))
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # the flag in both headers
        at = data.find(signature) + flags_at
        data[at] |= 0x1
    (tmp_path / "again").mkdir()
    _refused(tmp_path / "again", bytes(data), "password-protected")
    _folder, run = _downloads(tmp_path, bytes(data))
    assert [m["encrypted"] for m in run("archives.list", "Downloads/bad.zip")] == [True]


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_a_truncated_zip_is_refused_in_list_and_extract(tmp_path: Path, keep: float) -> None:
    whole = _good_zip({f"f{n}.txt": bytes(range(256)) * 40 for n in range(5)})
    _refused(tmp_path, whole[: int(len(whole) * keep)], "not a zip archive Errand can read", also_list=True)


def test_members_that_together_expand_past_the_limit_are_refused(tmp_path: Path) -> None:
    """Each member under the ratio limit, the whole over 4 GB: the total is a bomb of its own."""
    noise = random.Random(7).randbytes(5 << 20)  # incompressible: ~5 MB packed per member
    members = [Member(b"part%d.bin" % n, noise, size=900 << 20) for n in range(5)]
    _refused(tmp_path, raw_zip(members), "more than Errand extracts at once")


def test_a_member_read_in_many_chunks_is_written_exactly_and_undone(
    tmp_path: Path, journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker sends a member in chunks; Errand checks each one's hash and the whole CRC."""
    import capabilities.api.archives

    monkeypatch.setattr(capabilities.api.archives, "READ_CHUNK", 4096)
    payload = random.Random(3).randbytes(50_000)
    folder, run = _downloads(tmp_path, _good_zip({"a/b.bin": payload, "c.txt": b""}))
    run("archives.extract", "Downloads/bad.zip", "Downloads/out")
    rid = run.apply(journal)
    assert (folder / "out" / "a" / "b.bin").read_bytes() == payload
    assert (folder / "out" / "c.txt").read_bytes() == b""
    undo = run.undo(journal, rid)
    assert not undo.refused and undo.undone == len(run.context.plan)
    assert not (folder / "out").exists() and sorted(p.name for p in folder.iterdir()) == ["bad.zip"]
