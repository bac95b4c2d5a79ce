"""Small pictures of photos for the preview table, loaded off the GUI thread and cached.

``Thumbnails.get(path)`` returns the cached pixmap or None; the first call
for a path starts a load on the thread pool and ``ready(path)`` is emitted
on the GUI thread when it is there.

The photo itself is never decoded in this process: the decoder worker
(``capabilities.decoding``, ``image.thumbnail``) reads it and sends back a
small PNG of its own making, which is all Qt decodes. A file that cannot be
read simply has no thumbnail.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QPixmap

from capabilities.decoding import decode
from capabilities.errors import ErrandError

__all__ = ["IMAGE_SUFFIXES", "Thumbnails", "is_picture"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff")


def is_picture(path: str) -> bool:
    return path.lower().endswith(IMAGE_SUFFIXES)


class _Load(QRunnable):
    def __init__(self, owner: Thumbnails, path: str, size: int) -> None:
        super().__init__()
        self.owner, self.path, self.size = owner, path, size

    def run(self) -> None:
        image = QImage()
        try:
            # No link is followed; the worker turns the picture upright per its EXIF orientation.
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
            with os.fdopen(fd, "rb") as f:
                _, png = decode("image.thumbnail", f, {"max_side": self.size * 2},
                                name=os.path.basename(self.path))
            image = QImage.fromData(png, "PNG")
        except (ErrandError, OSError):
            pass  # no thumbnail: the row is shown without one
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
