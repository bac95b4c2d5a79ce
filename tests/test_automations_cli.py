"""``errand automations …`` and ``errand watch`` end to end: real journal, files, sandbox, a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from capabilities.journal import Journal
from desktop.cli.main import main
from desktop.core.paths import database_path

FILE_IT = """\
src = inputs["path"]
files.rename(src, "Work/Done/" + inputs["name"])
return src
"""

Capsys = pytest.CaptureFixture[str]


def cli(capsys: Capsys, *args: str) -> tuple[int, Any]:
    """The exit code and the answer: an automation, the list of them, or the whole object."""
    code = main([*args, "--json"])
    answer = json.loads(capsys.readouterr().out)
    if "automation" in answer or "automations" in answer:
        assert answer["status"] == "ok" and code == 0
        return code, answer.get("automation", answer.get("automations"))
    return code, answer


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "file_it.py"
    path.write_text(FILE_IT)
    return path


def test_add_from_a_run_list_pause_resume_remove(work: Path, script: Path, capsys: Capsys) -> None:
    (work / "Inbox" / "first.pdf").write_text("first")
    code, run = cli(capsys, "run", str(script), "--grant", f"files={work}", "--yes",
                    "--input", "path=Work/Inbox/first.pdf", "--input", "name=first.pdf")
    assert code == 0 and run["status"] == "applied"

    code, saved = cli(capsys, "automations", "add", "file it", "--watch", str(work / "Inbox"), "--pattern",
                      "*.pdf", "--events", "created,moved", "--from-run", str(run["run_id"]))
    assert code == 0, saved
    assert saved["name"] == "file it" and saved["status"] == "watching" and saved["enabled"] is True
    assert saved["watch_dir"] == str((work / "Inbox").resolve()) and saved["events"] == ["created", "moved"]
    assert saved["pattern"] == "*.pdf" and saved["request"] == str(script)
    [grant] = saved["grants"]
    assert grant.startswith(f"Read and change files in {work.resolve()}") and "“Work”" in grant
    with Journal(database_path()) as journal:
        assert journal.automation("file it")["script"] == FILE_IT

    code, rows = cli(capsys, "automations", "list")
    assert code == 0 and [r["name"] for r in rows] == ["file it"]
    assert set(rows[0]) >= {"id", "name", "status", "watch_dir", "pattern", "events", "grants", "request",
                            "last_run", "last_run_id", "last_status", "handled", "failed", "paused_reason"}
    code, rows = cli(capsys, "automations")  # no action: the list
    assert code == 0 and len(rows) == 1

    code, row = cli(capsys, "automations", "pause", "file it")
    assert code == 0 and row["status"] == "paused" and row["enabled"] is False
    code, row = cli(capsys, "automations", "resume", "file it")
    assert code == 0 and row["status"] == "watching" and row["enabled"] is True
    code, row = cli(capsys, "automations", "remove", "file it")
    assert code == 0 and row == {"id": saved["id"], "name": "file it", "status": "removed"}
    code, rows = cli(capsys, "automations", "list")
    assert rows == []
    code, err = cli(capsys, "automations", "pause", "file it")
    assert code == 2 and "no automation" in err["error"]["message"]


def test_add_from_a_script_and_the_clear_refusals(work: Path, script: Path, tmp_path: Path,
                                                  capsys: Capsys) -> None:
    code, saved = cli(capsys, "automations", "add", "s", "--watch", str(work / "Inbox"), "--script",
                      str(script), "--grant", f"files={work}", "--request", "file PDFs from the inbox")
    assert code == 0 and saved["request"] == "file PDFs from the inbox" and saved["events"] == ["created"]

    code, err = cli(capsys, "automations", "add", "s", "--watch", str(work / "Inbox"), "--script",
                    str(script), "--grant", f"files={work}")
    assert code == 2 and "already exists" in err["error"]["message"]

    outside = tmp_path / "Elsewhere"
    outside.mkdir()
    code, err = cli(capsys, "automations", "add", "t", "--watch", str(outside), "--script", str(script),
                    "--grant", f"files={work}")
    assert code == 2 and "not inside a folder this automation may change" in err["error"]["message"]
    assert f"--grant files={outside.resolve()}" in err["error"]["hint"]

    code, err = cli(capsys, "automations", "add", "t", "--watch", str(work / "Inbox"), "--script",
                    str(script), "--grant", f"files={work}:ro")
    assert code == 2 and "read-only" in err["error"]["message"]

    code, err = cli(capsys, "automations", "add", "t", "--watch", str(work / "Nope"), "--script", str(script),
                    "--grant", f"files={work}")
    assert code == 2 and "does not exist" in err["error"]["message"]

    code, preview = cli(capsys, "run", str(script), "--grant", f"files={work}", "--preview-only",
                        "--input", "path=Work/Inbox/x.pdf", "--input", "name=x.pdf")
    code, err = cli(capsys, "automations", "add", "t", "--watch", str(work / "Inbox"), "--from-run",
                    str(preview["run_id"]))
    assert code == 2 and "only a run you approved" in err["error"]["message"]
    code, err = cli(capsys, "automations", "add", "t", "--watch", str(work / "Inbox"), "--from-run", "999")
    assert code == 2 and "no run 999" in err["error"]["message"]


def test_errand_watch_runs_automations_and_stops_cleanly_on_sigterm(work: Path, script: Path,
                                                                    capsys: Capsys) -> None:
    code, _ = cli(capsys, "automations", "add", "file it", "--watch", str(work / "Inbox"), "--script",
                  str(script), "--grant", f"files={work}")
    assert code == 0
    (work / "Inbox" / "before.pdf").write_text("arrived while Errand was not running")
    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop.cli", "watch", "--json",
         "--quiet-seconds", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert proc.stdout is not None
        events = [json.loads(proc.stdout.readline())]  # "watching"
        assert events[0]["event"] == "watching" and events[0]["automation"] == "file it"
        events.append(json.loads(proc.stdout.readline()))  # the catch-up
        (work / "Inbox" / "after.pdf").write_text("arrived while watching")
        events.append(json.loads(proc.stdout.readline()))
        proc.send_signal(signal.SIGTERM)
        rest, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "InotifyEmitter" not in err, err
    events += [json.loads(line) for line in rest.splitlines()]
    ran = [e["message"] for e in events if e["event"] == "ran"]
    assert [m.split(":")[0] for m in ran] == ["Work/Inbox/before.pdf", "Work/Inbox/after.pdf"]
    assert events[-1]["event"] == "stopped"
    assert sorted(p.name for p in (work / "Done").iterdir()) == ["after.pdf", "before.pdf"]
    with Journal(database_path()) as journal:
        triggered = [r for r in journal.runs() if r["trigger"]]
        assert [r["status"] for r in triggered] == ["applied", "applied"]


def test_errand_watch_prints_lines_and_stops_on_sigint(work: Path, script: Path, capsys: Capsys) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "desktop.cli",
                             "watch", "--quiet-seconds", "0.2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "no enabled automations yet" in first
        # Saved while it runs: picked up by its next look at the journal.
        assert main(["automations", "add", "later", "--watch", str(work / "Inbox"), "--script", str(script),
                     "--grant", f"files={work}"]) == 0
        capsys.readouterr()
        assert "later: watching" in proc.stdout.readline()
        (work / "Inbox" / "late.pdf").write_text("x")
        line = proc.stdout.readline()
        assert "later: ran: Work/Inbox/late.pdf: 1 change (run" in line
        time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "InotifyEmitter" not in err, err
    assert rest.strip().endswith("stopped: stopped watching")


def test_a_recipe_run_saved_as_an_automation_sorts_each_arrival(tmp_path: Path, sandbox: Any,
                                                                 capsys: Capsys) -> None:
    from desktop.automations.runner import AutomationRunner
    from desktop.core.assistant import Assistant

    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    (downloads / "old.pdf").write_text("old")
    code, run = cli(capsys, "ask", "sort my downloads into folders by type", "--folder", str(downloads),
                    "--planner", "recipes", "--yes")
    assert code == 0 and run["status"] == "applied", run
    code, saved = cli(capsys, "automations", "add", "sort downloads", "--watch", str(downloads),
                      "--from-run", str(run["run_id"]))
    assert code == 0, saved
    with Journal(database_path()) as journal:
        assistant = Assistant(journal=journal, sandbox=sandbox)
        with AutomationRunner(assistant, quiet_seconds=0.2, reload_seconds=None, rescan_seconds=None):
            (downloads / "bill.pdf").write_text("bill")
            (downloads / "beach.jpg").write_bytes(b"jpeg")
            end = time.monotonic() + 30
            while not ((downloads / "Documents" / "bill.pdf").exists()
                       and (downloads / "Pictures" / "beach.jpg").exists()):
                assert time.monotonic() < end, sorted(p.name for p in downloads.rglob("*"))
                time.sleep(0.05)
        statuses = [r["status"] for r in journal.runs() if r["trigger"]]
    assert statuses and set(statuses) == {"applied"}
    assert sorted(p.name for p in downloads.iterdir()) == ["Documents", "Pictures"]


def test_a_recipe_run_keeps_the_values_it_was_approved_with(tmp_path: Path, capsys: Capsys) -> None:
    trip = tmp_path / "Trip"
    trip.mkdir()
    (trip / "a.jpg").write_bytes(b"a")
    code, run = cli(capsys, "ask", "rename the files in Trip to 'Holiday {n:03}'", "--folder", str(trip),
                    "--planner", "recipes", "--yes")
    assert code == 0 and run["status"] == "applied", run
    code, saved = cli(capsys, "automations", "add", "number", "--watch", str(trip), "--from-run",
                      str(run["run_id"]))
    assert code == 0, saved
    with Journal(database_path()) as journal:
        script = journal.automation("number")["script"]
    first, rest = script.split("\n", 1)
    assert first.startswith("inputs.update(") and "'pattern': 'Holiday {n:03}'" in first
    assert rest == journal_script(run["run_id"])


def journal_script(run_id: int) -> str:
    with Journal(database_path()) as journal:
        return str(journal.run(run_id)["script"])


def test_killed_mid_stream_then_recovered_and_restarted_each_file_is_done_once(work: Path, script: Path,
                                                                               sandbox: Any,
                                                                               capsys: Capsys) -> None:
    from collections import Counter

    from desktop.automations.runner import AutomationRunner
    from desktop.core.assistant import Assistant

    assert main(["automations", "add", "file it", "--watch", str(work / "Inbox"), "--script", str(script),
                 "--grant", f"files={work}"]) == 0
    capsys.readouterr()
    inbox, done = work / "Inbox", work / "Done"
    for i in range(80):
        (inbox / f"doc-{i:02}.pdf").write_text(f"doc {i}")
    proc = subprocess.Popen([sys.executable, "-m", "desktop.cli",
                             "watch", "--quiet-seconds", "0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
    try:
        end = time.monotonic() + 60
        while len(list(done.iterdir())) < 10:
            assert time.monotonic() < end and proc.poll() is None, "errand watch handled nothing"
            time.sleep(0.01)
        proc.kill()  # no clean stop: whatever was under way is cut short
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert 10 <= len(list(done.iterdir())) < 80, "the kill came too late to test anything"
    with Journal(database_path()) as journal:
        assistant = Assistant(journal=journal, sandbox=sandbox)
        assistant.recover(finish=True)  # a run cut short mid-apply: carried to its end
        with AutomationRunner(assistant, quiet_seconds=0.1, reload_seconds=None, rescan_seconds=None):
            end = time.monotonic() + 60
            while len(list(done.iterdir())) < 80:
                assert time.monotonic() < end, f"{len(list(done.iterdir()))} of 80 done"
                time.sleep(0.05)
            time.sleep(0.5)
        runs = [r for r in journal.runs(1000) if r["trigger"]]
        seen = journal.seen_files(1)
    applied = Counter(r["trigger"]["path"] for r in runs if r["status"] == "applied")
    assert len(applied) == 80 and set(applied.values()) == {1}, "a file was applied twice"
    others = [r for r in runs if r["status"] != "applied"]
    assert all(r["error"]["type"] == "Interrupted" for r in others), others  # at most the one cut short
    assert len(others) <= 1
    assert not any(s["status"].startswith("claimed:") for s in seen)
    assert sorted(p.name for p in done.iterdir()) == [f"doc-{i:02}.pdf" for i in range(80)]
    assert list(inbox.iterdir()) == []


def test_from_a_run_the_watched_folder_must_be_one_it_could_change(work: Path, script: Path, tmp_path: Path,
                                                                  capsys: Capsys) -> None:
    (work / "Inbox" / "a.pdf").write_text("a")
    code, run = cli(capsys, "run", str(script), "--grant", f"files={work}", "--yes",
                    "--input", "path=Work/Inbox/a.pdf", "--input", "name=a.pdf")
    assert code == 0
    other = tmp_path / "Other"
    other.mkdir()
    code, err = cli(capsys, "automations", "add", "x", "--watch", str(other), "--from-run",
                    str(run["run_id"]))
    assert code == 2 and "not inside a folder this automation may change" in err["error"]["message"]
    assert f"Watch a folder that run could change ({work.resolve()})" in err["error"]["hint"]
    code, err = cli(capsys, "automations", "add", "x", "--watch", str(work / "Inbox"), "--from-run",
                    str(run["run_id"]), "--grant", f"files={other}")
    assert code == 2 and "--grant goes with --script" in err["error"]["message"]
