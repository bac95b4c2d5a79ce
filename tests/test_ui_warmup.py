"""A window opened before the sandbox was ever built builds it at once and shows real progress:
the step under way and the time elapsed, measured; then the banner goes and previews run."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from sandbox import build
from tests.test_ui_words import internal_terms


def test_a_missing_sandbox_is_built_when_the_window_opens_with_its_progress_shown(
        qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, component_cache: Path) -> None:
    from desktop.core.assistant import Assistant
    from desktop.ui.window import MainWindow

    empty = tmp_path / "fresh-cache"
    monkeypatch.setenv("ERRAND_CACHE", str(empty))
    # The guest before compiling, when the session's cache keeps it: only the compile is waited for.
    for wasm in (component_cache / "sandbox").glob(f"guest-{build.cache_key()}.wasm"):
        (empty / "sandbox").mkdir(parents=True)
        shutil.copy(wasm, empty / "sandbox" / wasm.name)
    assert not build.is_prepared(empty)
    window = MainWindow(Assistant(), samples_parent=tmp_path / "Pictures")
    qtbot.addWidget(window)
    window.show()
    banner = window.warmup
    assert banner.isVisible()
    assert "step " in banner.text.text() and "s so far" in banner.text.text()
    assert "about" not in banner.text.text()  # no promised duration
    assert internal_terms(banner) == []  # plain words: no "sandbox", "guest component", "WebAssembly"
    with qtbot.waitSignal(banner.ready, timeout=600_000):
        pass
    assert not banner.isVisible() and build.is_prepared(empty)
    assert window.assistant._sandbox is not None  # loaded: the first preview starts at once
    window.close()


def test_with_the_sandbox_ready_nothing_is_shown(qtbot: Any, sandbox: Any, tmp_path: Path) -> None:
    from desktop.core.assistant import Assistant
    from desktop.ui.window import MainWindow

    window = MainWindow(Assistant(sandbox=sandbox), samples_parent=tmp_path / "Pictures")
    qtbot.addWidget(window)
    window.show()
    assert not window.warmup.isVisible() and not window.warmup.start()
    window.close()
