"""Folder-watch triggers against the real journal's ``seen_files``: restarts neither repeat nor miss.

The watcher only knows the injected callables; these tests plug in the journal
the way the automation runner will: ``is_seen`` asks it, ``on_ready`` claims the
file version with ``mark_seen`` (which says False for a version already claimed,
so any repeat would show), ``on_own_write`` records Errand's own outputs as seen.
Each "process" opens its own ``Journal`` on the same database file.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from capabilities.journal import Journal
from desktop.automations.triggers import FolderWatcher, own_write, own_writes
from desktop.core.paths import database_path

QUIET = 0.2


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0, message: str = "timed out") -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(message)
        time.sleep(0.02)


class Runner:
    """The runner's side of one automation, as far as watching goes."""

    def __init__(self, journal: Journal, automation_id: int,
                 work: Callable[[Path], None] | None = None) -> None:
        self.journal, self.aid, self.work = journal, automation_id, work
        self.handled: list[str] = []
        self.repeats: list[str] = []
        self.lock = threading.Lock()

    def is_seen(self, path: Path, size: int, mtime_ns: int) -> bool:
        return self.journal.is_seen(self.aid, path, size, mtime_ns)

    def on_ready(self, path: Path, size: int, mtime_ns: int) -> None:
        if not self.journal.mark_seen(self.aid, path, size, mtime_ns):
            self.repeats.append(path.name)
            return
        if self.work is not None:
            self.work(path)
        with self.lock:
            self.handled.append(path.name)

    def on_own_write(self, path: Path, size: int, mtime_ns: int) -> None:
        self.journal.mark_seen(self.aid, path, size, mtime_ns, status="own")

    def watcher(self, folder: Path) -> FolderWatcher:
        return FolderWatcher(folder, on_ready=self.on_ready, is_seen=self.is_seen,
                             on_own_write=self.on_own_write, quiet_seconds=QUIET, events=("created",))


def test_a_restart_in_the_middle_with_the_journal(tmp_path: Path) -> None:
    inbox = tmp_path / "Downloads"
    inbox.mkdir()
    with Journal(database_path()) as journal:
        aid = journal.add_automation("file invoices", inbox, "pass", [], pattern="*.pdf")
        first = Runner(journal, aid, work=lambda p: time.sleep(0.005))
        watcher = first.watcher(inbox).start()
        for i in range(150):
            (inbox / f"invoice-{i:03}.pdf").write_bytes(b"%PDF" + bytes(i))
        wait_until(lambda: len(first.handled) >= 20)
        watcher.stop()
    for i in range(150, 200):  # arrive while Errand is not running
        (inbox / f"invoice-{i:03}.pdf").write_bytes(b"%PDF" + bytes(i))
    with Journal(database_path()) as journal:
        second = Runner(journal, aid)
        with second.watcher(inbox) as watcher:
            watcher.catch_up()
            wait_until(lambda: len(journal.seen_files(aid)) >= 200, 30,
                       f"{len(journal.seen_files(aid))} of 200 seen")
        rows = journal.seen_files(aid)
    assert len(first.handled) < 150, "the stop came too late to test anything"
    assert first.repeats == [] and second.repeats == []
    assert sorted(first.handled + second.handled) == [f"invoice-{i:03}.pdf" for i in range(200)]
    assert len({r["path"] for r in rows}) == 200


def test_outputs_written_into_the_watched_folder_stay_quiet_across_a_restart(tmp_path: Path) -> None:
    inbox = tmp_path / "Scans"
    inbox.mkdir()

    def summarise(path: Path) -> None:
        out = path.with_name(f"{path.stem}-summary.txt")
        with own_write(out):
            out.write_text(f"summary of {path.name}")

    with Journal(database_path()) as journal:
        aid = journal.add_automation("summarise scans", inbox, "pass", [])
        runner = Runner(journal, aid, work=summarise)
        with runner.watcher(inbox) as watcher:
            for i in range(3):
                (inbox / f"scan-{i}.pdf").write_text("scan")
            wait_until(lambda: watcher.stats.own_writes == 3)
        assert sorted(runner.handled) == ["scan-0.pdf", "scan-1.pdf", "scan-2.pdf"]
    own_writes.clear()  # as in a new process: only the journal remembers Errand's outputs
    with Journal(database_path()) as journal:
        runner = Runner(journal, aid, work=summarise)
        with runner.watcher(inbox) as watcher:
            assert watcher.catch_up() == []
    assert runner.handled == [] and runner.repeats == []
