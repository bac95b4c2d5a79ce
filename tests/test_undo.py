"""Undo: reverse order, refusals only where files changed since, journaled, after a restart too."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from capabilities.base import REGISTRY, Capability
from capabilities.engine.apply import apply_plan
from capabilities.engine.undo import capabilities_for_run, prune_holding, undo_run, undoable_batches
from capabilities.folders.holding import Holding
from capabilities.journal import Journal, JournalError
from capabilities.plan import Action
from tests.test_apply import make_files, preview_renames, start
from tests.test_journal_toycap import ToyFiles, make_caps, tree


def applied_run(tmp_path: Path, journal: Journal, n: int) -> tuple[Path, int, dict[str, Capability]]:
    root = tmp_path / "tree"
    make_files(root, n)
    caps = preview_renames(root, n)
    rid = start(journal, caps)
    assert apply_plan(journal, rid, caps["toyfs"].context.plan, caps).ok
    return root, rid, caps


def test_undo_refuses_just_the_actions_whose_files_were_edited(tmp_path: Path) -> None:
    with Journal(tmp_path / "errand.db") as journal:
        root, rid, caps = applied_run(tmp_path, journal, 5)
        original = {f"f{i:04d}.txt": (root / f"r{i:04d}.txt").read_text() for i in range(5)}
        edited = root / "r0002.txt"
        stat = edited.stat()
        edited.write_text("edited by the person after the run")

        report = undo_run(journal, rid, caps)
        assert report.undone == 4
        assert [seq for seq, _ in report.refused] == [3]
        assert "r0002.txt was edited after the run" in report.refused[0][1]
        assert sorted(tree(root)) == ["f0000.txt", "f0001.txt", "f0003.txt", "f0004.txt", "r0002.txt"]
        assert edited.read_text() == "edited by the person after the run"  # the edit is not lost
        assert [a["status"] for a in journal.actions(rid)] == ["undone", "undone", "undo_refused", "undone",
                                                              "undone"]
        assert journal.run(rid)["status"] == "partly_undone"
        undos = journal.undos(rid)
        assert [u["seq"] for u in undos] == [5, 4, 3, 2, 1]  # last first
        assert undos[2]["status"] == "refused" and "edited" in undos[2]["reason"]

        # The person puts the file back as it was: the refused action can be undone now.
        edited.write_text(original["f0002.txt"])
        os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        again = undo_run(journal, rid, caps)
        assert (again.undone, again.refused) == (1, [])
        assert {k: (root / k).read_text() for k in tree(root)} == original
        assert journal.run(rid)["status"] == "undone"
        assert len(journal.undos(rid)) == 6


def test_undo_after_reopening_the_journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REGISTRY, ToyFiles.name, ToyFiles)
    path = tmp_path / "errand.db"
    with Journal(path) as journal:
        root, rid, _ = applied_run(tmp_path, journal, 8)
    before = sorted(f"f{i:04d}.txt" for i in range(8))
    with Journal(path) as reopened:  # a new process would do exactly this
        caps = capabilities_for_run(reopened, rid, holding=tmp_path / "holding")
        assert isinstance(caps["toyfs"], ToyFiles) and caps["toyfs"].grants[0].target == str(root)
        report = undo_run(reopened, rid, caps)
        assert (report.undone, report.refused) == (8, [])
    assert sorted(tree(root)) == before


def test_undo_one_action(tmp_path: Path) -> None:
    with Journal(tmp_path / "errand.db") as journal:
        root, rid, caps = applied_run(tmp_path, journal, 4)
        report = undo_run(journal, rid, caps, action=2)
        assert (report.undone, report.refused) == (1, [])
        assert sorted(tree(root)) == ["f0001.txt", "r0000.txt", "r0002.txt", "r0003.txt"]
        assert journal.run(rid)["status"] == "partly_undone"
        with pytest.raises(JournalError, match=r"Action 2 of run \d+ is undone"):
            undo_run(journal, rid, caps, action=2)
        with pytest.raises(JournalError, match="has no action 99") as missing:
            undo_run(journal, rid, caps, action=99)
        assert "errand show" in missing.value.hint
        assert undo_run(journal, rid, caps).undone == 3
        assert journal.run(rid)["status"] == "undone"


def test_undo_is_refused_while_another_process_applies_the_run(tmp_path: Path) -> None:
    with Journal(tmp_path / "errand.db") as journal:
        root, rid, caps = applied_run(tmp_path, journal, 2)
        journal.claim_run(rid, f"{os.uname().nodename}:{os.getppid()}:", "applying")  # a live process
        with pytest.raises(Exception, match="being applied right now"):
            undo_run(journal, rid, caps)
        assert sorted(tree(root)) == ["r0000.txt", "r0001.txt"]


def test_deleted_files_come_back_and_retention_keeps_what_undo_needs(tmp_path: Path) -> None:
    holding = tmp_path / "holding"
    root = tmp_path / "tree"
    make_files(root, 3)
    stray = tmp_path / "stray.txt"
    stray.write_text("kept long ago by a run that was since forgotten")
    stray_id = Holding(holding).keep(stray)
    before = tree(root)
    with Journal(tmp_path / "errand.db") as journal:
        caps = make_caps(root, holding)
        for i in range(3):
            caps["toyfs"].delete(f"f{i:04d}.txt")  # type: ignore[attr-defined]
        rid = start(journal, caps)
        assert apply_plan(journal, rid, caps["toyfs"].context.plan, caps).ok
        assert tree(root) == {}
        needed = {a["outcome"]["holding"] for a in journal.actions(rid)}

        kept = prune_holding(journal, holding, max_bytes=0, max_age_days=0)
        assert kept.dropped == [stray_id]  # over every limit, yet nothing an undo needs is dropped
        assert set(Holding(holding).ids()) == needed
        assert kept.over_limit and kept.kept_for_undo == 3 and kept.bytes_held > 0
        assert "Removed 1 old kept file" in kept.message() and "needed to undo past runs" in kept.message()
        roomy = prune_holding(journal, holding, max_bytes=10**9, max_age_days=365)
        assert roomy.dropped == [] and roomy.message() == ""

        assert undo_run(journal, rid, caps, action=3).undone == 1
        assert journal.holding_ids_needed() == needed - {journal.actions(rid)[2]["outcome"]["holding"]}
        assert undo_run(journal, rid, caps).undone == 2
        assert tree(root) == before and Holding(holding).ids() == []


class Order(ToyFiles):
    """Records the order in which undo reaches the actions."""

    undone: list[int]

    def undo_rename(self, action: Action, outcome: dict[str, Any]) -> None:
        self.undone.append(action.seq)
        super().undo_rename(action, outcome)


def test_undo_reads_the_run_batch_by_batch_last_first_each_action_once(tmp_path: Path) -> None:
    with Journal(tmp_path / "errand.db") as journal:
        root, rid, caps = applied_run(tmp_path, journal, 40)
        assert undo_run(journal, rid, caps, action=17).undone == 1  # already undone: not read again
        done = [seq for seq in range(1, 41) if seq != 17]  # seqs count from 1
        sizes = [len(b) for b in undoable_batches(journal, rid, max_batch=4)]
        assert sizes == [1, 2, 4] + [4] * 8
        assert [r["seq"] for b in undoable_batches(journal, rid, max_batch=4) for r in b] == done[::-1]

        # The statuses undo writes between two reads do not move the next read.
        stream = undoable_batches(journal, rid, max_batch=8)
        first = next(stream)
        journal.record_undos(rid, [(r["seq"], "undone", None, "2026-01-01T00:00:00+00:00") for r in first])
        assert [r["seq"] for r in next(stream)] == [39, 38]

        witness = Order(caps["toyfs"].grants, caps["toyfs"].context)
        witness.undone = []
        assert undo_run(journal, rid, {"toyfs": witness}).undone == 38
        assert witness.undone == done[::-1][1:]  # every other done action, last first, once
        # (seq 40 was only journaled as undone above, so its file keeps its new name)
        assert sorted(tree(root)) == [f"f{i:04d}.txt" for i in range(39)] + ["r0039.txt"]
        assert journal.run(rid)["status"] == "undone"


def test_undo_results_are_journaled_in_their_order_however_they_are_grouped(tmp_path: Path) -> None:
    """A stretch undone at one time is written with two statements; what the journal holds is the
    same as row by row: each attempt in the order made, each action's status, time and reason."""
    at, later = "2026-01-01T00:00:00.000001+00:00", "2026-01-01T00:00:00.000002+00:00"
    results: list[tuple[int, str, str | None, str]] = (
        [(s, "undone", None, at) for s in range(40, 30, -1)]  # a stretch of ten
        + [(30, "refused", "edited since", at)]
        + [(s, "undone", None, at) for s in range(29, 26, -1)]  # too short to be one
        + [(s, "undone", None, later) for s in range(26, 10, -1)]  # another time: another stretch
        + [(9, "undone", None, later)])  # seq 10 missing: not in the stretch before
    with Journal(tmp_path / "errand.db") as journal:
        _, rid, _ = applied_run(tmp_path, journal, 40)
        journal.record_undos(rid, results)
        assert [(u["seq"], u["status"], u["reason"], u["at"]) for u in journal.undos(rid)] == results
        states = {a["seq"]: (a["status"], a["undone_at"], a["error"]) for a in journal.actions(rid)}
    for seq, status, reason, when in results:
        if status == "undone":
            assert states[seq] == ("undone", when, None), seq
        else:
            assert states[seq][:2] == ("undo_refused", None) and states[seq][2]["message"] == reason
    assert {seq for seq, st in states.items() if st[0] == "done"} == {1, 2, 3, 4, 5, 6, 7, 8, 10}
