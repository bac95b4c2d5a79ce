"""Hostile PDFs, Word/OpenDocument files and music files against the real capabilities and the real
decoder worker: each fails its own call with Errand's words (or is read, when it is only odd), the
batch goes on, and a change planned on a hostile file writes nothing."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest

from capabilities.decoding.samples import mp3_bytes
from capabilities.errors import ErrandError
from capabilities.journal import Journal
from desktop.evaluation.makefiles import make_docx, make_pdf
from tests.hostile_documents import W, atom, id3, id3_frame, office, page_tree, pdf, stream
from tests.photos_support import Run

_TEXT = stream(b"BT /F1 12 Tf 10 10 Td (fine text) Tj ET")


def _pdfs() -> dict[str, bytes]:
    """name → bytes of PDFs made to hurt a reader."""
    deep = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 9 9] /Junk " + b"[" * 50_000 + b"]" * 50_000 + b" >>"
    bomb = zlib.compress(b"BT /F1 12 Tf (" + b"a" * (300 << 20) + b") Tj ET", 9)
    million = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + b"5 0 R " * 1000 + b"] /Count 1000000 >>",
               b"<< /Type /Page /Parent 5 0 R /MediaBox [0 0 9 9] /Contents 4 0 R >>", _TEXT,
               b"<< /Type /Pages /Parent 2 0 R /Kids [" + b"3 0 R " * 1000 + b"] /Count 1000 >>"]
    return {
        "deep.pdf": pdf([*page_tree(_TEXT)[:2], deep]),
        "loop.pdf": pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                         b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]),
        "million.pdf": pdf(million),
        "bomb.pdf": pdf(page_tree(stream(bomb, b"/Filter /FlateDecode "))),
        "cut.pdf": pdf(page_tree(_TEXT))[:-60],
        "locked.pdf": pdf([*page_tree(_TEXT), b"<< /Filter /Adobe.PubSec /V 4 /Recipients [<00>] >>"],
                          trailer=b"/Encrypt 5 0 R /ID [<00><00>] "),
        "actions.pdf": pdf([b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>", *page_tree(_TEXT)[1:],
                            b"<< /S /Launch /F (calc.exe) /Next << /S /JavaScript /JS (app.alert(1)) >> >>"]),
    }


def test_hostile_pdfs_each_fail_alone_and_the_batch_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "Papers"
    folder.mkdir()
    hostile = _pdfs()
    for name, data in hostile.items():
        (folder / name).write_bytes(data)
    make_pdf(folder / "good.pdf", ["A good page"], title="Good")
    run = Run(tmp_path, folder, also=("documents",))
    found = {Path(f["path"]).name: f for f in
             run("documents.info_many", [f"Papers/{n}" for n in [*hostile, "good.pdf"]])}
    assert found["good.pdf"]["title"] == "Good" and "A good page" in found["good.pdf"]["text"]
    # Actions are never run: the file is read as text like any other.
    assert "error" not in found["actions.pdf"] and "fine text" in found["actions.pdf"]["text"]
    assert "password-protected" in found["locked.pdf"]["error"]  # a handler pypdf lacks is still a lock
    for name in ("million.pdf", "bomb.pdf"):
        assert "too large to read safely" in found[name]["error"], found[name]
    for name in ("deep.pdf", "loop.pdf", "cut.pdf"):
        assert "damaged or incomplete" in found[name]["error"], found[name]


def test_merge_pdfs_refuses_a_hostile_member_before_planning(tmp_path: Path) -> None:
    folder = tmp_path / "Papers"
    folder.mkdir()
    hostile = _pdfs()
    make_pdf(folder / "good.pdf", ["A good page"])
    for name, data in hostile.items():
        (folder / name).write_bytes(data)
    run = Run(tmp_path, folder, also=("documents",))
    for name, words in (("locked.pdf", "password-protected"), ("million.pdf", "too large"),
                        ("loop.pdf", "damaged")):
        with pytest.raises(ErrandError, match=words):
            run("documents.merge_pdfs", ["Papers/good.pdf", f"Papers/{name}"], "Papers/all.pdf")
    assert list(run.context.plan) == [] and not (folder / "all.pdf").exists()


def _word(xml: str) -> bytes:
    return office({"word/document.xml": xml})


def test_hostile_word_and_opendocument_files_fail_alone(tmp_path: Path) -> None:
    folder = tmp_path / "Papers"
    folder.mkdir()
    laughs = "".join(f'<!ENTITY l{i + 1} "' + f"&l{i};" * 10 + '">' for i in range(9))
    body = f"<w:document {W}><w:body><w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>"
    secret = tmp_path / "secret.txt"
    secret.write_text("the secret\n")
    external = (f'<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]><w:document {W}><w:body><w:p><w:r>'
                "<w:t>&x;</w:t></w:r></w:p></w:body></w:document>")
    declared = bytearray(_word(f"<w:document {W}/>"))
    at = declared.rfind(b"PK\x01\x02") + 24  # the directory's uncompressed size: claim 2 GB
    declared[at:at + 4] = (0x7FFFFFFF).to_bytes(4, "little")
    files = {
        "laughs.docx": _word(f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY l0 "lol">{laughs}]>{body}'),
        "external.docx": _word(external),
        "declared.docx": bytes(declared),
        "parts.docx": office({"docProps/core.xml": "<x/>"}),
        "laughs.odt": office({"content.xml": f'<!DOCTYPE d [<!ENTITY l0 "lol">{laughs}]><o/>'}),
        "zip.docx": b"PK\x03\x04" + bytes(40),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    make_docx(folder / "good.docx", ["Dear Sam,"], title="Letter")
    run = Run(tmp_path, folder, also=("documents",))
    found = run("documents.info_many", [f"Papers/{n}" for n in [*files, "good.docx"]])
    assert [("error" in f) for f in found] == [True] * len(files) + [False]
    assert found[-1]["title"] == "Letter"
    assert "the secret" not in repr(found)
    assert "too large to read safely" in found[2]["error"]
    assert "no word/document.xml" in found[3]["error"]


def test_deeply_nested_paragraphs_are_read_in_one_pass(tmp_path: Path) -> None:
    """200,000 paragraphs each inside the last: reading each one's own subtree cost the square of
    the depth and ran out the worker's CPU budget; read in one pass, the text comes back."""
    folder = tmp_path / "Papers"
    folder.mkdir()
    depth = 200_000
    xml = (f"<w:document {W}><w:body>" + "<w:p><w:r><w:t>x</w:t></w:r>" * depth + "</w:p>" * depth
           + "</w:body></w:document>")
    (folder / "nested.docx").write_bytes(_word(xml))
    run = Run(tmp_path, folder, also=("documents",))
    assert run("documents.text", "Papers/nested.docx", max_chars=5) == "xxxxx"


