"""Model exchanges (every prompt and answer, with tokens and cost) and the image caption cache."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from capabilities.journal.db import JournalBase, dumps, error_json, loads, now, redact

__all__ = ["ModelRecords"]


class ModelRecords(JournalBase):
    """What was asked of a model and what it answered; captions cached by image hash and model."""

    # ---- model exchanges --------------------------------------------------------------------

    def add_exchange(self, kind: str, *, run_id: int | None = None, model: str = "", prompt: Any = "",
                     answer: Any = "", tokens_in: int = 0, tokens_out: int = 0, cost: float = 0.0,
                     latency_ms: int = 0, error: BaseException | Mapping[str, Any] | str | None = None
                     ) -> int:
        """Log one prompt/answer with a model (prompt, repair, caption…); key-like strings are redacted."""
        def text(value: Any) -> str:
            return redact(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))

        err = error if isinstance(error, str) or error is None else json.dumps(error_json(error))
        with self._tx() as c:
            cur = c.execute(
                "INSERT INTO exchanges (run_id, kind, model, prompt, answer, tokens_in, tokens_out, cost,"
                " latency_ms, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, kind, model, text(prompt), text(answer), tokens_in, tokens_out, cost, latency_ms,
                 None if err is None else redact(err), now()))
            if run_id is not None:
                self._sum_usage(c, [run_id])
            return int(cur.lastrowid or 0)

    def exchanges(self, run_id: int | None) -> list[dict[str, Any]]:
        """A run's exchanges in order (``None``: those not attached to any run)."""
        if run_id is None:
            return self._rows("SELECT * FROM exchanges WHERE run_id IS NULL ORDER BY id")
        return self._rows("SELECT * FROM exchanges WHERE run_id = ? ORDER BY id", (run_id,))

    def all_exchanges(self) -> list[dict[str, Any]]:
        """Every exchange in this journal, in order (an eval's own journal, summed up)."""
        return self._rows("SELECT * FROM exchanges ORDER BY id")

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
        return loads(rows[0][0]) if rows else None

    def caption_count(self) -> int:
        """How many picture descriptions are kept (one per picture and model)."""
        return int(self._fetch("SELECT count(*) FROM captions")[0][0])

    def clear_captions(self) -> int:
        """Forget every kept picture description (the next run asks the model again); how many went."""
        with self._tx() as c:
            return int(c.execute("DELETE FROM captions").rowcount or 0)

    def store_caption(self, image_hash: str, model: str, caption: Mapping[str, Any]) -> None:
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO captions (image_hash, model, caption, at) VALUES (?, ?, ?, ?)",
                      (image_hash, model, dumps(dict(caption)), now()))
