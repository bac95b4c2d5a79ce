"""Apply: exactly the previewed plan, in order, journaled; stops cleanly on a changed source or a cancel."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from capabilities.base import Capability
from capabilities.engine.apply import apply_plan
from capabilities.engine.undo import undo_run
from capabilities.errors import ErrandError, SourceChanged, TargetExists
from capabilities.journal import Journal
from capabilities.plan import Action
from tests.test_journal_toycap import ToyFiles, make_caps, tree


def make_files(root: Path, n: int) -> None:
    root.mkdir(exist_ok=True)
    for i in range(n):
        (root / f"f{i:04d}.txt").write_text(f"content {i}\n" * (i + 1))


def preview_renames(root: Path, n: int) -> dict[str, Capability]:
    caps = make_caps(root, root.parent / "holding")
    for i in range(n):
        caps["toyfs"].rename(f"f{i:04d}.txt", f"r{i:04d}.txt")  # type: ignore[attr-defined]
    return caps


def start(journal: Journal, caps: dict[str, Capability]) -> int:
    rid = journal.start_run("rename them", "...", [g for c in caps.values() for g in c.grants])
    journal.save_plan(rid, caps["toyfs"].context.plan)
    journal.set_status(rid, "previewed")
    return rid


def test_apply_carries_out_the_plan_and_journals_each_action(tmp_path: Path, journal: Journal) -> None:
    root = tmp_path / "tree"
    make_files(root, 40)
    before = tree(root)
    caps = preview_renames(root, 40)
    plan = caps["toyfs"].context.plan
    assert tree(root) == before  # the preview wrote nothing
    rid = start(journal, caps)
    seen: list[tuple[int, int]] = []
    report = apply_plan(journal, rid, plan, caps, on_progress=lambda d, t: seen.append((d, t)))
    assert report.ok and (report.done, report.total) == (40, 40)
    assert seen == [(i, 40) for i in range(1, 41)]
    assert tree(root) == {f"r{k[1:]}": v for k, v in before.items()}
    run = journal.run(rid)
    assert run["status"] == "applied" and run["owner"] is None and run["error"] is None
    actions = journal.actions(rid)
    assert [a["status"] for a in actions] == ["done"] * 40
    assert actions[0]["outcome"] == {"src": str(root / "f0000.txt"), "dst": str(root / "r0000.txt")}
    assert all(a["started"] <= a["finished"] for a in actions)


def test_apply_stops_cleanly_on_a_changed_source_and_keeps_what_was_done(tmp_path: Path,
                                                                          journal: Journal) -> None:
    root = tmp_path / "tree"
    make_files(root, 6)
    caps = preview_renames(root, 6)
    (root / "f0003.txt").write_text("edited after the preview")
    rid = start(journal, caps)
    report = apply_plan(journal, rid, caps["toyfs"].context.plan, caps)
    assert report.status == "failed" and report.stopped_at == 4 and report.done == 3
    assert isinstance(report.error, SourceChanged) and report.error.hint
    assert "f0003.txt changed since the preview" in str(report.error)
    assert sorted(tree(root)) == ["f0003.txt", "f0004.txt", "f0005.txt", "r0000.txt", "r0001.txt",
                                  "r0002.txt"]
    actions = journal.actions(rid)
    assert [a["status"] for a in actions] == ["done"] * 3 + ["skipped"] * 3
    assert actions[3]["error"]["type"] == "SourceChanged"
    run = journal.run(rid)
    assert run["status"] == "failed" and run["error"]["message"] == str(report.error)
    # what was done stays undoable
    undo = undo_run(journal, rid, caps)
    assert (undo.undone, undo.refused) == (3, [])
    assert sorted(tree(root)) == [f"f{i:04d}.txt" for i in range(6)]


def test_apply_stops_when_a_destination_appeared(tmp_path: Path, journal: Journal) -> None:
    root = tmp_path / "tree"
    make_files(root, 3)
    caps = preview_renames(root, 3)
    (root / "r0001.txt").write_text("someone else's file")
    rid = start(journal, caps)
    report = apply_plan(journal, rid, caps["toyfs"].context.plan, caps)
    assert report.status == "failed" and report.stopped_at == 2 and isinstance(report.error, TargetExists)
    assert [a["status"] for a in journal.actions(rid)] == ["done", "failed", "skipped"]
    assert (root / "r0001.txt").read_text() == "someone else's file"


def test_cancel_stops_between_actions_and_leaves_an_undoable_partial_run(tmp_path: Path,
                                                                          journal: Journal) -> None:
    root = tmp_path / "tree"
    make_files(root, 30)
    before = tree(root)
    caps = preview_renames(root, 30)
    rid = start(journal, caps)
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done == 10:
            cancel.set()

    report = apply_plan(journal, rid, caps["toyfs"].context.plan, caps, on_progress=progress, cancel=cancel)
    assert report.status == "cancelled" and report.done == 10 and report.error is None
    statuses = [a["status"] for a in journal.actions(rid)]
    assert statuses == ["done"] * 10 + ["skipped"] * 20
    assert journal.run(rid)["status"] == "cancelled"
    assert len([n for n in tree(root) if n.startswith("r")]) == 10
    undo = undo_run(journal, rid, caps)
    assert undo.undone == 10 and tree(root) == before
    assert journal.run(rid)["status"] == "undone"


def test_an_action_for_a_capability_not_granted_is_refused(tmp_path: Path, journal: Journal) -> None:
    root = tmp_path / "tree"
    make_files(root, 2)
    caps = preview_renames(root, 2)
    rid = start(journal, caps)
    report = apply_plan(journal, rid, caps["toyfs"].context.plan, {})
    assert report.status == "failed" and "was not granted" in str(report.error)
    assert sorted(tree(root)) == ["f0000.txt", "f0001.txt"]


def test_a_run_is_never_applied_twice(tmp_path: Path, journal: Journal) -> None:
    root = tmp_path / "tree"
    make_files(root, 2)
    caps = preview_renames(root, 2)
    rid = start(journal, caps)
    assert apply_plan(journal, rid, caps["toyfs"].context.plan, caps).ok
    with pytest.raises(ErrandError, match="already been applied") as info:
        apply_plan(journal, rid, caps["toyfs"].context.plan, caps)
    assert "Preview the chore again" in info.value.hint
    assert journal.run(rid)["status"] == "applied"
    assert sorted(tree(root)) == ["r0000.txt", "r0001.txt"]


def test_a_plan_different_from_the_journaled_one_is_refused(tmp_path: Path, journal: Journal) -> None:
    root = tmp_path / "tree"
    make_files(root, 3)
    caps = preview_renames(root, 3)
    rid = start(journal, caps)
    with pytest.raises(ErrandError, match="3 planned actions"):
        apply_plan(journal, rid, caps["toyfs"].context.plan.actions[:2], caps)
    assert sorted(tree(root)) == ["f0000.txt", "f0001.txt", "f0002.txt"]


class BuggyFiles(ToyFiles):
    """Fails with a bug (not a known error) on its third rename."""

    def perform_rename(self, action: Action) -> dict[str, Any]:
        if action.seq == 3:
            raise RuntimeError("a bug")
        return super().perform_rename(action)


def test_a_bug_in_a_capability_fails_the_run_and_leaves_the_action_for_recovery(
        tmp_path: Path, journal: Journal) -> None:
    root = tmp_path / "tree"
    make_files(root, 4)
    caps = preview_renames(root, 4)
    rid = start(journal, caps)
    buggy = {"toyfs": BuggyFiles(caps["toyfs"].grants, caps["toyfs"].context)}
    with pytest.raises(RuntimeError):
        apply_plan(journal, rid, caps["toyfs"].context.plan, buggy)
    assert journal.run(rid)["status"] == "failed"
    statuses = [a["status"] for a in journal.actions(rid)]
    assert statuses[:2] == ["done", "done"] and statuses[2] == "started"
    assert journal.unfinished_runs()[0]["id"] == rid  # recovery will probe action 3


def test_history_reads_a_run_while_a_worker_thread_applies_it(tmp_path: Path, journal: Journal,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERRAND_TOY_DELAY", "0.002")  # slow enough to be seen part-way
    root = tmp_path / "tree"
    make_files(root, 200)
    caps = preview_renames(root, 200)
    rid = start(journal, caps)
    reports: list[Any] = []
    worker = threading.Thread(target=lambda: reports.append(
        apply_plan(journal, rid, caps["toyfs"].context.plan, caps)), name="apply-worker")
    worker.start()
    seen: list[int] = []
    with Journal(tmp_path / "errand.db") as window:  # the history window's own connection
        while worker.is_alive():
            seen.append(window.action_counts(rid).get("done", 0))
            time.sleep(0.005)
        worker.join()
        assert window.run(rid)["status"] == "applied"
    assert reports[0].ok and seen == sorted(seen)  # progress only ever grows
    assert any(0 < n < 200 for n in seen)  # and was visible part-way


def test_batches_grow_to_their_cap_and_cover_every_action_once() -> None:
    from capabilities.journal.batches import growing_batches

    assert [len(b) for b in growing_batches(list(range(20)), 4)] == [1, 2, 4, 4, 4, 4, 1]
    assert [x for b in growing_batches(list(range(10_000))) for x in b] == list(range(10_000))
    assert len(growing_batches(list(range(10_000)))) == 14  # commits for a 10,000-action apply
    assert growing_batches([]) == []


class Witness(ToyFiles):
    """Looks at the journal through another connection at the moment of each effect."""

    watcher: Journal
    run_id: int
    seen: list[str]

    def perform_rename(self, action: Action) -> dict[str, Any]:
        (row,) = [a for a in self.watcher.actions(self.run_id) if a["seq"] == action.seq]
        self.seen.append(row["status"])
        return super().perform_rename(action)

    def undo_rename(self, action: Action, outcome: dict[str, Any]) -> None:
        (row,) = [a for a in self.watcher.actions(self.run_id) if a["seq"] == action.seq]
        self.seen.append(row["status"])
        super().undo_rename(action, outcome)


def test_every_effect_and_undo_comes_after_its_committed_intent(tmp_path: Path, journal: Journal) -> None:
    root = tmp_path / "tree"
    make_files(root, 40)
    caps = preview_renames(root, 40)
    rid = start(journal, caps)
    witness = Witness(caps["toyfs"].grants, caps["toyfs"].context)
    with Journal(tmp_path / "errand.db") as watcher:  # sees only what is committed
        witness.watcher, witness.run_id, witness.seen = watcher, rid, []
        assert apply_plan(journal, rid, caps["toyfs"].context.plan, {"toyfs": witness}).ok
        assert witness.seen == ["started"] * 40
        witness.seen = []
        assert undo_run(journal, rid, {"toyfs": witness}).undone == 40
    assert witness.seen == ["undoing"] * 40
