"""The automations running behind the window: the runner, its events on the GUI thread, the tray icon.

``Background`` owns one :class:`~desktop.automations.runner.AutomationRunner`
(its own ``Assistant`` sharing the window's journal, so a triggered run never
waits for the window's). ``start`` and ``reload`` run on the thread pool
(``reload`` after every add, pause, resume or remove in the page); ``stop``
runs at quit, after the pool's tasks, and lets a run under way finish.

The runner calls ``on_event(kind, name, message)`` on its own threads; here
that call only emits ``event``, a signal connected with a queued connection,
so every slot runs on the GUI thread. ``Tray`` is the system tray icon (when
the desktop has a tray): Open brings the window back, Quit really quits;
failures and pauses show as tray messages.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop.core.display import safe_text
from desktop.ui.icons import icon
from desktop.ui.worker import run_task

__all__ = ["Background", "Tray", "notification_text", "tray_available"]


def tray_available() -> bool:
    return QSystemTrayIcon.isSystemTrayAvailable()


class Background(QObject):
    """The app's automation runner; ``event(kind, name, message)`` arrives on the GUI thread."""

    event = Signal(str, str, str)
    _from_runner = Signal(str, str, str)  # emitted on runner threads, delivered queued

    def __init__(self, assistant: Any, runner_options: dict[str, Any] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        from desktop.automations.runner import AutomationRunner

        self.runner = AutomationRunner(assistant.companion(), on_event=self._from_runner.emit,
                                       **(runner_options or {}))
        self._from_runner.connect(self.event.emit, Qt.ConnectionType.QueuedConnection)
        self.started = False

    def start(self) -> None:
        """Start watching, off the GUI thread (it may first finish files a crash left claimed)."""
        self.started = True
        run_task(lambda task: self.runner.start(), on_error=self._failed)

    def reload(self) -> None:
        """The journal's automations changed: bring the watchers in line now, off the GUI thread."""
        if self.started:
            run_task(lambda task: self.runner.reload(), on_error=self._failed)

    def stop(self) -> None:
        """At quit (after the pool's tasks): stop the watchers; a run under way finishes first."""
        self.runner.stop()

    def watching(self) -> list[str]:
        return self.runner.watching()

    def _failed(self, exc: BaseException, _tb: str) -> None:
        self.event.emit("error", "", str(exc) or type(exc).__name__)


class Tray(QSystemTrayIcon):
    """Errand in the system tray: Open, Quit, and a message when an automation fails or pauses."""

    open_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(icon("app"), parent)
        self.setToolTip("Errand — automations keep running while the window is closed")
        menu = QMenu()
        menu.addAction("Open Errand", self.open_requested.emit)
        menu.addSeparator()
        menu.addAction("Quit", self.quit_requested.emit)
        self._menu = menu  # QSystemTrayIcon does not own its menu
        self.setContextMenu(menu)
        self.activated.connect(self._activated)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_requested.emit()

    def notify(self, kind: str, name: str, message: str) -> None:
        """A failed or paused automation, said in a tray message."""
        title, body = notification_text(kind, name, message)
        self.showMessage(title, body, QSystemTrayIcon.MessageIcon.Warning, 10_000)


def notification_text(kind: str, name: str, message: str) -> tuple[str, str]:
    """Title and body for a tray message, escaped: some notification servers render markup in the
    body, and an automation's name and its error come from the person's files and scripts."""
    name = safe_text(name)
    title = f"Automation “{name}” paused" if kind == "paused" else f"Automation “{name}” failed"
    return title, html.escape(safe_text(message), quote=False)
