"""The person's settings: which model, where, which calendar; never a key.

Stored as JSON in the data dir (``settings.json``). API keys and passwords
live only in the OS keyring (``desktop.core.keys``); this file holds no secret.
Environment variables override for one process: ``ERRAND_MODEL``,
``ERRAND_API_BASE``, ``ERRAND_VISION_MODEL``.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from capabilities.private import write_private
from desktop.core.paths import data_dir

__all__ = ["Settings", "load", "save"]

_ENV = {"model": "ERRAND_MODEL", "api_base": "ERRAND_API_BASE", "vision_model": "ERRAND_VISION_MODEL"}


@dataclass
class Settings:
    model: str = ""  # e.g. "openai/gpt-4o-mini"; empty: recipes only (the offline default)
    api_base: str = ""  # for local or self-hosted OpenAI-compatible servers
    vision_model: str = ""  # defaults to ``model`` when empty
    calendar: str = ""  # "ics:/path/cal.ics" or "caldav:https://user@host/path/"
    allow_file_names: bool = False  # send file names to the model (per request it can still be off)
    recent_folders: list[str] = field(default_factory=list)

    @property
    def has_model(self) -> bool:
        return bool(self.model)

    @property
    def effective_vision_model(self) -> str:
        return self.vision_model or self.model

    def remember_folder(self, folder: str, keep: int = 8) -> None:
        self.recent_folders = [folder, *[f for f in self.recent_folders if f != folder][: keep - 1]]


def _path() -> Path:
    return data_dir() / "settings.json"


def load() -> Settings:
    """The saved settings with environment overrides; defaults when nothing is saved yet."""
    settings = Settings()
    path = _path()
    if path.exists():
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}  # a damaged file must not stop Errand; saving rewrites it
        known = {f.name for f in fields(Settings)}
        for key, value in saved.items():
            if key in known:
                setattr(settings, key, value)
    for key, env in _ENV.items():
        if os.environ.get(env):
            setattr(settings, key, os.environ[env])
    return settings


def save(settings: Settings) -> None:
    path = _path()
    tmp = path.with_suffix(".tmp")
    write_private(tmp, json.dumps(asdict(settings), indent=2).encode("utf-8"))  # 0600, as Errand's files are
    os.replace(tmp, path)
