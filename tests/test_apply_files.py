"""Journaled apply and undo with the real ``files`` capability: a mixed plan round-trips byte for byte
(content and modified times), a changed source stops the apply, edited results refuse only their undo."""

from __future__ import annotations

import shutil
from pathlib import Path

from capabilities.engine.apply import ApplyReport, apply_plan
from capabilities.engine.undo import capabilities_for_run, prune_holding, undo_run
from capabilities.errors import SourceChanged, TargetExists
from capabilities.folders.holding import Holding
from capabilities.journal import Journal
from tests.files_support import Run, make_tree, snapshot, start


def journaled(journal: Journal, run: Run) -> int:
    rid = journal.start_run("tidy", "...", run.files.grants)
    journal.save_plan(rid, run.context.plan)
    return rid


def applied(db: Path, run: Run) -> tuple[ApplyReport, list[str]]:
    """Journal the run's plan and apply it: the report, and each action's status afterwards."""
    with Journal(db) as journal:
        rid = journaled(journal, run)
        report = apply_plan(journal, rid, run.context.plan, {"files": run.applier()})
        return report, [a["status"] for a in journal.actions(rid)]


def test_mixed_plan_applies_and_undoes_after_a_restart(tmp_path: Path) -> None:
    root = tmp_path / "T"
    make_tree(root, {"a.txt": "alpha", "b.txt": "bravo", "c.txt": "charlie", "d.txt": "delta",
                     "sub/e.txt": "echo"})
    before = snapshot(root)
    run = start(tmp_path, (root, "rw"))
    run.call("mkdir", "T/new")
    run.call("rename", "T/a.txt", "T/new/a.txt")
    run.call("delete", "T/b.txt")
    run.call("copy", "T/c.txt", "T/c-copy.txt")
    run.call("write_text", "T/d.txt", "delta, rewritten")
    run.call("write_text", "T/notes.txt", "made by a script")
    run.call("rename", "T/sub", "T/renamed-sub")
    assert snapshot(root) == before  # the preview wrote nothing

    db = tmp_path / "errand.db"
    with Journal(db) as journal:
        rid = journaled(journal, run)
        report = apply_plan(journal, rid, run.context.plan, {"files": run.applier()})
        assert report.ok and report.done == 7
        assert (root / "new/a.txt").read_text() == "alpha" and not (root / "b.txt").exists()
        assert (root / "d.txt").read_text() == "delta, rewritten"
        assert (root / "renamed-sub/e.txt").read_text() == "echo"
        kept = journal.holding_ids_needed()
        assert len(kept) == 2 and set(Holding(run.holding).ids()) == kept  # b.txt and the old d.txt
        assert prune_holding(journal, run.holding, max_bytes=0, max_age_days=0).dropped == []

    with Journal(db) as journal:  # as after a restart: everything rebuilt from the journal
        caps = capabilities_for_run(journal, rid, holding=run.holding)
        undo = undo_run(journal, rid, caps)
        assert (undo.undone, undo.refused) == (7, [])
        assert journal.run(rid)["status"] == "undone"
    assert snapshot(root) == before


def test_apply_stops_when_a_file_changed_after_the_preview(tmp_path: Path) -> None:
    root = tmp_path / "T"
    make_tree(root, {f"{i}.txt": f"file {i}" for i in range(4)})
    run = start(tmp_path, (root, "rw"))
    for i in range(4):
        run.call("rename", f"T/{i}.txt", f"T/renamed-{i}.txt")
    (root / "2.txt").write_text("changed by the person in the meantime")
    report, statuses = applied(tmp_path / "errand.db", run)
    assert report.status == "failed" and report.stopped_at == 3 and report.done == 2
    assert isinstance(report.error, SourceChanged)
    assert "2.txt" in report.error.message and "since the preview" in report.error.message
    assert statuses == ["done", "done", "skipped", "skipped"]
    assert sorted(p.name for p in root.iterdir()) == ["2.txt", "3.txt", "renamed-0.txt", "renamed-1.txt"]


def test_apply_refuses_to_rename_onto_a_file_made_after_the_preview(tmp_path: Path) -> None:
    """A rename target someone made since the preview is never replaced; the action fails, loses
    nothing, and the rest is skipped; a source whose folder is gone is skipped before any effect."""
    root = tmp_path / "T"
    make_tree(root, {"0.txt": "zero", "1.txt": "one", "2.txt": "two", "sub/3.txt": "three"})
    run = start(tmp_path, (root, "rw"))
    run.call("rename", "T/0.txt", "T/renamed-0.txt")
    run.call("rename", "T/1.txt", "T/renamed-1.txt")
    run.call("rename", "T/2.txt", "T/renamed-2.txt")
    (root / "renamed-1.txt").write_text("the person's own file")
    report, statuses = applied(tmp_path / "errand.db", run)
    assert report.status == "failed" and report.stopped_at == 2 and report.done == 1
    assert isinstance(report.error, TargetExists)
    assert statuses == ["done", "failed", "skipped"]
    assert (root / "renamed-1.txt").read_text() == "the person's own file"
    assert (root / "1.txt").read_text() == "one" and (root / "2.txt").read_text() == "two"

    run = start(tmp_path / "second", (root, "rw"))
    run.call("rename", "T/sub/3.txt", "T/3.txt")
    shutil.rmtree(root / "sub")
    report, statuses = applied(tmp_path / "errand.db", run)
    assert report.status == "failed" and report.done == 0 and statuses == ["skipped"]
    assert report.error is not None and "sub" in report.error.message
    assert not (root / "3.txt").exists()


def test_undo_refuses_only_the_files_edited_since(tmp_path: Path) -> None:
    root = tmp_path / "T"
    make_tree(root, {f"{i}.txt": f"file {i}" for i in range(4)})
    run = start(tmp_path, (root, "rw"))
    for i in range(4):
        run.call("rename", f"T/{i}.txt", f"T/renamed-{i}.txt")
    with Journal(tmp_path / "errand.db") as journal:
        rid = journaled(journal, run)
        assert apply_plan(journal, rid, run.context.plan, {"files": run.applier()}).ok
        (root / "renamed-1.txt").write_text("edited after the run, longer than before")
        report = undo_run(journal, rid, {"files": run.applier()})
        assert report.undone == 3 and [seq for seq, _ in report.refused] == [2]
        assert "renamed-1.txt" in report.refused[0][1]
        assert sorted(p.name for p in root.iterdir()) == ["0.txt", "2.txt", "3.txt", "renamed-1.txt"]
        assert (root / "renamed-1.txt").read_text() == "edited after the run, longer than before"
        assert journal.run(rid)["status"] == "partly_undone"
