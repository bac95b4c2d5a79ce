"""The document readers the worker runs: text and facts of PDF, Word (DOCX) and OpenDocument (ODT)
files, and merging PDFs into one.

* ``document.info`` — ``{kind, max_chars}`` → ``{pages, title, author, created, text, chars,
  encrypted, scanned}``; ``text`` holds at most ``max_chars`` characters (``chars`` counts them
  all, up to ``MAX_SCAN``), ``scanned`` is true when no page has any text (a scan or a picture);
* ``document.merge_pdfs`` — ``{sizes}`` with the PDFs one after another in the input → the merged
  PDF as the blob.

PDFs are read with pypdf (pure Python), Word and OpenDocument files as the zip archives they are,
their XML through defusedxml (no entity expansion, no external entities). Every reader is bounded:
pages, characters, and the uncompressed size of each XML part.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, BinaryIO

import defusedxml.ElementTree as SafeXML
import pypdf
import pypdf.filters  # loaded before the worker locks itself in
from pypdf.errors import LimitReachedError, PdfReadError

from capabilities.decoding.ops import Refused, op
from capabilities.decoding.samples import docx_bytes, pdf_bytes

__all__ = ["MAX_PAGES"]

MAX_PAGES = 2_000  # pages read for text; a longer document gives the text of its first pages
MAX_SCAN = 2_000_000  # characters counted at most
MAX_PART = 64 * 1024 * 1024  # an XML part of a DOCX/ODT, uncompressed
MAX_CHARS = 200_000

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_TERMS = "{http://purl.org/dc/terms/}"
_ODF_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_ODF_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"


@op("document.info")
def info(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    kind = str(args.get("kind", ""))
    limit = max(0, min(int(args.get("max_chars", 2000)), MAX_CHARS))
    if kind == "pdf":
        return _pdf_info(source, limit), b""
    if kind in ("docx", "odt"):
        return _office_info(source, kind, limit), b""
    raise Refused("unsupported", "not a PDF, Word or OpenDocument file")


@op("document.merge_pdfs")
def merge_pdfs(source: BinaryIO, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    sizes = args.get("sizes")
    if not isinstance(sizes, list) or not sizes or not all(isinstance(n, int) and n > 0 for n in sizes):
        raise Refused("broken", "no PDFs to merge")
    writer = pypdf.PdfWriter()
    for n, size in enumerate(sizes, start=1):
        reader = _pdf_reader(io.BytesIO(source.read(size)), f"PDF {n}")
        if reader is None or reader.is_encrypted:
            raise Refused("unsupported", f"PDF {n} is password-protected")
        with _bounded(f"PDF {n}"):
            writer.append(reader)
    out = io.BytesIO()
    writer.write(out)
    return {"pages": len(writer.pages)}, out.getvalue()


def _pdf_reader(source: BinaryIO, which: str = "it") -> pypdf.PdfReader | None:
    """The reader, or None for a PDF locked with a handler pypdf lacks (certificates, a vendor's own)."""
    try:
        with _bounded(which):
            return pypdf.PdfReader(source, strict=False)
    except NotImplementedError:  # pypdf opens only the standard password handler: locked all the same
        return None
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise Refused("damaged", f"{which}: {type(exc).__name__}") from None


@contextmanager
def _bounded(which: str) -> Iterator[None]:
    """pypdf's own limits (page-tree entries, decompressed stream size, tokens) as ``too_large``."""
    try:
        yield
    except LimitReachedError:
        raise Refused("too_large", f"{which} is built to be bigger than Errand reads") from None


def _pdf_info(source: BinaryIO, limit: int) -> dict[str, Any]:
    with _bounded("it"):
        return _pdf_facts(_pdf_reader(source), limit)


def _pdf_facts(reader: pypdf.PdfReader | None, limit: int) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "pages": None,
        "title": None,
        "author": None,
        "created": None,
        "text": "",
        "chars": 0,
        "encrypted": False,
        "scanned": False,
    }
    if reader is None:
        facts["encrypted"] = True
        return facts
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")  # many PDFs are "encrypted" only against editing
        except (PdfReadError, NotImplementedError, ValueError):
            opened = pypdf.PasswordType.NOT_DECRYPTED
        if not opened:
            facts["encrypted"] = True
            return facts
    facts["pages"] = len(reader.pages)
    meta = reader.metadata
    if meta is not None:
        facts["title"], facts["author"] = _clean(meta.title), _clean(meta.author)
        created = _pdf_date(meta.get("/CreationDate"))
        facts["created"] = created
    pieces, count = [], 0
    for page in reader.pages[:MAX_PAGES]:
        text = page.extract_text() or ""
        if count < limit:
            pieces.append(text)
        count += len(text)
        if count >= MAX_SCAN:
            break
    text = "\n".join(p for p in pieces if p)
    facts.update(text=text[:limit], chars=min(count, MAX_SCAN), scanned=count == 0 and facts["pages"] > 0)
    return facts


