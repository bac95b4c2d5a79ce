"""The automations runner with its real parts: watchdog, files, the journal and the sandbox.

Each test saves an automation in the journal, starts an ``AutomationRunner``
on an ``Assistant`` (the session's sandbox), drops real files and counts the
runs the journal holds per file: "handled once" means exactly one run whose
trigger names that file.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from capabilities.errors import ErrandError
from capabilities.journal import Journal
from capabilities.journal.owner import owner_token
from desktop.automations.runner import AutomationRunner
from desktop.automations.triggers import own_writes
from desktop.core import saved_automations as automations
from desktop.core.assistant import Assistant
from desktop.core.grants import parse_grants
from desktop.core.paths import database_path

QUIET = 0.2

FILE_IT = """\
src = inputs["path"]
size = files.stat(src)["size"]
files.rename(src, "Work/Done/" + inputs["name"])
return {"size": size, "path": src}
"""

SUMMARISE = """\
src = inputs["path"]
stem = inputs["name"].rsplit(".", 1)[0]
files.write_text(inputs["folder"] + "/" + stem + "-summary.txt", "summary of " + inputs["name"])
return src
"""

FAIL = """\
raise ValueError("this automation is broken on purpose")
"""


def wait_until(predicate: Callable[[], bool], timeout: float = 60.0, message: str = "timed out") -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(message() if callable(message) else message)  # type: ignore[operator]
        time.sleep(0.02)


class Events:
    """The runner's event callback, recorded."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, kind: str, name: str, message: str) -> None:
        with self.lock:
            self.items.append((kind, name, message))

    def kinds(self, kind: str) -> list[tuple[str, str, str]]:
        with self.lock:
            return [e for e in self.items if e[0] == kind]


@pytest.fixture
def assistant(sandbox: Any) -> Iterator[Assistant]:
    journal = Journal(database_path())
    yield Assistant(journal=journal, sandbox=sandbox)
    journal.close()


def triggered_runs(journal: Journal, limit: int = 100_000) -> list[dict[str, Any]]:
    return [r for r in journal.runs(limit) if isinstance(r["trigger"], dict)]


def runs_per_file(journal: Journal) -> Counter[str]:
    return Counter(r["trigger"]["path"] for r in triggered_runs(journal))


def runner(assistant: Assistant, events: Events | None = None, **options: Any) -> AutomationRunner:
    options = {"quiet_seconds": QUIET, "reload_seconds": 0.2, "rescan_seconds": None, **options}
    return AutomationRunner(assistant, on_event=events, **options)


def save(assistant: Assistant, work: Path, script: str, name: str = "file it", **kw: Any) -> dict[str, Any]:
    grants = parse_grants([f"files={work}"])
    return automations.add(assistant.journal, name, work / "Inbox", script, grants,
                           request="file what lands in Inbox", **kw)


def test_a_file_runs_the_saved_script_with_its_grant_relative_path(assistant: Assistant, work: Path) -> None:
    save(assistant, work, FILE_IT)
    events = Events()
    with runner(assistant, events):
        (work / "Inbox" / "invoice.pdf").write_bytes(b"%PDF-1.4 invoice")
        wait_until(lambda: events.kinds("ran"), 30, "no run")
    [run] = triggered_runs(assistant.journal)
    assert run["status"] == "applied"
    assert run["trigger"]["automation"] == "file it" and run["trigger"]["path"] == "Work/Inbox/invoice.pdf"
    assert run["result"] == {"size": 16, "path": "Work/Inbox/invoice.pdf"}
    assert run["planner"] == "automation" and run["request"] == "file what lands in Inbox"
    assert (work / "Done" / "invoice.pdf").read_bytes() == b"%PDF-1.4 invoice"
    assert not (work / "Inbox" / "invoice.pdf").exists()
    [seen] = [s for s in assistant.journal.seen_files(1) if s["status"] != "own"]
    assert seen["run_id"] == run["id"] and seen["status"] == "applied"
    [row] = automations.overview(assistant.journal)
    assert row["last_run_id"] == run["id"] and row["last_status"] == "applied" and row["handled"] == 1
    assert row["status"] == "watching" and row["grants"][0].startswith("Read and change files in")


