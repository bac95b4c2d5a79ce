"""The `errand` CLI end to end: run, preview-only, refusal, history, show, undo — real files, real journal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli.main import main

RENAME = """\
names = files.list("Trip", "*.jpg")
for i, path in enumerate(names, 1):
    files.rename(path, f"Trip/holiday-{i:02d}.jpg")
print(f"planned {len(names)} renames")
return len(names)
"""


Capsys = pytest.CaptureFixture[str]


def run_cli(capsys: Capsys, *args: str) -> tuple[int, dict]:
    code = main(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.fixture
def trip(tmp_path: Path) -> Path:
    folder = tmp_path / "Trip"
    folder.mkdir()
    for i in range(1, 4):
        (folder / f"IMG_000{i}.jpg").write_bytes(f"photo {i}".encode())
    return folder


@pytest.fixture
def rename_script(tmp_path: Path) -> Path:
    script = tmp_path / "rename.py"
    script.write_text(RENAME)
    return script


def test_run_json_has_the_documented_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "t.py"
    script.write_text("print('hi')\nresult = {'answer': 42}\n")
    code, out = run_cli(capsys, "run", str(script), "--json")
    assert code == 0
    assert out["status"] == "applied"
    assert out["result"] == {"answer": 42}
    assert out["log"] == ["hi"]
    assert out["error"] is None
    assert isinstance(out["run_id"], int)
    assert set(out) >= {"run_id", "status", "summary", "grants", "actions", "result", "log", "error"}


def test_a_script_error_fails_with_type_message_and_line(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "bad.py"
    script.write_text("x = 1\ny = x / 0\n")
    code, out = run_cli(capsys, "run", str(script), "--json")
    assert code == 1
    assert out["status"] == "failed"
    assert out["error"]["type"] == "ZeroDivisionError"
    assert out["error"]["line"] == 2


def test_run_apply_history_show_undo(trip: Path, rename_script: Path, capsys: Capsys) -> None:
    code, out = run_cli(capsys, "run", str(rename_script), "--grant", f"files={trip}", "--yes", "--json")
    assert code == 0, out
    assert out["status"] == "applied" and out["result"] == 3
    assert [a["status"] for a in out["actions"]] == ["done"] * 3
    assert out["actions"][0] == {**out["actions"][0], "seq": 1, "capability": "files", "op": "rename",
                                 "args": {"src": "Trip/IMG_0001.jpg", "dst": "Trip/holiday-01.jpg",
                                          "overwrite": False}}
    assert sorted(p.name for p in trip.iterdir()) == ["holiday-01.jpg", "holiday-02.jpg", "holiday-03.jpg"]
    assert (trip / "holiday-02.jpg").read_bytes() == b"photo 2"
    run_id = out["run_id"]

    code, listed = run_cli(capsys, "history", "--json")
    assert code == 0 and listed["status"] == "ok"
    runs = listed["runs"]
    assert runs[0]["run_id"] == run_id and runs[0]["actions"] == 3 and runs[0]["status"] == "applied"

    code, shown = run_cli(capsys, "show", str(run_id), "--json")
    assert [a["op"] for a in shown["actions"]] == ["rename"] * 3
    assert shown["log"] == ["planned 3 renames"]

    code, undone = run_cli(capsys, "undo", str(run_id), "--json")
    assert code == 0
    assert undone == {"status": "ok", "run_id": run_id, "undone": 3, "refused": []}
    assert sorted(p.name for p in trip.iterdir()) == ["IMG_0001.jpg", "IMG_0002.jpg", "IMG_0003.jpg"]


def test_preview_only_changes_nothing(trip: Path, rename_script: Path, capsys: Capsys) -> None:
    before = sorted(p.name for p in trip.iterdir())
    code, out = run_cli(capsys, "run", str(rename_script), "--grant", f"files={trip}", "--preview-only",
                        "--json")
    assert code == 0
    assert out["status"] == "previewed"
    assert [a["status"] for a in out["actions"]] == ["planned"] * 3
    assert sorted(p.name for p in trip.iterdir()) == before


def test_without_yes_and_without_a_terminal_nothing_is_applied(
        trip: Path, rename_script: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", open("/dev/null"))  # noqa: SIM115  (closed by pytest)
    code = main(["run", str(rename_script), "--grant", f"files={trip}", "--json"])
    captured = capsys.readouterr()
    assert code == 3
    assert json.loads(captured.out)["status"] == "refused"
    assert "--yes" in captured.err
    assert sorted(p.name for p in trip.iterdir())[0] == "IMG_0001.jpg"


def test_a_read_only_grant_refuses_writes_with_a_hint(trip: Path, rename_script: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The static check sees the write before anything runs: bad input, with the line."""
    code, out = run_cli(capsys, "run", str(rename_script), "--grant", f"files={trip}:ro", "--yes", "--json")
    assert code == 2 and out["status"] == "invalid" and out["run_id"] is None
    assert out["error"]["type"] == "ScriptProblem" and out["error"]["line"] == 3
    assert "read-only" in out["error"]["message"] and out["error"]["hint"]
    assert sorted(p.name for p in trip.iterdir())[0] == "IMG_0001.jpg"


