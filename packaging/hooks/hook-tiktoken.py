"""PyInstaller hook: tiktoken finds its encodings as plugins in the ``tiktoken_ext`` namespace package."""

from __future__ import annotations

hiddenimports = ["tiktoken_ext", "tiktoken_ext.openai_public"]