def write_slowly(path: Path, chunks: int, pause: float) -> None:
    with path.open("wb") as f:
        for i in range(chunks):
            f.write(bytes([65 + i]) * 1000)
            f.flush()
            time.sleep(pause)


def test_500_files_each_handled_once_none_while_being_written(assistant: Assistant, work: Path) -> None:
    save(assistant, work, FILE_IT, pattern="*.pdf")
    inbox = work / "Inbox"
    slow = {f"slow-{i}.pdf": 4 for i in range(8)}
    events = Events()
    quiet = 0.4  # eight times the pause between chunks: a busy machine must not make a writer look done
    with runner(assistant, events, quiet_seconds=quiet):
        writers = [threading.Thread(target=write_slowly, args=(inbox / name, n, quiet / 8))
                   for name, n in slow.items()]
        for t in writers:
            t.start()
        for i in range(500 - len(slow)):
            (inbox / f"doc-{i:03}.pdf").write_bytes(b"%PDF" + bytes(i % 50))
        (inbox / "notes.txt").write_text("not a pdf")  # the pattern leaves it alone
        (inbox / "big.pdf.part").write_bytes(b"partial")  # a download under way: ignored
        for t in writers:
            t.join()
        wait_until(lambda: len(triggered_runs(assistant.journal)) >= 500, 240,
                   lambda: f"{len(triggered_runs(assistant.journal))} of 500 runs")
        time.sleep(QUIET * 3)  # any repeat would show up now
    counts = runs_per_file(assistant.journal)
    assert len(counts) == 500 and set(counts.values()) == {1}
    results = {r["trigger"]["path"]: r["result"]["size"] for r in triggered_runs(assistant.journal)}
    for name, chunks in slow.items():
        assert results[f"Work/Inbox/{name}"] == chunks * 1000, f"{name} was run while still being written"
    assert sorted(p.name for p in inbox.iterdir()) == ["big.pdf.part", "notes.txt"]
    assert len(list((work / "Done").iterdir())) == 500
    assert all(r["status"] == "applied" for r in triggered_runs(assistant.journal))


def test_a_restart_in_the_middle_neither_repeats_nor_misses(sandbox: Any, work: Path) -> None:
    inbox = work / "Inbox"
    with Journal(database_path()) as journal:
        first = Assistant(journal=journal, sandbox=sandbox)
        save(first, work, FILE_IT)
        with runner(first):
            for i in range(120):
                (inbox / f"scan-{i:03}.pdf").write_bytes(b"scan" + bytes(i))
            wait_until(lambda: len(triggered_runs(journal)) >= 15, 60, "the first runner ran nothing")
        stopped_at = len(triggered_runs(journal))
    for i in range(120, 180):  # arrive while Errand is not running
        (inbox / f"scan-{i:03}.pdf").write_bytes(b"scan" + bytes(i))
    own_writes.clear()  # a new process: only the journal remembers
    with Journal(database_path()) as journal:
        second = Assistant(journal=journal, sandbox=sandbox)
        with runner(second):
            wait_until(lambda: len(triggered_runs(journal)) >= 180, 120,
                       lambda: f"{len(triggered_runs(journal))} of 180 runs")
            time.sleep(QUIET * 3)
        counts = runs_per_file(journal)
    assert stopped_at < 120, "the stop came too late to test anything"
    assert len(counts) == 180 and set(counts.values()) == {1}
    assert list(inbox.iterdir()) == [] and len(list((work / "Done").iterdir())) == 180


