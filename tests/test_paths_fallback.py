"""The path-based fallback used where ``dir_fd`` is missing (Windows), exercised here by
switching it on: the same refusals and the same exact round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

import capabilities.folders.dirs as dirs_module
import capabilities.folders.granted as folders_module
import capabilities.folders.names as names_module
from capabilities.errors import PathRefused, SourceChanged, TargetExists, TargetMissing
from tests.files_support import make_tree, snapshot, start


@pytest.fixture(autouse=True)
def no_dir_fd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(folders_module, "_HAS_DIR_FD", False)


def test_round_trip_without_dir_fd(tmp_path: Path) -> None:
    trip = tmp_path / "Trip"
    make_tree(trip, {"a.txt": "alpha", "b.txt": "bravo", "sub/c.txt": "charlie"})
    before = snapshot(trip, folder_times=True)
    run = start(tmp_path, (trip, "rw"))
    assert run.files.folders.root("Trip").fd is None
    run.call("rename", "Trip/a.txt", "Trip/sub/a.txt")
    run.call("rename", "Trip/b.txt", "Trip/sub/c.txt", overwrite=True)
    run.call("write_text", "Trip/new.txt", "new")
    run.call("mkdir", "Trip/d")
    run.call("copy", "Trip/new.txt", "Trip/d/copy.txt")
    run.call("delete", "Trip/sub")
    run.apply()
    assert sorted(str(p.relative_to(trip)) for p in trip.rglob("*")) == ["d", "d/copy.txt", "new.txt"]
    run.undo()
    assert snapshot(trip, folder_times=True) == before


def test_links_refused_without_dir_fd(tmp_path: Path) -> None:
    trip, outside = tmp_path / "Trip", tmp_path / "outside"
    make_tree(trip, {"a.txt": "alpha", "sub/b.txt": "b"})
    make_tree(outside, {"secret.txt": "s"})
    (trip / "link").symlink_to(outside)
    run = start(tmp_path, (trip, "rw"))
    with pytest.raises((PathRefused, TargetMissing)):
        run.call("read_text", "Trip/link/secret.txt")
    run.call("rename", "Trip/sub/b.txt", "Trip/sub/c.txt")
    (trip / "sub" / "b.txt").rename(tmp_path / "parked")
    (trip / "sub").rmdir()
    (trip / "sub").symlink_to(outside)
    (outside / "b.txt").write_text("outside b")
    before = snapshot(outside, folder_times=True)
    host = run.applier()
    (action,) = run.actions
    with pytest.raises(PathRefused):
        host.perform(action)
    assert snapshot(outside, folder_times=True) == before


def test_rename_without_an_atomic_no_replace_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Systems without renameat2/renameatx_np check first, then rename; verify checks the target."""
    import capabilities.api.files as files_module

    monkeypatch.setattr(folders_module, "_HAS_DIR_FD", True)  # fds, but no atomic no-replace
    monkeypatch.setattr(dirs_module, "_renameat2", None)
    monkeypatch.setattr(files_module, "ATOMIC_NO_REPLACE", False)
    trip = tmp_path / "Trip"
    make_tree(trip, {"a.txt": "alpha", "b.txt": "bravo"})
    before = snapshot(trip, folder_times=True)
    run = start(tmp_path, (trip, "rw"))
    run.call("rename", "Trip/a.txt", "Trip/c.txt")
    (trip / "c.txt").write_text("arrived meanwhile")
    host = run.applier()
    (action,) = run.actions
    with pytest.raises(SourceChanged, match="exists now"):
        host.verify(action)
    with pytest.raises(TargetExists):
        host.perform(action)
    (trip / "c.txt").unlink()
    run.apply()
    assert (trip / "c.txt").read_text() == "alpha"
    run.undo()
    assert {k: v for k, v in snapshot(trip, folder_times=True).items() if k != "."} == \
        {k: v for k, v in before.items() if k != "."}


@pytest.mark.parametrize("path", ["Trip/a.txt:Zone.Identifier", "Trip/a.txt.", "Trip/a.txt ", "Trip/nul",
                                  "Trip/COM1.log", "Trip/sub./b.txt"])
def test_windows_aliases_refused_on_windows(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(names_module, "_WINDOWS", True)
    with pytest.raises(PathRefused, match="on Windows"):
        names_module.split_path(path)
    monkeypatch.setattr(names_module, "_WINDOWS", False)
    names_module.split_path(path)  # elsewhere these are ordinary existing names
