"""Plain renames go many per call to C (``capabilities/folders/_renames.c``), and nothing else differs.

Each scenario is applied twice on identical trees: through the C loop and
through the Python path alone. The reports, the refusals' words, the
statuses, the outcomes and the trees must be the same; the C loop must
actually have done the renames it can; undo puts every name, byte and time
back, folders' times included.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import capabilities.api.files as files_module
from capabilities.engine.apply import apply_plan
from capabilities.engine.undo import capabilities_for_run, undo_run
from capabilities.folders import native_renames
from capabilities.journal import Journal
from tests.files_support import Run, make_tree, snapshot, start

Scenario = Callable[[Path, Run], None]  # plans on the run, may then change the tree
TREE = {f"IMG_{i:03d}.jpg": f"photo {i}" for i in range(40)} | {"sub/a.txt": "a", "sub/b.txt": "b"}


def renames_all(root: Path, run: Run) -> None:
    for i in range(40):
        run.call("rename", f"T/IMG_{i:03d}.jpg", f"T/Trip_{i:03d}.jpg")


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """How many renames each call to C carried out, and how many it put back."""
    real, real_back = native_renames.rename_files, native_renames.unrename_files
    assert real is not None and real_back is not None
    calls: dict[str, list[int]] = {"apply": [], "undo": []}

    def counting(fd: int, moves: Any) -> list[tuple[int, int | None]]:
        done = real(fd, moves)
        calls["apply"].append(len(done))
        return done

    def counting_back(fd: int, moves: Any) -> int:
        done = real_back(fd, moves)
        calls["undo"].append(done)
        return done

    monkeypatch.setattr(files_module, "rename_files", counting)
    monkeypatch.setattr(files_module, "unrename_files", counting_back)
    return calls


def outcome_shape(outcome: dict[str, Any] | None) -> Any:
    """An outcome without what differs between two trees: its folders' times, a holding id."""
    if outcome is None:
        return None
    return {k: (sorted(v) if k == "folders" else bool(v) if k == "holding" else v)
            for k, v in outcome.items()}


def applied(tmp: Path, name: str, scenario: Scenario,
            meddle: Callable[[Path], None] | None = None) -> dict[str, Any]:
    """Plan ``scenario``, apply it, let ``meddle`` change the tree, undo: what each step left."""
    root = tmp / name / "T"
    make_tree(root, TREE)
    run = start(tmp / name, (root, "rw"))
    scenario(root, run)
    before = snapshot(root, folder_times=True)  # as apply finds it (a scenario may change it)
    db = tmp / name / "errand.db"
    with Journal(db) as journal:
        rid = journal.start_run("rename", "...", run.files.grants)
        journal.save_plan(rid, run.context.plan)
        report = apply_plan(journal, rid, run.context.plan, {"files": run.applier()})
        rows = journal.actions(rid)
    # names, kinds and contents (a link's target named without the tree's own folder)
    if meddle is not None:
        meddle(root)
    here = os.fsencode(tmp / name)
    after = {k: (kind, data.replace(here, b"")) for k, (kind, data, _) in snapshot(root).items()}
    with Journal(db) as journal:
        undo = undo_run(journal, rid, capabilities_for_run(journal, rid, holding=run.holding))
    return {"report": (report.status, report.done, report.stopped_at, type(report.error).__name__,
                       report.error.message.replace(str(tmp / name), "") if report.error else None),
            "statuses": [r["status"] for r in rows], "outcomes": [outcome_shape(r["outcome"]) for r in rows],
            "raw": [r["outcome"] for r in rows], "tree": after, "undone": undo.undone,
            "undo refused": [(seq, why.replace(str(tmp / name), "")) for seq, why in undo.refused],
            "put back": snapshot(root, folder_times=True) == before, "root": root}


def both_ways(tmp: Path, scenario: Scenario, monkeypatch: pytest.MonkeyPatch,
              counted: dict[str, list[int]], meddle: Callable[[Path], None] | None = None
              ) -> tuple[dict[str, Any], dict[str, Any]]:
    native = applied(tmp, "native", scenario, meddle)
    in_c, back_in_c = sum(counted["apply"]), sum(counted["undo"])
    with monkeypatch.context() as m:
        m.setattr(files_module, "rename_files", None)
        m.setattr(files_module, "unrename_files", None)
        python = applied(tmp, "python", scenario, meddle)
    assert (sum(counted["apply"]), sum(counted["undo"])) == (in_c, back_in_c)  # Python path only
    for key in ("report", "statuses", "outcomes", "tree", "undone", "undo refused", "put back"):
        assert native[key] == python[key], key
    native["in C"], native["back in C"] = in_c, back_in_c
    return native, python