def test_writing_into_its_own_watched_folder_does_not_loop(sandbox: Any, work: Path) -> None:
    inbox = work / "Inbox"
    with Journal(database_path()) as journal:
        assistant = Assistant(journal=journal, sandbox=sandbox)
        save(assistant, work, SUMMARISE, name="summarise")
        with runner(assistant):
            for i in range(3):
                (inbox / f"scan-{i}.pdf").write_text(f"scan {i}")
            wait_until(lambda: len(triggered_runs(journal)) >= 3, 30, "no runs")
            time.sleep(QUIET * 5)  # long enough for a summary to be taken for a new file
        assert sorted(runs_per_file(journal)) == [f"Work/Inbox/scan-{i}.pdf" for i in range(3)]
    own_writes.clear()  # a new process sees the summaries on disk: they are known as Errand's own
    with Journal(database_path()) as journal:
        with runner(Assistant(journal=journal, sandbox=sandbox)):
            time.sleep(QUIET * 5)
        assert len(triggered_runs(journal)) == 3
    assert sorted(p.name for p in inbox.iterdir()) == sorted(
        [f"scan-{i}.pdf" for i in range(3)] + [f"scan-{i}-summary.txt" for i in range(3)])


def test_undo_of_a_triggered_run_restores_the_files(assistant: Assistant, work: Path) -> None:
    save(assistant, work, FILE_IT)
    events = Events()
    with runner(assistant, events):
        (work / "Inbox" / "receipt.pdf").write_bytes(b"receipt")
        wait_until(lambda: events.kinds("ran"), 30, "no run")
        [run] = triggered_runs(assistant.journal)
        done = assistant.undo(run["id"])
        assert done.undone == 1 and not done.refused
        time.sleep(QUIET * 4)  # the file back in the Inbox is not a new arrival
    assert (work / "Inbox" / "receipt.pdf").read_bytes() == b"receipt"
    assert not (work / "Done" / "receipt.pdf").exists()
    assert assistant.journal.run(run["id"])["status"] == "undone"
    assert len(triggered_runs(assistant.journal)) == 1


def test_a_failing_automation_backs_off_and_pauses_itself(assistant: Assistant, work: Path) -> None:
    saved = save(assistant, work, FAIL, name="broken")
    events = Events()
    with runner(assistant, events, max_failures=4, backoff_base=0.05, backoff_cap=0.1) as r:
        for i in range(6):
            (work / "Inbox" / f"f{i}.pdf").write_text("x")
        wait_until(lambda: events.kinds("paused"), 30, "never paused")
        wait_until(lambda: "broken" not in r.watching(), 10, "the paused automation is still watched")
    row = assistant.journal.automation(saved["id"])
    assert row["enabled"] is False and row["failures"] == 4
    assert "paused after 4 failures" in row["paused_reason"] and "broken on purpose" in row["paused_reason"]
    failed = triggered_runs(assistant.journal)
    assert len(failed) == 4 and all(r["status"] == "failed" for r in failed)
    messages = [e[2] for e in events.kinds("failed")]
    assert len(messages) == 4 and all("broken on purpose" in m for m in messages)
    delays = [m.rsplit("next file in ", 1)[1] for m in messages[:3]]
    assert delays == ["0.05 s at the earliest", "0.1 s at the earliest", "0.1 s at the earliest"]  # capped
    assert automations.overview(assistant.journal)[0]["status"] == "paused after failures"
    # Resumed after a fix, it catches up on the two files it left alone (the failed ones stay failed).
    assistant.journal.update_automation(saved["id"], script=FILE_IT)
    automations.resume(assistant.journal, "broken")
    with runner(assistant, events):
        wait_until(lambda: len(triggered_runs(assistant.journal)) >= 6, 30, "no catch-up after resume")
    assert len(list((work / "Done").iterdir())) == 2
    assert assistant.journal.automation(saved["id"])["failures"] == 0


