"""The holding area: keep, restore (content and modified time intact), size, and a retention
rule that never drops what an undo still needs and says what it dropped."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from capabilities.errors import TargetExists, TargetMissing
from capabilities.folders.holding import Holding


def _file(path: Path, data: bytes, mtime: int = 1_500_000_000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, ns=(mtime * 10**9 + 7, mtime * 10**9 + 7))
    return path


def test_keep_and_restore_a_file(tmp_path: Path) -> None:
    holding = Holding(tmp_path / "holding")
    original = _file(tmp_path / "docs" / "a.txt", b"alpha")
    mtime = original.stat().st_mtime_ns
    hold_id = holding.keep(original)
    assert not original.exists() and holding.has(hold_id)
    assert holding.meta(hold_id)["original"] == str(original)
    assert holding.size() == 5
    holding.restore(hold_id, original)
    assert original.read_bytes() == b"alpha" and original.stat().st_mtime_ns == mtime
    assert not holding.has(hold_id) and holding.ids() == []


def test_keep_a_copy_leaves_the_original(tmp_path: Path) -> None:
    holding = Holding(tmp_path / "holding")
    original = _file(tmp_path / "a.txt", b"alpha")
    hold_id = holding.keep(original, copy=True)
    assert original.read_bytes() == b"alpha" and holding.item(hold_id).read_bytes() == b"alpha"


def test_keep_a_folder(tmp_path: Path) -> None:
    holding = Holding(tmp_path / "holding")
    _file(tmp_path / "f" / "one.txt", b"1")
    _file(tmp_path / "f" / "sub" / "two.txt", b"22")
    hold_id = holding.keep(tmp_path / "f", "chosen-id")
    assert hold_id == "chosen-id" and holding.size() == 3
    holding.restore(hold_id, tmp_path / "f")
    assert (tmp_path / "f" / "sub" / "two.txt").read_bytes() == b"22"


def test_restore_refuses_to_clobber(tmp_path: Path) -> None:
    holding = Holding(tmp_path / "holding")
    original = _file(tmp_path / "a.txt", b"old")
    hold_id = holding.keep(original)
    _file(original, b"someone new")
    with pytest.raises(TargetExists) as info:
        holding.restore(hold_id, original)
    assert info.value.hint
    assert original.read_bytes() == b"someone new" and holding.has(hold_id)


def test_prune_by_age_and_size_never_drops_what_is_needed(tmp_path: Path) -> None:
    holding = Holding(tmp_path / "holding")
    ids = [holding.keep(_file(tmp_path / f"f{i}", b"x" * 100), f"id{i}") for i in range(6)]
    # Make id0 and id1 forty days old.
    for old in ids[:2]:
        meta_path = holding.dir / old / "meta.json"
        meta = json.loads(meta_path.read_text())
        meta["kept"] = time.time() - 40 * 86400
        meta_path.write_text(json.dumps(meta))
    dropped = holding.prune(max_bytes=10_000, max_age_days=30, still_needed={"id1"})
    assert dropped == ["id0"]
    # Over the size limit: oldest first, skipping what an undo still needs.
    dropped = holding.prune(max_bytes=300, max_age_days=30, still_needed={"id1", "id2"})
    assert dropped == ["id3", "id4"]
    assert sorted(holding.ids()) == ["id1", "id2", "id5"]
    # Needed items stay even when that leaves the area over its limit (the app tells the person).
    assert holding.prune(max_bytes=0, max_age_days=0, still_needed={"id1", "id2", "id5"}) == []
    assert holding.size() == 300


def test_missing_item_and_bad_ids(tmp_path: Path) -> None:
    holding = Holding(tmp_path / "holding")
    with pytest.raises(TargetMissing) as info:
        holding.item("never-kept")
    assert info.value.hint
    for bad in ("../x", "a/b", "", ".."):
        with pytest.raises(ValueError):
            holding.has(bad)


def test_a_retried_keep_replaces_leftovers(tmp_path: Path) -> None:
    holding = Holding(tmp_path / "holding")
    (holding.dir / "retry").mkdir(parents=True)
    (holding.dir / "retry" / "item").write_bytes(b"half-copied")
    hold_id = holding.keep(_file(tmp_path / "a.txt", b"complete"), "retry")
    assert holding.item(hold_id).read_bytes() == b"complete"
