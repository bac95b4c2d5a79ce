"""What a chore returned, shown by its shape: a table, a list or a short text.

A list of dicts sharing keys is a table; a dict is a two-column table; a list
of plain values is a list; anything else is text. Everything is escaped
(``safe_text``) and capped, so a script returning 100,000 rows stays quick.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QListWidget,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from capabilities.bytesize import size_text
from desktop.core.display import safe_text
from desktop.ui.widgets import label

__all__ = ["MAX_ROWS", "is_compact", "result_shape", "result_widget"]

MAX_ROWS = 2000
MAX_INLINE = 6  # a dict this small, with plain values, is shown as one line of text


def is_compact(value: Any) -> bool:
    """Whether ``value`` is shown as a line of text (so the page need not make room for a table)."""
    shape = result_shape(value)
    return shape in ("none", "text") or (shape == "pairs" and _small_pairs(value))


def _small_pairs(value: Mapping[str, Any]) -> bool:
    return len(value) <= MAX_INLINE and not any(isinstance(v, Mapping | list | tuple) for v in value.values())


def result_shape(value: Any) -> str:
    """``"none"``, ``"table"``, ``"pairs"``, ``"list"`` or ``"text"``."""
    if value is None or value == "" or value == [] or value == {}:
        return "none"
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        if all(isinstance(v, Mapping) for v in value):
            return "table"
        return "list"
    if isinstance(value, Mapping):
        return "pairs"
    return "text"


def _key(key: Any) -> str:
    """A key as words: ``freed_bytes`` → ``Freed bytes``."""
    text = safe_text(str(key)).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _cell(value: Any, key: Any = "") -> str:
    """A value as a person reads it: sizes in KB/MB, a short list joined by commas, no brackets."""
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "—"}[value]
    if isinstance(value, int) and str(key).lower().endswith(("bytes", "size")):
        return size_text(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, list | tuple) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(_cell(v) for v in value) if value else "none"
    if isinstance(value, Mapping) and all(isinstance(v, str | int | float) for v in value.values()):
        return ", ".join(f"{_key(k).lower()} {_cell(v, k)}" for k, v in value.items())
    return safe_text(json.dumps(value, ensure_ascii=False, default=str))


def result_widget(value: Any) -> QWidget:
    shape = result_shape(value)
    if shape == "none":
        return label("The chore did not report anything.", "muted")
    if shape == "text":
        return label(_cell(value), "summary")
    if shape == "pairs" and _small_pairs(value):
        # a small summary like {"renamed": 6, "undated": 0} reads best as one line
        parts = [f"{_key(k)}: {_cell(v, k)}" for k, v in value.items()]
        return label(" · ".join(parts), "summary")
    if shape == "list":
        widget = QListWidget()
        widget.setObjectName("resultList")
        widget.addItems([_cell(v) for v in list(value)[:MAX_ROWS]])
        _cap_note(widget, len(value))
        return widget
    rows: list[list[str]]
    if shape == "pairs":
        headers = ["", ""]
        rows = [[_key(k), _cell(v, k)] for k, v in list(value.items())[:MAX_ROWS]]
    else:
        headers = []
        for item in value:
            for key in item:
                if key not in headers:
                    headers.append(key)
        rows = [[_cell(item.get(h, ""), h) for h in headers] for item in list(value)[:MAX_ROWS]]
        headers = [_key(h) for h in headers]
    table = QTableWidget(len(rows), len(headers))
    table.setObjectName("resultTable")
    table.setHorizontalHeaderLabels(headers)
    table.horizontalHeader().setVisible(shape == "table")
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _cap_note(widget: QWidget, total: int) -> None:
    if total > MAX_ROWS:
        widget.setToolTip(f"Showing the first {MAX_ROWS:,} of {total:,}.")
