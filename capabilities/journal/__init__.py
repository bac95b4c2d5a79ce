"""The journal: Errand's SQLite record of runs, actions, undos, logs, model exchanges,
the caption cache and automations. All of Errand's SQL lives in this package:
``migrations`` holds the schema's history, ``store`` the ``Journal`` class."""

from __future__ import annotations

from capabilities.journal.db import loads
from capabilities.journal.schema import migration_names
from capabilities.journal.store import Journal, JournalError, error_json, now

__all__ = ["Journal", "JournalError", "error_json", "loads", "migration_names", "now"]
