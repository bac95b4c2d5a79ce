"""Two disks: moves between granted folders on different file systems, and a holding area on
another disk, keep content and modified times exactly (copy + remove instead of rename)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from capabilities.errors import CallError
from capabilities.folders.holding import Holding
from tests.files_support import make_tree, snapshot, start

SHM = Path("/dev/shm")


@pytest.fixture
def other_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on another file system than tmp_path (tmpfs), removed afterwards."""
    if not SHM.is_dir() or os.stat(SHM).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second file system here")
    folder = Path(tempfile.mkdtemp(dir=SHM, prefix="errand-test-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_moving_a_file_between_disks_and_back(tmp_path: Path, other_disk: Path) -> None:
    trip, shm = tmp_path / "Trip", other_disk / "Shm"
    make_tree(trip, {"a.txt": "alpha", "sub/keep.txt": "k"})
    make_tree(shm, {"z.txt": "zulu"})
    before = snapshot(trip, folder_times=True), snapshot(shm, folder_times=True)
    mtime = os.stat(trip / "a.txt").st_mtime_ns
    run = start(tmp_path, (trip, "rw"), (shm, "rw"))
    run.call("rename", "Trip/a.txt", "Shm/a.txt")
    run.call("rename", "Shm/a.txt", "Shm/a2.txt")  # a later step on the moved (copied) file
    with pytest.raises(CallError, match="different disks"):
        run.call("rename", "Trip/sub", "Shm/sub")
    run.apply()
    assert (shm / "a2.txt").read_text() == "alpha" and os.stat(shm / "a2.txt").st_mtime_ns == mtime
    assert not (trip / "a.txt").exists()
    run.undo()
    assert (snapshot(trip, folder_times=True), snapshot(shm, folder_times=True)) == before


def test_a_holding_area_on_another_disk(tmp_path: Path, other_disk: Path) -> None:
    trip = tmp_path / "Trip"
    make_tree(trip, {"a.txt": "alpha", "b.txt": "bravo"})
    before = snapshot(trip, folder_times=True)
    run = start(tmp_path, (trip, "rw"))
    run.holding = other_disk / "holding"
    run.call("delete", "Trip/a.txt")
    run.call("write_text", "Trip/b.txt", "replaced")
    run.apply()
    assert len(Holding(run.holding).ids()) == 2 and (trip / "b.txt").read_text() == "replaced"
    run.undo()
    assert snapshot(trip, folder_times=True) == before
    assert Holding(run.holding).ids() == []
