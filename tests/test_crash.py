"""The crash test: a separate process applying 2,000 renames is killed with SIGKILL mid-batch.

After ``recover`` no file is lost or duplicated (content hashes), and the tree
is fully rolled back — or, with ``finish=True``, fully completed. A third
test kills a process in the middle of *undoing* such a run.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from capabilities.base import Grant
from capabilities.engine.recovery import interrupted_runs, recover
from capabilities.journal import Journal
from tests.test_journal_toycap import builder, make_files_caps, tree

N = 2000
REPO = Path(__file__).resolve().parent.parent

CHILD = f"""
import sys
from pathlib import Path
from capabilities.engine.apply import apply_plan
from capabilities.journal import Journal
from capabilities.engine.undo import undo_run
from tests.test_journal_toycap import make_caps, make_files_caps

root, holding, db, mode, kind = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
journal = Journal(db)
caps = make_caps(root, holding) if kind == "toyfs" else make_files_caps(root, holding)
cap = caps[kind]
prefix = "" if kind == "toyfs" else root.name + "/"
if mode == "apply":
    for i in range({N}):
        cap.rename(f"{{prefix}}f{{i:04d}}.txt", f"{{prefix}}r{{i:04d}}.txt")
    plan = cap.context.plan
    rid = journal.start_run("rename 2000 files", "...", cap.grants)
    journal.save_plan(rid, plan)
    print(rid, flush=True)
    apply_plan(journal, rid, plan, caps)
else:
    undo_run(journal, int(mode), caps)
print("finished", flush=True)
"""


def statuses(db: Path) -> Counter[str]:
    conn = sqlite3.connect(db, timeout=10)
    try:
        return Counter(dict(conn.execute("SELECT status, count(*) FROM actions GROUP BY status").fetchall()))
    finally:
        conn.close()


def kill_mid_batch(tmp_path: Path, mode: str, busy: str, settled: str, at_least: int,
                   kind: str = "toyfs") -> Counter[str]:
    """Run the child; once ``at_least`` actions are ``settled`` and a batch is ``busy``, SIGKILL it.

    ``kind`` "files" renames through the C loop where it is built; "files-python" through the
    Python path only.
    """
    db = tmp_path / "errand.db"
    Journal(db).close()  # the schema exists before the child starts, so polling can read it
    env = {**os.environ, "ERRAND_TOY_DELAY": "0.002"}
    if kind == "files-python":
        kind, env["ERRAND_PYTHON_RENAMES"] = "files", "1"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "tree"), str(tmp_path / "holding"),
                              str(db), mode, kind], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            seen = statuses(db)
            if seen[settled] >= at_least and seen[busy] > 0:
                break
            assert child.poll() is None, "the child finished before it could be killed"
            time.sleep(0.005)
        else:
            pytest.fail("the child never got part-way")
        time.sleep(0.05)  # let part of the busy batch happen, so recovery must probe both ways
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
        assert child.stdout is not None
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    return statuses(db)


def make_tree(root: Path) -> dict[str, str]:
    root.mkdir()
    for i in range(N):
        (root / f"f{i:04d}.txt").write_bytes(f"file {i}\n".encode() * (1 + i % 7))
    return tree(root)


def assert_nothing_lost(root: Path, before: dict[str, str], renamed: bool) -> None:
    after = tree(root)
    assert Counter(after.values()) == Counter(before.values())  # every content exactly once
    expected = {(f"r{k[1:]}" if renamed else k): v for k, v in before.items()}
    assert after == expected


@pytest.mark.parametrize(("kind", "finish"), [
    ("toyfs", False), ("toyfs", True),
    ("files", False), ("files", True), ("files-python", False),
], ids=["toyfs-rollback", "toyfs-finish", "files-rollback", "files-finish", "files-python-rollback"])
def test_killed_apply_is_recovered(tmp_path: Path, finish: bool, kind: str) -> None:
    root = tmp_path / "tree"
    before = make_tree(root)
    at_kill = kill_mid_batch(tmp_path, "apply", busy="started", settled="done", at_least=500, kind=kind)
    assert 0 < at_kill["done"] < N and at_kill["started"] > 0
    on_disk = sum(1 for name in tree(root) if name.startswith("r"))
    print(f"killed with {at_kill} in the journal, {on_disk} renamed on disk")
    assert on_disk >= at_kill["done"]  # some of the started batch may have happened too

    with Journal(tmp_path / "errand.db") as journal:
        (run,) = interrupted_runs(journal)
        (report,) = recover(journal, builder(tmp_path / "holding"), finish=finish)
        assert report.unknown == [] and report.refused == []
        if finish:
            assert (report.action, report.status, report.done) == ("finished", "applied", N)
            assert Counter(a["status"] for a in journal.actions(run["id"])) == {"done": N}
        else:
            assert (report.action, report.status, report.undone) == ("rolled_back", "rolled_back", on_disk)
            counts = Counter(a["status"] for a in journal.actions(run["id"]))
            assert counts == {"undone": on_disk, "skipped": N - on_disk}
        assert journal.run(run["id"])["status"] == report.status
        assert interrupted_runs(journal) == [] and recover(journal, builder(tmp_path / "holding")) == []
        assert "interruption" in journal.logs(run["id"])[-1]
    assert_nothing_lost(root, before, renamed=finish)


@pytest.mark.parametrize("kind", ["toyfs", "files", "files-python"])
def test_killed_undo_is_taken_to_the_end(tmp_path: Path, kind: str) -> None:
    root = tmp_path / "tree"
    before = make_tree(root)
    holding = tmp_path / "holding"
    from capabilities.engine.apply import apply_plan  # apply here, undo in the child

    if kind == "toyfs":
        caps = builder(holding)([Grant("toyfs", str(root))])
        for i in range(N):
            caps["toyfs"].rename(f"f{i:04d}.txt", f"r{i:04d}.txt")
    else:
        caps = make_files_caps(root, holding)
        caps["files"].rename_many([[f"tree/f{i:04d}.txt", f"tree/r{i:04d}.txt"] for i in range(N)])
    (cap,) = caps.values()
    with Journal(tmp_path / "errand.db") as journal:
        rid = journal.start_run("rename", "...", cap.grants)
        assert apply_plan(journal, rid, cap.context.plan, caps).ok
    at_kill = kill_mid_batch(tmp_path, str(rid), busy="undoing", settled="undone", at_least=500, kind=kind)
    assert 0 < at_kill["undone"] < N and at_kill["undoing"] > 0
    with Journal(tmp_path / "errand.db") as journal:
        (report,) = recover(journal, builder(holding))  # the default; an undo is always finished
        assert (report.action, report.status, report.refused) == ("undo_finished", "undone", [])
        assert Counter(a["status"] for a in journal.actions(rid)) == {"undone": N}
        assert len(journal.undos(rid)) >= N
    assert_nothing_lost(root, before, renamed=False)
