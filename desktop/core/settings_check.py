"""Settings checked when they are saved, so a bad value is refused with a reason, not met by a chore.

``check(settings)`` returns one ``SettingProblem`` per bad field: ``field`` is the
name the field has in the window (and ``errand settings`` names the same), the
message says what is wrong and what a good value looks like. Nothing here
reaches the network or a model: it is only about the form of each value
(and, for a calendar file, whether its folder exists).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from capabilities.calendars.backends import parse_source
from capabilities.errors import ErrandError
from desktop.core.display import safe_text, shorten
from desktop.core.settings import Settings

__all__ = ["SettingProblem", "check"]

# provider/name, as litellm takes it: letters, digits and . _ - : / @ (no spaces, quotes or markup)
_MODEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+-]*")


@dataclass(frozen=True)
class SettingProblem:
    field: str  # the field's name in the window ("Calendar", "Server address", …)
    message: str


def check(settings: Settings) -> list[SettingProblem]:
    problems = [_model("Model", settings.model), _model("Vision model", settings.vision_model),
                _server(settings.api_base), _calendar(settings.calendar)]
    return [p for p in problems if p is not None]


def _shown(value: str) -> str:
    return f"“{shorten(safe_text(value), 60)}”"


def _model(field: str, name: str) -> SettingProblem | None:
    if not name or _MODEL.fullmatch(name):
        return None
    return SettingProblem(field, f"{field} {_shown(name)} is not a model name. A model name has no spaces, "
                                 "like openai/gpt-4o-mini or ollama/llama3.1.")


def _server(address: str) -> SettingProblem | None:
    if not address:
        return None
    try:
        parts = urlsplit(address)
        parts.port  # noqa: B018 - reading it checks it (a port that is not a number raises)
    except ValueError:
        parts = None
    if parts is not None and parts.scheme in ("http", "https") and parts.hostname and " " not in address:
        return None
    return SettingProblem("Server address", f"Server address {_shown(address)} is not a web address. Write "
                                            "it like http://localhost:11434, or leave it empty.")


def _calendar(source: str) -> SettingProblem | None:
    if not source:
        return None
    example = "Write ics: and the full path of a calendar file, or caldav: and its web address."
    try:
        parsed = parse_source(source)
    except ErrandError as exc:
        return SettingProblem("Calendar", f"{safe_text(exc.message)} {example}")
    if parsed.kind == "ics" and parsed.path is not None and not Path(parsed.path).parent.is_dir():
        return SettingProblem("Calendar", f"The folder of the calendar file {_shown(str(parsed.path))} does "
                                          "not exist. Choose a calendar file in a folder that exists.")
    return None
