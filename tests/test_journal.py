"""The journal: schema from a fresh start and from every older version, and its record API."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from capabilities.base import Grant
from capabilities.journal import Journal, JournalError, migration_names
from capabilities.journal.migrations import MIGRATIONS
from capabilities.plan import ActionPlan, left_alone_lines, left_alone_words
from capabilities.status import is_partial

EXPECTED_COLUMNS = {
    "runs": ["id", "request", "script", "summary", "model", "planner", "grants", "status", "trigger",
             "started", "finished", "result", "error", "tokens_in", "tokens_out", "cost", "owner",
             "left_alone"],
    "actions": ["run_id", "seq", "capability", "op", "args", "detail", "summary", "before", "after",
                "status", "outcome", "error", "started", "finished", "undone_at"],  # a view of the next two
    "planned_actions": ["run_id", "seq", "capability", "op", "args", "detail", "summary", "before", "after"],
    "action_states": ["run_id", "seq", "status", "outcome", "error", "started", "finished", "undone_at"],
    "logs": ["run_id", "seq", "at", "line"],
    "undos": ["id", "run_id", "seq", "at", "status", "reason"],
    "exchanges": ["id", "run_id", "kind", "model", "prompt", "answer", "tokens_in", "tokens_out", "cost",
                  "latency_ms", "error", "at"],
    "captions": ["image_hash", "model", "caption", "at"],
    "automations": ["id", "name", "watch_dir", "pattern", "events", "script", "grants", "request",
                    "enabled", "failures", "paused_reason", "created", "last_run"],
    "seen_files": ["id", "automation_id", "path", "size", "mtime_ns", "run_id", "status", "handled_at"],
}


def shape(path: Path) -> dict[str, object]:
    """Tables and views → columns (name, type, notnull, default, pk) and indexes, independent of SQL
    text layout."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
                                             " AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        result: dict[str, object] = {}
        for t in tables:
            cols = [tuple(r[1:]) for r in conn.execute(f"PRAGMA table_info({t})")]
            idx = sorted((r[1], r[2]) for r in conn.execute(f"PRAGMA index_list({t})"))
            result[t] = (cols, idx)
        return result
    finally:
        conn.close()


def test_fresh_database_has_the_expected_schema(tmp_path: Path) -> None:
    path = tmp_path / "errand.db"
    with Journal(path) as j:
        assert j.backup is None  # nothing to copy when creating
        assert j.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    got = shape(path)
    for table, columns in EXPECTED_COLUMNS.items():
        cols, _ = got[table]  # type: ignore[misc]
        assert [c[0] for c in cols] == columns, table
    assert set(got) == {*EXPECTED_COLUMNS, "_sqlite_migrations"}
    with Journal(path) as again:  # reopening changes nothing and copies nothing
        assert again.backup is None
    assert shape(path) == got


@pytest.mark.parametrize("version", range(len(migration_names())))
def test_upgrade_from_every_older_version(tmp_path: Path, version: int) -> None:
    fresh = tmp_path / "fresh.db"
    Journal(fresh).close()
    old = tmp_path / "old.db"
    names = migration_names()
    db = Database(old)
    MIGRATIONS.apply(db, stop_before=names[version])
    has_runs = "runs" in db.table_names()
    if has_runs:  # data written by the old version must survive the upgrade
        db.execute("INSERT INTO runs (request, script, grants, status, started)"
                   " VALUES ('old chore', 'x = 1', '[]', 'applied', '2020-01-01')")
    db.close()

    with Journal(old) as j:
        if version == 0:
            assert j.backup is None  # an empty database has nothing worth copying
        else:
            assert j.backup is not None and j.backup.exists()
            assert [r[0] for r in sqlite3.connect(j.backup).execute(
                "SELECT name FROM _sqlite_migrations ORDER BY id")] == names[:version]
        if has_runs:
            assert j.run(1)["request"] == "old chore"
    assert shape(old) == shape(fresh)


