"""``files.hash_many``, added for the duplicates recipe: content hashes computed on the host.

It hashes what the run would see (the planned state): a renamed file under
its new name, text the script planned to write, and refuses what does not
exist yet or is a folder, with a message saying what to do.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from capabilities.errors import CallError, PathRefused, TargetMissing
from tests.files_support import start


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_hashes_match_the_content_and_equal_files_hash_equal(tmp_path: Path) -> None:
    folder = tmp_path / "Box"
    (folder / "sub").mkdir(parents=True)
    big = bytes(range(256)) * 20_000  # 5 MB: read in several chunks
    (folder / "a.bin").write_bytes(big)
    (folder / "sub" / "b.bin").write_bytes(big)
    (folder / "c.txt").write_bytes(b"other")
    run = start(tmp_path, (folder, "ro"))
    hashes = run.call("hash_many", ["Box/a.bin", "Box/sub/b.bin", "Box/c.txt"])
    assert hashes == [_sha(big), _sha(big), _sha(b"other")]
    assert run.call("hash_many", []) == []


def test_hashes_follow_the_planned_state(tmp_path: Path) -> None:
    folder = tmp_path / "Box"
    folder.mkdir()
    (folder / "old.txt").write_bytes(b"kept words")
    run = start(tmp_path, (folder, "rw"))
    run.call("rename", "Box/old.txt", "Box/new.txt")
    run.call("write_text", "Box/planned.txt", "planned words")
    assert run.call("hash_many", ["Box/new.txt", "Box/planned.txt"]) == [_sha(b"kept words"),
                                                                         _sha(b"planned words")]
    with pytest.raises(TargetMissing, match=r"There is no 'Box/old\.txt'"):
        run.call("hash_many", ["Box/old.txt"])


def test_folders_and_paths_outside_the_grant_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "Box"
    (folder / "sub").mkdir(parents=True)
    run = start(tmp_path, (folder, "ro"))
    with pytest.raises(CallError) as caught:
        run.call("hash_many", ["Box/sub"])
    assert caught.value.message == "'Box/sub' is a folder; hash_many reads files."
    with pytest.raises(PathRefused):
        run.call("hash_many", ["Box/../secret.txt"])
