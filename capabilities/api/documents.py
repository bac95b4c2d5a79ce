"""The ``documents`` capability: the text and facts of PDF, Word and OpenDocument files, and merged PDFs.

It works in the folders granted to ``files`` (like ``photos``); nothing leaves the computer. Every
document is read by the decoder worker (``capabilities.decoding.documents``), never in Errand's own
process, and its answer is checked field by field before a script sees it. A password-protected
document, or one with no text at all (a scan), is said so plainly rather than read as empty.

``merge_pdfs`` plans a new PDF; at apply the worker merges the sources (each checked to be as the
preview saw it) and the file is made like any other, so undo removes it again.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, ClassVar

from capabilities.base import Grant, read, write
from capabilities.decoding import MAX_INPUT, decode
from capabilities.decoding.accepted import DOCUMENT_KINDS as KINDS
from capabilities.engine.outcomes import check_sources, create_outcome, probe_made, remove_made_file
from capabilities.errors import CallError, ErrandError
from capabilities.folders.capability import FOLDERS, FolderBased
from capabilities.folders.overlay import fingerprint_of
from capabilities.plan import Action

__all__ = ["Documents"]

MAX_TEXT = 200_000
MAX_MERGE = MAX_INPUT  # the sources travel to the worker in one request
_HINTS = {
    "unsupported": "Only PDF, Word (.docx) and OpenDocument (.odt) documents can be read.",
    "damaged": "The document may be damaged or still downloading; open it in its own app to check.",
}


class Documents(FolderBased):
    """PDF, Word and OpenDocument files in the folders granted to files: text, facts, merged PDFs."""

    holds: ClassVar[str] = "the documents"
    name: ClassVar[str] = "documents"
    # Words that make this capability worth showing in full in a planning prompt.
    topics: ClassVar[tuple[str, ...]] = (
        "pdf", "document", "word", "docx", "odt", "invoice", "receipt", "statement", "letter", "contract",
        "text of", "title", "page", "merge", "report", "paper"
    )
    summary: ClassVar[str] = ("PDF, Word (.docx) and OpenDocument (.odt) files in the granted folders: their "
                              "text and facts (pages, title, author, date), and merged PDFs.")


    @classmethod
    def describe_grant(cls, grant: Grant) -> str:
        return (
            "Read the text of documents (PDF, Word, OpenDocument) and make merged PDFs, in the folders "
            "granted for files (nothing leaves the computer)."
        )

    # ---- reads ---------------------------------------------------------------------

    @read
    def info(self, path: str) -> dict[str, Any]:
        """{path, kind, pages, title, author, created, text (first 2,000 characters), chars, scanned}."""
        return {"path": path, **self._read(path, 2000)}

    @read
    def info_many(self, paths: list[str]) -> list[dict[str, Any]]:
        """info() of many documents; one that cannot be read gives {path, error, hint}."""
        return self._each(paths, self.info)

    @read
    def text(self, path: str, max_chars: int = 20000) -> str:
        """The text of a document (at most max_chars characters, up to 200,000); pages end with a newline."""
        if not 1 <= max_chars <= MAX_TEXT:
            raise CallError(
                f"documents.text: max_chars={max_chars} is out of range.",
                f"Ask for 1 to {MAX_TEXT:,} characters.",
            )
        facts = self._read(path, max_chars)
        if facts["scanned"]:
            raise CallError(
                f"{path!r} has no text to read: it looks like a scan or a picture of pages.",
                "Errand cannot read text from pictures; use the file's name or date instead.",
            )
        return str(facts["text"])

    # ---- writes ----------------------------------------------------------------------

    @write
    def merge_pdfs(self, paths: list[str], dst: str, overwrite: bool = False) -> str:
        """Make one PDF at dst from these PDFs, in this order (the originals stay as they are)."""
        if len(paths) < 2:
            raise CallError("documents.merge_pdfs: give at least two PDFs.", "Pass a list of PDF paths.")
        if not dst.lower().endswith(".pdf"):
            raise CallError(
                f"documents.merge_pdfs: {dst!r} does not end in .pdf.", "Name the new file *.pdf."
            )
        sources, pages, total = [], 0, 0
        for path in paths:
            facts = self._read(path, 0)
            if facts["kind"] != "pdf":
                raise CallError(f"{path!r} is not a PDF.", "Only PDFs can be merged.")
            node = self.view.node(self._parts(path))
            if node.source is None or node.produced or node.data is not None:
                raise CallError(
                    f"{path!r} is made by this same run; it cannot be merged before it exists.",
                    "Merge files that exist already.",
                )
            total += int(fingerprint_of(node).get("size") or 0)
            pages += int(facts["pages"] or 0)
            sources.append(
                {"path": self.folders.absolute(self._parts(path)), "fingerprint": fingerprint_of(node)}
            )
        if total > MAX_MERGE:
            raise CallError(
                f"The PDFs come to more than {MAX_MERGE // (1024 * 1024)} MB.", "Merge fewer at once."
            )
        facts = self.view.plan_new_file(FOLDERS, dst, overwrite=overwrite, produced="documents.merge_pdfs")
        detail = {
            "sources": sources,
            "dst": facts["path"],
            "replaces": facts["replaces"],
            "hold_id": facts["hold_id"],
        }
        verb = "Replace" if facts["replaces"] else "Make"
        self.record(
            "merge_pdfs",
            {"paths": list(paths), "dst": dst, "overwrite": overwrite},
            detail,
            f"{verb} {dst}: {len(paths)} PDFs merged ({pages} pages)",
            after=dst,
        )
        return dst

    def verify_merge_pdfs(self, action: Action) -> None:
        check_sources(self.folders, FOLDERS, action.detail, action.summary)

    def perform_merge_pdfs(self, action: Action) -> dict[str, Any]:
        d = action.detail
        blobs = []
        for source in d["sources"]:
            with self.folders.open_read(self.folders.granted(FOLDERS, source["path"])) as f:
                blobs.append(f.read(MAX_MERGE + 1))
        _, merged = decode(
            "document.merge_pdfs",
            b"".join(blobs),
            {"sizes": [len(b) for b in blobs]},
            name=os.path.basename(d["dst"]),
            what="a PDF",
            hints=_HINTS,
        )
        if not merged.startswith(b"%PDF-"):
            raise ErrandError(
                "Errand's reader gave back something that is not a PDF.",
                "The files may be made to attack Errand; skip them.",
            )
        return create_outcome(
            self.folders,
            self._target(d["dst"]),
            lambda out: out.write(merged),
            d,
            self.context.holding,
            f"remove the merged PDF {action.args.get('dst')}",
        )

    def undo_merge_pdfs(self, action: Action, outcome: Mapping[str, Any]) -> None:
        remove_made_file(
            self.folders, self._target(action.detail["dst"]), outcome, self.context.holding, action.summary
        )

    def probe_merge_pdfs(self, action: Action) -> dict[str, Any] | bool:
        return probe_made(
            self.folders,
            action.detail,
            f"remove the merged PDF {action.args.get('dst')}",
            self.context.holding,
        )

    # ---- helpers -------------------------------------------------------------------

    def _read(self, path: str, max_chars: int) -> dict[str, Any]:
        parts = self._parts(path)
        kind = os.path.splitext(parts[-1])[1].lower().lstrip(".")
        if kind not in KINDS:
            raise CallError(
                f"{path!r} is not a PDF, Word (.docx) or OpenDocument (.odt) file.",
                "List documents with files.list(folder, '*.pdf') and the like.",
            )
        node = self.view.node(parts)
        if node.is_folder:
            raise CallError(f"{path!r} is a folder, not a document.", "List it with files.list().")
        with self.view.open_planned(parts) as f:
            answer, _ = decode(
                "document.info",
                f,
                {"kind": kind, "max_chars": max_chars},
                name=parts[-1],
                what="a document",
                hints=_HINTS,
            )
        facts = _checked(answer, parts[-1], max_chars)
        if facts["encrypted"]:
            raise CallError(
                f"{path!r} is password-protected; Errand cannot read it.",
                "Open it with its password in its own app and save an unprotected copy.",
            )
        return {"kind": kind, **facts}


def _checked(answer: Any, name: str, max_chars: int) -> dict[str, Any]:
    """The worker's answer rebuilt from the fields expected, each of the expected type and size."""
    from capabilities.decoding import DecodeError

    if not isinstance(answer, dict):
        answer = {}
    pages, text, chars = answer.get("pages"), answer.get("text"), answer.get("chars")
    short = {k: answer.get(k) for k in ("title", "author", "created")}
    flags = {k: answer.get(k) for k in ("encrypted", "scanned")}
    sound = (
        (pages is None or (type(pages) is int and 0 <= pages < 10_000_000))
        and isinstance(text, str)
        and len(text) <= max(max_chars, 0)
        and all(v is None or (isinstance(v, str) and len(v) <= 300) for v in short.values())
        and type(chars) is int
        and chars >= 0
        and all(isinstance(v, bool) for v in flags.values())
    )
    if not sound:
        raise DecodeError(
            f"Errand's reader gave an answer that makes no sense for {name}.",
            "The file may be made to attack Errand; skip it.",
            "broken",
        )
    return {"pages": pages, **short, "text": text, "chars": chars, **flags}
