"""The apply path refuses an action that would touch more than its preview showed, for any capability.

Real journal, real files and a real .ics file: a file action whose target
is not the one the preview named, and a calendar delete that would now
take more VEVENTs than the preview counted, both stop the apply before any
effect, with the reason journaled.
"""

from __future__ import annotations

from pathlib import Path

from capabilities.engine.apply import apply_plan
from capabilities.journal import Journal
from tests.calendar_support import calendar_run, ics_grant, vcalendar
from tests.files_support import make_tree, snapshot, start


def test_a_file_action_whose_target_is_not_the_previewed_one_is_refused(tmp_path: Path,
                                                                         journal: Journal) -> None:
    root = tmp_path / "T"
    make_tree(root, {"a.txt": "alpha", "b.txt": "bravo"})
    before = snapshot(root)
    run = start(tmp_path, (root, "rw"))
    run.call("rename", "T/a.txt", "T/c.txt")
    action = run.context.plan.actions[0]
    action.detail["dst"] = str(root / "elsewhere.txt")  # not what the person was shown (T/c.txt)
    rid = journal.start_run("tidy", "...", run.files.grants)
    journal.save_plan(rid, run.context.plan)
    report = apply_plan(journal, rid, run.context.plan, {"files": run.applier()})
    assert (report.status, report.done) == ("failed", 0)
    assert report.error is not None and "not on 'T/c.txt' as the preview showed" in report.error.message
    assert snapshot(root) == before
    assert [a["status"] for a in journal.actions(rid)] == ["skipped"]


def test_a_file_action_on_the_previewed_target_goes_ahead(tmp_path: Path, journal: Journal) -> None:
    root = tmp_path / "T"
    make_tree(root, {"Notes (June) – draft.txt": "x", "sub/e.txt": "echo"})
    run = start(tmp_path, (root, "rw"))
    run.call("rename", "T/Notes (June) – draft.txt", "T/sub/Notes (June) – draft.txt")
    run.call("rename", "T/sub", "T/renamed/")  # a trailing slash names the same folder
    rid = journal.start_run("tidy", "...", run.files.grants)
    journal.save_plan(rid, run.context.plan)
    assert apply_plan(journal, rid, run.context.plan, {"files": run.applier()}).ok
    assert (root / "renamed" / "Notes (June) – draft.txt").exists()


def test_a_calendar_delete_that_would_take_more_than_the_preview_counted_is_refused(
        tmp_path: Path, journal: Journal) -> None:
    path = tmp_path / "work.ics"
    path.write_text(vcalendar("BEGIN:VEVENT\nUID:one\nDTSTART:20261124T100000Z\nSUMMARY:One\nEND:VEVENT"))
    before = path.read_bytes()
    with calendar_run(ics_grant(path), {"timezone": "UTC"}) as run:
        run("delete", "one")
    assert run.plan.actions[0].detail["reach"] == 1
    run.plan.actions[0].detail["reach"] = 0  # a preview that showed nothing of what it would delete
    rid = journal.start_run("clear", "...", run.calendar.grants)
    journal.save_plan(rid, run.plan)
    with calendar_run(ics_grant(path), {"timezone": "UTC"}) as applying:
        report = apply_plan(journal, rid, run.plan, {"calendar": applying.calendar})
    assert report.status == "failed" and report.error is not None
    assert "would now touch 1 items where the preview showed 0" in report.error.message
    assert path.read_bytes() == before
