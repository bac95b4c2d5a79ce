"""Folder-watch triggers with a real watchdog observer and real files.

Negative checks ("never reported") use a sentinel written last: its quiet period
ends after every earlier file's, and deliveries happen in settle order, so once
the sentinel is reported anything earlier that were to be reported would be too.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from desktop.automations.filewatch import QuietTimer, hub
from desktop.automations.triggers import (
    FolderWatcher,
    is_ignored_name,
    note_own_write,
    own_changes,
    own_write,
)

QUIET = 0.3


class Recorder:
    """An on_ready that remembers each call, with the file's size on disk at that moment."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[tuple[str, int, int]] = []  # name, size reported, size on disk when called

    def __call__(self, path: Path, size: int, mtime_ns: int) -> None:
        on_disk = path.stat().st_size
        with self.lock:
            self.calls.append((path.name, size, on_disk))

    def names(self) -> list[str]:
        with self.lock:
            return [c[0] for c in self.calls]

    def wait_for(self, name: str, timeout: float = 15.0) -> None:
        wait_until(lambda: name in self.names(), timeout, f"{name} was never reported")


def wait_until(predicate: Callable[[], bool], timeout: float = 15.0, message: str = "timed out") -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(message)
        time.sleep(0.02)


def write_chunks(path: Path, chunks: int, pause: float, size: int = 4096) -> None:
    with open(path, "wb") as f:
        for _ in range(chunks):
            f.write(os.urandom(size))
            f.flush()
            time.sleep(pause)


@contextmanager
def watching(folder: Path, recorder: Recorder, **kwargs: object) -> Iterator[FolderWatcher]:
    kwargs.setdefault("quiet_seconds", QUIET)
    with FolderWatcher(folder, on_ready=recorder, **kwargs) as watcher:  # type: ignore[arg-type]
        yield watcher


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    path = tmp_path / "inbox"
    path.mkdir()
    return path


def test_500_files_some_written_slowly_each_reported_once_and_complete(inbox: Path) -> None:
    rec = Recorder()
    slow = [inbox / f"slow-{i:02}.bin" for i in range(40)]
    with watching(inbox, rec, quiet_seconds=0.6) as watcher:
        writers = [threading.Thread(target=lambda ps=slow[k::4]: [write_chunks(p, 6, 0.05) for p in ps])
                   for k in range(4)]
        for t in writers:
            t.start()
        for i in range(460):
            (inbox / f"fast-{i:03}.txt").write_bytes(os.urandom(100 + i))
        for t in writers:
            t.join()
        wait_until(lambda: len(rec.names()) >= 500, 60, f"only {len(rec.names())} of 500 reported")
        (inbox / "zz-sentinel.txt").write_text("last")
        rec.wait_for("zz-sentinel.txt")
        assert watcher.stats.errors == 0
    counts = Counter(rec.names())
    assert len(counts) == 501 and set(counts.values()) == {1}, counts.most_common(3)
    finals = {p.name: p.stat().st_size for p in inbox.iterdir()}
    for name, reported, on_disk in rec.calls:
        assert reported == on_disk == finals[name], name
    assert all(finals[p.name] == 6 * 4096 for p in slow)


def test_partial_download_renamed_is_reported_once_under_its_final_name(inbox: Path) -> None:
    rec = Recorder()
    with watching(inbox, rec):
        write_chunks(inbox / "x.pdf.part", 5, 0.05)
        (inbox / "x.pdf.part").rename(inbox / "x.pdf")
        write_chunks(inbox / "y.zip.crdownload", 3, 0.05)
        (inbox / "y.zip.crdownload").rename(inbox / "y.zip")
        (inbox / "zz-sentinel.txt").write_text("last")
        rec.wait_for("zz-sentinel.txt")
    assert sorted(rec.names()) == ["x.pdf", "y.zip", "zz-sentinel.txt"]
    assert ("x.pdf", 5 * 4096, 5 * 4096) in rec.calls


