"""A byte count in words for people ("512 bytes", "12.3 MB"): the one formatter for previews, limits,
the decoder worker's zip checks and the folder summary sent to the model."""

from __future__ import annotations

__all__ = ["size_text"]


def size_text(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"
