"""The one rule for hiding API keys in text that Errand keeps or shows.

Provider errors quote the key they were given ("Incorrect API key provided:
sk-proj-…"), a person may paste a key into a chore, and a model may echo one.
Both the journal (prompts, answers, errors, log lines) and the model client's
error messages pass their text through ``redact``, so a key never reaches the
database or the screen — and both hide the same things:

- OpenAI keys (``sk-…``, ``sk-proj-…``), Anthropic keys (``sk-ant-…``), also
  as providers print them masked (``sk-proj-****…abcd``);
- Google keys (``AIza…``), Slack tokens (``xoxb-…``, ``xoxp-…``), ``key-…``;
- the token of an ``Authorization: Bearer …`` header;
- the value of ``api_key=…``-style pairs (``api_key``, ``x-api-key``,
  ``access_token``, ``client_secret``, ``password``…, with ``=`` or ``:``,
  quoted or not), the name kept so the text still reads;
- any key the caller knows exactly (the one a request was sent with), whatever
  its shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["REDACTED", "redact"]

REDACTED = "[redacted key]"

# A key-shaped word must hold a digit or a mask star, so words like "sk-learning" stay.
_KEYLIKE = r"(?=[A-Za-z0-9_\-*]*[0-9*])[A-Za-z0-9_\-*]{8,}"
_SHAPES = re.compile(
    r"\b(?:sk-" + _KEYLIKE + r"|key-" + _KEYLIKE
    + r"|AIza[0-9A-Za-z_\-]{30,}|xox[bp]-[A-Za-z0-9\-]{16,})"
)
_BEARER = re.compile(r"\b(Bearer\s+)(?!\[redacted)[A-Za-z0-9._~+/\-]{8,}=*", re.IGNORECASE)
_PAIR = re.compile(
    r"""\b((?:x-)?api[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|client[_-]?secret"""
    r"""|secret[_-]?key|password)(["']?\s*[:=]\s*["']?)(?!\[redacted)([^\s"'&,;]{4,})""",
    re.IGNORECASE,
)


def redact(text: str, known: Iterable[str | None] = ()) -> str:
    """``text`` with every key-like string (see the module docstring) replaced by ``[redacted key]``."""
    for key in known:
        if key and len(key) >= 4:  # a one-letter "key" would blank the text, and is no secret
            text = text.replace(key, REDACTED)
    text = _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
    text = _PAIR.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
    return _SHAPES.sub(REDACTED, text)
