"""The main window: a sidebar (New errand, History, Automations, Settings) and the page it shows.

It accepts folders dropped anywhere on it (they join the chore being
asked), remembers its size and position (``window.ini`` in Errand's data
folder), offers "Open a script…" (what ``errand run`` does), and on close
cancels a running task and waits for it, so nothing is left half-journaled.
Ctrl+1…4 switch pages; every control is reachable with Tab.

It also runs the saved automations (``desktop.ui.background``): the runner
starts with the window and reloads after each change on the Automations page.
With a system tray, closing the window while automations exist only hides it
(the tray's Quit really quits); without one (offscreen tests) closing quits,
and the runner stops cleanly either way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core import llm
from desktop.ui import automations_view
from desktop.ui.background import Background, Tray, tray_available
from desktop.ui.chore_plan import recipe_examples
from desktop.ui.flow import ChoreFlow
from desktop.ui.history_view import HistoryView
from desktop.ui.icons import icon
from desktop.ui.recovery_view import RecoveryBanner
from desktop.ui.settings_view import SettingsView
from desktop.ui.state import window_state
from desktop.ui.theme import apply_appearance, saved_appearance
from desktop.ui.warmup import SandboxWarmup
from desktop.ui.widgets import label
from desktop.ui.worker import wait_for_tasks

__all__ = ["MainWindow"]

PAGES = ("New errand", "History", "Automations", "Settings")
ERRAND, HISTORY, AUTOMATIONS, SETTINGS = range(4)
_ICONS = ("errand", "history", "automations", "settings")


class MainWindow(QMainWindow):
    def __init__(self, assistant: Any, *, samples_parent: Path | None = None,
                 runner_options: dict[str, Any] | None = None) -> None:
        super().__init__()
        apply_appearance(saved_appearance())  # the person's light or dark choice, before any page is made
        self.assistant = assistant
        self.setWindowTitle("Errand")
        self.setWindowIcon(icon("app"))
        self.setAcceptDrops(True)
        self.setMinimumSize(QSize(820, 560))

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self._sidebar())
        self.pages = QStackedWidget()
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(28, 22, 28, 22)
        self.recovery = RecoveryBanner(assistant)
        body_layout.addWidget(self.recovery)
        self.warmup = SandboxWarmup(assistant)
        body_layout.addWidget(self.warmup)
        body_layout.addWidget(self.pages)
        row.addWidget(body, 1)
        self.setCentralWidget(central)

        self.flow = ChoreFlow(assistant, recipe_examples(), samples_parent=samples_parent)
        self.history = HistoryView(assistant)
        self.automations = automations_view.create_page(assistant)
        self.settings = SettingsView(assistant=assistant)
        for page in (self.flow, self.history, self.automations, self.settings):
            self.pages.addWidget(page)
        self.flow.run_finished.connect(lambda run_id: self.history.refresh(run_id))
        self.flow.settings_requested.connect(lambda: self.show_page(SETTINGS))
        self.flow.ask.script_requested.connect(self.open_script)
        self.flow.history_requested.connect(self._show_run)
        self.settings.saved.connect(self._settings_saved)
        self.recovery.recovered.connect(lambda: self.history.refresh())
        self.background = Background(assistant, runner_options, self)
        self.background.event.connect(self._automation_event)
        self.automations.changed.connect(self.background.reload)
        self.tray: Tray | None = None
        self._quitting = False
        self._shown_once = False
        if tray_available():
            self.tray = Tray(self)
            self.tray.open_requested.connect(self.bring_to_front)
            self.tray.quit_requested.connect(self.quit)
            self.tray.show()
        self.nav.currentRowChanged.connect(self._page_changed)
        self._actions()
        self._restore()
        self.show_page(ERRAND)
        self.recovery.check()  # a run a crash cut short is offered to be put back or finished
        self.background.start()  # off the GUI thread; the watchers then run on their own
        self.warmup.start()  # a sandbox not yet built is built now, its progress shown

    # ---- parts -----------------------------------------------------------------------------

    def _sidebar(self) -> QWidget:
        side = QWidget(objectName="sidebar")
        side.setFixedWidth(210)
        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 8, 0, 12)
        layout.addWidget(label("Errand", "brand", wrap=False))
        layout.addWidget(label("Chores in plain words", "brandTag", wrap=False))
        self.nav = QListWidget(objectName="nav")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setAccessibleName("Pages")
        for i, name in enumerate(PAGES):
            item = QListWidgetItem(icon(_ICONS[i]), name)
            item.setToolTip(f"{name} (Ctrl+{i + 1})")
            self.nav.addItem(item)
        layout.addWidget(self.nav, 1)
        return side

    def _actions(self) -> None:
        for i in range(len(PAGES)):
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _=False, page=i: self.show_page(page))
            self.addAction(action)
        open_script = QAction("Open a script…", self)
        open_script.setShortcut(QKeySequence.StandardKey.Open)
        open_script.triggered.connect(self.open_script)
        self.addAction(open_script)
        new = QAction("New errand", self)
        new.setShortcut(QKeySequence.StandardKey.New)
        new.triggered.connect(lambda: (self.show_page(ERRAND), self.flow.new_errand()))
        self.addAction(new)
        cancel = QAction("Cancel", self)
        cancel.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        cancel.triggered.connect(self._escape)
        self.addAction(cancel)

    # ---- navigation ----------------------------------------------------------------------

    def _escape(self) -> None:
        """Esc: stop a plan, a preview or a run under way (between two changes), or go back a step."""
        if self.flow.busy or self.pages.currentWidget() is self.flow:
            self.flow.escape()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:  # typing at once writes the chore (the sidebar would jump to a page)
            self._shown_once = True
            self.flow.ask.request.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_page(self, index: int) -> None:
        self.nav.setCurrentRow(index)
        self._page_changed(index)

    def _page_changed(self, index: int) -> None:
        if index < 0:
            return
        self.pages.setCurrentIndex(index)
        page = self.pages.widget(index)
        if page is self.history:
            self.history.refresh()
        elif page is self.settings:
            self.settings.load()
        elif page is self.automations:
            current = self.history.current
            self.automations.offer_run(current.run_id if current is not None else None)
            self.automations.refresh()
        elif hasattr(page, "refresh"):
            page.refresh()

    def _settings_saved(self) -> None:
        """New model or calendar: the next run's services (captions, passwords) are built from them."""
        self.assistant.reload_settings()
        self.flow.settings_changed()

    def _show_run(self, run_id: int) -> None:
        self.show_page(HISTORY)
        if run_id:
            self.history.refresh(run_id)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:  # light ↔ dark: redraw the icons in the new colours
            for i in range(self.nav.count()):
                self.nav.item(i).setIcon(icon(_ICONS[i]))
        super().changeEvent(event)

    def _automation_event(self, kind: str, name: str, message: str) -> None:
        """From the runner (queued to the GUI thread): a run, a failure, a pause."""
        if kind in ("failed", "paused") and self.tray is not None:
            self.tray.notify(kind, name, message)
        if kind in ("ran", "failed", "paused"):
            if self.pages.currentWidget() is self.automations:
                self.automations.refresh()
            if self.pages.currentWidget() is self.history and kind != "paused":
                self.history.refresh()

    def _has_automations(self) -> bool:
        try:
            return bool(self.assistant.has_automations())
        except Exception:  # a journal that cannot be read: nothing to keep running for
            return False

    def quit(self) -> None:
        """Really quit (the tray's Quit): close the window and stop the automations."""
        self._quitting = True
        self.close()
        from PySide6.QtWidgets import QApplication

        QApplication.quit()

    def bring_to_front(self) -> None:
        """The second launch asked to see the window (single instance)."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    # ---- scripts and drops ------------------------------------------------------------------

    def open_script(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a script", str(Path.home()),
                                              "Python scripts (*.py)")
        if path:
            self.use_script_file(Path(path))

    def use_script_file(self, path: Path) -> None:
        try:
            script = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            from desktop.ui.errors import problem_from

            self.flow.ask.problem.show_problem(problem_from(exc))
            return
        self.show_page(ERRAND)
        self.flow.use_script(script, list(self.flow.ask.folders), request=path.name)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(Path(u.toLocalFile()).is_dir() for u in event.mimeData().urls() if u.isLocalFile()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        added = [u.toLocalFile() for u in event.mimeData().urls()
                 if u.isLocalFile() and self.flow.ask.add_folder(u.toLocalFile())]
        if added:
            self.show_page(ERRAND)
            if self.flow.stack.currentIndex() != 0 and not self.flow.busy:
                self.flow.go(0)
            event.acceptProposedAction()

    # ---- size, position, closing ------------------------------------------------------------

    def _state(self) -> QSettings:
        return window_state()

    def _restore(self) -> None:
        state = self._state()
        geometry = state.value("geometry")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(QByteArray(geometry))  # position, screen, maximized
        size = state.value("size")
        # The size is kept on its own: restoreGeometry shrinks a window to fit the screen it finds.
        self.resize(size if isinstance(size, QSize) and size.isValid() else QSize(1120, 760))

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.tray is not None and not self._quitting and self._has_automations():
            self.hide()  # the automations keep running; the tray's Quit ends them
            event.ignore()
            self.tray.showMessage("Errand is still running", "Your automations keep watching their folders. "
                                  "Quit from this icon to stop them.")
            return
        state = self._state()
        state.setValue("geometry", self.saveGeometry())
        state.setValue("size", self.size())
        state.sync()
        self.flow.cancel()
        llm.abandon_requests()  # a model that has not answered is not waited for (its connection closes)
        self.hide()  # gone at once for the person; a running step still ends cleanly (journaled)
        wait_for_tasks(30.0)
        self.background.stop()  # after its start or reload task ended; a run under way finishes
        if self.tray is not None:
            self.tray.hide()
        super().closeEvent(event)
