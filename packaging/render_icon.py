"""Render ``resources/icons/app.svg`` for the installers: a PNG (PyInstaller makes .ico/.icns of it).

Qt draws the SVG offscreen, so no display and no extra tool is needed. A
target ending in ``.ico`` gets a multi-size Windows icon (Pillow), for the
Inno Setup wizard.
Usage: ``python packaging/render_icon.py OUT.png|OUT.ico [SIZE]`` (default 512).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "app.svg"


def render(target: Path, size: int = 512) -> Path:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    target.parent.mkdir(parents=True, exist_ok=True)
    png = target.with_suffix(".png") if target.suffix == ".ico" else target
    if not image.save(str(png)):
        raise SystemExit(f"could not write {png}")
    if target.suffix == ".ico":
        from PIL import Image

        Image.open(png).save(target, sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    del app
    return target


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        raise SystemExit("usage: render_icon.py OUT.png [SIZE]")
    print(render(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) == 3 else 512))
