"""Shared fixtures for automation tests: a work folder with an Inbox to watch and a Done to file into."""

from __future__ import annotations

from pathlib import Path

import pytest

__all__ = ["work"]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """``Work/Inbox`` (watched) and ``Work/Done`` (where the scripts file things)."""
    root = tmp_path / "Work"
    (root / "Inbox").mkdir(parents=True)
    (root / "Done").mkdir()
    return root
