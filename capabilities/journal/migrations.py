"""The journal's schema, as numbered migrations applied when the database opens.

Each migration is a function registered, in order, on one
``sqlite_utils.Migrations`` set; sqlite-utils records which ones ran in
``_sqlite_migrations``. Never edit a migration that has shipped: add the next
one. ``upgrade`` copies the database file first (``<name>.bak-<n>``) whenever
an existing journal is about to change, so a failed upgrade loses nothing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from capabilities.journal.schema import MIGRATION_NAMES, MIGRATION_SET
from capabilities.private import write_private

__all__ = ["MIGRATIONS", "backup_path", "migration_names", "upgrade"]

MIGRATIONS = Migrations(MIGRATION_SET)


@MIGRATIONS()
def m001_runs_actions_logs(db: Database) -> None:
    """Runs, their planned and applied actions, and their log lines."""
    db.execute("""
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            request TEXT NOT NULL DEFAULT '',
            script TEXT NOT NULL DEFAULT '',
            summary TEXT NOT NULL DEFAULT '',
            model TEXT,
            planner TEXT NOT NULL DEFAULT 'script',
            grants TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL,
            trigger TEXT,
            started TEXT NOT NULL,
            finished TEXT,
            result TEXT,
            error TEXT,
            tokens_in INTEGER NOT NULL DEFAULT 0,
            tokens_out INTEGER NOT NULL DEFAULT 0,
            cost REAL NOT NULL DEFAULT 0
        )""")
    db.execute("CREATE INDEX runs_status ON runs(status)")
    db.execute("""
        CREATE TABLE actions (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            seq INTEGER NOT NULL,
            capability TEXT NOT NULL,
            op TEXT NOT NULL,
            args TEXT NOT NULL DEFAULT '{}',
            detail TEXT NOT NULL DEFAULT '{}',
            summary TEXT NOT NULL DEFAULT '',
            before TEXT,
            after TEXT,
            status TEXT NOT NULL DEFAULT 'planned',
            outcome TEXT,
            error TEXT,
            started TEXT,
            finished TEXT,
            undone_at TEXT,
            PRIMARY KEY (run_id, seq)
        )""")
    db.execute("""
        CREATE TABLE logs (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            seq INTEGER NOT NULL,
            at TEXT NOT NULL,
            line TEXT NOT NULL,
            PRIMARY KEY (run_id, seq)
        )""")


@MIGRATIONS()
def m002_undos_and_owner(db: Database) -> None:
    """Each undo journaled on its own; which process is applying a run (crash detection)."""
    db.execute("""
        CREATE TABLE undos (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id),
            seq INTEGER NOT NULL,
            at TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT
        )""")
    db.execute("CREATE INDEX undos_run ON undos(run_id, seq)")
    # "host:pid:start-token" of the process applying or undoing the run; NULL when idle.
    db.execute("ALTER TABLE runs ADD COLUMN owner TEXT")


@MIGRATIONS()
def m003_exchanges_captions(db: Database) -> None:
    """Every prompt and answer exchanged with a model, and the image caption cache."""
    db.execute("""
        CREATE TABLE exchanges (
            id INTEGER PRIMARY KEY,
            run_id INTEGER REFERENCES runs(id),
            kind TEXT NOT NULL,
            model TEXT NOT NULL DEFAULT '',
            prompt TEXT NOT NULL DEFAULT '',
            answer TEXT NOT NULL DEFAULT '',
            tokens_in INTEGER NOT NULL DEFAULT 0,
            tokens_out INTEGER NOT NULL DEFAULT 0,
            cost REAL NOT NULL DEFAULT 0,
            latency_ms INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            at TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX exchanges_run ON exchanges(run_id)")
    db.execute("""
        CREATE TABLE captions (
            image_hash TEXT NOT NULL,
            model TEXT NOT NULL,
            caption TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (image_hash, model)
        )""")


@MIGRATIONS()
def m004_automations(db: Database) -> None:
    """Folder-watch automations and the files each one has already handled."""
    db.execute("""
        CREATE TABLE automations (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            watch_dir TEXT NOT NULL,
            pattern TEXT NOT NULL DEFAULT '*',
            events TEXT NOT NULL DEFAULT '["created"]',
            script TEXT NOT NULL DEFAULT '',
            grants TEXT NOT NULL DEFAULT '[]',
            request TEXT NOT NULL DEFAULT '',
            enabled INTEGER NOT NULL DEFAULT 1,
            failures INTEGER NOT NULL DEFAULT 0,
            paused_reason TEXT,
            created TEXT NOT NULL,
            last_run TEXT
        )""")
    db.execute("""
        CREATE TABLE seen_files (
            id INTEGER PRIMARY KEY,
            automation_id INTEGER NOT NULL REFERENCES automations(id),
            path TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            run_id INTEGER REFERENCES runs(id),
            status TEXT NOT NULL DEFAULT 'seen',
            handled_at TEXT NOT NULL,
            UNIQUE (automation_id, path, size, mtime_ns)
        )""")


@MIGRATIONS()
def m005_actions_in_doubt(db: Database) -> None:
    """Find actions caught mid-way by a crash without scanning every action ever journaled."""
    db.execute("CREATE INDEX actions_in_doubt ON actions(run_id) WHERE status IN ('started', 'undoing')")


@MIGRATIONS()
def m006_runs_left_alone(db: Database) -> None:
    """What a run left as it was while the rest went ahead (JSON list; NULL: nothing): a partial run."""
    db.execute("ALTER TABLE runs ADD COLUMN left_alone TEXT")


@MIGRATIONS()
def m007_action_states(db: Database) -> None:
    """An action's state (status, outcome, error, times) in its own narrow row, apart from its plan.

    Apply and undo write every action's state at least twice (intent, outcome). In the one wide
    row that also held the plan's args and detail, each write rewrote ~1 KB of JSON; a narrow
    row costs a few dozen bytes (``bench/bench_journal_rows.py``). The plan itself never changes
    once applied. ``actions`` stays, as a view joining the two, so every reader is unchanged.
    """
    db.execute("""
        CREATE TABLE planned_actions (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            seq INTEGER NOT NULL,
            capability TEXT NOT NULL,
            op TEXT NOT NULL,
            args TEXT NOT NULL DEFAULT '{}',
            detail TEXT NOT NULL DEFAULT '{}',
            summary TEXT NOT NULL DEFAULT '',
            before TEXT,
            after TEXT,
            PRIMARY KEY (run_id, seq)
        )""")
    db.execute("""
        CREATE TABLE action_states (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            seq INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'planned',
            outcome TEXT,
            error TEXT,
            started TEXT,
            finished TEXT,
            undone_at TEXT,
            PRIMARY KEY (run_id, seq)
        ) WITHOUT ROWID""")
    db.execute("INSERT INTO planned_actions SELECT run_id, seq, capability, op, args, detail, summary,"
               " before, after FROM actions")
    db.execute("INSERT INTO action_states SELECT run_id, seq, status, outcome, error, started, finished,"
               " undone_at FROM actions")
    db.execute("DROP INDEX actions_in_doubt")
    db.execute("DROP TABLE actions")
    db.execute("CREATE INDEX action_states_in_doubt ON action_states(run_id)"
               " WHERE status IN ('started', 'undoing')")
    db.execute("""
        CREATE VIEW actions AS
        SELECT p.run_id, p.seq, p.capability, p.op, p.args, p.detail, p.summary, p.before, p.after,
               s.status, s.outcome, s.error, s.started, s.finished, s.undone_at
        FROM planned_actions p JOIN action_states s ON s.run_id = p.run_id AND s.seq = p.seq""")


def migration_names() -> list[str]:
    """All migrations in order (the schema's version history)."""
    return [m.name for m in MIGRATIONS._migrations]


# schema.py reads a journal's version without sqlite-utils; its list must match these functions.
if tuple(migration_names()) != MIGRATION_NAMES:
    raise RuntimeError("capabilities/journal/schema.py MIGRATION_NAMES does not match the migrations: "
                       f"{migration_names()}")


def backup_path(path: Path, applied: int) -> Path:
    return path.with_name(f"{path.name}.bak-{applied}")


def upgrade(db: Database, path: Path | None) -> Path | None:
    """Apply pending migrations; copy an existing database first. Returns the copy's path, if any.

    The migrations run inside one ``BEGIN IMMEDIATE`` so two processes opening
    an old journal at once cannot both migrate it (sqlite-utils nests each
    migration in a savepoint).
    """
    pending = MIGRATIONS.pending(db)
    if not pending:
        return None
    applied = len(MIGRATIONS.applied(db))
    copy = None
    if path is not None and applied > 0:
        copy = backup_path(path, applied)
        write_private(copy, b"")  # the copy holds the same history: private like the journal
        target = sqlite3.connect(str(copy))
        try:
            db.conn.backup(target)  # consistent even with a live WAL, unlike a file copy
        finally:
            target.close()
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        MIGRATIONS.apply(db)
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")
    return copy
