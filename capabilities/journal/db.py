"""The journal's connection: opening (WAL, migrations, refusals), transactions, and JSON helpers.

``JournalBase`` holds one SQLite connection behind a lock, shared by the record
mixins (``runs``, ``exchanges``, ``automations``) that make up ``Journal``.
Transactions are explicit (``_tx`` takes ``BEGIN IMMEDIATE`` so a busy
database waits up front instead of failing half-way).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from capabilities.base import Grant
from capabilities.errors import ErrandError, error_dict
from capabilities.journal.schema import MIGRATION_NAMES, applied_names
from capabilities.private import PRIVATE_FILE, make_private
from capabilities.redaction import redact  # things that look like API keys never reach the database

__all__ = ["JournalBase", "JournalError", "dumps", "error_json", "grants_json", "loads", "now", "redact"]


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


def _encoder(*, ensure_ascii: bool) -> Callable[[Any], str]:
    """``json.JSONEncoder(ensure_ascii=…, default=str).encode``, built once, without its Python layers.

    ``encode`` makes a new C encoder on every call (half of its time for an apply's small outcome
    dicts); this one is made once and gives the very same text. No circular-reference check: the
    journal's values are JSON a script sent (decoded, so without cycles) or the host's own dicts.
    """
    plain = json.JSONEncoder(ensure_ascii=ensure_ascii, default=str)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python without json's C part
        return plain.encode
    strings = json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring
    chunks = make(None, str, strings, None, plain.key_separator, plain.item_separator, False, False, True)
    return lambda value: "".join(chunks(value, 0))


_ENCODE = _encoder(ensure_ascii=False)  # built once: apply encodes 10,000s
_ENCODE_ASCII = _encoder(ensure_ascii=True)


def dumps(value: Any) -> str | None:
    """JSON text for a column. A file name that is not UTF-8 reaches Python as lone surrogates
    (``surrogateescape``), which SQLite refuses: such a value is written with ``\\udcxx``
    escapes instead, which ``loads`` turns back into the very same name."""
    if value is None:
        return None
    text = _ENCODE(value)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return _ENCODE_ASCII(value)
    return text


def shown(text: str | None) -> str | None:
    """A column of words for people (a summary): lone surrogates written as visible escapes, as
    ``display.safe_text`` would show them (the exact name lives in the action's JSON)."""
    if text is None or text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8") if _has_surrogate(text) else text


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# json's C scanner without ``json.loads``' Python layers (undo decodes 10,000s of columns)
_SCAN = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def loads(text: str | None) -> Any:
    """The value of a JSON column (as ``json.loads``; the journal's own compact text is scanned directly)."""
    if text is None:
        return None
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        end = -1
    return value if end == len(text) else json.loads(text)  # anything else: json's full rules and errors


def grants_json(grants: Iterable[Grant | Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [g.to_json() if isinstance(g, Grant) else dict(g) for g in grants]


def error_json(error: BaseException | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An error as the journal keeps it: the one shape (``errors.error_dict``) without a ``line`` that
    is not known, or a record already made (a script's ``ScriptError``) with all its fields; either
    way with keys redacted (provider errors can quote the key they were given)."""
    if error is None:
        return None
    if isinstance(error, Mapping):
        data = dict(error)
    else:
        data = error_dict(error)
        if data["line"] is None:
            del data["line"]
    return {k: redact(v) if isinstance(v, str) else v for k, v in data.items()}



def _create_private(path: Path) -> None:
    """The database file is created 0600 before SQLite opens it (its -wal and -shm files take
    the database's mode); one an older version made 0644 is narrowed."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        make_private(path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
    except OSError:
        pass  # SQLite says what is wrong with the folder, in its own words


class JournalBase:
    """One open journal database. Thread-safe (one connection behind a lock)."""

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _create_private(self.path)
        # isolation_level=None: transactions are explicit (``_tx``), never implicit.
        conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None,
                               check_same_thread=False)
        self._lock = threading.RLock()
        self._conn = conn
        self.backup: Path | None = None
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            # FULL, not NORMAL: in WAL mode FULL syncs the log at every commit, NORMAL only at
            # checkpoints, so after a power cut NORMAL could lose the last committed intents while
            # the disk kept the renames they announced (a change nothing could undo). Apply and undo
            # commit once per batch (up to MAX_BATCH actions), so this is one fsync per batch.
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            applied = applied_names(conn)
            self._refuse_newer(applied)
            if applied != list(MIGRATION_NAMES):
                from sqlite_utils import Database  # only when the schema must change

                from capabilities.journal.migrations import upgrade

                self.backup = upgrade(Database(conn, execute_plugins=False), self.path)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise JournalError(f"Errand's journal {self.path} cannot be opened: {exc}.",
                               "Move that file away (it holds the history of past runs) and start Errand "
                               "again; a new, empty journal will be created.") from exc
        except JournalError:
            conn.close()
            raise

    def _refuse_newer(self, applied: list[str]) -> None:
        """A journal written by a newer Errand has migrations this one does not know: never touch it."""
        unknown = [name for name in applied if name not in MIGRATION_NAMES]
        if unknown:
            raise JournalError(f"The journal {self.path} was written by a newer version of Errand "
                               f"(it has {', '.join(unknown)}).",
                               "Install that newer version again, or move the file away to start afresh.")

    @property
    def conn(self) -> sqlite3.Connection:
        return self._conn

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front so a busy database waits instead of failing later.

        A write the disk refuses (full, read-only, I/O error, locked too long) becomes a
        JournalError; nothing of the transaction is kept, so an intent that could not be
        written is never followed by its effect.
        """
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self.conn
                    self.conn.execute("COMMIT")
                except BaseException:
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise
            except sqlite3.IntegrityError as exc:
                if "FOREIGN KEY" not in str(exc):
                    raise  # e.g. a UNIQUE name: the caller words it
                raise JournalError("That refers to a run or an automation that is not in the journal.",
                                   "See `errand history` for the runs it holds.") from exc
            except sqlite3.OperationalError as exc:
                hint = ("Free some disk space or check the folder's permissions. An apply stopped by "
                        "this is rolled back (or finished) by `errand recover`.")
                raise JournalError(f"Errand could not write to its journal ({self.path}): {exc}.",
                                   hint) from exc

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            cur = self.conn.execute(sql, params)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()
