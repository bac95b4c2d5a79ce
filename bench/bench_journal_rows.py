"""Per-action journal write cost of an apply: today's wide-row updates against a narrow state table.

Same run, same disk, WAL + synchronous=FULL, batches 1, 2, 4 … 8192 as apply
journals them (one commit per batch). Three ways of recording a batch:

- ``wide``: today (m001 ``actions``): the batch's intents (``started``, one
  UPDATE … BETWEEN) and then one UPDATE per action writing the outcome into
  the wide row that also holds args/detail/summary/before/after.
- ``wide-outcome-only``: the same without the per-row intent update (what a
  batch-level intent row would leave).
- ``narrow``: the mutable state (status, outcome, error, times) in its own
  narrow WITHOUT ROWID table, one row written per action.
- ``state-rows``: what the journal does since m007: every action has its
  narrow state row from the plan on (``planned``); a batch's intents are one
  UPDATE … BETWEEN of those rows and its outcomes one UPDATE per row, with the
  journal's partial index of actions in doubt maintained, as in ``wide``.

Every way keeps the partial ``in doubt`` index on the table it updates, as the journal does.

Usage: bench_journal_rows.py [N] [--repeat K]  (prints min/median/max µs per action and the load).
A design aid for issue #20, not a test of Errand's code: it touches no journal of Errand's.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import tempfile
import time

_ACTIONS = """CREATE TABLE actions (run_id INTEGER, seq INTEGER, capability TEXT, op TEXT, args TEXT,
  detail TEXT, summary TEXT, before TEXT, after TEXT, status TEXT DEFAULT 'planned', outcome TEXT,
  error TEXT, started TEXT, finished TEXT, undone_at TEXT, PRIMARY KEY (run_id, seq))"""
_STATE = """CREATE TABLE state (run_id INTEGER, seq INTEGER, status TEXT, outcome TEXT, error TEXT,
  started TEXT, finished TEXT, PRIMARY KEY (run_id, seq)) WITHOUT ROWID"""
_IN_DOUBT = "CREATE INDEX {table}_in_doubt ON {table}(run_id) WHERE status IN ('started', 'undoing')"
_PATH = "/home/someone/Pictures/holiday 2026/" + "IMG_" * 20
_OUTCOME = json.dumps({"src": _PATH + "b.jpg", "dst": _PATH + "a.jpg", "ino": 1234567, "dev": 2049})


def _journal(folder: str, n: int) -> sqlite3.Connection:
    conn = sqlite3.connect(os.path.join(tempfile.mkdtemp(dir=folder), "journal.db"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(_ACTIONS)
    conn.execute(_STATE)
    for table in ("actions", "state"):
        conn.execute(_IN_DOUBT.format(table=table))
    wide = json.dumps({"src": _PATH + "a.jpg", "dst": _PATH + "b.jpg", "reach": 1})
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO actions (run_id, seq, capability, op, args, detail, summary, before, after)"
                     " VALUES (1, ?, 'files', 'rename', ?, ?, ?, ?, ?)",
                     [(s, wide, wide, f"Rename {_PATH}a.jpg to b.jpg", _PATH + "a.jpg", _PATH + "b.jpg")
                      for s in range(n)])
    conn.executemany("INSERT INTO state (run_id, seq, status) VALUES (1, ?, 'planned')",
                     [(s,) for s in range(n)])
    conn.execute("COMMIT")
    return conn


def _record(conn: sqlite3.Connection, way: str, lo: int, hi: int) -> None:
    if way == "narrow":
        conn.executemany("INSERT OR REPLACE INTO state VALUES (1, ?, 'done', ?, NULL, 't', 't')",
                         [(s, _OUTCOME) for s in range(lo, hi)])
        return
    if way == "state-rows":
        conn.execute("UPDATE state SET status = 'started', started = 't'"
                     " WHERE run_id = 1 AND seq BETWEEN ? AND ?", (lo, hi - 1))
        conn.executemany("UPDATE state SET status = 'done', outcome = ?, error = NULL, finished = 't'"
                         " WHERE run_id = 1 AND seq = ?", [(_OUTCOME, s) for s in range(lo, hi)])
        return
    if way == "wide":
        conn.execute("UPDATE actions SET status = 'started', started = 't'"
                     " WHERE run_id = 1 AND seq BETWEEN ? AND ?", (lo, hi - 1))
    conn.executemany("UPDATE actions SET status = 'done', outcome = ?, error = NULL, finished = 't'"
                     " WHERE run_id = 1 AND seq = ?", [(_OUTCOME, s) for s in range(lo, hi)])


def per_action_us(folder: str, way: str, n: int) -> float:
    conn = _journal(folder, n)
    started = time.perf_counter()
    lo, size = 0, 1
    while lo < n:
        hi = min(n, lo + size)
        conn.execute("BEGIN")
        _record(conn, way, lo, hi)
        conn.execute("COMMIT")
        lo, size = hi, min(size * 2, 8192)
    conn.close()
    return (time.perf_counter() - started) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for way in ("wide", "wide-outcome-only", "narrow", "state-rows"):
            xs = [per_action_us(folder, way, args.n) for _ in range(args.repeat)]
            print(f"{way:18} {min(xs):6.1f} / {statistics.median(xs):6.1f} / {max(xs):6.1f} µs per action"
                  f" (min/median/max of {args.repeat}, n={args.n})")
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
