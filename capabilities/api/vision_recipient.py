"""Who a vision grant sends pictures to, and how many: the words a person approves, made true.

The grant's target names the real recipient — the model, its provider, the
host the pictures go to (the server set in Settings, else the provider's own
API host) — and how many pictures may go: ``vision_target`` writes it when
the desktop builds the grant (counting the pictures in the granted folders
with ``pictures_in``, by name only), ``recipient`` reads it back for the
grant text and for the capability, which refuses a picture past the count.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import urlsplit

from capabilities.base import Grant

__all__ = ["Recipient", "pictures_in", "recipient", "vision_target"]

_PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".gif", ".bmp", ".heic", ".heif",
                     ".hif")
_COUNT_LIMIT = 100_000  # entries walked when counting pictures: a home folder is not walked for ever
# Where each provider's API lives when no server is set (what litellm calls by default).
_HOSTS = {"openai": "api.openai.com", "anthropic": "api.anthropic.com",
          "gemini": "generativelanguage.googleapis.com", "mistral": "api.mistral.ai", "groq": "api.groq.com",
          "openrouter": "openrouter.ai",
          "deepseek": "api.deepseek.com", "xai": "api.x.ai", "together_ai": "api.together.xyz",
          "ollama": "localhost:11434"}
_NAMES = {"openai": "OpenAI", "anthropic": "Anthropic", "gemini": "Google", "mistral": "Mistral",
          "groq": "Groq", "openrouter": "OpenRouter", "deepseek": "DeepSeek", "xai": "xAI",
          "together_ai": "Together AI", "ollama": "Ollama"}


class Recipient(NamedTuple):
    """Who a vision grant sends to, and how many pictures it may send (None: older grants, no count)."""

    model: str
    provider: str
    host: str
    pictures: int | None


def vision_target(model: str, api_base: str | None, pictures: int) -> str:
    """The grant target naming the real recipient: ``model;host=HOST;pictures=N``."""
    host = urlsplit(api_base).netloc if api_base and "//" in api_base else (api_base or "")
    host = host or _HOSTS.get(_provider(model), "")
    return f"{model};host={host};pictures={max(0, int(pictures))}"


def recipient(target: str) -> Recipient:
    """Read a vision grant's target (``vision_target``'s, or a bare model from older grants)."""
    model, *rest = (target or "").split(";")
    fields = dict(part.partition("=")[::2] for part in rest)
    count = fields.get("pictures", "")
    provider = _provider(model)
    host = fields.get("host") or _HOSTS.get(provider, "")
    name = _NAMES.get(provider, provider or "the model's provider")
    return Recipient(model, name, host, int(count) if count.isdigit() else None)


def _provider(model: str) -> str:
    if "/" in model:
        return model.split("/", 1)[0].lower()
    return "openai" if model.startswith(("gpt-", "o1", "o3", "o4", "chatgpt")) else ""


def pictures_in(grants: Iterable[Grant]) -> int:
    """How many picture files the granted folders hold (names only; nothing is opened)."""
    count, seen = 0, 0
    stack = [g.target for g in grants if g.capability == "files" and g.target]
    while stack and seen < _COUNT_LIMIT:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    seen += 1
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        count += entry.name.lower().endswith(_PICTURE_SUFFIXES)
        except OSError:
            continue  # an unreadable folder holds no picture this chore could send
    return count