def test_the_c_loop_is_built_where_it_ships() -> None:
    if sys.platform.startswith(("linux", "darwin")):
        assert native_renames.rename_files is not None, "capabilities/folders/_renames.c was not compiled"


def test_a_plain_rename_plan_goes_through_c_and_matches_the_python_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted: dict[str, list[int]]) -> None:
    native, _ = both_ways(tmp_path, renames_all, monkeypatch, counted)
    assert native["report"][:2] == ("applied", 40) and native["in C"] == 40
    renamed = {f"Trip_{i:03d}.jpg" for i in range(40)}
    assert set(native["tree"]) == renamed | {".", "sub", "sub/a.txt", "sub/b.txt"}
    assert native["undone"] == native["back in C"] == 40 and native["put back"]
    # The folder's time before and after each rename: a chain ending at the time it had then.
    times = [r["folders"]["T"] for r in native["raw"]]
    assert all(a[1] == b[0] for a, b in itertools.pairwise(times))


def test_a_changed_source_stops_at_it_with_the_python_paths_words(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted: dict[str, list[int]]) -> None:
    def changed(root: Path, run: Run) -> None:
        renames_all(root, run)
        (root / "IMG_017.jpg").write_text("edited since the preview")

    native, _ = both_ways(tmp_path, changed, monkeypatch, counted)
    status, done, stopped_at, kind, words = native["report"]
    assert (status, done, stopped_at, kind) == ("failed", 17, 18, "SourceChanged")
    assert "IMG_017.jpg" in words and "since the preview" in words
    assert native["statuses"] == ["done"] * 17 + ["skipped"] * 23
    assert native["in C"] == 17 and native["put back"]


@pytest.mark.parametrize("made", ["file", "link", "folder"])
def test_a_target_or_a_source_swapped_after_the_preview_stops_there_and_clobbers_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted: dict[str, list[int]], made: str) -> None:
    def swapped(root: Path, run: Run) -> None:
        renames_all(root, run)
        if made == "file":
            (root / "Trip_009.jpg").write_text("made after the preview")
        elif made == "link":
            (root / "IMG_009.jpg").unlink()
            os.symlink(root / "sub" / "a.txt", root / "IMG_009.jpg")
        else:
            (root / "IMG_009.jpg").unlink()
            (root / "IMG_009.jpg").mkdir()

    native, _ = both_ways(tmp_path, swapped, monkeypatch, counted)
    assert native["report"][:3] == ("failed", 9, 10) and native["in C"] == 9
    if made == "file":
        assert native["tree"]["Trip_009.jpg"][1] == b"made after the preview"


def test_renames_the_c_loop_does_not_take_go_through_the_python_path_in_the_same_plan(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted: dict[str, list[int]]) -> None:
    def mixed(root: Path, run: Run) -> None:
        for i in range(10):
            run.call("rename", f"T/IMG_{i:03d}.jpg", f"T/Trip_{i:03d}.jpg")
        run.call("rename", "T/sub/a.txt", "T/sub/A.txt")  # inside a subfolder
        run.call("rename", "T/IMG_010.jpg", "T/sub/IMG_010.jpg")  # into another folder
        run.call("rename", "T/IMG_011.jpg", "T/IMG_012.jpg", overwrite=True)  # replaces a file
        run.call("delete", "T/IMG_013.jpg")
        for i in range(20, 30):
            run.call("rename", f"T/IMG_{i:03d}.jpg", f"T/Trip_{i:03d}.jpg")

    native, _ = both_ways(tmp_path, mixed, monkeypatch, counted)
    assert native["report"][:2] == ("applied", 24) and native["in C"] == 20
    assert native["undone"] == 24 and native["back in C"] == 20 and native["put back"]


def test_undo_refuses_only_the_results_changed_since_with_the_python_paths_words(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, counted: dict[str, list[int]]) -> None:
    def meddle(root: Path) -> None:
        (root / "Trip_005.jpg").write_text("edited after the apply")
        (root / "IMG_020.jpg").write_text("a new file under the old name")  # the name is taken
        (root / "Trip_031.jpg").unlink()

    native, _ = both_ways(tmp_path, renames_all, monkeypatch, counted, meddle)
    assert native["undone"] == 37 and native["back in C"] == 37
    refused = dict(native["undo refused"])
    assert sorted(refused) == [6, 21, 32]  # (seqs count from 1)
    assert "Trip_005.jpg" in refused[6] and "IMG_020.jpg" in refused[21] and "gone" in refused[32]


