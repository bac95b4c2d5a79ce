"""The journal: every run, action, undo, log line and model exchange, in one SQLite file.

All of Errand's SQL lives in this package. ``Journal(path)`` opens (creating
and upgrading as needed) a database in WAL mode, so a history window or a
second process can read a run while it is being applied.

Durability: ``synchronous=FULL``. In WAL mode that costs one fsync per
committed transaction, and apply commits once per *batch* of actions (the
intents of the batch, then their outcomes), so the cost is amortised. With
``NORMAL`` a power cut could lose the last committed intents while the file
system kept the renames they announced, breaking "intent before effect";
``FULL`` keeps it.

Status words (runs): ``previewing`` → ``previewed`` | ``refused`` |
``failed``; ``applying`` → ``applied`` | ``failed`` | ``cancelled``;
``undoing`` → ``undone`` | ``partly_undone``; after a crash ``recover`` sets
``rolled_back`` or ``applied``. Actions: ``planned`` → ``started`` →
``done`` | ``failed``; ``skipped`` (the apply stopped first); ``undoing`` →
``undone`` | ``undo_refused``.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from capabilities.base import Grant
from capabilities.errors import ErrandError
from capabilities.journal.migrations import MIGRATIONS, migration_names, upgrade
from capabilities.plan import ActionPlan

__all__ = ["Journal", "JournalError", "now"]

_JSON_ACTION = ("args", "detail", "outcome", "error")
_JSON_RUN = ("grants", "trigger", "result", "error")
_AUTOMATION_FIELDS = {"name", "watch_dir", "pattern", "events", "script", "grants", "request", "enabled",
                      "failures", "paused_reason", "last_run"}
_RUN_FIELDS = {"request", "script", "summary", "model", "planner", "grants", "trigger", "status",
               "tokens_in", "tokens_out", "cost"}
# Things that look like API keys never reach the database, whatever a prompt contains.
_SECRET = re.compile(r"\b(sk-[A-Za-z0-9_\-]{16,}|AIza[0-9A-Za-z_\-]{30,}|xox[bp]-[A-Za-z0-9\-]{16,})")


class JournalError(ErrandError, LookupError):
    """A run, action or automation asked for is not in the journal, or a name clashes."""


_second: list[Any] = [-1, ""]  # the last whole second formatted, and its text: apply stamps 10,000s


def now() -> str:
    """The journal's timestamp: UTC, ISO 8601 with microseconds (``2026-01-02T03:04:05.123456+00:00``).

    Formats the whole second once and appends the microseconds: 2–3× cheaper than
    ``datetime.isoformat`` and apply stamps every action.
    """
    t = time.time()
    whole = int(t)
    if whole != _second[0]:
        _second[1] = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _second[0] = whole
    return f"{_second[1]}.{int((t - whole) * 1_000_000):06d}+00:00"


_ENCODE = json.JSONEncoder(ensure_ascii=False, default=str).encode  # built once: apply encodes 10,000s


def _dumps(value: Any) -> str | None:
    return None if value is None else _ENCODE(value)


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _redact(text: str) -> str:
    return _SECRET.sub("[redacted key]", text)


def _grants_json(grants: Iterable[Grant | Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [g.to_json() if isinstance(g, Grant) else dict(g) for g in grants]


def error_json(error: BaseException | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An error as the journal keeps it: ``type``, ``message``, ``hint`` (and ``line`` if known)."""
    if error is None:
        return None
    if isinstance(error, Mapping):
        return {k: _redact(v) if isinstance(v, str) else v for k, v in error.items()}
    # Provider errors can quote the key they were given ("Incorrect API key provided: sk-…").
    data: dict[str, Any] = {"type": type(error).__name__, "message": _redact(str(error)),
                            "hint": _redact(str(getattr(error, "hint", "")))}
    line = getattr(error, "line", None)
    if line is not None:
        data["line"] = line
    return data


