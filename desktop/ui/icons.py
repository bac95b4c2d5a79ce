"""Icons from ``resources/icons/*.svg``, drawn in the palette's text colour so they suit light and dark.

``currentColor`` in an SVG is replaced by the colour asked for (the
window's text colour by default) and rendered at 1× and 2× for high DPI.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

__all__ = ["icon", "svg_text"]


@cache
def svg_text(name: str) -> str:
    return resources.files("resources").joinpath("icons", f"{name}.svg").read_text(encoding="utf-8")


def icon(name: str, colour: QColor | None = None) -> QIcon:
    """The icon ``name`` with ``currentColor`` painted in ``colour`` (default: the window's text)."""
    try:
        text = svg_text(name)
    except OSError:
        return QIcon()
    selected = QGuiApplication.palette().color(QPalette.ColorRole.HighlightedText)
    normal = colour or QGuiApplication.palette().color(QPalette.ColorRole.WindowText)
    result = QIcon()
    for mode, paint in ((QIcon.Mode.Normal, normal), (QIcon.Mode.Selected, selected)):
        renderer = QSvgRenderer(QByteArray(text.replace("currentColor", paint.name()).encode()))
        for scale in (1, 2):
            size = 24 * scale if name != "app" else 64 * scale
            pixmap = QPixmap(size, size)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            renderer.render(painter, QRectF(0, 0, size, size))
            painter.end()
            pixmap.setDevicePixelRatio(scale)
            result.addPixmap(pixmap, mode)
    return result
