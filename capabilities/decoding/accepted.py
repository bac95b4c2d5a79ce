"""What the worker's document and sound readers accept, without loading the readers.

The host's capabilities check a request against these before sending it to
the decoder worker; importing ``decoding.documents`` or ``decoding.media``
for three tuples would load pypdf (~50 ms, PIL and cryptography with it) and
mutagen into every ``errand`` process, even one that reads no file.
"""

from __future__ import annotations

__all__ = ["DOCUMENT_KINDS", "MEDIA_FIELDS", "MEDIA_SUFFIXES"]

DOCUMENT_KINDS = ("pdf", "docx", "odt")
MEDIA_SUFFIXES = (".mp3", ".m4a", ".mp4", ".m4b", ".flac", ".ogg", ".oga", ".opus")
MEDIA_FIELDS = ("artist", "album", "title", "track", "year", "genre")
