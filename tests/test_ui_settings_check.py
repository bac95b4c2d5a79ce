"""Settings are checked when saved and used at once: a bad calendar, server address or model name is
refused with a message naming the window's own field; once corrected, the saved value is what the
next chore uses, with no restart (real window, real settings file, real services)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from desktop.core import settings as settings_store
from desktop.core.settings import Settings
from desktop.core.settings_check import check
from tests import test_ui_flow
from tests.test_ui_flow import click

window = test_ui_flow.window  # the same real window fixture


@pytest.mark.parametrize(("field", "attr", "value"), [
    ("Calendar", "calendar", "ics:calendar.ics"),  # not a full path
    ("Calendar", "calendar", "ics:/no/such/folder/calendar.ics"),
    ("Calendar", "calendar", "caldav:ftp://me@host/cal/"),
    ("Calendar", "calendar", "caldav:https://me:secret@host/cal/"),  # a password belongs in the keyring
    ("Calendar", "calendar", "webcal://host/cal.ics"),
    ("Server address", "api_base", "localhost:11434"),
    ("Server address", "api_base", "http://"),
    ("Server address", "api_base", "http://host:port/"),
    ("Model", "model", "gpt 4o"),
    ("Model", "model", "<b>openai/gpt-4o</b>"),
    ("Vision model", "vision_model", "openai/gpt-4o\n"),
])
def test_a_bad_value_is_named_by_its_field(field: str, attr: str, value: str) -> None:
    settings = Settings()
    setattr(settings, attr, value)
    assert [p.field for p in check(settings)] == [field]


def test_good_values_pass(tmp_path: Path) -> None:
    good = Settings(model="openai/gpt-4o-mini", api_base="http://localhost:11434",
                    vision_model="ollama/llava:7b", calendar=f"ics:{tmp_path}/calendar.ics")
    assert check(good) == []
    assert check(Settings(calendar="caldav:https://me@cal.example.com/dav/me/work/")) == []
    assert check(Settings()) == []  # nothing set up is fine: built-in recipes only


def test_save_bad_shows_why_and_saves_nothing_then_the_fix_is_used_at_once(
        qtbot: Any, window: Any, tmp_path: Path) -> None:
    window.show_page(3)
    page = window.settings
    QApplication.processEvents()
    page.calendar.setText("ics:calendar.ics")
    page.api_base.setText("localhost:11434")
    click(qtbot, page.save)
    assert page.problem.isVisible()
    shown = page.problem.message.text() + " " + page.problem.hint.text()
    assert "Server address" in shown and "Calendar" in shown and "Save settings" in shown
    assert page.saved_note.text() == "Not saved."
    assert settings_store.load().calendar == "" and settings_store.load().api_base == ""
    assert QApplication.focusWidget() is page.api_base  # the first field to correct

    calendar = f"ics:{tmp_path}/calendar.ics"
    page.calendar.setText(calendar)
    page.api_base.setText("http://127.0.0.1:9")
    page.vision.setText("openai/gpt-4o-mini")
    click(qtbot, page.save)
    assert not page.problem.isVisible() and page.saved_note.text() == "Saved."
    assert settings_store.load().calendar == calendar
    caption = window.assistant.services["caption"]
    assert caption.recipient[1].startswith("127.0.0.1")

    page.api_base.setText("http://127.0.0.2:9")  # changed again: the next chore's pictures go there
    click(qtbot, page.save)
    assert caption.recipient[1].startswith("127.0.0.2")