def test_a_pause_from_elsewhere_takes_effect_and_resume_catches_up(assistant: Assistant, work: Path) -> None:
    save(assistant, work, FILE_IT)
    events = Events()
    with runner(assistant, events) as r:
        wait_until(lambda: r.watching() == ["file it"], 10, "not watching")
        automations.pause(assistant.journal, "file it")  # as `errand automations pause` in another process
        wait_until(lambda: r.watching() == [], 10, "still watching after a pause")
        (work / "Inbox" / "while-paused.pdf").write_text("x")
        time.sleep(QUIET * 3)
        assert triggered_runs(assistant.journal) == []
        automations.resume(assistant.journal, "file it")
        wait_until(lambda: len(triggered_runs(assistant.journal)) == 1, 30, "no catch-up after resume")
    assert (work / "Done" / "while-paused.pdf").exists()


def test_a_claim_left_by_a_crash_is_settled_on_start(assistant: Assistant, work: Path) -> None:
    saved = save(assistant, work, FILE_IT)
    inbox = work / "Inbox"
    claimed = inbox / "claimed-before-a-crash.pdf"
    claimed.write_text("x")
    st = claimed.stat()
    dead = "claimed:" + owner_token(pid=2 ** 22 + 7)
    assistant.journal.mark_seen(saved["id"], claimed, st.st_size, st.st_mtime_ns, status=dead)
    with runner(assistant):
        wait_until(lambda: len(triggered_runs(assistant.journal)) == 1, 30, "the claim was not settled")
        time.sleep(QUIET * 3)
    assert runs_per_file(assistant.journal) == Counter({"Work/Inbox/claimed-before-a-crash.pdf": 1})
    [seen] = [s for s in assistant.journal.seen_files(saved["id"]) if s["path"] == str(claimed)]
    assert seen["status"] == "applied"


def test_the_watched_folder_must_be_inside_a_read_write_grant(assistant: Assistant, work: Path,
                                                              tmp_path: Path) -> None:
    elsewhere = tmp_path / "Elsewhere"
    elsewhere.mkdir()
    with pytest.raises(ErrandError, match="not inside a folder this automation may change"):
        automations.add(assistant.journal, "x", elsewhere, FILE_IT, parse_grants([f"files={work}"]))
    with pytest.raises(ErrandError, match="read-only"):
        automations.add(assistant.journal, "x", work / "Inbox", FILE_IT, parse_grants([f"files={work}:ro"]))
    with pytest.raises(ErrandError, match="Unknown trigger event"):
        save(assistant, work, FILE_IT, events=["arrived"])
    assert assistant.journal.automations() == []


READ_IT = """\
return files.stat(inputs["path"])["size"]
"""


def test_two_automations_on_one_folder_never_fail_on_a_file_the_other_moved(assistant: Assistant,
                                                                             work: Path) -> None:
    save(assistant, work, FILE_IT, name="file it", pattern="*.pdf")
    save(assistant, work, READ_IT, name="measure it")
    events = Events()
    with runner(assistant, events):
        for i in range(20):
            (work / "Inbox" / f"d{i:02}.pdf").write_text("x" * i)
        wait_until(lambda: len(list((work / "Done").iterdir())) == 20, 60, "not all filed")
        time.sleep(QUIET * 3)
    runs = triggered_runs(assistant.journal)
    assert [r for r in runs if r["status"] != "applied"] == [] and events.kinds("failed") == []
    assert Counter(r["trigger"]["automation"] for r in runs)["file it"] == 20


def test_a_watched_folder_that_vanishes_is_reported_once_and_watched_again(assistant: Assistant,
                                                                           work: Path) -> None:
    save(assistant, work, FILE_IT)
    events = Events()
    inbox = work / "Inbox"
    with runner(assistant, events) as r:
        wait_until(lambda: r.watching() == ["file it"], 10, "not watching")
        inbox.rmdir()
        wait_until(lambda: events.kinds("error"), 10, "the vanished folder was not reported")
        time.sleep(1.0)  # several reloads: still said once
        inbox.mkdir()
        (inbox / "back.pdf").write_text("back")
        wait_until(lambda: len(triggered_runs(assistant.journal)) == 1, 30, "not watched again")
    [error] = events.kinds("error")
    assert "is gone" in error[2] and str(inbox) in error[2]
    assert len(events.kinds("watching")) == 2
    assert (work / "Done" / "back.pdf").exists()


