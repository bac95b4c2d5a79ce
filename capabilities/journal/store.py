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
``failed`` | ``not_done``; ``applying`` → ``applied`` | ``failed`` | ``cancelled``;
``undoing`` → ``undone`` | ``partly_undone``; after a crash ``recover`` sets
``rolled_back`` or ``applied``. Actions: ``planned`` → ``started`` →
``done`` | ``failed``; ``skipped`` (the apply stopped first); ``undoing`` →
``undone`` | ``undo_refused``.
"""

from __future__ import annotations

from capabilities.journal.automations import AutomationRecords
from capabilities.journal.db import JournalError, error_json, now
from capabilities.journal.exchanges import ModelRecords
from capabilities.journal.runs import RunRecords

__all__ = ["Journal", "JournalError", "error_json", "now"]


class Journal(RunRecords, ModelRecords, AutomationRecords):
    """The journal database: ``Journal(path)`` opens it, creating or upgrading it; records in the mixins."""
