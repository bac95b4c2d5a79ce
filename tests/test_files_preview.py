"""Preview: reads are real, writes are planned in the overlay (later reads see them) and
the disk is untouched; names clash and overwrite by the documented rules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from capabilities.errors import CallError, PathRefused, TargetExists, TargetMissing
from capabilities.folders.overlay import view
from tests.files_support import make_tree, snapshot, start

TREE = {"a.txt": "alpha", "b.txt": "bravo", "sub/c.txt": "charlie", "sub/deep/d.JPG": "delta",
        "notes.md": "# notes"}


@pytest.fixture
def trip(tmp_path: Path) -> Path:
    make_tree(tmp_path / "Trip", TREE)
    return tmp_path / "Trip"


def test_preview_writes_nothing(trip: Path, tmp_path: Path) -> None:
    before = snapshot(tmp_path, folder_times=True)
    run = start(tmp_path, (trip, "rw"))
    run.call("rename", "Trip/a.txt", "Trip/A2.txt")
    run.call("write_text", "Trip/b.txt", "new bravo")
    run.call("write_text", "Trip/new.txt", "brand new")
    run.call("mkdir", "Trip/x/y")
    run.call("copy", "Trip/sub/c.txt", "Trip/x/y/c.txt")
    run.call("rename", "Trip/sub", "Trip/x/sub")
    run.call("delete", "Trip/notes.md")
    run.call("rename_many", [["Trip/A2.txt", "Trip/A3.txt"], ["Trip/new.txt", "Trip/x/new.txt"]])
    run.call("rename", "Trip/x/new.txt", "Trip/b.txt", overwrite=True)
    assert len(run.actions) == 11
    assert snapshot(tmp_path, folder_times=True) == before
    assert not run.holding.exists()


def test_later_reads_see_the_planned_state(trip: Path, tmp_path: Path) -> None:
    run = start(tmp_path, (trip, "rw"))
    run.call("rename", "Trip/a.txt", "Trip/renamed.txt")
    assert run.call("read_text", "Trip/renamed.txt") == "alpha"  # the new name reads its source
    assert not run.call("exists", "Trip/a.txt")
    with pytest.raises(TargetMissing):
        run.call("read_text", "Trip/a.txt")
    run.call("write_text", "Trip/b.txt", "changed")
    assert run.call("read_text", "Trip/b.txt") == "changed"
    run.call("rename", "Trip/b.txt", "Trip/sub/b-moved.txt")
    assert run.call("read_text", "Trip/sub/b-moved.txt") == "changed"
    run.call("delete", "Trip/notes.md")
    assert run.call("list", "Trip") == ["Trip/renamed.txt", "Trip/sub"]
    # A renamed folder carries its already-edited contents with it.
    run.call("rename", "Trip/sub/c.txt", "Trip/sub/c2.txt")
    run.call("rename", "Trip/sub", "Trip/moved")
    assert run.call("list", "Trip", recursive=True) == [
        "Trip/moved", "Trip/moved/b-moved.txt", "Trip/moved/c2.txt", "Trip/moved/deep",
        "Trip/moved/deep/d.JPG", "Trip/renamed.txt"]
    assert run.call("read_text", "Trip/moved/c2.txt") == "charlie"
    assert run.call("read_text", "Trip/moved/deep/d.JPG") == "delta"
    run.call("mkdir", "Trip/moved/deep/new")
    run.call("copy", "Trip/moved/c2.txt", "Trip/moved/deep/new/copy.txt")
    assert run.call("read_text", "Trip/moved/deep/new/copy.txt") == "charlie"
    run.call("delete", "Trip/moved")
    assert run.call("list", "Trip", recursive=True) == ["Trip/renamed.txt"]


def test_list_and_stat(trip: Path, tmp_path: Path) -> None:
    run = start(tmp_path, (trip, "ro"))
    assert run.call("list", "Trip", "*.jpg", True) == ["Trip/sub/deep/d.JPG"]  # any case
    assert run.call("list", "Trip/sub") == ["Trip/sub/c.txt", "Trip/sub/deep"]
    assert run.call("list", "Trip/", "*.txt") == ["Trip/a.txt", "Trip/b.txt"]
    info = run.call("stat", "Trip/a.txt")
    st = os.stat(trip / "a.txt")
    assert info["size"] == 5 and info["is_folder"] is False and info["name"] == "a.txt"
    assert info["modified_epoch"] == pytest.approx(st.st_mtime)
    assert info["modified"].startswith("2020-09-13")
    assert run.call("stat", "Trip")["is_folder"] is True
    many = run.call("stat_many", ["Trip/a.txt", "Trip/sub"])
    assert [m["path"] for m in many] == ["Trip/a.txt", "Trip/sub"]
    with pytest.raises(TargetMissing):
        run.call("list", "Trip/nope")
    with pytest.raises(TargetMissing, match="is a file"):
        run.call("list", "Trip/a.txt")


def test_planned_entries_report_as_planned(trip: Path, tmp_path: Path) -> None:
    run = start(tmp_path, (trip, "rw"))
    run.call("write_text", "Trip/new.txt", "12345678")
    info = run.call("stat", "Trip/new.txt")
    assert info["size"] == 8 and info["planned"] is True
    assert run.call("stat", "Trip/a.txt")["planned"] is False


def test_rename_collisions_and_overwrite(trip: Path, tmp_path: Path) -> None:
    run = start(tmp_path, (trip, "rw"))
    with pytest.raises(TargetExists, match="already exists") as info:
        run.call("rename", "Trip/a.txt", "Trip/b.txt")
    assert "overwrite=True" in info.value.hint
    with pytest.raises(TargetExists, match="folder"):
        run.call("rename", "Trip/a.txt", "Trip/sub", overwrite=True)
    with pytest.raises(TargetExists, match="folder"):
        run.call("rename", "Trip/sub", "Trip/a.txt", overwrite=True)
    with pytest.raises(CallError, match="into itself"):
        run.call("rename", "Trip/sub", "Trip/sub/deep/sub")
    with pytest.raises(CallError, match="already has that name"):
        run.call("rename", "Trip/a.txt", "Trip/a.txt")
    with pytest.raises(PathRefused, match="granted folder itself"):
        run.call("rename", "Trip", "Trip/inner")
    with pytest.raises(PathRefused, match="granted folder itself"):
        run.call("delete", "Trip")
    with pytest.raises(TargetMissing, match="does not exist"):
        run.call("rename", "Trip/a.txt", "Trip/nofolder/a.txt")
    with pytest.raises(CallError, match="folder"):
        run.call("copy", "Trip/sub", "Trip/sub2")
    with pytest.raises(TargetExists):
        run.call("copy", "Trip/a.txt", "Trip/b.txt")
    with pytest.raises(TargetExists, match="is a file"):
        run.call("mkdir", "Trip/a.txt/x")
    assert run.actions == []
    run.call("rename", "Trip/a.txt", "Trip/b.txt", overwrite=True)
    assert run.call("read_text", "Trip/b.txt") == "alpha"
    (action,) = run.actions
    assert action.detail["replaces"]["size"] == 5 and action.detail["hold_id"]
    assert "replacing" in action.summary
    run.call("mkdir", "Trip/sub")  # already there: nothing planned
    assert len(run.actions) == 1


def test_action_detail_holds_absolute_paths_and_fingerprints(trip: Path, tmp_path: Path) -> None:
    run = start(tmp_path, (trip, "rw"))
    run.call("rename", "Trip/a.txt", "Trip/sub/a.txt")
    run.call("delete", "Trip/b.txt")
    run.call("write_text", "Trip/w.txt", "w")
    move, delete, write = run.actions
    st = os.stat(trip / "a.txt")
    assert move.detail["src"] == str(trip / "a.txt") and move.detail["dst"] == str(trip / "sub" / "a.txt")
    assert move.detail["fingerprint"] == {"kind": "file", "size": 5, "mtime_ns": st.st_mtime_ns,
                                          "ino": st.st_ino, "dev": st.st_dev}
    assert move.summary == "Move Trip/a.txt → Trip/sub/a.txt"
    assert (move.before, move.after) == ("Trip/a.txt", "Trip/sub/a.txt")
    assert delete.detail["hold_id"] and delete.detail["path"] == str(trip / "b.txt")
    assert write.detail["data"] == b"w" and write.detail["replaces"] is None


def test_moves_between_two_granted_folders(trip: Path, tmp_path: Path) -> None:
    make_tree(tmp_path / "Inbox", {"scan.pdf": "%PDF"})
    run = start(tmp_path, (trip, "rw"), (tmp_path / "Inbox", "rw"))
    run.call("rename", "Inbox/scan.pdf", "Trip/sub/scan.pdf")
    assert run.call("list", "Inbox") == []
    assert run.call("read_text", "Trip/sub/scan.pdf") == "%PDF"
    run.apply()
    assert (trip / "sub" / "scan.pdf").read_text() == "%PDF"
    assert not (tmp_path / "Inbox" / "scan.pdf").exists()
    run.undo()
    assert (tmp_path / "Inbox" / "scan.pdf").read_text() == "%PDF"


def test_read_errors_say_what_to_do(trip: Path, tmp_path: Path) -> None:
    (trip / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0binary")
    run = start(tmp_path, (trip, "ro"))
    with pytest.raises(CallError, match="not UTF-8") as info:
        run.call("read_text", "Trip/photo.jpg")
    assert info.value.hint
    with pytest.raises(PathRefused, match="not inside a granted folder") as info:
        run.call("read_text", "Pictures/photo.jpg")
    assert "'Trip'" in info.value.hint
    with pytest.raises(CallError, match=r"moves\[0\]"):
        run.call("rename_many", [["Trip/a.txt"]])


def test_folder_view_is_shared_and_plans_files_made_at_apply(trip: Path, tmp_path: Path) -> None:
    run = start(tmp_path, (trip, "rw"))
    shared = view(run.context)
    assert shared is run.files.view
    facts = shared.plan_new_file("files", "Trip/a.jpg", produced="photos.resize")
    assert facts["path"] == str(trip / "a.jpg") and facts["replaces"] is None
    assert "Trip/a.jpg" in run.call("list", "Trip")
    with pytest.raises(TargetMissing, match=r"photos\.resize"):
        run.call("read_text", "Trip/a.jpg")
    assert shared.fingerprint(("Trip", "a.jpg")) == {"kind": "file"}
    run.call("rename", "Trip/b.txt", "Trip/b2.txt")
    assert shared.read_bytes(("Trip", "b2.txt")) == b"bravo"
    assert shared.source_path(("Trip", "b2.txt")) == str(trip / "b.txt")
    with pytest.raises(TargetExists):
        shared.plan_new_file("files", "Trip/b2.txt", produced="photos.resize")


def test_hidden_entries_are_listed_only_when_asked(trip: Path, tmp_path: Path) -> None:
    make_tree(trip, {"._a.txt": "AppleDouble", ".DS_Store": "x", ".git/config": "[core]"})
    run = start(tmp_path, (trip, "ro"))
    assert run.call("list", "Trip", "*.txt") == ["Trip/a.txt", "Trip/b.txt"]
    assert ".git" not in " ".join(run.call("list", "Trip", recursive=True))
    assert run.call("list", "Trip", ".*") == ["Trip/.DS_Store", "Trip/._a.txt", "Trip/.git"]
    assert run.call("list", "Trip", ".*", True) == ["Trip/.DS_Store", "Trip/._a.txt", "Trip/.git"]
    assert run.call("read_text", "Trip/.git/config") == "[core]"  # named directly, still readable


def test_names_that_some_system_would_confuse_are_tracked_through_planned_moves() -> None:
    from capabilities.folders.granted import Stat
    from capabilities.folders.overlay import Node, Overlay

    class Disk:
        def scan(self, real: str) -> dict[str, Stat]:
            return {"a.JPG": Stat("file", 1, 1), "b.jpg": Stat("file", 1, 1), "café.txt": Stat("file", 1, 1)}

    overlay = Overlay(Disk())
    overlay.add_root("T", Stat("folder", 0, 0))
    root = overlay.get(("T",))
    assert root is not None
    assert overlay.clash(root, "A.jpg") == "a.JPG" and overlay.clash(root, "a.JPG") is None
    assert overlay.clash(root, "CAFE\u0301.TXT") == "café.txt"  # case and NFD both fold
    overlay.move(("T", "a.JPG"), ("T", "c.jpg"))
    assert overlay.clash(root, "A.jpg") is None and overlay.clash(root, "C.JPG") == "c.jpg"
    overlay.put(("T", "C.jpg"), Node("file", None, None, data=b""))  # two alike (a case-sensitive disk)
    assert overlay.clash(root, "c.JPG") in ("c.jpg", "C.jpg") and overlay.clash(root, "c.jpg") == "C.jpg"
    overlay.remove(("T", "c.jpg"))
    assert overlay.clash(root, "c.jpg") == "C.jpg" and overlay.clash(root, "C.jpg") is None
    overlay.remove(("T", "C.jpg"))
    assert overlay.clash(root, "c.jpg") is None