def _office_info(source: BinaryIO, kind: str, limit: int) -> dict[str, Any]:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Refused("damaged", f"not a {kind.upper()} package ({type(exc).__name__})") from None
    body, meta = ("word/document.xml", "docProps/core.xml") if kind == "docx" else ("content.xml", "meta.xml")
    root = _xml(archive, body)
    if root is None:
        raise Refused("damaged", f"no {body}")
    paragraph, run = (f"{_W}p", f"{_W}t") if kind == "docx" else (f"{_ODF_TEXT}p", None)
    lines, count = [], 0
    for p in _outermost(root, paragraph):
        line = "".join(t.text or "" for t in p.iter(run)) if run else "".join(p.itertext())
        lines.append(line)
        count += len(line) + 1
        if count >= MAX_SCAN:
            break
    text = "\n".join(lines)
    details = _xml(archive, meta)
    title = author = created = None
    pages = None
    if details is not None:
        title = _first(details, f"{_DC}title")
        author = _first(details, f"{_DC}creator") or _first(details, f"{_ODF_META}initial-creator")
        created = _first(details, f"{_TERMS}created") or _first(details, f"{_ODF_META}creation-date")
        stats = details.find(f".//{_ODF_META}document-statistic")
        if stats is not None and (stats.get(f"{_ODF_META}page-count") or "").isdigit():
            pages = int(stats.get(f"{_ODF_META}page-count") or 0)
    return {
        "pages": pages,
        "title": _clean(title),
        "author": _clean(author),
        "created": _clean(created),
        "text": text[:limit],
        "chars": min(len(text), MAX_SCAN),
        "encrypted": False,
        "scanned": False,
    }


def _xml(archive: zipfile.ZipFile, name: str) -> Any:
    try:
        member = archive.getinfo(name)
    except KeyError:
        return None
    if member.file_size > MAX_PART:
        raise Refused("too_large", f"{name} expands to {member.file_size // (1024 * 1024)} MB")
    with archive.open(member) as part:
        data = part.read(MAX_PART + 1)
    try:
        return SafeXML.fromstring(data)
    except Exception as exc:  # defusedxml refuses entities as errors of its own kinds
        raise Refused("damaged", f"{name}: {type(exc).__name__}") from None


def _outermost(root: Any, tag: str) -> Iterator[Any]:
    """The ``tag`` elements not inside another, in document order, without recursion.

    A paragraph nested in a paragraph (no real document has one) is read as part of the outer one:
    walking every paragraph's own subtree would cost the square of the nesting depth.
    """
    stack = [root]
    while stack:
        element = stack.pop()
        if element.tag == tag:
            yield element
        else:
            stack.extend(reversed(element))


def _first(root: Any, tag: str) -> str | None:
    found = root.find(f".//{tag}")
    return found.text if found is not None and found.text else None


def _pdf_date(value: Any) -> str | None:
    match = re.match(r"D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?", str(value or ""))
    if not match:
        return None
    parts = [int(p) if p else d for p, d in zip(match.groups(), (0, 1, 1, 0, 0, 0), strict=True)]
    try:
        year, month, day, hour, minute, second = parts
        return datetime(year, month, day, hour, minute, second).isoformat()
    except ValueError:
        return None


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = "".join(ch for ch in str(value)[:300] if ch.isprintable()).strip()
    return text or None


# Codecs the readers look up by name while reading: pypdf tries "gbk" on every PDF name that is not
# UTF-8 and its CMaps name CJK codecs; an XML declaration may name a code page. Python imports a
# codec's module on first use, which the locked worker may not: the lookup failed, pypdf quietly took
# its next charset, and a locked PDF whose scrambled object streams it parsed was read as an unlocked
# scan (a flaky "looks like a scan"). So every one is looked up before the lock.
_CODECS = ("utf_8", "utf_16", "utf_16_be", "utf_16_le", "utf_32", "latin_1", "ascii", "charmap", "cp1252",
           "cp1250", "cp1251", "cp1254", "cp1257", "iso8859_2", "iso8859_15", "mac_roman", "gbk", "gb2312",
           "gb18030", "big5", "cp950", "cp932", "shift_jis", "euc_jp", "euc_kr", "cp949", "koi8_r")


def _codec_names() -> set[str]:
    """``_CODECS`` and every codec pypdf names in its tables (a newer pypdf may name more)."""
    names = set(_CODECS) | set(pypdf.generic.NameObject.CHARSETS)
    cmaps = getattr(pypdf, "_cmap", None)
    names |= set(getattr(cmaps, "_predefined_cmap", {}).values())
    return names


def warm_up() -> None:
    """Walk each reader once over small documents before the worker locks itself in."""
    for name in sorted(_codec_names()):
        codecs.lookup(name)  # imports its module now, while the disk may still be read
    sample = pdf_bytes(["Errand warm-up"], title="warm-up")
    info(io.BytesIO(sample), {"kind": "pdf", "max_chars": 100})
    merge_pdfs(io.BytesIO(sample + sample), {"sizes": [len(sample), len(sample)]})
    info(io.BytesIO(docx_bytes(["Errand warm-up"], title="warm-up")), {"kind": "docx"})
    datetime(2024, 1, 1).isoformat()
