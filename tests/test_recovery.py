"""Recovery in-process: a capability bug or an interrupt mid-apply or mid-undo leaves actions in doubt;
``recover`` probes them and rolls the run back, finishes it, or takes the undo to its end."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from capabilities.base import Capability, Grant, RunContext
from capabilities.engine.apply import apply_plan
from capabilities.engine.recovery import interrupted_runs, recover
from capabilities.engine.undo import undo_run
from capabilities.errors import ErrandError
from capabilities.journal import Journal, JournalError
from capabilities.journal.owner import is_alive, owner_token
from capabilities.plan import Action
from tests.test_apply import make_files, preview_renames, start
from tests.test_journal_toycap import ToyFiles, builder, tree


class FailsOnce(ToyFiles):
    """Raises a bug (not a known error) in the middle of its action or undo number ``fail_at``."""

    fail_at = 3

    def perform_rename(self, action: Action) -> dict[str, Any]:
        if action.seq == self.fail_at:
            raise RuntimeError("a bug")
        return super().perform_rename(action)

    def undo_rename(self, action: Action, outcome: dict[str, Any]) -> None:
        if action.seq == self.fail_at:
            raise KeyboardInterrupt  # the person pressed Ctrl-C during an undo
        super().undo_rename(action, outcome)


def broken_apply(tmp_path: Path, journal: Journal) -> tuple[Path, int, dict[str, str]]:
    root = tmp_path / "tree"
    make_files(root, 6)
    before = tree(root)
    caps = preview_renames(root, 6)
    rid = start(journal, caps)
    buggy = {"toyfs": FailsOnce(caps["toyfs"].grants, caps["toyfs"].context)}
    with pytest.raises(RuntimeError):
        apply_plan(journal, rid, caps["toyfs"].context.plan, buggy)
    return root, rid, before


def test_owner_tokens() -> None:
    assert is_alive(owner_token())
    assert not is_alive(None) and not is_alive("")
    assert not is_alive(owner_token().split(":")[0] + ":999999999:")  # no such process
    assert is_alive("another-machine:1:")  # never steal a run from another machine


def test_rollback_after_a_bug_mid_apply(tmp_path: Path) -> None:
    with Journal(tmp_path / "errand.db") as journal:
        root, rid, before = broken_apply(tmp_path, journal)
        with pytest.raises(ErrandError, match="interrupted part-way") as info:
            undo_run(journal, rid, builder(tmp_path / "holding")([Grant("toyfs", str(root))]))
        assert "errand recover" in info.value.hint
        assert [r["id"] for r in interrupted_runs(journal)] == [rid]
        (report,) = recover(journal, builder(tmp_path / "holding"))
        assert (report.action, report.status, report.undone, report.unknown) == ("rolled_back", "rolled_back",
                                                                                  2, [])
        assert tree(root) == before
        assert [a["status"] for a in journal.actions(rid)] == ["undone", "undone"] + ["skipped"] * 4
        assert interrupted_runs(journal) == []


def test_finish_after_a_bug_mid_apply(tmp_path: Path) -> None:
    with Journal(tmp_path / "errand.db") as journal:
        root, rid, before = broken_apply(tmp_path, journal)
        (report,) = recover(journal, builder(tmp_path / "holding"), finish=True)
        assert (report.action, report.status, report.done) == ("finished", "applied", 6)
        assert tree(root) == {f"r{k[1:]}": v for k, v in before.items()}
        assert journal.run(rid)["status"] == "applied"
        # and the finished run undoes like any other
        assert undo_run(journal, rid, builder(tmp_path / "holding")([Grant("toyfs", str(root))])).undone == 6
        assert tree(root) == before


def test_an_interrupted_undo_is_taken_to_its_end(tmp_path: Path) -> None:
    with Journal(tmp_path / "errand.db") as journal:
        root = tmp_path / "tree"
        make_files(root, 6)
        before = tree(root)
        caps = preview_renames(root, 6)
        rid = start(journal, caps)
        assert apply_plan(journal, rid, caps["toyfs"].context.plan, caps).ok
        flaky = {"toyfs": FailsOnce(caps["toyfs"].grants, caps["toyfs"].context)}
        with pytest.raises(KeyboardInterrupt):
            undo_run(journal, rid, flaky)
        counts = journal.action_counts(rid)
        assert counts["undoing"] == 1 and counts["undone"] == 3 and counts["done"] == 2
        (report,) = recover(journal, builder(tmp_path / "holding"))
        assert (report.action, report.status, report.undone) == ("undo_finished", "undone", 3)
        assert tree(root) == before


def test_an_action_whose_probe_cannot_tell_stops_a_finish(tmp_path: Path) -> None:
    with Journal(tmp_path / "errand.db") as journal:
        root, rid, _ = broken_apply(tmp_path, journal)
        (root / "r0002.txt").write_text("both names exist now: the probe cannot tell")
        (report,) = recover(journal, builder(tmp_path / "holding"), finish=True)
        assert report.status == "failed" and report.unknown == [3]
        assert report.error is not None and "Could not tell whether action 3" in report.error.message
        assert report.error.hint
        assert [a["status"] for a in journal.actions(rid)][2:] == ["failed", "skipped", "skipped", "skipped"]
        assert (root / "f0003.txt").exists()  # nothing after it was carried out


def test_a_run_whose_capabilities_cannot_be_rebuilt_is_reported_and_kept(tmp_path: Path) -> None:
    from capabilities.errors import BackendError

    def unavailable(grants: Sequence[Grant]) -> dict[str, Capability]:
        raise BackendError("The calendar's password is no longer saved.", "Add it again in Settings.")

    with Journal(tmp_path / "errand.db") as journal:
        root, rid, before = broken_apply(tmp_path, journal)
        (report,) = recover(journal, unavailable)
        assert (report.run_id, report.action) == (rid, "none")
        assert report.error is not None and "password" in report.error.message
        assert [r["id"] for r in interrupted_runs(journal)] == [rid]  # still there for a later try
        (later,) = recover(journal, builder(tmp_path / "holding"))
        assert later.status == "rolled_back" and tree(root) == before


def test_rollback_of_an_overwrite_caught_by_a_crash_restores_the_replaced_file(tmp_path: Path) -> None:
    """A rename over an existing file keeps the old one in the holding area; if the crash loses the
    outcome (which names the kept copy), rollback must still put the old file back."""
    from capabilities.api.files import Files
    from tests.files_support import make_tree, snapshot
    from tests.files_support import start as start_files

    class CrashAfter(Files):  # the effect happens, then the process "dies" before the outcome is written
        def perform_rename(self, action: Action) -> dict[str, Any]:
            outcome = super().perform_rename(action)
            if action.seq == 2:
                raise KeyboardInterrupt
            return outcome

    root = tmp_path / "T"
    make_tree(root, {"a.txt": "new a", "b.txt": "new b", "old-a.txt": "old a", "old-b.txt": "old b"})
    before = snapshot(root)
    run = start_files(tmp_path, (root, "rw"))
    run.call("rename", "T/a.txt", "T/old-a.txt", overwrite=True)
    run.call("rename", "T/b.txt", "T/old-b.txt", overwrite=True)
    with Journal(tmp_path / "errand.db") as journal:
        rid = journal.start_run("replace the old ones", "...", run.files.grants)
        journal.save_plan(rid, run.context.plan)
        crashing = {"files": CrashAfter(run.files.grants, RunContext(holding=run.holding))}
        with pytest.raises(KeyboardInterrupt):
            apply_plan(journal, rid, run.context.plan, crashing)
        journal.claim_run(rid, None, "applying")  # as if the process had died
        (report,) = recover(journal, builder(run.holding))
        assert report.refused == [] and report.status == "rolled_back"
    assert snapshot(root) == before


def test_a_journal_the_disk_refuses_stops_the_apply_and_recovery_rolls_it_back(tmp_path: Path) -> None:
    """A full disk, made real by capping the database's size: no effect runs without its intent written,
    the person gets a clear message, and once there is room recovery restores the tree."""
    with Journal(tmp_path / "errand.db") as journal:
        root = tmp_path / "tree"
        make_files(root, 400)
        before = tree(root)
        caps = preview_renames(root, 400)
        rid = start(journal, caps)
        (pages,) = journal.conn.execute("PRAGMA page_count").fetchone()
        journal.conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from now on
        with pytest.raises(JournalError, match="could not write to its journal") as info:
            apply_plan(journal, rid, caps["toyfs"].context.plan, caps)
        assert "errand recover" in info.value.hint
        journaled = journal.action_counts(rid)
        renamed = sum(1 for name in tree(root) if name.startswith("r"))
        assert renamed < 400  # it stopped
        assert renamed <= journaled.get("done", 0) + journaled.get("started", 0)  # no effect without intent

        journal.conn.execute("PRAGMA max_page_count = 1073741823")  # room again
        journal.claim_run(rid, None, "applying")  # as at the next start
        (report,) = recover(journal, builder(tmp_path / "holding"))
        assert report.status == "rolled_back" and report.refused == []
    assert tree(root) == before


def test_a_run_another_live_process_is_applying_is_never_recovered(tmp_path: Path) -> None:
    import os
    import socket

    with Journal(tmp_path / "errand.db") as journal:
        _, rid, _ = broken_apply(tmp_path, journal)
        journal.claim_run(rid, f"{socket.gethostname()}:{os.getppid()}:", "applying")  # alive: our parent
        assert interrupted_runs(journal) == [] and recover(journal, builder(tmp_path / "holding")) == []
        assert journal.action_counts(rid)["started"] == 1  # untouched
        journal.claim_run(rid, f"{socket.gethostname()}:999999999:", "applying")  # that process is gone
        assert [r["id"] for r in interrupted_runs(journal)] == [rid]
