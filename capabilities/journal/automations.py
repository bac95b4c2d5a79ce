"""Automations (folder-watch triggers with a saved script and standing grants) and the files each
one has already handled (``seen_files``, unique per file version)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from capabilities.base import Grant
from capabilities.journal.db import JournalBase, JournalError, dumps, grants_json, loads, now

__all__ = ["AutomationRecords"]

_AUTOMATION_FIELDS = {"name", "watch_dir", "pattern", "events", "script", "grants", "request", "enabled",
                      "failures", "paused_reason", "last_run"}


class AutomationRecords(JournalBase):
    """Plain CRUD over automations and seen files."""

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
                    (name, str(watch_dir), pattern, dumps(list(events)), script,
                     dumps(grants_json(grants)), request, int(enabled), now()))
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
            fields["grants"] = dumps(grants_json(fields["grants"]))
        if "events" in fields:
            fields["events"] = dumps(list(fields["events"]))
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
        row["events"] = loads(row["events"])
        row["grants"] = loads(row["grants"])
        row["enabled"] = bool(row["enabled"])
        return row