def test_another_capabilitys_rename_is_never_taken_for_a_files_one(tmp_path: Path) -> None:
    root = tmp_path / "T"
    make_tree(root, TREE)
    run = start(tmp_path, (root, "rw"))
    renames_all(root, run)
    action = run.actions[0]
    other = type(action)(action.seq, "photos", action.op, action.args, action.detail, action.summary)
    files = run.applier()
    assert files.carry_out_leading([other], 0, lambda a: None) == []
    row = {"seq": 0, "capability": "photos", "op": "rename", "detail": action.detail,
           "outcome": {"undo": "rename back", "folders": {}}}
    assert files.reverse_leading([row], 0) == 0
    assert (root / "IMG_000.jpg").exists()


def test_cancel_is_seen_between_calls(tmp_path: Path, counted: dict[str, list[int]]) -> None:
    root = tmp_path / "T"
    make_tree(root, TREE)
    run = start(tmp_path, (root, "rw"))
    renames_all(root, run)

    class AfterFirst:
        seen = 0

        def is_set(self) -> bool:
            self.seen += 1
            return self.seen > 3

    with Journal(tmp_path / "errand.db") as journal:
        rid = journal.start_run("rename", "...", run.files.grants)
        report = apply_plan(journal, rid, run.context.plan, {"files": run.applier()}, cancel=AfterFirst())
        assert report.status == "cancelled" and 0 < report.done < 40
        statuses = [a["status"] for a in journal.actions(rid)]
    assert statuses == ["done"] * report.done + ["skipped"] * (40 - report.done)
    assert sum(counted["apply"]) == report.done
    assert sum(1 for p in root.iterdir() if p.name.startswith("Trip_")) == report.done


@contextmanager
def one_file(tmp: Path, name: str) -> Iterator[tuple[Path, int, tuple[int, int, int, int]]]:
    """A folder holding one file ``name``: the folder, its open handle, the file's fingerprint."""
    folder = tmp / "folder"
    folder.mkdir()
    (folder / name).write_bytes(b"x")
    st = os.lstat(folder / name)
    fd = os.open(folder, os.O_RDONLY)
    try:
        yield folder, fd, (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)
    finally:
        os.close(fd)


def test_the_c_call_refuses_what_is_not_a_move_before_doing_anything(tmp_path: Path) -> None:
    rename_files = native_renames.rename_files
    assert rename_files is not None
    with one_file(tmp_path, "a") as (folder, fd, fp):
        good = (b"a", b"b", *fp)
        with pytest.raises(TypeError):
            rename_files(fd, [good, ("a", b"b", 1, 1, 1, 1)])  # type: ignore[list-item]
        with pytest.raises(ValueError, match="NUL"):
            rename_files(fd, [good, (b"a\0", b"b", 1, 1, 1, 1)])
        with pytest.raises(OverflowError):
            rename_files(fd, [good, (b"a", b"b", 1, 1, -1, 1)])
        assert os.listdir(folder) == ["a"]  # none of those calls renamed anything
        assert rename_files(fd, []) == []
        assert rename_files(fd, [(b"a", b"b", fp[0] + 1, *fp[1:])]) == []  # not as fingerprinted
        (folder / "b").write_bytes(b"there first")
        assert rename_files(fd, [good]) == []  # refuses to replace
        assert (folder / "b").read_bytes() == b"there first"
        os.unlink(folder / "b")
        ((before, after),) = rename_files(fd, [good, (b"gone", b"c", 1, 1, 1, 1)])  # stops at the 2nd
        assert after == os.fstat(fd).st_mtime_ns and before is not None
        assert sorted(os.listdir(folder)) == ["b"]


def test_the_c_undo_puts_back_only_what_is_as_apply_left_it(tmp_path: Path) -> None:
    unrename_files = native_renames.unrename_files
    assert unrename_files is not None
    with one_file(tmp_path, "b") as (folder, fd, fp):
        assert unrename_files(fd, [(b"b", b"a", fp[0] + 1, *fp[1:])]) == 0  # not that file
        (folder / "a").write_bytes(b"taken")
        assert unrename_files(fd, [(b"b", b"a", *fp)]) == 0  # never replaces
        os.unlink(folder / "a")
        now = os.fstat(fd)
        # The folder's time is not the one apply left: the rename back happens, the time stays.
        assert unrename_files(fd, [(b"b", b"a", *fp, 1_000, now.st_mtime_ns + 1)]) == 1
        assert os.listdir(folder) == ["a"] and os.fstat(fd).st_mtime_ns != 1_000
        os.rename(folder / "a", folder / "b")
        now = os.fstat(fd)
        assert unrename_files(fd, [(b"b", b"a", *fp, 1_000, now.st_mtime_ns), (b"gone", b"c", *fp)]) == 1
        assert os.fstat(fd).st_mtime_ns == 1_000 and os.fstat(fd).st_atime_ns == now.st_atime_ns
