"""The figures recorded before issue 20's work (``baseline.json``), for benches to print beside theirs.

``previous(name)`` gives the recorded median for a row named ``name`` (or
containing a recorded key), and ``beside(name, median)`` the words to print
after today's figure: the previous median and today's as a multiple of it,
flagged when it is more than 10 % worse.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["beside", "previous"]

_RECORDED = Path(__file__).with_name("baseline.json")
_FIGURES: dict[str, Any] = json.loads(_RECORDED.read_text("utf-8"))["figures"]
REGRESSION = 1.10


def previous(name: str) -> dict[str, Any] | None:
    """The recorded figure for ``name``: an exact key first, else a key the name contains."""
    if name in _FIGURES:
        return dict(_FIGURES[name])
    found = [key for key in _FIGURES if key in name]
    return dict(_FIGURES[found[0]]) if found else None


def beside(name: str, median: float) -> str:
    """`` | before 103.500 ms (x1.02)``, with ``REGRESSED`` past 10 %; empty when nothing was recorded."""
    figure = previous(name)
    if not figure or "median" not in figure:
        return ""
    times = median / figure["median"]
    flag = "  REGRESSED" if times > REGRESSION else ""
    return f" | before {figure['median']:9.3f} {figure['unit']} (x{times:4.2f}){flag}"
