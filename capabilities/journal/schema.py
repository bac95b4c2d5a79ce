"""Which schema a journal has, read with plain sqlite3 (no sqlite-utils import).

Opening an up-to-date journal is the common case (every ``errand`` command);
it only needs the names of the migrations already applied. sqlite-utils
(~45 ms to import) is loaded only when a migration is actually pending
(``migrations.upgrade``). ``migrations`` checks at import that its functions
and ``MIGRATION_NAMES`` agree, so the list cannot drift.
"""

from __future__ import annotations

import sqlite3

__all__ = ["MIGRATION_NAMES", "MIGRATION_SET", "applied_names", "migration_names"]

MIGRATION_SET = "errand.journal"
MIGRATION_NAMES = (
    "m001_runs_actions_logs",
    "m002_undos_and_owner",
    "m003_exchanges_captions",
    "m004_automations",
    "m005_actions_in_doubt",
    "m006_runs_left_alone",
    "m007_action_states",
)


def migration_names() -> list[str]:
    """All migrations in order (the schema's version history)."""
    return list(MIGRATION_NAMES)


def applied_names(conn: sqlite3.Connection) -> list[str]:
    """The migrations this database has had, in order (none for a new file)."""
    try:
        rows = conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY id",
                            (MIGRATION_SET,)).fetchall()
    except sqlite3.OperationalError:  # no such table: a new journal
        return []
    return [row[0] for row in rows]