COPY_IT = """\
src = inputs["path"]
n = len(files.list("Work/Done"))
files.copy(src, "Work/Done/" + str(n) + "-" + inputs["name"])
"""


def test_each_version_of_a_modified_file_runs_once_and_patterns_can_be_several(assistant: Assistant,
                                                                                work: Path) -> None:
    save(assistant, work, COPY_IT, name="copy versions", pattern="*.txt;*.csv",
         events=["created", "modified"])
    inbox = work / "Inbox"
    events = Events()
    with runner(assistant, events):
        (inbox / "notes.txt").write_text("first")
        (inbox / "table.csv").write_text("a,b")
        (inbox / "photo.jpg").write_bytes(b"not matched")
        wait_until(lambda: len(events.kinds("ran")) == 2, 30, "not both")
        time.sleep(0.05)  # a new modified time, whatever the file system's resolution
        (inbox / "notes.txt").write_text("second, longer")
        wait_until(lambda: len(events.kinds("ran")) == 3, 30, "the new version did not run")
        time.sleep(QUIET * 3)
    assert sorted(runs_per_file(assistant.journal).items()) == [("Work/Inbox/notes.txt", 2),
                                                                ("Work/Inbox/table.csv", 1)]
    copies = sorted((work / "Done").iterdir())
    assert sorted(p.read_text() for p in copies) == ["a,b", "first", "second, longer"]


def test_files_already_there_are_left_alone_unless_asked(assistant: Assistant, work: Path) -> None:
    inbox = work / "Inbox"
    (inbox / "old.pdf").write_text("was there before")
    (inbox / "older.pdf").write_text("also")
    save(assistant, work, FILE_IT, name="new only")
    events = Events()
    with runner(assistant, events):
        (inbox / "new.pdf").write_text("arrived")
        wait_until(lambda: events.kinds("ran"), 30, "no run")
        time.sleep(QUIET * 3)
    assert sorted(runs_per_file(assistant.journal)) == ["Work/Inbox/new.pdf"]
    assert sorted(p.name for p in inbox.iterdir()) == ["old.pdf", "older.pdf"]
    row = automations.overview(assistant.journal)[0]
    assert row["left_alone"] == 2 and row["handled"] == 1
    automations.remove(assistant.journal, "new only")
    save(assistant, work, FILE_IT, name="all", include_existing=True)
    with runner(assistant):
        wait_until(lambda: len(triggered_runs(assistant.journal)) == 3, 30, "the old files were not handled")
    assert list(inbox.iterdir()) == []


def test_a_polled_folder_works_the_same(assistant: Assistant, work: Path) -> None:
    save(assistant, work, FILE_IT)
    events = Events()
    with runner(assistant, events, force_polling=True) as r:
        assert r.status()["file it"]["polling"] is True
        for i in range(3):
            (work / "Inbox" / f"share-{i}.pdf").write_text(f"on a network share {i}")
        wait_until(lambda: len(events.kinds("ran")) == 3, 30, "no runs while polling")
        time.sleep(1.5)  # a poll or two more: nothing repeats
    assert sorted(runs_per_file(assistant.journal).values()) == [1, 1, 1]


