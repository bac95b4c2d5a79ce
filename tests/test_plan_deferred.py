"""Renames kept compact while their script runs (``ActionPlan.defer``): the plan, the journal and
apply see exactly the actions an immediate record would have made.

The journal rows of a rename plan are pinned here byte for byte (args, detail, summary, before,
after, as the journal's columns hold them), for every kind of rename a preview makes: in one
folder, into a subfolder, over an existing file, of a folder, into another granted folder, onto
a name that makes a program, of a file modified this very second (hashed), between changes
that are recorded at once. Those rows are the ones Errand wrote before renames were deferred.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from capabilities.base import Grant
from capabilities.budget import journal_size
from capabilities.folders.overlay import view
from capabilities.plan import Action, ActionPlan
from desktop.core import paths
from desktop.core.assistant import Assistant
from tests.files_support import make_tree, start

SCRIPT = """
files.rename_many([["Trip/a.txt", "Trip/b.txt"], ["Trip/c.txt", "Trip/sub/c.txt"]])
files.mkdir("Trip/new")
files.rename("Trip/d.txt", "Trip/e.txt", overwrite=True)
files.rename_many([["Trip/album", "Trip/album 2"], ["Trip/f.txt", "Other/f.txt"],
                   ["Trip/notes.txt", "Trip/notes.sh"], ["Trip/fresh.txt", "Trip/fresh-2.txt"]])
