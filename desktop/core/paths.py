"""Where Errand keeps its things.

``ERRAND_HOME`` overrides everything (tests and portable installs use it):
the database, the holding area and settings live in it, and the cache in
``$ERRAND_HOME/cache``. Without it, the platform's user data and cache dirs.
``ERRAND_CACHE`` overrides just the cache (tests share one built sandbox).
Each folder is made private (0700): see ``capabilities.private``.
"""

from __future__ import annotations

import os
from pathlib import Path

from capabilities.private import private_dirs

__all__ = ["cache_dir", "data_dir", "database_path", "holding_dir", "protected_dirs"]

APP = "Errand"


def data_dir() -> Path:
    home = os.environ.get("ERRAND_HOME")
    if home:
        path = Path(home).expanduser()
    else:
        from platformdirs import user_data_path

        path = user_data_path(APP, appauthor=False)
    return private_dirs(path)


def cache_dir() -> Path:
    override = os.environ.get("ERRAND_CACHE")
    if override:
        path = Path(override).expanduser()
    elif os.environ.get("ERRAND_HOME"):
        path = data_dir() / "cache"
    else:
        from platformdirs import user_cache_path

        path = user_cache_path(APP, appauthor=False)
    return private_dirs(path)


def database_path() -> Path:
    return data_dir() / "errand.db"


def holding_dir() -> Path:
    """Where deleted and overwritten files are kept so that undo can bring them back."""
    return private_dirs(data_dir() / "holding")


def protected_dirs() -> tuple[Path, ...]:
    """Errand's own folders, which can never be granted to a script."""
    return (data_dir().resolve(), cache_dir().resolve())
