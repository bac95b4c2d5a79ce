"""What the window remembers of itself between launches (its size and place, its appearance):
``window.ini`` in Errand's data folder, apart from the settings chores use."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from desktop.core import paths

__all__ = ["window_state"]


def window_state() -> QSettings:
    return QSettings(str(paths.data_dir() / "window.ini"), QSettings.Format.IniFormat)