def test_what_one_automation_writes_into_a_paused_ones_folder_stays_quiet_after_resume(
        assistant: Assistant, work: Path) -> None:
    (work / "Outbox").mkdir()
    grants = parse_grants([f"files={work}"])
    automations.add(assistant.journal, "watch outbox", work / "Outbox", FILE_IT, grants)
    automations.pause(assistant.journal, "watch outbox")
    to_outbox = FILE_IT.replace("Work/Done/", "Work/Outbox/")
    save(assistant, work, to_outbox, name="inbox to outbox")
    events = Events()
    with runner(assistant, events):
        (work / "Inbox" / "letter.pdf").write_text("letter")
        wait_until(lambda: events.kinds("ran"), 30, "no run")
        own_writes.clear()  # as after a restart: only the journal knows who wrote Outbox/letter.pdf
        automations.resume(assistant.journal, "watch outbox")
        wait_until(lambda: len(events.kinds("watching")) == 2, 10, "the resumed one is not watched")
        time.sleep(QUIET * 4)
    assert runs_per_file(assistant.journal) == Counter({"Work/Inbox/letter.pdf": 1})
    assert (work / "Outbox" / "letter.pdf").exists()


def test_errands_own_manual_run_in_another_process_is_not_an_arrival(assistant: Assistant, work: Path,
                                                                     tmp_path: Path) -> None:
    import subprocess
    import sys

    save(assistant, work, FILE_IT)
    script = tmp_path / "report.py"
    script.write_text('files.write_text("Work/Inbox/report.pdf", "made by Errand")\n')
    events = Events()
    with runner(assistant, events, quiet_seconds=1.0):
        command = [sys.executable, "-m", "desktop.cli", "run", str(script), "--grant", f"files={work}",
                   "--yes", "--json"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        time.sleep(3.0)  # well past the quiet period: a watcher would have handed it over by now
        (work / "Inbox" / "scan.pdf").write_bytes(b"dropped by a person")
        wait_until(lambda: events.kinds("ran"), 30, "the person's file was not handled")
    assert (work / "Inbox" / "report.pdf").read_text() == "made by Errand"
    assert list(runs_per_file(assistant.journal)) == ["Work/Inbox/scan.pdf"]


WRITE_A_SCRIPT = """\
stem = inputs["name"].rsplit(".", 1)[0]
files.write_text("Work/Done/" + stem + ".sh", "#!/bin/sh\\necho hello from " + inputs["name"] + "\\n")
files.rename(inputs["path"], "Work/Done/" + inputs["name"])
return stem
"""


def test_an_automation_that_plans_a_write_that_could_run_a_program_is_held_for_approval(
        assistant: Assistant, work: Path) -> None:
    """Standing approval covers the plan, never a flagged write: the run changes nothing, the
    automation pauses at once (not after repeated failures) and says why, in the journal and in
    its notification, and the next file waits until the person has looked."""
    saved = save(assistant, work, WRITE_A_SCRIPT, name="scripter")
    events = Events()
    with runner(assistant, events, max_failures=5) as r:
        wait_until(lambda: r.watching() == ["scripter"], 10, "not watching")
        (work / "Inbox" / "note.txt").write_text("x")
        wait_until(lambda: events.kinds("paused"), 30, "never held")
        (work / "Inbox" / "later.txt").write_text("y")  # arrives while held: not run
        wait_until(lambda: "scripter" not in r.watching(), 10, "the held automation is still watched")
        time.sleep(QUIET * 3)
    assert sorted(p.name for p in (work / "Inbox").iterdir()) == ["later.txt", "note.txt"]
    assert list((work / "Done").iterdir()) == []  # nothing at all was changed
    (run,) = triggered_runs(assistant.journal)
    assert run["status"] == "refused" and run["error"]["type"] == "NeedsApproval"
    assert "could make a program run" in run["error"]["message"] and "note.sh" in run["error"]["message"]
    row = assistant.journal.automation(saved["id"])
    assert row["enabled"] is False and row["failures"] == 0
    assert row["paused_reason"].startswith(f"held: run {run['id']} needs your approval")
    assert "note.sh" in row["paused_reason"]
    (paused,) = events.kinds("paused")
    assert "needs your approval" in paused[2] and "note.sh" in paused[2] and events.kinds("failed") == []
    assert automations.overview(assistant.journal)[0]["status"] == "held for approval"
