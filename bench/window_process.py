"""The real window in a process of its own, offscreen, for the benches that meet it as a person does.

``in_window(body, args, env)`` runs ``body`` after the window has been made
and shown (names ``app``, ``window``, ``QTimer``, ``sys`` and ``time`` are
there); the body ends the process with ``window.quit()``. ``window_env`` is the
environment: a home of its own, offscreen, and optionally the local model server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

__all__ = ["in_window", "window_env"]

ROOT = Path(__file__).resolve().parent.parent

_LAUNCH = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop.core.assistant import Assistant
from desktop.ui.window import MainWindow
window = MainWindow(Assistant(keep_warm=True))
window.show()
"""


class ModelServer(Protocol):
    model: str
    url: str


def window_env(home: Path, server: ModelServer | None = None) -> dict[str, str]:
    """The window's environment: ``home`` as its home, offscreen; with ``server`` a model set up."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ERRAND_HOME": str(home),
           "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    if server is not None:
        env.update(ERRAND_MODEL=server.model, ERRAND_API_BASE=server.url, OPENAI_API_KEY="sk-bench")
    return env


def in_window(body: str, args: Sequence[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Launch the window with ``env`` and run ``body`` in it (``sys.argv[1:]`` is ``args``)."""
    return subprocess.run([sys.executable, "-c", _LAUNCH + body, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
