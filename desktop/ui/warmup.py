"""The sandbox's first-use build, started the moment the window opens, showing its real progress.

Run from source without ``scripts/setup.sh`` (installers carry the component
compiled, and set-up builds it), the first preview would wait for the guest
component to be built and compiled for this computer: over a minute on a
slow machine. So the window starts that at once, on the thread pool, and this
banner shows the step under way (``sandbox.build.BuildStep``), a bar of the
steps done and the time elapsed, measured, ticking each second. It promises
no duration. With the sandbox ready, nothing is shown.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFrame, QProgressBar, QVBoxLayout, QWidget

from desktop.core import paths
from desktop.ui.widgets import label, plain_tip
from desktop.ui.worker import run_task
from sandbox import build

__all__ = ["SandboxWarmup"]

# The build's steps (``sandbox.build``: the guest component, then its compiling) in a person's words.
_STEP_WORDS = {0: "setting up the safe place where chores are tried out",
               1: "fitting it to this computer", 2: "ready"}


class SandboxWarmup(QFrame):
    ready = Signal()

    def __init__(self, assistant: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.assistant = assistant
        self.setObjectName("banner")
        column = QVBoxLayout(self)
        column.setContentsMargins(14, 10, 14, 10)
        self.text = label("")
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        column.addWidget(self.text)
        column.addWidget(self.bar)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._show)
        self._started = 0.0
        self._step: tuple[int, int, str] = (0, 2, "starting")
        self.hide()

    def start(self) -> bool:
        """Build now if the sandbox is not ready; False (and nothing shown) when it is."""
        cache = paths.cache_dir()
        if build.is_prepared(cache):
            return False
        self._started = time.monotonic()
        self._show()
        self.show()
        self._timer.start()

        def work(task: Any) -> None:
            build.prepare(cache, progress=lambda step: task.log(f"{step.done}/{step.total}/{step.text}"))
            _ = self.assistant.sandbox  # load it now (a few ms): the first preview starts at once

        run_task(work, on_done=self._done, on_error=self._failed, on_log=self._heard)
        return True

    def _heard(self, lines: list[str]) -> None:
        done, total, text = lines[-1].split("/", 2)
        self._step = (int(done), int(total), text)
        self._show()

    def _show(self) -> None:
        done, total, text = self._step
        elapsed = int(time.monotonic() - self._started)
        self.text.setText(f"Getting Errand ready for its first preview (once per version): step "
                          f"{min(done + 1, total)} of {total}, {_STEP_WORDS.get(done, text)}… {elapsed} s so "
                          "far. Previews start as soon as it is ready.")
        self.bar.setRange(0, total)
        self.bar.setValue(done)

    def _done(self, _result: Any) -> None:
        self._timer.stop()
        self.hide()
        self.ready.emit()

    def _failed(self, error: BaseException, _details: str) -> None:
        self._timer.stop()
        self.bar.hide()
        self.text.setText("Errand could not get ready for previews. It tries again when you preview a chore; "
                          "if this keeps happening, install Errand again.")
        self.text.setToolTip(plain_tip(f"What went wrong: {error}"))  # for whoever helps: the cause
