"""The property, through the journal: any sequence of file operations, previewed, applied with
``apply_plan``, then undone with ``undo_run`` from a reopened journal, leaves the tree byte for byte
as it was (names, content, modified times) and nothing in the holding area."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capabilities.engine.apply import apply_plan
from capabilities.engine.undo import capabilities_for_run, undo_run
from capabilities.errors import ErrandError
from capabilities.folders.holding import Holding
from capabilities.journal import Journal
from tests.files_support import make_tree, snapshot, start
from tests.test_files_apply import TREE, operation


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, max_size=12))
def test_journaled_apply_then_undo_is_identity(ops: list[tuple]) -> None:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_tree(root / "Trip", TREE)
        before = snapshot(root / "Trip")
        run = start(root, (root / "Trip", "rw"))
        for op in ops:
            try:
                run.call(*op)
            except ErrandError:
                continue  # refused in the preview: not planned
        db = root / "errand.db"
        with Journal(db) as journal:
            rid = journal.start_run("random chore", "...", run.files.grants)
            journal.save_plan(rid, run.context.plan)
            report = apply_plan(journal, rid, run.context.plan, {"files": run.applier()})
            assert report.ok, report.error
        with Journal(db) as journal:
            undo = undo_run(journal, rid, capabilities_for_run(journal, rid, holding=run.holding))
            assert (undo.undone, undo.refused) == (len(run.context.plan), [])
        assert snapshot(root / "Trip") == before
        assert Holding(run.holding).ids() == []