def _mp3() -> bytes:
    return mp3_bytes(0.5)


def test_hostile_music_files_fail_alone(tmp_path: Path) -> None:
    folder = tmp_path / "Music"
    folder.mkdir()
    audio = _mp3()
    ftyp = atom(b"ftyp", b"M4A \x00\x00\x00\x00")
    deep = b""
    for level in range(3000):
        deep = atom(b"moov" if level % 2 else b"udta", deep)
    files = {
        "tag_too_big.mp3": id3([id3_frame(b"TIT2", b"\x03hi")], size=0x0FFFFFFF) + audio,
        "cut.mp3": audio[:50],
        "only_tag.mp3": id3([id3_frame(b"TIT2", b"\x03hi")]),
        "box_past_end.m4a": ftyp + atom(b"moov", atom(b"udta", size=0xFFFFFFF0)),
        "box_of_nothing.m4a": ftyp + atom(b"moov", atom(b"trak", size=0) * 3),
        "boxes_deep.m4a": ftyp + deep,
        "huge_block.flac": b"fLaC\x00\x00\x00\x22" + bytes(34) + b"\x84\xff\xff\xff" + bytes(10),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "frame_too_big.mp3").write_bytes(id3([id3_frame(b"TIT2", b"\x03Odd", size=0x0FFFFFFF)]) + audio)
    (folder / "good.mp3").write_bytes(audio)
    run = Run(tmp_path, folder, also=("media",))
    found = run("media.tags_many", [f"Music/{n}" for n in [*files, "frame_too_big.mp3", "good.mp3"]])
    assert [("error" in f) for f in found] == [True] * len(files) + [False, False]
    assert all("Could not read" in f["error"] for f in found[:len(files)])
    assert found[-2]["title"] == "Odd" and found[-1]["duration"] == 0.5


def test_set_tags_on_hostile_music_writes_nothing(tmp_path: Path, journal: Journal) -> None:
    folder = tmp_path / "Music"
    folder.mkdir()
    audio = _mp3()
    cut = folder / "cut.mp3"
    cut.write_bytes(audio[:50])
    odd = folder / "odd.mp3"
    original = id3([id3_frame(b"TIT2", b"\x03Odd", size=0x0FFFFFFF)]) + audio
    odd.write_bytes(original)
    run = Run(tmp_path, folder, also=("media",))
    with pytest.raises(ErrandError, match="Could not read"):
        run("media.set_tags", "Music/cut.mp3", artist="Nina")
    assert list(run.context.plan) == [] and cut.read_bytes() == audio[:50]
    # An odd but readable tag is rewritten; the audio after it is kept byte for byte, and undo puts
    # the original back.
    run("media.set_tags", "Music/odd.mp3", artist="Nina")
    rid = run.apply(journal)
    assert odd.read_bytes().endswith(audio) and odd.read_bytes() != original
    assert Run(tmp_path, folder, also=("media",))("media.tags", "Music/odd.mp3")["artist"] == "Nina"
    assert not run.undo(journal, rid).refused
    assert odd.read_bytes() == original


def test_a_pdf_names_in_a_legacy_charset_read_the_same_in_the_worker_as_in_errand(tmp_path: Path) -> None:
    """pypdf decodes a name that is not UTF-8 as GBK: the worker must have that codec before it locks
    itself in (a codec's module is imported on first use). Without it the lookup failed and pypdf
    took the next charset; in a locked PDF's scrambled streams that turned "locked" into "a scan"."""
    from capabilities.decoding import documents

    raw = pdf([*page_tree(_TEXT), b"<< /Title /#C4#E3 >>"], trailer=b"/Info 5 0 R ")
    here = documents.info(io.BytesIO(raw), {"kind": "pdf", "max_chars": 100})[0]
    assert here["title"] == "/你"
    folder = tmp_path / "Papers"
    folder.mkdir()
    (folder / "gbk.pdf").write_bytes(raw)
    run = Run(tmp_path, folder, also=("documents",))
    found = run("documents.info", "Papers/gbk.pdf")
    assert (found["title"], found["text"].strip()) == ("/你", "fine text")
