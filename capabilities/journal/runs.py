"""Runs and their actions, undos and log lines: what apply, undo and recovery write and history reads.

Apply and undo write in batches (``mark_actions`` for intents,
``record_outcomes``/``record_undos`` for results plus the next batch's
intents, in one transaction each); everything else is one small transaction.

An action is two rows (migration m007): its plan in ``planned_actions``, written
once by ``save_plan``, and its state (status, outcome, error, times) in the
narrow ``action_states``, which is all apply and undo rewrite. Readers of whole
actions use the ``actions`` view that joins them; counts and statuses read the
state rows alone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from capabilities.base import Grant
from capabilities.journal.db import (
    JournalBase,
    JournalError,
    dumps,
    error_json,
    grants_json,
    loads,
    now,
    redact,
    shown,
)
from capabilities.plan import ActionPlan

__all__ = ["RunRecords"]

_JSON_ACTION = ("args", "detail", "outcome", "error")
_JSON_RUN = ("grants", "trigger", "result", "error", "left_alone")
_ACTION_COUNT = "(SELECT count(*) FROM action_states a WHERE a.run_id = r.id) AS action_count"
_RUN_FIELDS = {"request", "script", "summary", "model", "planner", "grants", "trigger", "status", "result",
               "tokens_in", "tokens_out", "cost", "left_alone"}


class RunRecords(JournalBase):
    """Runs, actions, undos and logs."""

    # ---- runs ---------------------------------------------------------------------------

    def start_run(self, request: str, script: str, grants: Iterable[Grant | Mapping[str, Any]], *,
                  summary: str = "", model: str | None = None, planner: str = "script",
                  trigger: str | Mapping[str, Any] | None = None, status: str = "previewing") -> int:
        """Record a new run (before its preview) and return its id."""
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO runs (request, script, summary, model, planner, grants, status, trigger,"
                " started) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (shown(request), shown(script), shown(summary), model, planner, dumps(grants_json(grants)),
                 status,
                 dumps(trigger), now()))
            return int(cur.lastrowid or 0)

    def set_status(self, run_id: int, status: str) -> None:
        self.update_run(run_id, status=status)

    def update_run(self, run_id: int, **fields: Any) -> None:
        """Change some of a run's columns (script after a repair, summary, model, usage…)."""
        unknown = set(fields) - _RUN_FIELDS
        if unknown:
            raise ValueError(f"unknown run fields: {sorted(unknown)}")
        if "grants" in fields:
            fields["grants"] = grants_json(fields["grants"])
        values = [dumps(v) if k in _JSON_RUN else v for k, v in fields.items()]
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self._tx() as c:
            if c.execute(f"UPDATE runs SET {sets} WHERE id = ?", (*values, run_id)).rowcount == 0:
                raise self._missing_run(run_id)

    def finish_run(self, run_id: int, status: str, result: Any = None,
                   error: BaseException | Mapping[str, Any] | None = None) -> None:
        """Close a run: its final status, its result (JSON) and the error that ended it, if any."""
        with self._tx() as c:
            # result is kept when not given: the preview may have stored the script's return value.
            cur = c.execute("UPDATE runs SET status = ?, finished = ?, result = coalesce(?, result),"
                            " error = ?, owner = NULL WHERE id = ?",
                            (status, now(), dumps(result), dumps(error_json(error)), run_id))
            if cur.rowcount == 0:
                raise self._missing_run(run_id)

    def runs(self, limit: int = 100, *, automation_id: int | None = None) -> list[dict[str, Any]]:
        """The latest runs, newest first, each with ``action_count``; optionally only those an
        automation triggered (``trigger`` holding that ``automation_id``)."""
        where, params = "", [limit]
        if automation_id is not None:
            where, params = "WHERE json_extract(r.trigger, '$.automation_id') = ? ", [automation_id, limit]
        rows = self._rows(f"SELECT r.*, {_ACTION_COUNT} FROM runs r {where}ORDER BY r.id DESC LIMIT ?",
                          params)
        return [self._decode_run(r) for r in rows]

    def run(self, run_id: int) -> dict[str, Any]:
        """One run; JournalError with a hint if there is none with that id."""
        rows = self._rows(f"SELECT r.*, {_ACTION_COUNT} FROM runs r WHERE r.id = ?", (run_id,))
        if not rows:
            raise self._missing_run(run_id)
        return self._decode_run(rows[0])

    def claim_run(self, run_id: int, owner: str | None, status: str) -> None:
        """Mark which process is applying or undoing a run (None releases it)."""
        with self._tx() as c:
            if c.execute("UPDATE runs SET owner = ?, status = ? WHERE id = ?",
                         (owner, status, run_id)).rowcount == 0:
                raise self._missing_run(run_id)

    def unfinished_runs(self) -> list[dict[str, Any]]:
        """Runs left mid-apply or mid-undo (the caller checks whether their owner is still alive)."""
        rows = self._rows(
            "SELECT r.*, 0 AS action_count FROM runs r WHERE r.status IN ('applying', 'undoing')"
            " OR r.id IN (SELECT run_id FROM action_states WHERE status IN ('started', 'undoing'))"
            " ORDER BY r.id")
        return [self._decode_run(r) for r in rows]

    @staticmethod
    def _decode_run(row: dict[str, Any]) -> dict[str, Any]:
        for key in _JSON_RUN:
            row[key] = loads(row[key])
        return row

    @staticmethod
    def _missing_run(run_id: int) -> JournalError:
        return JournalError(f"There is no run {run_id} in the journal.",
                            "See `errand history` for the runs it holds.")

    # ---- actions --------------------------------------------------------------------------

    def save_plan(self, run_id: int, plan: ActionPlan | Iterable[Any]) -> None:
        """Record a preview's actions as ``planned`` (replacing an earlier preview of this run)."""
        # Rows are made as SQLite takes them, not all first: a 100,000-action plan's JSON text
        # would otherwise be held twice at once (the list, then SQLite's pages).
        rows = ((run_id, a.seq, a.capability, a.op, dumps(a.args), dumps(a.detail), shown(a.summary),
                 shown(a.before), shown(a.after)) for a in plan)
        with self._tx() as c:
            if c.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
                raise self._missing_run(run_id)
            if c.execute("SELECT 1 FROM action_states WHERE run_id = ? AND status != 'planned' LIMIT 1",
                         (run_id,)).fetchone():
                raise JournalError(f"Run {run_id} has already been applied; its plan cannot change.",
                                   "Start a new run for a new preview.")
            c.execute("DELETE FROM action_states WHERE run_id = ?", (run_id,))
            c.execute("DELETE FROM planned_actions WHERE run_id = ?", (run_id,))
            c.executemany("INSERT INTO planned_actions (run_id, seq, capability, op, args, detail, summary,"
                          " before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            c.execute("INSERT INTO action_states (run_id, seq) SELECT run_id, seq FROM planned_actions"
                      " WHERE run_id = ?", (run_id,))

    def actions(self, run_id: int, *, statuses: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """A run's actions in order, JSON columns decoded (optionally only some statuses)."""
        sql, params = "SELECT * FROM actions WHERE run_id = ?", list[Any]([run_id])
        if statuses is not None:
            wanted = list(statuses)
            sql += f" AND status IN ({', '.join('?' * len(wanted))})"
            params += wanted
        rows = self._rows(sql + " ORDER BY seq", params)
        for row in rows:
            for key in _JSON_ACTION:
                row[key] = loads(row[key])
        return rows

    def actions_last_first(self, run_id: int, statuses: Iterable[str], *, below: int | None = None,
                           limit: int = -1, seq: int | None = None) -> list[dict[str, Any]]:
        """What undo needs of a run's actions in ``statuses``, last first: up to ``limit`` of them
        with a ``seq`` below ``below`` (or only action ``seq``), JSON decoded.

        Undo reads a large run batch by batch with this (each batch starts below the last one,
        so the statuses undo writes meanwhile change nothing of the next read): one read of each
        action, never all of them in memory. Not read: the error, and the times. ``args`` stays
        JSON text (``capabilities.engine.undo.action_of`` decodes it): most undos never read it.
        """
        wanted = list(statuses)
        sql = ("SELECT seq, capability, op, args, detail, summary, before, after, outcome, status"
               f" FROM actions WHERE run_id = ? AND status IN ({', '.join('?' * len(wanted))})")
        params: list[Any] = [run_id, *wanted]
        if below is not None:
            sql += " AND seq < ?"
            params.append(below)
        if seq is not None:
            sql += " AND seq = ?"
            params.append(seq)
        with self._lock:
            found = self.conn.execute(sql + " ORDER BY seq DESC LIMIT ?", (*params, limit)).fetchall()
        return [{"seq": s, "capability": cap, "op": op, "args": args, "detail": loads(detail),
                 "summary": summary, "before": before, "after": after, "outcome": loads(outcome),
                 "status": status}
                for s, cap, op, args, detail, summary, before, after, outcome, status in found]

    def action_status(self, run_id: int, seq: int) -> str | None:
        """The status of one action (None when the run has no such action)."""
        found = self._fetch("SELECT status FROM action_states WHERE run_id = ? AND seq = ?", (run_id, seq))
        return found[0][0] if found else None

    def report_actions(self, run_id: int, *, after: int = 0, limit: int = -1) -> list[dict[str, Any]]:
        """A run's actions as its report shows them (``desktop.core.report``), in order: the detail and
        outcome are not decoded (every fingerprint of a 100,000-action plan again), only the
        detail's ``risk``. ``after``/``limit``: only the next ``limit`` actions after seq ``after``
        (a large report is read a page at a time; -1 is no limit)."""
        rows = self._rows("SELECT seq, capability, op, args, status, summary, before, after, error,"
                          " json_quote(json_extract(detail, '$.risk')) AS risk FROM actions"
                          " WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?", (run_id, after, limit))
        for row in rows:
            for key in ("args", "error", "risk"):
                row[key] = loads(row[key])
        return rows

    def mark_actions(self, run_id: int, seqs: Sequence[int], status: str, *, at: str | None = None,
                     column: str = "started") -> None:
        """Set many actions' status in one transaction (the intents of a batch)."""
        with self._tx() as c:
            self._mark(c, run_id, seqs, status, at or now(), column)

    @staticmethod
    def _mark(c: sqlite3.Connection, run_id: int, seqs: Sequence[int], status: str, at: str | None,
              column: str) -> None:
        if column not in ("started", "finished", "undone_at"):
            raise ValueError(column)
        if not seqs:
            return
        lo, hi = min(seqs), max(seqs)
        if hi - lo + 1 == len(seqs):  # a contiguous batch: one statement, not one per action
            c.execute(f"UPDATE action_states SET status = ?, {column} = ? WHERE run_id = ?"
                      " AND seq BETWEEN ? AND ?", (status, at, run_id, lo, hi))
        else:
            c.executemany(f"UPDATE action_states SET status = ?, {column} = ? WHERE run_id = ? AND seq = ?",
                          [(status, at, run_id, s) for s in seqs])

    def move_actions(self, run_id: int, from_statuses: Iterable[str], status: str) -> int:
        """Move every action of a run in some statuses to another (e.g. the rest of a stopped apply
        to ``skipped``); returns how many."""
        wanted = list(from_statuses)
        with self._tx() as c:
            return c.execute(f"UPDATE action_states SET status = ? WHERE run_id = ? AND status IN"
                             f" ({', '.join('?' * len(wanted))})", (status, run_id, *wanted)).rowcount

    def record_outcomes(self, run_id: int, results: Sequence[tuple[int, str, Any, Any, str]], *,
                        start_next: Sequence[int] = ()) -> None:
        """Write a batch's outcomes ``(seq, status, outcome, error, finished)`` and, in the same
        transaction, the intents (``started``) of the next batch: one commit per batch."""
        one_by_one: list[tuple[int, str, Any, Any, str]] = []
        stretched: list[tuple[int, str, Any, Any, str]] = []
        with self._tx() as c:
            # A stretch of actions done one after another at one time (what a call to C carries
            # out) gets its status and time in one statement; only each outcome is its own (~1 µs).
            for part, is_stretch in _stretches(results, 1, _done_at):
                if not is_stretch:
                    one_by_one.extend(part)
                    continue
                stretched.extend(part)
                c.execute("UPDATE action_states SET status = 'done', error = NULL, finished = ?"
                          " WHERE run_id = ? AND seq BETWEEN ? AND ?",
                          (part[0][4], run_id, part[0][0], part[-1][0]))
            c.executemany("UPDATE action_states SET outcome = ? WHERE run_id = ? AND seq = ?",
                          [(dumps(out), run_id, seq) for seq, _, out, _, _ in stretched])
            c.executemany("UPDATE action_states SET status = ?, outcome = coalesce(?, outcome), error = ?,"
                          " finished = ? WHERE run_id = ? AND seq = ?",
                          [(st, dumps(out), None if err is None else dumps(error_json(err)), fin, run_id, seq)
                           for seq, st, out, err, fin in one_by_one])
            self._mark(c, run_id, start_next, "started", now(), "started")

    def record_undos(self, run_id: int, results: Sequence[tuple[int, str, str | None, str]], *,
                     start_next: Sequence[int] = (), never_ran: Sequence[int] = ()) -> None:
        """Write a batch of undo results ``(seq, status, reason, at)`` (the undos rows and the actions)
        and, in the same transaction, the next batch's intents (``undoing``); ``never_ran`` (an
        interrupted batch) go back to ``done``."""
        with self._tx() as c:
            self._record_undos(c, run_id, results)
            self._mark(c, run_id, start_next, "undoing", now(), "undone_at")
            self._mark(c, run_id, never_ran, "done", None, "undone_at")

    @staticmethod
    def _record_undos(c: sqlite3.Connection, run_id: int,
                      results: Sequence[tuple[int, str, str | None, str]]) -> None:
        """The results in the order given; a stretch of actions undone one after another at one
        time (what a call to C puts back) costs two statements, not two per action (~3.5 µs)."""
        one_by_one: list[tuple[int, str, str | None, str]] = []
        for part, is_stretch in _stretches(results, -1, _undone_at):
            if not is_stretch:
                one_by_one.extend(part)
                continue
            _write_undos(c, run_id, one_by_one)  # (the undos rows keep the order they were made in)
            one_by_one.clear()
            hi, lo, at = part[0][0], part[-1][0], part[0][3]
            c.execute("INSERT INTO undos (run_id, seq, at, status, reason)"
                      " SELECT run_id, seq, ?, 'undone', NULL FROM action_states"
                      " WHERE run_id = ? AND seq BETWEEN ? AND ? ORDER BY seq DESC", (at, run_id, lo, hi))
            c.execute("UPDATE action_states SET status = 'undone', undone_at = ?, error = NULL"
                      " WHERE run_id = ? AND seq BETWEEN ? AND ?", (at, run_id, lo, hi))
        _write_undos(c, run_id, one_by_one)

    def action_counts(self, run_id: int) -> dict[str, int]:
        """How many of a run's actions are in each status (cheap: no JSON decoded)."""
        return dict(self._fetch("SELECT status, count(*) FROM action_states WHERE run_id = ? GROUP BY status",
                                (run_id,)))

    def undos(self, run_id: int) -> list[dict[str, Any]]:
        """Every undo attempt of a run, in the order made."""
        return self._rows("SELECT run_id, seq, at, status, reason FROM undos WHERE run_id = ? ORDER BY id",
                          (run_id,))

    def holding_ids_needed(self) -> set[str]:
        """Holding-area ids that undoable actions may still need.

        The outcome's ``holding`` for actions carried out; for actions caught
        mid-way by a crash (outcome lost) also the id chosen at preview
        (``hold_id`` in the detail). Keeping one too many is safe; one too few is not.
        """
        rows = self._fetch("SELECT json_extract(outcome, '$.holding'), json_extract(detail, '$.hold_id'),"
                           " json_extract(detail, '$.holding') FROM actions WHERE status IN"
                           " ('done', 'started', 'undoing', 'undo_refused', 'failed')")
        return {str(v) for row in rows for v in row if isinstance(v, str) and v}

    # ---- logs -----------------------------------------------------------------------------

    def add_log(self, run_id: int, lines: str | Iterable[str]) -> None:
        """Append log lines (a string may hold several) to a run."""
        if isinstance(lines, str):
            lines = lines.splitlines()
        items = list(lines)
        if not items:
            return
        stamp = now()
        with self._tx() as c:
            (last,) = c.execute("SELECT coalesce(max(seq), 0) FROM logs WHERE run_id = ?",
                                (run_id,)).fetchone()
            c.executemany("INSERT INTO logs (run_id, seq, at, line) VALUES (?, ?, ?, ?)",
                          [(run_id, last + i, stamp, shown(redact(line))) for i, line in enumerate(items, 1)])

    def logs(self, run_id: int) -> list[str]:
        """A run's log lines, in order."""
        return [r[0] for r in self._fetch("SELECT line FROM logs WHERE run_id = ? ORDER BY seq", (run_id,))]

    def log_entries(self, run_id: int) -> list[dict[str, Any]]:
        """A run's log lines with their ``seq`` and time, for a timeline."""
        return self._rows("SELECT seq, at, line FROM logs WHERE run_id = ? ORDER BY seq", (run_id,))


_STRETCH = 8  # results in a row worth statements of their own

R = TypeVar("R", bound=tuple[Any, ...])


def _stretches(results: Sequence[R], step: int, key: Callable[[R], str | None]
               ) -> Iterator[tuple[Sequence[R], bool]]:
    """``results`` in order, cut into ``(part, is_stretch)``: a stretch is at least ``_STRETCH``
    results whose ``seq`` (their first item) goes on by ``step`` with the same ``key``, which is
    None for a result never part of one."""
    i = 0
    while i < len(results):
        first, end = key(results[i]), i + 1
        if first is not None:
            seq = results[i][0]
            while (end < len(results) and results[end][0] == seq + step * (end - i)
                   and key(results[end]) == first):
                end += 1
        yield results[i:end], end - i >= _STRETCH
        i = end


def _undone_at(result: tuple[Any, ...]) -> str | None:
    """An undo result's time if it undid the action (undo goes last first: ``seq`` steps by -1)."""
    _, status, reason, at = result
    return at if status == "undone" and reason is None else None


def _done_at(result: tuple[Any, ...]) -> str | None:
    """An apply result's finishing time if it was done, with an outcome and no error."""
    _, status, outcome, error, finished = result
    return finished if status == "done" and outcome is not None and error is None else None


def _write_undos(c: sqlite3.Connection, run_id: int, results: Sequence[tuple[int, str, str | None, str]]
                 ) -> None:
    """Undo results one row each: their ``undos`` rows and their actions' states."""
    c.executemany("INSERT INTO undos (run_id, seq, at, status, reason) VALUES (?, ?, ?, ?, ?)",
                  [(run_id, seq, at, st, reason) for seq, st, reason, at in results])
    c.executemany("UPDATE action_states SET status = ?, undone_at = ?, error = ?"
                  " WHERE run_id = ? AND seq = ?",
                  [(_undo_action_status(st), at if st == "undone" else None,
                    dumps({"type": "UndoRefused", "message": reason, "hint": ""}) if reason else None,
                    run_id, seq) for seq, st, reason, at in results])


def _undo_action_status(undo_status: str) -> str:
    return {"undone": "undone", "refused": "undo_refused"}.get(undo_status, "done")