def test_move_in_from_another_folder_is_reported_once(inbox: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_chunks(elsewhere / "scan.pdf", 3, 0)
    rec = Recorder()
    with watching(inbox, rec, events=("created",)):
        (elsewhere / "scan.pdf").rename(inbox / "scan.pdf")
        rec.wait_for("scan.pdf")
        # Renaming it inside the folder is a "moved" event, which this watcher did not ask for.
        (inbox / "scan.pdf").rename(inbox / "scan-2024.pdf")
        (inbox / "zz-sentinel.txt").write_text("last")
        rec.wait_for("zz-sentinel.txt")
    assert rec.names() == ["scan.pdf", "zz-sentinel.txt"]


def test_rename_within_folder_is_reported_when_moves_are_watched(inbox: Path) -> None:
    (inbox / "a.txt").write_text("a")
    rec = Recorder()
    with watching(inbox, rec, events=("moved",)):
        (inbox / "a.txt").rename(inbox / "b.txt")
        (inbox / "c.txt").write_text("created, not asked for")
        (inbox / "b.txt").rename(inbox / "d.txt")
        wait_until(lambda: "d.txt" in rec.names())
        time.sleep(QUIET * 3)  # give a wrong report of b.txt or c.txt time to show
    assert rec.names() == ["d.txt"]


@pytest.mark.parametrize("name", [
    "report.pdf.part", "movie.mkv.crdownload", "data.tmp", "~$letter.docx", ".hidden",
    ".errand-1234-x.pdf", "Thumbs.db", "notes.txt~", "photo.jpg.download", ".DS_Store",
])
def test_ignored_names(name: str) -> None:
    assert is_ignored_name(name)


@pytest.mark.parametrize("name", ["report.pdf", "IMG_0001.JPG", "a.b.c", "tmp.pdf", "partial"])
def test_ordinary_names_are_not_ignored(name: str) -> None:
    assert not is_ignored_name(name)


def test_ignored_names_are_never_reported(inbox: Path) -> None:
    rec = Recorder()
    with watching(inbox, rec):
        for name in ("a.pdf.part", "b.crdownload", "c.tmp", "~$d.docx", ".e", ".errand-f.pdf", "Thumbs.db"):
            write_chunks(inbox / name, 2, 0.01)
        (inbox / "zz-sentinel.txt").write_text("last")
        rec.wait_for("zz-sentinel.txt")
    assert rec.names() == ["zz-sentinel.txt"]


def test_pattern_is_case_insensitive_and_filters(inbox: Path) -> None:
    rec = Recorder()
    with watching(inbox, rec, pattern=["*.pdf", "*.jpg"]):
        for name in ("a.PDF", "b.txt", "c.jpg", "d.pdf.txt"):
            (inbox / name).write_text(name)
        (inbox / "zz-sentinel.pdf").write_text("last")
        rec.wait_for("zz-sentinel.pdf")
    assert sorted(rec.names()) == ["a.PDF", "c.jpg", "zz-sentinel.pdf"]


def test_recursive_watch_sees_subfolders_but_not_hidden_ones(inbox: Path) -> None:
    (inbox / "sub").mkdir()
    (inbox / ".git").mkdir()
    flat, deep = Recorder(), Recorder()
    with watching(inbox, flat), watching(inbox, deep, recursive=True):
        (inbox / ".git" / "objects.pdf").write_text("hidden folder")
        (inbox / "sub" / "inner.pdf").write_text("in a subfolder")
        (inbox / "zz-sentinel.pdf").write_text("last")
        flat.wait_for("zz-sentinel.pdf")
        deep.wait_for("zz-sentinel.pdf")
    assert flat.names() == ["zz-sentinel.pdf"]
    assert sorted(deep.names()) == ["inner.pdf", "zz-sentinel.pdf"]


def test_modified_files_are_reported_only_when_asked(inbox: Path) -> None:
    (inbox / "old.txt").write_text("v1")
    created_only, with_modified = Recorder(), Recorder()
    with watching(inbox, created_only, events=("created",)), watching(inbox, with_modified):
        write_chunks(inbox / "old.txt", 4, 0.05)
        (inbox / "zz-sentinel.txt").write_text("last")
        created_only.wait_for("zz-sentinel.txt")
        with_modified.wait_for("zz-sentinel.txt")
    assert created_only.names() == ["zz-sentinel.txt"]
    assert with_modified.calls[0] == ("old.txt", 4 * 4096, 4 * 4096)
    assert with_modified.names() == ["old.txt", "zz-sentinel.txt"]


def test_an_automation_writing_into_its_own_folder_does_not_feed_itself(inbox: Path) -> None:
    handled: list[str] = []
    own_seen: list[str] = []

    def automation(path: Path, size: int, mtime_ns: int) -> None:
        handled.append(path.name)
        if path.name.startswith("zz"):
            return
        # What an apply engine does: announce each change, make it, note the result.
        summary = path.with_name(f"summary-{path.stem}.txt")
        renamed = path.with_name(f"done-{path.name}")
        with own_write(summary, renamed):
            summary.write_text(f"{path.name}: {size} bytes")
            path.rename(renamed)

    watcher = FolderWatcher(inbox, on_ready=automation, quiet_seconds=QUIET,
                            on_own_write=lambda p, s, m: own_seen.append(p.name))
    with watcher:
        for i in range(5):
            (inbox / f"in-{i}.pdf").write_text("x" * i)
        wait_until(lambda: len(handled) >= 5)
        (inbox / "zz-sentinel.txt").write_text("last")
        wait_until(lambda: "zz-sentinel.txt" in handled)
        time.sleep(QUIET * 2)
    assert sorted(handled) == [f"in-{i}.pdf" for i in range(5)] + ["zz-sentinel.txt"]
    assert watcher.stats.own_writes == 10 and len(own_seen) == 10
    assert watcher.stats.errors == 0


def test_the_same_writes_unannounced_are_reported(inbox: Path) -> None:
    """The counterpart of the test above: without the own-write registry the loop shows."""
    handled: list[str] = []

    def automation(path: Path, size: int, mtime_ns: int) -> None:
        handled.append(path.name)
        if not path.name.startswith("summary-"):
            path.with_name(f"summary-{path.stem}.txt").write_text("unannounced")

    with FolderWatcher(inbox, on_ready=automation, quiet_seconds=QUIET):
        (inbox / "in.pdf").write_text("x")
        wait_until(lambda: "summary-in.txt" in handled)


def test_a_person_editing_errands_output_later_is_reported(inbox: Path) -> None:
    rec = Recorder()
    out = inbox / "out.txt"
    with watching(inbox, rec, events=("created", "modified")):
        with own_write(out):
            out.write_text("written by Errand")
        note_own_write(out)
        time.sleep(QUIET * 2)
        out.write_text("then edited by the person, so longer")
        rec.wait_for("out.txt")
    assert rec.calls == [("out.txt", out.stat().st_size, out.stat().st_size)]


def test_catch_up_after_a_restart_reports_only_unseen_files(inbox: Path) -> None:
    seen: set[tuple[str, int, int]] = set()
    handled: list[str] = []

    def run(path: Path, size: int, mtime_ns: int) -> None:
        handled.append(path.name)
        seen.add((str(path), size, mtime_ns))  # what the runner's Journal.mark_seen does

    def is_seen(path: Path, size: int, mtime_ns: int) -> bool:
        return (str(path), size, mtime_ns) in seen

    with FolderWatcher(inbox, on_ready=run, is_seen=is_seen, quiet_seconds=QUIET) as first:
        assert first.catch_up() == []
        for i in range(10):
            (inbox / f"before-{i}.txt").write_text(str(i))
        wait_until(lambda: len(handled) == 10)
    for i in range(5):
        (inbox / f"while-stopped-{i}.txt").write_text(str(i))
    (inbox / "before-0.txt").write_text("changed while stopped")  # a new version of a seen file
    with FolderWatcher(inbox, on_ready=run, is_seen=is_seen, quiet_seconds=QUIET) as second:
        queued = sorted(p.name for p in second.catch_up())
        wait_until(lambda: len(handled) == 16)
        time.sleep(QUIET * 2)
    expected = ["before-0.txt"] + [f"while-stopped-{i}.txt" for i in range(5)]
    assert queued == expected
    assert sorted(handled[10:]) == expected
    assert Counter(handled)["before-0.txt"] == 2 and len(handled) == 16


def test_a_restart_in_the_middle_neither_repeats_nor_misses(inbox: Path) -> None:
    seen: set[str] = set()
    handled: list[str] = []

    def run(path: Path, size: int, mtime_ns: int) -> None:
        time.sleep(0.01)  # a run takes a while, so some files are still queued at the stop
        handled.append(path.name)
        seen.add(path.name)

    def is_seen(path: Path, size: int, mtime_ns: int) -> bool:
        return path.name in seen

    first = FolderWatcher(inbox, on_ready=run, is_seen=is_seen, quiet_seconds=0.1).start()
    for i in range(100):
        (inbox / f"f-{i:03}.txt").write_text(str(i))
    wait_until(lambda: len(handled) >= 10)
    first.stop()
    stopped_at = len(handled)
    for i in range(100, 120):
        (inbox / f"f-{i:03}.txt").write_text(str(i))
    with FolderWatcher(inbox, on_ready=run, is_seen=is_seen, quiet_seconds=0.1) as second:
        second.catch_up()
        wait_until(lambda: len(handled) >= 120, 30, f"{len(handled)} of 120 handled")
    assert stopped_at < 100, "the stop came too late to test anything"
    assert sorted(handled) == [f"f-{i:03}.txt" for i in range(120)]


def test_catch_up_waits_for_a_file_still_being_written(inbox: Path) -> None:
    rec = Recorder()
    big = inbox / "big.iso"
    writer = threading.Thread(target=write_chunks, args=(big, 10, 0.05))
    writer.start()
    time.sleep(0.1)
    with FolderWatcher(inbox, on_ready=rec, quiet_seconds=QUIET, events=()) as watcher:
        assert watcher.catch_up() == [big]
        writer.join()
        rec.wait_for("big.iso")
        time.sleep(QUIET * 2)
    assert rec.calls == [("big.iso", 10 * 4096, 10 * 4096)]


def test_failing_callbacks_are_counted_and_do_not_stop_the_watcher(inbox: Path) -> None:
    rec = Recorder()

    def flaky(path: Path, size: int, mtime_ns: int) -> None:
        if path.name == "bad.txt":
            raise RuntimeError("the automation broke")
        rec(path, size, mtime_ns)

    def broken_is_seen(path: Path, size: int, mtime_ns: int) -> bool:
        if path.name == "unsure.txt":
            raise OSError("database is locked")
        return False

    with FolderWatcher(inbox, on_ready=flaky, is_seen=broken_is_seen, quiet_seconds=QUIET) as watcher:
        (inbox / "bad.txt").write_text("x")
        (inbox / "unsure.txt").write_text("x")
        (inbox / "zz-sentinel.txt").write_text("x")
        rec.wait_for("zz-sentinel.txt")
    assert rec.names() == ["unsure.txt", "zz-sentinel.txt"]
    assert watcher.stats.errors == 2 and watcher.stats.reported == 2


def test_several_watchers_share_one_observer_and_stop_independently(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    before = set(threading.enumerate())
    rec_a1, rec_a2, rec_b = Recorder(), Recorder(), Recorder()
    w_a1 = FolderWatcher(a, on_ready=rec_a1, quiet_seconds=QUIET).start()
    w_a2 = FolderWatcher(a, on_ready=rec_a2, quiet_seconds=QUIET).start()
    w_b = FolderWatcher(b, on_ready=rec_b, quiet_seconds=QUIET).start()
    try:
        started = Counter(t.name for t in set(threading.enumerate()) - before)
        # One observer and one timer for all three, one delivery thread each (and watchdog's emitters).
        assert started["errand-watch"] == 1 and started["errand-quiet-timer"] == 1
        assert started["errand-deliver-a"] == 2 and started["errand-deliver-b"] == 1
        (a / "one.txt").write_text("1")
        (b / "two.txt").write_text("2")
        rec_a1.wait_for("one.txt")
        rec_a2.wait_for("one.txt")
        rec_b.wait_for("two.txt")
        w_a1.stop()
        (a / "three.txt").write_text("3")
        rec_a2.wait_for("three.txt")
    finally:
        for w in (w_a1, w_a2, w_b):
            w.stop()
    assert rec_a1.names() == ["one.txt"] and rec_b.names() == ["two.txt"]
    assert rec_a2.names() == ["one.txt", "three.txt"]
    wait_until(lambda: not (set(threading.enumerate()) - before), 5, "hub threads outlived the watchers")


def test_polling_fallback_reports_files_too(inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub, "poll_interval", 0.1)
    rec = Recorder()
    with watching(inbox, rec, force_polling=True) as watcher:
        assert watcher.polling
        write_chunks(inbox / "x.pdf.part", 3, 0.02)
        (inbox / "x.pdf.part").rename(inbox / "x.pdf")
        (inbox / "zz-sentinel.txt").write_text("last")
        # One poll can see both arrivals, in either order; the sentinel is not a barrier here.
        rec.wait_for("x.pdf")
        rec.wait_for("zz-sentinel.txt")
        time.sleep(QUIET * 2)
    assert sorted(rec.names()) == ["x.pdf", "zz-sentinel.txt"]
    assert ("x.pdf", 3 * 4096, 3 * 4096) in rec.calls


def test_watching_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a folder"):
        FolderWatcher(tmp_path / "nope", on_ready=Recorder()).start()
    with pytest.raises(ValueError, match="unknown event kinds"):
        FolderWatcher(tmp_path, on_ready=Recorder(), events=("deleted",))


def test_quiet_timer_fires_once_per_key_after_the_last_touch() -> None:
    timer = QuietTimer()
    fired: list[tuple[str, float]] = []
    done = threading.Event()

    def callback(key: object) -> None:
        fired.append((str(key), time.monotonic()))
        if len(fired) == 2:
            done.set()

    timer.start()
    try:
        for _ in range(30):
            timer.touch("busy", 0.5, callback)
            time.sleep(0.01)
        last_touch = time.monotonic()
        timer.touch("cancelled", 0.05, callback)
        timer.cancel("cancelled")
        timer.touch("idle", 0.05, callback)
        assert done.wait(5)
    finally:
        timer.stop()
    assert [k for k, _ in fired] == ["idle", "busy"]
    assert fired[1][1] >= last_touch  # each touch pushed the deadline on; the first would have passed
    assert timer.pending() == 0


def test_a_rescan_finds_files_no_event_announced(inbox: Path) -> None:
    rec = Recorder()
    # A watcher that acts on no event kind at all still finds new files through its periodic rescan.
    with watching(inbox, rec, events=(), rescan_seconds=0.2) as watcher:
        (inbox / "quiet.txt").write_text("no event will report me")
        rec.wait_for("quiet.txt")
        time.sleep(0.6)  # more rescans: the file is not handed over again
    assert rec.names() == ["quiet.txt"]
    assert watcher.stats.caught_up == 1


def test_every_callback_runs_on_the_delivery_thread(inbox: Path) -> None:
    (inbox / "old.txt").write_text("there before the start")
    threads: set[str] = set()

    def note(*_: object) -> bool:
        threads.add(threading.current_thread().name)
        return False

    with FolderWatcher(inbox, on_ready=note, is_seen=note, is_own=note, quiet_seconds=QUIET,
                       name="inbox") as watcher:
        assert [p.name for p in watcher.catch_up()] == ["old.txt"]
        (inbox / "new.txt").write_text("arrives")
        wait_until(lambda: watcher.stats.reported == 2)
    assert threads == {"errand-deliver-inbox"}


def test_an_injected_own_check_suppresses_like_the_registry(inbox: Path) -> None:
    """Stands in for the journal's record of what an action left behind (another process's apply)."""
    rec = Recorder()
    own: list[str] = []
    with watching(inbox, rec, is_own=lambda p, s, m: p.name.startswith("made-by-errand"),
                  on_own_write=lambda p, s, m: own.append(p.name)):
        (inbox / "made-by-errand.pdf").write_text("x")
        (inbox / "zz-sentinel.txt").write_text("last")
        rec.wait_for("zz-sentinel.txt")
    assert rec.names() == ["zz-sentinel.txt"] and own == ["made-by-errand.pdf"]


def test_own_changes_covers_every_absolute_path_of_the_plan(inbox: Path) -> None:
    from capabilities.plan import ActionPlan

    plan = ActionPlan()
    src, dst, note = inbox / "a.pdf", inbox / "Invoices-a.pdf", inbox / "note.txt"
    src.write_text("invoice")
    plan.add("files", "move", {"src": "a.pdf"}, {"src": str(src), "dst": str(dst)}, "Move a.pdf")
    plan.add("files", "write", {"path": "note.txt"}, {"path": str(note), "size": 5}, "Write note.txt")
    rec = Recorder()
    with watching(inbox, rec) as watcher:
        with own_changes(plan):
            src.rename(dst)
            note.write_text("hello")
        (inbox / "zz-sentinel.txt").write_text("last")
        rec.wait_for("zz-sentinel.txt")
    assert rec.names() == ["zz-sentinel.txt"]
    assert watcher.stats.own_writes == 2


def test_an_automation_may_stop_its_own_watcher(inbox: Path) -> None:
    handled: list[str] = []
    watcher: FolderWatcher

    def pause_after_first(path: Path, size: int, mtime_ns: int) -> None:
        handled.append(path.name)
        watcher.stop()  # what pausing after repeated failures does, from the delivery thread

    watcher = FolderWatcher(inbox, on_ready=pause_after_first, quiet_seconds=QUIET)
    with watcher:
        for i in range(5):
            (inbox / f"{i}.txt").write_text(str(i))
        wait_until(lambda: not watcher.running)
        time.sleep(QUIET * 2)
    assert len(handled) == 1
    # Only the watching threads: a full suite also has the sandbox's epoch ticker alive.
    watching = ("errand-deliver-", "errand-quiet-timer")
    wait_until(lambda: not any(t.name.startswith(watching) for t in threading.enumerate()), 5)


def test_the_watched_folder_vanishing_does_not_break_anything(inbox: Path) -> None:
    rec = Recorder()
    with watching(inbox, rec) as watcher:
        (inbox / "a.txt").write_text("x")
        for child in inbox.iterdir():
            child.unlink()
        inbox.rmdir()
        wait_until(lambda: watcher.stats.folder_missing)
        time.sleep(QUIET * 2)
    assert rec.names() == [] and watcher.stats.errors == 0


def test_a_folder_that_comes_back_is_watched_again(inbox: Path) -> None:
    rec = Recorder()
    with watching(inbox, rec, rescan_seconds=0.1) as watcher:
        inbox.rmdir()
        wait_until(lambda: watcher.stats.folder_missing)
        inbox.mkdir()  # the drive is plugged in again
        (inbox / "while-away.txt").write_text("found by the rescan that revives the watch")
        wait_until(lambda: watcher.stats.revived == 1)
        rec.wait_for("while-away.txt")
        watcher.rescan_seconds = None  # from now on only events can report a file
        time.sleep(0.3)  # let a rescan already under way finish
        caught_up = watcher.stats.caught_up
        (inbox / "after.txt").write_text("reported by an event")
        rec.wait_for("after.txt")
    assert watcher.stats.caught_up == caught_up <= 1  # after.txt came by its event, not a rescan
    assert not watcher.stats.folder_missing and watcher.stats.errors == 0


def test_watchers_starting_and_stopping_at_once_leave_a_working_hub(tmp_path: Path) -> None:
    folders = [tmp_path / f"f{i}" for i in range(4)]
    for f in folders:
        f.mkdir()
    failures: list[BaseException] = []

    def churn(folder: Path) -> None:
        try:
            for _ in range(5):
                FolderWatcher(folder, on_ready=Recorder(), quiet_seconds=QUIET).start().stop()
        except BaseException as exc:
            failures.append(exc)

    with FolderWatcher(folders[0], on_ready=(rec := Recorder()), quiet_seconds=QUIET):
        churners = [threading.Thread(target=churn, args=(f,)) for f in folders]
        for t in churners:
            t.start()
        for t in churners:
            t.join()
        (folders[0] / "still-watched.txt").write_text("x")
        rec.wait_for("still-watched.txt")
    assert not failures
    late = Recorder()
    with watching(folders[1], late):  # the hub starts afresh after its last user left
        (folders[1] / "after.txt").write_text("x")
        late.wait_for("after.txt")


def test_files_deleted_or_moved_out_before_they_settle_are_not_reported(inbox: Path, tmp_path: Path) -> None:
    rec = Recorder()
    with watching(inbox, rec):
        (inbox / "gone.txt").write_text("deleted at once")
        (inbox / "gone.txt").unlink()
        (inbox / "away.txt").write_text("moved out at once")
        (inbox / "away.txt").rename(tmp_path / "away.txt")
        (inbox / "zz-sentinel.txt").write_text("last")
        rec.wait_for("zz-sentinel.txt")
    assert rec.names() == ["zz-sentinel.txt"]


def test_the_same_watcher_can_pause_and_resume(inbox: Path) -> None:
    rec = Recorder()
    watcher = FolderWatcher(inbox, on_ready=rec, quiet_seconds=QUIET)
    with watcher:
        (inbox / "one.txt").write_text("1")
        rec.wait_for("one.txt")
    (inbox / "while-paused.txt").write_text("2")
    with watcher:  # resuming: the files that came meanwhile are caught up, the old one is not repeated
        assert [p.name for p in watcher.catch_up()] == ["while-paused.txt"]
        (inbox / "after.txt").write_text("3")
        rec.wait_for("after.txt")
        rec.wait_for("while-paused.txt")
    assert sorted(rec.names()) == ["after.txt", "one.txt", "while-paused.txt"]


def test_polling_can_be_forced_for_every_watcher(inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ERRAND_WATCH_POLLING=1 is the switch for network shares, whose remote changes inotify never sees."""
    monkeypatch.setenv("ERRAND_WATCH_POLLING", "1")
    monkeypatch.setattr(hub, "poll_interval", 0.1)
    rec = Recorder()
    with watching(inbox, rec) as watcher:
        assert watcher.polling
        (inbox / "remote.txt").write_text("x")
        rec.wait_for("remote.txt")
    monkeypatch.delenv("ERRAND_WATCH_POLLING")
    with watching(inbox, Recorder()) as watcher:
        assert not watcher.polling
