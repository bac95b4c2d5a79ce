"""Settings: the model and where it runs, the API key (keyring only, shown masked), vision, calendar.

The key is never written to the settings file: "Save key" stores it in the
system keyring (``desktop.core.keys``); with no usable keyring the page says so
plainly and suggests the provider's environment variable instead. "Test
connection" sends a one-line chat through ``desktop.core.llm`` on the thread pool
and reports the answer or the problem in words. Keyring calls run on the
pool too: unlocking a keyring may wait for the person.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core import settings as settings_store
from desktop.core.display import safe_text
from desktop.core.settings_check import check as check_settings
from desktop.ui.errors import Problem, ProblemBox, problem_from
from desktop.ui.theme import APPEARANCES, apply_appearance, save_appearance, saved_appearance
from desktop.ui.widgets import card, heading, label, scrolling
from desktop.ui.worker import run_task

__all__ = ["MODEL_CHOICES", "SettingsView", "masked"]

MODEL_CHOICES = ["", "openai/gpt-4o-mini", "openai/gpt-4.1", "anthropic/claude-sonnet-4-20250514",
                 "gemini/gemini-2.0-flash", "ollama/llama3.1"]
_NO_MODEL = "No model: built-in recipes only (works offline)"


def masked(key: str | None) -> str:
    """``••••••••ab12``: enough to recognise a key, never enough to use it."""
    if not key:
        return ""
    return "•" * 8 + (key[-4:] if len(key) >= 12 else "")


class SettingsView(QWidget):
    saved = Signal()

    def __init__(self, parent: QWidget | None = None, assistant: Any = None) -> None:
        super().__init__(parent)
        self._assistant = assistant  # for what the core keeps (picture descriptions); None in a bare view
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(heading("Settings", "Which language model writes the steps, and the services Errand "
                                "may use. Keys are kept in the system keyring, never in a file."))
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 8, 0)
        outer.addWidget(scrolling(body), 1)

        # ---- model ----
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.addItems(MODEL_CHOICES)
        self.model.setItemText(0, "")
        self.model.lineEdit().setPlaceholderText(_NO_MODEL)
        self.model.setAccessibleName("Model")
        self.model.lineEdit().setAccessibleName("Model")  # what a screen reader reads while typing in it
        self.api_base = QLineEdit(placeholderText="Only for a local or self-hosted server, e.g. "
                                                  "http://localhost:11434")
        self.api_base.setAccessibleName("Server address")
        self.key = QLineEdit(placeholderText="Paste the API key here")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setAccessibleName("API key")
        self.key_state = label("", "muted")
        self.save_key = QPushButton("Save key")
        self.save_key.clicked.connect(self._save_key)
        self.test = QPushButton("Test connection")
        self.test.clicked.connect(self._test)
        self.test_result = label("", "muted")
        keys_row = QHBoxLayout()
        keys_row.addWidget(self.key, 1)
        keys_row.addWidget(self.save_key)
        keys_row.addWidget(self.test)
        model_form = QFormLayout()
        model_form.addRow("Model", self.model)
        model_form.addRow("Server address", self.api_base)
        model_form.addRow("API key", keys_row)
        model_form.addRow("", self.key_state)
        model_form.addRow("", self.test_result)
        self.model_form = model_form
        self.keyring_note = label("", "muted")
        box = QWidget()
        box.setLayout(model_form)
        column.addWidget(label("Language model", "section"))
        column.addWidget(card(label("Without a model Errand offers its built-in recipes. With one, you can "
                                    "ask for any chore; your request (and, only if you allow it, file names) "
                                    "is sent to the model's provider.", "muted"), box, self.keyring_note))

        # ---- vision, calendar, privacy ----
        self.vision = QLineEdit(placeholderText="Same as the model above")
        self.vision.setAccessibleName("Vision model")
        self.calendar = QLineEdit(placeholderText="ics:/home/me/calendar.ics  or  caldav:https://me@host/cal/")
        self.calendar.setAccessibleName("Calendar")
        self.calendar_password = QLineEdit(placeholderText="Only for a CalDAV calendar that asks for one")
        self.calendar_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.calendar_password.setAccessibleName("Calendar password")
        self.calendar_state = label("", "muted")
        self.file_names = QCheckBox("Let the model see the names of files in the folders I choose")
        other = QFormLayout()
        other.addRow("Vision model", self.vision)
        other.addRow("Calendar", self.calendar)
        other.addRow("Calendar password", self.calendar_password)
        other.addRow("", self.calendar_state)
        other_box = QWidget()
        other_box.setLayout(other)
        self.forget_captions = QPushButton("Forget saved picture descriptions")
        self.forget_captions.setAccessibleName("Forget saved picture descriptions")
        self.forget_captions.setToolTip("Errand keeps what the vision model said about each picture, so it "
                                        "is not sent twice. Forget them if one was wrong.")
        self.forget_captions.clicked.connect(self._forget_captions)
        self.captions_state = label("", "muted")
        forget_row = QWidget()
        forget_layout = QHBoxLayout(forget_row)
        forget_layout.setContentsMargins(0, 0, 0, 0)
        forget_layout.addWidget(self.forget_captions)
        forget_layout.addWidget(self.captions_state, 1)
        forget_row.setVisible(assistant is not None)
        column.addWidget(label("Pictures, calendar and privacy", "section"))
        column.addWidget(card(other_box, self.file_names, forget_row))

        # ---- the look: applied and kept the moment it is chosen (no Save needed) ----
        self.appearance = QComboBox()
        for choice, words in APPEARANCES.items():
            self.appearance.addItem(words, choice)
        self.appearance.setAccessibleName("Appearance")
        self.appearance.setToolTip("Light or dark, or the same as this computer. It changes at once.")
        self.appearance.setCurrentIndex(self.appearance.findData(saved_appearance()))
        self.appearance.currentIndexChanged.connect(self._appearance_chosen)
        look = QFormLayout()
        look.addRow("Appearance", self.appearance)
        look_box = QWidget()
        look_box.setLayout(look)
        column.addWidget(label("Look", "section"))
        column.addWidget(card(look_box))
        self.problem = ProblemBox()
        column.addWidget(self.problem)
        column.addStretch(1)

        row = QHBoxLayout()
        self.saved_note = label("", "muted", wrap=False)
        row.addWidget(self.saved_note)
        row.addStretch(1)
        self.save = QPushButton("Save settings", objectName="primary")
        self.save.clicked.connect(self.save_settings)
        row.addWidget(self.save)
        outer.addLayout(row)
        self.model.currentTextChanged.connect(lambda _t: self._refresh_key_state())

    def _appearance_chosen(self, _index: int) -> None:
        choice = str(self.appearance.currentData() or "system")
        apply_appearance(choice)
        save_appearance(choice)

    # ---- loading and saving -----------------------------------------------------------------

    def load(self) -> None:
        from desktop.core import llm

        llm.warm()  # the person is setting up a model: "Test connection" must not wait for litellm's import
        s = settings_store.load()
        self.model.setCurrentText(s.model)
        self.api_base.setText(s.api_base)
        self.vision.setText(s.vision_model)
        self.calendar.setText(s.calendar)
        self.file_names.setChecked(s.allow_file_names)
        self.key.clear()
        self.calendar_password.clear()
        self.calendar_state.setText("")
        self.test_result.setText("")
        self.saved_note.setText("")
        self.problem.clear()
        self._refresh_key_state()

    def values(self) -> settings_store.Settings:
        s = settings_store.load()
        s.model = self.model.currentText().strip()
        s.api_base = self.api_base.text().strip()
        s.vision_model = self.vision.text().strip()
        s.calendar = self.calendar.text().strip()
        s.allow_file_names = self.file_names.isChecked()
        return s

    def save_settings(self) -> None:
        values = self.values()
        bad = check_settings(values)
        if bad:  # nothing is saved: a chore never meets a value the window already knew was wrong
            self.saved_note.setText("Not saved.")
            fields = " and ".join(dict.fromkeys(p.field for p in bad))
            self.problem.show_problem(Problem("\n".join(p.message for p in bad),
                                              f"Correct {fields}, then press Save settings."))
            self._fields()[bad[0].field].setFocus()
            return
        self.problem.clear()
        try:
            settings_store.save(values)
        except OSError as exc:
            self.problem.show_problem(problem_from(exc))
            return
        self.saved_note.setText("Saved.")
        if self.key.text().strip():
            self._save_key()
        if self.calendar_password.text() and self.calendar.text().strip():
            self._save_calendar_password()
        self.saved.emit()

    def _fields(self) -> dict[str, QWidget]:
        """The checked fields by the names the window gives them (``SettingProblem.field``)."""
        return {"Model": self.model, "Vision model": self.vision, "Server address": self.api_base,
                "Calendar": self.calendar}

    def _save_calendar_password(self) -> None:
        from desktop.core.services import calendar_key_name

        name, secret = calendar_key_name(self.calendar.text().strip()), self.calendar_password.text()

        def store(task: Any) -> None:
            from desktop.core import keys

            keys.set_key(name, secret)

        def stored(_r: Any) -> None:
            self.calendar_password.clear()
            self.calendar_state.setText("The calendar password is stored in the keyring.")

        run_task(store, on_done=stored,
                 on_error=lambda exc, tb: self.problem.show_problem(problem_from(exc, tb)))

    def _forget_captions(self) -> None:
        assistant = self._assistant
        if assistant is None:
            return

        def forgot(gone: int) -> None:
            self.captions_state.setText(f"Forgot {gone} picture description{'s' if gone != 1 else ''}; the "
                                        "vision model will be asked again next time." if gone else
                                        "No picture descriptions were kept.")

        run_task(lambda _task: assistant.clear_caption_cache(), on_done=forgot,
                 on_error=lambda exc, tb: self.problem.show_problem(problem_from(exc, tb)))

    # ---- the key ------------------------------------------------------------------------------

    def _service(self) -> str:
        from desktop.core.keys import service_for_model

        return service_for_model(self.model.currentText().strip())

    def _refresh_key_state(self) -> None:
        model = self.model.currentText().strip()
        for widget in (self.key, self.save_key, self.test):
            widget.setEnabled(bool(model))
        if not model:
            self.key_state.setText("No model chosen: no key needed.")
            self.keyring_note.setText("")
            self._tidy()
            return
        service = self._service()

        def look(task: Any) -> tuple[bool, str, str | None]:
            from desktop.core import keys

            usable, _name, message = keys.keyring_status()
            return usable, message, keys.get_key(service) if usable else None

        run_task(look, on_done=lambda r: self._show_key_state(service, *r),
                 on_error=lambda exc, tb: self.problem.show_problem(problem_from(exc, tb)))

    def _tidy(self) -> None:
        """Rows with nothing to say take no room."""
        for widget in (self.key_state, self.test_result):
            self.model_form.setRowVisible(widget, bool(widget.text()))
        self.keyring_note.setVisible(bool(self.keyring_note.text()))

    def _show_key_state(self, service: str, usable: bool, message: str, key: str | None) -> None:
        self.keyring_note.setVisible(True)
        self.keyring_note.setText(message if usable else
                                  f"Keys cannot be saved here: {message} Put the key in the provider's "
                                  "environment variable (e.g. OPENAI_API_KEY) instead.")
        self.save_key.setEnabled(usable)
        if key:
            self.key_state.setText(f"A key for {service} is stored in the keyring: {masked(key)}")
        else:
            self.key_state.setText(f"No key for {service} is stored yet." if usable else "")
        self._tidy()

    def _save_key(self) -> None:
        key = self.key.text().strip()
        if not key or not self.model.currentText().strip():
            return
        service = self._service()

        def store(task: Any) -> None:
            from desktop.core import keys

            keys.set_key(service, key)

        def stored(_r: Any) -> None:
            self.key.clear()
            self.problem.clear()
            self._refresh_key_state()

        run_task(store, on_done=stored,
                 on_error=lambda exc, tb: self.problem.show_problem(problem_from(exc, tb)))

    def _test(self) -> None:
        settings = self.values()
        typed = self.key.text().strip() or None
        self.test.setEnabled(False)
        self.test_result.setText("Asking the model to say hello…")
        self._tidy()
        self.problem.clear()

        def ping(task: Any) -> Any:
            from desktop.core import llm
            from desktop.core.services import model_settings

            ms = model_settings(settings)
            return llm.complete([{"role": "user", "content": "Reply with the single word: ready"}],
                                model=settings.model, api_base=ms.api_base, api_key=typed or ms.api_key,
                                timeout=30.0, cancel=task.cancel)

        def answered(done: Any) -> None:
            self.test.setEnabled(True)
            said = safe_text(" ".join(str(done.text).split())[:60])
            self.test_result.setText(f"Connected: {settings.model} answered “{said}” "
                                     f"in {done.latency_ms / 1000:.1f} s.")
            self._tidy()

        def failed(exc: BaseException, tb: str) -> None:
            self.test.setEnabled(True)
            self.test_result.setText("The connection test failed.")
            self._tidy()
            self.problem.show_problem(problem_from(exc, tb))

        run_task(ping, on_done=answered, on_error=failed)