class Journal:
    """One open journal database. Thread-safe (one connection behind a lock)."""

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: transactions are explicit (``_tx``), never implicit.
        conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None,
                               check_same_thread=False)
        self._lock = threading.RLock()
        self.db = Database(conn, execute_plugins=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._refuse_newer()
            self.backup = upgrade(self.db, self.path)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise JournalError(f"Errand's journal {self.path} cannot be opened: {exc}.",
                               "Move that file away (it holds the history of past runs) and start Errand "
                               "again; a new, empty journal will be created.") from exc
        except JournalError:
            conn.close()
            raise

    def _refuse_newer(self) -> None:
        """A journal written by a newer Errand has migrations this one does not know: never touch it."""
        known = set(migration_names())
        unknown = [m.name for m in MIGRATIONS.applied(self.db) if m.name not in known]
        if unknown:
            raise JournalError(f"The journal {self.path} was written by a newer version of Errand "
                               f"(it has {', '.join(unknown)}).",
                               "Install that newer version again, or move the file away to start afresh.")

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front so a busy database waits instead of failing later."""
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            cur = self.conn.execute(sql, params)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    # ---- runs ---------------------------------------------------------------------------

    def start_run(self, request: str, script: str, grants: Iterable[Grant | Mapping[str, Any]], *,
                  summary: str = "", model: str | None = None, planner: str = "script",
                  trigger: str | Mapping[str, Any] | None = None, status: str = "previewing") -> int:
        """Record a new run (before its preview) and return its id."""
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO runs (request, script, summary, model, planner, grants, status, trigger,"
                " started) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (request, script, summary, model, planner, _dumps(_grants_json(grants)), status,
                 _dumps(trigger), now()))
            return int(cur.lastrowid or 0)

    def set_status(self, run_id: int, status: str) -> None:
        self.update_run(run_id, status=status)

    def update_run(self, run_id: int, **fields: Any) -> None:
        """Change some of a run's columns (script after a repair, summary, model, usage…)."""
        unknown = set(fields) - _RUN_FIELDS
        if unknown:
            raise ValueError(f"unknown run fields: {sorted(unknown)}")
        if "grants" in fields:
            fields["grants"] = _grants_json(fields["grants"])
        values = [_dumps(v) if k in _JSON_RUN else v for k, v in fields.items()]
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
                            (status, now(), _dumps(result), _dumps(error_json(error)), run_id))
            if cur.rowcount == 0:
                raise self._missing_run(run_id)

    def runs(self, limit: int = 100) -> list[dict[str, Any]]:
        """The latest runs, newest first, each with ``action_count``."""
        rows = self._rows("SELECT r.*, (SELECT count(*) FROM actions a WHERE a.run_id = r.id) AS action_count"
                          " FROM runs r ORDER BY r.id DESC LIMIT ?", (limit,))
        return [self._decode_run(r) for r in rows]

    def run(self, run_id: int) -> dict[str, Any]:
        """One run; JournalError with a hint if there is none with that id."""
        rows = self._rows("SELECT r.*, (SELECT count(*) FROM actions a WHERE a.run_id = r.id) AS action_count"
                          " FROM runs r WHERE r.id = ?", (run_id,))
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
            " OR r.id IN (SELECT run_id FROM actions WHERE status IN ('started', 'undoing')) ORDER BY r.id")
        return [self._decode_run(r) for r in rows]

    @staticmethod
    def _decode_run(row: dict[str, Any]) -> dict[str, Any]:
        for key in _JSON_RUN:
            row[key] = _loads(row[key])
        return row

    @staticmethod
    def _missing_run(run_id: int) -> JournalError:
        return JournalError(f"There is no run {run_id} in the journal.",
                            "See `errand history` for the runs it holds.")

    # ---- actions --------------------------------------------------------------------------

    def save_plan(self, run_id: int, plan: ActionPlan | Iterable[Any]) -> None:
        """Record a preview's actions as ``planned`` (replacing an earlier preview of this run)."""
        actions = list(plan)
        rows = [(run_id, a.seq, a.capability, a.op, _dumps(a.args), _dumps(a.detail), a.summary,
                 a.before, a.after) for a in actions]
        with self._tx() as c:
            if c.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
                raise self._missing_run(run_id)
            if c.execute("SELECT 1 FROM actions WHERE run_id = ? AND status != 'planned' LIMIT 1",
                         (run_id,)).fetchone():
                raise JournalError(f"Run {run_id} has already been applied; its plan cannot change.",
                                   "Start a new run for a new preview.")
            c.execute("DELETE FROM actions WHERE run_id = ?", (run_id,))
            c.executemany("INSERT INTO actions (run_id, seq, capability, op, args, detail, summary, before,"
                          " after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def actions(self, run_id: int, *, statuses: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """A run's actions in order, JSON columns decoded (optionally only some statuses)."""
        sql, params = "SELECT * FROM actions WHERE run_id = ?", [run_id]
        if statuses is not None:
            wanted = list(statuses)
            sql += f" AND status IN ({', '.join('?' * len(wanted))})"
            params += wanted
        rows = self._rows(sql + " ORDER BY seq", params)
        for row in rows:
            for key in _JSON_ACTION:
                row[key] = _loads(row[key])
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
            c.execute(f"UPDATE actions SET status = ?, {column} = ? WHERE run_id = ? AND seq BETWEEN ? AND ?",
                      (status, at, run_id, lo, hi))
        else:
            c.executemany(f"UPDATE actions SET status = ?, {column} = ? WHERE run_id = ? AND seq = ?",
                          [(status, at, run_id, s) for s in seqs])

    def move_actions(self, run_id: int, from_statuses: Iterable[str], status: str) -> int:
        """Move every action of a run in some statuses to another (e.g. the rest of a stopped apply
        to ``skipped``); returns how many."""
        wanted = list(from_statuses)
        with self._tx() as c:
            return c.execute(f"UPDATE actions SET status = ? WHERE run_id = ? AND status IN"
                             f" ({', '.join('?' * len(wanted))})", (status, run_id, *wanted)).rowcount

    def record_outcomes(self, run_id: int, results: Sequence[tuple[int, str, Any, Any, str]], *,
                        start_next: Sequence[int] = ()) -> None:
        """Write a batch's outcomes ``(seq, status, outcome, error, finished)`` and, in the same
        transaction, the intents (``started``) of the next batch: one commit per batch."""
        with self._tx() as c:
            c.executemany("UPDATE actions SET status = ?, outcome = coalesce(?, outcome), error = ?,"
                          " finished = ? WHERE run_id = ? AND seq = ?",
                          [(st, _dumps(out), _dumps(error_json(err)), fin, run_id, seq)
                           for seq, st, out, err, fin in results])
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
        c.executemany("INSERT INTO undos (run_id, seq, at, status, reason) VALUES (?, ?, ?, ?, ?)",
                      [(run_id, seq, at, st, reason) for seq, st, reason, at in results])
        c.executemany("UPDATE actions SET status = ?, undone_at = ?, error = ? WHERE run_id = ? AND seq = ?",
                      [(_undo_action_status(st), at if st == "undone" else None,
                        _dumps({"type": "UndoRefused", "message": reason, "hint": ""}) if reason else None,
                        run_id, seq) for seq, st, reason, at in results])

    def action_counts(self, run_id: int) -> dict[str, int]:
        """How many of a run's actions are in each status (cheap: no JSON decoded)."""
        return dict(self._fetch("SELECT status, count(*) FROM actions WHERE run_id = ? GROUP BY status",
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

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

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
                          [(run_id, last + i, stamp, _redact(line)) for i, line in enumerate(items, 1)])

    def logs(self, run_id: int) -> list[str]:
        """A run's log lines, in order."""
        return [r[0] for r in self._fetch("SELECT line FROM logs WHERE run_id = ? ORDER BY seq", (run_id,))]

    def log_entries(self, run_id: int) -> list[dict[str, Any]]:
        """A run's log lines with their ``seq`` and time, for a timeline."""
        return self._rows("SELECT seq, at, line FROM logs WHERE run_id = ? ORDER BY seq", (run_id,))

    # ---- model exchanges --------------------------------------------------------------------

    def add_exchange(self, kind: str, *, run_id: int | None = None, model: str = "", prompt: Any = "",
                     answer: Any = "", tokens_in: int = 0, tokens_out: int = 0, cost: float = 0.0,
                     latency_ms: int = 0, error: BaseException | Mapping[str, Any] | str | None = None
                     ) -> int:
        """Log one prompt/answer with a model (prompt, repair, caption…); key-like strings are redacted."""
        def text(value: Any) -> str:
            return _redact(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))

        err = error if isinstance(error, str) or error is None else json.dumps(error_json(error))
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO exchanges (run_id, kind, model, prompt, answer, tokens_in, tokens_out, cost,"
                " latency_ms, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, kind, model, text(prompt), text(answer), tokens_in, tokens_out, cost, latency_ms,
                 None if err is None else _redact(err), now()))
            if run_id is not None:
                self._sum_usage(c, [run_id])
            return int(cur.lastrowid or 0)

    def exchanges(self, run_id: int | None) -> list[dict[str, Any]]:
        """A run's exchanges in order (``None``: those not attached to any run)."""
        if run_id is None:
            return self._rows("SELECT * FROM exchanges WHERE run_id IS NULL ORDER BY id")
        return self._rows("SELECT * FROM exchanges WHERE run_id = ? ORDER BY id", (run_id,))

    def attach_exchanges(self, ids: Iterable[int], run_id: int) -> None:
        """Give exchanges made while planning (before the run existed) to the run; sums its usage."""
        wanted = list(ids)
        with self._tx() as c:
            c.executemany("UPDATE exchanges SET run_id = ? WHERE id = ?", [(run_id, i) for i in wanted])
            self._sum_usage(c, [run_id])

    @staticmethod
    def _sum_usage(c: sqlite3.Connection, run_ids: Iterable[int]) -> None:
        for rid in run_ids:
            c.execute("UPDATE runs SET (tokens_in, tokens_out, cost) = (SELECT coalesce(sum(tokens_in), 0),"
                      " coalesce(sum(tokens_out), 0), coalesce(sum(cost), 0) FROM exchanges WHERE run_id = ?)"
                      " WHERE id = ?", (rid, rid))

    # ---- caption cache ------------------------------------------------------------------------

    def cached_caption(self, image_hash: str, model: str) -> dict[str, Any] | None:
        rows = self._fetch("SELECT caption FROM captions WHERE image_hash = ? AND model = ?",
                           (image_hash, model))
        return _loads(rows[0][0]) if rows else None

    def store_caption(self, image_hash: str, model: str, caption: Mapping[str, Any]) -> None:
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO captions (image_hash, model, caption, at) VALUES (?, ?, ?, ?)",
                      (image_hash, model, _dumps(dict(caption)), now()))

    # ---- automations ----------------------------------------------------------------------------

    def add_automation(self, name: str, watch_dir: str | Path, script: str,
                       grants: Iterable[Grant | Mapping[str, Any]], *, request: str = "", pattern: str = "*",
                       events: Sequence[str] = ("created",), enabled: bool = True) -> int:
        """Save an automation; JournalError if the name is taken."""
        try:
            with self._tx() as c:
                cur = c.execute(
                    "INSERT INTO automations (name, watch_dir, pattern, events, script, grants, request,"
                    " enabled, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (name, str(watch_dir), pattern, _dumps(list(events)), script,
                     _dumps(_grants_json(grants)), request, int(enabled), now()))
                return int(cur.lastrowid or 0)
        except sqlite3.IntegrityError:
            raise JournalError(f"An automation named {name!r} already exists.",
                               "Choose another name, or remove the old automation first.") from None

    def automations(self) -> list[dict[str, Any]]:
        return [self._decode_automation(r) for r in self._rows("SELECT * FROM automations ORDER BY id")]

    def automation(self, name_or_id: str | int) -> dict[str, Any]:
        """One automation by id or name; JournalError if there is none."""
        column = "id" if isinstance(name_or_id, int) else "name"
        rows = self._rows(f"SELECT * FROM automations WHERE {column} = ?", (name_or_id,))
        if not rows:
            raise JournalError(f"There is no automation {name_or_id!r}.",
                               "See `errand automations` for the ones saved.")
        return self._decode_automation(rows[0])

    def update_automation(self, automation_id: int, **fields: Any) -> None:
        unknown = set(fields) - _AUTOMATION_FIELDS
        if unknown:
            raise ValueError(f"unknown automation fields: {sorted(unknown)}")
        if "grants" in fields:
            fields["grants"] = _dumps(_grants_json(fields["grants"]))
        if "events" in fields:
            fields["events"] = _dumps(list(fields["events"]))
        for key in ("watch_dir",):
            if key in fields:
                fields[key] = str(fields[key])
        if "enabled" in fields:
            fields["enabled"] = int(bool(fields["enabled"]))
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self._tx() as c:
            if c.execute(f"UPDATE automations SET {sets} WHERE id = ?",
                         (*fields.values(), automation_id)).rowcount == 0:
                raise JournalError(f"There is no automation {automation_id}.", "")

    def remove_automation(self, automation_id: int) -> None:
        with self._tx() as c:
            c.execute("DELETE FROM seen_files WHERE automation_id = ?", (automation_id,))
            c.execute("DELETE FROM automations WHERE id = ?", (automation_id,))

    def mark_seen(self, automation_id: int, path: str | Path, size: int, mtime_ns: int,
                  run_id: int | None = None, status: str = "seen") -> bool:
        """Remember a file version an automation handled; False if it was already seen."""
        with self._tx() as c:
            cur = c.execute("INSERT OR IGNORE INTO seen_files (automation_id, path, size, mtime_ns, run_id,"
                            " status, handled_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (automation_id, str(path), size, mtime_ns, run_id, status, now()))
            return cur.rowcount == 1

    def update_seen(self, automation_id: int, path: str | Path, size: int, mtime_ns: int, *,
                    run_id: int | None, status: str) -> None:
        """Record what happened to a seen file (the run it triggered, ``applied``/``failed``…)."""
        with self._tx() as c:
            c.execute("UPDATE seen_files SET run_id = ?, status = ?, handled_at = ? WHERE automation_id = ?"
                      " AND path = ? AND size = ? AND mtime_ns = ?",
                      (run_id, status, now(), automation_id, str(path), size, mtime_ns))

    def is_seen(self, automation_id: int, path: str | Path, size: int, mtime_ns: int) -> bool:
        return bool(self._fetch("SELECT 1 FROM seen_files WHERE automation_id = ? AND path = ? AND size = ?"
                                " AND mtime_ns = ?", (automation_id, str(path), size, mtime_ns)))

    def seen_files(self, automation_id: int) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM seen_files WHERE automation_id = ? ORDER BY id", (automation_id,))

    @staticmethod
    def _decode_automation(row: dict[str, Any]) -> dict[str, Any]:
        row["events"] = _loads(row["events"])
        row["grants"] = _loads(row["grants"])
        row["enabled"] = bool(row["enabled"])
        return row


def _undo_action_status(undo_status: str) -> str:
    return {"undone": "undone", "refused": "undo_refused"}.get(undo_status, "done")
