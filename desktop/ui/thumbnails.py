"""Small pictures of photos for the preview table, loaded off the GUI thread and cached.

``Thumbnails.get(path)`` returns the cached pixmap or None; the first call
for a path starts a load on the thread pool (``QImageReader`` with a scaled
size decodes JPEGs at reduced resolution, so even big photos are quick)
and ``ready(path)`` is emitted on the GUI thread when it is there.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap

__all__ = ["IMAGE_SUFFIXES", "Thumbnails", "is_picture"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff")


def is_picture(path: str) -> bool:
    return path.lower().endswith(IMAGE_SUFFIXES)


class _Load(QRunnable):
    def __init__(self, owner: Thumbnails, path: str, size: int) -> None:
        super().__init__()
        self.owner, self.path, self.size = owner, path, size

    def run(self) -> None:
        reader = QImageReader(self.path)
        reader.setAutoTransform(True)  # EXIF orientation, as the person's photo viewer shows it
        original = reader.size()
        if original.isValid():
            reader.setScaledSize(original.scaled(QSize(self.size * 2, self.size * 2),
                                                 Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        try:
            self.owner.loaded.emit(self.path, image)
        except RuntimeError:
            pass  # the window closed while this picture was loading


class Thumbnails(QObject):
    loaded = Signal(str, QImage)  # from the worker thread
    ready = Signal(str)  # on the GUI thread, once the pixmap is cached

    def __init__(self, size: int = 40, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.size = size
        self._cache: dict[str, QPixmap | None] = {}
        # Their own pool, so pictures never queue ahead of (or behind) planning, apply and undo.
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.loaded.connect(self._store, Qt.ConnectionType.QueuedConnection)

    def get(self, path: str) -> QPixmap | None:
        if path in self._cache:
            return self._cache[path]
        self._cache[path] = None
        if os.path.isfile(path):
            self.pool.start(_Load(self, path, self.size))
        return None

    def _store(self, path: str, image: QImage) -> None:
        if image.isNull():
            return
        pixmap = QPixmap.fromImage(image.scaled(self.size * 2, self.size * 2,
                                                Qt.AspectRatioMode.KeepAspectRatio,
                                                Qt.TransformationMode.SmoothTransformation))
        pixmap.setDevicePixelRatio(2.0)  # crisp at high DPI, the logical size stays ``size``
        self._cache[path] = pixmap
        self.ready.emit(path)
