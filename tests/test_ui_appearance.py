"""Settings → Appearance on the real window: light, dark or the computer's own, applied the moment
it is chosen (palette, accents, the rows' colours), kept for the next launch, and back to the
computer's own palette when asked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from desktop.ui import theme
from tests import test_ui_flow

pytestmark = pytest.mark.timeout(600)
window = test_ui_flow.window


@pytest.fixture(autouse=True)
def computers_own_afterwards() -> Iterator[None]:
    yield
    theme.apply_appearance("system")  # the palette is the whole application's: no later test inherits it


def choose(page: Any, words: str) -> None:
    page.appearance.setCurrentIndex(page.appearance.findText(words))


def window_colour() -> str:
    return QApplication.palette().color(QPalette.ColorRole.Window).name()


def test_dark_and_light_apply_at_once_are_kept_and_the_computers_own_comes_back(
        qtbot: Any, window: Any, sandbox: Any, tmp_path: Path) -> None:
    from desktop.core.assistant import Assistant
    from desktop.ui.window import MainWindow

    own = window_colour()
    window.show_page(3)
    page = window.settings
    assert page.appearance.currentText() == "Same as this computer"
    assert [page.appearance.itemText(i) for i in range(page.appearance.count())] == [
        "Same as this computer", "Light", "Dark"]

    choose(page, "Dark")  # no Save: it changes as it is chosen
    assert theme.is_dark() and theme.accents() == theme._DARK
    assert window_colour() == theme.dark_palette().color(QPalette.ColorRole.Window).name()
    assert theme.saved_appearance() == "dark"
    assert "#6ea2ff" in QApplication.instance().styleSheet()  # the dark accents' style sheet

    again = MainWindow(Assistant(sandbox=sandbox), samples_parent=tmp_path / "Pictures")  # the next launch
    qtbot.addWidget(again)
    assert theme.is_dark() and again.settings.appearance.currentText() == "Dark"

    choose(page, "Light")
    assert not theme.is_dark() and theme.accents() == theme._LIGHT and theme.saved_appearance() == "light"
    choose(page, "Same as this computer")
    assert window_colour() == own and theme.saved_appearance() == "system"