@pytest.mark.parametrize("args, words", [
    (["run", "missing.py", "--json"], "Cannot read the script"),
    (["run", __file__, "--grant", "teleport=now", "--json"], "Unknown capability"),
    (["undo", "999", "--json"], "999"),
])
def test_bad_input_says_what_happened_and_what_to_do(args: list[str], words: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = main(args)
    out = json.loads(capsys.readouterr().out)
    assert code == 2
    assert words in out["error"]["message"]
    assert out["error"]["hint"]


# What a trivial run must not load: the window, the model client, the keyring, wasmtime's Python
# layer (the sandbox runs through sandbox.capi; ~50 ms), the file readers, which only the
# decoder worker uses (pypdf with PIL and cryptography ~50 ms, mutagen ~11 ms, icalendar), and
# the code of capabilities the script does not use (~30 ms; the static check needs their names only).
_NOT_LOADED_BY_A_RUN = ("PySide6", "litellm", "keyring", "wasmtime", "pypdf", "mutagen", "icalendar", "PIL",
                        "capabilities.api.files", "capabilities.api.calendar", "capabilities.api.photos",
                        "capabilities.api.documents", "capabilities.calendars", "capabilities.decoding")


def test_errand_run_loads_no_qt_litellm_wasmtime_py_readers_or_unused_capabilities(tmp_path: Path) -> None:
    script = tmp_path / "t.py"
    script.write_text("result = 1\n")
    probe = ("import sys, contextlib, io\nfrom desktop.cli.main import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             f"    code = main(['run', {str(script)!r}, '--json'])\n"
             f"print(code, *(m for m in {_NOT_LOADED_BY_A_RUN!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["0"], done.stderr


def test_ctrl_c_cancels_cleanly_and_the_run_is_journaled(tmp_path: Path) -> None:
    import signal
    import time

    script = tmp_path / "forever.py"
    script.write_text("print('working', flush=True)\nwhile True:\n    pass\n")
    child = subprocess.Popen([sys.executable, "-m", "desktop.cli", "run", str(script), "--yes", "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # let it start and enter the loop (a late signal still finds it looping)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 4, err
    report = json.loads(out)
    assert report["status"] == "cancelled"
    assert report["error"]["type"] == "Cancelled"
    history = subprocess.run([sys.executable, "-m", "desktop.cli", "history", "--json"], capture_output=True,
                             text=True, timeout=60)
    assert json.loads(history.stdout)["runs"][0]["status"] == "cancelled"


def test_help_lists_every_command_and_each_command_has_its_own_help(capsys: Capsys) -> None:
    from desktop.cli.common import COMMANDS

    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in COMMANDS)
    for name in COMMANDS:
        with pytest.raises(SystemExit):
            main([name, "--help"])
        assert f"usage: errand {name}" in capsys.readouterr().out
