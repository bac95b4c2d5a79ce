"""Apply and undo: the plan is carried out through the same safe resolution, sources are
checked first, undo puts names, content and modified times back exactly, or refuses with
a reason; probe tells after a crash whether an action happened."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capabilities.errors import ErrandError, SourceChanged, TargetMissing, UndoRefused
from capabilities.folders.holding import Holding
from capabilities.folders.names import temp_name
from tests.files_support import Run, make_tree, snapshot, start

TREE = {"a.txt": "alpha", "b.txt": "bravo", "sub/c.txt": "charlie", "sub/deep/d.txt": "delta"}


@pytest.fixture
def trip(tmp_path: Path) -> Path:
    make_tree(tmp_path / "Trip", TREE)
    return tmp_path / "Trip"


def test_apply_then_undo_restores_everything(trip: Path, tmp_path: Path) -> None:
    before = snapshot(trip, folder_times=True)
    run = start(tmp_path, (trip, "rw"))
    run.call("rename", "Trip/a.txt", "Trip/sub/a.txt")
    run.call("write_text", "Trip/b.txt", "new bravo")
    run.call("copy", "Trip/sub/c.txt", "Trip/b.txt", overwrite=True)
    run.call("mkdir", "Trip/new/inner")
    run.call("write_text", "Trip/new/inner/n.txt", "made")
    run.call("rename", "Trip/sub/a.txt", "Trip/sub/deep/d.txt", overwrite=True)
    run.call("delete", "Trip/sub/deep")
    run.call("rename", "Trip/sub", "Trip/new/sub")
    planned = run.call("list", "Trip", recursive=True)
    run.apply()
    assert sorted(str(p.relative_to(trip.parent)) for p in trip.rglob("*")) == planned
    assert (trip / "b.txt").read_text() == "charlie"
    assert (trip / "b.txt").stat().st_mtime_ns == os.stat(trip / "new" / "sub" / "c.txt").st_mtime_ns
    assert (trip / "new" / "inner" / "n.txt").read_text() == "made"
    assert len(Holding(run.holding).ids()) == 4  # b.txt twice, deep/d.txt, the deep folder
    run.undo()
    assert snapshot(trip, folder_times=True) == before
    assert Holding(run.holding).ids() == []


def test_overwrite_keeps_the_old_content(trip: Path, tmp_path: Path) -> None:
    old = os.stat(trip / "b.txt")
    run = start(tmp_path, (trip, "rw"))
    run.call("rename", "Trip/a.txt", "Trip/b.txt", overwrite=True)
    run.apply()
    (action, outcome), = run.outcomes
    kept = Holding(run.holding).item(outcome["holding"])
    assert kept.read_text() == "bravo" and kept.stat().st_mtime_ns == old.st_mtime_ns
    assert (trip / "b.txt").read_text() == "alpha" and not (trip / "a.txt").exists()
    assert action.detail["hold_id"] == outcome["holding"]


def test_replacing_a_file_keeps_its_permissions(trip: Path, tmp_path: Path) -> None:
    os.chmod(trip / "a.txt", 0o600)
    run = start(tmp_path, (trip, "rw"))
    run.call("write_text", "Trip/a.txt", "private, still")
    run.apply()
    assert (trip / "a.txt").stat().st_mode & 0o777 == 0o600
    assert (trip / "a.txt").read_text() == "private, still"


def test_changed_source_stops_apply(trip: Path, tmp_path: Path) -> None:
    run = start(tmp_path, (trip, "rw"))
    run.call("rename", "Trip/a.txt", "Trip/a2.txt")
    run.call("rename", "Trip/b.txt", "Trip/b2.txt")
    run.call("write_text", "Trip/w.txt", "w")
    run.call("delete", "Trip/sub")
    host = run.applier()
    rename_a, rename_b, write, delete = run.actions
    (trip / "a.txt").write_text("edited after the preview")
    with pytest.raises(SourceChanged, match="changed") as info:
        host.verify(rename_a)
    assert "Preview the chore again" in info.value.hint
    # Same size and modified time, but another file: the inode tells.
    st = os.stat(trip / "b.txt")
    (trip / "b.new").write_text("BRAVO")
    os.utime(trip / "b.new", ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(trip / "b.new", trip / "b.txt")
    with pytest.raises(SourceChanged):
        host.verify(rename_b)
    (trip / "w.txt").write_text("someone else's")
    with pytest.raises(SourceChanged, match="exists now"):
        host.verify(write)
    (trip / "sub" / "late.txt").write_text("arrived after the preview")
    with pytest.raises(SourceChanged, match="holds changed since the preview"):
        host.verify(delete)
    os.unlink(trip / "a.txt")
    with pytest.raises(SourceChanged, match="gone"):
        host.verify(rename_a)


def test_a_just_modified_source_is_also_checked_by_content(trip: Path, tmp_path: Path) -> None:
    (trip / "fresh.txt").write_text("written a moment ago")
    whole = int(time.time()) * 10**9  # a time in whole seconds, as on a coarse-clock (FAT) disk
    os.utime(trip / "fresh.txt", ns=(whole, whole))
    run = start(tmp_path, (trip, "rw"))
    run.call("rename", "Trip/fresh.txt", "Trip/fresh2.txt")
    run.call("rename", "Trip/a.txt", "Trip/a2.txt")
    fresh, old = run.actions
    assert "sha256" in fresh.detail["fingerprint"] and "sha256" not in old.detail["fingerprint"]
    st = os.stat(trip / "fresh.txt")
    with open(trip / "fresh.txt", "r+b") as f:  # same size, same inode, time put back
        f.write(b"W")
    os.utime(trip / "fresh.txt", ns=(st.st_atime_ns, st.st_mtime_ns))
    with pytest.raises(SourceChanged, match="different content"):
        run.applier().verify(fresh)


def test_undo_refuses_only_what_changed(trip: Path, tmp_path: Path) -> None:
    run = start(tmp_path, (trip, "rw"))
    run.call("rename", "Trip/a.txt", "Trip/a2.txt")
    run.call("rename", "Trip/b.txt", "Trip/b2.txt")
    run.call("write_text", "Trip/w.txt", "w")
    run.call("mkdir", "Trip/d")
    run.call("delete", "Trip/sub/c.txt")
    run.apply()
    (trip / "a2.txt").write_text("edited after apply")
    (trip / "w.txt").write_text("edited too")
    (trip / "d" / "x").write_text("x")
    (trip / "sub" / "c.txt").write_text("a new c")
    host = run.applier()
    refused, undone = [], []
    for action, outcome in reversed(run.outcomes):
        try:
            host.undo(action, outcome)
            undone.append(action.seq)
        except UndoRefused as exc:
            assert exc.hint
            refused.append((action.seq, exc.message))
    assert undone == [2]
    assert [seq for seq, _ in refused] == [5, 4, 3, 1]
    assert "something new is at" in refused[0][1] and "not empty" in refused[1][1]
    assert "changed" in refused[3][1]
    assert (trip / "b.txt").read_text() == "bravo" and (trip / "a2.txt").read_text() == "edited after apply"


def test_a_crashed_writes_leftover_is_hidden_and_replaced(trip: Path, tmp_path: Path) -> None:
    run = start(tmp_path, (trip, "rw"))
    run.call("write_text", "Trip/w.txt", "final")
    host = run.applier()
    (trip / temp_name("w.txt")).write_bytes(b"half-written before a crash")
    assert run.call("list", "Trip", ".*") == []
    (action,) = run.actions
    assert host.probe(action) is False
    host.perform(action)
    assert (trip / "w.txt").read_text() == "final" and host.probe(action)
    assert [p.name for p in trip.iterdir() if p.name.startswith(".errand-")] == []


def test_undo_of_a_rename_refuses_when_the_old_name_is_taken(trip: Path, tmp_path: Path) -> None:
    run = start(tmp_path, (trip, "rw"))
    run.call("rename", "Trip/a.txt", "Trip/a2.txt")
    run.apply()
    (trip / "a.txt").write_text("a newcomer")
    with pytest.raises(UndoRefused, match="something new is at") as info:
        run.undo()
    assert "Move it away" in info.value.hint
    assert (trip / "a.txt").read_text() == "a newcomer" and (trip / "a2.txt").read_text() == "alpha"


def test_undo_after_a_granted_folder_is_gone_refuses_just_its_actions(trip: Path, tmp_path: Path) -> None:
    make_tree(tmp_path / "Inbox", {"i.txt": "inbox"})
    run = start(tmp_path, (trip, "rw"), (tmp_path / "Inbox", "rw"))
    run.call("rename", "Trip/a.txt", "Trip/a2.txt")
    run.call("rename", "Inbox/i.txt", "Inbox/i2.txt")
    run.apply()
    (tmp_path / "Inbox").rename(tmp_path / "Inbox-moved-away")
    host = run.applier()  # after a restart: the grants name a folder that is gone
    (trip_move, outcome_trip), (inbox_move, outcome_inbox) = run.outcomes
    with pytest.raises(TargetMissing, match="no longer there") as info:
        host.undo(inbox_move, outcome_inbox)
    assert "Put it back" in info.value.hint
    host.undo(trip_move, outcome_trip)
    assert (trip / "a.txt").read_text() == "alpha"


def test_undo_after_the_kept_copy_was_pruned(trip: Path, tmp_path: Path) -> None:
    run = start(tmp_path, (trip, "rw"))
    run.call("delete", "Trip/a.txt")
    run.apply()
    Holding(run.holding).prune(0, 0, set())
    with pytest.raises(UndoRefused, match="holding area"):
        run.undo()


@pytest.mark.parametrize("ops", [
    [("rename", "Trip/a.txt", "Trip/z.txt")],
    [("rename", "Trip/a.txt", "Trip/b.txt", True)],
    [("delete", "Trip/a.txt")],
    [("delete", "Trip/sub")],
    [("write_text", "Trip/a.txt", "new")],
    [("write_text", "Trip/n.txt", "new")],
    [("copy", "Trip/a.txt", "Trip/sub/a.txt")],
    [("mkdir", "Trip/m")],
])
def test_probe_tells_whether_an_action_happened(trip: Path, tmp_path: Path, ops: list[tuple]) -> None:
    run = start(tmp_path, (trip, "rw"))
    for op in ops:
        run.call(*op[:3], *op[3:])
    (action,) = run.actions
    host = run.applier()
    before = snapshot(trip)
    assert host.probe(action) is False
    outcome = host.perform(action)
    found = host.probe(action)
    assert isinstance(found, dict)  # happened: the outcome rebuilt for undo (perform's was lost)
    assert found.get("holding") == outcome.get("holding")
    # Undo from the rebuilt outcome alone, as recovery does after a crash.
    host.undo(action, found)
    assert host.probe(action) is False
    assert snapshot(trip) == before


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_no_file_descriptors_leak(trip: Path, tmp_path: Path) -> None:
    import gc

    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    make_tree(trip / "many", {f"f{i}.txt": str(i) for i in range(150)})
    gc.collect()
    before = open_fds()
    run = start(tmp_path, (trip, "rw"))
    run.call("rename_many", [[f"Trip/many/f{i}.txt", f"Trip/many/g{i}.txt"] for i in range(150)])
    run.call("delete", "Trip/many/g0.txt")
    run.call("write_text", "Trip/many/g1.txt", "new")
    for i in range(20):
        run.call("read_text", f"Trip/many/g{i + 2}.txt")
    run.apply()
    run.undo()
    del run
    gc.collect()
    assert open_fds() == before  # each run's granted-folder handles close with it


def test_undo_after_restart_uses_only_the_plan_and_outcome(trip: Path, tmp_path: Path) -> None:
    from capabilities.plan import Action

    before = snapshot(trip, folder_times=True)
    run = start(tmp_path, (trip, "rw"))
    run.call("rename_many", [["Trip/a.txt", "Trip/1.txt"], ["Trip/b.txt", "Trip/2.txt"]])
    run.apply()
    stored = [(Action.from_json(a.to_json()), dict(o)) for a, o in run.outcomes]  # as from the journal
    run.outcomes = stored
    run.undo()
    assert snapshot(trip, folder_times=True) == before


# ---- the property: any sequence of operations, applied then undone, leaves no trace ------------

NAMES = ["Trip/a.txt", "Trip/b.txt", "Trip/sub/c.txt", "Trip/sub/deep/d.txt", "Trip/x.txt",
         "Trip/sub/y.txt", "Trip/new", "Trip/sub", "Trip/new/e.txt", "Inbox/i.txt", "Inbox/box",
         "Inbox/box/j.txt", "Trip/A.TXT"]
name = st.sampled_from(NAMES)
operation = st.one_of(
    st.tuples(st.just("rename"), name, name, st.booleans()),
    st.tuples(st.just("copy"), name, name, st.booleans()),
    st.tuples(st.just("write_text"), name, st.text("abc\né", max_size=8)),
    st.tuples(st.just("delete"), name),
    st.tuples(st.just("mkdir"), name),
)


def _contents(run: Run, labels: tuple[str, ...]) -> dict[str, str | None]:
    """Every entry as the preview sees it: a file's text, None for a folder."""
    found: dict[str, str | None] = {}
    for label in labels:
        for path in run.call("list", label, recursive=True):
            found[path] = None if run.call("stat", path)["is_folder"] else run.call("read_text", path)
    return found


def _on_disk(root: Path, labels: tuple[str, ...]) -> dict[str, str | None]:
    return {str(p.relative_to(root)): None if p.is_dir() else p.read_text()
            for label in labels for p in (root / label).rglob("*")}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, max_size=12))
def test_property_apply_then_undo_is_byte_for_byte_identity(ops: list[tuple]) -> None:
    """Any sequence of operations over two granted folders: the preview's view is what apply makes,
    and undoing all of it leaves both trees exactly as they were (names, content, file and folder times)."""
    labels = ("Trip", "Inbox")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_tree(root / "Trip", TREE)
        make_tree(root / "Inbox", {"i.txt": "inbox"})
        before = {label: snapshot(root / label, folder_times=True) for label in labels}
        run = start(root, (root / "Trip", "rw"), (root / "Inbox", "rw"))
        for op in ops:
            try:
                run.call(*op)
            except ErrandError:
                continue  # refused in the preview: not planned
        planned = _contents(run, labels)
        run.apply()
        assert _on_disk(root, labels) == planned
        run.undo()
        assert {label: snapshot(root / label, folder_times=True) for label in labels} == before
        assert Holding(run.holding).ids() == []
