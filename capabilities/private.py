"""Errand's own files are the person's alone: folders 0700, files 0600, whatever the umask.

The journal names every file a chore touched and what it wrote; the holding
area holds what was deleted; settings say which folders and servers are used.
Other local users must read none of it. Every place that makes one of
Errand's own files or folders goes through here. (Windows keeps per-user
ACLs on the profile folders Errand uses; ``chmod`` there only sets read-only,
so these calls are harmless.)
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

__all__ = ["PRIVATE_DIR", "PRIVATE_FILE", "make_private", "private_dirs", "write_private"]

PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


def private_dirs(folder: Path) -> Path:
    """Make ``folder`` and its missing parents readable by this user only (``mkdir(parents=True)``
    would give the parents the umask's mode)."""
    missing = []
    step = folder
    while not step.exists() and step.parent != step:
        missing.append(step)
        step = step.parent
    for made in reversed(missing):
        made.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        os.chmod(made, PRIVATE_DIR)
    with suppress(OSError):  # a folder someone else owns (a shared ERRAND_CACHE) keeps its mode
        os.chmod(folder, PRIVATE_DIR)
    return folder


def write_private(path: Path, data: bytes) -> None:
    """Write a file only this user may read (created 0600, never briefly wider)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), PRIVATE_FILE)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, PRIVATE_FILE)


def make_private(*paths: Path) -> None:
    """Narrow existing files to 0600 (an older install made them 0644); missing ones are skipped."""
    for path in paths:
        with suppress(FileNotFoundError, PermissionError):
            os.chmod(path, PRIVATE_FILE)
