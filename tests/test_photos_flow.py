"""The chore people ask for: "rename these photos by date and place", previewed, applied and undone.

The same script runs twice: in the real wasm sandbox, and as plain Python
whose capability objects call the Dispatcher (so a failure shows whether the
capabilities or the sandbox are at fault). Both preview (nothing changes on
disk), apply through the journal and undo back to the original names and bytes.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from capabilities.dispatch import Dispatcher
from capabilities.journal import Journal
from tests.files_support import snapshot
from tests.imagefactory import make_photo, make_trip
from tests.photos_support import Run

SCRIPT = """
paths = files.list("Trip", "*.jpg")
infos = [i for i in photos.info_many(paths) if "error" not in i]
located = [i for i in infos if i["gps"]]
spots = places.lookup_many([[i["gps"]["lat"], i["gps"]["lon"]] for i in located])
place_of = {i["path"]: s["city"] for i, s in zip(located, spots)}
moves, used = [], set()
for info in infos:
    if not info["taken"]:
        continue
    stem = info["taken"][:10] + (" " + place_of[info["path"]] if place_of.get(info["path"]) else "")
    name, n = stem, 2
    while name in used:
        name, n = f"{stem} ({n})", n + 1
    used.add(name)
    moves.append([info["path"], "Trip/" + name + ".jpg"])
files.rename_many(moves)
return sorted(files.list("Trip"))
"""

EXPECTED = [
    "Trip/2024-07-14 Paris (2).jpg",
    "Trip/2024-07-14 Paris.jpg",
    "Trip/2024-07-16 London.jpg",
    "Trip/2024-07-19 New York City.jpg",
    "Trip/2024-07-20.jpg",  # no GPS: the date alone
    "Trip/scan.jpg",  # no date: left alone
]


@pytest.fixture
def trip(tmp_path: Path) -> Path:
    folder = tmp_path / "Trip"
    make_trip(folder)
    make_photo(folder / "scan.jpg")
    return folder


def run_as_python(script: str, dispatch: Dispatcher) -> Any:
    """Run a script in this process, its capability calls going through the Dispatcher as JSON."""

    class Proxy:
        def __init__(self, cap: str) -> None:
            self.cap = cap

        def __getattr__(self, op: str) -> Any:
            def call(*args: Any, **kwargs: Any) -> Any:
                payload = json.loads(json.dumps({"args": list(args), "kwargs": kwargs}))
                return json.loads(json.dumps(dispatch(f"{self.cap}.{op}", payload)))
            return call

    scope: dict[str, Any] = {name: Proxy(name) for name in dispatch.capabilities}
    exec("def _chore():\n" + textwrap.indent(script, "    "), scope)
    return scope["_chore"]()


def check_apply_and_undo(run: Run, trip: Path, before: dict[str, Any], tmp_path: Path) -> None:
    assert snapshot(trip) == before  # the preview wrote nothing
    assert run.context.plan.counts() == {"files.rename": 5}
    with Journal(tmp_path / "errand.db") as journal:
        rid = run.apply(journal)
        assert sorted(p.name for p in trip.iterdir()) == sorted(p.split("/")[1] for p in EXPECTED)
        assert (trip / "2024-07-16 London.jpg").read_bytes() == before["IMG_0003.jpg"][1]
        report = run.undo(journal, rid)
        assert (report.undone, report.refused) == (5, [])
    assert snapshot(trip) == before  # names, bytes and modified times as they were


def test_rename_by_date_and_place_through_the_dispatcher(tmp_path: Path, trip: Path) -> None:
    before = snapshot(trip)
    run = Run(tmp_path, trip, also=("photos", "places"))
    assert run_as_python(SCRIPT, run.dispatch) == EXPECTED
    check_apply_and_undo(run, trip, before, tmp_path)


def test_rename_by_date_and_place_in_the_sandbox(sandbox: Any, tmp_path: Path, trip: Path) -> None:
    before = snapshot(trip)
    run = Run(tmp_path, trip, also=("photos", "places"))
    outcome = sandbox.run(SCRIPT, run.dispatch, manifest=run.dispatch.manifest())
    assert outcome.ok, outcome.error
    assert outcome.result == EXPECTED
    check_apply_and_undo(run, trip, before, tmp_path)
