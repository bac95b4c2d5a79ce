"""``errand app`` (and bare ``errand``): check for a display, keep one instance, open the window.

With no display (a server, an SSH session) the app says so in one line and
points to the command line, instead of letting Qt abort with a stack trace.
A second launch asks the running window to come to the front and exits.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["display_problem", "main"]

NO_DISPLAY = ("Errand's window needs a display, and none was found{why}. "
              "Everything it does also works from the command line: run `errand --help`.")
_HEADLESS_PLATFORMS = {"offscreen", "minimal", "vnc", "linuxfb", "eglfs", "minimalegl"}


def display_problem(environ: dict[str, str] | None = None, platform: str = sys.platform) -> str | None:
    """One line saying why no window can open here, or None when one can."""
    env = os.environ if environ is None else environ
    if not (platform.startswith("linux") or "bsd" in platform):
        return None  # Windows and macOS always have their own display
    chosen = env.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0]
    if chosen in _HEADLESS_PLATFORMS:
        return None  # asked for explicitly (tests, screenshots)
    wayland, x11 = env.get("WAYLAND_DISPLAY"), env.get("DISPLAY")
    if chosen == "wayland" and not wayland:
        return NO_DISPLAY.format(why=" (QT_QPA_PLATFORM=wayland but WAYLAND_DISPLAY is not set)")
    if not wayland and not x11:
        return NO_DISPLAY.format(why=" (neither DISPLAY nor WAYLAND_DISPLAY is set)")
    if x11 and not wayland and not _x_server_listens(x11):
        return NO_DISPLAY.format(why=f" (nothing answers on DISPLAY={x11})")
    if x11 and not wayland and ctypes.util.find_library("xcb-cursor") is None:
        return ("Errand's window needs the system library libxcb-cursor (package libxcb-cursor0 on "
                "Debian/Ubuntu). Install it, or use the command line: run `errand --help`.")
    return None


def _x_server_listens(display: str) -> bool:
    """For a local display (``:0``), its socket must exist; remote ones are left to Qt."""
    host, _, rest = display.rpartition(":")
    if host and host not in ("unix", "localhost"):
        return True
    number = rest.split(".")[0]
    if not number.isdigit():
        return True
    return Path(f"/tmp/.X11-unix/X{number}").exists() or host == "localhost"


def main(argv: Sequence[str] | None = None, quit_after: float | None = None) -> int:
    """Open the window; with ``quit_after`` (seconds) close it that long after it is shown."""
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from desktop.ui.icons import icon
    from desktop.ui.instance import SingleInstance
    from desktop.ui.theme import apply_theme

    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication([sys.argv[0], *(argv or [])])
    assert isinstance(app, QApplication)
    app.setApplicationName("Errand")
    app.setApplicationDisplayName("Errand")
    app.setDesktopFileName("errand")
    instance = SingleInstance()
    if not instance.claim():
        print("Errand is already open: its window was brought to the front.")
        return 0
    apply_theme(app)
    app.styleHints().colorSchemeChanged.connect(lambda *_: apply_theme(app))
    app.setWindowIcon(icon("app"))

    from desktop.core.assistant import Assistant
    from desktop.ui.window import MainWindow

    window = MainWindow(Assistant(keep_warm=True))
    instance.activated.connect(window.bring_to_front)
    window.show()
    if quit_after is not None:  # smoke tests of installed builds: open, then close the normal way
        from PySide6.QtCore import QTimer

        QTimer.singleShot(int(quit_after * 1000), window.quit)  # tray or not
    try:
        return app.exec()
    finally:
        instance.close()
