"""The documents capability on real PDF, Word and OpenDocument files made here: text and facts read
by the decoder worker; password-protected and scanned documents said plainly; merged PDFs applied
and undone through the real journal."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pypdf
import pytest

from capabilities.errors import CallError, ErrandError
from capabilities.journal import Journal
from desktop.evaluation.makefiles import make_docx, make_pdf, write_file
from desktop.evaluation.tree import snapshot, undo_differences
from tests.photos_support import Run


@pytest.fixture
def papers(tmp_path: Path) -> Path:
    folder = tmp_path / "Papers"
    make_pdf(
        folder / "invoice.pdf",
        ["INVOICE 2024-031\nACME Tools Ltd\nTotal due: 129.00 EUR", "Page two"],
        title="Invoice 2024-031",
        author="ACME Tools Ltd",
        created="20240305101500",
    )
    make_pdf(folder / "scan.pdf", ["", ""], title="Scanned page")
    make_docx(
        folder / "letter.docx", ["Dear Sam,", "See you on Friday."], title="Letter to Sam", author="Kim"
    )
    return folder


def docs_run(tmp_path: Path, folder: Path) -> Run:
    return Run(tmp_path, folder, also=("documents",))


def test_pdf_text_and_facts(tmp_path: Path, papers: Path) -> None:
    run = docs_run(tmp_path, papers)
    info = run("documents.info", "Papers/invoice.pdf")
    assert (info["kind"], info["pages"], info["title"], info["author"]) == (
        "pdf",
        2,
        "Invoice 2024-031",
        "ACME Tools Ltd",
    )
    assert info["created"] == "2024-03-05T10:15:00" and not info["scanned"]
    assert "Total due: 129.00 EUR" in info["text"]
    assert run("documents.text", "Papers/invoice.pdf").splitlines()[:2] == [
        "INVOICE 2024-031",
        "ACME Tools Ltd",
    ]
    assert run("documents.text", "Papers/invoice.pdf", max_chars=7) == "INVOICE"


def test_word_text_and_title(tmp_path: Path, papers: Path) -> None:
    run = docs_run(tmp_path, papers)
    info = run("documents.info", "Papers/letter.docx")
    assert (info["kind"], info["title"], info["author"]) == ("docx", "Letter to Sam", "Kim")
    assert run("documents.text", "Papers/letter.docx") == "Dear Sam,\nSee you on Friday."


def test_opendocument_text(tmp_path: Path) -> None:
    folder = tmp_path / "Papers"
    content = (
        '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:'
        'xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body>'
        "<office:text><text:p>Minutes of the meeting</text:p><text:p>All agreed.</text:p></office:text>"
        "</office:body></office:document-content>"
    )
    folder.mkdir()
    with zipfile.ZipFile(folder / "minutes.odt", "w") as odt:
        odt.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        odt.writestr("content.xml", content)
    run = docs_run(tmp_path, folder)
    assert run("documents.text", "Papers/minutes.odt") == "Minutes of the meeting\nAll agreed."


def test_a_scan_is_said_to_have_no_text(tmp_path: Path, papers: Path) -> None:
    run = docs_run(tmp_path, papers)
    assert run("documents.info", "Papers/scan.pdf")["scanned"] is True
    with pytest.raises(CallError, match="scan"):
        run("documents.text", "Papers/scan.pdf")


def test_a_password_protected_pdf_is_said_so(tmp_path: Path, papers: Path) -> None:
    writer = pypdf.PdfWriter(clone_from=str(papers / "invoice.pdf"))
    writer.encrypt("secret")
    with (papers / "locked.pdf").open("wb") as out:
        writer.write(out)
    run = docs_run(tmp_path, papers)
    with pytest.raises(CallError, match="password-protected"):
        run("documents.text", "Papers/locked.pdf")


def test_damaged_and_hostile_documents_fail_alone(tmp_path: Path, papers: Path) -> None:
    write_file(papers / "cut.pdf", (papers / "invoice.pdf").read_bytes()[:200])
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        ']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        "<w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>"
    )
    with zipfile.ZipFile(papers / "entities.docx", "w") as docx:
        docx.writestr("word/document.xml", bomb)
    write_file(papers / "notes.pdf", "not a pdf at all\n")
    run = docs_run(tmp_path, papers)
    found = run(
        "documents.info_many",
        ["Papers/cut.pdf", "Papers/entities.docx", "Papers/notes.pdf", "Papers/letter.docx"],
    )
    assert [("error" in f) for f in found] == [True, True, True, False]
    assert all("Errand" in f["error"] or "read" in f["error"] for f in found[:3])
    assert found[3]["title"] == "Letter to Sam"


def test_only_documents_are_read(tmp_path: Path, papers: Path) -> None:
    write_file(papers / "photo.jpg", b"\xff\xd8")
    run = docs_run(tmp_path, papers)
    with pytest.raises(CallError, match="not a PDF, Word"):
        run("documents.info", "Papers/photo.jpg")


def test_merge_pdfs_then_undo(tmp_path: Path, papers: Path, journal: Journal) -> None:
    make_pdf(papers / "receipt.pdf", ["Receipt 77"])
    before = snapshot(papers)
    run = docs_run(tmp_path, papers)
    run("documents.merge_pdfs", ["Papers/invoice.pdf", "Papers/receipt.pdf"], "Papers/all.pdf")
    assert [a.summary for a in run.context.plan] == ["Make Papers/all.pdf: 2 PDFs merged (3 pages)"]
    rid = run.apply(journal)
    merged = pypdf.PdfReader(io.BytesIO((papers / "all.pdf").read_bytes()))
    assert len(merged.pages) == 3 and "Receipt 77" in merged.pages[2].extract_text()
    assert not run.undo(journal, rid).refused
    assert undo_differences(before, snapshot(papers)) == []


def test_merge_refuses_what_is_not_a_pdf(tmp_path: Path, papers: Path) -> None:
    run = docs_run(tmp_path, papers)
    with pytest.raises(ErrandError, match="not a PDF"):
        run("documents.merge_pdfs", ["Papers/invoice.pdf", "Papers/letter.docx"], "Papers/all.pdf")
