"""The recipes Errand offers when it cannot do a request offline: what each would do, and a button.

Shown under the Ask page's problem box. Nothing runs unless the person picks
one; picking plans that recipe (``picked``), and the Plan page and the
preview still come before any change. The offers and their wording come
from the core (``desktop.core.planning.Offer``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from desktop.ui.widgets import card, label

__all__ = ["OffersBox"]


class OffersBox(QWidget):
    """One card per offered recipe: its title, what it does, how it differs, and "Use this recipe"."""

    picked = Signal(str)  # the recipe's name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows = QVBoxLayout(self)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, QPushButton] = {}
        self.setVisible(False)

    def show_offers(self, offers: Sequence[Any]) -> None:
        self.clear()
        for offer in offers:
            button = QPushButton("Use this recipe")
            button.setAccessibleName(f"Use the recipe {offer.title}")
            button.clicked.connect(lambda _=False, name=offer.name: self.picked.emit(name))
            texts = [label(offer.title, "section"), label(offer.does)]
            if offer.differs:
                texts.append(label(f"Unlike your request, {offer.differs}.", "muted"))
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(card(*texts, margins=10), 1)
            line.addWidget(button)
            self.rows.addWidget(row)
            self.buttons[offer.name] = button
        self.setVisible(bool(offers))

    def clear(self) -> None:
        while self.rows.count():
            item = self.rows.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()
        self.buttons = {}
        self.setVisible(False)