files.write_text("Trip/new/x.txt", "x")
"""


def _rows(run_id: int) -> list[tuple[Any, ...]]:
    with sqlite3.connect(paths.database_path()) as db:
        return db.execute("SELECT seq, capability, op, args, detail, summary, before, after FROM actions "
                          "WHERE run_id = ? ORDER BY seq", (run_id,)).fetchall()


def _fp(path: Path, *, sha256: bool = False) -> str:
    st = os.lstat(path)
    if path.is_dir():
        return f'{{"kind": "folder", "ino": {st.st_ino}, "dev": {st.st_dev}}}'
    text = (f'{{"kind": "file", "size": {st.st_size}, "mtime_ns": {st.st_mtime_ns}, "ino": {st.st_ino}, '
            f'"dev": {st.st_dev}')
    return text + (f', "sha256": "{hashlib.sha256(path.read_bytes()).hexdigest()}"}}' if sha256 else "}")


def test_a_rename_plans_journal_rows_are_exactly_these(tmp_path: Path, sandbox: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    trip, other = tmp_path / "Trip", tmp_path / "Other"
    make_tree(trip, {"a.txt": "alpha", "c.txt": "charlie", "d.txt": "delta", "e.txt": "echo",
                     "f.txt": "foxtrot", "notes.txt": "#!/bin/sh\n", "fresh.txt": "new", "sub/s.txt": "s",
                     "album/p.jpg": "p"})
    other.mkdir()
    soon = (int(os.stat(trip).st_mtime) + 60) * 10**9  # "just modified" (a whole second: a coarse clock)
    os.utime(trip / "fresh.txt", ns=(soon, soon))
    monkeypatch.setattr("capabilities.api.files.new_id", lambda: "hold-1")
    t, o = str(trip), str(other)
    assistant = Assistant(sandbox=sandbox)
    preview = assistant.preview(SCRIPT, [Grant("files", t, "rw", "Trip"), Grant("files", o, "rw", "Other")])
    assert preview.ok, preview.outcome.error
    # The journal budget was charged what an immediate record charges for these very actions.
    charged = preview.capabilities["files"].context.budget.journal
    assert charged == sum(journal_size(a.args) + journal_size(a.detail) + len(a.summary)
                          for a in preview.plan)
    report = assistant.apply(preview, preview_only=True)
    moves = '"replaces": null, "hold_id": null'
    rows = [
        (1, "files", "rename", '{"src": "Trip/a.txt", "dst": "Trip/b.txt", "overwrite": false}',
         f'{{"src": "{t}/a.txt", "dst": "{t}/b.txt", "fingerprint": {_fp(trip / "a.txt")}, {moves}}}',
         "Rename Trip/a.txt → Trip/b.txt", "Trip/a.txt", "Trip/b.txt"),
        (2, "files", "rename", '{"src": "Trip/c.txt", "dst": "Trip/sub/c.txt", "overwrite": false}',
         f'{{"src": "{t}/c.txt", "dst": "{t}/sub/c.txt", "fingerprint": {_fp(trip / "c.txt")}, {moves}}}',
         "Move Trip/c.txt → Trip/sub/c.txt", "Trip/c.txt", "Trip/sub/c.txt"),
        (3, "files", "mkdir", '{"path": "Trip/new"}', f'{{"path": "{t}/new"}}', "Create folder Trip/new",
         None, "Trip/new"),
        (4, "files", "rename", '{"src": "Trip/d.txt", "dst": "Trip/e.txt", "overwrite": true}',
         f'{{"src": "{t}/d.txt", "dst": "{t}/e.txt", "fingerprint": {_fp(trip / "d.txt")}, '
         f'"replaces": {_fp(trip / "e.txt")}, "hold_id": "hold-1"}}',
         "Rename Trip/d.txt → Trip/e.txt (replacing it)", "Trip/d.txt", "Trip/e.txt"),
        (5, "files", "rename", '{"src": "Trip/album", "dst": "Trip/album 2", "overwrite": false}',
         f'{{"src": "{t}/album", "dst": "{t}/album 2", "fingerprint": {_fp(trip / "album")}, {moves}}}',
         "Rename Trip/album → Trip/album 2", "Trip/album", "Trip/album 2"),
        (6, "files", "rename", '{"src": "Trip/f.txt", "dst": "Other/f.txt", "overwrite": false}',
         f'{{"src": "{t}/f.txt", "dst": "{o}/f.txt", "fingerprint": {_fp(trip / "f.txt")}, {moves}}}',
         "Move Trip/f.txt → Other/f.txt", "Trip/f.txt", "Other/f.txt"),
        (7, "files", "rename", '{"src": "Trip/notes.txt", "dst": "Trip/notes.sh", "overwrite": false}',
         f'{{"src": "{t}/notes.txt", "dst": "{t}/notes.sh", "fingerprint": {_fp(trip / "notes.txt")}, '
         f'{moves}, "risk": "notes.sh is a script or program by its name (.sh)"}}',
         "Rename Trip/notes.txt → Trip/notes.sh", "Trip/notes.txt", "Trip/notes.sh"),
        (8, "files", "rename", '{"src": "Trip/fresh.txt", "dst": "Trip/fresh-2.txt", "overwrite": false}',
         f'{{"src": "{t}/fresh.txt", "dst": "{t}/fresh-2.txt", '
         f'"fingerprint": {_fp(trip / "fresh.txt", sha256=True)}, {moves}}}',
         "Rename Trip/fresh.txt → Trip/fresh-2.txt", "Trip/fresh.txt", "Trip/fresh-2.txt"),
    ]
    found = _rows(report.run_id)
    assert found[:8] == rows
    assert [r[:3] for r in found[8:]] == [(9, "files", "write_text")]


def test_the_preview_settles_its_plan_and_drops_its_planned_tree(tmp_path: Path, sandbox: Any) -> None:
    trip = tmp_path / "Trip"
    make_tree(trip, {f"IMG_{i}.jpg": "x" for i in range(50)})
    script = 'files.rename_many([[p, p.replace("IMG_", "Trip_")] for p in files.list("Trip")])\n'
    preview = Assistant(sandbox=sandbox).preview(script, [Grant("files", str(trip), "rw", "Trip")])
    assert preview.ok, preview.outcome.error
    assert preview.plan.deferred == 0 and len(preview.plan) == 50
    assert all(type(a) is Action for a in preview.plan.actions)
    folders = view(preview.capabilities["files"].context)
    root = folders.overlay.get(("Trip",))
    assert root is not None and root.children is None  # forgotten: a later look reads the disk again
    assert folders.list(("Trip",)) == sorted(f"Trip/IMG_{i}.jpg" for i in range(50))


def test_renames_stay_compact_until_the_plan_is_looked_at(tmp_path: Path) -> None:
    make_tree(tmp_path / "Trip", {"a.txt": "a", "b.txt": "b", "c.txt": "c"})
    run = start(tmp_path, (tmp_path / "Trip", "rw"))
    run.call("rename_many", [["Trip/a.txt", "Trip/a2.txt"], ["Trip/b.txt", "Trip/b2.txt"]])
    run.call("mkdir", "Trip/sub")
    run.call("rename", "Trip/c.txt", "Trip/sub/c.txt")
    plan = run.context.plan
    assert (len(plan), plan.deferred) == (4, 3)
    assert plan.counts() == {"files.rename": 3, "files.mkdir": 1} and plan.deferred == 3  # no settling
    last = plan.last()
    assert last is not None and (last.seq, last.summary) == (4, "Move Trip/c.txt → Trip/sub/c.txt")
    assert plan.deferred == 2
    assert [(a.seq, a.op, a.before, a.after) for a in plan] == [
        (1, "rename", "Trip/a.txt", "Trip/a2.txt"), (2, "rename", "Trip/b.txt", "Trip/b2.txt"),
        (3, "mkdir", None, "Trip/sub"), (4, "rename", "Trip/c.txt", "Trip/sub/c.txt")]
    assert plan.deferred == 0 and plan.actions[3] is last  # each settles once, to one action


def test_a_write_after_renames_still_joins_the_write_before_it(tmp_path: Path) -> None:
    make_tree(tmp_path / "Trip", {"a.txt": "a"})
    run = start(tmp_path, (tmp_path / "Trip", "rw"))
    run.call("write_text", "Trip/log.txt", "one")
    run.call("rename", "Trip/a.txt", "Trip/b.txt")
    run.call("write_text", "Trip/log.txt", "two")  # not right after the first: a second action
    run.call("write_text", "Trip/log.txt", "three")  # right after the second: joins it
    assert [(a.op, a.args.get("text")) for a in run.actions] == [
        ("write_text", "one"), ("rename", None), ("write_text", "three")]


def test_a_left_alone_item_a_deferred_rename_then_plans_is_taken_off_the_list(tmp_path: Path) -> None:
    make_tree(tmp_path / "Trip", {"a.txt": "a", "b.txt": "b"})
    run = start(tmp_path, (tmp_path / "Trip", "rw"))
    with pytest.raises(Exception, match="already exists"):
        run.call("rename", "Trip/a.txt", "Trip/b.txt")
    assert [x["item"] for x in run.context.plan.left_alone] == ["Trip/a.txt"]
    run.call("rename", "Trip/a.txt", "Trip/c.txt")
    assert run.context.plan.left_alone == [] and run.context.plan.deferred == 1


def test_a_plan_can_be_set_and_copied_like_a_list_of_actions() -> None:
    one = Action(1, "files", "mkdir", {"path": "T/a"}, {"path": "/t/a"}, "Create folder T/a")
    plan = ActionPlan([one])
    plan.actions = [one, one]
    assert len(plan) == 2 and plan.deferred == 0 and list(plan) == [one, one]
    assert ActionPlan.from_json(plan.to_json()).actions == [one, one]
