"""The "try it on sample photos" path, for the CLI (``errand try``) and the window alike.

A fresh copy of the pictures shipped in ``resources/samples`` goes into a new
folder the person can open (``~/Pictures/Errand sample photos``, numbered if
that exists), never into Errand's own folders (those can never be granted),
so the recipe's changes are real, visible and undoable.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from capabilities.errors import ErrandError

__all__ = ["SAMPLE_FOLDER", "SAMPLE_RECIPE", "SAMPLE_REQUEST", "copy_samples", "default_folder",
           "sample_files"]

SAMPLE_REQUEST = "Rename these photos by date and place"
SAMPLE_RECIPE = "photos_by_date_place"  # the sample chore is this recipe, whatever the matcher says
SAMPLE_FOLDER = "Errand sample photos"


def sample_files() -> list[Path]:
    """The sample pictures shipped in ``resources/samples``."""
    folder = Path(str(resources.files("resources").joinpath("samples")))
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))


def default_folder(parent: Path | None = None) -> Path:
    """Where the sample copy goes: ``parent`` (default: the person's Pictures folder, else home)."""
    if parent is None:
        from platformdirs import user_pictures_path

        try:
            parent = user_pictures_path()
        except Exception:  # no Pictures folder known on this desktop: home will do
            parent = Path.home()
        parent = parent if parent.is_dir() else Path.home()
    return parent / SAMPLE_FOLDER


def copy_samples(dest: Path | None = None) -> Path:
    """A fresh copy of the sample photos in ``dest`` (a new numbered folder if it exists); that folder."""
    photos = sample_files()
    if not photos:
        raise ErrandError("The sample photos are missing from this installation.",
                          "Reinstall Errand, or try it on a folder of your own.")
    dest = dest or default_folder()
    target, n = dest, 2
    while target.exists():
        target, n = dest.with_name(f"{dest.name} {n}"), n + 1
    target.mkdir(parents=True)
    for photo in photos:
        shutil.copy2(photo, target / photo.name)
    return target
