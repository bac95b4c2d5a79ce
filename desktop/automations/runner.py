"""The automations runner: watch each enabled automation's folder and run its script on each arrival.

:class:`AutomationRunner` keeps one :class:`~desktop.automations.triggers.FolderWatcher`
per enabled automation. When a file is ready no model is called: the saved
script is a chore (``Assistant.script_chore``) that goes through the same
``preview_chore`` and ``finish_chore`` as any other, approved by the
automation's standing approval, so the run is journaled, undoable, tidied
after (holding-area retention) and in History with its trigger
(``automation``, ``path`` grant-relative, ``file``, ``size``, ``mtime_ns``).

Each file version is handled once, even across a crash: the runner *claims*
the version in ``seen_files`` (status ``claimed:<process>``) before the
preview, the run itself is journaled by apply (its trigger names the version),
and the outcome replaces the claim (``applied``, ``failed``…). A claim whose
process is gone is settled on the next start: linked to its run if apply
started one, else the file is handled then (nothing had changed yet). What a
run writes into any watched folder is recorded as seen (``own``), so an
automation never feeds itself, not even after a restart.

Runs are serialized per runner (one lock: a sandbox runs one script at a time);
each watcher's delivery thread waits its turn, so a slow automation delays
others only while it runs. A failure backs off (``backoff_base`` doubling up to
``backoff_cap`` seconds) before that automation's next file, is reported through
``on_event(kind, automation, message)``, and after ``max_failures`` in a row the
automation pauses itself (``paused_reason`` in the journal). A maintenance thread
re-reads the journal every ``reload_seconds``, so automations added, paused,
resumed or removed elsewhere (``errand automations pause`` next to ``errand
watch``, the app's view) take effect, and a watched folder that vanished is
watched afresh once it is back.

Event kinds: ``watching``, ``ran``, ``failed``, ``paused``, ``error``,
``stopped``. ``on_event`` is called on the runner's threads (a watcher's
delivery thread, the maintenance thread): a window hands it to its GUI thread
(a queued Qt signal) and never calls ``reload`` or ``stop`` from inside it;
``status`` and ``watching`` are safe anywhere.

In the app (the tray keeps it running with the window closed)::

    runner = AutomationRunner(assistant.companion(), on_event=bridge.event.emit)
    pool.submit(runner.start)        # off the GUI thread; watchers then run on their own
    automations.pause(journal, name)
    pool.submit(runner.reload)       # now, not within reload_seconds (it may wait for a run to end)
    runner.stop()                    # at quit: a run under way finishes first
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from capabilities.base import Grant
from capabilities.errors import ErrandError, error_text
from capabilities.journal import Journal, now
from capabilities.journal.owner import is_alive, owner_token
from capabilities.status import RunStatus
from desktop.automations.triggers import FolderWatcher, own_changes
from desktop.core.chore import always, held_for_approval
from desktop.core.records import Trigger
from desktop.core.saved_automations import CLAIM, grant_relative, patterns, watch_grant

__all__ = ["AutomationRunner", "EventCallback"]

log = logging.getLogger("errand.automations")

EventCallback = Callable[[str, str, str], None]

@dataclass
class _Slot:
    """One running automation: its watcher and its failure state (touched on its delivery thread)."""

    automation: dict[str, Any]
    grants: list[Grant]
    grant: Grant
    watcher: FolderWatcher | None = None
    failures: int = 0
    not_before: float = 0.0  # time.monotonic() before which the next file waits (back-off)
    stale: bool = False  # the journal changed under it: restart on the next reload
    halt: threading.Event = field(default_factory=threading.Event)  # set when its watcher is stopping
    handled: int = 0
    failed: int = 0
    delays: list[float] = field(default_factory=list)

    @property
    def aid(self) -> int:
        return int(self.automation["id"])

    @property
    def name(self) -> str:
        return str(self.automation["name"])


def _signature(a: dict[str, Any]) -> tuple[Any, ...]:
    return (a["watch_dir"], a["pattern"], tuple(a["events"]), a["script"], repr(a["grants"]))


class AutomationRunner:
    """Runs the enabled automations of a journal until stopped; see the module docstring.

    ``assistant``: the :class:`~desktop.core.assistant.Assistant` whose journal holds
    the automations and whose sandbox runs them (give the runner a companion of
    the window's, ``Assistant.companion()``). The runner registers its watchers'
    own-writes record with it, so no apply or undo of the process (the window's
    included) sets off an automation.
    """

    def __init__(self, assistant: Any, *, on_event: EventCallback | None = None, quiet_seconds: float = 2.0,
                 rescan_seconds: float | None = 300.0, reload_seconds: float | None = 5.0,
                 max_failures: int = 5, backoff_base: float = 2.0, backoff_cap: float = 300.0,
                 force_polling: bool = False) -> None:
        self.assistant = assistant
        self.journal: Journal = assistant.automation_ledger()
        assistant.watch_own_writes(own_changes)
        self._holding_full = False  # said once while the holding area stays over its limit
        self.on_event = on_event
        self.quiet_seconds = quiet_seconds
        self.rescan_seconds = rescan_seconds
        self.reload_seconds = reload_seconds
        self.max_failures = max_failures
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.force_polling = force_polling
        self.owner = owner_token()
        self._slots: dict[int, _Slot] = {}
        self._snapshot: tuple[_Slot, ...] = ()  # read without the lock by runs (reload may be joining them)
        self._problems: dict[int, str] = {}  # automation id → what keeps it from being watched (said once)
        self._slots_lock = threading.RLock()
        self._run_lock = threading.Lock()
        self._stopping = threading.Event()
        self._maintainer: threading.Thread | None = None
        self._running = False

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> Self:
        """Settle claims a crash left, watch every enabled automation, catch up on files already there.

        Returns once the watchers run (on their own threads); may first run the few scripts a crash
        left claimed, so a window calls it off its GUI thread.
        """
        if self._running:
            return self
        self._stopping.clear()
        self._running = True
        try:
            self.reload()
        except BaseException:
            self.stop()  # the watchers started so far, joined
            raise
        if self.reload_seconds:
            self._maintainer = threading.Thread(target=self._maintain, name="errand-automations", daemon=True)
            self._maintainer.start()
        return self

    def stop(self) -> None:
        """Stop watching: a run under way finishes; files not yet claimed wait for the next start."""
        if not self._running:
            return
        self._stopping.set()
        maintainer, self._maintainer = self._maintainer, None
        if maintainer is not None:
            maintainer.join()
        with self._slots_lock:
            slots, self._slots, self._snapshot = list(self._slots.values()), {}, ()
        for slot in slots:
            self._stop_slot(slot)
        self._running = False
        self._emit("stopped", "", "stopped watching")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def reload(self) -> None:
        """Bring the watchers in line with the journal: start new or resumed automations, stop the rest."""
        with self._slots_lock:
            if self._stopping.is_set():
                return
            wanted = {a["id"]: a for a in self.journal.automations() if a["enabled"]}
            for aid, slot in list(self._slots.items()):
                current = wanted.get(aid)
                if current is None or slot.stale or _signature(current) != _signature(slot.automation) \
                        or self._folder_back(slot):
                    del self._slots[aid]
                    self._stop_slot(slot)
            for aid, automation in wanted.items():
                if aid not in self._slots:
                    started = self._start_slot(automation)
                    if started is not None:
                        self._slots[aid] = started
            self._snapshot = tuple(self._slots.values())
            for aid in set(self._problems) - set(wanted):
                del self._problems[aid]

    def _folder_back(self, slot: _Slot) -> bool:
        """True when a watched folder that vanished (a drive unplugged) is back: watch it afresh, catch up."""
        if slot.watcher is None or not slot.watcher.stats.folder_missing:
            return False
        if Path(slot.automation["watch_dir"]).is_dir():
            return True
        self._problem(slot.aid, slot.name, f"the watched folder {slot.automation['watch_dir']} is gone "
                      "(a drive unplugged?); watching it again when it is back")
        return False

    def _problem(self, aid: int, name: str, message: str) -> None:
        """Report what keeps an automation from being watched, once (reload retries every few seconds)."""
        if self._problems.get(aid) != message:
            self._problems[aid] = message
            self._emit("error", name, message)

    def status(self) -> dict[str, dict[str, Any]]:
        """What each watched automation did in this runner: handled, failed, back-off delays, stats."""
        # From the snapshot, without the lock: safe to call from ``on_event`` (a delivery thread).
        return {s.name: {"handled": s.handled, "failed": s.failed, "failures": s.failures,
                         "delays": list(s.delays), "polling": bool(s.watcher and s.watcher.polling),
                         "stats": s.watcher.stats if s.watcher else None} for s in self._snapshot}

    def watching(self) -> list[str]:
        """The names of the automations being watched now."""
        return [s.name for s in self._snapshot]

    def _maintain(self) -> None:
        while not self._stopping.wait(self.reload_seconds):
            try:
                self.reload()
            except Exception as exc:  # a busy or damaged journal must not end the runner
                log.exception("reloading automations failed")
                self._emit("error", "", f"could not re-read the automations: {exc}")

    def _start_slot(self, automation: dict[str, Any]) -> _Slot | None:
        grants = [Grant.from_json(g) for g in automation["grants"]]
        try:
            slot = _Slot(automation, grants, watch_grant(automation["watch_dir"], grants),
                         failures=int(automation["failures"] or 0))
        except ErrandError as exc:
            self._problem(automation["id"], automation["name"], error_text(exc))
            return None
        self._settle_claims(slot)
        aid = slot.aid
        slot.watcher = FolderWatcher(
            automation["watch_dir"], on_ready=lambda p, s, m: self._on_ready(slot, p, s, m),
            pattern=patterns(automation["pattern"]),
            events=automation["events"], quiet_seconds=self.quiet_seconds,
            is_seen=lambda p, s, m: self.journal.is_seen(aid, p, s, m),
            on_own_write=lambda p, s, m: self.journal.mark_seen(aid, p, s, m, status="own"),
            rescan_seconds=self.rescan_seconds, force_polling=self.force_polling, name=automation["name"])
        try:
            slot.watcher.start()
        except OSError as exc:
            self._problem(slot.aid, slot.name, f"cannot watch {automation['watch_dir']}: {exc}")
            return None
        self._problems.pop(slot.aid, None)
        self._emit("watching", slot.name, f"watching {automation['watch_dir']} for {automation['pattern']}")
        slot.watcher.catch_up()
        return slot

    def _stop_slot(self, slot: _Slot) -> None:
        slot.halt.set()  # ends a back-off wait at once
        if slot.watcher is not None:
            slot.watcher.stop()

    # -- one file ----------------------------------------------------------------------------------

    def _on_ready(self, slot: _Slot, path: Path, size: int, mtime_ns: int) -> None:
        """A file version is complete (the slot's delivery thread): wait out any back-off, claim, run."""
        wait = slot.not_before - time.monotonic()
        if wait > 0 and slot.halt.wait(wait):
            return  # stopping: unclaimed, so the next start catches it up
        with self._run_lock:
            if self._stopping.is_set() or slot.halt.is_set():
                return
            try:
                current = self.journal.automation(slot.aid)
            except ErrandError:
                current = None
            if not current or not current["enabled"] or _signature(current) != _signature(slot.automation):
                slot.stale = True  # paused, removed or changed meanwhile: leave the file for later
                return
            if not os.path.lexists(path):
                return  # gone already (another automation on this folder moved it): nothing to do
            if not self.journal.mark_seen(slot.aid, path, size, mtime_ns, status=CLAIM + self.owner):
                return  # another process claimed this version first
            self._run(slot, path, size, mtime_ns)

    def _run(self, slot: _Slot, path: Path, size: int, mtime_ns: int) -> None:
        """Run the automation's script on one claimed file version and record the outcome."""
        a = slot.automation
        rel = grant_relative(path, slot.grant)
        trigger: Trigger = {"automation": a["name"], "automation_id": slot.aid, "path": rel,
                            "file": str(path), "size": size, "mtime_ns": mtime_ns}
        inputs = {"path": rel, "name": path.name, "folder": grant_relative(a["watch_dir"], slot.grant)}
        run_id: int | None = None
        changes = 0
        held: str | None = None
        try:
            chore = self.assistant.script_chore(a["script"], slot.grants, inputs=inputs,
                                                request=a["request"] or a["name"], planner="automation")
            self.assistant.preview_chore(chore)
            report = self.assistant.finish_chore(chore, approve=always, trigger=trigger)
            run_id, status, changes = report.run_id, report.status, len(report.actions)
            error = (report.error or {}).get("message") if status != RunStatus.APPLIED else None
            held = held_for_approval(report)
            self._tell_holding(slot, chore.retention)
        except Exception as exc:  # a capability that cannot start (a grant's folder gone), a journal error
            log.exception("automation %s failed on %s", a["name"], path)
            status, error = RunStatus.FAILED, str(exc) or type(exc).__name__
        self.journal.update_seen(slot.aid, path, size, mtime_ns, run_id=run_id, status=status)
        if status == RunStatus.APPLIED:
            self._succeeded(slot, rel, run_id, changes)
        elif held is not None:
            self._held(slot, rel, held)
        else:
            self._failed(slot, rel, run_id, error or status)

    def _tell_holding(self, slot: _Slot, retention: Any) -> None:
        """The holding area over its limit (kept for undo): said once, until it is within it again."""
        full = retention is not None and retention.over_limit
        if full and not self._holding_full:
            self._emit("error", slot.name, f"{retention.message()} Undo or remove old runs you no longer "
                       "need (History), so Errand can let go of what it kept.")
        if retention is not None:
            self._holding_full = full

    def _succeeded(self, slot: _Slot, rel: str, run_id: int | None, n: int) -> None:
        slot.handled += 1
        slot.not_before = 0.0
        if slot.failures:  # otherwise nothing to write: the outcome in seen_files dates the last run
            slot.failures = 0
            self.journal.update_automation(slot.aid, failures=0, last_run=now())
        self._emit("ran", slot.name, f"{rel}: {n} change{'s' if n != 1 else ''} (run {run_id})")

    def _held(self, slot: _Slot, rel: str, reason: str) -> None:
        """A run waits for the person's approval (``held_for_approval``): paused now, and said so."""
        slot.stale = True
        self.journal.update_automation(slot.aid, enabled=False, paused_reason=reason, last_run=now())
        self._emit("paused", slot.name, f"{rel}: {reason}")

    def _failed(self, slot: _Slot, rel: str, run_id: int | None, error: str) -> None:
        slot.failed += 1
        slot.failures += 1
        delay = min(self.backoff_base * 2 ** (slot.failures - 1), self.backoff_cap)
        slot.delays.append(delay)
        slot.not_before = time.monotonic() + delay
        where = f" (run {run_id})" if run_id is not None else ""
        fields: dict[str, Any] = {"last_run": now(), "failures": slot.failures}
        pausing = slot.failures >= self.max_failures
        if pausing:
            reason = f"paused after {slot.failures} failures in a row; the last: {error}"
            fields.update(enabled=False, paused_reason=reason)
            slot.stale = True
        self.journal.update_automation(slot.aid, **fields)
        self._emit("failed", slot.name, f"{rel}: {error}{where}"
                   + ("" if pausing else f"; next file in {delay:g} s at the earliest"))
        if pausing:
            self._emit("paused", slot.name, f"paused after {slot.failures} failures in a row; "
                       "fix the cause, then resume it")

    # -- claims a crash left behind ----------------------------------------------------------------

    def _settle_claims(self, slot: _Slot) -> None:
        """Claims of a process that is gone: link them to the run apply started, or handle the file now."""
        stale = [r for r in self.journal.seen_files(slot.aid)
                 if r["status"].startswith(CLAIM) and not is_alive(r["status"][len(CLAIM):])]
        if not stale:
            return
        runs: dict[tuple[Any, Any, Any], dict[str, Any]] = {}
        for run in self.journal.runs(limit=max(5000, 4 * len(stale))):
            t = run.get("trigger")
            if isinstance(t, dict) and t.get("automation_id") == slot.aid:
                runs.setdefault((t.get("file"), t.get("size"), t.get("mtime_ns")), run)
        for row in stale:
            key = (row["path"], row["size"], row["mtime_ns"])
            linked = runs.get(key)
            if linked is not None and linked["status"] != RunStatus.PREVIEWING:
                # Applied, failed, or cut short mid-apply: that run is the file's (errand recover
                # rolls back or finishes the last kind, as for any run).
                self.journal.update_seen(slot.aid, *key, run_id=linked["id"], status=linked["status"])
                continue
            if linked is not None:  # journaled but stopped before apply changed anything
                self.journal.finish_run(linked["id"], RunStatus.FAILED, error={
                    "type": "Interrupted", "message": "Errand stopped before this run was applied; nothing "
                    "changed, and the file was handled again by a new run.", "hint": ""})
            try:
                st = os.stat(row["path"])
            except OSError:
                st = None
            if st is None or (st.st_size, st.st_mtime_ns) != (row["size"], row["mtime_ns"]):
                self.journal.update_seen(slot.aid, *key, run_id=None, status="gone")
                continue
            with self._run_lock:  # nothing ran for it: handle it now, under a claim of this process
                self.journal.update_seen(slot.aid, *key, run_id=None, status=CLAIM + self.owner)
                self._run(slot, Path(row["path"]), row["size"], row["mtime_ns"])

    def _emit(self, kind: str, name: str, message: str) -> None:
        log.info("automation %s: %s: %s", name, kind, message)
        if self.on_event is None:
            return
        try:
            self.on_event(kind, name, message)
        except Exception:
            log.exception("the automations event callback failed")

