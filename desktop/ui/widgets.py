"""Small widgets the views share: a wrapping row of chips, cards, the step bar, headings, and
``plain_tip``, the one way to put untrusted text in a tooltip.

Qt guesses whether a label's or a tooltip's text is HTML (``Qt::mightBeRichText``):
a file named ``<!--x`` would hide the rest of a tooltip, ``<a href>`` would
draw a link. Labels here are ``PlainText``; tooltips, which have no format
setting, get their text escaped inside an explicit paragraph.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
    QWidgetItem,
)

__all__ = ["FlowLayout", "StepBar", "card", "heading", "label", "plain_tip", "scrolling"]


def plain_tip(text: str) -> str:
    """Tooltip text Qt shows exactly as written (markup in a file name stays text; lines stay lines)."""
    if not text:
        return ""
    return f"<p style='white-space:pre-wrap'>{html.escape(text, quote=False)}</p>"


class FlowLayout(QLayout):
    """Lays widgets out left to right, wrapping onto new lines (Qt's classic flow layout example)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 8) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def addWidget(self, widget: QWidget) -> None:
        self.addChildWidget(widget)
        self.addItem(QWidgetItem(widget))

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _arrange(self, rect: QRect, move: bool) -> int:
        x, y, line = rect.x(), rect.y(), 0
        for item in self._items:
            if item.widget() is not None and item.widget().isHidden():
                continue
            hint = item.sizeHint()
            if x + hint.width() > rect.right() and line > 0:
                x, y, line = rect.x(), y + line + self._spacing, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y()


def label(text: str = "", name: str = "", *, wrap: bool = True, plain: bool = True) -> QLabel:
    """A label; ``plain`` keeps text from files from being read as rich text."""
    widget = QLabel(text)
    widget.setWordWrap(wrap)
    if plain:
        widget.setTextFormat(Qt.TextFormat.PlainText)
    if name:
        widget.setObjectName(name)
    return widget


def heading(title: str, subtitle: str = "") -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 4)
    layout.setSpacing(2)
    layout.addWidget(label(title, "title"))
    if subtitle:
        layout.addWidget(label(subtitle, "subtitle"))
    return box


def card(*children: QWidget, margins: int = 16) -> QFrame:
    frame = QFrame(objectName="card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(margins, margins, margins, margins)
    for child in children:
        layout.addWidget(child)
    return frame


class StepBar(QWidget):
    """"Ask › Plan › Preview › Run", with the current step highlighted."""

    def __init__(self, steps: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.labels: list[QLabel] = []
        for i, name in enumerate(steps):
            if i:
                layout.addWidget(label("›", "muted", wrap=False))
            step = label(f"{i + 1}  {name}", "step", wrap=False)
            self.labels.append(step)
            layout.addWidget(step)
        layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.set_current(0)

    def set_current(self, index: int) -> None:
        for i, step in enumerate(self.labels):
            step.setProperty("current", i == index)
            step.setProperty("done", i < index)
            step.style().unpolish(step)
            step.style().polish(step)


def scrolling(page: QWidget) -> QScrollArea:
    """``page`` in a frameless scroll area: below its natural height it scrolls instead of squeezing.

    The area itself takes no Tab stop; Tab goes to the page's controls and scrolls to each.
    """
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(page)
    return area
