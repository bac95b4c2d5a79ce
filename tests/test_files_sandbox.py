"""The files capability from inside the real wasmtime sandbox: a script previews a plan,
sees its own planned state, gets refusals it can catch as the built-in exceptions, and the
host applies and undoes exactly that plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from capabilities.dispatch import Dispatcher
from tests.files_support import make_tree, snapshot, start

SCRIPT = """
moves = [[p, p[:-4] + ".md"] for p in files.list("Trip", "*.txt")]
files.rename_many(moves)
files.mkdir("Trip/archive")
files.rename("Trip/old.log", "Trip/archive/old.log")
refusals = []
for attempt in (lambda: files.read_text("../outside/secret.txt"),
                lambda: files.write_text("Trip/CON.txt", "x"),
                lambda: files.read_text("Trip/link/secret.txt")):
    try:
        attempt()
    except PermissionError as exc:
        refusals.append("PermissionError")
    except FileNotFoundError as exc:
        refusals.append("FileNotFoundError")
try:
    files.rename("Trip/a.md", "Trip/b.md")
except FileExistsError:
    refusals.append("FileExistsError")
result = {"listing": files.list("Trip", recursive=True), "text": files.read_text("Trip/a.md"),
          "refusals": refusals}
"""


def test_a_script_in_the_sandbox_previews_then_the_host_applies_and_undoes(
        sandbox: Any, tmp_path: Path) -> None:
    trip, outside = tmp_path / "Trip", tmp_path / "outside"
    make_tree(trip, {"a.txt": "alpha", "b.txt": "bravo", "old.log": "log"})
    make_tree(outside, {"secret.txt": "s"})
    (trip / "link").symlink_to(outside)
    before = snapshot(tmp_path, folder_times=True)
    before_trip = snapshot(trip, folder_times=True)
    run = start(tmp_path, (trip, "rw"))
    dispatch = Dispatcher({"files": run.files})
    outcome = sandbox.run(SCRIPT, dispatch, manifest=dispatch.manifest())
    assert outcome.ok, outcome.error
    assert outcome.result == {
        "listing": ["Trip/a.md", "Trip/archive", "Trip/archive/old.log", "Trip/b.md"],
        "text": "alpha",
        "refusals": ["PermissionError", "PermissionError", "PermissionError", "FileExistsError"],
    }
    assert snapshot(tmp_path, folder_times=True) == before  # the preview wrote nothing
    assert [a.op for a in run.actions] == ["rename", "rename", "mkdir", "rename"]
    run.apply()
    assert sorted(p.name for p in trip.iterdir()) == ["a.md", "archive", "b.md", "link"]
    run.undo()
    assert snapshot(trip, folder_times=True) == before_trip
