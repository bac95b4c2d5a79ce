"""Automations: the page the folder-watch work fills in; until then, a short explanation.

The hook: the window calls ``create_page(assistant)`` once and shows the
widget it returns under "Automations". Replace ``PlaceholderPage`` with the
real page (a list of automations, their folders and last runs) and keep
this function's signature; the window needs nothing else. A page that
defines ``refresh()`` is refreshed whenever it is shown.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop.ui.widgets import card, heading, label

__all__ = ["PlaceholderPage", "create_page"]


class PlaceholderPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading("Automations",
                                 "Chores that run by themselves when files arrive in a folder."))
        layout.addWidget(card(label(
            "Save a chore as an automation and Errand will run it whenever new files appear in a folder "
            "you choose, with the same preview, journal and undo as any other run. Every automatic run "
            "shows up in History.", ""), label("Coming soon in this version.", "muted")))
        layout.addStretch(1)


def create_page(assistant: Any) -> QWidget:
    """The Automations page for the window (the folder-watch work replaces the placeholder)."""
    return PlaceholderPage()