def test_a_partial_run_is_journaled_as_partial_and_older_runs_read_as_whole(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    db = Database(old)
    MIGRATIONS.apply(db, stop_before="m006_runs_left_alone")  # a journal from before partial runs
    db.execute("INSERT INTO runs (request, script, grants, status, started)"
               " VALUES ('old chore', 'x = 1', '[]', 'applied', '2020-01-01')")
    db.close()
    left = [{"item": "Downloads/a:b.txt", "call": "files.move", "reason": "no", "hint": "", "kind": "file"},
            {"item": "“Beta”", "call": "calendar.events", "reason": "bad", "hint": "", "kind": "event"}]
    with Journal(old) as j:
        assert j.run(1)["left_alone"] is None and not is_partial(j.run(1)["status"], None)
        new = j.start_run("sort", "x = 1", [])
        j.update_run(new, left_alone=left)
        j.finish_run(new, "applied")
        assert [r["left_alone"] for r in j.runs()] == [left, None]
        assert is_partial("applied", j.run(new)["left_alone"])
        assert not is_partial("refused", j.run(new)["left_alone"])  # nothing went ahead


def test_actions_written_before_state_rows_read_the_same_and_a_crashed_apply_still_recovers(
        tmp_path: Path) -> None:
    """m007 moved each action's state out of its wide row: every column of a journal from before
    reads back the same, an apply a crash interrupted there is still found, and it can go on."""
    old = tmp_path / "old.db"
    db = Database(old)
    MIGRATIONS.apply(db, stop_before="m007_action_states")
    db.execute("INSERT INTO runs (request, script, grants, status, started)"
               " VALUES ('sort', 'x = 1', '[]', 'applying', '2020-01-01')")
    rows = [(1, 1, "files", "rename", '{"src": "Trip/a"}', '{"fingerprint": {"ino": 7}}', "Rename a",
             "Trip/a", "Trip/b", "done", '{"undo": "rename back"}', None, "t1", "t2", None),
            (1, 2, "files", "rename", '{"src": "Trip/c"}', '{"hold_id": "h2"}', "Rename c", "Trip/c",
             "Trip/d", "started", None, None, "t3", None, None),
            (1, 3, "files", "delete", '{"path": "Trip/e"}', '{}', "Delete e", "Trip/e", None,
             "planned", None, '{"type": "X"}', None, None, None)]
    db.conn.executemany("INSERT INTO actions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.conn.commit()
    db.close()

    with Journal(old) as j:
        columns = EXPECTED_COLUMNS["actions"]
        assert [tuple(r[c] for c in columns) for r in j._rows("SELECT * FROM actions ORDER BY seq")] == rows
        assert j.action_counts(1) == {"done": 1, "started": 1, "planned": 1}
        assert [r["id"] for r in j.unfinished_runs()] == [1]  # the in-doubt index came along
        assert j.holding_ids_needed() == {"h2"}
        j.record_outcomes(1, [(2, "done", {"undo": "rename back"}, None, "t4")], start_next=[3])
        assert [(a["seq"], a["status"], a["outcome"]) for a in j.actions(1)] == [
            (1, "done", {"undo": "rename back"}), (2, "done", {"undo": "rename back"}), (3, "started", None)]
        assert j.actions(1)[1]["summary"] == "Rename c"  # the plan's own columns are untouched
        assert j.backup is not None and j.backup.exists()  # the old file was copied first


def test_left_alone_words_count_by_kind() -> None:
    file, event = {"kind": "file"}, {"kind": "event"}
    assert left_alone_words([]) == ""
    assert left_alone_words([file]) == "1 file left alone"
    assert left_alone_words([file, file, file, event, event]) == "3 files and 2 events left alone"
    assert left_alone_words([{}, {"kind": "<b>odd</b>"}, event]) == "2 items and 1 event left alone"
    assert left_alone_lines([{"item": "Trip/x", "reason": "Why.", "hint": "Do.", "kind": "file"}]) == [
        "1 file left alone (the rest goes ahead):", "  Trip/x: Why. Do."]


def test_runs_record_and_read_back(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.db") as j:
        grants = [Grant("files", "/tmp/x", "ro", "X")]
        rid = j.start_run("tidy", "files.list('X')", grants, summary="List X", model="openai/x",
                          planner="recipe:tidy", trigger={"automation": "inbox", "file": "/tmp/x/a"})
        j.set_status(rid, "previewed")
        j.finish_run(rid, "failed", result={"n": 3}, error=ValueError("bad thing"))
        run = j.run(rid)
        assert run["grants"] == [grants[0].to_json()]
        assert run["trigger"] == {"automation": "inbox", "file": "/tmp/x/a"}
        assert run["status"] == "failed" and run["result"] == {"n": 3}
        assert run["error"] == {"type": "ValueError", "message": "bad thing", "hint": ""}
        assert run["finished"] >= run["started"]
        second = j.start_run("again", "", [])
        assert [r["id"] for r in j.runs()] == [second, rid]
        triggered = j.start_run("file it", "", [], trigger={"automation_id": 7, "file": "/in/a.pdf"})
        j.start_run("text trigger", "", [], trigger="automation 7")  # not JSON object: never matches
        assert [r["id"] for r in j.runs(automation_id=7)] == [triggered]
        assert j.runs(automation_id=8) == []
        assert len(j.runs(limit=1)) == 1
        with pytest.raises(JournalError) as missing:
            j.run(999)
        assert "999" in str(missing.value) and "history" in missing.value.hint
        with pytest.raises(JournalError):
            j.set_status(999, "applied")
        with pytest.raises(ValueError):
            j.update_run(rid, id=5)
        with pytest.raises(JournalError, match="not in the journal"):
            j.add_log(999, "a line for no run")
        with pytest.raises(JournalError, match="not in the journal"):
            j.attach_exchanges([j.add_exchange("prompt")], 999)


def test_plan_actions_and_logs(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.db") as j:
        rid = j.start_run("r", "s", [])
        plan = ActionPlan()
        plan.add("files", "rename", {"src": "A/a", "dst": "A/b"}, {"src": "/a"}, "Rename a → b", "a", "b")
        plan.add("files", "delete", {"path": "A/c"}, {}, "Delete c")
        j.save_plan(rid, plan)
        j.save_plan(rid, plan)  # a second preview replaces the first
        acts = j.actions(rid)
        assert [(a["seq"], a["op"], a["status"]) for a in acts] == [(1, "rename", "planned"),
                                                                   (2, "delete", "planned")]
        assert acts[0]["args"] == {"src": "A/a", "dst": "A/b"} and acts[0]["before"] == "a"
        assert j.run(rid)["action_count"] == 2
        j.mark_actions(rid, [1], "started")
        j.record_outcomes(rid, [(1, "done", {"src": "/b", "dst": "/a"}, None, "t")])
        assert j.actions(rid, statuses=["done"])[0]["outcome"] == {"src": "/b", "dst": "/a"}
        with pytest.raises(JournalError, match="already been applied"):
            j.save_plan(rid, plan)

        j.add_log(rid, "one\ntwo")
        j.add_log(rid, ["three"])
        j.add_log(rid, [])
        assert j.logs(rid) == ["one", "two", "three"]
        assert [e["seq"] for e in j.log_entries(rid)] == [1, 2, 3]


def test_a_report_reads_what_it_shows_and_the_same_as_the_full_rows(tmp_path: Path) -> None:
    from desktop.core.report import RunReport

    with Journal(tmp_path / "j.db") as j:
        rid = j.start_run("r", "s", [])
        plan = ActionPlan()
        plan.add("files", "rename", {"src": "A/\udcff", "dst": "A/.bashrc"},
                 {"src": "/a", "risk": "a shell start-up file", "fingerprint": {"ino": 1}},
                 "Rename \udcff → .bashrc", "A/\udcff", "A/.bashrc")
        plan.add("files", "delete", {"path": "A/c"}, {"path": "/c"}, "Delete c", "A/c")
        j.save_plan(rid, plan)
        j.mark_actions(rid, [1, 2], "started")
        j.record_outcomes(rid, [(1, "done", {"after": None}, None, "t"),
                                (2, "failed", None, {"type": "BackendError", "message": "m", "hint": "h"},
                                 "t")])
        lean, full = j.report_actions(rid), j.actions(rid)
        assert all("detail" not in row and "outcome" not in row for row in lean)
        assert lean[0]["args"]["src"] == "A/\udcff" and lean[1]["error"]["type"] == "BackendError"
        run = j.run(rid)
        shown = RunReport.from_journal(run, lean, [])
        assert shown.to_json() == RunReport.from_journal(run, full, []).to_json()
        assert shown.actions[0]["flagged"] == "a shell start-up file" and "flagged" not in shown.actions[1]


def test_exchanges_attach_sum_usage_and_never_keep_keys(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.db") as j:
        key = "sk-" + "A1b2" * 8
        messages = [{"role": "user", "content": f"use {key}"}]
        first = j.add_exchange("prompt", model="openai/x", prompt=messages, answer="files.list('X')",
                               tokens_in=100, tokens_out=20, cost=0.5, latency_ms=80)
        second = j.add_exchange("repair", model="openai/x", prompt="fix", answer="ok", tokens_in=10,
                                tokens_out=5, cost=0.25, error=RuntimeError("timeout"))
        assert [e["id"] for e in j.exchanges(None)] == [first, second]
        rid = j.start_run("r", "s", [])
        j.attach_exchanges([first, second], rid)
        assert j.exchanges(None) == []
        ex = j.exchanges(rid)
        assert ex[0]["kind"] == "prompt" and json.loads(ex[1]["error"])["message"] == "timeout"
        run = j.run(rid)
        assert (run["tokens_in"], run["tokens_out"], run["cost"]) == (110, 25, 0.75)
        j.finish_run(rid, "failed", error=PermissionError(f"Incorrect API key provided: {key}"))
        assert j.run(rid)["error"]["message"] == "Incorrect API key provided: [redacted key]"
        j.add_log(rid, f"calling with {key}")
        raw = b"".join(p.read_bytes() for p in tmp_path.glob("j.db*"))
        assert key.encode() not in raw and "[redacted key]" in ex[0]["prompt"]


def test_caption_cache(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.db") as j:
        assert j.cached_caption("abc", "m") is None
        j.store_caption("abc", "m", {"text": "a dog"})
        j.store_caption("abc", "m", {"text": "a dog on a beach"})
        j.store_caption("abc", "other", {"text": "dog"})
        assert j.cached_caption("abc", "m") == {"text": "a dog on a beach"}
        assert j.cached_caption("abc", "other") == {"text": "dog"}


def test_automations_and_seen_files(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.db") as j:
        aid = j.add_automation("invoices", tmp_path, "files.list('D')", [Grant("files", str(tmp_path))],
                               request="file invoices", pattern="*.pdf")
        with pytest.raises(JournalError, match="already exists"):
            j.add_automation("invoices", tmp_path, "", [])
        auto = j.automation("invoices")
        assert auto == j.automation(aid)
        assert auto["events"] == ["created"] and auto["enabled"] is True and auto["pattern"] == "*.pdf"
        j.update_automation(aid, enabled=False, failures=3, paused_reason="3 failures in a row",
                            events=["created", "moved"])
        auto = j.automation(aid)
        assert (auto["enabled"], auto["failures"], auto["events"]) == (False, 3, ["created", "moved"])
        with pytest.raises(ValueError):
            j.update_automation(aid, id=3)

        assert j.mark_seen(aid, "/d/a.pdf", 10, 111) is True
        assert j.mark_seen(aid, "/d/a.pdf", 10, 111) is False  # the same version again
        assert j.mark_seen(aid, "/d/a.pdf", 12, 222) is True  # a new version of the file
        assert j.is_seen(aid, "/d/a.pdf", 10, 111) and not j.is_seen(aid, "/d/b.pdf", 10, 111)
        rid = j.start_run("file invoices", "", [], trigger={"automation": "invoices", "file": "/d/a.pdf"})
        j.update_seen(aid, "/d/a.pdf", 10, 111, run_id=rid, status="applied")
        assert j.seen_files(aid)[0]["run_id"] == rid

        j.remove_automation(aid)
        assert j.automations() == [] and j.seen_files(aid) == []
        with pytest.raises(JournalError, match="no automation"):
            j.automation("invoices")


def test_readable_from_another_process_while_a_write_is_open(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Journal(path) as j:
        rid = j.start_run("committed", "", [])
        with j._tx() as c:  # a write transaction held open, as during an apply batch
            c.execute("UPDATE runs SET status = 'applying' WHERE id = ?", (rid,))
            code = ("import sys; from capabilities.journal import Journal;"
                    f"j = Journal(sys.argv[1], timeout=0.5); print(j.run({rid})['status'])")
            out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                                 timeout=60, cwd=Path(__file__).parent.parent)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "previewing"  # sees the last committed state, without waiting
        assert j.run(rid)["status"] == "applying"


def test_a_damaged_journal_gets_a_clear_message_and_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "errand.db"
    path.write_bytes(b"this is not a database, but it might be worth keeping" * 100)
    before = path.read_bytes()
    with pytest.raises(JournalError, match="cannot be opened") as info:
        Journal(path)
    assert "Move that file away" in info.value.hint
    assert path.read_bytes() == before


def test_a_journal_from_a_newer_errand_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "errand.db"
    Journal(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
                 " VALUES ('errand.journal', 'm999_from_the_future', '2030-01-01')")
    conn.commit()
    conn.close()
    with pytest.raises(JournalError, match="newer version of Errand") as info:
        Journal(path)
    assert "m999_from_the_future" in str(info.value) and info.value.hint


def test_a_large_report_is_read_a_page_at_a_time_and_reads_as_the_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop.core import report
    from desktop.core.report import JournalActions, RunReport

    monkeypatch.setattr(report, "PAGE", 3)
    with Journal(tmp_path / "j.db") as j:
        rid = j.start_run("r", "s", [])
        plan = ActionPlan()
        for i in range(8):
            plan.add("files", "rename", {"src": f"A/{i}", "dst": f"A/r{i}"}, {"src": f"/{i}"}, f"Rename {i}",
                     f"A/{i}", f"A/r{i}")
        j.save_plan(rid, plan)
        j.mark_actions(rid, [1, 2], "started")
        j.record_outcomes(rid, [(1, "done", {}, None, "t"), (2, "done", {}, None, "t")])
        pages: list[tuple[int, int]] = []

        def page(after: int, limit: int) -> list[dict[str, object]]:
            pages.append((after, limit))
            return j.report_actions(rid, after=after, limit=limit)

        lazy = JournalActions(page, j.action_counts(rid))
        whole = RunReport.from_journal(j.run(rid), j.report_actions(rid), [])
        shown = RunReport.from_journal(j.run(rid), lazy, [])
        assert len(shown.actions) == 8 and shown.counts() == {"done": 2, "planned": 6} == whole.counts()
        assert shown.actions == whole.actions and shown.to_json() == whole.to_json()
        pages.clear()
        assert list(shown.actions) == whole.actions
        assert pages == [(0, 3), (3, 3), (6, 3)]  # each page starts after the last one's seq
        assert shown.actions[0]["seq"] == 1 and shown.actions[-1]["seq"] == 8
        assert [a["seq"] for a in shown.actions[2:5]] == [3, 4, 5]
        assert shown.actions[::-3] == whole.actions[::-3]
        with pytest.raises(IndexError):
            shown.actions[8]


@pytest.mark.parametrize("text", ['{"a": [1, 2.5, null, true, "\\u00e9"]}', '"\\udcff name"', "3", "[]",
                                  ' {"spaced": 1} ', '{"a": "x"}', "NaN", '{"n": 12345678901234567890}'])
def test_a_json_column_reads_as_json_loads_reads_it(text: str) -> None:
    from capabilities.journal.db import loads

    found, expected = loads(text), json.loads(text)
    assert found == expected or (found != found and expected != expected)  # NaN is not itself
    assert type(found) is type(expected)


@pytest.mark.parametrize("text", ['{"a": 1} trailing', "", "{", '{"a": 1}{"b": 2}'])
def test_a_json_column_that_is_not_one_value_is_refused_as_json_loads_refuses_it(text: str) -> None:
    from capabilities.journal.db import loads

    with pytest.raises(json.JSONDecodeError):
        loads(text)


@pytest.mark.parametrize("value", [
    {"undo": "rename back", "folders": {"Trip": [1733212345123456789, 1733212345123456790]}},
    {"a": [1, 2.5, None, True, "é → x"], "b": {"c": float("inf"), "d": -0.0}}, "a \x00\n\"\\ name", 3, [],
    {1: "an int key", "p": Path("/x"), "nested": [[{"deep": [1]}]]}, "caf\udce9.jpg", {"odd": "\udcff"}])
def test_a_json_column_is_written_as_json_dumps_writes_it(value: object) -> None:
    from capabilities.journal.db import dumps, loads

    text = json.dumps(value, ensure_ascii=False, default=str)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a name that is not UTF-8: written with escapes
        text = json.dumps(value, ensure_ascii=True, default=str)
    assert dumps(value) == text
    assert dumps(loads(dumps(value))) == text  # and it reads back as what was written


def test_outcomes_are_journaled_the_same_however_they_are_grouped(tmp_path: Path) -> None:
    """A stretch done at one time gets its status and time in one statement; each action reads back
    with its own status, outcome, error and time, and the next batch's intents are written too."""
    from capabilities.errors import SourceChanged

    refusal = SourceChanged("“Rename 11” changed since the preview.", "Preview again.")
    results: list[tuple[int, str, object, object, str]] = (
        [(s, "done", {"undo": "rename back", "n": s}, None, "t1") for s in range(1, 11)]  # a stretch
        + [(s, "done", {"n": s}, None, "t1") for s in range(11, 14)]  # too short to be one
        + [(s, "done", {"n": s}, None, "t2") for s in range(14, 30)]  # another time: another stretch
        + [(31, "done", {"n": 31}, None, "t2"),  # seq 30 missing: not in the stretch before
           (32, "skipped", None, refusal, "t3")])
    with Journal(tmp_path / "j.db") as j:
        rid = j.start_run("r", "s", [])
        plan = ActionPlan()
        for i in range(40):
            plan.add("files", "rename", {}, {"src": f"/{i}"}, f"Rename {i}")
        j.save_plan(rid, plan)
        j.mark_actions(rid, list(range(1, 33)), "started")
        j.record_outcomes(rid, results, start_next=[33, 34])
        rows = {a["seq"]: a for a in j.actions(rid)}
    for seq, status, outcome, error, finished in results:
        row = rows[seq]
        assert (row["status"], row["outcome"], row["finished"]) == (status, outcome, finished), seq
        assert (row["error"] is None) == (error is None), seq
    assert rows[32]["error"]["message"] == refusal.message
    assert rows[30]["status"] == "started" and rows[30]["outcome"] is None  # untouched
    assert [rows[s]["status"] for s in (33, 34, 35)] == ["started", "started", "planned"]
