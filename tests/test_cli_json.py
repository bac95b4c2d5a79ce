"""Every ``--json`` answer is exactly one strict JSON object with a documented status, whatever
happens; the messages say what happened; ``errand run`` checks a script before running it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from desktop.cli.common import STATUS_EXIT
from desktop.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
Capsys = pytest.CaptureFixture[str]


def answer(capsys: Capsys, *args: str) -> tuple[int, dict[str, Any]]:
    code = main([*args, "--json"])
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out  # one line, one object
    parsed = json.loads(out, parse_constant=lambda c: pytest.fail(f"not strict JSON: {c}"))
    assert isinstance(parsed, dict) and STATUS_EXIT[parsed["status"]] == code
    return code, parsed


def script(tmp_path: Path, code: str) -> str:
    path = tmp_path / "s.py"
    path.write_text(code)
    return str(path)


def test_a_result_with_nan_infinity_and_deep_nesting_prints_strict_json(tmp_path: Path,
                                                                        capsys: Capsys) -> None:
    code, out = answer(capsys, "run", script(tmp_path, "d = []\nfor _ in range(500):\n    d = [d]\nresult = "
                                             "{'nan': float('nan'), 'inf': float('-inf'), 'deep': d}\n"))
    assert code == 0 and out["status"] == "applied"
    assert out["result"]["nan"] == "NaN" and out["result"]["inf"] == "-Infinity"
    deep, depth = out["result"]["deep"], 0
    while isinstance(deep, list):
        deep, depth = deep[0], depth + 1
    assert "nested deeper than" in deep and depth < 100


def test_a_result_deeper_than_the_host_can_read_is_the_scripts_failure(tmp_path: Path,
                                                                        capsys: Capsys) -> None:
    deep = "d = []\nfor _ in range(1000):\n    d = [d]\nresult = d\n"
    code, out = answer(capsys, "run", script(tmp_path, deep))
    assert code == 1 and out["status"] == "failed" and "nested too deeply" in out["error"]["message"]


def test_a_file_name_that_is_not_utf8_gives_one_answer_and_a_closed_run(tmp_path: Path,
                                                                        capsys: Capsys) -> None:
    trip = tmp_path / "Trip"
    trip.mkdir()
    (trip / os.fsdecode(b"caf\xe9.jpg")).write_bytes(b"x")
    _, out = answer(capsys, "run", script(tmp_path, "for n in files.list('Trip'):\n"
                                             "    print('renaming', n)\n"
                                             "    files.rename(n, n + '.bak')\n"), "--grant", f"files={trip}",
                       "--yes")
    # The name is shown escaped, journaled losslessly, renamed, and put back by undo byte for byte.
    assert out["status"] == "applied", out
    assert any("caf\\xe9.jpg" in a["args"]["src"] for a in out["actions"])
    assert (trip / os.fsdecode(b"caf\xe9.jpg.bak")).exists()
    code, undone = answer(capsys, "undo", str(out["run_id"]))
    assert code == 0, undone
    assert sorted(os.listdir(os.fsencode(trip))) == [b"caf\xe9.jpg"]


@pytest.mark.parametrize("code, words, line", [
    ("files.move('Trip/a', 'Trip/b')\n", "has no function 'move'", 1),
    ("x = 1\nfiles.rename(src='Trip/a')\n", "missing a required argument", 2),
    ("photos.info('Trip/a.jpg')\n", "add `--grant photos`", None),
])
def test_errand_run_checks_the_script_first(tmp_path: Path, capsys: Capsys, code: str, words: str,
                                            line: int | None) -> None:
    trip = tmp_path / "Trip"
    trip.mkdir()
    exit_code, out = answer(capsys, "run", script(tmp_path, code), "--grant", f"files={trip}", "--yes")
    assert exit_code == 2 and out["status"] == "invalid" and out["run_id"] is None
    assert words in out["error"]["message"] and out["error"]["line"] == line


def test_bad_command_lines_and_unexpected_errors_are_one_object_without_traceback(
        tmp_path: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = answer(capsys, "run")
    assert code == 2 and out["status"] == "invalid" and "required" in out["error"]["message"]
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("ERRAND_HOME", str(blocked))  # Errand cannot make its own folder: not bad input
    code, out = answer(capsys, "history")
    assert code == 1 and out["status"] == "error" and "unexpected error" in out["error"]["message"]
    assert "bug in Errand" in out["error"]["hint"]


def test_app_json_without_a_display_is_one_object(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "desktop.cli", "app", "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    out = json.loads(done.stdout)
    assert done.returncode == 1 and out["status"] == "failed" and "display" in out["error"]["message"]
    assert "Traceback" not in done.stderr


def test_the_messages_say_what_happened(tmp_path: Path, capsys: Capsys) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("")
    code, out = answer(capsys, "ask", "sort my files by type", "--folder", str(afile))
    assert code == 2 and "is a file, not a folder" in out["error"]["message"]
    code, out = answer(capsys, "ask", "write a poem", "--planner", "model", "--folder", str(tmp_path))
    assert code == 2 and "no model is set up" in out["error"]["message"]
    assert "no recipe" not in out["error"]["message"].lower()
    code, previewed = answer(capsys, "try", "--preview-only", "--to", str(tmp_path / "Samples"))
    assert code == 0 and previewed["status"] == "previewed"
    code, out = answer(capsys, "undo", str(previewed["run_id"]))
    assert code == 2 and "never applied" in out["error"]["message"] and out["status"] == "invalid"


def test_try_without_a_terminal_applies_its_own_copy_and_says_how_to_undo(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "desktop.cli", "try", "--to", str(tmp_path / "S")], cwd=ROOT,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Renames 6 files" in done.stdout and "Applied 6 changes" in done.stdout
    assert "Undo with: errand undo " in done.stdout


def test_json_written_in_pieces_is_the_very_text_of_one_object() -> None:
    from desktop.cli.jsonout import encode, pieces

    deep: list[Any] = []
    inner = deep
    for _ in range(150):
        inner.append([])
        inner = inner[0]
    values: list[dict[Any, Any]] = [
        {"actions": [{"name": "caf\udce9", "n": float("nan"), 3: (1, float("inf"))}, (1, 2), "x"],
         "empty": [], "tuple": (1, {"k": None}), "deep": deep, "deep_in_list": [deep], "s": "\ud800"},
        {1: "a", "1": "b"},  # keys that collide once made text: written whole, as encode does
        {},
    ]
    for value in values:
        text = "".join(pieces(value))
        assert text == encode(value)
        json.loads(text, parse_constant=lambda c: pytest.fail(f"not strict JSON: {c}"))


def test_a_journal_failing_midway_through_a_long_answer_still_ends_with_one_whole_error_object(
        tmp_path: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    # A report's actions are written a page at a time, as read from the journal. When a later page
    # cannot be read (a disk error: the one fault injected here), the answer already begun is cut;
    # the error must then be a line of its own, not glued to the cut line.
    from capabilities.journal import JournalError
    from capabilities.journal.runs import RunRecords
    from desktop.core import report

    trip = tmp_path / "Trip"
    trip.mkdir()
    for i in range(5):
        (trip / f"IMG_{i}.jpg").write_bytes(b"x")
    code, applied = answer(capsys, "run", script(tmp_path, "for p in files.list('Trip'):\n"
                                                 "    files.rename(p, p.replace('IMG_', 'Day_'))\n"),
                           "--grant", f"files={trip}", "--yes")
    assert code == 0 and len(applied["actions"]) == 5

    read_page = RunRecords.report_actions

    def failing_after_the_first_page(self: RunRecords, run_id: int, *, after: int = 0,
                                     limit: int = -1) -> list[dict[str, Any]]:
        if after > 0:
            raise JournalError("disk I/O error", "Check the disk, then ask again.")
        return read_page(self, run_id, after=after, limit=limit)

    monkeypatch.setattr(report, "PAGE", 2)
    monkeypatch.setattr(RunRecords, "report_actions", failing_after_the_first_page)
    code = main(["show", str(applied["run_id"]), "--json"])
    lines = capsys.readouterr().out.splitlines()
    assert code != 0 and len(lines) == 2, lines
    assert lines[0].startswith('{"run_id": ') and '"seq": 2' in lines[0] and '"seq": 3' not in lines[0]
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines[0])
    error = json.loads(lines[1])
    assert error["status"] != "ok" and "disk I/O error" in error["error"]["message"]
    assert STATUS_EXIT[error["status"]] == code
