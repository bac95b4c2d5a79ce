"""Another revision of this checkout, exported so a bench can time it beside this tree in one run.

A figure recorded on another day says little on a shared machine (a bare
interpreter start moved between 28 and 44 ms within minutes here); the same
command in both trees, rounds interleaved, does.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["exported"]

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def exported(rev: str) -> Iterator[Path]:
    """The files of revision ``rev`` (``git archive``) in a temporary folder, removed afterwards."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    with tempfile.TemporaryDirectory(prefix="errand-against-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp)
