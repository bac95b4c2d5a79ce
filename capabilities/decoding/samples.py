"""Small real documents and sounds, made in memory: the decoder worker walks its readers over them
before it locks itself in, and ``errand eval`` and the tests write them to disk
(``desktop.evaluation.makefiles``). Written field by field; nothing copied from elsewhere."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

__all__ = ["docx_bytes", "mp3_bytes", "pdf_bytes"]


def pdf_bytes(
    pages: list[str], *, title: str = "", author: str = "", created: str = "20240115093000"
) -> bytes:
    """A real PDF: one page per text (empty text: a page with no text, like a scan), Helvetica, with
    a document-information title and author. Written object by object, offsets computed."""
    fonts = "<< /Font << /F1 5 0 R >> >>"
    kids = " ".join(f"{6 + 2 * i} 0 R" for i in range(len(pages)))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>",
        f"<< /Title ({_pdf_text(title)}) /Author ({_pdf_text(author)}) /CreationDate (D:{created}) >>",
        "",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, text in enumerate(pages):
        lines = " T* ".join(f"({_pdf_text(line)}) Tj" for line in text.splitlines()) if text else ""
        stream = f"BT /F1 12 Tf 14 TL 72 720 Td {lines} ET" if lines else ""
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {7 + 2 * i} 0 R "
            f"/Resources {fonts} >>"
        )
        objects.append(f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream")
    objects[3] = "<< >>"  # unused slot, kept so object numbers stay simple
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R /Info 3 0 R >>"
    out += f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _pdf_text(text: str) -> str:
    return (
        text.encode("latin-1", "replace")
        .decode("latin-1")
        .replace("\\", "\\\\")
        .replace("(", "\\(")
        .replace(")", "\\)")
    )


def docx_bytes(paragraphs: list[str], *, title: str = "", author: str = "") -> bytes:
    """A real Word document (the parts Word itself needs): paragraphs of text, title and author."""
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>' for p in paragraphs)
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    ooxml, package = "http://schemas.openxmlformats.org", "http://schemas.openxmlformats.org/package/2006"
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    rel = f"{ooxml}/officeDocument/2006/relationships/officeDocument"
    parts = {
        "[Content_Types].xml": f'{head}<Types xmlns="{package}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{main}"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>',
        "_rels/.rels": f'{head}<Relationships xmlns="{package}/relationships">'
        f'<Relationship Id="rId1" Type="{rel}" Target="word/document.xml"/>'
        f'<Relationship Id="rId2" Type="{package}/relationships/metadata/core-properties" '
        'Target="docProps/core.xml"/></Relationships>',
        "word/document.xml": f'{head}<w:document xmlns:w="{ooxml}/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>",
        "docProps/core.xml": f'{head}<cp:coreProperties xmlns:cp="{package}/metadata/core-properties" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{escape(title)}</dc:title>'
        f"<dc:creator>{escape(author)}</dc:creator></cp:coreProperties>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def mp3_bytes(seconds: float = 2.0) -> bytes:
    """Silent MPEG-1 Layer III frames at 128 kbit/s, 44.1 kHz: a real, playable, tagless MP3."""
    frame = b"\xff\xfb\x90\x00" + bytes(413)  # 144 * 128000 / 44100 = 417 bytes a frame
    return frame * max(1, round(seconds * 44100 / 1152))
