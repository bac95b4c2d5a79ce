"""The screenshot script's page-visiting part (docs/screenshots/take.py ``shoot``) on the real window,
offscreen, into a temporary folder: every page it shows is reached and saved at 820×560, so the
script cannot rot as the window changes."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

pytestmark = pytest.mark.timeout(900)
TAKE = Path(__file__).resolve().parents[1] / "docs" / "screenshots" / "take.py"
PAGES = ["1-ask", "2-plan", "3-preview", "4-run", "4-running", "6-automations", "9-problem", "8-plan-model",
         "5-history", "7-settings"]


def load_take() -> Any:
    spec = importlib.util.spec_from_file_location("take", TAKE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_screenshot_script_visits_every_page(qtbot: Any, sandbox: Any, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.core.assistant import Assistant

    take = load_take()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-screenshot")  # the fake server takes any key
    out = tmp_path / "shots"
    out.mkdir()
    saved = take.shoot(QApplication.instance(), tmp_path, out, scans=60, assistant=Assistant(sandbox=sandbox))
    assert [p.stem for p in saved] == PAGES
    for path in saved:
        image = QImage(str(path))
        assert (image.width(), image.height()) == take.SIZE, path.name  # the window's minimum size
