"""The "try it on sample photos" path: a fresh copy of the pictures shipped in ``resources/samples``.

The copy goes into a new folder the person can open (``~/Pictures/Errand
samples``, numbered if that exists), never into Errand's own folders (those
can never be granted), so the recipe's changes are real, visible and undoable.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

__all__ = ["SAMPLE_REQUEST", "copy_samples", "sample_files"]

SAMPLE_REQUEST = "Rename these photos by date and place"


def sample_files() -> list[Path]:
    folder = Path(str(resources.files("resources").joinpath("samples")))
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))


def default_parent() -> Path:
    from platformdirs import user_pictures_path

    try:
        pictures = user_pictures_path()
    except Exception:
        pictures = Path.home()
    return pictures if pictures.is_dir() else Path.home()


def copy_samples(parent: Path | None = None) -> Path:
    """Copy the sample photos into a new folder under ``parent``; return that folder."""
    parent = parent or default_parent()
    parent.mkdir(parents=True, exist_ok=True)
    target = parent / "Errand samples"
    n = 2
    while target.exists():
        target = parent / f"Errand samples {n}"
        n += 1
    target.mkdir()
    for source in sample_files():
        shutil.copy2(source, target / source.name)
    return target
