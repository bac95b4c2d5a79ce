"""Preview thumbnails come from the decoder worker: a real photo gets one, upright; a hostile file
gets none and starts nothing; Qt itself decodes only the worker's PNG."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.hostile_files import fake_ghostscript, postscript
from tests.imagefactory import make_photo


@pytest.fixture
def thumbnails(qtbot: Any) -> Any:
    from desktop.ui.thumbnails import Thumbnails

    made = Thumbnails(size=40)
    yield made
    made.pool.waitForDone(5000)


def test_a_photo_gets_an_upright_thumbnail(qtbot: Any, thumbnails: Any, tmp_path: Path) -> None:
    photo = str(make_photo(tmp_path / "IMG_1.jpg", size=(800, 600), orientation=6))  # portrait once turned
    with qtbot.waitSignal(thumbnails.ready, timeout=20_000) as ready:
        assert thumbnails.get(photo) is None  # the first call starts the load
    assert ready.args == [photo]
    pixmap = thumbnails.get(photo)
    assert (pixmap.width(), pixmap.height()) == (60, 80)  # 2× for high DPI, turned upright


def test_a_hostile_file_gets_no_thumbnail_and_runs_nothing(qtbot: Any, thumbnails: Any, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "gs-ran.txt"
    monkeypatch.setenv("PATH", f"{fake_ghostscript(tmp_path / 'bin', marker).parent}{os.pathsep}"
                       f"{os.environ.get('PATH', '')}")
    eps = str(postscript(tmp_path / "holiday.jpg", tmp_path / "outside.txt"))
    photo = str(make_photo(tmp_path / "IMG_2.jpg"))
    thumbnails.get(eps)
    with qtbot.waitSignal(thumbnails.ready, timeout=20_000):
        thumbnails.get(photo)
    thumbnails.pool.waitForDone(5000)
    assert thumbnails.get(eps) is None and thumbnails.get(photo) is not None
    assert not marker.exists() and not (tmp_path / "outside.txt").exists()
